import type { ServedModel } from '../../inference/served-model.js';
import type { LossSpec } from '../../monitoring/losses/loss.js';

/** What the performance calculators need to know of a model. */
export interface PerformanceModel {
  task: 'binary' | 'multiclass' | 'regression';
  /** K for classifiers, 0 for regression. */
  classes: number;
  classNames: string[];
  loss: LossSpec;
}

/** The model's `loss` config with class names mapped to indices; the METRICS §1 defaults. */
export function performanceModelOf(model: ServedModel): PerformanceModel {
  const { config, spec } = model;
  const classifier = config.task !== 'regression';
  const names = spec.classes;
  const loss = config.loss;
  const classWeights = loss?.classWeights ? names.map((name) => loss.classWeights?.[name] ?? 1) : undefined;
  return {
    task: config.task,
    classes: classifier ? names.length : 0,
    classNames: names,
    loss: {
      name: loss?.name ?? (classifier ? 'log_loss' : 'mse'),
      params: loss?.params ?? {},
      classWeights,
      costMatrix: loss?.costMatrix,
      positiveIndex: config.task === 'binary' ? spec.positiveIndex : -1,
      threshold: config.threshold,
    },
  };
}
