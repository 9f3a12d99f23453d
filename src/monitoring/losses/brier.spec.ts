// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { brierLoss } from './brier.js';

// Binary rows [p(neg), p(pos)]. METRICS' Brier sums over both classes, Σ_j (p_j − [j = k])², which is
// twice sklearn's binary brier_score_loss (p₊ − y)². Columns: row, true class, METRICS value
// (np.sum((p - np.eye(2)[k])**2)), sklearn value (brier_score_loss(yB, PB[:, 1], sample_weight=e_i)).
const BINARY: [number[], number, number, number][] = [
  [[0.1, 0.9], 1, 0.019999999999999997, 0.009999999999999995],
  [[0.35, 0.65], 0, 0.8450000000000001, 0.42250000000000004],
  [[0.8, 0.2], 1, 1.2800000000000002, 0.6400000000000001],
  [[0.6, 0.4], 0, 0.32000000000000006, 0.16000000000000003],
  [[0, 1], 1, 0, 0],
  [[1, 0], 1, 2, 1],
  [[0.5, 0.5], 0, 0.5, 0.25],
  [[0.3, 0.7], 1, 0.18000000000000002, 0.09000000000000002],
];

describe('brierLoss', () => {
  it.each(BINARY)('binary %j, true %i → %d (= 2 × sklearn %d)', (p, k, expected, sklearn) => {
    expect(brierLoss(p, k)).toBeCloseTo(expected, 14);
    expect(brierLoss(p, k)).toBeCloseTo(2 * sklearn, 14);
  });

  it('averages to twice sklearn’s window Brier score', () => {
    const mean = BINARY.reduce((sum, [p, k]) => sum + brierLoss(p, k), 0) / BINARY.length;
    expect(mean).toBeCloseTo(0.6431250000000001, 14); // 2 * brier_score_loss(yB, PB[:, 1]) = 2 * 0.32156250000000003
  });

  // 3 classes: np.sum((p - np.eye(3)[k])**2).
  it.each<[number[], number, number]>([
    [[0.7, 0.2, 0.1], 0, 0.14000000000000004],
    [[0.1, 0.6, 0.3], 1, 0.26],
    [[0.2, 0.2, 0.6], 1, 1.04],
    [[0.4, 0.4, 0.2], 1, 0.56],
    [[0, 0, 1], 2, 0],
    [[0.25, 0.5, 0.25], 0, 0.875],
    [[1, 0, 0], 2, 2],
  ])('multiclass %j, true %i → %d', (p, k, expected) => {
    expect(brierLoss(p, k)).toBeCloseTo(expected, 14);
  });

  it('refuses an infinite probability', () => {
    expect(() => brierLoss([Infinity, 0], 0)).toThrowError('probability 0 must be a finite number, got Infinity');
  });
});
