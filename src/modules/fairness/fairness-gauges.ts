import type { ModelRepository } from '../../inference/model-repository.js';
import type { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import type { GaugeWindow } from '../performance/performance-gauges.js';
import type { FairnessService } from './fairness.service.js';
import { targetOf } from './fairness.service.js';

type Sample = { labels: Record<string, string>; value: number };

/**
 * Refreshes `plumbline_fairness` (the disparities of METRICS §4) for every model with sensitive attributes,
 * version ("" = all) and attribute over the configured trailing windows. A null disparity is no sample.
 * Binary models are measured on their positive class; multiclass models are left out (their fairness is
 * per class, and the series has no class label: query the API with `class`). All queries run first; the
 * gauge is then replaced in one synchronous step, so a scrape never sees it half written.
 */
export class FairnessGauges {
  constructor(
    private readonly models: ModelRepository,
    private readonly fairness: FairnessService,
    private readonly metrics: PlumblineMetrics,
    private readonly windows: GaugeWindow[],
  ) {}

  async refresh(now = new Date()): Promise<void> {
    const samples: Sample[] = [];
    for (const served of this.models.list()) {
      if (served.config.sensitive.length === 0 || served.config.task === 'multiclass') continue;
      const target = targetOf(served, undefined);
      for (const window of this.windows) {
        for (const version of [undefined, ...served.versions.keys()]) {
          for (const attribute of served.config.sensitive) {
            const report = await this.fairness.report(served, attribute, { from: new Date(now.getTime() - window.ms), to: now }, version, target);
            for (const [metric, value] of Object.entries(report.disparities)) {
              if (typeof value !== 'number' || !Number.isFinite(value)) continue;
              samples.push({ labels: { model: served.name, version: version === undefined ? '' : String(version), attribute, metric, window: window.name }, value });
            }
          }
        }
      }
    }
    this.metrics.fairness.reset();
    for (const { labels, value } of samples) this.metrics.fairness.set(labels, value);
  }
}
