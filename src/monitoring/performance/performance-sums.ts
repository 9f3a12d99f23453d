import { classificationLoss, logLoss, predictedClass, regressionLoss, type LossSpec } from '../losses/loss.js';
import { assertClassIndex, assertFinite, assertFiniteResult, assertProbabilities, clip } from '../losses/probability.js';

/**
 * The most one label may add to a sum, in magnitude (its loss, its absolute or squared error). A finite loss is not
 * enough: PostgreSQL raises an error when a float8 sum overflows, and the fold that raised it would stop folding every
 * model's deltas, for good. Two labels of a regressor 1.3e154 away from its outputs (each squared error finite) did
 * that. Within ±1e200 per label, a sum overflows only past 1e108 labels.
 */
export const MAX_SUMMAND = 1e200;

/** `value`, if the sums can take it (see MAX_SUMMAND); throws otherwise (NaN and ±Infinity included). */
export function assertSummable(value: number, what: string): number {
  if (!(Math.abs(value) <= MAX_SUMMAND)) throw new Error(`${what} ${value.toPrecision(3)} is more than the aggregates can sum (at most ${MAX_SUMMAND} per label)`);
  return value;
}

/**
 * The loss of a label, checked with `check` (and, for a regressor, its squared error, which the window's mse sums);
 * the inputs are checked first, so that a bad one is named as such.
 */
function checkedLoss(spec: LossSpec, row: LabeledPrediction, check: (value: number, what: string) => number): number {
  if ('probabilities' in row) return check(classificationLoss(spec, row.probabilities, row.trueIndex), 'the loss');
  assertFinite(row.prediction, 'prediction');
  assertFinite(row.label, 'label');
  check((row.label - row.prediction) ** 2, 'the squared error');
  return check(regressionLoss(spec, row.prediction, row.label), 'the loss');
}

/** The per-request loss of a new label, if the sums can take it and its squared error (`labeledContribution`'s checks for sign 1); throws otherwise. */
export function countableLoss(spec: LossSpec, row: LabeledPrediction): number {
  return checkedLoss(spec, row, assertSummable);
}

/** Mergeable sums over a set of predictions, from which `computePerformance` derives a window's performance. */
export interface PerformanceSums {
  /** Predictions in the window. */
  count: number;
  /** Of which labeled. */
  labeled: number;
  /** Σ configured per-request loss over labeled. */
  lossSum: number;
  /** Classification: Σ −ln clip(p_k) over labeled. */
  logLossSum: number;
  /** Classification: K×K row-major, confusion[true * K + predicted], labeled only. Regression: []. */
  confusion: number[];
  /** Classification: predictions per predicted class ŷ (length K), labeled or not. Regression: []. */
  predicted: number[];
  /** Classification: Σ max_j p_j over all predictions. */
  maxProbSum: number;
  /** Classification: Σ max_j p_j over labeled predictions. */
  maxProbLabeledSum: number;
  /** Classification: Σ −Σ_j p_j ln clip(p_j) over all predictions. */
  entropySum: number;
  /** Regression: Σ |y − ŷ| over labeled. */
  absErrorSum: number;
  /** Regression: Σ (y − ŷ)² over labeled. */
  squaredErrorSum: number;
}

/** One labeled prediction: a classifier's probability row and true class index, or a regressor's output and label. */
export type LabeledPrediction =
  | { readonly probabilities: readonly number[]; readonly trueIndex: number }
  | { readonly prediction: number; readonly label: number };

/** Zero sums; `classes` = K for a classifier (a K×K confusion matrix), 0 for a regressor. */
export function emptySums(classes: number): PerformanceSums {
  if (!Number.isInteger(classes) || classes < 0) throw new Error(`classes must be a non-negative integer, got ${String(classes)}`);
  return {
    count: 0,
    labeled: 0,
    lossSum: 0,
    logLossSum: 0,
    confusion: new Array<number>(classes * classes).fill(0),
    predicted: new Array<number>(classes).fill(0),
    maxProbSum: 0,
    maxProbLabeledSum: 0,
    entropySum: 0,
    absErrorSum: 0,
    squaredErrorSum: 0,
  };
}

const SCALARS = [
  'count',
  'labeled',
  'lossSum',
  'logLossSum',
  'maxProbSum',
  'maxProbLabeledSum',
  'entropySum',
  'absErrorSum',
  'squaredErrorSum',
] as const satisfies readonly (keyof PerformanceSums)[];

/** The fields added element by element (their lengths must match), with what the error message calls them. */
export const ARRAY_FIELDS = { confusion: 'confusion matrix', predicted: 'predicted-count array' } as const satisfies Partial<Record<keyof PerformanceSums, string>>;

/** a + b field by field (a missing field of `b` counts as 0); the confusion matrices (and predicted counts) must have the same size. */
export function addSums(a: PerformanceSums, b: Partial<PerformanceSums>): PerformanceSums {
  const sum = { ...a, confusion: [...a.confusion], predicted: [...a.predicted] };
  for (const field of SCALARS) sum[field] = a[field] + (b[field] ?? 0);
  for (const [field, what] of Object.entries(ARRAY_FIELDS) as Array<[keyof typeof ARRAY_FIELDS, string]>) {
    const cells = b[field];
    if (cells === undefined) continue;
    if (cells.length !== a[field].length) throw new Error(`cannot add a ${what} of ${cells.length} cells to one of ${a[field].length}`);
    cells.forEach((n, i) => (sum[field][i] += n));
  }
  return sum;
}

/** Predictive entropy −Σ_j p_j ln clip(p_j) (METRICS §2 `estimated.logLoss`); reference `-np.sum(p * np.log(np.clip(p, 1e-15, 1 - 1e-15)))`. */
export function predictiveEntropy(probabilities: readonly number[]): number {
  assertProbabilities(probabilities);
  let sum = 0;
  for (const p of probabilities) sum -= p * Math.log(clip(p));
  return sum + 0;
}

function maxProbability(probabilities: readonly number[]): number {
  return Math.max(...probabilities);
}

/**
 * The label-free part of one classifier prediction: count 1, one in the predicted class ŷ's cell of
 * `predicted` (for selection rates, METRICS §4), max_j p_j, −Σ_j p_j ln clip(p_j) (METRICS §2 `estimated`).
 * ŷ comes from `positiveIndex` and `threshold`, so a bad decision setup fails on the prediction, not later on its label.
 */
export function classificationContribution(
  probabilities: readonly number[],
  positiveIndex: number,
  threshold: number,
): Partial<PerformanceSums> {
  const predicted = new Array<number>(probabilities.length).fill(0);
  predicted[predictedClass(probabilities, positiveIndex, threshold)] = 1;
  return { count: 1, predicted, maxProbSum: maxProbability(probabilities), entropySum: predictiveEntropy(probabilities) };
}

/** The label-free part of one regressor prediction: count 1. */
export function regressionContribution(prediction: number): Partial<PerformanceSums> {
  assertFinite(prediction, 'prediction');
  return { count: 1 };
}

/**
 * What one label adds to the sums of a prediction already counted (METRICS §2): labeled 1, the configured
 * per-request loss (`classificationLoss` / `regressionLoss` of `spec`), and — classifier — −ln clip(p_k),
 * the confusion cell [k][ŷ] (ŷ from `spec.positiveIndex` / `spec.threshold`), max_j p_j; — regressor —
 * |y − ŷ| and (y − ŷ)². `sign` −1 gives the same with every field negated, to take a label back:
 * moving a label from A to B is `addSums(addSums(s, labeledContribution(spec, a, -1)), labeledContribution(spec, b))`
 * (or `relabelContribution`). `predicted`, when not null, is the classifier's ŷ for the confusion cell instead of the
 * one `spec` decides today: a label taken back after the threshold changed leaves the cell it was counted in.
 */
export function labeledContribution(spec: LossSpec, row: LabeledPrediction, sign: 1 | -1 = 1, predicted: number | null = null): Partial<PerformanceSums> {
  if (sign !== 1 && sign !== -1) throw new Error(`sign must be 1 or -1, got ${String(sign)}`);
  // + 0 keeps −1 · 0 from leaving −0 in the sums.
  const signed = (x: number) => sign * x + 0;
  // A label taken back only subtracts what the sums already hold: finite is enough (a label counted before the
  // bound, or whose loss today's class weights would push past it, can still be replaced).
  const loss = checkedLoss(spec, row, sign === 1 ? assertSummable : assertFiniteResult);
  if ('probabilities' in row) {
    const { probabilities, trueIndex } = row;
    const classes = probabilities.length;
    const confusion = new Array<number>(classes * classes).fill(0);
    if (predicted !== null) assertClassIndex(predicted, classes, 'predicted');
    confusion[trueIndex * classes + (predicted ?? predictedClass(probabilities, spec.positiveIndex, spec.threshold))] = sign;
    return {
      labeled: sign,
      lossSum: signed(loss),
      logLossSum: signed(logLoss(probabilities, trueIndex)),
      confusion,
      maxProbLabeledSum: signed(maxProbability(probabilities)),
    };
  }
  const error = row.label - row.prediction;
  return {
    labeled: sign,
    lossSum: signed(loss),
    absErrorSum: signed(Math.abs(error)),
    squaredErrorSum: signed(error ** 2),
  };
}

/** The change of the sums when a prediction's label moves from `before` to `after` (same prediction, new label), both under `spec`'s threshold (the labels service passes a label's stored ŷ to `labeledContribution` instead). */
export function relabelContribution(spec: LossSpec, before: LabeledPrediction, after: LabeledPrediction): PerformanceSums {
  const classes = 'probabilities' in after ? after.probabilities.length : 0;
  return addSums(addSums(emptySums(classes), labeledContribution(spec, before, -1)), labeledContribution(spec, after));
}
