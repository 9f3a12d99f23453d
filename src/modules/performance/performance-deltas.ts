import { ARRAY_FIELDS, classificationContribution, emptySums, regressionContribution, type PerformanceSums } from '../../monitoring/performance/performance-sums.js';
import type { PerformanceModel } from './performance-model.js';

/** What to add to one aggregate row (model, version, bucket, segment key, segment value). */
export interface BucketDelta {
  model: string;
  version: number;
  bucket: Date;
  segmentKey: string;
  segmentValue: string;
  /** Also adds to the overall row ('', '') of its bucket and version: the first segment row of a prediction carries its overall share. */
  overall: boolean;
  sums: PerformanceSums;
}

export const OVERALL = '';

/** The start of the bucket that holds `ms`, in epoch ms. */
export function bucketStart(ms: number, bucketMs: number): number {
  return Math.floor(ms / bucketMs) * bucketMs;
}

export function bucketOf(ts: Date, bucketMs: number): Date {
  return new Date(bucketStart(ts.getTime(), bucketMs));
}

/**
 * Merges per-prediction contributions into one delta per aggregate row: one row per segment key the
 * prediction carries, the first of which also counts toward the overall row (`overall`), or the
 * overall row itself for a prediction without segments.
 */
export class DeltaCollector {
  /** By bucket start (a number key: no 13-digit string to build and hash per row), then by the rest of the row's key. */
  private readonly deltas = new Map<number, Map<string, BucketDelta>>();

  constructor(private readonly bucketMs: number) {}

  add(model: string, version: number, ts: Date, segments: Record<string, string>, classes: number, contribution: Partial<PerformanceSums>): void {
    const start = bucketStart(ts.getTime(), this.bucketMs);
    let bucket = this.deltas.get(start);
    if (!bucket) this.deltas.set(start, (bucket = new Map()));
    let overall = true;
    for (const segmentKey in segments) {
      this.row(bucket, model, version, start, segmentKey, segments[segmentKey], overall, classes, contribution);
      overall = false;
    }
    if (overall) this.row(bucket, model, version, start, OVERALL, OVERALL, false, classes, contribution);
  }

  private row(
    bucket: Map<string, BucketDelta>,
    model: string,
    version: number,
    start: number,
    segmentKey: string,
    segmentValue: string,
    overall: boolean,
    classes: number,
    contribution: Partial<PerformanceSums>,
  ): void {
    const key = `${model}\u0000${segmentKey}\u0000${segmentValue}\u0000${version}${overall ? '+' : ''}`;
    let delta = bucket.get(key);
    if (!delta) {
      bucket.set(key, (delta = { model, version, bucket: new Date(start), segmentKey, segmentValue, overall, sums: emptySums(classes) }));
    }
    accumulate(delta.sums, contribution);
  }

  /** The deltas, in no particular order: they are appended, and the fold orders its upserts itself. */
  rows(): BucketDelta[] {
    const rows: BucketDelta[] = [];
    for (const bucket of this.deltas.values()) for (const delta of bucket.values()) rows.push(delta);
    return rows;
  }
}

/** The label-free part of one logged prediction (count, and for classifiers the estimated-performance sums). */
export function predictionContribution(model: PerformanceModel | undefined, output: unknown): Partial<PerformanceSums> {
  if (!model) return { count: 1 };
  if (model.task === 'regression') return typeof output === 'number' ? regressionContribution(output) : { count: 1 };
  if (!Array.isArray(output) || output.length !== model.classes) return { count: 1 };
  return classificationContribution(output as number[], model.loss.positiveIndex, model.loss.threshold);
}

/** target += contribution, in place: the collector owns its sums, and copying them per row was the label path's main garbage. */
function accumulate(target: PerformanceSums, contribution: Partial<PerformanceSums>): void {
  let field: keyof PerformanceSums;
  for (field in contribution) {
    if (field === 'confusion' || field === 'predicted') {
      const cells = contribution[field]!;
      if (cells.length !== target[field].length) throw new Error(`cannot add a ${ARRAY_FIELDS[field]} of ${cells.length} cells to one of ${target[field].length}`);
      for (let i = 0; i < cells.length; i++) target[field][i] += cells[i];
    } else {
      target[field] += contribution[field] as number;
    }
  }
}
