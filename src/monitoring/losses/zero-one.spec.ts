// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { zeroOneLoss } from './zero-one.js';

describe('zeroOneLoss', () => {
  // zero_one_loss([k], [ŷ])
  it.each<[number, number, number]>([
    [1, 1, 0],
    [1, 0, 1],
    [0, 1, 1],
    [2, 2, 0],
    [2, 0, 1],
  ])('ŷ %i, true %i → %i', (predicted, k, expected) => {
    expect(zeroOneLoss(predicted, k)).toBe(expected);
  });
});
