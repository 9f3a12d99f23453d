import type { ServedModel } from '../../inference/served-model.js';
import { HistogramLayout, LABEL_FEATURE, PREDICTION_FEATURE, type FeatureSpec, type ReferenceProfile } from '../../monitoring/drift/profile.js';
import { outputOf } from '../labels/label-value.js';
import { bucketOf, OVERALL } from '../performance/performance-deltas.js';
import { performanceModelOf, type PerformanceModel } from '../performance/performance-model.js';
import type { HistogramDelta } from './drift.repository.js';

/** What is histogrammed of a model: its features, then the monitored prediction, then the label. */
export function featureSpecs(model: ServedModel): FeatureSpec[] {
  const categorical = new Set(model.config.categorical);
  const classifier = model.config.task !== 'regression';
  return [
    ...model.spec.features.map((name) => ({ name, kind: categorical.has(name) ? ('categorical' as const) : ('numeric' as const) })),
    { name: PREDICTION_FEATURE, kind: model.config.task === 'multiclass' ? 'categorical' : 'numeric' },
    { name: LABEL_FEATURE, kind: classifier ? 'categorical' : 'numeric' },
  ];
}

/**
 * The monitored prediction as one value: p(positive class) for binary models, the predicted class name
 * for multiclass ones (argmax), the value for regression; null when the output does not fit the model.
 */
export function predictionValue(model: PerformanceModel, output: unknown): number | string | null {
  const value = outputOf(model, output);
  if (value === undefined) return null;
  if (typeof value === 'number') return value;
  if (model.task === 'binary') return value[model.loss.positiveIndex];
  let best = 0;
  for (let j = 1; j < value.length; j++) if (value[j] > value[best]) best = j;
  return model.classNames[best];
}

/** A model with a reference in force: how its rows are binned. */
export class DriftContext {
  readonly layout: HistogramLayout;
  readonly performance: PerformanceModel;
  private readonly predictionIndex: number;
  readonly labelIndex: number;

  constructor(
    readonly model: ServedModel,
    readonly referenceId: number,
    readonly profile: ReferenceProfile,
  ) {
    this.layout = new HistogramLayout(profile.features);
    this.performance = performanceModelOf(model);
    const names = profile.features.map((feature) => feature.name);
    this.predictionIndex = names.indexOf(PREDICTION_FEATURE);
    this.labelIndex = names.indexOf(LABEL_FEATURE);
  }

  /**
   * The slot of each feature of a logged row: a flat index, null for a missing value, undefined for
   * a feature that is not counted for this row (the label of an unlabeled prediction).
   */
  slots(features: Record<string, unknown>, output: unknown, label: unknown): Array<number | null | undefined> {
    return this.profile.features.map((feature, j) => {
      if (j === this.predictionIndex) return this.layout.slot(j, predictionValue(this.performance, output));
      if (j === this.labelIndex) return label === null || label === undefined ? undefined : this.layout.slot(j, label);
      return this.layout.slot(j, features[feature.name]);
    });
  }

  /** Slots that count only a label (a label joined or overwritten later). */
  labelSlots(label: unknown): Array<number | undefined> {
    const slots = new Array<number | undefined>(this.profile.features.length).fill(undefined);
    if (this.labelIndex >= 0) slots[this.labelIndex] = this.layout.slot(this.labelIndex, label) ?? undefined;
    return slots;
  }
}

/**
 * Sums histogram deltas per (model, reference, segment, bucket, version) row, in place: the overall
 * row and one per segment the prediction carries.
 */
export class HistogramCollector {
  private readonly rows = new Map<string, HistogramDelta>();

  constructor(private readonly bucketMs: number) {}

  get size(): number {
    return this.rows.size;
  }

  /** Adds `sign` × one prediction (its slots; `labeled` 1 when its label is counted as a new one). */
  add(context: DriftContext, version: number, ts: Date, segments: Record<string, string>, slots: Array<number | null | undefined>, count: number, labeled: number, sign = 1): void {
    const bucket = bucketOf(ts, this.bucketMs);
    const targets: Array<[string, string]> = [[OVERALL, OVERALL], ...Object.entries(segments)];
    for (const [segmentKey, segmentValue] of targets) {
      const key = `${context.model.name}\u0000${context.referenceId}\u0000${segmentKey}\u0000${bucket.getTime()}\u0000${segmentValue}\u0000${version}`;
      let row = this.rows.get(key);
      if (!row) {
        row = {
          model: context.model.name,
          referenceId: context.referenceId,
          version,
          bucket,
          segmentKey,
          segmentValue,
          count: 0,
          labeled: 0,
          counts: new Array<number>(context.layout.size).fill(0),
          missing: new Array<number>(context.profile.features.length).fill(0),
        };
        this.rows.set(key, row);
      }
      row.count += count;
      row.labeled += labeled;
      slots.forEach((slot, j) => {
        if (slot === null) row.missing[j] += sign;
        else if (slot !== undefined) row.counts[slot] += sign;
      });
    }
  }

  /** The rows in key order (a stable lock order for concurrent upserts). */
  sorted(): HistogramDelta[] {
    return [...this.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  }

  /** Adds every row of `other` into this one (a failed flush goes back into the buffer). */
  merge(other: HistogramDelta[]): void {
    for (const row of other) {
      const key = `${row.model}\u0000${row.referenceId}\u0000${row.segmentKey}\u0000${row.bucket.getTime()}\u0000${row.segmentValue}\u0000${row.version}`;
      const mine = this.rows.get(key);
      if (!mine) {
        this.rows.set(key, row);
        continue;
      }
      mine.count += row.count;
      mine.labeled += row.labeled;
      row.counts.forEach((value, i) => (mine.counts[i] += value));
      row.missing.forEach((value, i) => (mine.missing[i] += value));
    }
  }
}
