// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { predictedClass } from './predicted-class.js';

describe('predictedClass', () => {
  // Binary: np.where(p[:, pos] >= threshold, pos, 1 - pos).
  it.each<[number[], number, number, number]>([
    [[0.1, 0.9], 1, 0.5, 1],
    [[0.6, 0.4], 1, 0.5, 0],
    [[0.5, 0.5], 1, 0.5, 1], // p₊ = threshold counts as positive
    [[0.5, 0.5], 0, 0.5, 0],
    [[0.35, 0.65], 1, 0.7, 0],
    [[0.35, 0.65], 0, 0.3, 0], // positive class first: p₊ = 0.35 ≥ 0.3
    [[0, 1], 1, 0.5, 1],
    [[1, 0], 1, 0.5, 0],
  ])('binary %j, positive %i, threshold %d → %i', (p, positiveIndex, threshold, expected) => {
    expect(predictedClass(p, positiveIndex, threshold)).toBe(expected);
  });

  // Multiclass: np.argmax(p), the first index on ties.
  it.each<[number[], number]>([
    [[0.7, 0.2, 0.1], 0],
    [[0.1, 0.6, 0.3], 1],
    [[0.2, 0.2, 0.6], 2],
    [[0.4, 0.4, 0.2], 0], // np.argmax([0.4, 0.4, 0.2]) = 0
    [[0.25, 0.5, 0.25], 1],
    [[0.3, 0.3, 0.3, 0.1], 0],
  ])('multiclass %j → %i', (p, expected) => {
    expect(predictedClass(p, -1, 0.5)).toBe(expected);
  });

  it.each<[string, () => number, string]>([
    ['a binary row of 3', () => predictedClass([0.2, 0.3, 0.5], 1, 0.5), 'a binary prediction has 2 probabilities, got 3'],
    ['a positive index out of range', () => predictedClass([0.2, 0.8], 2, 0.5), 'positiveIndex must be a class index in 0..1, got 2'],
    ['a NaN threshold', () => predictedClass([0.2, 0.8], 1, Number.NaN), 'threshold must be a finite number, got NaN'],
    ['a NaN probability', () => predictedClass([0.2, Number.NaN, 0.5], -1, 0.5), 'probability 1 must be a finite number, got NaN'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
