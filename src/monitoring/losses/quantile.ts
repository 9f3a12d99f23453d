import { assertFinite, assertFiniteResult } from './probability.js';

/**
 * Quantile (pinball) loss of one prediction (METRICS §1 `quantile`): max(τr, (τ − 1)r), r = y − ŷ, τ ∈ [0, 1].
 * Reference: `sklearn.metrics.mean_pinball_loss([y], [ŷ], alpha=tau)`.
 */
export function quantileLoss(prediction: number, label: number, tau: number): number {
  assertFinite(prediction, 'prediction');
  assertFinite(label, 'label');
  assertFinite(tau, 'quantile tau');
  if (tau < 0 || tau > 1) throw new Error(`quantile tau must be in [0, 1], got ${tau}`);
  const r = label - prediction;
  // + 0 turns the −0 of τ = 1, r < 0 into 0.
  return assertFiniteResult(Math.max(tau * r, (tau - 1) * r) + 0, 'quantile loss');
}
