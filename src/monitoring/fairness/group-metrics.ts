import type { PerformanceSums } from '../performance/performance-sums.js';

/** G of METRICS §4 for one group of a classifier (binary, or one class against the rest); every 0/0 is null. */
export interface ClassificationGroup {
  count: number;
  labeled: number;
  selectionRate: number | null;
  tpr: number | null;
  fpr: number | null;
  accuracy: number | null;
  meanLoss: number | null;
  positiveRate: number | null;
}

/** A regressor's per-group figures: the configured loss and the absolute error, over labeled predictions. */
export interface RegressionGroup {
  count: number;
  labeled: number;
  meanLoss: number | null;
  mae: number | null;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/**
 * One group's G (METRICS §4) for class `classIndex` against the rest, from its sums (for a binary model, the
 * positive class: the usual binary view). With C the K×K confusion matrix (row = true, column = predicted,
 * labeled predictions) and c = `classIndex`: TP = C[c][c], FN = Σ_j C[c][j] − TP, FP = Σ_i C[i][c] − TP,
 * TN = labeled − TP − FN − FP. selectionRate = predicted[c] / Σ predicted (every prediction with a decided
 * class, labeled or not: Fairlearn `selection_rate`), tpr = TP/(TP+FN), fpr = FP/(FP+TN) (Fairlearn
 * `true_positive_rate` / `false_positive_rate`, but null instead of 0 without positives / negatives),
 * accuracy = (TP+TN)/labeled of the binarised labels and decisions, meanLoss = lossSum/labeled (the model's
 * configured loss, whatever the class), positiveRate = (TP+FN)/labeled.
 */
export function classificationGroup(sums: PerformanceSums, classIndex: number): ClassificationGroup {
  const classes = sums.predicted.length;
  if (classes < 2 || sums.confusion.length !== classes * classes) {
    throw new Error(`a classifier's sums have K predicted counts and K×K confusion cells (K ≥ 2), got ${classes} and ${sums.confusion.length}`);
  }
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) throw new Error(`classIndex must be in [0, ${classes}), got ${String(classIndex)}`);
  const { confusion, labeled } = sums;
  let actual = 0;
  let decided = 0;
  for (let j = 0; j < classes; j++) {
    actual += confusion[classIndex * classes + j];
    decided += confusion[j * classes + classIndex];
  }
  const truePositives = confusion[classIndex * classes + classIndex];
  const falseNegatives = actual - truePositives;
  const falsePositives = decided - truePositives;
  const trueNegatives = labeled - truePositives - falseNegatives - falsePositives;
  return {
    count: sums.count,
    labeled,
    selectionRate: ratio(sums.predicted[classIndex], sums.predicted.reduce((a, b) => a + b, 0)),
    tpr: ratio(truePositives, truePositives + falseNegatives),
    fpr: ratio(falsePositives, falsePositives + trueNegatives),
    accuracy: ratio(truePositives + trueNegatives, labeled),
    meanLoss: ratio(sums.lossSum, labeled),
    positiveRate: ratio(truePositives + falseNegatives, labeled),
  };
}

/** A regressor group: meanLoss = lossSum/labeled, mae = Σ|y − ŷ|/labeled (`sklearn.metrics.mean_absolute_error`). */
export function regressionGroup(sums: PerformanceSums): RegressionGroup {
  return { count: sums.count, labeled: sums.labeled, meanLoss: ratio(sums.lossSum, sums.labeled), mae: ratio(sums.absErrorSum, sums.labeled) };
}
