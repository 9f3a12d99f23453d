import { describe, expect, it } from 'vitest';
import { nextAttemptAt, retryDelay } from './backoff.js';

const defaults = { initialMs: 1_000, maxMs: 300_000, giveUpAfterMs: 86_400_000 };

describe('webhook back-off', () => {
  it('first retry after 1 s, doubling, capped at 5 min', () => {
    expect(Array.from({ length: 12 }, (_, i) => retryDelay(i + 1, defaults))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000,
    ]);
    expect(retryDelay(10_000, defaults)).toBe(300_000);
  });

  it('gives up once the next try would fall past 24 h after queueing', () => {
    // 1+2+…+256 s = 511 s, then every 300 s: the schedule reaches 24 h after 286 more retries.
    let now = 0;
    let failures = 0;
    let next: number | null = 0;
    while (next !== null) {
      failures++;
      next = nextAttemptAt(0, failures, now, defaults);
      if (next !== null) now = next;
    }
    expect(now).toBeLessThanOrEqual(86_400_000);
    expect(now + 300_000).toBeGreaterThan(86_400_000);
    expect(failures).toBe(9 + Math.floor((86_400_000 - 511_000) / 300_000) + 1);
  });

  it('follows a configured policy', () => {
    const fast = { initialMs: 100, maxMs: 400, giveUpAfterMs: 1_000 };
    expect([1, 2, 3, 4].map((n) => retryDelay(n, fast))).toEqual([100, 200, 400, 400]);
    expect(nextAttemptAt(0, 1, 500, fast)).toBe(600);
    expect(nextAttemptAt(0, 4, 700, fast)).toBeNull();
  });
});
