import {
  classificationDisparities,
  regressionDisparities,
  type ClassificationDisparities,
  type RegressionDisparities,
} from '../../monitoring/fairness/disparities.js';
import { classificationGroup, regressionGroup, type ClassificationGroup, type RegressionGroup } from '../../monitoring/fairness/group-metrics.js';
import type { PerformanceSums } from '../../monitoring/performance/performance-sums.js';

/** What the groups are measured on: one class of a classifier (against the rest), or a regressor's errors. */
export type FairnessTarget = { task: 'binary' | 'multiclass'; classIndex: number } | { task: 'regression' };

/** G per group value, F between them, why a disparity is null, which groups are left out of F and why. */
export interface FairnessReport {
  groups: Record<string, ClassificationGroup | RegressionGroup>;
  disparities: ClassificationDisparities | RegressionDisparities;
  nullReasons: Record<string, string>;
  excluded: Record<string, string>;
}

/** The fairness of one attribute from the window's sums per group value (METRICS §4). */
export function fairnessReport(sumsByGroup: Map<string, PerformanceSums>, target: FairnessTarget, options: { minSamples: number; privileged?: string }): FairnessReport {
  const values = [...sumsByGroup.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (target.task === 'regression') {
    const groups = Object.fromEntries(values.map((value) => [value, regressionGroup(sumsByGroup.get(value)!)]));
    return { groups, ...regressionDisparities(groups, options) } as FairnessReport;
  }
  const groups = Object.fromEntries(values.map((value) => [value, classificationGroup(sumsByGroup.get(value)!, target.classIndex)]));
  return { groups, ...classificationDisparities(groups, options) } as FairnessReport;
}
