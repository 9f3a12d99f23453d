import { describe, expect, it } from 'vitest';
import { psi } from './psi.js';

// numpy, with METRICS §3's convention (empty bins → 1e-4, not renormalised):
// psi(R, C) = (r := R / R.sum(), c := C / C.sum(), r[r == 0] = 1e-4, c[c == 0] = 1e-4, np.sum((c - r) * np.log(c / r)))
describe('psi', () => {
  it.each<[string, number[], number[], number]>([
    ['identical deciles', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 0],
    ['a window with three empty deciles', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [3, 1, 2, 1, 1, 1, 0, 0, 0, 4], 2.460455646397734],
    ['a slight shift', [100, 200, 300, 250, 100, 50], [90, 210, 280, 260, 120, 40], 0.009191438008565608],
    ['a bin empty in the reference (e.g. __other__)', [0, 50, 50], [10, 40, 50], 0.7123991075017365],
    ['bins empty on either side', [5, 0, 5], [0, 10, 0], 17.724909090716935],
    ['disjoint', [1, 0], [0, 1], 18.418838675877968],
    ['uniform window against a skewed reference', [400, 300, 200, 100, 0], [100, 100, 100, 100, 100], 1.7679110666412625],
  ])('%s → %d', (_name, reference, current, expected) => {
    expect(psi(reference, current)).toBeCloseTo(expected, 13);
  });

  it('floors only empty bins: a proportion below 1e-4 is kept as it is', () => {
    // R = [1, 19999], C = [1, 1]: r = [5e-5, 0.99995] stays; numpy: np.sum((c - r) * np.log(c / r))
    expect(psi([1, 19_999], [1, 1])).toBeCloseTo(4.951223603765478, 12);
  });

  it.each<[string, number[], number[]]>([
    ['an empty window', [5, 5], [0, 0]],
    ['an empty reference', [0, 0], [5, 5]],
  ])('is null for %s', (_name, reference, current) => {
    expect(psi(reference, current)).toBeNull();
  });

  it.each<[string, () => number | null, string]>([
    ['bins of different lengths', () => psi([1, 2], [1]), 'reference has 2 bins but current has 1'],
    ['a negative count', () => psi([1, -2], [1, 1]), 'reference count 1 must be a non-negative integer, got -2'],
    ['a NaN count', () => psi([1, 2], [Number.NaN, 1]), 'current count 0 must be a non-negative integer, got NaN'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
