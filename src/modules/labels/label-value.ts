import type { PerformanceModel } from '../performance/performance-model.js';

/** A label as stored: the class name for classifiers, the number for regression. */
export type LabelValue = string | number;

export type ParsedLabel = { value: LabelValue; index: number } | { error: string };

/** A class name, a class index, or a number (regression), checked against the model. */
export function parseLabel(model: PerformanceModel, raw: unknown): ParsedLabel {
  if (model.task === 'regression') {
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return { error: 'a regression label must be a finite number' };
    return { value: raw, index: -1 };
  }
  if (typeof raw === 'string') {
    const index = model.classNames.indexOf(raw);
    return index < 0 ? { error: `'${raw.slice(0, 64)}' is not one of the classes (${model.classNames.join(', ')})` } : { value: raw, index };
  }
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw < model.classes) {
    return { value: model.classNames[raw], index: raw };
  }
  return { error: `a label must be a class name or a class index in 0..${model.classes - 1}` };
}

/** The monitored output as the calculators take it, or undefined if it does not fit the model. */
export function outputOf(model: PerformanceModel, output: unknown): number[] | number | undefined {
  if (model.task === 'regression') return typeof output === 'number' && Number.isFinite(output) ? output : undefined;
  return Array.isArray(output) && output.length === model.classes && output.every((p) => typeof p === 'number' && Number.isFinite(p)) ? (output as number[]) : undefined;
}
