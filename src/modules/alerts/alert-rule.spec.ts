import { describe, expect, it } from 'vitest';
import { alertLabels, validateRule, type RuleModel } from './alert-rule.js';

const credit: RuleModel = { task: 'binary', features: ['age', 'income', 'a.b'], sensitive: ['gender'], segmentKeys: ['region', 'gender'] };
const lookup = (name: string) => (name === 'credit' ? credit : undefined);
const limits = { retentionMs: 30 * 86_400_000, maxStringLength: 256 };
const base = { name: 'loss-eu', model: 'credit', metric: 'performance.meanLoss', threshold: 0.7 };

const refusal = (body: Record<string, unknown>) => {
  try {
    validateRule(body, lookup, limits);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('alert rule validation', () => {
  it('fills the defaults', () => {
    expect(validateRule(base, lookup, limits)).toEqual({
      ...base,
      segment: null,
      op: '>',
      window: '1h',
      for: '0s',
      keepFiringFor: '0s',
      severity: 'warning',
      labels: {},
      annotations: {},
    });
  });

  it.each([
    ['performance.f1', 'accepted'],
    ['estimated.calibrationGap', 'accepted'],
    ['drift.age.psi', 'accepted'],
    ['drift.a.b.drift', 'accepted'],
    ['drift.__prediction__.jsDistance', 'accepted'],
    ['fairness.gender.disparateImpact', 'accepted'],
    ['serving.p99LatencySeconds', 'accepted'],
    ['performance.mae', /performance field for a binary model: "mae" is unknown/],
    ['drift.height.psi', /feature "height" is unknown/],
    ['drift.age.kind', /drift field "kind" is unknown/],
    ['fairness.region.disparateImpact', /sensitive attribute "region" is unknown/],
    ['fairness.gender.nope', /disparity "nope" is unknown/],
    ['serving.qps', /serving figure "qps" is unknown/],
    ['loss', /metric "loss" is unknown/],
  ])('metric %s', (metric, expected) => {
    const result = refusal({ ...base, metric });
    if (expected === 'accepted') expect(result).toBe('accepted');
    else expect(result).toMatch(expected);
  });

  it.each([
    [{ model: 'nope' }, /model "nope" is unknown/],
    [{ segment: { key: 'country', value: 'fr' } }, /segment key "country" is unknown for model "credit" \(its segment keys: region, gender\)/],
    [{ segment: { key: 'region' } }, /"segment" must be/],
    [{ metric: 'serving.errorRate', segment: { key: 'region', value: '*' } }, /not reported per segment/],
    [{ threshold: 'NaN' }, /"threshold" must be a finite number/],
    [{ threshold: null }, /"threshold" must be a finite number/],
    [{ op: '=>' }, /"op" must be one of/],
    [{ window: '45d' }, /longer than the retention/],
    [{ window: 'soon' }, /"window": "soon" is not a duration/],
    [{ metric: 'serving.errorRate', window: '2d' }, /longer than 24h/],
    [{ for: '-1m' }, /"for"/],
    [{ labels: { model: 'x' } }, /label "model" is set by Plumbline/],
    [{ segment: { key: 'region', value: 'eu' }, labels: { region: 'x' } }, /label "region" is set by Plumbline/],
    [{ labels: { 'bad-name': 'x' } }, /label name "bad-name"/],
    [{ annotations: { summary: 3 } }, /"annotations.summary" must be a string/],
    [{ colour: 'red' }, /unknown field "colour"/],
  ])('refuses %j', (change, message) => {
    expect(refusal({ ...base, ...change })).toMatch(message);
  });

  it('labels an alert with alertname, model, severity, the segment and the rule labels', () => {
    const rule = validateRule({ ...base, segment: { key: 'region', value: '*' }, labels: { team: 'risk' } }, lookup, limits);
    expect(alertLabels(rule, 'eu')).toEqual({ alertname: 'loss-eu', model: 'credit', severity: 'warning', region: 'eu', team: 'risk' });
    expect(alertLabels({ ...rule, segment: null }, null)).toEqual({ alertname: 'loss-eu', model: 'credit', severity: 'warning', team: 'risk' });
  });
});
