import type { ModelRepository } from '../../inference/model-repository.js';
import type { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import type { SegmentCap } from '../../monitoring/segment-cap.js';
import { OVERALL } from '../performance/performance-deltas.js';
import type { GaugeWindow } from '../performance/performance-gauges.js';
import type { FeatureDrift } from '../../monitoring/drift/decision.js';
import type { DriftService } from './drift.service.js';

/** The fields of D exported as `statistic` label values; `drift` as 1/0. */
const STATISTICS = ['psi', 'ks', 'ksPValue', 'wasserstein', 'wassersteinNorm', 'jsDistance', 'chi2', 'chi2PValue', 'statistic', 'threshold'] as const;

type Sample = { labels: Record<string, string>; value: number };

function add(target: number[] | undefined, totals: readonly number[]): number[] {
  if (!target) return [...totals];
  totals.forEach((value, i) => (target[i] += value));
  return target;
}

/**
 * Refreshes `plumbline_drift` for every model with a reference, window, version ("" = all versions),
 * feature and segment (values past the cap merged into `__other__`, compared with the whole
 * reference). One histogram read per model and window; the gauge is replaced in one synchronous step.
 * A window of h hours is recomputed every h-th refresh (24 h: every 24 gauge intervals, 6 min by
 * default: its statistics move slowly, and its read is the largest); meanwhile it keeps its values.
 */
export class DriftGauges {
  private readonly byWindow = new Map<string, { at: number; samples: Sample[] }>();

  constructor(
    private readonly models: ModelRepository,
    private readonly drift: DriftService,
    private readonly metrics: PlumblineMetrics,
    private readonly cap: SegmentCap,
    private readonly windows: GaugeWindow[],
    private readonly intervalMs = 0,
  ) {}

  async refresh(now = new Date()): Promise<void> {
    await this.drift.refresh();
    await this.drift.recorder.flush();
    for (const window of this.windows) {
      const last = this.byWindow.get(window.name);
      // Slack of half an interval: a timer tick may come a little early.
      const every = this.intervalMs * Math.max(1, Math.round(window.ms / 3_600_000)) - this.intervalMs / 2;
      if (last && now.getTime() - last.at < every) continue;
      const samples: Sample[] = [];
      for (const served of this.models.list()) {
        const read = await this.drift.sums(served.name, new Date(now.getTime() - window.ms), now);
        if (!read) continue;
        // version → "key\0segment" → totals; version "" sums all versions.
        const groups = new Map<string, Map<string, { key: string; segment: string; value?: string; totals: number[] }>>();
        for (const row of read.rows) {
          const segment = row.segmentKey === OVERALL ? OVERALL : this.cap.label(served.name, row.segmentKey, row.segmentValue);
          for (const version of ['', String(row.version)]) {
            let group = groups.get(version);
            if (!group) groups.set(version, (group = new Map()));
            const id = `${row.segmentKey}\u0000${segment}`;
            const entry = group.get(id);
            if (entry) {
              add(entry.totals, row.totals);
              if (entry.value !== row.segmentValue) entry.value = undefined;
            } else group.set(id, { key: row.segmentKey, segment, value: row.segmentValue, totals: [...row.totals] });
          }
        }
        if (!groups.has('')) groups.set('', new Map([[`\u0000`, { key: OVERALL, segment: OVERALL, value: OVERALL, totals: [] }]]));
        for (const [version, group] of groups) {
          for (const { key, segment, value, totals } of group.values()) {
            const figures = this.drift.figures(read.context, totals.length > 0 ? totals : undefined, key === OVERALL ? undefined : key, value);
            for (const [feature, d] of Object.entries(figures)) {
              for (const [statistic, number] of numbers(d)) {
                samples.push({ labels: { model: served.name, version, feature, segment_key: key, segment, statistic, window: window.name }, value: number });
              }
            }
          }
        }
      }
      this.byWindow.set(window.name, { at: now.getTime(), samples });
    }
    this.metrics.drift.reset();
    for (const { samples } of this.byWindow.values()) for (const { labels, value } of samples) this.metrics.drift.set(labels, value);
  }
}

function numbers(d: FeatureDrift): Array<[string, number]> {
  const entries: Array<[string, number]> = [];
  const fields = d as unknown as Record<string, unknown>;
  for (const statistic of STATISTICS) {
    const value = fields[statistic];
    if (typeof value === 'number' && Number.isFinite(value)) entries.push([statistic, value]);
  }
  if (d.drift !== null) entries.push(['drift', d.drift ? 1 : 0]);
  return entries;
}
