import { HttpError, HttpErrorCode } from '../../common/http.errors.js';
import { parseWindow, type TimeWindow } from '../../common/time-window.js';
import type { ModelRepository } from '../../inference/model-repository.js';
import type { ServedModel } from '../../inference/served-model.js';
import { parseVersion, requireVersion } from '../performance/monitoring-query.js';
import { performanceModelOf } from '../performance/performance-model.js';
import type { PerformanceRepository } from '../performance/performance.repository.js';
import { fairnessReport, type FairnessReport, type FairnessTarget } from './fairness-report.js';

export interface FairnessQuery {
  attribute?: unknown;
  from?: unknown;
  to?: unknown;
  version?: unknown;
  class?: unknown;
}

export interface FairnessResponse extends FairnessReport {
  model: string;
  attribute: string;
  from: string;
  to: string;
  version: string | null;
  task: 'binary' | 'multiclass' | 'regression';
  /** The class the groups are measured on (one against the rest); null for a regressor. */
  class: string | null;
  /** The configured privileged group of the attribute, if any. */
  privileged: string | null;
  minSamples: number;
}

/**
 * Fairness over a window per sensitive attribute (METRICS §4, DESIGN §5.5), from the same bucket sums
 * as performance: the attribute's values are segment values. A binary model is measured on its
 * positive class unless `class` names the other; a multiclass model needs `class` (one against the
 * rest: no class is "the positive one" by default); a regressor has no classes and reports meanLoss,
 * mae and lossRatio.
 */
export class FairnessService {
  constructor(
    private readonly models: ModelRepository,
    private readonly repository: PerformanceRepository,
    private readonly beforeQuery: (model: string) => Promise<unknown>,
  ) {}

  async query(name: string, query: FairnessQuery): Promise<FairnessResponse> {
    const served = this.models.get(name);
    const sensitive = served.config.sensitive;
    if (typeof query.attribute !== 'string' || !sensitive.includes(query.attribute)) {
      const declared = sensitive.length > 0 ? sensitive.join(', ') : 'none; declare them in config.json "sensitive"';
      throw new HttpError(HttpErrorCode.BadRequest, `"attribute" must be one of the model's sensitive attributes (${declared})`);
    }
    const window = parseWindow(query.from, query.to);
    const version = parseVersion(query.version);
    await requireVersion(served, version, (model, v) => this.repository.hasVersion(model, v));
    const target = targetOf(served, query.class);
    await this.beforeQuery(name);
    return {
      model: name,
      attribute: query.attribute,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      version: version === undefined ? null : String(version),
      task: served.config.task,
      class: target.task === 'regression' ? null : served.spec.classes[target.classIndex],
      privileged: served.config.privileged[query.attribute] ?? null,
      minSamples: served.config.fairness.minSamples,
      ...(await this.report(served, query.attribute, window, version, target)),
    };
  }

  /** The report of one attribute over a window (no label join: the caller decides), for the query and the gauges. */
  async report(served: ServedModel, attribute: string, window: TimeWindow, version: number | undefined, target: FairnessTarget): Promise<FairnessReport> {
    const model = performanceModelOf(served);
    const sums = await this.repository.sumWindow({ model: served.name, ...window, version, segmentKey: attribute }, model.classes);
    return fairnessReport(sums, target, { minSamples: served.config.fairness.minSamples, privileged: served.config.privileged[attribute] });
  }
}

/** The `class` parameter: a classifier's class name (binary default: the positive class); a regressor has none. */
export function targetOf(served: ServedModel, name: unknown): FairnessTarget {
  const { task } = served.config;
  const classes = served.spec.classes;
  if (task === 'regression') {
    if (name !== undefined) {
      throw new HttpError(HttpErrorCode.BadRequest, 'a regressor has no classes, so no selection rate, tpr or fpr: its fairness is meanLoss, mae and lossRatio per group (leave out "class")');
    }
    return { task };
  }
  if (name === undefined) {
    if (task === 'binary') return { task, classIndex: served.spec.positiveIndex };
    throw new HttpError(HttpErrorCode.BadRequest, `"class" is required for a multiclass model (one class against the rest): one of ${classes.join(', ')}`);
  }
  const classIndex = typeof name === 'string' ? classes.indexOf(name) : -1;
  if (classIndex < 0) throw new HttpError(HttpErrorCode.BadRequest, `"class" must be one of the model's classes (${classes.join(', ')})`);
  return { task, classIndex };
}
