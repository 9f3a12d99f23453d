import { pairTotals } from './counts.js';

/**
 * Binned two-sample Kolmogorov–Smirnov statistic (METRICS §3 `ks`): max over the edges e of
 * |R(e) − C(e)|, R(e) and C(e) the shares of reference and current values below e — the cumulative
 * counts of the bins left of e. The counts are the full bins (edges.length + 1 of them, not deciles).
 * It is `scipy.stats.ks_2samp(ref, cur).statistic` seen only at the edges, so it is at most that and
 * differs from it by no more than the largest bin mass. 0 with no edges (one bin); null when either
 * sample has no values.
 */
export function ksStatistic(referenceCounts: readonly number[], currentCounts: readonly number[]): number | null {
  const [n, m] = pairTotals(referenceCounts, currentCounts);
  if (n === 0 || m === 0) return null;
  let referenceBelow = 0;
  let currentBelow = 0;
  let largest = 0;
  // Edge j (0-based) closes bin j: the values below it are those of bins 0..j.
  for (let j = 0; j < referenceCounts.length - 1; j++) {
    referenceBelow += referenceCounts[j];
    currentBelow += currentCounts[j];
    largest = Math.max(largest, Math.abs(referenceBelow / n - currentBelow / m));
  }
  return largest;
}

/** Below this x the theta-function form converges fast and 1 − K(x) loses nothing; above, the alternating series. */
const KOLMOGOROV_CUTOVER = 1;

/**
 * Kolmogorov survival function Q(x) = P(K > x), K the limiting distribution of √n·Dₙ:
 * Q(x) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²x²} for x ≥ 1 (kept to full relative precision in the tail), and
 * Q(x) = 1 − K(x), K(x) = (√(2π)/x) Σ_{k≥1} e^{−(2k−1)²π²/(8x²)} (the CDF) for 0 < x < 1; Q(x) = 1 for
 * x ≤ 0. Both series are summed until their terms no longer change the sum.
 * Reference: `scipy.stats.kstwobign.sf(x)` (agrees to ~1e-15 relative).
 */
export function kolmogorovSurvival(x: number): number {
  if (Number.isNaN(x)) throw new Error('kolmogorovSurvival of NaN');
  if (x <= 0) return 1;
  if (x < KOLMOGOROV_CUTOVER) {
    const w = (Math.PI * Math.PI) / (8 * x * x);
    let cdfSum = 0;
    for (let k = 1; ; k++) {
      const term = Math.exp(-(2 * k - 1) * (2 * k - 1) * w);
      cdfSum += term;
      if (term <= cdfSum * Number.EPSILON) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / x) * cdfSum;
  }
  let total = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    total += k % 2 === 1 ? term : -term;
    if (term <= Math.abs(total) * Number.EPSILON) break;
  }
  return 2 * total;
}

/**
 * Asymptotic p-value of a two-sample KS statistic (METRICS §3 `ksPValue`): Q(√(n·m/(n + m))·ks), n the
 * reference and m the current sample size, Q = `kolmogorovSurvival` (`scipy.stats.kstwobign.sf`).
 * null when the statistic is null or either sample is empty.
 */
export function ksPValue(ks: number | null, nReference: number, nCurrent: number): number | null {
  if (ks === null || nReference <= 0 || nCurrent <= 0) return null;
  if (!Number.isFinite(ks) || ks < 0 || ks > 1) throw new Error(`ks must be in [0, 1], got ${String(ks)}`);
  return kolmogorovSurvival(Math.sqrt((nReference * nCurrent) / (nReference + nCurrent)) * ks);
}
