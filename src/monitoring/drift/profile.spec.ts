import { describe, expect, it } from 'vitest';
import { numericBins } from './bins.js';
import { buildProfile, HistogramLayout, type ReferenceRow } from './profile.js';

// Literals from NumPy 1.24 (/usr/bin/python3):
//   x = [3.5, 1.0, 2.0, 2.0, 7.25, 4.0, 9.0, 0.5]
//   np.std(x) = 2.8310154428225927; np.std(x[[0, 2, 4, 6]]) = 2.8083302423326213
//   e = np.unique(np.quantile(x, np.arange(1, 100) / 100)); len(e) = 86
//   np.searchsorted(e, [2.0, 100, -1, 4.0], side="right") = [29, 86, 0, 58]
const X = [3.5, 1.0, 2.0, 2.0, 7.25, 4.0, 9.0, 0.5];
const COLORS = ['b', 'a', 'b', null, 'c', 'b', 'a', 'b'];

const rows: ReferenceRow[] = X.map((x, i) => ({ values: [x, COLORS[i]], segments: { region: i % 2 === 0 ? 'eu' : 'us' } }));
const specs = [
  { name: 'x', kind: 'numeric' as const },
  { name: 'color', kind: 'categorical' as const },
];

describe('buildProfile', () => {
  const profile = buildProfile(specs, rows, 50);

  it('fixes numeric bins from the whole reference and keeps its counts and population std', () => {
    const x = profile.features[0];
    expect(x.kind).toBe('numeric');
    if (x.kind !== 'numeric') return;
    expect(x.edges).toHaveLength(86);
    expect(x.edges).toEqual(numericBins(X).edges);
    expect(x.counts.reduce((a, b) => a + b, 0)).toBe(8);
    expect(x.std).toBeCloseTo(2.8310154428225927, 14);
  });

  it('keeps categories most frequent first, with __other__ and missing counts', () => {
    const color = profile.features[1];
    expect(color).toMatchObject({ kind: 'categorical', categories: ['b', 'a', 'c'], counts: [4, 2, 1, 0], missing: 1, std: null });
  });

  it('counts each segment value in the whole reference bins', () => {
    const eu = profile.segments.region.eu;
    expect(eu.rows).toBe(4);
    expect(eu.features.x.counts).toHaveLength(87);
    expect(eu.features.x.std).toBeCloseTo(2.8083302423326213, 14);
    expect(eu.features.color).toEqual({ counts: [2, 1, 1, 0], missing: 0, std: null });
    expect(profile.segments.region.us.features.color).toEqual({ counts: [2, 1, 0, 0], missing: 1, std: null });
  });

  it('keeps only the most frequent segment values up to the cap', () => {
    const capped = buildProfile(specs, [...rows, { values: [1, 'a'], segments: { region: 'eu' } }], 1);
    expect(Object.keys(capped.segments.region)).toEqual(['eu']);
  });
});

describe('HistogramLayout', () => {
  const layout = new HistogramLayout(buildProfile(specs, rows, 50).features);

  it('places features one after the other', () => {
    expect(layout.offsets).toEqual([0, 87]);
    expect(layout.widths).toEqual([87, 4]);
    expect(layout.size).toBe(91);
  });

  it('bins numbers as numpy.searchsorted(side="right") and categories by position, unknown ones in __other__', () => {
    expect([2.0, 100, -1, 4.0].map((x) => layout.slot(0, x))).toEqual([29, 86, 0, 58]);
    expect(layout.slot(1, 'b')).toBe(87);
    expect(layout.slot(1, 'c')).toBe(89);
    expect(layout.slot(1, 'zebra')).toBe(90);
  });

  it('reports missing values as null (null, NaN, Infinity, a string for a numeric feature)', () => {
    expect([null, undefined, Number.NaN, Infinity, 'seven'].map((x) => layout.slot(0, x))).toEqual([null, null, null, null, null]);
    expect(layout.slot(1, null)).toBeNull();
  });

  it('slices a summed histogram back into one feature', () => {
    const counts = Array.from({ length: 91 }, (_, i) => i);
    expect(layout.slice(1, counts, [5, 6])).toEqual({ counts: [87, 88, 89, 90], missing: 6 });
  });
});
