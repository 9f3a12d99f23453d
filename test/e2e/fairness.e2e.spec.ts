import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtureModels, FIXTURE_MODELS, getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectError, putJson } from './e2e-support.js';
import { prng } from '../../scripts/prng.mjs';

// ---------------------------------------------------------------------------------------------
// The expected numbers, computed here from the traffic the test sent, with the formulas of
// METRICS §1 and §4 written out plainly (no server code is imported).
// ---------------------------------------------------------------------------------------------

interface Sent {
  id: string;
  gender: string;
  /** p(grant), the positive class's probability. */
  p: number;
  /** 'grant' | 'deny' if labeled. */
  label?: string;
}

const EPS = 1e-15;
const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const ratio = (x: number, n: number) => (n === 0 ? null : x / n);

/** G of METRICS §4 for the rows of one group, for class `positive` ('grant' or 'deny') against the other. */
function expectedGroup(rows: Sent[], positive: 'grant' | 'deny') {
  const decided = (row: Sent) => (row.p >= 0.5 ? 'grant' : 'deny');
  const labeled = rows.filter((row) => row.label !== undefined);
  const tp = labeled.filter((row) => row.label === positive && decided(row) === positive).length;
  const fn = labeled.filter((row) => row.label === positive && decided(row) !== positive).length;
  const fp = labeled.filter((row) => row.label !== positive && decided(row) === positive).length;
  const tn = labeled.filter((row) => row.label !== positive && decided(row) !== positive).length;
  // log_loss: −ln clip(p_k), k the true class; the stored row is [1 − p, p].
  const losses = labeled.map((row) => -Math.log(clip(row.label === 'grant' ? row.p : 1 - row.p)));
  return {
    count: rows.length,
    labeled: labeled.length,
    selectionRate: ratio(rows.filter((row) => decided(row) === positive).length, rows.length),
    tpr: ratio(tp, tp + fn),
    fpr: ratio(fp, fp + tn),
    accuracy: ratio(tp + tn, labeled.length),
    meanLoss: ratio(sum(losses), labeled.length),
    positiveRate: ratio(tp + fn, labeled.length),
  };
}

type Group = ReturnType<typeof expectedGroup>;

/** F of METRICS §4 over the groups with ≥ minSamples labeled rows (no group here lacks positives or negatives). */
function expectedDisparities(groups: Record<string, Group>, minSamples: number, privileged: string) {
  const kept = Object.entries(groups).filter(([, g]) => g.labeled >= minSamples);
  const of = (pick: (g: Group) => number | null) => kept.map(([, g]) => pick(g)!);
  const spreadOf = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  const rates = of((g) => g.selectionRate);
  const p = groups[privileged];
  const unprivileged = kept.filter(([value]) => value !== privileged).map(([, g]) => g);
  const odds = unprivileged.map((u) => 0.5 * (u.fpr! - p.fpr! + (u.tpr! - p.tpr!)));
  return {
    demographicParityDifference: spreadOf(rates),
    demographicParityRatio: Math.min(...rates) / Math.max(...rates),
    disparateImpact: Math.min(...unprivileged.map((u) => u.selectionRate! / p.selectionRate!)),
    equalOpportunityDifference: spreadOf(of((g) => g.tpr)),
    equalizedOddsDifference: Math.max(spreadOf(of((g) => g.tpr)), spreadOf(of((g) => g.fpr))),
    averageOddsDifference: odds.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best)),
    lossRatio: Math.max(...of((g) => g.meanLoss)) / Math.min(...of((g) => g.meanLoss)),
  };
}

/** Same keys; numbers equal within 1e-12 (relative to the larger of 1 and |expected|); nulls exactly. */
function expectNumbers(actual: any, expected: Record<string, number | null>, where: string): void {
  expect(Object.keys(actual ?? {}).sort(), `${where}: fields of ${JSON.stringify(actual)}`).toEqual(Object.keys(expected).sort());
  for (const [field, want] of Object.entries(expected)) {
    if (want === null) expect(actual[field], `${where}.${field}`).toBeNull();
    else expect(Math.abs(actual[field] - want), `${where}.${field}: ${actual[field]} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
  }
}

/** A deterministic PRNG (mulberry32), so a failure can be replayed. */
const random = prng;

/** `plumbline_<name>` series of one model as "labels" → value. */
async function series(url: string, name: string, model: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^plumbline_${name}\\{(.*)\\} (\\S+)$`).exec(line);
    if (match && match[1].includes(`model="${model}"`)) found.set(match[1].replace(`model="${model}",`, ''), Number(match[2]));
  }
  return found;
}

describe('GET /api/models/{m}/fairness against an independent computation from the raw traffic', () => {
  let server: TestApp;
  const run = uniqueId('fair').replace(/^fair-/, '').replaceAll('-', '_');
  const credit = `fair_credit_${run}`;
  const MIN_SAMPLES = 20;
  const sent: Sent[] = [];
  const from = new Date(Date.now() - 3_600_000).toISOString();
  let to: string;
  const window = () => `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_GAUGE_INTERVAL: '300ms', PLUMBLINE_PERFORMANCE_WINDOWS: '1h,24h' });
    const config = {
      task: 'binary',
      features: ['income'],
      classes: ['deny', 'grant'],
      segments: ['region'],
      sensitive: ['gender', 'age_band'],
      privileged: { gender: 'm' },
      fairness: { minSamples: MIN_SAMPLES },
    };
    expect((await putJson(`${server.url}/api/models/${credit}/config`, config)).status).toBe(200);

    // Biased traffic: the same true rate of "grant" in m and f, but f's scores are pushed down by 0.2,
    // so the model grants f less often and misses more of f's true grants. "x" is a small group
    // (10 predictions, 8 labeled): below minSamples, reported but left out of the disparities.
    const next = random(20261128);
    const sizes = { m: 140, f: 120, x: 10 };
    for (const [gender, n] of Object.entries(sizes)) {
      for (let i = 0; i < n; i++) {
        const truth = next() < 0.45 ? 'grant' : 'deny';
        const score = (truth === 'grant' ? 0.68 : 0.32) + (next() - 0.5) * 0.5 - (gender === 'f' ? 0.2 : 0);
        const p = Math.round(Math.min(Math.max(score, 0.001), 0.999) * 1000) / 1000;
        // Labels for 80% of the predictions (every fifth stays unlabeled).
        sent.push({ id: `${gender}-${i}`, gender, p, label: i % 5 === 4 ? undefined : truth });
      }
    }
  });
  afterAll(() => server?.close());

  const records = () => sent.map((row) => ({ id: row.id, features: { income: row.p }, output: row.p, segments: { gender: row.gender, region: 'eu' } }));
  const groupsOf = (positive: 'grant' | 'deny') => Object.fromEntries(['f', 'm', 'x'].map((g) => [g, expectedGroup(sent.filter((row) => row.gender === g), positive)]));

  it('answers selection rates before any label arrives, and leaves every group out of the disparities for want of labels', async () => {
    // Some labels arrive before their predictions: pending, joined before the query answers.
    const early = sent.filter((row) => row.label !== undefined).slice(0, 15);
    const pending = await postJson(`${server.url}/api/models/${credit}/labels`, { labels: early.map((row) => ({ id: row.id, label: row.label })) });
    expect(pending.body.pending).toBe(15);

    expect((await postJson(`${server.url}/api/models/${credit}/predictions`, { records: records() })).status).toBe(200);
    to = new Date(Date.now() + 60_000).toISOString();
    const response = await getJson(`${server.url}/api/models/${credit}/fairness?attribute=gender&${window()}`);
    expect(response.status).toBe(200);
    const unlabeled = sent.map((row) => (early.includes(row) ? row : { ...row, label: undefined }));
    for (const g of ['f', 'm', 'x']) {
      expectNumbers(response.body.groups[g], expectedGroup(unlabeled.filter((row) => row.gender === g), 'grant'), `groups.${g}`);
    }
    expect(response.body.groups.f.selectionRate).toBeLessThan(response.body.groups.m.selectionRate);
    expect(Object.keys(response.body.excluded).sort()).toEqual(['f', 'm', 'x']);
    expect(Object.values(response.body.disparities).every((value) => value === null)).toBe(true);
    expect(response.body.nullReasons.demographicParityDifference).toMatch(/minSamples/);
  });

  it('with labels for 80% of the predictions: every group figure and disparity equals the independent computation', async () => {
    const rest = sent.filter((row) => row.label !== undefined).slice(15);
    const labeled = await postJson(`${server.url}/api/models/${credit}/labels`, { labels: rest.map((row) => ({ id: row.id, label: row.label })) });
    expect(labeled.body.matched).toBe(rest.length);

    const response = await getJson(`${server.url}/api/models/${credit}/fairness?attribute=gender&${window()}`);
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({ model: credit, attribute: 'gender', task: 'binary', class: 'grant', privileged: 'm', minSamples: MIN_SAMPLES, version: null, from, to });
    const groups = groupsOf('grant');
    expect(Object.keys(body.groups).sort()).toEqual(['f', 'm', 'x']);
    for (const [g, expected] of Object.entries(groups)) expectNumbers(body.groups[g], expected, `groups.${g}`);
    expect(groups.x.labeled).toBe(8);
    expect(body.excluded).toEqual({ x: `8 labeled predictions, fewer than fairness.minSamples (${MIN_SAMPLES})` });

    const { x: _small, ...kept } = groups;
    const disparities = expectedDisparities(kept, MIN_SAMPLES, 'm');
    expectNumbers(body.disparities, disparities, 'disparities');
    expect(body.nullReasons).toEqual({});
    // The bias shows: f is granted far less often than m.
    expect(body.disparities.disparateImpact).toBeLessThan(0.8);
    expect(body.disparities.demographicParityDifference).toBeGreaterThan(0.1);

    // The other class of a binary model: the same rows seen with "deny" as the positive decision.
    const deny = await getJson(`${server.url}/api/models/${credit}/fairness?attribute=gender&class=deny&${window()}`);
    expect(deny.body.class).toBe('deny');
    for (const [g, expected] of Object.entries(groupsOf('deny'))) expectNumbers(deny.body.groups[g], expected, `deny groups.${g}`);

    // An attribute no prediction carried: no groups, nothing to compare.
    const empty = await getJson(`${server.url}/api/models/${credit}/fairness?attribute=age_band&${window()}`);
    expect(empty.status).toBe(200);
    expect(empty.body.groups).toEqual({});
    expect(empty.body.disparities.demographicParityDifference).toBeNull();
  });

  it('exports plumbline_fairness per window and the per-group plumbline_performance series of the sensitive key, with selectionRate', async () => {
    const groups = groupsOf('grant');
    const { x: _small, ...kept } = groups;
    const disparities = expectedDisparities(kept, MIN_SAMPLES, 'm');
    const key = (metric: string, window = '1h') => `version="",attribute="gender",metric="${metric}",window="${window}"`;
    await expect.poll(async () => (await series(server.url, 'fairness', credit)).get(key('lossRatio')), { timeout: 10_000 }).toBeCloseTo(disparities.lossRatio, 12);
    const fairness = await series(server.url, 'fairness', credit);
    for (const window of ['1h', '24h']) {
      for (const [metric, value] of Object.entries(disparities)) expect(fairness.get(key(metric, window)), `${metric} ${window}`).toBeCloseTo(value, 12);
    }
    // The monitoring-only model has no versions: only the all-versions series. age_band has no groups: every disparity is null, so no sample.
    expect([...fairness.keys()].filter((labels) => !labels.startsWith('version="",attribute="gender"'))).toEqual([]);

    // The performance gauges refresh on their own clock: wait until they have seen every label.
    const perGroup = (g: string, metric: string) => `version="",segment_key="gender",segment="${g}",metric="${metric}",window="1h"`;
    await expect.poll(async () => (await series(server.url, 'performance', credit)).get(perGroup('m', 'labeled')), { timeout: 10_000 }).toBe(groups.m.labeled);
    const performance = await series(server.url, 'performance', credit);
    const segment = (g: string, metric: string) => performance.get(perGroup(g, metric));
    for (const [g, expected] of Object.entries(groups)) {
      expect(segment(g, 'count')).toBe(expected.count);
      expect(segment(g, 'labeled')).toBe(expected.labeled);
      expect(segment(g, 'selectionRate')).toBeCloseTo(expected.selectionRate!, 12);
      expect(segment(g, 'recall')).toBeCloseTo(expected.tpr!, 12);
    }
  });
});

describe('fairness of a served model per version', () => {
  let server: TestApp;
  const model = `fair_multi_${uniqueId('v').replace(/^v-/, '').replaceAll('-', '_')}`;

  beforeAll(async () => {
    // A copy of the fixture "multi" (binary, versions 1 and 2, sensitive gender) with minSamples 1.
    const root = copyFixtureModels();
    cpSync(join(FIXTURE_MODELS, 'multi'), join(root, model), { recursive: true });
    const config = JSON.parse(readFileSync(join(root, model, 'config.json'), 'utf8'));
    writeFileSync(join(root, model, 'config.json'), JSON.stringify({ ...config, fairness: { minSamples: 1 } }));
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: root, PLUMBLINE_GAUGE_INTERVAL: '300ms', PLUMBLINE_PERFORMANCE_WINDOWS: '1h' });
  });
  afterAll(() => server?.close());

  it('answers per version and all versions, and exports plumbline_fairness with the version label', async () => {
    const seen: Array<{ version: string; gender: string; p: number; truth: string }> = [];
    const infer = async (version: string, gender: string, x: Array<[number, number]>) => {
      const ids = x.map(() => uniqueId('fv'));
      const inputs = [
        { name: 'input', shape: [x.length, 2], datatype: 'FP32', data: x.flat() },
        { name: 'prediction_id', shape: [x.length], datatype: 'BYTES', data: ids },
      ];
      const response = await postJson(`${server.url}/v2/models/${model}/versions/${version}/infer`, { inputs, parameters: { gender } });
      expect(response.status).toBe(200);
      const probabilities = response.body.outputs.find((tensor: { name: string }) => tensor.name === 'probabilities').data as number[];
      const labels = ids.map((id, i) => {
        const truth = i % 2 === 0 ? 'pos' : 'neg';
        seen.push({ version, gender, p: probabilities[2 * i + 1], truth });
        return { id, label: truth };
      });
      expect((await postJson(`${server.url}/api/models/${model}/labels`, { labels })).body.matched).toBe(ids.length);
    };
    await infer('1', 'f', [[2, 0], [0, 2], [1, 0.5], [0.2, 1]]);
    await infer('1', 'm', [[1.5, 1.4], [0, 0.1], [3, 1], [0.4, 0.6]]);
    await infer('2', 'f', [[0, 2], [0.2, 1], [0.1, 0.3]]);
    await infer('2', 'm', [[2, 0], [1, 0.5], [3, 1], [1.5, 1.4]]);

    const to = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    const rates = new Map<string, number>();
    for (const version of [undefined, '1', '2']) {
      const response = await getJson(`${server.url}/api/models/${model}/fairness?attribute=gender&to=${to}${version ? `&version=${version}` : ''}`);
      expect(response.status).toBe(200);
      expect(response.body.version).toBe(version ?? null);
      const rows = seen.filter((row) => version === undefined || row.version === version);
      const rate = (g: string) => rows.filter((row) => row.gender === g && row.p >= 0.5).length / rows.filter((row) => row.gender === g).length;
      expect(response.body.groups.f.count).toBe(rows.filter((row) => row.gender === 'f').length);
      expect(response.body.groups.f.selectionRate).toBe(rate('f'));
      expect(response.body.groups.m.selectionRate).toBe(rate('m'));
      expect(response.body.disparities.demographicParityDifference).toBeCloseTo(Math.abs(rate('f') - rate('m')), 15);
      rates.set(version ?? '', response.body.disparities.demographicParityDifference);
    }
    const key = (version: string) => `version="${version}",attribute="gender",metric="demographicParityDifference",window="1h"`;
    await expect.poll(async () => (await series(server.url, 'fairness', model)).get(key('2')), { timeout: 10_000 }).toBeCloseTo(rates.get('2')!, 15);
    const fairness = await series(server.url, 'fairness', model);
    for (const [version, value] of rates) expect(fairness.get(key(version)), `version "${version}"`).toBeCloseTo(value, 15);
  });
});

describe('GET /api/models/{m}/fairness: bad input', () => {
  let server: TestApp;
  const run = uniqueId('fairbad').replace(/^fairbad-/, '').replaceAll('-', '_');
  const names = { binary: `fairbad_bin_${run}`, prices: `fairbad_reg_${run}`, multi: `fairbad_multi_${run}`, plain: `fairbad_plain_${run}` };
  const get = (model: string, query: string) => getJson(`${server.url}/api/models/${model}/fairness?${query}`);

  beforeAll(async () => {
    server = await startTestApp();
    const put = (name: string, config: unknown) => putJson(`${server.url}/api/models/${name}/config`, config);
    expect((await put(names.binary, { task: 'binary', features: ['x'], segments: ['region'], sensitive: ['gender', 'age_band'] })).status).toBe(200);
    expect((await put(names.prices, { task: 'regression', features: ['x'], sensitive: ['gender'], fairness: { minSamples: 1 } })).status).toBe(200);
    expect((await put(names.multi, { task: 'multiclass', features: ['x'], classes: ['a', 'b', 'c'], sensitive: ['gender'] })).status).toBe(200);
    expect((await put(names.plain, { task: 'binary', features: ['x'], segments: ['region'] })).status).toBe(200);
  });
  afterAll(() => server?.close());

  it('an attribute that is not declared sensitive is a 400 naming the declared ones', async () => {
    expectError(await get(names.binary, 'attribute=region'), 400, 'BAD_REQUEST', /sensitive attributes \(gender, age_band\)/);
    expectError(await get(names.binary, ''), 400, 'BAD_REQUEST', /gender, age_band/);
    expectError(await get(names.plain, 'attribute=region'), 400, 'BAD_REQUEST', /none; declare them in config.json "sensitive"/);
  });

  it('a regressor asked for selection rates (a class) is a 400; without a class it reports meanLoss, mae and lossRatio', async () => {
    expectError(await get(names.prices, 'attribute=gender&class=1'), 400, 'BAD_REQUEST', /regressor has no classes, so no selection rate/);
    const records = [
      { id: 'a', features: { x: 1 }, output: 1, segments: { gender: 'f' } },
      { id: 'b', features: { x: 1 }, output: 2, segments: { gender: 'f' } },
      { id: 'c', features: { x: 1 }, output: 3, segments: { gender: 'm' } },
    ];
    expect((await postJson(`${server.url}/api/models/${names.prices}/predictions`, { records })).status).toBe(200);
    const labels = [{ id: 'a', label: 2 }, { id: 'b', label: 2 }, { id: 'c', label: 1 }];
    expect((await postJson(`${server.url}/api/models/${names.prices}/labels`, { labels })).body.matched).toBe(3);
    const response = await get(names.prices, 'attribute=gender');
    expect(response.status).toBe(200);
    // f: residuals 1, 0 → mse 0.5, mae 0.5; m: residual −2 → mse 4, mae 2; lossRatio = 4 / 0.5.
    expect(response.body).toMatchObject({ task: 'regression', class: null, groups: { f: { count: 2, labeled: 2, meanLoss: 0.5, mae: 0.5 }, m: { count: 1, labeled: 1, meanLoss: 4, mae: 2 } } });
    expect(Object.keys(response.body.groups.f).sort()).toEqual(['count', 'labeled', 'mae', 'meanLoss']);
    expect(response.body.disparities).toEqual({ lossRatio: 8 });
  });

  it('a multiclass model needs a class, one of its own', async () => {
    expectError(await get(names.multi, 'attribute=gender'), 400, 'BAD_REQUEST', /"class" is required for a multiclass model .*: one of a, b, c/);
    expectError(await get(names.multi, 'attribute=gender&class=d'), 400, 'BAD_REQUEST', /one of the model's classes \(a, b, c\)/);
    const response = await get(names.multi, 'attribute=gender&class=c');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ task: 'multiclass', class: 'c', groups: {} });
    expectError(await get(names.binary, 'attribute=gender&class=maybe'), 400, 'BAD_REQUEST', /one of the model's classes \(0, 1\)/);
  });

  it('an unknown model is a 404; a bad window or version is a 400', async () => {
    expectError(await get(`nosuch_${run}`, 'attribute=gender'), 404, 'MODEL_NOT_FOUND');
    expectError(await get(names.binary, 'attribute=gender&from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z'), 400, 'BAD_REQUEST', /must be before/);
    expectError(await get(names.binary, 'attribute=gender&from=yesterday'), 400, 'BAD_REQUEST', /RFC 3339/);
    expectError(await get(names.binary, 'attribute=gender&version=latest'), 400, 'BAD_REQUEST', /version number/);
    expectError(await get(names.binary, 'attribute=gender&version=99'), 404, 'VERSION_NOT_FOUND', /99/);
  });
});
