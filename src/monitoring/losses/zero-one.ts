/**
 * Zero-one loss of one prediction (METRICS §1 `zero_one`): 0 if the predicted class ŷ equals the true
 * class, else 1. Reference: `sklearn.metrics.zero_one_loss([k], [ŷ])`.
 */
export function zeroOneLoss(predictedIndex: number, trueIndex: number): number {
  return predictedIndex === trueIndex ? 0 : 1;
}
