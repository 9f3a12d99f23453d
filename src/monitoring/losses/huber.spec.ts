// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { huberLoss } from './huber.js';

// sklearn has no Huber metric (only HuberRegressor); the expected values are numpy:
// huber(r, d) = np.where(np.abs(r) <= d, 0.5 * r**2, d * (np.abs(r) - 0.5 * d)), r = y - ŷ.
describe('huberLoss', () => {
  it.each<[number, number, number, number]>([
    [2.5, 3, 1, 0.125], // huber(0.5, 1.0)
    [0, -0.5, 1, 0.125], // huber(-0.5, 1.0)
    [2, 2, 1, 0], // huber(0.0, 1.0)
    [8, 7, 1, 0.5], // huber(-1.0, 1.0): |r| = δ is the quadratic side
    [-2, 1, 1, 2.5], // huber(3.0, 1.0) = 1 * (3 - 0.5)
    [-2, 1, 1.5, 3.375], // huber(3.0, 1.5) = 1.5 * (3 - 0.75)
    [8, 7, 1.5, 0.5], // huber(-1.0, 1.5)
  ])('ŷ %d, y %d, δ %d → %d', (prediction, label, delta, expected) => {
    expect(huberLoss(prediction, label, delta)).toBeCloseTo(expected, 14);
  });

  it('averages to the numpy window mean', () => {
    const pairs: [number, number][] = [[2.5, 3], [0, -0.5], [2, 2], [8, 7], [-2, 1]];
    const mean = pairs.reduce((sum, [prediction, label]) => sum + huberLoss(prediction, label, 1), 0) / pairs.length;
    expect(mean).toBeCloseTo(0.65, 14); // np.mean(huber(y - yh, 1.0))
  });

  it.each<[number]>([[0], [-1], [Number.NaN]])('refuses δ = %d', (delta) => {
    expect(() => huberLoss(1, 2, delta)).toThrowError(/huber delta must be/);
  });
});
