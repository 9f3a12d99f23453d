import { parseDuration } from '../../common/durations.js';
import { OPS, type Op } from './alert-state-machine.js';
import { parseMetric, type MetricContext, type MetricRef } from './alert-metric.js';

/** A rule as the API takes and returns it (DESIGN §5.6). */
export interface AlertRuleSpec {
  name: string;
  model: string;
  metric: string;
  segment: { key: string; value: string } | null;
  op: Op;
  threshold: number;
  window: string;
  for: string;
  keepFiringFor: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface AlertRule extends AlertRuleSpec {
  id: string;
  createdAt: string;
  updatedAt: string;
}

/** A rule with its durations in ms and its metric parsed: what the evaluator runs. */
export interface CompiledRule extends AlertRule {
  ref: MetricRef;
  windowMs: number;
  forMs: number;
  keepFiringForMs: number;
}

export interface RuleLimits {
  /** Windows longer than the prediction log's retention would read data that is gone. */
  retentionMs: number;
  maxStringLength: number;
}

export interface RuleModel extends MetricContext {
  segmentKeys: readonly string[];
}

export class RuleValidationError extends Error {}

/** Serving figures come from in-memory snapshots of this process's counters, kept this long. */
export const SERVING_WINDOW_MAX_MS = 86_400_000;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELDS = new Set(['name', 'model', 'metric', 'segment', 'op', 'threshold', 'window', 'for', 'keepFiringFor', 'severity', 'labels', 'annotations']);

/**
 * Checks a rule body against the model it names (found by `lookup`, undefined when unknown) and
 * returns it with its defaults; every refusal says which field and why.
 */
export function validateRule(body: unknown, lookup: (model: string) => RuleModel | undefined, limits: RuleLimits): AlertRuleSpec {
  const fail = (message: string): never => {
    throw new RuleValidationError(message);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('an alert rule is a JSON object');
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!FIELDS.has(key)) fail(`unknown field "${key}" (fields: ${[...FIELDS].join(', ')})`);
  const text = (field: string, fallback?: string): string => {
    const value = input[field] ?? fallback;
    if (typeof value !== 'string' || value.trim().length === 0) return fail(`"${field}" must be a non-empty string`);
    if (value.length > limits.maxStringLength) return fail(`"${field}" is longer than ${limits.maxStringLength} characters`);
    return value;
  };
  const name = text('name');
  const modelName = text('model');
  const model = lookup(modelName) ?? fail(`model "${modelName}" is unknown`);
  const metric = text('metric');
  let ref: MetricRef;
  try {
    ref = parseMetric(metric, model);
  } catch (error) {
    return fail(`"metric": ${(error as Error).message}`);
  }

  let segment: AlertRuleSpec['segment'] = null;
  if (input.segment !== undefined && input.segment !== null) {
    const raw = input.segment as Record<string, unknown>;
    if (typeof raw !== 'object' || Array.isArray(raw) || typeof raw.key !== 'string' || typeof raw.value !== 'string' || Object.keys(raw).some((k) => k !== 'key' && k !== 'value')) {
      fail('"segment" must be {"key": "<segment key>", "value": "<value>" or "*"}');
    }
    const { key, value } = raw as { key: string; value: string };
    if (!model.segmentKeys.includes(key)) fail(`segment key "${key}" is unknown for model "${modelName}" (its segment keys: ${model.segmentKeys.join(', ') || 'none'})`);
    if (value.length === 0 || value.length > limits.maxStringLength) fail(`"segment.value" must be 1 to ${limits.maxStringLength} characters ("*" for each value)`);
    if (ref.source === 'serving' || ref.source === 'fairness') fail(`a ${ref.source} metric is not reported per segment: drop "segment"`);
    segment = { key, value };
  }

  const op = input.op ?? '>';
  if (typeof op !== 'string' || !OPS.includes(op as Op)) fail(`"op" must be one of ${OPS.join(' ')}`);
  const threshold = input.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) fail('"threshold" must be a finite number');

  const duration = (field: string, fallback: string, min: number): string => {
    const value = input[field] ?? fallback;
    if (typeof value !== 'string') return fail(`"${field}" must be a duration such as 5m`);
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (error) {
      return fail(`"${field}": ${(error as Error).message}`);
    }
    if (ms < min) fail(`"${field}" must be at least ${min} ms`);
    return value;
  };
  const window = duration('window', '1h', 1);
  if (parseDuration(window) > limits.retentionMs) fail(`"window" (${window}) is longer than the retention (PLUMBLINE_RETENTION, ${limits.retentionMs} ms)`);
  if (ref.source === 'serving' && parseDuration(window) > SERVING_WINDOW_MAX_MS) {
    fail(`"window" (${window}) is longer than 24h, the longest a serving figure is kept for`);
  }
  const forDuration = duration('for', '0s', 0);
  const keepFiringFor = duration('keepFiringFor', '0s', 0);
  const severity = text('severity', 'warning');
  if (!/^[A-Za-z0-9_.-]+$/.test(severity)) fail('"severity" must be a plain word such as warning or critical');

  const record = (field: string, names: boolean): Record<string, string> => {
    const value = input[field] ?? {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`"${field}" must be an object of strings`);
    const entries = Object.entries(value as Record<string, unknown>);
    for (const [key, item] of entries) {
      if (typeof item !== 'string') fail(`"${field}.${key}" must be a string`);
      if (names && !LABEL_NAME.test(key)) fail(`label name "${key}" must match [A-Za-z_][A-Za-z0-9_]*`);
      if (key.length > limits.maxStringLength || (item as string).length > 4 * limits.maxStringLength) fail(`"${field}.${key}" is too long`);
    }
    return Object.fromEntries(entries) as Record<string, string>;
  };
  const labels = record('labels', true);
  const reserved = ['alertname', 'model', 'severity', 'rule_id', ...(segment ? [segment.key] : [])];
  for (const key of Object.keys(labels)) if (reserved.includes(key)) fail(`label "${key}" is set by Plumbline (reserved: ${reserved.join(', ')})`);
  const annotations = record('annotations', false);

  return { name, model: modelName, metric, segment, op: op as Op, threshold: threshold as number, window, for: forDuration, keepFiringFor, severity, labels, annotations };
}

/** A stored rule made ready to evaluate; undefined when its model or metric no longer exists. */
export function compileRule(rule: AlertRule, model: RuleModel | undefined): CompiledRule | undefined {
  if (!model) return undefined;
  try {
    return {
      ...rule,
      ref: parseMetric(rule.metric, model),
      windowMs: parseDuration(rule.window),
      forMs: parseDuration(rule.for),
      keepFiringForMs: parseDuration(rule.keepFiringFor),
    };
  } catch {
    return undefined;
  }
}

/** An alert's labels (DESIGN §5.6): alertname, model, severity, `<segment key>: <value>`, then the rule's own. */
export function alertLabels(rule: AlertRuleSpec, segmentValue: string | null): Record<string, string> {
  return {
    ...rule.labels,
    alertname: rule.name,
    model: rule.model,
    severity: rule.severity,
    ...(rule.segment && segmentValue !== null ? { [rule.segment.key]: segmentValue } : {}),
  };
}
