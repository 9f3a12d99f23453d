// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { hingeLoss } from './hinge.js';

// Rows [p(neg), p(pos)] with s = 2p₊ − 1; yB = [1, 0, 1, 0, 1, 1, 0, 1], dB = 2 * PB[:, 1] - 1.
// Each expected value is sklearn's hinge_loss(yB, dB, sample_weight=e_i), e_i the one-hot of row i.
const ROWS: [number, boolean, number][] = [
  [0.9, true, 0.19999999999999996],
  [0.65, false, 1.3],
  [0.2, true, 1.6],
  [0.4, false, 0.8],
  [1, true, 0],
  [0, true, 2],
  [0.5, false, 1],
  [0.7, true, 0.6000000000000001],
];

describe('hingeLoss', () => {
  it.each(ROWS)('p₊ %d, positive %s → %d', (pPositive, positive, expected) => {
    expect(hingeLoss(2 * pPositive - 1, positive)).toBeCloseTo(expected, 14);
  });

  it('averages to sklearn’s hinge_loss on the window', () => {
    const mean = ROWS.reduce((sum, [p, positive]) => sum + hingeLoss(2 * p - 1, positive), 0) / ROWS.length;
    expect(mean).toBeCloseTo(0.9375, 14); // hinge_loss(yB, dB)
  });

  it.each<[number, boolean, number]>([
    [2.5, true, 0], // a raw logit beyond the margin: max(0, 1 − 2.5)
    [2.5, false, 3.5], // max(0, 1 + 2.5)
    [-0.25, true, 1.25], // max(0, 1 + 0.25)
  ])('takes a raw score %d (positive %s) → %d', (score, positive, expected) => {
    expect(hingeLoss(score, positive)).toBe(expected);
  });

  it('refuses a NaN score', () => {
    expect(() => hingeLoss(Number.NaN, true)).toThrowError('hinge score must be a finite number, got NaN');
  });
});
