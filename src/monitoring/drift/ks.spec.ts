import { describe, expect, it } from 'vitest';
import { countNumeric, numericBins } from './bins.js';
import { kolmogorovSurvival, ksPValue, ksStatistic } from './ks.js';

/** |actual/expected − 1| ≤ tolerance: the tail values span 1e-125..1. */
function expectRelative(actual: number | null, expected: number, tolerance: number): void {
  expect(actual).not.toBeNull();
  if (expected === 0) expect(actual).toBe(0);
  else expect(Math.abs((actual as number) / expected - 1)).toBeLessThanOrEqual(tolerance);
}

describe('kolmogorovSurvival', () => {
  // scipy.stats.kstwobign.sf(x) (SciPy 1.10.1)
  it.each<[number, number]>([
    [0.01, 1.0],
    [0.2, 0.999999999999495],
    [0.3, 0.9999906941986655],
    [0.5, 0.9639452436648751],
    [0.7, 0.7112351950296893],
    [0.82, 0.5119717052984973],
    [0.9, 0.3927307079406543],
    [0.99, 0.2808738392255489],
    [0.999, 0.27107316411506394], // just below the switch of series
    [1, 0.26999967167735456],
    [1.001, 0.26892926629862707],
    [1.2, 0.11224966667072497],
    [1.36, 0.049485876755377876], // the classic 5 % critical value
    [1.5, 0.022217962616525127],
    [2, 0.0006709252557796953],
    [3, 3.045995948942526e-8],
    [5, 3.8574996959278356e-22],
    [8, 5.14441874528483e-56],
    [12, 1.6757885067638739e-125],
  ])('Q(%d) = %d', (x, expected) => {
    expectRelative(kolmogorovSurvival(x), expected, 1e-12);
  });

  it('is 1 at and below 0', () => {
    expect(kolmogorovSurvival(0)).toBe(1); // scipy.stats.kstwobign.sf(0)
    expect(kolmogorovSurvival(-1)).toBe(1); // scipy.stats.kstwobign.sf(-1)
  });

  it('is continuous across the switch of series at 1', () => {
    expect(Math.abs(kolmogorovSurvival(1 - 1e-12) - kolmogorovSurvival(1))).toBeLessThan(1e-11);
  });
});

// Shared bin pairs: ks = numpy.max(numpy.abs(numpy.cumsum(R)[:-1] / R.sum() - numpy.cumsum(C)[:-1] / C.sum())),
// p = scipy.stats.kstwobign.sf(numpy.sqrt(n * m / (n + m)) * ks).
describe('ksStatistic and ksPValue', () => {
  it.each<[string, number[], number[], number, number]>([
    ['identical', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 0, 1],
    ['a window with empty bins', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [3, 1, 2, 1, 1, 1, 0, 0, 0, 4], 0.20769230769230773, 0.7038076935524502],
    ['a slight shift', [100, 200, 300, 250, 100, 50], [90, 210, 280, 260, 120, 40], 0.020000000000000018, 0.9882610776435243],
    ['an empty reference bin', [0, 50, 50], [10, 40, 50], 0.1, 0.6993741991310154],
    ['empty bins on either side', [5, 0, 5], [0, 10, 0], 0.5, 0.1640791977266521],
    ['disjoint, one value each', [1, 0], [0, 1], 1, 0.6993741991310154],
    ['a strong shift', [400, 300, 200, 100, 0], [100, 100, 100, 100, 100], 0.30000000000000004, 1.7513021525392667e-26],
  ])('%s → ks %d, p %d', (_name, reference, current, ks, p) => {
    const statistic = ksStatistic(reference, current);
    expect(statistic).toBeCloseTo(ks, 15);
    const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
    expectRelative(ksPValue(statistic, total(reference), total(current)), p, 1e-12);
  });

  it('is 0 with a single bin (no edges)', () => {
    expect(ksStatistic([5], [3])).toBe(0);
  });

  it('is null for an empty window, and so is its p-value', () => {
    expect(ksStatistic([5, 5], [0, 0])).toBeNull();
    expect(ksPValue(null, 10, 0)).toBeNull();
    expect(ksPValue(0.2, 10, 0)).toBeNull();
  });

  it('refuses a statistic outside [0, 1]', () => {
    expect(() => ksPValue(1.5, 10, 10)).toThrowError('ks must be in [0, 1], got 1.5');
  });

  // ref(i) = ((i*37) % 101 + (i*53) % 103 + (i*71) % 107) / 10, cur(i) = ((i*29) % 97 + (i*61) % 109 + (i*43) % 113) / 10 + shift;
  // ks_2samp = scipy.stats.ks_2samp(ref, cur).statistic; binned = the numpy expression above on the 99-edge bins;
  // largest bin = R.max() / n.
  it.each<[number, number, number, number, number, number]>([
    [1000, 300, 0.3, 0.0713333333333333, 0.074, 0.017],
    [2000, 500, 1.5, 0.14349999999999996, 0.1435, 0.0155],
    [2000, 500, 0, 0.05049999999999999, 0.0505, 0.0155],
    [5000, 5000, 0.3, 0.05579999999999996, 0.0594, 0.0148],
  ])('n = %i, m = %i, shift %d: binned %d, within the largest reference bin mass of ks_2samp %d', (n, m, shift, binned, exact, largestBin) => {
    const reference = Array.from({ length: n }, (_, i) => (((i * 37) % 101) + ((i * 53) % 103) + ((i * 71) % 107)) / 10);
    const current = Array.from({ length: m }, (_, i) => (((i * 29) % 97) + ((i * 61) % 109) + ((i * 43) % 113)) / 10 + shift);
    const { edges } = numericBins(reference);
    const referenceCounts = countNumeric(edges, reference).counts;
    const ks = ksStatistic(referenceCounts, countNumeric(edges, current).counts) as number;
    expect(ks).toBeCloseTo(binned, 14);
    expect(Math.max(...referenceCounts) / n).toBeCloseTo(largestBin, 15);
    expect(ks).toBeLessThanOrEqual(exact);
    expect(exact - ks).toBeLessThanOrEqual(largestBin);
  });
});
