import type { ModelRepository } from '../../inference/model-repository.js';
import type { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { computePerformance, type Performance } from '../../monitoring/performance/performance.js';
import { addSums, emptySums, type PerformanceSums } from '../../monitoring/performance/performance-sums.js';
import { OVERALL } from './performance-deltas.js';
import { classificationGroup } from '../../monitoring/fairness/group-metrics.js';
import { performanceModelOf, type PerformanceModel } from './performance-model.js';
import type { PerformanceRepository } from './performance.repository.js';
import type { SegmentCap } from '../../monitoring/segment-cap.js';

export interface GaugeWindow {
  name: string;
  ms: number;
}

type Sample = { labels: Record<string, string>; value: number };

/** Flattens a Performance into metric → value, leaving out nulls (a 0/0 is no sample, not NaN). */
export function performanceMetrics(performance: Performance): Array<[string, number]> {
  const entries: Array<[string, number]> = [];
  const { estimated, ...rest } = performance;
  for (const [metric, value] of Object.entries(rest)) if (typeof value === 'number' && Number.isFinite(value)) entries.push([metric, value]);
  for (const [metric, value] of Object.entries(estimated)) {
    if (typeof value === 'number' && Number.isFinite(value)) entries.push([metric === 'calibrationGap' ? metric : `estimated_${metric}`, value]);
  }
  return entries;
}

/**
 * A binary model's per-group figures of METRICS §4 that P does not carry: selectionRate (share decided
 * positive among all predictions, labeled or not), tpr and fpr of the positive class; nulls left out.
 */
export function groupFiguresOf(model: PerformanceModel, sums: PerformanceSums): Array<[string, number]> {
  if (model.task !== 'binary') return [];
  const group = classificationGroup(sums, model.loss.positiveIndex);
  return (['selectionRate', 'tpr', 'fpr'] as const).filter((name) => group[name] !== null).map((name) => [name, group[name] as number]);
}

/**
 * Refreshes `plumbline_performance` for every model, version ("" = all) and segment over the
 * configured trailing windows, from the bucket sums (segment values past the cap are merged into
 * `__other__`). All queries run first; the gauge is then replaced in one synchronous step, so a
 * scrape never sees it half written.
 */
export class PerformanceGauges {
  constructor(
    private readonly models: ModelRepository,
    private readonly repository: PerformanceRepository,
    private readonly metrics: PlumblineMetrics,
    private readonly cap: SegmentCap,
    private readonly windows: GaugeWindow[],
  ) {}

  async refresh(now = new Date()): Promise<void> {
    const samples: Sample[] = [];
    for (const served of this.models.list()) {
      const model = performanceModelOf(served);
      const versions = [undefined, ...served.versions.keys()];
      for (const window of this.windows) {
        for (const version of versions) {
          for (const segmentKey of [OVERALL, ...served.spec.segmentKeys]) {
            const query = { model: served.name, from: new Date(now.getTime() - window.ms), to: now, version, segmentKey };
            const merged = new Map<string, PerformanceSums>();
            for (const [value, sums] of await this.repository.sumWindow(query, model.classes)) {
              const label = segmentKey === OVERALL ? OVERALL : this.cap.label(served.name, segmentKey, value);
              const previous = merged.get(label);
              merged.set(label, previous ? addSums(previous, sums) : sums);
            }
            if (!merged.has(OVERALL) && segmentKey === OVERALL) merged.set(OVERALL, emptySums(model.classes));
            for (const [segment, sums] of merged) {
              const performance = computePerformance(model.task, sums, model.loss.positiveIndex);
              for (const [metric, value] of [...performanceMetrics(performance), ...groupFiguresOf(model, sums)]) {
                const labels = { model: served.name, version: version === undefined ? '' : String(version), segment_key: segmentKey, segment, metric, window: window.name };
                samples.push({ labels, value });
              }
            }
          }
        }
      }
    }
    this.metrics.performance.reset();
    for (const { labels, value } of samples) this.metrics.performance.set(labels, value);
  }
}
