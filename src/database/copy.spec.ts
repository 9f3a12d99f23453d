import { describe, expect, it } from 'vitest';
import { copyNullable, copyText, copyTimestamp } from './copy.js';

describe('COPY text fields', () => {
  it('escape the backslash, newline, carriage return and tab, and nothing else', () => {
    expect(copyText('plain é 😀 \'"|,')).toBe('plain é 😀 \'"|,');
    expect(copyText('a\\b')).toBe('a\\\\b');
    expect(copyText('\\N')).toBe('\\\\N');
    expect(copyText('\\.')).toBe('\\\\.');
    expect(copyText('x\ty\nz\r\\')).toBe('x\\ty\\nz\\r\\\\');
  });
  it('write null as \\N and numbers as their shortest round-trip text', () => {
    expect(copyNullable(null)).toBe('\\N');
    expect(copyNullable('\\N')).toBe('\\\\N');
    expect(copyNullable(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(copyNullable(1e-300)).toBe('1e-300');
    expect(copyNullable(-0)).toBe('0');
  });
  it('write times as toISOString does, to the millisecond', () => {
    for (const iso of ['2026-12-06T00:00:00.000Z', '2026-12-06T23:59:59.999Z', '2024-02-29T12:34:56.007Z', '1969-12-31T23:59:59.999Z', '2000-01-01T00:00:00.010Z']) {
      expect(copyTimestamp(new Date(iso))).toBe(iso);
    }
    for (let i = 0; i < 10_000; i++) {
      const time = new Date(Math.floor(Math.random() * 4e12));
      expect(copyTimestamp(time)).toBe(time.toISOString());
    }
  });
});
