// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import type { LossSpec } from '../losses/loss.js';
import {
  addSums,
  classificationContribution,
  emptySums,
  labeledContribution,
  predictiveEntropy,
  regressionContribution,
  relabelContribution,
  type LabeledPrediction,
  type PerformanceSums,
} from './performance-sums.js';

const BINARY: LossSpec = { name: 'log_loss', params: {}, positiveIndex: 1, threshold: 0.5 };
const MULTICLASS: LossSpec = { name: 'brier', params: {}, positiveIndex: -1, threshold: 0.5 };
const HUBER: LossSpec = { name: 'huber', params: {}, positiveIndex: -1, threshold: 0.5 };

/** The sums of `rows` predicted, then labeled where a label is given. */
function sumsOf(spec: LossSpec, classes: number, rows: [number[], number | null][]): PerformanceSums {
  let sums = emptySums(classes);
  for (const [p, k] of rows) {
    sums = addSums(sums, classificationContribution(p, spec.positiveIndex, spec.threshold));
    if (k !== null) sums = addSums(sums, labeledContribution(spec, { probabilities: p, trueIndex: k }));
  }
  return sums;
}

describe('emptySums', () => {
  it('has a K×K zero confusion matrix and K predicted counts for a classifier and none for a regressor', () => {
    expect(emptySums(3).confusion).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(emptySums(3).predicted).toEqual([0, 0, 0]);
    expect(emptySums(0)).toEqual({
      count: 0,
      labeled: 0,
      lossSum: 0,
      logLossSum: 0,
      confusion: [],
      predicted: [],
      maxProbSum: 0,
      maxProbLabeledSum: 0,
      entropySum: 0,
      absErrorSum: 0,
      squaredErrorSum: 0,
    });
  });

  it('refuses a negative class count', () => {
    expect(() => emptySums(-1)).toThrowError('classes must be a non-negative integer, got -1');
  });
});

describe('predictiveEntropy', () => {
  // -np.sum(p * np.log(np.clip(p, 1e-15, 1 - 1e-15)))
  it.each<[number[], number]>([
    [[0.1, 0.9], 0.3250829733914482],
    [[0.35, 0.65], 0.6474466390346325],
    [[0, 1], 9.992007221626415e-16], // 0 · ln 1e-15 = 0; 1 · ln(1 − 1e-15)
    [[0.5, 0.5], 0.6931471805599453],
    [[0.45, 0.55], 0.6881388137135884],
  ])('%j → %d', (p, expected) => {
    expect(predictiveEntropy(p)).toBeCloseTo(expected, 14);
  });
});

describe('contributions', () => {
  it('a classifier prediction adds count, its predicted class, max_j p_j and entropy', () => {
    expect(classificationContribution([0.35, 0.65], 1, 0.5)).toEqual({
      count: 1,
      predicted: [0, 1], // 0.65 ≥ 0.5
      maxProbSum: 0.65,
      entropySum: expect.closeTo(0.6474466390346325, 14), // -np.sum(p * np.log(p)), p = [0.35, 0.65]
    });
  });

  it.each<[string, number[], number, number, number[]]>([
    ['below a raised threshold', [0.35, 0.65], 1, 0.7, [1, 0]],
    ['at the threshold', [0.3, 0.7], 1, 0.7, [0, 1]],
    ['positive class first', [0.6, 0.4], 0, 0.5, [1, 0]],
    ['multiclass argmax, first on ties', [0.4, 0.4, 0.2], -1, 0.5, [1, 0, 0]],
  ])('the predicted class of the counts is decided like the confusion matrix (%s)', (_name, p, positiveIndex, threshold, predicted) => {
    expect(classificationContribution(p, positiveIndex, threshold).predicted).toEqual(predicted);
  });

  it('a classifier label adds labeled, losses, one confusion cell and max_j p_j', () => {
    expect(labeledContribution(BINARY, { probabilities: [0.35, 0.65], trueIndex: 0 })).toEqual({
      labeled: 1,
      lossSum: expect.closeTo(1.0498221244986778, 14), // log_loss([0], [[0.35, 0.65]], labels=[0, 1], eps=1e-15)
      logLossSum: expect.closeTo(1.0498221244986778, 14),
      confusion: [0, 1, 0, 0], // true 0, predicted 1 (0.65 ≥ 0.5)
      maxProbLabeledSum: 0.65,
    });
  });

  it('the log loss is kept whatever the configured loss', () => {
    const contribution = labeledContribution(MULTICLASS, { probabilities: [0.25, 0.5, 0.25], trueIndex: 0 });
    expect(contribution.lossSum).toBeCloseTo(0.875, 14); // np.sum((p - np.eye(3)[0])**2)
    expect(contribution.logLossSum).toBeCloseTo(1.3862943611198906, 14); // log_loss([0], [p], labels=[0, 1, 2], eps=1e-15)
    expect(contribution.confusion).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('a regressor label adds labeled, loss, |y − ŷ| and (y − ŷ)²', () => {
    // ŷ = -2, y = 1: numpy huber(3.0, 1.0) = 2.5, mean_absolute_error([1], [-2]) = 3, mean_squared_error([1], [-2]) = 9
    expect(regressionContribution(-2)).toEqual({ count: 1 });
    expect(labeledContribution(HUBER, { prediction: -2, label: 1 })).toEqual({ labeled: 1, lossSum: 2.5, absErrorSum: 3, squaredErrorSum: 9 });
  });

  it('sign −1 negates every field and leaves no −0', () => {
    const taken = labeledContribution(BINARY, { probabilities: [0, 1], trueIndex: 1 }, -1);
    expect(taken.labeled).toBe(-1);
    expect(taken.confusion).toEqual([0, 0, 0, -1]);
    expect(taken.maxProbLabeledSum).toBe(-1);
    expect(taken.lossSum).toBeCloseTo(-9.992007221626415e-16, 20); // −log_loss([1], [[0, 1]], labels=[0, 1], eps=1e-15)
    const exact = labeledContribution(HUBER, { prediction: 2, label: 2 }, -1);
    expect(Object.is(exact.lossSum, 0) && Object.is(exact.absErrorSum, 0) && Object.is(exact.squaredErrorSum, 0)).toBe(true);
  });

  it('a given ŷ places the confusion cell instead of the threshold (a label counted under an older threshold)', () => {
    // p₊ = 0.65 ≥ 0.5 decides ŷ = 1 today; the label was counted under a threshold that decided ŷ = 0.
    const taken = labeledContribution(BINARY, { probabilities: [0.35, 0.65], trueIndex: 1 }, -1, 0);
    expect(taken.confusion).toEqual([0, 0, -1, 0]);
    expect(taken.lossSum).toBeCloseTo(-0.4307829160924542, 14); // −log_loss([1], [[0.35, 0.65]], labels=[0, 1])
    expect(labeledContribution(MULTICLASS, { probabilities: [0.25, 0.5, 0.25], trueIndex: 2 }, 1, 0).confusion).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it.each<[string, () => unknown, string]>([
    ['a NaN probability', () => classificationContribution([Number.NaN, 1], 1, 0.5), 'probability 0 must be a finite number, got NaN'],
    ['a bad positive index', () => classificationContribution([0.5, 0.5], 3, 0.5), 'positiveIndex must be a class index in 0..1, got 3'],
    ['a NaN regression output', () => regressionContribution(Number.NaN), 'prediction must be a finite number, got NaN'],
    ['a NaN label', () => labeledContribution(HUBER, { prediction: 1, label: Number.NaN }), 'label must be a finite number, got NaN'],
    ['an infinite probability with a label', () => labeledContribution(BINARY, { probabilities: [0.5, Infinity], trueIndex: 0 }), 'probability 1 must be a finite number, got Infinity'],
    ['a true index out of range', () => labeledContribution(BINARY, { probabilities: [0.5, 0.5], trueIndex: 2 }), 'trueIndex must be a class index in 0..1, got 2'],
    ['a bad sign', () => labeledContribution(BINARY, { probabilities: [0.5, 0.5], trueIndex: 0 }, 2 as 1), 'sign must be 1 or -1, got 2'],
    ['a given ŷ out of range', () => labeledContribution(BINARY, { probabilities: [0.5, 0.5], trueIndex: 0 }, -1, 2), 'predicted must be a class index in 0..1, got 2'],
    ['an overflowing squared error', () => labeledContribution({ ...HUBER, name: 'mae' }, { prediction: -5e159, label: 5e159 }), 'the squared error Infinity is more than the aggregates can sum (at most 1e+200 per label)'],
    // Finite, but two of them overflow a float8 sum in PostgreSQL.
    ['a squared error past 1e200', () => labeledContribution({ ...HUBER, name: 'mae' }, { prediction: 0, label: 1.3e154 }), 'the squared error 1.69e+308 is more than the aggregates can sum (at most 1e+200 per label)'],
    ['a loss past 1e200 (class weights)', () => labeledContribution({ ...BINARY, classWeights: [1e199, 1] }, { probabilities: [0, 1], trueIndex: 0 }), 'the loss 3.45e+200 is more than the aggregates can sum'],
    ['a cost past −1e200', () => labeledContribution({ ...BINARY, name: 'zero_one', costMatrix: [[0, -1e201], [1, 0]] }, { probabilities: [0.2, 0.8], trueIndex: 0 }), 'the loss -1.00e+201 is more than the aggregates can sum'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });

  it('takes back a label past 1e200 (it only subtracts what the sums hold), but not a non-finite one', () => {
    // A label counted before the bound existed: (1e101)² = 1e202.
    expect(labeledContribution({ ...HUBER, name: 'mae' }, { prediction: 0, label: 1e101 }, -1)).toMatchObject({ labeled: -1, lossSum: -1e101, absErrorSum: -1e101, squaredErrorSum: -1e202 });
    expect(() => labeledContribution({ ...HUBER, name: 'mae' }, { prediction: -5e159, label: 5e159 }, -1)).toThrowError('the squared error overflowed to Infinity');
  });

  it('takes a label up to 1e200 of loss and of squared error', () => {
    // 1e100 ** 2 is 1e200 in float64: at the bound, taken.
    expect(labeledContribution({ ...HUBER, name: 'mae' }, { prediction: 0, label: 1e100 })).toMatchObject({ lossSum: 1e100, absErrorSum: 1e100, squaredErrorSum: 1e200 });
    // 1e198 · −ln(1e-15) (p_k = 0 clipped).
    expect(labeledContribution({ ...BINARY, classWeights: [1e198, 1] }, { probabilities: [0, 1], trueIndex: 0 }).lossSum).toBe(3.4538776394910683e199);
  });
});

describe('addSums', () => {
  it('adds field by field without touching its inputs', () => {
    const a = sumsOf(BINARY, 2, [[[0.1, 0.9], 1]]);
    const b = sumsOf(BINARY, 2, [[[0.35, 0.65], 0], [[0.45, 0.55], null]]);
    const before = structuredClone(a);
    const sum = addSums(a, b);
    expect(a).toEqual(before);
    expect(sum.count).toBe(3);
    expect(sum.labeled).toBe(2);
    expect(sum.confusion).toEqual([0, 1, 0, 1]);
    expect(sum.maxProbSum).toBeCloseTo(2.1, 14); // 0.9 + 0.65 + 0.55
    expect(sum.maxProbLabeledSum).toBeCloseTo(1.55, 14); // 0.9 + 0.65
    expect(sum.logLossSum).toBeCloseTo(1.1551826401565042, 14); // log_loss([1, 0], [[0.1, 0.9], [0.35, 0.65]], eps=1e-15, normalize=False)
    expect(sum.entropySum).toBeCloseTo(1.6606684261396691, 14); // 0.3250829733914482 + 0.6474466390346325 + 0.6881388137135884
  });

  it('merges two halves of a window into the whole', () => {
    const rows: [number[], number | null][] = [[[0.1, 0.9], 1], [[0.35, 0.65], 0], [[0.8, 0.2], 1], [[0.45, 0.55], null], [[1, 0], 1]];
    const whole = sumsOf(BINARY, 2, rows);
    const merged = addSums(sumsOf(BINARY, 2, rows.slice(0, 2)), sumsOf(BINARY, 2, rows.slice(2)));
    expect(merged.confusion).toEqual(whole.confusion);
    expect(merged.predicted).toEqual(whole.predicted);
    expect(whole.predicted).toEqual([2, 3]); // p₊ = 0.9, 0.65, 0.2, 0.55, 0: three at or above 0.5, labeled or not
    for (const field of ['count', 'labeled', 'lossSum', 'logLossSum', 'maxProbSum', 'maxProbLabeledSum', 'entropySum'] as const) {
      expect(merged[field]).toBeCloseTo(whole[field], 12);
    }
  });

  it('refuses confusion matrices of different sizes', () => {
    expect(() => addSums(emptySums(2), emptySums(3))).toThrowError('cannot add a confusion matrix of 9 cells to one of 4');
  });
});

describe('moving a label', () => {
  it.each<[string, LossSpec, number, LabeledPrediction, LabeledPrediction]>([
    ['binary', BINARY, 2, { probabilities: [0.35, 0.65], trueIndex: 0 }, { probabilities: [0.35, 0.65], trueIndex: 1 }],
    ['binary, clipped', BINARY, 2, { probabilities: [1, 0], trueIndex: 0 }, { probabilities: [1, 0], trueIndex: 1 }],
    ['3 classes', MULTICLASS, 3, { probabilities: [0.25, 0.5, 0.25], trueIndex: 0 }, { probabilities: [0.25, 0.5, 0.25], trueIndex: 2 }],
  ])('%s: label A then moved to B gives the sums of only B', (_name, spec, classes, a, b) => {
    if (!('probabilities' in a)) throw new Error('classifier rows only');
    const predicted = addSums(emptySums(classes), classificationContribution(a.probabilities, spec.positiveIndex, spec.threshold));
    const labeledA = addSums(predicted, labeledContribution(spec, a));
    const moved = addSums(addSums(labeledA, labeledContribution(spec, a, -1)), labeledContribution(spec, b));
    const onlyB = addSums(predicted, labeledContribution(spec, b));
    expect(moved).toEqual(onlyB);
    expect(addSums(labeledA, relabelContribution(spec, a, b))).toEqual(onlyB);
  });

  it('regression: label A then moved to B gives the sums of only B', () => {
    const predicted = addSums(emptySums(0), regressionContribution(2.5));
    const a = { prediction: 2.5, label: 3 };
    const b = { prediction: 2.5, label: -1 };
    const moved = addSums(addSums(addSums(predicted, labeledContribution(HUBER, a)), labeledContribution(HUBER, a, -1)), labeledContribution(HUBER, b));
    expect(moved).toEqual(addSums(predicted, labeledContribution(HUBER, b)));
    // numpy huber(-3.5, 1.0) = 3.0; |−3.5| = 3.5; 3.5² = 12.25
    expect(moved).toMatchObject({ count: 1, labeled: 1, lossSum: 3, absErrorSum: 3.5, squaredErrorSum: 12.25 });
  });

  it('among other rows, moving a label matches labeling B in the first place', () => {
    const others: [number[], number | null][] = [[[0.1, 0.9], 1], [[0.8, 0.2], 1], [[0.45, 0.55], null]];
    const a = { probabilities: [0.6, 0.4], trueIndex: 1 };
    const b = { probabilities: [0.6, 0.4], trueIndex: 0 };
    const base = addSums(sumsOf(BINARY, 2, others), classificationContribution(a.probabilities, 1, 0.5));
    const moved = addSums(addSums(base, labeledContribution(BINARY, a)), relabelContribution(BINARY, a, b));
    const direct = addSums(base, labeledContribution(BINARY, b));
    expect(moved.confusion).toEqual(direct.confusion);
    expect(moved.confusion).toEqual([1, 0, 1, 1]); // confusion_matrix([1, 1, 0], [1, 0, 0], labels=[0, 1]).ravel()
    expect(moved.labeled).toBe(3);
    expect(moved.lossSum).toBeCloseTo(direct.lossSum, 12);
    expect(moved.maxProbLabeledSum).toBeCloseTo(direct.maxProbLabeledSum, 12);
  });
});
