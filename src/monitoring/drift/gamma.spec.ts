import { describe, expect, it } from 'vitest';
import { logGamma, regularizedGammaQ } from './gamma.js';

function expectRelative(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) expect(Math.abs(actual)).toBeLessThanOrEqual(tolerance);
  else expect(Math.abs(actual / expected - 1)).toBeLessThanOrEqual(tolerance);
}

describe('logGamma', () => {
  // scipy.special.gammaln(z) (SciPy 1.10.1)
  it.each<[number, number]>([
    [0.5, 0.5723649429247],
    [1, 0.0],
    [1.5, -0.12078223763524526],
    [2, 0.0],
    [2.5, 0.2846828704729192],
    [3.7, 1.428072326665388],
    [10, 12.801827480081469],
    [49.5, 142.617282821146],
    [100, 359.1342053695754],
    [0.1, 2.252712651734206],
    [1e-5, 11.512919692895826],
  ])('ln Γ(%d) = %d', (z, expected) => {
    expect(logGamma(z)).toBeCloseTo(expected, 12);
  });

  it('refuses z ≤ 0', () => {
    expect(() => logGamma(0)).toThrowError('logGamma needs a finite z > 0, got 0');
  });
});

describe('regularizedGammaQ', () => {
  // scipy.special.gammaincc(a, x) (SciPy 1.10.1): both the series (x < a + 1) and the continued fraction.
  it.each<[number, number, number]>([
    [0.5, 0.1, 0.6547208460185768],
    [0.5, 2, 0.04550026389635857],
    [1, 1, 0.36787944117144245],
    [3, 2.5, 0.5438131158833297],
    [3, 10, 0.0027693957155115775],
    [10, 5, 0.9681719426937951],
    [10, 20, 0.0049954123083075785],
    [49.5, 40, 0.9191878735980901],
    [49.5, 75, 0.0007204453957169282],
    [2.5, 0.001, 0.9999999904914654],
  ])('Q(%d, %d) = %d', (a, x, expected) => {
    expectRelative(regularizedGammaQ(a, x), expected, 1e-12);
  });

  it('is 1 at x = 0 and 0 at x = ∞', () => {
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(regularizedGammaQ(2, Infinity)).toBe(0);
  });

  it.each<[string, () => number, string]>([
    ['a ≤ 0', () => regularizedGammaQ(0, 1), 'incomplete gamma needs a finite a > 0, got 0'],
    ['x < 0', () => regularizedGammaQ(1, -1), 'incomplete gamma needs x ≥ 0, got -1'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
