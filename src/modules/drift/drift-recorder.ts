import type { CommittedLabel } from '../labels/labels.service.js';
import type { PredictionUnit } from '../predictions/prediction.types.js';
import { HistogramCollector, type DriftContext } from './drift-context.js';
import type { DriftRepository } from './drift.repository.js';


/**
 * Counts committed predictions and labels into the reference's bins in memory, and flushes the sums to
 * `drift_buckets` by upsert-add (DESIGN §3.4): one row per (bucket, segment, version) per flush, however
 * many predictions it holds. What a crash loses here is found by `DriftRepository.staleBuckets` and
 * rebuilt from the log.
 */
export class DriftRecorder {
  private buffer: HistogramCollector;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly contextOf: (model: string) => DriftContext | undefined,
    private readonly repository: DriftRepository,
    private readonly bucketMs: number,
  ) {
    this.buffer = new HistogramCollector(bucketMs);
  }

  /** The prediction log's after-commit hook. */
  readonly onCommitted = (units: PredictionUnit[]): void => {
    for (const unit of units) {
      for (const row of unit) {
        const context = this.contextOf(row.model);
        if (!context) continue;
        this.buffer.add(context, row.version, row.ts, row.segments, context.slots(row.features, row.output, undefined), 1, 0);
      }
    }
  };

  /**
   * The label path's after-commit hook: the label drift moves from the previous label (if any) to the new
   * one, and `labeled` follows the log's (also when the reference has no labels to compare with).
   */
  readonly onLabels = (model: string, changes: CommittedLabel[]): void => {
    const context = this.contextOf(model);
    if (!context) return;
    for (const change of changes) {
      if (change.previous !== null && change.previous !== undefined) {
        this.buffer.add(context, change.version, change.ts, change.segments, context.labelSlots(change.previous), 0, -1, -1);
      }
      this.buffer.add(context, change.version, change.ts, change.segments, context.labelSlots(change.label), 0, 1);
    }
  };

  get pending(): number {
    return this.buffer.size;
  }

  /** Writes what is buffered; concurrent callers share one flush and then flush again what arrived since. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.size === 0) return;
    const taken = this.buffer;
    this.buffer = new HistogramCollector(this.bucketMs);
    const rows = taken.sorted();
    this.flushing = this.repository.upsertAdd(rows).catch((error: unknown) => {
      this.buffer.merge(rows);
      throw error;
    });
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }
}
