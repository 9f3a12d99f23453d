import { z } from 'zod';

export const TASKS = ['binary', 'multiclass', 'regression'] as const;
export type Task = (typeof TASKS)[number];

/** Which tasks each loss of METRICS.md §1 fits. */
export const LOSS_TASKS = {
  log_loss: ['binary', 'multiclass'],
  focal: ['binary', 'multiclass'],
  hinge: ['binary'],
  brier: ['binary', 'multiclass'],
  zero_one: ['binary', 'multiclass'],
  mse: ['regression'],
  mae: ['regression'],
  huber: ['regression'],
  quantile: ['regression'],
} as const satisfies Record<string, readonly Task[]>;

export type LossName = keyof typeof LOSS_TASKS;

/** The `params` each loss takes (METRICS §1) and the values each may have; any other key is refused at load. */
const LOSS_PARAMS: Record<LossName, Record<string, { test: (value: number) => boolean; range: string }>> = {
  log_loss: {},
  focal: { gamma: { test: (v) => v >= 0, range: '≥ 0' }, alpha: { test: (v) => v >= 0 && v <= 1, range: 'in [0, 1]' } },
  hinge: {},
  brier: {},
  zero_one: {},
  mse: {},
  mae: {},
  huber: { delta: { test: (v) => v > 0, range: '> 0' } },
  quantile: { tau: { test: (v) => v >= 0 && v <= 1, range: 'in [0, 1]' } },
};

/** Segment and attribute keys become Prometheus label values and JSON keys: keep them plain. */
const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const key = z.string().regex(KEY, 'must match [A-Za-z_][A-Za-z0-9_]* (at most 64 characters)');
const RESERVED_KEYS = new Set(['prediction_id']);

const lossSchema = z.strictObject({
  name: z.enum(Object.keys(LOSS_TASKS) as [LossName, ...LossName[]]),
  params: z.record(z.string(), z.number().finite()).default({}),
  // Bounded so that a label's loss stays within what the aggregates can sum (1e200, performance-sums.ts MAX_SUMMAND;
  // a class weight multiplies a loss of at most −ln 1e-15 ≈ 34.5).
  classWeights: z.record(z.string(), z.number().nonnegative().max(1e198, 'must be at most 1e198')).optional(),
  costMatrix: z.array(z.array(z.number().min(-1e200, 'must be within ±1e200').max(1e200, 'must be within ±1e200'))).optional(),
});

export const modelConfigSchema = z
  .strictObject({
    task: z.enum(TASKS),
    input: z.string().min(1).optional(),
    features: z.array(z.string().min(1)).optional(),
    categorical: z.array(z.string().min(1)).default([]),
    output: z.string().min(1).optional(),
    classes: z.array(z.string().min(1)).min(2).optional(),
    positiveClass: z.string().min(1).optional(),
    threshold: z.number().gt(0).lt(1).default(0.5),
    loss: lossSchema.optional(),
    segments: z.array(key).default([]),
    sensitive: z.array(key).default([]),
    privileged: z.record(z.string(), z.string()).default({}),
    drift: z
      .strictObject({
        method: z.enum(['auto', 'psi', 'ks', 'wasserstein', 'js', 'chi2']).default('auto'),
        threshold: z.number().nullable().default(null),
        minSamples: z.number().int().positive().default(100),
      })
      .default({ method: 'auto', threshold: null, minSamples: 100 }),
    fairness: z.strictObject({ minSamples: z.number().int().positive().default(30) }).default({ minSamples: 30 }),
  })
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const loss = config.loss;
    if (loss && !(LOSS_TASKS[loss.name] as readonly Task[]).includes(config.task)) {
      issue(['loss', 'name'], `loss "${loss.name}" does not fit task "${config.task}" (it fits ${LOSS_TASKS[loss.name].join(', ')})`);
    }
    if (config.task === 'binary' && config.classes && config.classes.length !== 2) {
      issue(['classes'], 'a binary model has exactly two classes');
    }
    if (config.task === 'regression') {
      for (const field of ['classes', 'positiveClass'] as const) {
        if (config[field] !== undefined) issue([field], `"${field}" is for classifiers, not regression`);
      }
    }
    if (config.positiveClass !== undefined && config.classes && !config.classes.includes(config.positiveClass)) {
      issue(['positiveClass'], `"${config.positiveClass}" is not one of classes`);
    }
    if (config.positiveClass !== undefined && !config.classes) issue(['positiveClass'], 'needs "classes"');
    config.categorical.forEach((name, i) => {
      if (config.features && !config.features.includes(name)) issue(['categorical', i], `"${name}" is not one of features`);
    });
    if (config.features && new Set(config.features).size !== config.features.length) issue(['features'], 'feature names must be unique');
    if (config.classes && new Set(config.classes).size !== config.classes.length) issue(['classes'], 'class names must be unique');
    for (const field of ['segments', 'sensitive'] as const) {
      config[field].forEach((name, i) => {
        if (RESERVED_KEYS.has(name)) issue([field, i], `"${name}" is reserved`);
      });
    }
    for (const attribute of Object.keys(config.privileged)) {
      if (!config.sensitive.includes(attribute)) issue(['privileged', attribute], `"${attribute}" is not one of sensitive`);
    }
    if (loss) {
      const allowed = LOSS_PARAMS[loss.name];
      for (const [name, value] of Object.entries(loss.params)) {
        const rule = allowed[name];
        if (!rule) issue(['loss', 'params', name], `loss "${loss.name}" takes ${Object.keys(allowed).map((k) => `"${k}"`).join(', ') || 'no params'}`);
        else if (!rule.test(value)) issue(['loss', 'params', name], `must be ${rule.range}, got ${value}`);
      }
    }
    if (loss?.classWeights) {
      for (const name of Object.keys(loss.classWeights)) {
        if (!config.classes?.includes(name)) issue(['loss', 'classWeights', name], `"${name}" is not one of classes`);
      }
    }
    if (loss?.costMatrix) {
      const k = config.classes?.length;
      if (config.task === 'regression') issue(['loss', 'costMatrix'], 'a cost matrix is for classifiers');
      else if (!k) issue(['loss', 'costMatrix'], 'needs "classes"');
      else if (loss.costMatrix.length !== k || loss.costMatrix.some((row) => row.length !== k)) {
        issue(['loss', 'costMatrix'], `must be ${k}×${k} (classes × classes)`);
      }
    }
  });

export type ModelConfig = z.infer<typeof modelConfigSchema>;

export class ModelConfigError extends Error {}

/** Parses config.json text; the message names the offending key. */
export function parseModelConfig(text: string, source = 'config.json'): ModelConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  return validateModelConfig(json, source);
}

export function validateModelConfig(json: unknown, source = 'config.json'): ModelConfig {
  const parsed = modelConfigSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new ModelConfigError(`${source}: ${problems.join('; ')}`);
}
