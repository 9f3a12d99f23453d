import { pairTotals } from './counts.js';

/** METRICS §3: for `psi` only, a bin with no values gets this proportion instead of 0. */
export const PSI_EMPTY_BIN = 1e-4;

/**
 * Population stability index (METRICS §3 `psi`): Σᵢ (cᵢ − rᵢ)·ln(cᵢ / rᵢ), rᵢ and cᵢ the reference and
 * current proportions of bin i, an empty bin's proportion (exactly 0) replaced by 1e-4 without
 * renormalising — as Evidently's `np.place(percents, percents == 0, 0.0001)`. Numeric features pass
 * their counts merged to deciles (`mergeToDeciles`), categorical ones the category counts with
 * `__other__`. Reference (numpy): `r = R / R.sum(); c = C / C.sum(); r[r == 0] = 1e-4; c[c == 0] = 1e-4;
 * np.sum((c - r) * np.log(c / r))`. null when either sample has no values (0/0 proportions).
 */
export function psi(referenceCounts: readonly number[], currentCounts: readonly number[]): number | null {
  const [referenceTotal, currentTotal] = pairTotals(referenceCounts, currentCounts);
  if (referenceTotal === 0 || currentTotal === 0) return null;
  let total = 0;
  referenceCounts.forEach((referenceCount, i) => {
    const r = referenceCount === 0 ? PSI_EMPTY_BIN : referenceCount / referenceTotal;
    const c = currentCounts[i] === 0 ? PSI_EMPTY_BIN : currentCounts[i] / currentTotal;
    total += (c - r) * Math.log(c / r);
  });
  return total;
}
