// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { absoluteError } from './mae.js';

describe('absoluteError', () => {
  // mean_absolute_error([y], [ŷ])
  it.each<[number, number, number]>([
    [2.5, 3, 0.5],
    [0, -0.5, 0.5],
    [2, 2, 0],
    [8, 7, 1],
    [-2, 1, 3],
  ])('ŷ %d, y %d → %d', (prediction, label, expected) => {
    expect(absoluteError(prediction, label)).toBe(expected);
  });

  it('refuses a NaN label', () => {
    expect(() => absoluteError(1, Number.NaN)).toThrowError('label must be a finite number, got NaN');
  });
});
