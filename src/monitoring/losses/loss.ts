import { LOSS_TASKS, type LossName } from '../../inference/model-config.js';
import { brierLoss } from './brier.js';
import { focalLoss } from './focal.js';
import { hingeLoss } from './hinge.js';
import { huberLoss } from './huber.js';
import { logLoss } from './log-loss.js';
import { absoluteError } from './mae.js';
import { squaredError } from './mse.js';
import { predictedClass } from './predicted-class.js';
import { assertClassIndex, assertFinite, assertFiniteResult, assertProbabilities } from './probability.js';
import { quantileLoss } from './quantile.js';
import { zeroOneLoss } from './zero-one.js';

export { brierLoss } from './brier.js';
export { focalLoss } from './focal.js';
export { hingeLoss } from './hinge.js';
export { huberLoss } from './huber.js';
export { logLoss } from './log-loss.js';
export { absoluteError } from './mae.js';
export { squaredError } from './mse.js';
export { predictedClass } from './predicted-class.js';
export { clip, EPS } from './probability.js';
export { quantileLoss } from './quantile.js';
export { zeroOneLoss } from './zero-one.js';

/** A model's `loss` config with class names already mapped to indices (METRICS §1). */
export interface LossSpec {
  name: LossName;
  /** `gamma` (focal, default 2), `alpha` (focal, default none), `delta` (huber, default 1), `tau` (quantile, default 0.5). */
  params: Record<string, number>;
  /** By class index; the loss is multiplied by the weight of the true class. Default 1. */
  classWeights?: number[];
  /** C[true][predicted]; when present it replaces the loss (and the class weight) by C[k][ŷ]. */
  costMatrix?: number[][];
  /** Binary: index of the positive class; −1 otherwise. */
  positiveIndex: number;
  /** Binary decision threshold on p(positive). */
  threshold: number;
}

function param(spec: LossSpec, name: string, fallback: number): number {
  return spec.params[name] ?? fallback;
}

function assertFits(spec: LossSpec, kind: 'classification' | 'regression'): void {
  const fits = (LOSS_TASKS[spec.name] as readonly string[] | undefined)?.includes('regression');
  if (fits === undefined) throw new Error(`unknown loss "${String(spec.name)}"`);
  if (fits !== (kind === 'regression')) throw new Error(`loss "${spec.name}" is not a ${kind} loss`);
}

/**
 * Per-request loss of a classifier (METRICS §1), k = `trueIndex`, ŷ = `predictedClass(p, positiveIndex, threshold)`:
 * with `costMatrix`, C[k][ŷ] (the business cost; class weights are not applied on top — scale row k instead);
 * otherwise w_k · L(p, k), w_k = `classWeights[k]` (default 1) and L one of
 * `log_loss` −ln clip(p_k) · `focal` −α_k(1 − p_k)^γ ln clip(p_k) · `hinge` max(0, 1 − t(2p₊ − 1)) ·
 * `brier` Σ_j (p_j − [j = k])² · `zero_one` [ŷ ≠ k].
 * Reference: `sklearn.metrics.log_loss(y, P, sample_weight=w[y], normalize=False)` is the sum of these
 * for `log_loss` (see the per-loss files for the others). Non-finite inputs throw.
 */
export function classificationLoss(spec: LossSpec, probabilities: readonly number[], trueIndex: number): number {
  assertFits(spec, 'classification');
  assertProbabilities(probabilities);
  const classes = probabilities.length;
  assertClassIndex(trueIndex, classes, 'trueIndex');
  if (spec.costMatrix) {
    const predicted = predictedClass(probabilities, spec.positiveIndex, spec.threshold);
    if (spec.costMatrix.length !== classes || spec.costMatrix.some((row) => row.length !== classes)) {
      throw new Error(`costMatrix must be ${classes}×${classes}`);
    }
    const row = spec.costMatrix[trueIndex];
    assertFinite(row[predicted], `costMatrix[${trueIndex}][${predicted}]`);
    return row[predicted];
  }
  let weight = 1;
  if (spec.classWeights) {
    if (spec.classWeights.length !== classes) throw new Error(`classWeights must have ${classes} entries, got ${spec.classWeights.length}`);
    weight = spec.classWeights[trueIndex];
    assertFinite(weight, `classWeights[${trueIndex}]`);
  }
  return assertFiniteResult(weight * unweightedLoss(spec, probabilities, trueIndex), `${spec.name} loss`);
}

function unweightedLoss(spec: LossSpec, probabilities: readonly number[], trueIndex: number): number {
  switch (spec.name) {
    case 'log_loss':
      return logLoss(probabilities, trueIndex);
    case 'focal':
      return focalLoss(probabilities, trueIndex, param(spec, 'gamma', 2), spec.params.alpha, spec.positiveIndex);
    case 'hinge': {
      if (spec.positiveIndex < 0 || probabilities.length !== 2) throw new Error('hinge loss is for binary classifiers only');
      assertClassIndex(spec.positiveIndex, 2, 'positiveIndex');
      return hingeLoss(2 * probabilities[spec.positiveIndex] - 1, trueIndex === spec.positiveIndex);
    }
    case 'brier':
      return brierLoss(probabilities, trueIndex);
    case 'zero_one':
      return zeroOneLoss(predictedClass(probabilities, spec.positiveIndex, spec.threshold), trueIndex);
    default:
      throw new Error(`loss "${spec.name}" is not a classification loss`);
  }
}

/**
 * Per-request loss of a regressor (METRICS §1), r = y − ŷ with y = `label`, ŷ = `prediction`:
 * `mse` r² · `mae` |r| · `huber` ½r² if |r| ≤ δ else δ(|r| − ½δ) · `quantile` max(τr, (τ − 1)r).
 * Reference: `sklearn.metrics.mean_squared_error`, `mean_absolute_error`, `mean_pinball_loss(alpha=tau)`
 * on one sample; Huber by numpy (sklearn has none). Non-finite inputs throw.
 */
export function regressionLoss(spec: LossSpec, prediction: number, label: number): number {
  assertFits(spec, 'regression');
  switch (spec.name) {
    case 'mse':
      return squaredError(prediction, label);
    case 'mae':
      return absoluteError(prediction, label);
    case 'huber':
      return huberLoss(prediction, label, param(spec, 'delta', 1));
    case 'quantile':
      return quantileLoss(prediction, label, param(spec, 'tau', 0.5));
    default:
      throw new Error(`loss "${spec.name}" is not a regression loss`);
  }
}
