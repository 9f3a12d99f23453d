import { assertCounts, type BinCounts } from './counts.js';
import { sortedQuantile } from './quantile.js';

/** The category that collects current values the reference profile does not list. */
export const OTHER_CATEGORY = '__other__';
/** METRICS §3: a categorical profile keeps at most this many reference categories. */
export const MAX_CATEGORIES = 100;

export type NumericValue = number | null | undefined;
export type CategoricalValue = string | number | boolean | null | undefined;

/** The bins of a numeric feature: every edge, and the decile edges among them. */
export interface NumericBins {
  /** The distinct 1st..99th percentiles, ascending: edges.length + 1 bins, the outer two open-ended. */
  edges: number[];
  /** The distinct 10th, 20th … 90th percentiles, ascending; each is also an element of `edges`. */
  deciles: number[];
}

/** null, undefined, NaN and ±Infinity are missing: they have no place on the axis. */
export function isMissingNumber(value: NumericValue): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

/**
 * The 1st..99th percentiles of the non-missing values, not de-duplicated (99 numbers; none when every
 * value is missing): `numpy.quantile(x, numpy.arange(1, 100) / 100)`, type 7 (see `quantile`).
 * Element k − 1 is the k-th percentile, so the deciles sit at indices 9, 19 … 89.
 */
export function referencePercentiles(values: readonly NumericValue[]): number[] {
  const present = Float64Array.from(values.filter((value): value is number => !isMissingNumber(value))).sort();
  if (present.length === 0) return [];
  return Array.from({ length: 99 }, (_, i) => sortedQuantile(present, (i + 1) / 100));
}

/** Sorted distinct values, as `numpy.unique` (−0 and 0 are one value). */
function distinctSorted(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * Bins of a numeric feature (METRICS §3): edges = `numpy.unique` of the 1st..99th percentiles of the
 * reference (type 7), deciles = `numpy.unique` of its 10th, 20th … 90th percentiles.
 * De-duplication loses which edge was which percentile (a value repeated over percentiles 5..12 leaves
 * one edge), so the deciles cannot be recovered from the edges afterwards: they are taken from the raw
 * percentiles at indices 9, 19 … 89 before de-duplication and must be stored with the edges. Being the
 * very same floating-point numbers, every decile is exactly one of the edges, so merging the bins to
 * deciles never splits a bin. A single-valued feature has one edge and one decile (two bins); a feature
 * with no non-missing value has neither (one bin).
 */
export function numericBins(values: readonly NumericValue[]): NumericBins {
  const percentiles = referencePercentiles(values);
  return { edges: distinctSorted(percentiles), deciles: decileEdges(percentiles) };
}

/** The edges alone: `numericBins(values).edges`. */
export function numericEdges(values: readonly NumericValue[]): number[] {
  return numericBins(values).edges;
}

/** The distinct deciles of the 99 raw (not de-duplicated) percentiles of `referencePercentiles`. */
export function decileEdges(percentiles: readonly number[]): number[] {
  if (percentiles.length === 0) return [];
  if (percentiles.length !== 99) throw new Error(`decileEdges needs the 99 raw percentiles, got ${percentiles.length} numbers`);
  return distinctSorted([9, 19, 29, 39, 49, 59, 69, 79, 89].map((i) => percentiles[i]));
}

/**
 * The bin of x: the number of edges ≤ x, so bin 0 is (−∞, e₁), bin i is [eᵢ, eᵢ₊₁) and the last is
 * [e_m, ∞) — a value equal to an edge falls in the bin to its right.
 * Reference: `numpy.searchsorted(edges, x, side="right")`.
 */
export function binIndex(edges: readonly number[], x: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (edges[middle] <= x) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Counts of values per bin (edges.length + 1 bins, see `binIndex`) and the missing ones.
 * Reference: `numpy.bincount(numpy.searchsorted(edges, x, side="right"), minlength=len(edges) + 1)`.
 */
export function countNumeric(edges: readonly number[], values: readonly NumericValue[]): BinCounts {
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i - 1] < edges[i])) throw new Error(`edges must be strictly increasing, got ${edges[i - 1]} then ${edges[i]}`);
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  let missing = 0;
  for (const value of values) {
    if (isMissingNumber(value)) missing++;
    else counts[binIndex(edges, value)]++;
  }
  return { counts, missing };
}

/**
 * Bin counts merged at the decile edges: deciles.length + 1 counts, count j summing the bins between
 * decile j − 1 and decile j (the bins are [eᵢ, eᵢ₊₁), so an edge equal to a decile starts the next merged
 * bin, as a value equal to it does). Every decile must be one of the edges (`numericBins` guarantees it).
 */
export function mergeToDeciles(edges: readonly number[], deciles: readonly number[], counts: readonly number[]): number[] {
  if (counts.length !== edges.length + 1) throw new Error(`${edges.length} edges need ${edges.length + 1} counts, got ${counts.length}`);
  assertCounts(counts, 'bin');
  const merged: number[] = [];
  let next = 0;
  for (const decile of deciles) {
    const position = edges.indexOf(decile, next);
    if (position < 0) throw new Error(`decile ${decile} is not one of the edges after position ${next}`);
    let total = 0;
    // Bins next..position lie below the edge at `position`.
    for (let i = next; i <= position; i++) total += counts[i];
    merged.push(total);
    next = position + 1;
  }
  let rest = 0;
  for (let i = next; i < counts.length; i++) rest += counts[i];
  merged.push(rest);
  return merged;
}

/** A category's key: strings as they are, numbers and booleans by `String`; null, undefined, NaN, ±Infinity are missing. */
export function categoryKey(value: CategoricalValue): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return String(value);
}

/**
 * The reference categories of a categorical feature (METRICS §3): the distinct non-missing values, most
 * frequent first, ties by key in ascending UTF-16 code-unit order (JavaScript `<`), cut to the first
 * `maxCategories`. Reference: `sorted(collections.Counter(keys).items(), key=lambda kv: (-kv[1], kv[0]))`
 * (Python orders by code point; the two differ only between astral characters and U+E000..U+FFFF).
 */
export function categoricalProfile(values: readonly CategoricalValue[], maxCategories = MAX_CATEGORIES): string[] {
  if (!Number.isInteger(maxCategories) || maxCategories < 1) throw new Error(`maxCategories must be a positive integer, got ${String(maxCategories)}`);
  const frequency = new Map<string, number>();
  for (const value of values) {
    const key = categoryKey(value);
    if (key !== null) frequency.set(key, (frequency.get(key) ?? 0) + 1);
  }
  return [...frequency]
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxCategories)
    .map(([key]) => key);
}

/**
 * Counts per reference category, then one for `__other__` (every non-missing value not among the
 * categories), and the missing values. A value that is literally "__other__" is an ordinary category
 * if the reference lists it, else it is counted in `__other__` like any unknown value.
 */
export function countCategorical(categories: readonly string[], values: readonly CategoricalValue[]): BinCounts {
  const position = new Map<string, number>();
  categories.forEach((category, i) => {
    if (position.has(category)) throw new Error(`category ${JSON.stringify(category)} is listed twice`);
    position.set(category, i);
  });
  const counts = new Array<number>(categories.length + 1).fill(0);
  let missing = 0;
  for (const value of values) {
    const key = categoryKey(value);
    if (key === null) missing++;
    else counts[position.get(key) ?? categories.length]++;
  }
  return { counts, missing };
}
