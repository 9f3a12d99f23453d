// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { squaredError } from './mse.js';

describe('squaredError', () => {
  // mean_squared_error([y], [ŷ])
  it.each<[number, number, number]>([
    [2.5, 3, 0.25],
    [0, -0.5, 0.25],
    [2, 2, 0],
    [8, 7, 1],
    [-2, 1, 9],
  ])('ŷ %d, y %d → %d', (prediction, label, expected) => {
    expect(squaredError(prediction, label)).toBe(expected);
  });

  it.each<[string, () => number, string]>([
    ['a NaN prediction', () => squaredError(Number.NaN, 1), 'prediction must be a finite number, got NaN'],
    ['an infinite label', () => squaredError(1, Infinity), 'label must be a finite number, got Infinity'],
    ['an overflow', () => squaredError(-1e200, 1e200), 'squared error overflowed to Infinity'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
