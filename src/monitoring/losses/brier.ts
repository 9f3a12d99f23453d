import { assertClassIndex, assertProbabilities } from './probability.js';

/**
 * Brier score of one prediction (METRICS §1 `brier`): Σ_j (p_j − [j = k])² over all K classes.
 * For two classes this is twice `sklearn.metrics.brier_score_loss(y, p₊)`, which is (p₊ − y)²;
 * for K classes it is `np.sum((p - np.eye(K)[k])**2)`.
 */
export function brierLoss(probabilities: readonly number[], trueIndex: number): number {
  assertProbabilities(probabilities);
  assertClassIndex(trueIndex, probabilities.length, 'trueIndex');
  let sum = 0;
  probabilities.forEach((p, j) => {
    const d = p - (j === trueIndex ? 1 : 0);
    sum += d * d;
  });
  return sum;
}
