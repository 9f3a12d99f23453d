import { CLASSIFICATION_DISPARITIES } from '../../monitoring/fairness/disparities.js';
import type { Task } from '../../inference/model-config.js';

/** What a rule's metric name says to read: which source, and the path inside its answer. */
export type MetricRef =
  | { source: 'performance'; field: string }
  | { source: 'estimated'; field: string }
  | { source: 'serving'; field: 'errorRate' | 'p99LatencySeconds' }
  | { source: 'drift'; feature: string; field: string }
  | { source: 'fairness'; attribute: string; disparity: string };

/** The fields of P (DESIGN §5.5, METRICS §2) each task reports. */
export const PERFORMANCE_FIELDS: Record<Task, readonly string[]> = {
  binary: ['count', 'labeled', 'meanLoss', 'accuracy', 'precision', 'recall', 'f1', 'logLoss'],
  multiclass: ['count', 'labeled', 'meanLoss', 'accuracy', 'f1', 'logLoss'],
  regression: ['count', 'labeled', 'meanLoss', 'mae', 'mse', 'rmse'],
};

export const ESTIMATED_FIELDS: Record<Task, readonly string[]> = {
  binary: ['accuracy', 'logLoss', 'calibrationGap'],
  multiclass: ['accuracy', 'logLoss', 'calibrationGap'],
  regression: [],
};

/** The numeric fields of D (DESIGN §5.5); `drift` reads 1 (true) or 0 (false). `kind` and `method` are text. */
export const DRIFT_FIELDS = [
  'nReference',
  'nCurrent',
  'statistic',
  'threshold',
  'drift',
  'psi',
  'ks',
  'ksPValue',
  'wasserstein',
  'wassersteinNorm',
  'jsDistance',
  'chi2',
  'chi2PValue',
] as const;

/** The disparities F of METRICS.md. */
export const FAIRNESS_DISPARITIES = CLASSIFICATION_DISPARITIES;

export const SERVING_FIELDS = ['errorRate', 'p99LatencySeconds'] as const;

/** Drift is also reported for the prediction and the label. */
export const DRIFT_PSEUDO_FEATURES = ['__prediction__', '__label__'] as const;

export interface MetricContext {
  task: Task;
  features: readonly string[];
  sensitive: readonly string[];
}

/** Parses `metric` against what the model reports; the error message says what would be accepted. */
export function parseMetric(metric: string, model: MetricContext): MetricRef {
  const dot = metric.indexOf('.');
  const prefix = dot < 0 ? metric : metric.slice(0, dot);
  const rest = dot < 0 ? '' : metric.slice(dot + 1);
  const oneOf = (what: string, value: string, allowed: readonly string[]) => {
    if (!allowed.includes(value)) {
      throw new Error(`${what} "${value}" is unknown${allowed.length ? ` (one of ${allowed.join(', ')})` : ' (this model reports none)'}`);
    }
  };
  switch (prefix) {
    case 'performance':
      oneOf(`performance field for a ${model.task} model:`, rest, PERFORMANCE_FIELDS[model.task]);
      return { source: 'performance', field: rest };
    case 'estimated':
      oneOf(`estimated field for a ${model.task} model:`, rest, ESTIMATED_FIELDS[model.task]);
      return { source: 'estimated', field: rest };
    case 'serving':
      oneOf('serving figure', rest, SERVING_FIELDS);
      return { source: 'serving', field: rest as 'errorRate' | 'p99LatencySeconds' };
    case 'drift': {
      // Feature names may contain dots: the field is after the last one.
      const last = rest.lastIndexOf('.');
      if (last <= 0) throw new Error(`a drift metric is drift.<feature>.<field>, got "${metric}"`);
      const feature = rest.slice(0, last);
      const field = rest.slice(last + 1);
      oneOf('feature', feature, [...model.features, ...DRIFT_PSEUDO_FEATURES]);
      oneOf('drift field', field, DRIFT_FIELDS);
      return { source: 'drift', feature, field };
    }
    case 'fairness': {
      const last = rest.lastIndexOf('.');
      if (last <= 0) throw new Error(`a fairness metric is fairness.<attribute>.<disparity>, got "${metric}"`);
      const attribute = rest.slice(0, last);
      const disparity = rest.slice(last + 1);
      oneOf('sensitive attribute', attribute, model.sensitive);
      oneOf('disparity', disparity, FAIRNESS_DISPARITIES);
      return { source: 'fairness', attribute, disparity };
    }
    default:
      throw new Error(`metric "${metric}" is unknown: it starts with performance., estimated., drift., fairness. or serving.`);
  }
}
