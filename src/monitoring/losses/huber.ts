import { assertFinite, assertFiniteResult } from './probability.js';

/**
 * Huber loss of one prediction (METRICS §1 `huber`): ½r² if |r| ≤ δ else δ(|r| − ½δ), r = y − ŷ, δ > 0.
 * sklearn has no Huber metric; reference: numpy,
 * `np.where(np.abs(r) <= d, 0.5 * r**2, d * (np.abs(r) - 0.5 * d))`.
 */
export function huberLoss(prediction: number, label: number, delta: number): number {
  assertFinite(prediction, 'prediction');
  assertFinite(label, 'label');
  assertFinite(delta, 'huber delta');
  if (delta <= 0) throw new Error(`huber delta must be > 0, got ${delta}`);
  const r = Math.abs(label - prediction);
  return assertFiniteResult(r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta), 'huber loss');
}
