import { describe, expect, it } from 'vitest';
import { parseDuration } from './durations.js';

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['500ms', 500],
    ['15s', 15_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['2w3d', 1_468_800_000],
    ['1m30s500ms', 90_500],
    ['1.5h', 5_400_000],
    ['0s', 0],
    [' 15s ', 15_000],
  ])('parses %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each<[string]>([[''], [' '], ['abc'], ['5'], ['5x'], ['ms'], ['-5m'], ['1h 30m'], ['1h30'], ['5M'], ['1.h']])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrowError(`"${text}" is not a duration (examples: 500ms, 15s, 5m, 1h, 7d)`);
  });
});
