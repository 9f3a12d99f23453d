import { describe, expect, it } from 'vitest';
import {
  binIndex,
  categoricalProfile,
  countCategorical,
  countNumeric,
  decileEdges,
  mergeToDeciles,
  numericBins,
  numericEdges,
  referencePercentiles,
} from './bins.js';

// Reference samples, and their numpy profile:
// p = numpy.quantile(x, numpy.arange(1, 100) / 100); edges = numpy.unique(p); deciles = numpy.unique(p[9:90:10]).
// A: the integers 0..9, ten of each (numpy.repeat(numpy.arange(10), 10)).
const A = Array.from({ length: 100 }, (_, i) => Math.floor(i / 10));
const A_EDGES = [
  0.0, 0.9000000000000004, 1.0, 1.8000000000000007, 2.0, 2.6999999999999993, 3.0, 3.6000000000000014, 4.0, 4.5, 5.0, 5.399999999999999, 6.0,
  6.299999999999997, 7.0, 7.200000000000003, 8.0, 8.100000000000009, 9.0,
];
const A_DECILES = [
  0.9000000000000004, 1.8000000000000007, 2.6999999999999993, 3.6000000000000014, 4.5, 5.399999999999999, 6.299999999999997, 7.200000000000003,
  8.100000000000009,
];
// B: 13 zeros, then 1..87 (numpy.concatenate([numpy.zeros(13), numpy.arange(1, 88)])): 0 is percentiles 1..12, decile 10 among them.
const B = [...new Array<number>(13).fill(0), ...Array.from({ length: 87 }, (_, i) => i + 1)];
const B_DECILES = [0.0, 7.800000000000001, 17.7, 27.6, 37.5, 47.4, 57.3, 67.2, 77.10000000000001];

describe('numericBins', () => {
  it('A: ties collapse the 99 percentiles to 19 edges, and the 9 deciles are among them', () => {
    const percentiles = referencePercentiles(A);
    expect(percentiles).toHaveLength(99);
    expect(percentiles.slice(8, 11)).toEqual([0, 0.9000000000000004, 1]); // p[8:11]
    expect(numericBins(A)).toEqual({ edges: A_EDGES, deciles: A_DECILES });
  });

  it('B: a value repeated over percentiles 1..12 is one edge, and still the 10th percentile', () => {
    const { edges, deciles } = numericBins(B);
    expect(edges).toHaveLength(88); // len(numpy.unique(p)): percentiles 1..12 are all 0
    expect(edges.slice(0, 3)).toEqual([0.0, 0.870000000000001, 1.8600000000000012]); // numpy.unique(p)[:3]
    expect(deciles).toEqual(B_DECILES);
    for (const decile of deciles) expect(edges).toContain(decile);
  });

  it('a single-valued feature has one edge and one decile: two bins', () => {
    expect(numericBins(new Array<number>(50).fill(2.5))).toEqual({ edges: [2.5], deciles: [2.5] }); // numpy.quantile(numpy.full(50, 2.5), P)
  });

  it('two values give 99 distinct edges, the deciles at 1.1 … 1.9', () => {
    const { edges, deciles } = numericBins([2, 1]);
    expect(edges).toHaveLength(99);
    expect(edges[13]).toBe(1.1400000000000001); // numpy.quantile([1.0, 2.0], 0.14)
    expect(deciles).toEqual([1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]); // numpy.quantile([1.0, 2.0], numpy.arange(1, 10) / 10)
  });

  it('leaves out missing values, and has no edges when every value is missing', () => {
    expect(numericEdges([...A, null, undefined, Number.NaN, Infinity, -Infinity])).toEqual(A_EDGES);
    expect(numericBins([null, Number.NaN, undefined])).toEqual({ edges: [], deciles: [] });
  });

  it('decileEdges needs the raw percentiles, not the de-duplicated edges', () => {
    expect(() => decileEdges(A_EDGES)).toThrowError('decileEdges needs the 99 raw percentiles, got 19 numbers');
    expect(decileEdges([])).toEqual([]);
  });
});

describe('binIndex', () => {
  // numpy.searchsorted(A_EDGES, x, side="right")
  it.each<[number, number]>([
    [-1, 0],
    [0, 1], // equal to the first edge: to its right
    [0.5, 1],
    [1, 3],
    [2, 5],
    [2.5, 5],
    [3, 7],
    [4.45, 9],
    [4.5, 10], // equal to the median edge
    [8.91, 18],
    [9, 19], // equal to the last edge: the open top bin
    [9.5, 19],
    [10, 19],
  ])('x = %d → bin %i', (x, expected) => {
    expect(binIndex(A_EDGES, x)).toBe(expected);
  });

  it('puts everything in bin 0 without edges', () => {
    expect(binIndex([], 3)).toBe(0);
  });
});

// Values of a current window against A's bins, with every kind of missing value.
const CURRENT = [0, 0.5, 1, 2, 2.5, 3, 9, 9.5, 10, -1, 4.45, 4.5, 8.91];

describe('countNumeric', () => {
  it('counts a window into the reference bins, edge values to the right', () => {
    expect(countNumeric(A_EDGES, [...CURRENT, null, undefined, Number.NaN, Infinity, -Infinity])).toEqual({
      // numpy.bincount(numpy.searchsorted(A_EDGES, CURRENT, side="right"), minlength=20)
      counts: [1, 2, 0, 1, 0, 2, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 3],
      missing: 5,
    });
  });

  it('counts the reference itself into every other bin (ties sit on the edges)', () => {
    // numpy.bincount(numpy.searchsorted(A_EDGES, A, side="right"), minlength=20)
    expect(countNumeric(A_EDGES, A)).toEqual({ counts: [0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10], missing: 0 });
  });

  it('an all-missing window has only missing values', () => {
    expect(countNumeric(A_EDGES, [null, Number.NaN])).toEqual({ counts: new Array<number>(20).fill(0), missing: 2 });
  });

  it('refuses edges that are not strictly increasing', () => {
    expect(() => countNumeric([1, 1], [0])).toThrowError('edges must be strictly increasing, got 1 then 1');
  });
});

describe('mergeToDeciles', () => {
  it('gives the counts of binning straight on the deciles', () => {
    const merged = mergeToDeciles(A_EDGES, A_DECILES, countNumeric(A_EDGES, CURRENT).counts);
    expect(merged).toEqual([3, 1, 2, 1, 1, 1, 0, 0, 0, 4]); // numpy.bincount(numpy.searchsorted(A_DECILES, CURRENT, side="right"), minlength=10)
    expect(merged).toEqual(countNumeric(A_DECILES, CURRENT).counts);
    // numpy.bincount(numpy.searchsorted(A_DECILES, A, side="right"), minlength=10): ten per decile
    expect(mergeToDeciles(A_EDGES, A_DECILES, countNumeric(A_EDGES, A).counts)).toEqual(new Array<number>(10).fill(10));
  });

  it('B: the first edge is the 10th percentile, so the first merged bin is the open bottom bin alone', () => {
    const { edges, deciles } = numericBins(B);
    // numpy.bincount(numpy.searchsorted(B_DECILES, B, side="right"), minlength=10)
    expect(mergeToDeciles(edges, deciles, countNumeric(edges, B).counts)).toEqual([0, 20, 10, 10, 10, 10, 10, 10, 10, 10]);
  });

  it('keeps the single bin of a profile without edges, and the two of a single-valued one', () => {
    expect(mergeToDeciles([], [], [7])).toEqual([7]);
    expect(mergeToDeciles([2.5], [2.5], [3, 4])).toEqual([3, 4]);
  });

  it.each<[string, () => number[], string]>([
    ['a decile that is no edge', () => mergeToDeciles([1, 2, 3], [2.5], [1, 1, 1, 1]), 'decile 2.5 is not one of the edges after position 0'],
    ['too few counts', () => mergeToDeciles([1, 2], [1], [1, 1]), '2 edges need 3 counts, got 2'],
    ['a fractional count', () => mergeToDeciles([1], [1], [0.5, 1]), 'bin count 0 must be a non-negative integer, got 0.5'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});

describe('categoricalProfile', () => {
  // sorted(collections.Counter(keys).items(), key=lambda kv: (-kv[1], kv[0]))
  it.each<[string, (string | number | boolean | null | undefined)[], number | undefined, string[]]>([
    ['most frequent first, ties by value', ['b', 'a', 'c', 'a', 'b', 'd', null, 'c', 'e', 'a'], undefined, ['a', 'b', 'c', 'd', 'e']],
    ['cut to maxCategories', ['b', 'a', 'c', 'a', 'b', 'd', null, 'c', 'e', 'a'], 3, ['a', 'b', 'c']],
    ['numbers and booleans by their string', [1, 2, 2, true, Number.NaN, 1.5, undefined], undefined, ['2', '1', '1.5', 'true']],
    ['only missing values', [null, undefined, Number.NaN], undefined, []],
  ])('%s', (_name, values, max, expected) => {
    expect(categoricalProfile(values, max)).toEqual(expected);
  });

  it('keeps 100 categories by default', () => {
    const values = Array.from({ length: 150 }, (_, i) => `v${String(i).padStart(3, '0')}`);
    const profile = categoricalProfile(values);
    expect(profile).toHaveLength(100);
    expect(profile[99]).toBe('v099'); // all counts 1: by value
  });

  it('refuses a maxCategories of 0', () => {
    expect(() => categoricalProfile(['a'], 0)).toThrowError('maxCategories must be a positive integer, got 0');
  });
});

describe('countCategorical', () => {
  it('counts unknown values in __other__ and missing ones apart', () => {
    expect(countCategorical(['a', 'b', 'c'], ['a', 'z', 'b', 'a', null, 'y', '__other__', 2, Number.NaN])).toEqual({
      counts: [2, 1, 0, 4], // a, b, c, __other__ (z, y, "__other__", "2")
      missing: 2,
    });
  });

  it('matches numbers by their string', () => {
    expect(countCategorical(['1', '2'], [1, 2, 2, '2', 3])).toEqual({ counts: [1, 3, 1], missing: 0 });
  });

  it('refuses a category listed twice', () => {
    expect(() => countCategorical(['a', 'a'], [])).toThrowError('category "a" is listed twice');
  });
});
