import { assertClassIndex, assertFinite, assertProbabilities } from './probability.js';

/**
 * The decided class ŷ of one prediction (METRICS §2). Binary (`positiveIndex` ≥ 0, two classes):
 * the positive class if p₊ ≥ threshold, else the other one — as `np.where(p[:, pos] >= threshold, pos, 1 - pos)`.
 * Multiclass (`positiveIndex` = −1): argmax, the first index on ties — as `numpy.argmax`.
 */
export function predictedClass(probabilities: readonly number[], positiveIndex: number, threshold: number): number {
  assertProbabilities(probabilities);
  if (positiveIndex === -1) {
    let best = 0;
    for (let j = 1; j < probabilities.length; j++) if (probabilities[j] > probabilities[best]) best = j;
    return best;
  }
  if (probabilities.length !== 2) throw new Error(`a binary prediction has 2 probabilities, got ${probabilities.length}`);
  assertClassIndex(positiveIndex, 2, 'positiveIndex');
  assertFinite(threshold, 'threshold');
  return probabilities[positiveIndex] >= threshold ? positiveIndex : 1 - positiveIndex;
}
