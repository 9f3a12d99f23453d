import { assertFinite, assertFiniteResult } from './probability.js';

/** Absolute error of one prediction (METRICS §1 `mae`): |y − ŷ|. Reference: `sklearn.metrics.mean_absolute_error([y], [ŷ])`. */
export function absoluteError(prediction: number, label: number): number {
  assertFinite(prediction, 'prediction');
  assertFinite(label, 'label');
  return assertFiniteResult(Math.abs(label - prediction), 'absolute error');
}
