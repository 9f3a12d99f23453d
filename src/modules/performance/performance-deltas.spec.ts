import { describe, expect, it } from 'vitest';
import { DeltaCollector } from './performance-deltas.js';

const MINUTE = 60_000;
const T = new Date('2026-12-06T10:00:30Z');

describe('DeltaCollector', () => {
  it('merges contributions of the same row and keeps apart rows that differ in bucket, model, version, segment or overall share', () => {
    const deltas = new DeltaCollector(MINUTE);
    const label = { labeled: 1, lossSum: 0.5, confusion: [0, 1, 0, 0] };
    deltas.add('m', 1, T, { region: 'eu', channel: 'web' }, 2, label);
    deltas.add('m', 1, new Date(T.getTime() + 20_000), { region: 'eu', channel: 'web' }, 2, { ...label, lossSum: 0.25, confusion: [1, 0, 0, 0] });
    deltas.add('m', 1, new Date(T.getTime() + 40_000), { region: 'eu' }, 2, label); // the next minute
    deltas.add('m', 2, T, { region: 'eu' }, 2, label);
    deltas.add('n', 1, T, { region: 'eu' }, 2, label);
    deltas.add('m', 1, T, {}, 2, label);
    deltas.add('m', 1, T, { channel: 'eu' }, 2, label);
    const rows = deltas.rows().map((d) => [d.model, d.version, d.bucket.toISOString(), d.segmentKey, d.segmentValue, d.overall, d.sums.labeled, d.sums.lossSum, d.sums.confusion.join('')]);
    expect(rows.sort()).toEqual(
      [
        ['m', 1, '2026-12-06T10:00:00.000Z', 'region', 'eu', true, 2, 0.75, '1100'],
        ['m', 1, '2026-12-06T10:00:00.000Z', 'channel', 'web', false, 2, 0.75, '1100'],
        ['m', 1, '2026-12-06T10:01:00.000Z', 'region', 'eu', true, 1, 0.5, '0100'],
        ['m', 2, '2026-12-06T10:00:00.000Z', 'region', 'eu', true, 1, 0.5, '0100'],
        ['n', 1, '2026-12-06T10:00:00.000Z', 'region', 'eu', true, 1, 0.5, '0100'],
        ['m', 1, '2026-12-06T10:00:00.000Z', '', '', false, 1, 0.5, '0100'],
        ['m', 1, '2026-12-06T10:00:00.000Z', 'channel', 'eu', true, 1, 0.5, '0100'],
      ].sort(),
    );
    expect(deltas.rows()).toHaveLength(7);
  });
  it('refuses to add count arrays of another length', () => {
    const deltas = new DeltaCollector(MINUTE);
    deltas.add('m', 1, T, {}, 2, { confusion: [0, 1, 0, 0] });
    expect(() => deltas.add('m', 1, T, {}, 3, { confusion: [0, 1, 0, 0, 0, 0, 0, 0, 0] })).toThrow(/cannot add a/);
  });
});
