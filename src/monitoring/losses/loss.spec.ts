// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import type { LossName } from '../../inference/model-config.js';
import { classificationLoss, regressionLoss, type LossSpec } from './loss.js';

const binary = (name: LossName, extra: Partial<LossSpec> = {}): LossSpec => ({ name, params: {}, positiveIndex: 1, threshold: 0.5, ...extra });
const multiclass = (name: LossName, extra: Partial<LossSpec> = {}): LossSpec => ({ name, params: {}, positiveIndex: -1, threshold: 0.5, ...extra });
const regression = (name: LossName, params: Record<string, number> = {}): LossSpec => ({ name, params, positiveIndex: -1, threshold: 0.5 });

// The binary window: classes [neg, pos], positive index 1, threshold 0.5.
// PB = [[0.1, 0.9], [0.35, 0.65], [0.8, 0.2], [0.6, 0.4], [0, 1], [1, 0], [0.5, 0.5], [0.3, 0.7]],
// yB = [1, 0, 1, 0, 1, 1, 0, 1], ŷ = np.where(PB[:, 1] >= 0.5, 1, 0) = [1, 1, 0, 0, 1, 0, 1, 1].
const PB = [[0.1, 0.9], [0.35, 0.65], [0.8, 0.2], [0.6, 0.4], [0, 1], [1, 0], [0.5, 0.5], [0.3, 0.7]];
const YB = [1, 0, 1, 0, 1, 1, 0, 1];
// The 3-class window: yM = [0, 1, 1, 1, 2, 0, 2], ŷ = np.argmax(PM, axis=1) = [0, 1, 2, 0, 2, 1, 0].
const PM = [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2], [0, 0, 1], [0.25, 0.5, 0.25], [1, 0, 0]];
const YM = [0, 1, 1, 1, 2, 0, 2];

const windowMean = (spec: LossSpec, rows: number[][], labels: number[]) =>
  rows.reduce((sum, p, i) => sum + classificationLoss(spec, p, labels[i]), 0) / rows.length;

describe('classificationLoss', () => {
  it.each<[string, LossSpec, number[], number, number]>([
    ['log_loss', binary('log_loss'), [0.35, 0.65], 0, 1.0498221244986778], // log_loss([0], [p], labels=[0, 1], eps=1e-15)
    ['log_loss, p_k = 0', binary('log_loss'), [1, 0], 1, 34.538776394910684], // log_loss([1], [[1, 0]], labels=[0, 1], eps=1e-15)
    ['focal, default γ 2', binary('focal'), [0.8, 0.2], 1, 1.0300402639578243], // numpy focal(p, 1, 2, 1)
    ['focal γ 1.5', binary('focal', { params: { gamma: 1.5 } }), [0.8, 0.2], 1, 1.1516200248857609], // numpy focal(p, 1, 1.5, 1)
    ['focal α 0.25, negative', binary('focal', { params: { alpha: 0.25 } }), [0.35, 0.65], 0, 0.33266238570051854], // numpy focal(p, 0, 2, 0.75)
    ['focal multiclass α 0.25', multiclass('focal', { params: { alpha: 0.25 } }), [0.7, 0.2, 0.1], 0, 0.008025186238621482], // numpy focal(p, 0, 2, 0.25)
    ['hinge', binary('hinge'), [0.35, 0.65], 0, 1.3], // hinge_loss(yB, 2 * PB[:, 1] - 1, sample_weight=e_1)
    // t = +1, s = 2 * 0.35 - 1: max(0, 1 - (-0.3)); the same as naming the other class positive — hinge is symmetric
    ['hinge, positive first', binary('hinge', { positiveIndex: 0 }), [0.35, 0.65], 0, 1.3],
    ['hinge, positive first, true negative', binary('hinge', { positiveIndex: 0 }), [0.8, 0.2], 1, 1.6], // max(0, 1 + (2 * 0.8 - 1))
    ['brier binary', binary('brier'), [0.8, 0.2], 1, 1.2800000000000002], // 2 * brier_score_loss(yB, PB[:, 1], sample_weight=e_2)
    ['brier multiclass', multiclass('brier'), [0.25, 0.5, 0.25], 0, 0.875], // np.sum((p - np.eye(3)[0])**2)
    ['zero_one wrong', binary('zero_one'), [0.5, 0.5], 0, 1], // zero_one_loss([0], [1]): p₊ = 0.5 ≥ threshold
    ['zero_one right', binary('zero_one', { threshold: 0.7 }), [0.35, 0.65], 0, 0], // zero_one_loss([0], [0])
    ['zero_one multiclass tie', multiclass('zero_one'), [0.4, 0.4, 0.2], 1, 1], // zero_one_loss([1], [np.argmax(p)])
  ])('%s', (_name, spec, p, k, expected) => {
    expect(classificationLoss(spec, p, k)).toBeCloseTo(expected, 14);
  });

  it.each<[string, LossSpec, number[][], number[], number]>([
    ['log_loss binary', binary('log_loss'), PB, YB, 4.858005586970744], // log_loss(yB, PB, eps=1e-15)
    ['log_loss multiclass', multiclass('log_loss'), PM, YM, 5.616899995434793], // log_loss(yM, PM, eps=1e-15)
    ['hinge', binary('hinge'), PB, YB, 0.9375], // hinge_loss(yB, 2 * PB[:, 1] - 1)
    ['brier binary', binary('brier'), PB, YB, 0.6431250000000001], // 2 * brier_score_loss(yB, PB[:, 1])
    ['brier multiclass', multiclass('brier'), PM, YM, 0.6964285714285714], // np.mean(np.sum((PM - np.eye(3)[yM])**2, axis=1))
    ['zero_one binary', binary('zero_one'), PB, YB, 0.5], // zero_one_loss(yB, ŷB)
    ['zero_one multiclass', multiclass('zero_one'), PM, YM, 0.5714285714285714], // zero_one_loss(yM, np.argmax(PM, axis=1))
  ])('window mean of %s matches sklearn', (_name, spec, rows, labels, expected) => {
    expect(windowMean(spec, rows, labels)).toBeCloseTo(expected, 12);
  });

  describe('class weights multiply by the weight of the true class', () => {
    const weighted = binary('log_loss', { classWeights: [1, 3] });

    it.each<[number[], number, number]>([
      [[0.1, 0.9], 1, 0.31608154697347884], // 3 * log_loss([1], [p], labels=[0, 1], eps=1e-15)
      [[0.35, 0.65], 0, 1.0498221244986778], // 1 * log_loss([0], [p], labels=[0, 1], eps=1e-15)
      [[1, 0], 1, 103.61632918473205], // 3 * 34.538776394910684
    ])('%j, true %i → %d', (p, k, expected) => {
      expect(classificationLoss(weighted, p, k)).toBeCloseTo(expected, 12);
    });

    it('their window mean is sklearn’s weighted sum over the row count', () => {
      // Σ w_k l / n = log_loss(yB, PB, eps=1e-15, sample_weight=w[yB], normalize=False) / 8 = 112.08454422964864 / 8.
      // (sklearn's normalize=True would divide by Σ w = 18 instead: 6.226919123869369; meanLoss is a mean over requests.)
      expect(windowMean(weighted, PB, YB)).toBeCloseTo(14.01056802870608, 12);
    });

    it('apply to multiclass and to other losses too', () => {
      // log_loss(yM, PM, eps=1e-15, sample_weight=np.array([0.5, 1, 2])[yM], normalize=False) / 7
      expect(windowMean(multiclass('log_loss', { classWeights: [0.5, 1, 2] }), PM, YM)).toBeCloseTo(10.426513101489276, 12);
      // 3 * 2 * brier_score_loss(yB, PB[:, 1], sample_weight=e_2) = 3 * 1.2800000000000002
      expect(classificationLoss(binary('brier', { classWeights: [1, 3] }), [0.8, 0.2], 1)).toBeCloseTo(3.8400000000000007, 14);
    });
  });

  describe('a cost matrix C[true][predicted] replaces the loss', () => {
    const costs = binary('log_loss', { costMatrix: [[0, 5], [20, 0]], classWeights: [1, 3] });

    it.each<[number[], number, number]>([
      [[0.1, 0.9], 1, 0], // TP: C[1][1]
      [[0.35, 0.65], 0, 5], // FP: C[0][1]
      [[0.8, 0.2], 1, 20], // FN: C[1][0], not 3 × 20: the class weight is not applied on top
      [[0.5, 0.5], 0, 5], // p₊ = threshold → predicted positive: C[0][1]
    ])('%j, true %i → %d', (p, k, expected) => {
      expect(classificationLoss(costs, p, k)).toBe(expected);
    });

    it('averages over a binary and a 3-class window', () => {
      // np.mean([C[y, ŷ] for y, ŷ in zip(yB, ŷB)]) with C = [[0, 5], [20, 0]]
      expect(windowMean(costs, PB, YB)).toBe(6.25);
      // np.mean([C[y, ŷ] for y, ŷ in zip(yM, np.argmax(PM, axis=1))]) with C = [[0, 1, 2], [1, 0, 1], [4, 2, 0]]
      expect(windowMean(multiclass('brier', { costMatrix: [[0, 1, 2], [1, 0, 1], [4, 2, 0]] }), PM, YM)).toBe(1);
    });
  });

  it.each<[string, () => number, string]>([
    ['a NaN probability', () => classificationLoss(binary('log_loss'), [Number.NaN, 0.5], 0), 'probability 0 must be a finite number, got NaN'],
    ['an infinite probability', () => classificationLoss(binary('brier'), [0.5, Infinity], 0), 'probability 1 must be a finite number, got Infinity'],
    ['a true index out of range', () => classificationLoss(binary('log_loss'), [0.5, 0.5], 2), 'trueIndex must be a class index in 0..1, got 2'],
    ['hinge on 3 classes', () => classificationLoss(multiclass('hinge'), [0.2, 0.3, 0.5], 0), 'hinge loss is for binary classifiers only'],
    ['a regression loss', () => classificationLoss(binary('mse'), [0.5, 0.5], 0), 'loss "mse" is not a classification loss'],
    ['an unknown loss', () => classificationLoss(binary('cross_entropy' as LossName), [0.5, 0.5], 0), 'unknown loss "cross_entropy"'],
    ['weights of the wrong length', () => classificationLoss(binary('log_loss', { classWeights: [1] }), [0.5, 0.5], 0), 'classWeights must have 2 entries, got 1'],
    ['a NaN weight', () => classificationLoss(binary('log_loss', { classWeights: [Number.NaN, 1] }), [0.5, 0.5], 0), 'classWeights[0] must be a finite number, got NaN'],
    ['a cost matrix of the wrong size', () => classificationLoss(binary('log_loss', { costMatrix: [[0, 1]] }), [0.5, 0.5], 0), 'costMatrix must be 2×2'],
    ['a NaN cost', () => classificationLoss(binary('log_loss', { costMatrix: [[0, Number.NaN], [1, 0]] }), [0.2, 0.8], 0), 'costMatrix[0][1] must be a finite number, got NaN'],
    ['an overflowing weight', () => classificationLoss(binary('log_loss', { classWeights: [1e308, 1] }), [0, 1], 0), 'log_loss loss overflowed to Infinity'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});

describe('regressionLoss', () => {
  // Pairs (ŷ, y) from y = [3, -0.5, 2, 7, 1], ŷ = [2.5, 0, 2, 8, -2].
  it.each<[string, LossSpec, number, number, number]>([
    ['mse', regression('mse'), -2, 1, 9], // mean_squared_error([1], [-2])
    ['mae', regression('mae'), -2, 1, 3], // mean_absolute_error([1], [-2])
    ['huber default δ 1', regression('huber'), -2, 1, 2.5], // numpy huber(3.0, 1.0)
    ['huber δ 1.5', regression('huber', { delta: 1.5 }), -2, 1, 3.375], // numpy huber(3.0, 1.5)
    ['quantile default τ 0.5', regression('quantile'), 0, -0.5, 0.25], // mean_pinball_loss([-0.5], [0], alpha=0.5)
    ['quantile τ 0.9', regression('quantile', { tau: 0.9 }), 2.5, 3, 0.45], // mean_pinball_loss([3], [2.5], alpha=0.9)
  ])('%s', (_name, spec, prediction, label, expected) => {
    expect(regressionLoss(spec, prediction, label)).toBeCloseTo(expected, 14);
  });

  it.each<[LossSpec, number]>([
    [regression('mse'), 2.1], // mean_squared_error(y, ŷ)
    [regression('mae'), 1], // mean_absolute_error(y, ŷ)
    [regression('huber'), 0.65], // np.mean(huber(y - ŷ, 1.0))
    [regression('quantile', { tau: 0.9 }), 0.66], // mean_pinball_loss(y, ŷ, alpha=0.9)
  ])('window mean of $name matches the reference', (spec, expected) => {
    const pairs: [number, number][] = [[2.5, 3], [0, -0.5], [2, 2], [8, 7], [-2, 1]];
    const mean = pairs.reduce((sum, [prediction, label]) => sum + regressionLoss(spec, prediction, label), 0) / pairs.length;
    expect(mean).toBeCloseTo(expected, 14);
  });

  it.each<[string, () => number, string]>([
    ['a NaN prediction', () => regressionLoss(regression('mse'), Number.NaN, 1), 'prediction must be a finite number, got NaN'],
    ['an infinite label', () => regressionLoss(regression('huber'), 1, -Infinity), 'label must be a finite number, got -Infinity'],
    ['a classification loss', () => regressionLoss(regression('log_loss'), 1, 2), 'loss "log_loss" is not a regression loss'],
    ['a bad τ', () => regressionLoss(regression('quantile', { tau: 2 }), 1, 2), 'quantile tau must be in [0, 1], got 2'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
