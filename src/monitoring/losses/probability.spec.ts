// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { assertClassIndex, assertFinite, assertFiniteResult, assertProbabilities, clip, EPS } from './probability.js';

describe('clip', () => {
  it.each<[number, number]>([
    [0, 1e-15], // np.clip(0.0, 1e-15, 1 - 1e-15)
    [-0.5, 1e-15], // np.clip(-0.5, 1e-15, 1 - 1e-15)
    [1, 0.999999999999999], // repr(np.clip(1.0, 1e-15, 1 - 1e-15))
    [1.5, 0.999999999999999], // repr(np.clip(1.5, 1e-15, 1 - 1e-15))
    [0.3, 0.3],
    [1e-16, 1e-15],
  ])('clip(%d) = %d', (x, expected) => {
    expect(clip(x)).toBe(expected);
  });

  it('uses eps = 1e-15 (METRICS §1)', () => {
    expect(EPS).toBe(1e-15);
  });
});

describe('input checks', () => {
  it.each<[string, () => void, string]>([
    ['NaN probability', () => assertProbabilities([Number.NaN, 1]), 'probability 0 must be a finite number, got NaN'],
    ['infinite probability', () => assertProbabilities([0.5, Infinity]), 'probability 1 must be a finite number, got Infinity'],
    ['one-class row', () => assertProbabilities([1]), 'a probability row needs at least 2 classes, got 1'],
    ['index too large', () => assertClassIndex(2, 2, 'trueIndex'), 'trueIndex must be a class index in 0..1, got 2'],
    ['negative index', () => assertClassIndex(-1, 3, 'trueIndex'), 'trueIndex must be a class index in 0..2, got -1'],
    ['fractional index', () => assertClassIndex(0.5, 3, 'trueIndex'), 'trueIndex must be a class index in 0..2, got 0.5'],
    ['NaN number', () => assertFinite(Number.NaN, 'label'), 'label must be a finite number, got NaN'],
    ['overflow', () => assertFiniteResult(Infinity, 'squared error'), 'squared error overflowed to Infinity'],
  ])('%s throws', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
