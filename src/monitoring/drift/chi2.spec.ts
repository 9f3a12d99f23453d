import { describe, expect, it } from 'vitest';
import { chi2Contingency, chi2Survival } from './chi2.js';

function expectRelative(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) expect(actual).toBe(0);
  else expect(Math.abs(actual / expected - 1)).toBeLessThanOrEqual(tolerance);
}

describe('chi2Survival', () => {
  // scipy.stats.chi2.sf(x, df) (SciPy 1.10.1)
  it.each<[number, number, number]>([
    [0.5, 1, 0.47950012218695337],
    [3.841458820694124, 1, 0.04999999999999989], // the 5 % critical value for df = 1
    [10, 1, 0.001565402258002549],
    [1e-8, 1, 0.9999202115440526],
    [2, 2, 0.36787944117144245],
    [7.5, 3, 0.0575584519726364],
    [4, 5, 0.5494159513527802],
    [30, 5, 1.4748581038443073e-5],
    [50, 10, 2.669083424904495e-7],
    [9.5, 10, 0.4853975577785966],
    [80, 49, 0.0034012114117295514],
    [99, 99, 0.4810969124082639],
    [150, 99, 0.0007204453957169282],
    [400, 99, 8.372893780664211e-38],
    [1000, 3, 1.7994208765314067e-216],
    [0.1, 20, 1.0],
    [1e4, 100, 0.0],
  ])('P(χ² > %d), df %i → %d', (x, df, expected) => {
    expectRelative(chi2Survival(x, df), expected, 1e-10);
  });

  it('is 1 at 0 and refuses a fractional df', () => {
    expect(chi2Survival(0, 3)).toBe(1); // scipy.stats.chi2.sf(0, 3)
    expect(() => chi2Survival(1, 1.5)).toThrowError('chi-square degrees of freedom must be a positive integer, got 1.5');
  });
});

describe('chi2Contingency', () => {
  // T = numpy.array([R, C]); scipy.stats.chi2_contingency(T[:, T.sum(0) > 0], correction=False) → statistic, dof, pvalue
  it.each<[string, number[], number[], number, number, number]>([
    ['three categories', [30, 20, 50], [20, 25, 55], 2.7936507936507935, 2, 0.24738105537725047],
    ['a category in neither sample is left out', [100, 0, 50, 0], [80, 10, 60, 0], 13.131313131313131, 2, 0.0014078992690737368],
    ['disjoint categories', [5, 0], [0, 7], 11.999999999999998, 1, 0.0005320055051392503],
    ['a new value in __other__', [1000, 500, 250, 0], [100, 120, 60, 30], 213.38567779774849, 3, 5.400483471937387e-46],
    ['small counts', [12, 7, 3, 0, 1], [3, 9, 8, 4, 0], 12.907293725296443, 4, 0.011737769920814035],
  ])('%s → χ² %d, df %i, p %d', (_name, reference, current, chi2, df, p) => {
    const test = chi2Contingency(reference, current);
    expect(test).not.toBeNull();
    expect(test?.chi2).toBeCloseTo(chi2, 10);
    expect(test?.df).toBe(df);
    expectRelative(test?.pValue ?? Number.NaN, p, 1e-10);
  });

  it('one category present: χ² 0, df 0, p 1, as SciPy', () => {
    // scipy.stats.chi2_contingency([[40], [25]], correction=False) → (0.0, 1.0, 0, …)
    expect(chi2Contingency([40, 0], [25, 0])).toEqual({ chi2: 0, df: 0, pValue: 1 });
  });

  it('is null for an empty window or reference', () => {
    expect(chi2Contingency([5, 5], [0, 0])).toBeNull();
    expect(chi2Contingency([0, 0], [5, 5])).toBeNull();
  });
});
