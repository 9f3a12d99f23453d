import { pairTotals } from './counts.js';
import { regularizedGammaQ } from './gamma.js';

/** Pearson's χ² of a 2×K table, its degrees of freedom and p-value. */
export interface Chi2Test {
  chi2: number;
  df: number;
  pValue: number;
}

/**
 * Chi-square survival function P(χ²_df > x) = Q(df/2, x/2), Q the regularized upper incomplete gamma.
 * Reference: `scipy.stats.chi2.sf(x, df)`.
 */
export function chi2Survival(x: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`chi-square degrees of freedom must be a positive integer, got ${String(df)}`);
  if (Number.isNaN(x)) throw new Error('chi-square survival of NaN');
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/**
 * Pearson's χ² test of homogeneity (METRICS §3 `chi2`, `chi2PValue`) on the 2×K table whose rows are the
 * reference and current counts, over the K categories (with `__other__`) present in either row:
 * χ² = Σ (O − E)²/E, E = row total × column total / N, df = K − 1, p = P(χ²_df > χ²).
 * Reference: `scipy.stats.chi2_contingency(table[:, table.sum(0) > 0], correction=False)`. With K = 1
 * the rows cannot differ: χ² = 0, df = 0, p = 1, as SciPy returns. null when either row is empty.
 */
export function chi2Contingency(referenceCounts: readonly number[], currentCounts: readonly number[]): Chi2Test | null {
  const [n, m] = pairTotals(referenceCounts, currentCounts);
  if (n === 0 || m === 0) return null;
  const total = n + m;
  let chi2 = 0;
  let present = 0;
  referenceCounts.forEach((referenceCount, i) => {
    const column = referenceCount + currentCounts[i];
    if (column === 0) return;
    present++;
    const expectedReference = (n * column) / total;
    const expectedCurrent = (m * column) / total;
    chi2 += (referenceCount - expectedReference) ** 2 / expectedReference + (currentCounts[i] - expectedCurrent) ** 2 / expectedCurrent;
  });
  const df = present - 1;
  return df === 0 ? { chi2: 0, df: 0, pValue: 1 } : { chi2, df, pValue: chi2Survival(chi2, df) };
}
