import { binIndex, categoricalProfile, categoryKey, countCategorical, countNumeric, isMissingNumber, numericBins, type CategoricalValue, type NumericValue } from './bins.js';
import type { BinCounts } from './counts.js';
import type { FeatureKind } from './decision.js';

/** Prediction drift is reported under this feature name (DESIGN §5.5). */
export const PREDICTION_FEATURE = '__prediction__';
/** Label drift is reported under this feature name. */
export const LABEL_FEATURE = '__label__';

export interface FeatureSpec {
  name: string;
  kind: FeatureKind;
}

interface ProfileCounts {
  /** Counts over the feature's bins (numeric) or categories then `__other__` (categorical). */
  counts: number[];
  missing: number;
  /** Population standard deviation (ddof 0) of the non-missing values (numeric); null when there are none. */
  std: number | null;
}

export interface NumericFeatureProfile extends ProfileCounts {
  name: string;
  kind: 'numeric';
  edges: number[];
  deciles: number[];
}

export interface CategoricalFeatureProfile extends ProfileCounts {
  name: string;
  kind: 'categorical';
  categories: string[];
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

/** The reference rows of one segment value, counted in the whole reference's bins. */
export interface SegmentReference {
  rows: number;
  features: Record<string, ProfileCounts>;
}

/** A drift reference: the bins fixed by the whole reference sample and its counts (METRICS §3). */
export interface ReferenceProfile {
  rows: number;
  features: FeatureProfile[];
  /** segment key → segment value → that value's rows (the most frequent values, up to the segment cap). */
  segments: Record<string, Record<string, SegmentReference>>;
}

/** One reference row: a value per feature spec (same order), and its segment values. */
export interface ReferenceRow {
  values: unknown[];
  segments: Record<string, string>;
}

function populationStd(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let mean = 0;
  for (const value of values) mean += value;
  mean /= values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

const asNumeric = (value: unknown): NumericValue => (typeof value === 'number' ? value : null);
const asCategorical = (value: unknown): CategoricalValue =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;

function countsOf(feature: FeatureProfile, values: readonly unknown[]): ProfileCounts {
  if (feature.kind === 'numeric') {
    const numbers = values.map(asNumeric);
    const { counts, missing }: BinCounts = countNumeric(feature.edges, numbers);
    return { counts, missing, std: populationStd(numbers.filter((value): value is number => !isMissingNumber(value))) };
  }
  const { counts, missing } = countCategorical(feature.categories, values.map(asCategorical));
  return { counts, missing, std: null };
}

/**
 * Builds a reference profile: per feature the bins of METRICS §3 (numeric: the de-duplicated 1st..99th
 * percentiles and the deciles; categorical: up to 100 categories, most frequent first) and the reference's
 * counts in them; then, per segment key, the same counts for each of the `maxSegmentValues` most frequent
 * values (ties by value), so that a segment can be compared with its own reference rows.
 */
export function buildProfile(specs: readonly FeatureSpec[], rows: readonly ReferenceRow[], maxSegmentValues: number): ReferenceProfile {
  const column = (j: number, subset: readonly ReferenceRow[] = rows) => subset.map((row) => row.values[j]);
  const features: FeatureProfile[] = specs.map((spec, j) => {
    const values = column(j);
    const shape: FeatureProfile =
      spec.kind === 'numeric'
        ? { name: spec.name, kind: 'numeric', ...numericBins(values.map(asNumeric)), counts: [], missing: 0, std: null }
        : { name: spec.name, kind: 'categorical', categories: categoricalProfile(values.map(asCategorical)), counts: [], missing: 0, std: null };
    return { ...shape, ...countsOf(shape, values) };
  });

  const byKey = new Map<string, Map<string, ReferenceRow[]>>();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row.segments)) {
      let values = byKey.get(key);
      if (!values) byKey.set(key, (values = new Map()));
      let members = values.get(value);
      if (!members) values.set(value, (members = []));
      members.push(row);
    }
  }
  const segments: ReferenceProfile['segments'] = {};
  for (const [key, values] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const kept = [...values].sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : a > b ? 1 : 0)).slice(0, maxSegmentValues);
    segments[key] = Object.fromEntries(
      kept.map(([value, members]) => [
        value,
        { rows: members.length, features: Object.fromEntries(features.map((feature, j) => [feature.name, countsOf(feature, column(j, members))])) },
      ]),
    );
  }
  return { rows: rows.length, features, segments };
}

/**
 * Where each feature's counts sit in a bucket's flat histogram: feature j's bins are
 * `counts[offsets[j] .. offsets[j] + widths[j])`, its missing values `missing[j]`.
 */
export class HistogramLayout {
  readonly offsets: number[] = [];
  readonly widths: number[] = [];
  readonly size: number;
  private readonly categories: Array<Map<string, number> | undefined>;

  constructor(readonly features: readonly FeatureProfile[]) {
    let offset = 0;
    for (const feature of features) {
      this.offsets.push(offset);
      const width = feature.counts.length;
      this.widths.push(width);
      offset += width;
    }
    this.size = offset;
    this.categories = features.map((feature) => (feature.kind === 'categorical' ? new Map(feature.categories.map((category, i) => [category, i])) : undefined));
  }

  /** The flat index of `value` for feature j, or null when it is missing (`binIndex` / `countCategorical` rules). */
  slot(j: number, value: unknown): number | null {
    const feature = this.features[j];
    if (feature.kind === 'numeric') {
      if (typeof value !== 'number' || isMissingNumber(value)) return null;
      return this.offsets[j] + binIndex(feature.edges, value);
    }
    const key = categoryKey(asCategorical(value));
    if (key === null) return null;
    return this.offsets[j] + (this.categories[j]!.get(key) ?? feature.categories.length);
  }

  /** Feature j's slice of a summed flat histogram and its missing count. */
  slice(j: number, counts: readonly number[], missing: readonly number[]): BinCounts {
    return { counts: counts.slice(this.offsets[j], this.offsets[j] + this.widths[j]), missing: missing[j] ?? 0 };
  }
}
