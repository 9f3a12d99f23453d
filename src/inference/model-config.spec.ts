import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOSS_TASKS, ModelConfigError, parseModelConfig, validateModelConfig, type LossName, type Task } from './model-config.js';

// A copy of models/credit/config.json, so the test does not move when the demo model does.
const CREDIT_CONFIG = `{
  "task": "binary",
  "input": "input",
  "features": ["age", "income", "debt_ratio", "tenure_months", "num_accounts"],
  "output": "probabilities",
  "classes": ["repaid", "default"],
  "positiveClass": "default",
  "threshold": 0.5,
  "loss": { "name": "log_loss" },
  "segments": ["region", "channel"],
  "sensitive": ["gender"],
  "privileged": { "gender": "m" },
  "drift": { "method": "auto", "minSamples": 100 },
  "fairness": { "minSamples": 30 }
}`;

/** The message validateModelConfig refuses `json` with, or a failure if it accepts it. */
function configFailure(json: unknown): string {
  try {
    validateModelConfig(json);
  } catch (error) {
    if (error instanceof ModelConfigError) return error.message;
    throw error;
  }
  throw new Error('validateModelConfig accepted the config');
}

describe('parseModelConfig', () => {
  it('parses the credit config with the defaults filled in', () => {
    expect(parseModelConfig(CREDIT_CONFIG)).toEqual({
      task: 'binary',
      input: 'input',
      features: ['age', 'income', 'debt_ratio', 'tenure_months', 'num_accounts'],
      categorical: [],
      output: 'probabilities',
      classes: ['repaid', 'default'],
      positiveClass: 'default',
      threshold: 0.5,
      loss: { name: 'log_loss', params: {} },
      segments: ['region', 'channel'],
      sensitive: ['gender'],
      privileged: { gender: 'm' },
      drift: { method: 'auto', threshold: null, minSamples: 100 },
      fairness: { minSamples: 30 },
    });
  });

  it('fills every default for a config that only names the task', () => {
    expect(parseModelConfig('{"task": "multiclass"}')).toEqual({
      task: 'multiclass',
      categorical: [],
      threshold: 0.5,
      segments: [],
      sensitive: [],
      privileged: {},
      drift: { method: 'auto', threshold: null, minSamples: 100 },
      fairness: { minSamples: 30 },
    });
  });

  it('fills the drift and fairness defaults inside partial objects', () => {
    const config = parseModelConfig('{"task": "regression", "drift": {"method": "psi"}, "fairness": {}}');
    expect(config.drift).toEqual({ method: 'psi', threshold: null, minSamples: 100 });
    expect(config.fairness).toEqual({ minSamples: 30 });
  });

  it.each<[string]>([['credit'], ['demand'], ['iris']])('parses the shipped models/%s/config.json', (model) => {
    const text = readFileSync(new URL(`../../models/${model}/config.json`, import.meta.url), 'utf8');
    expect(() => parseModelConfig(text)).not.toThrow();
  });

  it.each<[string, string]>([
    ['truncated', '{"task": '],
    ['empty', ''],
    ['not JSON at all', 'task: binary'],
  ])('refuses %s text as invalid JSON', (_label, text) => {
    expect(() => parseModelConfig(text)).toThrowError(ModelConfigError);
    expect(() => parseModelConfig(text)).toThrowError(/^config\.json: not valid JSON \(/);
  });

  it('names the source it was given in the message', () => {
    expect(() => parseModelConfig('{"task": "ranking"}', 'models/x/config.json')).toThrowError(/^models\/x\/config\.json: task: /);
  });
});

describe('validateModelConfig', () => {
  it('refuses a config without a task, naming task', () => {
    expect(configFailure({ features: ['a'] })).toMatch(/^config\.json: task: /);
  });

  it.each<[string, unknown, string[]]>([
    ['a top-level key', { task: 'binary', colour: 'red' }, ['"colour"']],
    ['a key in drift', { task: 'binary', drift: { method: 'psi', window: '1h' } }, ['drift: ', '"window"']],
    ['a key in loss', { task: 'binary', loss: { name: 'log_loss', weight: 2 } }, ['loss: ', '"weight"']],
    ['a key in fairness', { task: 'binary', fairness: { minSamples: 30, maxSamples: 50 } }, ['fairness: ', '"maxSamples"']],
  ])('refuses an unknown key: %s', (_label, json, fragments) => {
    const message = configFailure(json);
    for (const fragment of fragments) expect(message).toContain(fragment);
  });

  it.each<[LossName, Task, string]>([
    ['log_loss', 'regression', 'binary, multiclass'],
    ['focal', 'regression', 'binary, multiclass'],
    ['hinge', 'multiclass', 'binary'],
    ['hinge', 'regression', 'binary'],
    ['brier', 'regression', 'binary, multiclass'],
    ['zero_one', 'regression', 'binary, multiclass'],
    ['mse', 'binary', 'regression'],
    ['mse', 'multiclass', 'regression'],
    ['mae', 'binary', 'regression'],
    ['mae', 'multiclass', 'regression'],
    ['huber', 'binary', 'regression'],
    ['huber', 'multiclass', 'regression'],
    ['quantile', 'binary', 'regression'],
    ['quantile', 'multiclass', 'regression'],
  ])('refuses loss %s on a %s model, naming loss.name', (name, task, fits) => {
    expect(configFailure({ task, loss: { name } })).toBe(`config.json: loss.name: loss "${name}" does not fit task "${task}" (it fits ${fits})`);
  });

  it('knows which tasks each loss fits', () => {
    expect(LOSS_TASKS).toEqual({
      log_loss: ['binary', 'multiclass'],
      focal: ['binary', 'multiclass'],
      hinge: ['binary'],
      brier: ['binary', 'multiclass'],
      zero_one: ['binary', 'multiclass'],
      mse: ['regression'],
      mae: ['regression'],
      huber: ['regression'],
      quantile: ['regression'],
    });
  });

  it.each<[LossName, Task]>([
    ['log_loss', 'binary'],
    ['log_loss', 'multiclass'],
    ['focal', 'binary'],
    ['focal', 'multiclass'],
    ['hinge', 'binary'],
    ['brier', 'binary'],
    ['brier', 'multiclass'],
    ['zero_one', 'binary'],
    ['zero_one', 'multiclass'],
    ['mse', 'regression'],
    ['mae', 'regression'],
    ['huber', 'regression'],
    ['quantile', 'regression'],
  ])('accepts loss %s on a %s model', (name, task) => {
    expect(validateModelConfig({ task, loss: { name } }).loss).toEqual({ name, params: {} });
  });

  it('refuses an unknown loss name, naming loss.name', () => {
    expect(configFailure({ task: 'binary', loss: { name: 'cross_entropy' } })).toMatch(/^config\.json: loss\.name: /);
  });

  it.each<[string, unknown, string]>([
    [
      'a positiveClass that is not a class',
      { task: 'binary', classes: ['repaid', 'default'], positiveClass: 'late' },
      'config.json: positiveClass: "late" is not one of classes',
    ],
    ['a positiveClass without classes', { task: 'binary', positiveClass: 'default' }, 'config.json: positiveClass: needs "classes"'],
    ['a binary model with 3 classes', { task: 'binary', classes: ['a', 'b', 'c'] }, 'config.json: classes: a binary model has exactly two classes'],
    ['classes on a regression model', { task: 'regression', classes: ['a', 'b'] }, 'config.json: classes: "classes" is for classifiers, not regression'],
    [
      'a categorical feature that is not a feature',
      { task: 'regression', features: ['price', 'weekday'], categorical: ['weekday', 'store'] },
      'config.json: categorical.1: "store" is not one of features',
    ],
    ['duplicate features', { task: 'regression', features: ['price', 'price'] }, 'config.json: features: feature names must be unique'],
    [
      'a privileged key that is not sensitive',
      { task: 'binary', sensitive: ['gender'], privileged: { age: 'old' } },
      'config.json: privileged.age: "age" is not one of sensitive',
    ],
    [
      'a cost matrix with too many columns',
      { task: 'binary', classes: ['a', 'b'], loss: { name: 'zero_one', costMatrix: [[0, 1, 1], [1, 0, 1]] } },
      'config.json: loss.costMatrix: must be 2×2 (classes × classes)',
    ],
    [
      'a cost matrix with too few rows',
      { task: 'multiclass', classes: ['a', 'b', 'c'], loss: { name: 'zero_one', costMatrix: [[0, 1, 1], [1, 0, 1]] } },
      'config.json: loss.costMatrix: must be 3×3 (classes × classes)',
    ],
    [
      'a ragged cost matrix',
      { task: 'binary', classes: ['a', 'b'], loss: { name: 'zero_one', costMatrix: [[0, 1], [1]] } },
      'config.json: loss.costMatrix: must be 2×2 (classes × classes)',
    ],
    ['a huber delta of 0', { task: 'regression', loss: { name: 'huber', params: { delta: 0 } } }, 'config.json: loss.params.delta: must be > 0, got 0'],
    ['a quantile tau over 1', { task: 'regression', loss: { name: 'quantile', params: { tau: 1.5 } } }, 'config.json: loss.params.tau: must be in [0, 1], got 1.5'],
    ['a negative focal gamma', { task: 'binary', loss: { name: 'focal', params: { gamma: -1 } } }, 'config.json: loss.params.gamma: must be ≥ 0, got -1'],
    ['a focal alpha over 1', { task: 'binary', loss: { name: 'focal', params: { alpha: 2 } } }, 'config.json: loss.params.alpha: must be in [0, 1], got 2'],
    ['a misspelt param', { task: 'regression', loss: { name: 'huber', params: { detla: 2 } } }, 'config.json: loss.params.detla: loss "huber" takes "delta"'],
    ['a param of a loss that takes none', { task: 'binary', loss: { name: 'log_loss', params: { eps: 1e-7 } } }, 'config.json: loss.params.eps: loss "log_loss" takes no params'],
    [
      'a class weight past 1e198 (its losses could pass what the aggregates can sum)',
      { task: 'binary', classes: ['a', 'b'], loss: { name: 'log_loss', classWeights: { a: 1e199 } } },
      'config.json: loss.classWeights.a: must be at most 1e198',
    ],
    [
      'a cost past ±1e200',
      { task: 'binary', classes: ['a', 'b'], loss: { name: 'zero_one', costMatrix: [[0, -1e201], [1, 0]] } },
      'config.json: loss.costMatrix.0.1: must be within ±1e200',
    ],
    [
      'a cost matrix without classes',
      { task: 'binary', loss: { name: 'zero_one', costMatrix: [[0, 1], [1, 0]] } },
      'config.json: loss.costMatrix: needs "classes"',
    ],
    [
      'a cost matrix on a regression model',
      { task: 'regression', loss: { name: 'mse', costMatrix: [[0, 1], [1, 0]] } },
      'config.json: loss.costMatrix: a cost matrix is for classifiers',
    ],
    [
      'class weights for an unknown class',
      { task: 'binary', classes: ['repaid', 'default'], loss: { name: 'log_loss', classWeights: { repaid: 1, late: 2 } } },
      'config.json: loss.classWeights.late: "late" is not one of classes',
    ],
    [
      'a segment key with a space',
      { task: 'binary', segments: ['sales region'] },
      'config.json: segments.0: must match [A-Za-z_][A-Za-z0-9_]* (at most 64 characters)',
    ],
    [
      'a segment key starting with a digit',
      { task: 'binary', segments: ['region', '2nd_channel'] },
      'config.json: segments.1: must match [A-Za-z_][A-Za-z0-9_]* (at most 64 characters)',
    ],
    [
      'a sensitive key of 65 characters',
      { task: 'binary', sensitive: ['a'.repeat(65)] },
      'config.json: sensitive.0: must match [A-Za-z_][A-Za-z0-9_]* (at most 64 characters)',
    ],
    ['the segment key prediction_id', { task: 'binary', segments: ['prediction_id'] }, 'config.json: segments.0: "prediction_id" is reserved'],
    ['the sensitive key prediction_id', { task: 'binary', sensitive: ['gender', 'prediction_id'] }, 'config.json: sensitive.1: "prediction_id" is reserved'],
  ])('refuses %s', (_label, json, message) => {
    expect(configFailure(json)).toBe(message);
  });

  it.each<[string, unknown]>([
    ['0', 0],
    ['1', 1],
    ['1.5', 1.5],
  ])('refuses threshold %s, naming threshold', (_label, threshold) => {
    expect(configFailure({ task: 'binary', threshold })).toMatch(/^config\.json: threshold: /);
  });

  it('accepts class weights and a cost matrix that fit the classes', () => {
    const config = validateModelConfig({
      task: 'binary',
      classes: ['repaid', 'default'],
      loss: { name: 'zero_one', classWeights: { repaid: 1, default: 4 }, costMatrix: [[0, 1], [5, 0]] },
    });
    expect(config.loss).toEqual({ name: 'zero_one', params: {}, classWeights: { repaid: 1, default: 4 }, costMatrix: [[0, 1], [5, 0]] });
  });
});
