import { pairTotals, shares } from './counts.js';

/** x·ln(x/y) with 0·ln(0/y) = 0, as `scipy.special.rel_entr` (y > 0 wherever x > 0 here). */
function relativeEntropyTerm(x: number, y: number): number {
  return x > 0 ? x * Math.log(x / y) : 0;
}

/**
 * Jensen–Shannon distance (METRICS §3 `jsDistance`): √JSD, JSD = ½Σ pᵢ ln(pᵢ/mᵢ) + ½Σ qᵢ ln(qᵢ/mᵢ),
 * p, q the reference and current proportions as they are (no flooring), m = (p + q)/2, natural log,
 * so 0 ≤ jsDistance ≤ √ln 2. Numeric features pass counts merged to deciles, categorical ones the
 * category counts with `__other__`. Reference: `scipy.spatial.distance.jensenshannon(R, C)` (which
 * normalises the counts the same way). A rounding residue below 0 is taken as 0 (SciPy would give NaN).
 * null when either sample has no values.
 */
export function jsDistance(referenceCounts: readonly number[], currentCounts: readonly number[]): number | null {
  const [n, m] = pairTotals(referenceCounts, currentCounts);
  if (n === 0 || m === 0) return null;
  const p = shares(referenceCounts);
  const q = shares(currentCounts);
  let divergence = 0;
  p.forEach((pi, i) => {
    const m = (pi + q[i]) / 2;
    divergence += relativeEntropyTerm(pi, m) + relativeEntropyTerm(q[i], m);
  });
  return Math.sqrt(Math.max(0, divergence / 2));
}
