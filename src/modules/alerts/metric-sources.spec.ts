import { describe, expect, it } from 'vitest';
import { compileRule, type AlertRule, type RuleModel } from './alert-rule.js';
import { DriftSource, FairnessSource, MissingSource, numeric, PerformanceSource, ServingSource, type MonitoringQuery } from './metric-sources.js';

const model: RuleModel = { task: 'binary', features: ['age'], sensitive: ['gender'], segmentKeys: ['region', 'gender'] };
const window = { from: new Date('2026-11-27T10:00:00Z'), to: new Date('2026-11-27T11:00:00Z') };

function rule(metric: string, segment: AlertRule['segment'] = null) {
  const stored: AlertRule = {
    id: 'r',
    name: 'n',
    model: 'credit',
    metric,
    segment,
    op: '>',
    threshold: 0,
    window: '1h',
    for: '0s',
    keepFiringFor: '0s',
    severity: 'warning',
    labels: {},
    annotations: {},
    createdAt: '',
    updatedAt: '',
  };
  return compileRule(stored, model)!;
}

const D = (psi: number | null, drift: boolean | null) => ({ kind: 'numeric', method: 'psi', psi, drift, ks: null });

describe('metric sources', () => {
  it('numeric: finite numbers, booleans as 1/0, anything else no data', () => {
    expect([numeric(0.5), numeric(true), numeric(false), numeric(null), numeric(undefined), numeric(Number.NaN), numeric('1')]).toEqual([0.5, 1, 0, null, null, null, null]);
  });

  it('performance and estimated read P overall, one segment value (null when absent) or every value', async () => {
    const queries: [string, MonitoringQuery][] = [];
    const source = new PerformanceSource(async (name, query) => {
      queries.push([name, query]);
      return {
        overall: { meanLoss: 0.4, estimated: { accuracy: 0.8 } },
        segments: query.segment ? { eu: { meanLoss: 0.9, estimated: { accuracy: 0.7 } }, us: { meanLoss: null, estimated: {} } } : undefined,
      };
    });
    expect(await source.read(rule('performance.meanLoss'), window)).toEqual(new Map([['', 0.4]]));
    expect(await source.read(rule('estimated.accuracy'), window)).toEqual(new Map([['', 0.8]]));
    expect(await source.read(rule('performance.meanLoss', { key: 'region', value: 'eu' }), window)).toEqual(new Map([['eu', 0.9]]));
    expect(await source.read(rule('performance.meanLoss', { key: 'region', value: 'apac' }), window)).toEqual(new Map([['apac', null]]));
    expect(await source.read(rule('estimated.accuracy', { key: 'region', value: '*' }), window)).toEqual(
      new Map([
        ['eu', 0.7],
        ['us', null],
      ]),
    );
    expect(queries[0]).toEqual(['credit', { from: '2026-11-27T10:00:00.000Z', to: '2026-11-27T11:00:00.000Z' }]);
    expect(queries[2][1].segment).toBe('region');
  });

  it('drift reads D[feature][field] (drift: true → 1) overall or per segment', async () => {
    const source = new DriftSource(async (_name, query) => ({
      overall: { age: D(0.3, true), __prediction__: D(0.01, false) },
      ...(query.segment ? { segments: { f: { age: D(0.5, true) }, m: { age: D(null, null) } } } : {}),
    }));
    expect(await source.read(rule('drift.age.psi'), window)).toEqual(new Map([['', 0.3]]));
    expect(await source.read(rule('drift.age.drift'), window)).toEqual(new Map([['', 1]]));
    expect(await source.read(rule('drift.__prediction__.drift'), window)).toEqual(new Map([['', 0]]));
    expect(await source.read(rule('drift.age.ks'), window)).toEqual(new Map([['', null]]));
    expect(await source.read(rule('drift.age.psi', { key: 'gender', value: '*' }), window)).toEqual(
      new Map([
        ['f', 0.5],
        ['m', null],
      ]),
    );
  });

  it('fairness reads the disparity of the attribute', async () => {
    const asked: unknown[] = [];
    const source = new FairnessSource(async (name, query) => {
      asked.push([name, query.attribute]);
      return { disparities: { disparateImpact: 0.72, lossRatio: null } };
    });
    expect(await source.read(rule('fairness.gender.disparateImpact'), window)).toEqual(new Map([['', 0.72]]));
    expect(await source.read(rule('fairness.gender.lossRatio'), window)).toEqual(new Map([['', null]]));
    expect(asked[0]).toEqual(['credit', 'gender']);
  });

  it('serving reads this process figures over the rule window; a missing source is no data', async () => {
    const windows: number[] = [];
    const serving = new ServingSource((_name, ms) => {
      windows.push(ms);
      return { errorRate: 0.25, p99LatencySeconds: null };
    });
    expect(await serving.read(rule('serving.errorRate'))).toEqual(new Map([['', 0.25]]));
    expect(await serving.read(rule('serving.p99LatencySeconds'))).toEqual(new Map([['', null]]));
    expect(windows).toEqual([3_600_000, 3_600_000]);
    let warned = 0;
    const missing = new MissingSource(() => warned++);
    expect(await missing.read(rule('drift.age.psi'))).toEqual(new Map([['', null]]));
    expect(await missing.read(rule('drift.age.psi', { key: 'region', value: 'eu' }))).toEqual(new Map([['eu', null]]));
    expect(warned).toBe(2);
  });
});
