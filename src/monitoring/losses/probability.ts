/** METRICS §1: the clipping bound for every logarithm of a probability. */
export const EPS = 1e-15;

/**
 * clip(x) = min(max(x, eps), 1 − eps), eps = 1e-15 (METRICS §1), as `numpy.clip(x, 1e-15, 1 - 1e-15)`
 * inside `sklearn.metrics.log_loss(..., eps=1e-15)`.
 */
export function clip(x: number): number {
  return Math.min(Math.max(x, EPS), 1 - EPS);
}

export function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new Error(`${what} must be a finite number, got ${String(value)}`);
}

/** A probability row of at least two finite numbers (clipping handles 0 and 1; the caller checks the sum). */
export function assertProbabilities(probabilities: readonly number[]): void {
  if (probabilities.length < 2) throw new Error(`a probability row needs at least 2 classes, got ${probabilities.length}`);
  probabilities.forEach((p, j) => assertFinite(p, `probability ${j}`));
}

export function assertClassIndex(index: number, classes: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= classes) {
    throw new Error(`${what} must be a class index in 0..${classes - 1}, got ${String(index)}`);
  }
}

/** A computed loss that overflowed would poison the window sums (∞ − ∞ = NaN on a label overwrite). */
export function assertFiniteResult(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new Error(`${what} overflowed to ${String(value)}`);
  return value;
}
