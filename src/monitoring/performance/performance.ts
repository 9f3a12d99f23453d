import type { PerformanceSums } from './performance-sums.js';


/** A window's performance (METRICS §2); every 0/0 is null. Fields that do not fit the task are absent. */
export interface Performance {
  count: number;
  labeled: number;
  meanLoss: number | null;
  accuracy?: number | null;
  precision?: number | null;
  recall?: number | null;
  f1?: number | null;
  logLoss?: number | null;
  mae?: number | null;
  mse?: number | null;
  rmse?: number | null;
  estimated: { accuracy?: number | null; logLoss?: number | null; calibrationGap?: number | null };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function classCount(sums: PerformanceSums): number {
  const classes = Math.round(Math.sqrt(sums.confusion.length));
  if (classes < 2 || classes * classes !== sums.confusion.length) {
    throw new Error(`a classifier's confusion matrix has K×K cells (K ≥ 2), got ${sums.confusion.length}`);
  }
  return classes;
}

/**
 * Macro F1 over the classes present in the labels or the predictions, per class 2TP/(2TP + FP + FN):
 * `sklearn.metrics.f1_score(y, ŷ, average='macro', zero_division=0)` with its default `labels=None`, which
 * leaves out a class that is neither true nor predicted in the window and gives 0 to a present class with
 * TP = 0. null when nothing is labeled.
 */
function macroF1(confusion: readonly number[], classes: number): number | null {
  const scores: number[] = [];
  for (let c = 0; c < classes; c++) {
    let actual = 0;
    let predicted = 0;
    for (let j = 0; j < classes; j++) {
      actual += confusion[c * classes + j];
      predicted += confusion[j * classes + c];
    }
    // 2TP / (2TP + FP + FN) with actual = TP + FN and predicted = TP + FP.
    if (actual + predicted > 0) scores.push((2 * confusion[c * classes + c]) / (actual + predicted));
  }
  return scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
}

/**
 * Performance of a window from its sums (METRICS §2). All tasks: meanLoss = lossSum / labeled.
 * Classifiers: accuracy = Σ_c C[c][c] / labeled, logLoss = logLossSum / labeled; binary (positive class +):
 * precision = TP/(TP+FP), recall = TP/(TP+FN), f1 = 2PR/(P+R), null when P or R is null or P + R = 0
 * (sklearn `precision_recall_fscore_support(y, ŷ, pos_label=+, average='binary')` reports 0 where we report
 * null); multiclass: macro f1 as `f1_score(average='macro')`. estimated.accuracy = Σ max_j p_j / count,
 * estimated.logLoss = Σ entropy / count, calibrationGap = Σ_labeled max_j p_j / labeled − accuracy.
 * Regressors: mae, mse as `mean_absolute_error`, `mean_squared_error`, rmse = √mse; no estimated fields.
 */
export function computePerformance(
  task: 'binary' | 'multiclass' | 'regression',
  sums: PerformanceSums,
  positiveIndex: number,
): Performance {
  const { count, labeled } = sums;
  const base = { count, labeled, meanLoss: ratio(sums.lossSum, labeled) };
  if (task === 'regression') {
    const mse = ratio(sums.squaredErrorSum, labeled);
    return { ...base, mae: ratio(sums.absErrorSum, labeled), mse, rmse: mse === null ? null : Math.sqrt(mse), estimated: {} };
  }
  const classes = classCount(sums);
  const { confusion } = sums;
  let correct = 0;
  for (let c = 0; c < classes; c++) correct += confusion[c * classes + c];
  const accuracy = ratio(correct, labeled);
  const estimatedAccuracy = ratio(sums.maxProbLabeledSum, labeled);
  const estimated = {
    accuracy: ratio(sums.maxProbSum, count),
    logLoss: ratio(sums.entropySum, count),
    calibrationGap: estimatedAccuracy === null || accuracy === null ? null : estimatedAccuracy - accuracy,
  };
  const classification = { ...base, accuracy, logLoss: ratio(sums.logLossSum, labeled) };
  if (task === 'multiclass') return { ...classification, f1: macroF1(confusion, classes), estimated };

  if (classes !== 2) throw new Error(`a binary classifier has 2 classes, got ${classes}`);
  if (positiveIndex !== 0 && positiveIndex !== 1) throw new Error(`positiveIndex must be 0 or 1, got ${String(positiveIndex)}`);
  const negativeIndex = 1 - positiveIndex;
  const truePositives = confusion[positiveIndex * 2 + positiveIndex];
  const falsePositives = confusion[negativeIndex * 2 + positiveIndex];
  const falseNegatives = confusion[positiveIndex * 2 + negativeIndex];
  const precision = ratio(truePositives, truePositives + falsePositives);
  const recall = ratio(truePositives, truePositives + falseNegatives);
  const f1 = precision === null || recall === null ? null : ratio(2 * precision * recall, precision + recall);
  return { ...classification, precision, recall, f1, estimated };
}
