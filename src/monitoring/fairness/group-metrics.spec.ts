import { describe, expect, it } from 'vitest';
import { emptySums, type PerformanceSums } from '../performance/performance-sums.js';
import { classificationGroup, regressionGroup, type ClassificationGroup } from './group-metrics.js';

// Reference: /usr/bin/python3 with NumPy 1.24 and scikit-learn 1.2 (Debian packages). Fairlearn cannot be
// installed here, so its per-group definitions (MetricFrame by group of `selection_rate` over all predictions,
// `true_positive_rate`, `false_positive_rate`, `accuracy_score`) are written out on
// `sklearn.metrics.confusion_matrix(y_true, y_pred, labels=...)` of the labeled rows, and the one-vs-rest view
// binarises y and ŷ for the class before the matrix. The sums below are what those rows add up to.

function sums(classes: number, fields: Partial<PerformanceSums>): PerformanceSums {
  return { ...emptySums(classes), ...fields };
}

describe('classificationGroup', () => {
  it.each<[string, PerformanceSums, number, ClassificationGroup]>([
    [
      'binary, unlabeled predictions count for the selection rate',
      sums(2, { count: 60, labeled: 48, lossSum: 16.36812883338589, confusion: [18, 5, 0, 25], predicted: [24, 36] }),
      1,
      { count: 60, labeled: 48, selectionRate: 0.6, tpr: 1.0, fpr: 0.21739130434782608, accuracy: 0.8958333333333334, meanLoss: 0.3410026840288727, positiveRate: 0.5208333333333334 },
    ],
    [
      'binary, fpr 0',
      sums(2, { count: 45, labeled: 34, lossSum: 7.791929868240307, confusion: [25, 0, 3, 6], predicted: [36, 9] }),
      1,
      { count: 45, labeled: 34, selectionRate: 0.2, tpr: 0.6666666666666666, fpr: 0.0, accuracy: 0.9117647058823529, meanLoss: 0.22917440788942078, positiveRate: 0.2647058823529412 },
    ],
    [
      'binary, no positive labels: tpr undefined',
      sums(2, { count: 40, labeled: 35, lossSum: 13.302396906845148, confusion: [32, 3, 0, 0], predicted: [37, 3] }),
      1,
      { count: 40, labeled: 35, selectionRate: 0.075, tpr: null, fpr: 0.08571428571428572, accuracy: 0.9142857142857143, meanLoss: 0.3800684830527185, positiveRate: 0.0 },
    ],
    [
      'multiclass, class 2 against the rest',
      sums(3, { count: 50, labeled: 38, lossSum: 27.709654239133286, confusion: [7, 0, 2, 0, 12, 4, 3, 3, 7], predicted: [15, 17, 18] }),
      2,
      { count: 50, labeled: 38, selectionRate: 0.36, tpr: 0.5384615384615384, fpr: 0.24, accuracy: 0.6842105263157895, meanLoss: 0.7292014273456128, positiveRate: 0.34210526315789475 },
    ],
    [
      'multiclass, class 2 against the rest (second group)',
      sums(3, { count: 50, labeled: 39, lossSum: 45.767346927566514, confusion: [1, 3, 6, 2, 7, 6, 4, 3, 7], predicted: [12, 14, 24] }),
      2,
      { count: 50, labeled: 39, selectionRate: 0.48, tpr: 0.5, fpr: 0.48, accuracy: 0.5128205128205128, meanLoss: 1.173521716091449, positiveRate: 0.358974358974359 },
    ],
  ])('%s', (_name, input, classIndex, expected) => {
    const group = classificationGroup(input, classIndex);
    expect(Object.keys(group).sort()).toEqual(Object.keys(expected).sort());
    for (const [field, value] of Object.entries(expected)) {
      if (value === null) expect(group[field as keyof ClassificationGroup], field).toBeNull();
      else expect(group[field as keyof ClassificationGroup], field).toBeCloseTo(value, 14);
    }
  });

  it('with no predictions and no labels, every rate is null (never NaN)', () => {
    expect(classificationGroup(emptySums(2), 1)).toEqual({ count: 0, labeled: 0, selectionRate: null, tpr: null, fpr: null, accuracy: null, meanLoss: null, positiveRate: null });
  });

  it('with predictions but no labels, only the selection rate is known', () => {
    // 3 of 4 predictions decided positive: selection_rate = 0.75 before any label arrives.
    expect(classificationGroup(sums(2, { count: 4, predicted: [1, 3] }), 1)).toMatchObject({ count: 4, labeled: 0, selectionRate: 0.75, tpr: null, fpr: null, accuracy: null });
  });

  it('binary with the negative class chosen is the binary view with the roles swapped', () => {
    // confusion [[18, 5], [0, 25]] seen for class 0: TP = 18, FN = 5, FP = 0, TN = 25.
    const group = classificationGroup(sums(2, { count: 60, labeled: 48, lossSum: 1, confusion: [18, 5, 0, 25], predicted: [24, 36] }), 0);
    expect(group).toMatchObject({ selectionRate: 0.4, tpr: 18 / 23, fpr: 0, positiveRate: 23 / 48, accuracy: 43 / 48 });
  });

  it('refuses a class index out of range and sums of a regressor', () => {
    expect(() => classificationGroup(emptySums(2), 2)).toThrowError('classIndex must be in [0, 2), got 2');
    expect(() => classificationGroup(emptySums(0), 0)).toThrowError(/K predicted counts/);
  });
});

describe('regressionGroup', () => {
  it('meanLoss (mse here) and mae over the labeled predictions', () => {
    // y = [1, 2, 3, 4], ŷ = [1.5, 2, 2, 5], one prediction unlabeled: mean_squared_error = 0.5625, mean_absolute_error = 0.625
    expect(regressionGroup(sums(0, { count: 5, labeled: 4, lossSum: 2.25, absErrorSum: 2.5 }))).toEqual({ count: 5, labeled: 4, meanLoss: 0.5625, mae: 0.625 });
    expect(regressionGroup(sums(0, { count: 2 }))).toEqual({ count: 2, labeled: 0, meanLoss: null, mae: null });
  });
});
