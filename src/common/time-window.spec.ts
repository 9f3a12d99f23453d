import { describe, expect, it } from 'vitest';
import { parseTimestamp, parseWindow } from './time-window.js';

describe('parseWindow', () => {
  const now = new Date('2026-11-27T12:00:00Z');

  it('defaults to the last hour', () => {
    expect(parseWindow(undefined, undefined, now)).toEqual({ from: new Date('2026-11-27T11:00:00Z'), to: now });
  });

  it.each([
    ['from after to', '2026-11-27T12:00:00Z', '2026-11-27T11:00:00Z'],
    ['from equal to to', '2026-11-27T12:00:00Z', '2026-11-27T12:00:00Z'],
    ['not RFC 3339', '27/11/2026', undefined],
    ['a date without time', '2026-11-27', undefined],
    ['an impossible date', '2026-02-30T00:00:00Z', undefined],
  ])('refuses %s', (_title, from, to) => {
    expect(() => parseWindow(from, to, now)).toThrow(/from|to|RFC 3339|valid date/);
  });

  it('takes offsets', () => {
    expect(parseTimestamp('2026-11-27T13:00:00+01:00', 'from').toISOString()).toBe('2026-11-27T12:00:00.000Z');
  });
});
