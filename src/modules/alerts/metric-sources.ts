import type { MetricRef } from './alert-metric.js';
import type { CompiledRule } from './alert-rule.js';
import type { ServingFigures } from './serving-window.js';

/** A rule's values over its window, by segment value ('' for the whole model); null = no data. */
export type MetricValues = Map<string, number | null>;

export interface EvaluationWindow {
  from: Date;
  to: Date;
}

/** Reads the numbers of one metric prefix (`performance.`, `drift.`, …) for a rule. */
export interface MetricSource {
  read(rule: CompiledRule, window: EvaluationWindow): Promise<MetricValues>;
}

export interface MonitoringQuery {
  from: string;
  to: string;
  version?: string;
  segment?: string;
}

// The services' answers are typed loosely (`object`) so that their own interfaces fit without casts.
type Fields = Record<string, unknown>;
const fields = (value: object | undefined): Fields | undefined => value as Fields | undefined;

/** `PerformanceService.query`: `{overall: P, segments?: {<value>: P}}`. */
export type PerformanceQueryFn = (model: string, query: MonitoringQuery) => Promise<{ overall: object; segments?: Record<string, object> }>;
/** `DriftService.query`: `{overall: {<feature>: D}, segments?: {<value>: {<feature>: D}}}`. */
export type DriftQueryFn = (model: string, query: MonitoringQuery) => Promise<{ overall: Record<string, object>; segments?: Record<string, Record<string, object>> }>;
/** `FairnessService.query`: `{groups, disparities: F}`. */
export type FairnessQueryFn = (model: string, query: { attribute: string; from: string; to: string; version?: string }) => Promise<{ disparities: object }>;
/** This process's serving figures for a model over a window. */
export type ServingQueryFn = (model: string, windowMs: number) => ServingFigures;

/** A number from a monitoring answer: finite numbers, booleans as 1/0 (drift: true → 1); anything else is no data. */
export function numeric(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isoWindow(window: EvaluationWindow): { from: string; to: string } {
  return { from: window.from.toISOString(), to: window.to.toISOString() };
}

/**
 * Picks the rule's values out of an `{overall, segments}` answer: the overall value, one segment
 * value (null when the window has none of it), or every value the window has (`"*"`).
 */
export function pickValues<T>(rule: CompiledRule, answer: { overall: T; segments?: Record<string, T> }, read: (entry: T | undefined) => number | null): MetricValues {
  if (!rule.segment) return new Map([['', read(answer.overall)]]);
  const segments = answer.segments ?? {};
  if (rule.segment.value !== '*') return new Map([[rule.segment.value, read(segments[rule.segment.value])]]);
  return new Map(Object.entries(segments).map(([value, entry]) => [value, read(entry)]));
}

export class PerformanceSource implements MetricSource {
  constructor(private readonly query: PerformanceQueryFn) {}

  async read(rule: CompiledRule, window: EvaluationWindow): Promise<MetricValues> {
    const answer = await this.query(rule.model, { ...isoWindow(window), ...(rule.segment ? { segment: rule.segment.key } : {}) });
    const ref = rule.ref as Extract<MetricRef, { source: 'performance' | 'estimated' }>;
    return pickValues(rule, answer, (p) => numeric(ref.source === 'estimated' ? (fields(p)?.estimated as Fields | undefined)?.[ref.field] : fields(p)?.[ref.field]));
  }
}

export class DriftSource implements MetricSource {
  constructor(private readonly query: DriftQueryFn) {}

  async read(rule: CompiledRule, window: EvaluationWindow): Promise<MetricValues> {
    const answer = await this.query(rule.model, { ...isoWindow(window), ...(rule.segment ? { segment: rule.segment.key } : {}) });
    const ref = rule.ref as Extract<MetricRef, { source: 'drift' }>;
    return pickValues(rule, answer, (features) => numeric(fields(features?.[ref.feature])?.[ref.field]));
  }
}

export class FairnessSource implements MetricSource {
  constructor(private readonly query: FairnessQueryFn) {}

  async read(rule: CompiledRule, window: EvaluationWindow): Promise<MetricValues> {
    const ref = rule.ref as Extract<MetricRef, { source: 'fairness' }>;
    const answer = await this.query(rule.model, { attribute: ref.attribute, ...isoWindow(window) });
    return new Map([['', numeric(fields(answer.disparities)?.[ref.disparity])]]);
  }
}

/** Serving figures are this process's own counters (see ServingWindow): per process, not per fleet. */
export class ServingSource implements MetricSource {
  constructor(private readonly query: ServingQueryFn) {}

  async read(rule: CompiledRule): Promise<MetricValues> {
    const ref = rule.ref as Extract<MetricRef, { source: 'serving' }>;
    return new Map([['', numeric(this.query(rule.model, rule.windowMs)[ref.field])]]);
  }
}

/** A prefix whose service is not wired into this build: every value is no data (said once in the log). */
export class MissingSource implements MetricSource {
  constructor(private readonly warn: () => void) {}

  async read(rule: CompiledRule): Promise<MetricValues> {
    this.warn();
    return new Map(rule.segment && rule.segment.value !== '*' ? [[rule.segment.value, null]] : rule.segment ? [] : [['', null]]);
  }
}
