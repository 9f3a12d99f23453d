import { pairTotals, sum } from './counts.js';

/**
 * Binned first Wasserstein distance (METRICS §3 `wasserstein`):
 * Σ_{i=1}^{m−1} |R(eᵢ₊₁) − C(eᵢ₊₁)|·(eᵢ₊₁ − eᵢ), e₁ < … < e_m the edges, R(e) and C(e) the shares of
 * reference and current values below e — ∫|F_R − F_C| over [e₁, e_m] with each CDF read at the right end
 * of its bin. Mass beyond the outer edges adds nothing. Approximates
 * `scipy.stats.wasserstein_distance(ref, cur)`. 0 with fewer than two edges; null when either sample
 * has no values.
 */
export function wasserstein(edges: readonly number[], referenceCounts: readonly number[], currentCounts: readonly number[]): number | null {
  const [n, m] = pairTotals(referenceCounts, currentCounts);
  if (referenceCounts.length !== edges.length + 1) throw new Error(`${edges.length} edges need ${edges.length + 1} counts, got ${referenceCounts.length}`);
  if (n === 0 || m === 0) return null;
  let referenceBelow = referenceCounts[0];
  let currentBelow = currentCounts[0];
  let total = 0;
  for (let i = 1; i < edges.length; i++) {
    // Below edge i: bins 0..i.
    referenceBelow += referenceCounts[i];
    currentBelow += currentCounts[i];
    total += Math.abs(referenceBelow / n - currentBelow / m) * (edges[i] - edges[i - 1]);
  }
  return total;
}

/**
 * Normed Wasserstein distance (METRICS §3 `wassersteinNorm`, Evidently's): wasserstein / σ, σ the
 * population standard deviation (ddof 0) of the reference sample used. null when the distance is null
 * or σ = 0 (a single-valued reference, where 0/0 has no meaning).
 */
export function wassersteinNorm(distance: number | null, referenceStd: number | null): number | null {
  if (distance === null || referenceStd === null) return null;
  if (!Number.isFinite(referenceStd) || referenceStd < 0) throw new Error(`reference std must be a finite number ≥ 0, got ${String(referenceStd)}`);
  return referenceStd === 0 ? null : distance / referenceStd;
}

/**
 * Population standard deviation √(Σ(x − x̄)²/n) of the non-missing values (two passes, so a large
 * mean does not cancel the spread). Reference: `numpy.std(x)` (ddof 0). null with no values.
 */
export function populationStd(values: readonly (number | null | undefined)[]): number | null {
  const present = values.filter((value): value is number => value !== null && value !== undefined && Number.isFinite(value));
  if (present.length === 0) return null;
  const mean = sum(present) / present.length;
  let squares = 0;
  for (const value of present) squares += (value - mean) * (value - mean);
  return Math.sqrt(squares / present.length);
}
