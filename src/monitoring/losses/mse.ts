import { assertFinite, assertFiniteResult } from './probability.js';

/** Squared error of one prediction (METRICS §1 `mse`): (y − ŷ)². Reference: `sklearn.metrics.mean_squared_error([y], [ŷ])`. */
export function squaredError(prediction: number, label: number): number {
  assertFinite(prediction, 'prediction');
  assertFinite(label, 'label');
  const r = label - prediction;
  return assertFiniteResult(r * r, 'squared error');
}
