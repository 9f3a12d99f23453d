import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtureModels, FIXTURE_MODELS, getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectError, SKLEARN } from './e2e-support.js';

const DEMO_MODELS = join(import.meta.dirname, '..', '..', 'models');

// ---------------------------------------------------------------------------------------------
// The expected numbers, computed here from the outputs the server returned and the labels the
// test sent, with the formulas of METRICS §1–§2 written out plainly (no server code is imported).
// ---------------------------------------------------------------------------------------------

/** One prediction as the test saw it: the monitored output and, if labeled, the final label (class index or number). */
interface Seen {
  id: string;
  version: string;
  segments: Record<string, string>;
  output: number[] | number;
  truth?: number;
}

const EPS = 1e-15;
const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
/** x / n, and 0/0 → null. */
const ratio = (x: number, n: number) => (n === 0 ? null : x / n);
const argmax = (p: number[]) => p.reduce((best, value, j) => (value > p[best] ? j : best), 0);
/** −ln clip(p_k): METRICS §1 `log_loss`. */
const logLossOf = (p: number[], k: number) => -Math.log(clip(p[k]));
/** −Σ_j p_j ln clip(p_j): METRICS §2 `estimated.logLoss`. */
const entropyOf = (p: number[]) => -sum(p.map((pj) => pj * Math.log(clip(pj))));
/** Huber: ½r² if |r| ≤ δ else δ(|r| − ½δ), r = y − ŷ (METRICS §1). */
const huberOf = (r: number, delta: number) => (Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta));

/** Performance of a classifier over `rows` (METRICS §2); `positive` = −1 for multiclass; `loss` the configured per-request loss. */
function expectedClassifier(rows: Seen[], classes: number, positive: number, threshold = 0.5, loss: (p: number[], k: number, predicted: number) => number = logLossOf): Record<string, unknown> {
  const decide = (p: number[]) => (positive >= 0 ? (p[positive] >= threshold ? positive : 1 - positive) : argmax(p));
  const labeled = rows.filter((row) => row.truth !== undefined);
  // confusion[true][predicted], built here from the labels sent and the outputs returned.
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (const row of labeled) confusion[row.truth!][decide(row.output as number[])]++;
  const correct = sum(confusion.map((line, k) => line[k]));
  const accuracy = ratio(correct, labeled.length);
  const logLoss = ratio(sum(labeled.map((row) => logLossOf(row.output as number[], row.truth!))), labeled.length);
  const maxLabeled = ratio(sum(labeled.map((row) => Math.max(...(row.output as number[])))), labeled.length);
  const estimated = {
    accuracy: ratio(sum(rows.map((row) => Math.max(...(row.output as number[])))), rows.length),
    logLoss: ratio(sum(rows.map((row) => entropyOf(row.output as number[]))), rows.length),
    calibrationGap: maxLabeled === null || accuracy === null ? null : maxLabeled - accuracy,
  };
  const meanLoss = ratio(sum(labeled.map((row) => loss(row.output as number[], row.truth!, decide(row.output as number[])))), labeled.length);
  const base = { count: rows.length, labeled: labeled.length, meanLoss, accuracy, logLoss, estimated };
  if (positive < 0) {
    // Macro F1 over the classes that are true or predicted at least once: mean of 2TP / (2TP + FP + FN).
    const scores: number[] = [];
    for (let c = 0; c < classes; c++) {
      const tp = confusion[c][c];
      const actual = sum(confusion[c]);
      const predicted = sum(confusion.map((line) => line[c]));
      if (actual + predicted > 0) scores.push((2 * tp) / (actual + predicted));
    }
    return { ...base, f1: scores.length === 0 ? null : sum(scores) / scores.length };
  }
  const negative = 1 - positive;
  const tp = confusion[positive][positive];
  const fp = confusion[negative][positive];
  const fn = confusion[positive][negative];
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 = precision === null || recall === null || precision + recall === 0 ? null : (2 * precision * recall) / (precision + recall);
  return { ...base, precision, recall, f1 };
}

/** Performance of a regressor with the huber loss over `rows` (METRICS §2). */
function expectedRegression(rows: Seen[], delta: number): Record<string, unknown> {
  const residuals = rows.filter((row) => row.truth !== undefined).map((row) => row.truth! - (row.output as number));
  const mse = ratio(sum(residuals.map((r) => r * r)), residuals.length);
  return {
    count: rows.length,
    labeled: residuals.length,
    meanLoss: ratio(sum(residuals.map((r) => huberOf(r, delta))), residuals.length),
    mae: ratio(sum(residuals.map((r) => Math.abs(r))), residuals.length),
    mse,
    rmse: mse === null ? null : Math.sqrt(mse),
    estimated: {},
  };
}

/** Rows grouped by their value of segment `key` (rows without it are in no group). */
function bySegment(rows: Seen[], key: string): Map<string, Seen[]> {
  const groups = new Map<string, Seen[]>();
  for (const row of rows) {
    const value = row.segments[key];
    if (value !== undefined) groups.set(value, [...(groups.get(value) ?? []), row]);
  }
  return groups;
}

/** Same keys; numbers equal within 1e-9 (relative to the larger of 1 and |expected|); nulls exactly. */
function expectPerformance(actual: any, expected: Record<string, unknown>, where: string): void {
  expect(Object.keys(actual ?? {}).sort(), `${where}: fields of ${JSON.stringify(actual)}`).toEqual(Object.keys(expected).sort());
  for (const [field, want] of Object.entries(expected)) {
    const got = actual[field];
    if (want !== null && typeof want === 'object') {
      expectPerformance(got, want as Record<string, unknown>, `${where}.${field}`);
    } else if (want === null) {
      expect(got, `${where}.${field}`).toBeNull();
    } else {
      expect(typeof got, `${where}.${field} = ${JSON.stringify(got)}`).toBe('number');
      const tolerance = 1e-9 * Math.max(1, Math.abs(want as number));
      expect(Math.abs(got - (want as number)), `${where}.${field}: ${got} vs ${String(want)}`).toBeLessThanOrEqual(tolerance);
    }
  }
}

/** The response's segments equal the expected performance of each group, and no other values are there. */
function expectSegments(actual: any, groups: Map<string, Seen[]>, expected: (rows: Seen[]) => Record<string, unknown>, where: string): void {
  expect(Object.keys(actual ?? {}).sort(), `${where}: segment values`).toEqual([...groups.keys()].sort());
  for (const [value, rows] of groups) expectPerformance(actual[value], expected(rows), `${where}[${value}]`);
}

const minutes = (n: number) => n * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('GET /api/models/{m}/performance against values computed independently from the outputs and labels', () => {
  let server: TestApp;
  // Each test has its own copy of a fixture model under a name unique to this run: the database is
  // shared with other test files and earlier runs, and nothing else writes to these names.
  const run = uniqueId('perf').replace(/^perf-/, '');
  const names = {
    credit: `lbl-perf-credit-${run}`,
    multi: `lbl-perf-multi-${run}`,
    prices: `lbl-perf-prices-${run}`,
    iris: `lbl-perf-iris-${run}`,
    brier: `lbl-perf-brier-${run}`,
    cost: `lbl-perf-cost-${run}`,
  };

  beforeAll(async () => {
    const root = copyFixtureModels();
    cpSync(join(FIXTURE_MODELS, 'credit'), join(root, names.credit), { recursive: true });
    cpSync(join(FIXTURE_MODELS, 'multi'), join(root, names.multi), { recursive: true });
    cpSync(join(FIXTURE_MODELS, 'prices'), join(root, names.prices), { recursive: true });
    cpSync(join(DEMO_MODELS, 'iris'), join(root, names.iris), { recursive: true });
    const config = (name: string, body: unknown) => {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'config.json'), JSON.stringify(body));
    };
    config(names.brier, { task: 'multiclass', features: ['x'], classes: ['a', 'b', 'c'], loss: { name: 'brier', classWeights: { c: 3 } }, segments: ['site'] });
    config(names.cost, { task: 'binary', features: ['x'], classes: ['ok', 'bad'], positiveClass: 'bad', threshold: 0.3, loss: { name: 'log_loss', costMatrix: [[0, 1], [5, 0]] } });
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: root });
  });
  afterAll(() => server?.close());

  const api = (model: string, path: string) => `${server.url}/api/models/${model}/${path}`;
  const label = (model: string, labels: unknown[], overwrite = false) => postJson(api(model, `labels${overwrite ? '?overwrite=true' : ''}`), { labels });
  const performance = (model: string, params: Record<string, string> = {}) => getJson(`${api(model, 'performance')}?${new URLSearchParams(params)}`);
  const ok = <T extends { status: number; body: any }>(response: T): T['body'] => {
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };

  it('binary (credit, records API): pending labels joined, duplicates, rejections and overwrites; overall and per region, channel, gender', async () => {
    const model = names.credit;
    const positive = 1; // classes [repaid, default], positiveClass "default"
    const ids = Array.from({ length: 36 }, () => uniqueId('pc'));
    const segmentsOf = (i: number): Record<string, string> => ({
      region: ['eu', 'us', 'apac'][i % 3],
      // every fourth record carries no channel: it is in no channel slice, but in the overall one
      ...(i % 4 === 3 ? {} : { channel: i % 2 === 0 ? 'web' : 'branch' }),
      gender: i % 5 < 2 ? 'f' : 'm',
    });
    // Between a low-risk and a high-risk applicant (SKLEARN.credit rows 2 and 4), in a scrambled order.
    const [low, high] = [SKLEARN.credit.rows[2], SKLEARN.credit.rows[4]];
    const features = (i: number) => {
      const t = ((i * 13) % 36) / 35;
      return Object.fromEntries(SKLEARN.credit.features.map((name, j) => [name, low[j] + t * (high[j] - low[j])]));
    };
    const truth = new Map<string, number>();

    // 1. Labels for ids 0..5 arrive before their predictions: held as pending (as a class name or a class index).
    const early = ids.slice(0, 6).map((id, i) => ({ id, label: i % 2 === 0 ? 'default' : 0 }));
    expect(ok(await label(model, early))).toEqual({ matched: 0, pending: 6, duplicate: 0, rejected: [] });
    early.forEach(({ id, label: value }) => truth.set(id, value === 'default' ? 1 : 0));

    // 2. The predictions, in two requests.
    const seen: Seen[] = [];
    for (const part of [ids.slice(0, 18), ids.slice(18)]) {
      const records = part.map((id) => ({ id, features: features(ids.indexOf(id)), segments: segmentsOf(ids.indexOf(id)) }));
      const body = ok(await postJson(api(model, 'predict'), { records }));
      body.predictions.forEach((prediction: { id: string; output: number[] }, i: number) => {
        expect(prediction.id).toBe(part[i]);
        seen.push({ id: prediction.id, version: body.version, segments: records[i].segments, output: prediction.output });
      });
    }

    // 3. Labels for 6..29: class names and class indices; a rejected item does not stop the rest.
    const later = ids.slice(6, 30).map((id, j) => {
      const k = (j * 7) % 5 < 2 ? 1 : 0;
      truth.set(id, k);
      return { id, label: j % 3 === 0 ? k : ['repaid', 'default'][k] };
    });
    const third = ok(await label(model, [...later, { id: ids[30], label: 'maybe' }, { id: ids[31], label: 2 }]));
    expect(third).toMatchObject({ matched: 24, pending: 0, duplicate: 0 });
    expect(third.rejected.map((item: { id: string }) => item.id)).toEqual([ids[30], ids[31]]);

    // 4. The same labels again are duplicates; different ones are rejected; with ?overwrite=true they replace the old ones.
    const fourth = ok(await label(model, [
      { id: ids[6], label: ['repaid', 'default'][truth.get(ids[6])!] },
      { id: ids[7], label: truth.get(ids[7]) },
      { id: ids[8], label: 1 - truth.get(ids[8])! },
    ]));
    expect(fourth).toMatchObject({ matched: 0, pending: 0, duplicate: 2 });
    expect(fourth.rejected).toEqual([{ id: ids[8], error: expect.stringMatching(/overwrite/) }]);
    const flipped = [ids[9], ids[10], ids[11], ids[12]];
    const fifth = ok(await label(model, flipped.map((id) => ({ id, label: 1 - truth.get(id)! })), true));
    expect(fifth).toEqual({ matched: 4, pending: 0, duplicate: 0, rejected: [] });
    flipped.forEach((id) => truth.set(id, 1 - truth.get(id)!));
    // Overwriting with the label it already has is a duplicate, not a second count.
    expect(ok(await label(model, [{ id: ids[9], label: truth.get(ids[9]) }], true))).toMatchObject({ matched: 0, duplicate: 1 });

    for (const row of seen) row.truth = truth.get(row.id);
    const labeledCount = seen.filter((row) => row.truth !== undefined).length;
    expect(labeledCount).toBe(30);
    // The scenario is only worth something if every cell of the confusion matrix is used.
    const cells = new Set(seen.filter((row) => row.truth !== undefined).map((row) => `${row.truth}${(row.output as number[])[positive] >= 0.5 ? 1 : 0}`));
    expect([...cells].sort()).toEqual(['00', '01', '10', '11']);

    // 5. The query joins the pending labels of 0..5 first, so it reflects them at once.
    const window = { from: iso(Date.now() - minutes(10)), to: iso(Date.now() + minutes(5)) };
    const expected = (rows: Seen[]) => expectedClassifier(rows, 2, positive);
    const overall = ok(await performance(model, window));
    expect(overall).toMatchObject({ model, from: window.from, to: window.to, version: null });
    expect(overall.segments).toBeUndefined();
    expectPerformance(overall.overall, expected(seen), 'overall');
    for (const key of ['region', 'channel', 'gender']) {
      const sliced = ok(await performance(model, { ...window, segment: key }));
      expectPerformance(sliced.overall, expected(seen), `overall (segment=${key})`);
      expectSegments(sliced.segments, bySegment(seen, key), expected, key);
    }
    // Per version: the only version there is; one the model does not have is a 404 (DESIGN §5).
    expectPerformance(ok(await performance(model, { ...window, version: '1' })).overall, expected(seen), 'version 1');
    expectError(await performance(model, { ...window, version: '7' }), 404, 'VERSION_NOT_FOUND');

    // 6. The stored loss of a pending-then-joined label and of an overwritten one is −ln clip(p_k) of the final label.
    for (const row of [seen[0], seen[1], seen[9], seen[12]]) {
      const stored = ok(await getJson(api(model, `predictions/${row.id}`)));
      expect(stored.label).toBe(['repaid', 'default'][row.truth!]);
      expect(stored.loss).toBeCloseTo(logLossOf(row.output as number[], row.truth!), 12);
      expect(Date.parse(stored.labeledAt)).toBeGreaterThanOrEqual(Date.parse(stored.timestamp));
    }
  });

  it('binary over OIP, two versions of multi: per version and all versions, per region from a tensor and from a request parameter', async () => {
    const model = names.multi;
    const seen: Seen[] = [];
    const infer = async (version: string, x: Array<[number, number]>, segments: { region?: string[]; parameters?: Record<string, string> }) => {
      const ids = x.map(() => uniqueId('pm'));
      const inputs: unknown[] = [
        { name: 'input', shape: [x.length, 2], datatype: 'FP32', data: x.flat() },
        { name: 'prediction_id', shape: [x.length], datatype: 'BYTES', data: ids },
      ];
      if (segments.region) inputs.push({ name: 'region', shape: [x.length], datatype: 'BYTES', data: segments.region });
      const body = ok(await postJson(`${server.url}/v2/models/${model}/versions/${version}/infer`, { inputs, ...(segments.parameters ? { parameters: segments.parameters } : {}) }));
      expect(body.model_version).toBe(version);
      const probabilities = body.outputs.find((tensor: { name: string }) => tensor.name === 'probabilities');
      expect(probabilities.shape).toEqual([x.length, 2]);
      ids.forEach((id, i) => {
        const rowSegments = { ...(segments.parameters ?? {}), ...(segments.region ? { region: segments.region[i] } : {}) };
        seen.push({ id, version, segments: rowSegments, output: probabilities.data.slice(2 * i, 2 * i + 2) });
      });
    };
    const grid: Array<[number, number]> = [[2, 0], [0, 2], [1, 0.5], [0.2, 1], [1.5, 1.4], [0, 0.1], [3, 1], [0.4, 0.6]];
    await infer('1', grid, { region: ['eu', 'eu', 'us', 'us', 'eu', 'us', 'eu', 'us'] });
    await infer('2', grid.slice(0, 5), { parameters: { region: 'apac', gender: 'f' } });
    await infer('2', grid.slice(3), { region: ['eu', 'us', 'us', 'apac', 'eu'], parameters: { gender: 'm' } });
    // p(pos) = sigmoid(k (x0 − x1)) with k = 1 (v1) and 2 (v2): the same inputs give different outputs per version.
    expect((seen[0].output as number[])[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect((seen[8].output as number[])[1]).toBeCloseTo(1 / (1 + Math.exp(-4)), 6);

    // Labels: class names and indices; two left unlabeled; a pending one for a prediction that never comes.
    const labels = seen.slice(0, -2).map((row, i) => {
      row.truth = i % 3 === 0 ? 0 : 1;
      return { id: row.id, label: i % 2 === 0 ? ['neg', 'pos'][row.truth] : row.truth };
    });
    expect(ok(await label(model, [...labels, { id: uniqueId('never'), label: 'pos' }]))).toEqual({ matched: 16, pending: 1, duplicate: 0, rejected: [] });
    // One relabel, to check that the version aggregates move with it.
    seen[2].truth = 1 - seen[2].truth!;
    expect(ok(await label(model, [{ id: seen[2].id, label: seen[2].truth }], true))).toMatchObject({ matched: 1 });

    const expected = (rows: Seen[]) => expectedClassifier(rows, 2, 1);
    for (const version of [undefined, '1', '2']) {
      const rows = seen.filter((row) => version === undefined || row.version === version);
      const params: Record<string, string> = { segment: 'region', ...(version ? { version } : {}) };
      const body = ok(await performance(model, params));
      expect(body.version).toBe(version ?? null);
      expectPerformance(body.overall, expected(rows), `version ${version ?? 'all'}`);
      expectSegments(body.segments, bySegment(rows, 'region'), expected, `version ${version ?? 'all'} region`);
      const gender = ok(await performance(model, { ...params, segment: 'gender' }));
      expectSegments(gender.segments, bySegment(rows, 'gender'), expected, `version ${version ?? 'all'} gender`);
    }
  });

  it('regression ingested 3 h ago (prices, huber δ = 1.5): meanLoss, mae, mse, rmse, only in a window that covers them', async () => {
    const model = names.prices;
    const delta = 1.5;
    const start = Date.now() - 3 * 3_600_000;
    const residuals = [-3.25, -1.5, -0.4, 0, 0.9, 1.5, 2.6, 4, -6.5, 0.25, 1.2, -2];
    const seen: Seen[] = Array.from({ length: 14 }, (_, i) => ({
      id: uniqueId('pr'),
      version: '0',
      segments: i % 5 === 4 ? {} : ({ store: i % 2 === 0 ? 'north' : 'south' } as Record<string, string>),
      output: 10 + i * 0.7,
    }));
    // Two labels come before their predictions (pending, joined by the query).
    const early = seen.slice(0, 2).map((row, i) => ({ id: row.id, label: (row.output as number) + residuals[i] }));
    expect(ok(await label(model, early))).toMatchObject({ pending: 2, matched: 0 });
    const records = seen.map((row, i) => ({ id: row.id, timestamp: iso(start + i * 1000), features: { size: 50 + i }, output: row.output, segments: row.segments }));
    expect(ok(await postJson(api(model, 'predictions'), { records }))).toEqual({ model, version: '0', accepted: 14, ids: seen.map((row) => row.id) });
    // 12 of 14 labeled (two stay unlabeled); one string and one null label are rejected.
    const labels = seen.slice(2, 12).map((row, j) => ({ id: row.id, label: (row.output as number) + residuals[j + 2] }));
    const answer = ok(await label(model, [...labels, { id: seen[12].id, label: '12.5' }, { id: seen[13].id, label: null }]));
    expect(answer).toMatchObject({ matched: 10, pending: 0, duplicate: 0 });
    expect(answer.rejected.map((item: { id: string }) => item.id)).toEqual([seen[12].id, seen[13].id]);
    seen.slice(0, 12).forEach((row, i) => (row.truth = (row.output as number) + residuals[i]));
    // A relabel moves the regression sums too.
    seen[3].truth = (seen[3].output as number) + 5;
    expect(ok(await label(model, [{ id: seen[3].id, label: seen[3].truth }], true))).toMatchObject({ matched: 1 });

    const expected = (rows: Seen[]) => expectedRegression(rows, delta);
    const covering = { from: iso(start - minutes(10)), to: iso(start + minutes(10)), segment: 'store' };
    const body = ok(await performance(model, covering));
    expectPerformance(body.overall, expected(seen), 'overall');
    expectSegments(body.segments, bySegment(seen, 'store'), expected, 'store');
    // The same by version 0 (monitoring-only models log version 0).
    expectPerformance(ok(await performance(model, { ...covering, version: '0' })).overall, expected(seen), 'version 0');
    // A version that is neither served nor logged is a 404; version 0 is not served either, but has data.
    expectError(await performance(model, { ...covering, version: '1' }), 404, 'VERSION_NOT_FOUND');
    // The default window (the last hour), and windows that end before or start after them, see nothing.
    const empty = expected([]);
    expectPerformance(ok(await performance(model)).overall, empty, 'last hour');
    expectPerformance(ok(await performance(model, { from: iso(start - minutes(60)), to: iso(start - minutes(2)) })).overall, empty, 'before');
    expectPerformance(ok(await performance(model, { from: iso(start + minutes(2)), to: iso(Date.now()) })).overall, empty, 'after');
    // The stored per-request loss is the huber loss of the final label.
    const stored = ok(await getJson(api(model, `predictions/${seen[3].id}`)));
    expect(stored).toMatchObject({ label: seen[3].truth, timestamp: iso(start + 3000) });
    expect(stored.loss).toBeCloseTo(huberOf(seen[3].truth! - (seen[3].output as number), delta), 12);
  });

  it('multiclass (iris): accuracy and macro f1 equal scikit-learn, overall and per source', async () => {
    const model = names.iris;
    const { features: featureNames, rows: irisRows, predict, classes } = SKLEARN.iris;
    // (row of SKLEARN.iris, label index or undefined, source). The model predicts [0, 1, 2, 2, 2] for rows 0..4.
    const plan: Array<[number, number | undefined, string]> = [
      [0, 0, 'lab'], [0, 0, 'lab'], [0, 1, 'lab'], [1, 1, 'lab'], [1, 1, 'lab'],
      [1, 2, 'field'], [2, 2, 'field'], [2, 2, 'field'], [3, 1, 'field'], [3, 2, 'field'], [4, 1, 'field'], [4, 0, 'field'],
      [1, undefined, 'field'],
    ];
    const records = plan.map(([row, , source]) => ({ id: uniqueId('pi'), features: Object.fromEntries(featureNames.map((name, j) => [name, irisRows[row][j]])), segments: { source } }));
    const body = ok(await postJson(api(model, 'predict'), { records }));
    const seen: Seen[] = body.predictions.map((prediction: { id: string; output: number[]; label: string }, i: number) => {
      expect(prediction.label).toBe(classes![predict[plan[i][0]]]);
      return { id: prediction.id, version: body.version, segments: records[i].segments, output: prediction.output, truth: plan[i][1] };
    });
    const labels = seen.filter((row) => row.truth !== undefined).map((row, i) => ({ id: row.id, label: i % 2 === 0 ? classes![row.truth!] : row.truth }));
    expect(ok(await label(model, labels))).toEqual({ matched: 12, pending: 0, duplicate: 0, rejected: [] });

    const answer = ok(await performance(model, { segment: 'source' }));
    const expected = (rows: Seen[]) => expectedClassifier(rows, 3, -1);
    expectPerformance(answer.overall, expected(seen), 'overall');
    expectSegments(answer.segments, bySegment(seen, 'source'), expected, 'source');
    // Literals from /usr/bin/python3, scikit-learn 1.2.1, for the labeled rows above:
    //   y_pred = [0,0,0,1,1,1,2,2,2,2,2,2]; y_true = [0,0,1,1,1,2,2,2,1,2,1,0]
    //   f1_score(y_true, y_pred, average='macro') = 0.5888888888888889, accuracy_score = 0.5833333333333334
    //   lab   = first 5:  f1 0.8 (only setosa and versicolor occur), accuracy 0.8
    //   field = last 7:   f1 0.19999999999999998, accuracy 0.42857142857142855
    expect(answer.overall.f1).toBeCloseTo(0.5888888888888889, 12);
    expect(answer.overall.accuracy).toBeCloseTo(0.5833333333333334, 12);
    expect(answer.segments.lab.f1).toBeCloseTo(0.8, 12);
    expect(answer.segments.lab.accuracy).toBeCloseTo(0.8, 12);
    expect(answer.segments.field.f1).toBeCloseTo(0.19999999999999998, 12);
    expect(answer.segments.field.accuracy).toBeCloseTo(0.42857142857142855, 12);
    expect(answer.overall).toMatchObject({ count: 13, labeled: 12 });
    expect(answer.overall.precision).toBeUndefined();
  });

  it('a configured loss other than log loss: meanLoss follows it (brier × class weight; a cost matrix), logLoss stays −ln clip(p_k)', async () => {
    const start = Date.now() - 90 * 60_000;
    const window = { from: iso(start - minutes(5)), to: iso(start + minutes(5)) };
    const ingestLabeled = async (model: string, rows: Array<[number[] | number, string | undefined, Record<string, string>?]>, classNames: string[]) => {
      const seen: Seen[] = rows.map(([output, truth, segments]) => ({
        id: uniqueId('pl'),
        version: '0',
        segments: segments ?? {},
        output: Array.isArray(output) ? output : [1 - output, output],
        truth: truth === undefined ? undefined : classNames.indexOf(truth),
      }));
      const records = rows.map(([output, , segments], i) => ({ id: seen[i].id, timestamp: iso(start + i * 100), features: { x: i }, output, ...(segments ? { segments } : {}) }));
      ok(await postJson(api(model, 'predictions'), { records }));
      const labels = seen.filter((row) => row.truth !== undefined).map((row) => ({ id: row.id, label: classNames[row.truth!] }));
      expect(ok(await label(model, labels)).matched).toBe(labels.length);
      return seen;
    };

    // Brier Σ_j (p_j − [j = k])², times the weight of the true class (c: 3, else 1).
    const brier = (p: number[], k: number) => (k === 2 ? 3 : 1) * sum(p.map((pj, j) => (pj - (j === k ? 1 : 0)) ** 2));
    const multi = await ingestLabeled(names.brier, [
      [[0.7, 0.2, 0.1], 'a', { site: 's1' }],
      [[0.1, 0.3, 0.6], 'c', { site: 's1' }],
      [[0.2, 0.5, 0.3], 'c', { site: 's2' }],
      [[0.25, 0.25, 0.5], 'b', { site: 's2' }],
      [[0.5, 0.4, 0.1], undefined, { site: 's2' }],
    ], ['a', 'b', 'c']);
    const multiExpected = (rows: Seen[]) => expectedClassifier(rows, 3, -1, 0.5, brier);
    const multiBody = ok(await performance(names.brier, { ...window, segment: 'site' }));
    expectPerformance(multiBody.overall, multiExpected(multi), 'brier overall');
    expectSegments(multiBody.segments, bySegment(multi, 'site'), multiExpected, 'brier site');
    expect(multiBody.overall.meanLoss).not.toBeCloseTo(multiBody.overall.logLoss, 3);

    // Cost matrix C[true][predicted] = [[0, 1], [5, 0]] with the decision threshold 0.3 on p(bad).
    const cost = (_p: number[], k: number, predicted: number) => [[0, 1], [5, 0]][k][predicted];
    const binary = await ingestLabeled(names.cost, [[0.2, 'bad'], [0.35, 'ok'], [0.31, 'bad'], [0.1, 'ok'], [0.9, 'bad'], [0.25, 'bad']], ['ok', 'bad']);
    const binaryBody = ok(await performance(names.cost, window));
    expectPerformance(binaryBody.overall, expectedClassifier(binary, 2, 1, 0.3, cost), 'cost overall');
    // Two missed bads (5 each) and one false alarm (1) over six labels.
    expect(binaryBody.overall.meanLoss).toBeCloseTo(11 / 6, 12);
  });

  it('query errors: a bad window or version is a 400, an unknown segment key a 400, an unknown model or version a 404', async () => {
    const model = names.credit;
    expectError(await performance(model, { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }), 400, 'BAD_REQUEST', /before/);
    expectError(await performance(model, { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }), 400, 'BAD_REQUEST');
    expectError(await performance(model, { from: 'yesterday' }), 400, 'BAD_REQUEST', /RFC 3339/);
    expectError(await performance(model, { to: '2026-01-01' }), 400, 'BAD_REQUEST', /RFC 3339/);
    expectError(await performance(model, { version: 'latest' }), 400, 'BAD_REQUEST', /version/);
    expectError(await performance(model, { version: '99' }), 404, 'VERSION_NOT_FOUND', /99/);
    expectError(await performance(model, { segment: 'country' }), 400, 'BAD_REQUEST', /region/);
    expectError(await performance(`lbl-nope-${run}`), 404, 'MODEL_NOT_FOUND');
  });
});
