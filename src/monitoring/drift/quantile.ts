/**
 * Sample quantile by linear interpolation between order statistics (Hyndman & Fan type 7):
 * h = (n − 1)·q, Q(q) = x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎), x₍ᵢ₎ the ascending sample (0-based).
 * Reference: `numpy.quantile(values, q)` (method "linear"); the arithmetic follows numpy's `_lerp`
 * step for step (b − (b − a)(1 − t) when t ≥ 0.5) so that the results are equal to the bit, which
 * the drift bins rely on (a current value equal to a reference percentile must hit the edge exactly).
 */
export function quantile(values: readonly number[], q: number): number {
  values.forEach((value, i) => {
    if (!Number.isFinite(value)) throw new Error(`quantile value ${i} must be a finite number, got ${String(value)}`);
  });
  return sortedQuantile(Float64Array.from(values).sort(), q);
}

/** `quantile` of a sample already sorted ascending (finite numbers), without copying it. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error('quantile of an empty sample');
  if (!Number.isFinite(q) || q < 0 || q > 1) throw new Error(`quantile q must be in [0, 1], got ${String(q)}`);
  const n = sorted.length;
  const virtualIndex = (n - 1) * q;
  const previous = Math.floor(virtualIndex);
  const t = virtualIndex - previous;
  if (virtualIndex >= n - 1) return sorted[n - 1];
  const a = sorted[previous];
  const b = sorted[previous + 1];
  const difference = b - a;
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}
