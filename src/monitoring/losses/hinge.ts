/**
 * Hinge loss of one binary prediction (METRICS §1 `hinge`): max(0, 1 − t·s), t = +1 if the true class is
 * the positive one else −1, s the decision score — the raw score/logit when the model outputs one, else
 * 2p₊ − 1 (`classificationLoss` passes 2p₊ − 1). Reference: `sklearn.metrics.hinge_loss(y, s)`.
 */
export function hingeLoss(score: number, truthIsPositive: boolean): number {
  if (!Number.isFinite(score)) throw new Error(`hinge score must be a finite number, got ${String(score)}`);
  const t = truthIsPositive ? 1 : -1;
  return Math.max(0, 1 - t * score);
}
