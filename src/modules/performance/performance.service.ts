import type { ModelRepository } from '../../inference/model-repository.js';
import { computePerformance, type Performance } from '../../monitoring/performance/performance.js';
import { emptySums } from '../../monitoring/performance/performance-sums.js';
import type { InsertPart } from '../predictions/prediction-log.repository.js';
import type { PredictionRow } from '../predictions/prediction.types.js';
import { DeltaCollector, OVERALL, predictionContribution } from './performance-deltas.js';
import { parseMonitoringQuery, requireVersion, type MonitoringQuery } from './monitoring-query.js';
import { performanceModelOf, type PerformanceModel } from './performance-model.js';
import type { PerformanceRepository } from './performance.repository.js';

export interface PerformanceResponse {
  model: string;
  from: string;
  to: string;
  version: string | null;
  overall: Performance;
  segments?: Record<string, Performance>;
}

export type PerformanceQuery = MonitoringQuery;

/** Performance over a window (METRICS §2), summed from the bucket aggregates; and their label-free part at log time. */
export class PerformanceService {
  constructor(
    private readonly models: ModelRepository,
    private readonly repository: PerformanceRepository,
    private readonly bucketMs: number,
    private readonly beforeQuery: (model: string) => Promise<unknown>,
  ) {}

  /** Whether any prediction of `version` of `model` is counted (for the 404 of an unknown version in drift queries too). */
  readonly hasVersion = (model: string, version: number): Promise<boolean> => this.repository.hasVersion(model, version);

  /** The prediction log's after-insert part: count, estimated sums, per bucket and segment, in the same statement. */
  readonly onPredictions = (rows: PredictionRow[]): InsertPart | undefined => {
    const deltas = new DeltaCollector(this.bucketMs);
    const specs = new Map<string, PerformanceModel | undefined>();
    for (const row of rows) {
      if (!specs.has(row.model)) specs.set(row.model, this.modelOf(row.model));
      const model = specs.get(row.model);
      deltas.add(row.model, row.version, row.ts, row.segments, model?.classes ?? 0, predictionContribution(model, row.output));
    }
    return this.repository.appendPart(deltas.rows());
  };

  async query(name: string, query: PerformanceQuery): Promise<PerformanceResponse> {
    const served = this.models.get(name);
    const model = performanceModelOf(served);
    const { window, version, segmentKey } = parseMonitoringQuery(served, query);
    await requireVersion(served, version, this.hasVersion);
    await this.beforeQuery(name);
    const positive = model.loss.positiveIndex;
    const overallSums = (await this.repository.sumWindow({ model: name, ...window, version, segmentKey: OVERALL }, model.classes)).get(OVERALL);
    const response: PerformanceResponse = {
      model: name,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      version: version === undefined ? null : String(version),
      overall: computePerformance(model.task, overallSums ?? emptySums(model.classes), positive),
    };
    if (segmentKey !== undefined) {
      const sums = await this.repository.sumWindow({ model: name, ...window, version, segmentKey }, model.classes);
      response.segments = Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)).map(([value, s]) => [value, computePerformance(model.task, s, positive)]));
    }
    return response;
  }

  private modelOf(name: string): PerformanceModel | undefined {
    const served = this.models.list().find((model) => model.name === name);
    return served ? performanceModelOf(served) : undefined;
  }
}
