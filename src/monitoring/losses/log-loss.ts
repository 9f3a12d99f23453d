import { assertClassIndex, assertProbabilities, clip } from './probability.js';

/**
 * Log loss of one prediction: −ln clip(p_k), k the true class (METRICS §1 `log_loss`, §2 `logLoss`).
 * Reference: `sklearn.metrics.log_loss([k], [p], labels=range(K), eps=1e-15)`.
 */
export function logLoss(probabilities: readonly number[], trueIndex: number): number {
  assertProbabilities(probabilities);
  assertClassIndex(trueIndex, probabilities.length, 'trueIndex');
  return -Math.log(clip(probabilities[trueIndex]));
}
