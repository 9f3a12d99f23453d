import { describe, expect, it } from 'vitest';
import { quantile, sortedQuantile } from './quantile.js';

describe('quantile', () => {
  const SAMPLE = [0.1, 0.7, 0.2, 0.35, 1.9, 0.3];
  // numpy.quantile(SAMPLE, q) (numpy 1.24.2, method "linear"); equal to the bit, hence toBe.
  it.each<[number, number]>([
    [0, 0.1],
    [0.01, 0.10500000000000001],
    [0.1, 0.15000000000000002],
    [0.25, 0.225],
    [0.37, 0.285],
    [0.5, 0.32499999999999996],
    [0.9, 1.2999999999999998],
    [0.99, 1.84],
    [1, 1.9],
  ])('q = %d of an unsorted sample → %d', (q, expected) => {
    expect(quantile(SAMPLE, q)).toBe(expected);
  });

  // numpy interpolates from the upper neighbour when the weight is ≥ ½; a + (b − a)t would miss by an ulp.
  it.each<[number[], number, number]>([
    [[0.236, 9.009], 0.51, 4.71023], // numpy.quantile([0.236, 9.009], 0.51); a + (b - a) * t = 4.710229999999999
    [[-1.533, 6.554], 0.62, 3.4809400000000004], // numpy.quantile([-1.533, 6.554], 0.62); naive 3.48094
    [[-9.449, 0.992], 0.7, -2.1403000000000003], // numpy.quantile([-9.449, 0.992], 0.7); naive -2.1403000000000008
  ])('%j at q = %d → %d, as numpy’s _lerp', (sample, q, expected) => {
    expect(quantile(sample, q)).toBe(expected);
  });

  it.each<[number[], number, number]>([
    [[3, 1, 2], 0.5, 2], // numpy.quantile([3, 1, 2], 0.5)
    [[4.25], 0.3, 4.25], // numpy.quantile([4.25], 0.3): one value is every quantile
    [[5, 5, 5, 5], 0.77, 5], // ties interpolate to themselves
  ])('%j at q = %d → %d', (sample, q, expected) => {
    expect(quantile(sample, q)).toBe(expected);
  });

  it('does not reorder its input', () => {
    const sample = [3, 1, 2];
    quantile(sample, 0.5);
    expect(sample).toEqual([3, 1, 2]);
  });

  it('sortedQuantile reads an ascending sample as it is', () => {
    expect(sortedQuantile(Float64Array.from([0.1, 0.2, 0.3, 0.35, 0.7, 1.9]), 0.37)).toBe(0.285); // numpy.quantile(SAMPLE, 0.37)
  });

  it.each<[string, () => number, string]>([
    ['an empty sample', () => quantile([], 0.5), 'quantile of an empty sample'],
    ['q above 1', () => quantile([1, 2], 1.5), 'quantile q must be in [0, 1], got 1.5'],
    ['a NaN q', () => quantile([1, 2], Number.NaN), 'quantile q must be in [0, 1], got NaN'],
    ['a NaN value', () => quantile([1, Number.NaN], 0.5), 'quantile value 1 must be a finite number, got NaN'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
