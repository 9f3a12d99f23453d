import { describe, expect, it } from 'vitest';
import type { ClassificationGroup, RegressionGroup } from './group-metrics.js';
import { classificationDisparities, regressionDisparities, type ClassificationDisparities } from './disparities.js';

// Reference: /usr/bin/python3 with NumPy 1.24 and scikit-learn 1.2 (Debian packages). Fairlearn and AIF360
// cannot be installed here, so their definitions are written out explicitly over the per-group values
// (themselves from `sklearn.metrics.confusion_matrix`, see group-metrics.spec.ts):
//   Fairlearn demographic_parity_difference / _ratio (method="between_groups") = max − min / min ÷ max of selection_rate,
//   equal_opportunity_difference = max − min of true_positive_rate,
//   equalized_odds_difference (agg="worst_case") = max(tpr difference, fpr difference);
//   AIF360 disparate_impact = P(ŷ=+ | unprivileged) / P(ŷ=+ | privileged), one unprivileged group at a time,
//   the minimum taken; average_odds_difference = ½[(FPR_u − FPR_p) + (TPR_u − TPR_p)], the u of largest |value|.

const A: ClassificationGroup = { count: 60, labeled: 48, selectionRate: 0.6, tpr: 1.0, fpr: 0.21739130434782608, accuracy: 0.8958333333333334, meanLoss: 0.3410026840288727, positiveRate: 0.5208333333333334 };
const B: ClassificationGroup = { count: 50, labeled: 46, selectionRate: 0.5, tpr: 0.9166666666666666, fpr: 0.09090909090909091, accuracy: 0.9130434782608695, meanLoss: 0.3613009263341878, positiveRate: 0.5217391304347826 };
const C: ClassificationGroup = { count: 45, labeled: 34, selectionRate: 0.2, tpr: 0.6666666666666666, fpr: 0.0, accuracy: 0.9117647058823529, meanLoss: 0.22917440788942078, positiveRate: 0.2647058823529412 };
/** 4 labeled predictions: below minSamples 10, reported but left out. */
const D: ClassificationGroup = { count: 6, labeled: 4, selectionRate: 0.5, tpr: 1.0, fpr: 0.0, accuracy: 1.0, meanLoss: 0.33876631133014157, positiveRate: 0.75 };
const X: ClassificationGroup = { count: 40, labeled: 29, selectionRate: 0.55, tpr: 0.9285714285714286, fpr: 0.13333333333333333, accuracy: 0.896551724137931, meanLoss: 0.34302647642888645, positiveRate: 0.4827586206896552 };
/** No positive labels: tpr undefined. */
const Y: ClassificationGroup = { count: 40, labeled: 35, selectionRate: 0.075, tpr: null, fpr: 0.08571428571428572, accuracy: 0.9142857142857143, meanLoss: 0.3800684830527185, positiveRate: 0.0 };
/** One class against the rest (class 2 of 3). */
const P: ClassificationGroup = { count: 50, labeled: 38, selectionRate: 0.36, tpr: 0.5384615384615384, fpr: 0.24, accuracy: 0.6842105263157895, meanLoss: 0.7292014273456128, positiveRate: 0.34210526315789475 };
const Q: ClassificationGroup = { count: 50, labeled: 39, selectionRate: 0.48, tpr: 0.5, fpr: 0.48, accuracy: 0.5128205128205128, meanLoss: 1.173521716091449, positiveRate: 0.358974358974359 };

function expectDisparities(actual: ClassificationDisparities, expected: ClassificationDisparities): void {
  for (const [name, value] of Object.entries(expected)) {
    if (value === null) expect(actual[name as keyof ClassificationDisparities], name).toBeNull();
    else expect(actual[name as keyof ClassificationDisparities], name).toBeCloseTo(value, 14);
  }
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
}

describe('classificationDisparities', () => {
  it('three groups and one below minSamples, without a privileged group', () => {
    const result = classificationDisparities({ a: A, b: B, c: C, d: D }, { minSamples: 10 });
    expectDisparities(result.disparities, {
      demographicParityDifference: 0.39999999999999997,
      demographicParityRatio: 0.33333333333333337,
      disparateImpact: 0.33333333333333337,
      equalOpportunityDifference: 0.33333333333333337,
      equalizedOddsDifference: 0.33333333333333337,
      averageOddsDifference: null,
      lossRatio: 1.5765326052833943,
    });
    expect(result.excluded).toEqual({ d: '4 labeled predictions, fewer than fairness.minSamples (10)' });
    expect(result.nullReasons).toEqual({ averageOddsDifference: 'no privileged group is configured for this attribute (config "privileged")' });
  });

  it('three groups with a privileged one: disparate impact and average odds against it', () => {
    const result = classificationDisparities({ a: A, b: B, c: C, d: D }, { minSamples: 10, privileged: 'a' });
    expectDisparities(result.disparities, {
      demographicParityDifference: 0.39999999999999997,
      demographicParityRatio: 0.33333333333333337,
      disparateImpact: 0.33333333333333337,
      equalOpportunityDifference: 0.33333333333333337,
      equalizedOddsDifference: 0.33333333333333337,
      averageOddsDifference: -0.2753623188405797,
      lossRatio: 1.5765326052833943,
    });
    expect(result.nullReasons).toEqual({});
  });

  it('a group with no positive labels: tpr-based disparities are null, with the reason', () => {
    const result = classificationDisparities({ x: X, y: Y }, { minSamples: 10, privileged: 'x' });
    expectDisparities(result.disparities, {
      demographicParityDifference: 0.47500000000000003,
      demographicParityRatio: 0.13636363636363635,
      disparateImpact: 0.13636363636363635,
      equalOpportunityDifference: null,
      equalizedOddsDifference: null,
      averageOddsDifference: null,
      lossRatio: 1.1079858528981839,
    });
    const reason = 'group "y" has no positive labels, so tpr is undefined';
    expect(result.nullReasons).toEqual({ equalOpportunityDifference: reason, equalizedOddsDifference: reason, averageOddsDifference: reason });
  });

  it('a single group: differences 0 and ratios 1, as Fairlearn', () => {
    const only: ClassificationGroup = { count: 30, labeled: 23, selectionRate: 0.3333333333333333, tpr: 0.875, fpr: 0.0, accuracy: 0.9565217391304348, meanLoss: 0.20851388262841603, positiveRate: 0.34782608695652173 };
    const result = classificationDisparities({ only }, { minSamples: 10 });
    expectDisparities(result.disparities, {
      demographicParityDifference: 0,
      demographicParityRatio: 1,
      disparateImpact: 1,
      equalOpportunityDifference: 0,
      equalizedOddsDifference: 0,
      averageOddsDifference: null,
      lossRatio: 1,
    });
  });

  it('one class against the rest of a multiclass model, privileged "q"', () => {
    const result = classificationDisparities({ p: P, q: Q }, { minSamples: 10, privileged: 'q' });
    expectDisparities(result.disparities, {
      demographicParityDifference: 0.12,
      demographicParityRatio: 0.75,
      disparateImpact: 0.75,
      equalOpportunityDifference: 0.038461538461538436,
      equalizedOddsDifference: 0.24,
      averageOddsDifference: -0.10076923076923078,
      lossRatio: 1.609324491263298,
    });
  });

  describe('zero denominators are null with the reason (NumPy gives nan / inf)', () => {
    const zero = (selectionRate: number, meanLoss: number): ClassificationGroup => ({ ...B, selectionRate, meanLoss });

    it('every selection rate 0: the parity ratio (and disparate impact without a privileged group) is 0/0', () => {
      const result = classificationDisparities({ u: zero(0, 0.5), v: zero(0, 0.4) }, { minSamples: 10 });
      expect(result.disparities).toMatchObject({ demographicParityDifference: 0, demographicParityRatio: null, disparateImpact: null, lossRatio: 1.25 });
      expect(result.nullReasons).toMatchObject({ demographicParityRatio: 'zero denominator: the largest selectionRate is 0', disparateImpact: 'zero denominator: the largest selectionRate is 0' });
    });

    it("the privileged group's selection rate 0: disparate impact is x/0", () => {
      const result = classificationDisparities({ p: zero(0, 0.5), u: zero(0.25, 0.5) }, { minSamples: 10, privileged: 'p' });
      // min/max = 0/0.25 = 0 is defined; 0.25/0 is not.
      expect(result.disparities).toMatchObject({ demographicParityRatio: 0, disparateImpact: null, demographicParityDifference: 0.25 });
      expect(result.nullReasons.disparateImpact).toBe('zero denominator: the selectionRate of the privileged group "p" is 0');
    });

    it('a group with meanLoss 0: the loss ratio is x/0', () => {
      const result = classificationDisparities({ u: zero(0.5, 0), v: zero(0.5, 0.3) }, { minSamples: 10 });
      expect(result.disparities.lossRatio).toBeNull();
      expect(result.nullReasons.lossRatio).toBe('zero denominator: the smallest group meanLoss is 0');
    });
  });

  describe('privileged group and minSamples', () => {
    it('every group below minSamples: all null, all groups listed as excluded', () => {
      const result = classificationDisparities({ a: A, b: B }, { minSamples: 100, privileged: 'a' });
      expect(Object.values(result.disparities).every((value) => value === null)).toBe(true);
      expect(Object.keys(result.excluded)).toEqual(['a', 'b']);
      expect(result.nullReasons.demographicParityDifference).toBe('no group has enough labeled predictions (fairness.minSamples)');
      expect(result.nullReasons.disparateImpact).toBe('the privileged group "a" is left out: 48 labeled predictions, fewer than fairness.minSamples (100)');
    });

    it('the privileged group absent from the window', () => {
      const result = classificationDisparities({ b: B, c: C }, { minSamples: 10, privileged: 'a' });
      expect(result.disparities.disparateImpact).toBeNull();
      expect(result.disparities.averageOddsDifference).toBeNull();
      expect(result.nullReasons.disparateImpact).toBe('the privileged group "a" has no predictions in the window');
      expect(result.disparities.demographicParityDifference).toBeCloseTo(0.3, 15);
    });

    it('only the privileged group: nothing to compare it with', () => {
      const result = classificationDisparities({ a: A, d: D }, { minSamples: 10, privileged: 'a' });
      expect(result.disparities).toMatchObject({ disparateImpact: null, averageOddsDifference: null, demographicParityDifference: 0 });
      expect(result.nullReasons.averageOddsDifference).toBe('no unprivileged group has enough labeled predictions (fairness.minSamples)');
    });

    it('a group exactly at minSamples is included', () => {
      expect(classificationDisparities({ a: A, d: D }, { minSamples: 4 }).excluded).toEqual({});
    });
  });
});

describe('regressionDisparities', () => {
  // mean_squared_error per group: r 0.5625, s 0.5, t 0 (one labeled row, exact): ratio 0.5625 / 0.5 = 1.125.
  const R: RegressionGroup = { count: 5, labeled: 4, meanLoss: 0.5625, mae: 0.625 };
  const S: RegressionGroup = { count: 4, labeled: 3, meanLoss: 0.5, mae: 0.6666666666666666 };
  const T: RegressionGroup = { count: 2, labeled: 1, meanLoss: 0, mae: 0 };

  it('lossRatio over the groups with enough labels', () => {
    expect(regressionDisparities({ r: R, s: S, t: T }, { minSamples: 2 })).toEqual({
      disparities: { lossRatio: 1.125 },
      nullReasons: {},
      excluded: { t: '1 labeled prediction, fewer than fairness.minSamples (2)' },
    });
  });

  it('a group with meanLoss 0 makes it null', () => {
    expect(regressionDisparities({ r: R, s: S, t: T }, { minSamples: 1 })).toEqual({
      disparities: { lossRatio: null },
      nullReasons: { lossRatio: 'zero denominator: the smallest group meanLoss is 0' },
      excluded: {},
    });
  });
});
