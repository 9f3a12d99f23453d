import { assertClassIndex, assertFinite, assertProbabilities, clip } from './probability.js';

/**
 * Focal loss of one prediction (METRICS §1 `focal`, Lin et al. 2017): −α_k (1 − p_k)^γ ln clip(p_k).
 * α_k: without `alpha`, 1. With a number α: binary (`positiveIndex` ≥ 0) α for the positive class and
 * 1 − α for the negative one, as in torchvision's `sigmoid_focal_loss`; multiclass (`positiveIndex` −1)
 * α for every class. p_k is clamped into [0, 1] in the factor so the power stays real.
 * Reference: numpy, `-a_k * (1 - p_k)**gamma * np.log(np.clip(p_k, 1e-15, 1 - 1e-15))` (sklearn has none).
 */
export function focalLoss(
  probabilities: readonly number[],
  trueIndex: number,
  gamma: number,
  alpha: number | undefined,
  positiveIndex: number,
): number {
  assertProbabilities(probabilities);
  assertClassIndex(trueIndex, probabilities.length, 'trueIndex');
  assertFinite(gamma, 'focal gamma');
  if (gamma < 0) throw new Error(`focal gamma must be ≥ 0, got ${gamma}`);
  let alphaK = 1;
  if (alpha !== undefined) {
    assertFinite(alpha, 'focal alpha');
    if (alpha < 0 || alpha > 1) throw new Error(`focal alpha must be in [0, 1], got ${alpha}`);
    alphaK = positiveIndex >= 0 && trueIndex !== positiveIndex ? 1 - alpha : alpha;
  }
  const pK = probabilities[trueIndex];
  const modulation = (1 - Math.min(Math.max(pK, 0), 1)) ** gamma;
  return alphaK * modulation * -Math.log(clip(pK));
}
