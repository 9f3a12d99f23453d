// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { quantileLoss } from './quantile.js';

describe('quantileLoss', () => {
  // mean_pinball_loss([y], [ŷ], alpha=tau)
  it.each<[number, number, number, number]>([
    [2.5, 3, 0.5, 0.25],
    [2.5, 3, 0.9, 0.45],
    [2.5, 3, 0.1, 0.05],
    [0, -0.5, 0.5, 0.25],
    [0, -0.5, 0.9, 0.04999999999999999],
    [0, -0.5, 0.1, 0.45],
    [2, 2, 0.9, 0],
    [8, 7, 0.9, 0.09999999999999998],
    [8, 7, 0.1, 0.9],
    [8, 7, 1, 0], // τ = 1 never charges an over-prediction
    [-2, 1, 0.5, 1.5],
    [-2, 1, 0.9, 2.7],
    [-2, 1, 0.1, 0.30000000000000004],
    [-2, 1, 1, 3],
  ])('ŷ %d, y %d, τ %d → %d', (prediction, label, tau, expected) => {
    expect(quantileLoss(prediction, label, tau)).toBeCloseTo(expected, 14);
  });

  it('gives +0, not −0, for τ = 1 and an over-prediction', () => {
    expect(Object.is(quantileLoss(8, 7, 1), 0)).toBe(true);
  });

  it('averages to sklearn’s window pinball loss', () => {
    const pairs: [number, number][] = [[2.5, 3], [0, -0.5], [2, 2], [8, 7], [-2, 1]];
    const mean = pairs.reduce((sum, [prediction, label]) => sum + quantileLoss(prediction, label, 0.9), 0) / pairs.length;
    expect(mean).toBeCloseTo(0.66, 14); // mean_pinball_loss(y, yh, alpha=0.9)
  });

  it.each<[number]>([[-0.1], [1.1], [Number.NaN]])('refuses τ = %d', (tau) => {
    expect(() => quantileLoss(1, 2, tau)).toThrowError(/quantile tau must be/);
  });
});
