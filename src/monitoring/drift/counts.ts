/** Bin (or category) counts of one sample, and how many of its values were missing. */
export interface BinCounts {
  /** One count per bin, in bin order; categorical: one per reference category, then `__other__`. */
  counts: number[];
  /** Values that could not be counted: null, undefined, NaN, ±Infinity. */
  missing: number;
}

/** Counts are non-negative integers; anything else is a caller bug that would turn into NaN downstream. */
export function assertCounts(counts: readonly number[], what: string): void {
  counts.forEach((count, i) => {
    if (!Number.isInteger(count) || count < 0) throw new Error(`${what} count ${i} must be a non-negative integer, got ${String(count)}`);
  });
}

export function assertSameLength(reference: readonly number[], current: readonly number[]): void {
  if (reference.length !== current.length) {
    throw new Error(`reference has ${reference.length} bins but current has ${current.length}`);
  }
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** counts / their total; the caller has checked that the total is positive. */
export function shares(counts: readonly number[]): number[] {
  const total = sum(counts);
  return counts.map((count) => count / total);
}

/** Checks a reference/current pair of bin counts (same bins, non-negative integers) and returns their totals. */
export function pairTotals(reference: readonly number[], current: readonly number[]): [number, number] {
  assertSameLength(reference, current);
  assertCounts(reference, 'reference');
  assertCounts(current, 'current');
  return [sum(reference), sum(current)];
}
