export interface RetryPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** The doubling stops here. */
  maxMs: number;
  /** A delivery still failing this long after it was queued is given up. */
  giveUpAfterMs: number;
}

/** Delay before retry number `failures` (1 = after the first failure): initial · 2^(failures−1), capped. */
export function retryDelay(failures: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, failures - 1);
  // 2^exponent overflows to Infinity long after the cap; min() keeps it finite.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exponent, 60));
}

/** After a failed attempt: when to try again, or null to give up (the next try would start past the give-up age). */
export function nextAttemptAt(queuedAt: number, failures: number, now: number, policy: RetryPolicy): number | null {
  const at = now + retryDelay(failures, policy);
  return at - queuedAt > policy.giveUpAfterMs ? null : at;
}
