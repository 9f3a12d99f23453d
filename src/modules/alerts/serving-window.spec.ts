import { describe, expect, it } from 'vitest';
import { histogramQuantile, ServingWindow, servingFigures, type ServingCounts, type ServingSnapshot } from './serving-window.js';

const counts = (requests: number, errors: number, buckets: [number, number][]): ServingCounts => ({ requests, errors, buckets: new Map(buckets) });
const snapshot = (at: number, c: ServingCounts): ServingSnapshot => ({ at, models: new Map([['m', c]]) });

describe('serving figures over a window', () => {
  it("histogram_quantile as Prometheus interpolates (its own documented example's arithmetic)", () => {
    // 100 observations: 50 ≤ 0.1 s, 90 ≤ 0.5 s, 100 ≤ 1 s. Rank 99 lies in (0.5, 1]: 0.5 + 0.5·(99−90)/(100−90) = 0.95.
    expect(histogramQuantile(0.99, [[0.1, 50], [0.5, 90], [1, 100], [Infinity, 100]])).toBeCloseTo(0.95, 12);
    // Rank 0.5·100 = 50 is reached exactly at the first bound: 0 + 0.1·50/50.
    expect(histogramQuantile(0.5, [[0.1, 50], [0.5, 90], [1, 100], [Infinity, 100]])).toBeCloseTo(0.1, 12);
    // Past the last finite bound: that bound.
    expect(histogramQuantile(0.99, [[0.1, 10], [Infinity, 20]])).toBe(0.1);
    expect(histogramQuantile(0.99, [[0.1, 0], [Infinity, 0]])).toBeNull();
  });

  it('error rate and p99 are the increase between two readings; no requests → null (no data)', () => {
    const before = counts(10, 1, [[0.1, 10], [1, 10], [Infinity, 10]]);
    const after = counts(110, 26, [[0.1, 60], [1, 110], [Infinity, 110]]);
    const figures = servingFigures(before, after);
    expect(figures.errorRate).toBeCloseTo(25 / 100, 12);
    // 100 new: 50 ≤ 0.1, 100 ≤ 1 → rank 99 in (0.1, 1]: 0.1 + 0.9·49/50.
    expect(figures.p99LatencySeconds).toBeCloseTo(0.1 + (0.9 * 49) / 50, 12);
    expect(servingFigures(after, after)).toEqual({ errorRate: null, p99LatencySeconds: null });
    expect(servingFigures(undefined, undefined)).toEqual({ errorRate: null, p99LatencySeconds: null });
  });

  it('reads from the last snapshot at or before the window start, and forgets snapshots past the horizon', () => {
    const window = new ServingWindow(10_000, 1_000);
    window.record(snapshot(0, counts(0, 0, [[Infinity, 0]])));
    window.record(snapshot(500, counts(1, 1, [[Infinity, 1]]))); // closer than the spacing: skipped
    window.record(snapshot(1_000, counts(10, 0, [[Infinity, 10]])));
    window.record(snapshot(5_000, counts(20, 5, [[Infinity, 20]])));
    const now = snapshot(6_000, counts(30, 5, [[Infinity, 30]]));
    expect(window.figures('m', 5_000, now).errorRate).toBeCloseTo(5 / 20, 12); // baseline at 1 000
    expect(window.figures('m', 60_000, now).errorRate).toBeCloseTo(5 / 30, 12); // the oldest kept
    expect(window.figures('other', 5_000, now).errorRate).toBeNull();
    window.record(snapshot(20_000, counts(40, 5, [[Infinity, 40]])));
    expect(window.figures('m', 60_000, snapshot(20_000, counts(40, 5, [[Infinity, 40]]))).errorRate).toBeCloseTo(0 / 20, 12); // baseline now the 5 000 snapshot
  });
});
