import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtureModels, FIXTURE_MODELS, getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';

const EPS = 1e-15;
const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A deterministic spread of p(yes) in (0.02, 0.98) and a label that agrees with it most of the time. */
const pOf = (i: number) => 0.02 + 0.96 * ((i * 0.6180339887) % 1);
const truthOf = (i: number) => (((i * 0.3772) % 1) < pOf(i) ? 1 : 0);

/**
 * The sums of METRICS §2 for binary predictions [1 − p, p] (classes [no, yes], positive yes, threshold 0.5),
 * built here row by row: log loss −ln clip(p_k), the confusion counts, max p and entropy.
 */
function independent(rows: Array<{ p: number; k: number | undefined }>) {
  let labeled = 0;
  let logLoss = 0;
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let maxAll = 0;
  let maxLabeled = 0;
  let entropy = 0;
  for (const { p, k } of rows) {
    const row = [1 - p, p];
    maxAll += Math.max(...row);
    entropy += -row.reduce((total, pj) => total + pj * Math.log(clip(pj)), 0);
    if (k === undefined) continue;
    labeled++;
    logLoss += -Math.log(clip(row[k]));
    maxLabeled += Math.max(...row);
    const predicted = p >= 0.5 ? 1 : 0;
    if (predicted === 1 && k === 1) tp++;
    else if (predicted === 1) fp++;
    else if (k === 0) tn++;
    else fn++;
  }
  // 0/0 is null (METRICS §2).
  const ratio = (x: number, n: number) => (n === 0 ? null : x / n);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    count: rows.length,
    labeled,
    logLoss: logLoss / labeled,
    accuracy: (tp + tn) / labeled,
    precision,
    recall,
    f1: precision === null || recall === null || precision + recall === 0 ? null : (2 * precision * recall) / (precision + recall),
    estimated: { accuracy: maxAll / rows.length, logLoss: entropy / rows.length, calibrationGap: maxLabeled / labeled - (tp + tn) / labeled },
  };
}

function expectClosePerformance(actual: any, expected: ReturnType<typeof independent>): void {
  expect(actual.count).toBe(expected.count);
  expect(actual.labeled).toBe(expected.labeled);
  for (const field of ['logLoss', 'accuracy', 'precision', 'recall', 'f1'] as const) {
    const want = expected[field];
    if (want === null) expect(actual[field], field).toBeNull();
    else expect(Math.abs(actual[field] - want), `${field}: ${actual[field]} vs ${want}`).toBeLessThanOrEqual(1e-9);
  }
  expect(Math.abs(actual.meanLoss - expected.logLoss)).toBeLessThanOrEqual(1e-9);
  for (const field of ['accuracy', 'logLoss', 'calibrationGap'] as const) {
    expect(Math.abs(actual.estimated[field] - expected.estimated[field]), `estimated.${field}`).toBeLessThanOrEqual(1e-9);
  }
}

describe('labels at scale and under concurrency (real PostgreSQL, through the app)', () => {
  let server: TestApp;
  // Copies of the monitoring-only `shadow` fixture (classes [no, yes]) under names unique to this run.
  const run = uniqueId('lblm').replace(/^lblm-/, '');
  const names = { big: `lbl-big-${run}`, race: `lbl-race-${run}`, pending: `lbl-pending-race-${run}`, flip: `lbl-flip-${run}` };

  beforeAll(async () => {
    const root = copyFixtureModels();
    for (const name of Object.values(names)) cpSync(join(FIXTURE_MODELS, 'shadow'), join(root, name), { recursive: true });
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: root });
  });
  afterAll(() => server?.close());

  const api = (model: string, path: string) => `${server.url}/api/models/${model}/${path}`;
  const ok = <T extends { status: number; body: any }>(response: T): T['body'] => {
    expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200);
    return response.body;
  };
  const label = (model: string, labels: unknown[], overwrite = false) => postJson(api(model, `labels${overwrite ? '?overwrite=true' : ''}`), { labels });
  /** Logs n predictions 2 h ago (spread over 5 one-minute buckets) and returns their ids; regions a..d. */
  const logPredictions = async (model: string, n: number, start: number): Promise<string[]> => {
    const ids = Array.from({ length: n }, (_, i) => `${model}-${String(i).padStart(5, '0')}`);
    const records = ids.map((id, i) => ({ id, timestamp: iso(start + (i % 300) * 1000), features: { x: i, kind: 'k' }, output: [1 - pOf(i), pOf(i)], segments: { region: 'abcd'[i % 4] } }));
    expect(ok(await postJson(api(model, 'predictions'), { records })).accepted).toBe(n);
    return ids;
  };
  const performance = async (model: string, start: number, segment?: string) =>
    ok(await getJson(`${api(model, 'performance')}?from=${iso(start - 10 * 60_000)}&to=${iso(start + 10 * 60_000)}${segment ? `&segment=${segment}` : ''}`));

  it('10,000 labels in one call against 10,000 logged predictions: matched 10000, and the aggregates equal an independent sum', async () => {
    const model = names.big;
    const start = Date.now() - 2 * HOUR;
    const ids = await logPredictions(model, 10_000, start);
    const answer = ok(await label(model, ids.map((id, i) => ({ id, label: i % 2 === 0 ? ['no', 'yes'][truthOf(i)] : truthOf(i) }))));
    expect(answer).toEqual({ matched: 10_000, pending: 0, duplicate: 0, rejected: [] });

    const body = await performance(model, start, 'region');
    expectClosePerformance(body.overall, independent(ids.map((_, i) => ({ p: pOf(i), k: truthOf(i) }))));
    expect(Object.keys(body.segments).sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const [r, region] of ['a', 'b', 'c', 'd'].entries()) {
      const rows = ids.map((_, i) => i).filter((i) => i % 4 === r);
      expectClosePerformance(body.segments[region], independent(rows.map((i) => ({ p: pOf(i), k: truthOf(i) }))));
    }
    // The same call again: all duplicates, nothing moves.
    expect(ok(await label(model, ids.map((id, i) => ({ id, label: truthOf(i) }))))).toEqual({ matched: 0, pending: 0, duplicate: 10_000, rejected: [] });
    expect((await performance(model, start)).overall.labeled).toBe(10_000);
  });

  it('concurrent label calls for the same ids never double count; concurrent overwrites leave one consistent state', async () => {
    const model = names.race;
    const start = Date.now() - 2 * HOUR - 20 * 60_000;
    const ids = await logPredictions(model, 3000, start);
    const yes = (range: string[]) => range.map((id) => ({ id, label: 'yes' }));
    // Overlapping sets in opposite orders, plus the whole set, all at once.
    const answers = (await Promise.all([
      label(model, yes(ids.slice(0, 2000))),
      label(model, yes(ids.slice(1000)).reverse()),
      label(model, yes(ids).reverse()),
    ])).map(ok);
    expect(answers.reduce((total, answer) => total + answer.matched, 0)).toBe(3000);
    expect(answers.reduce((total, answer) => total + answer.matched + answer.duplicate, 0)).toBe(2000 + 2000 + 3000);
    expectClosePerformance((await performance(model, start)).overall, independent(ids.map((_, i) => ({ p: pOf(i), k: 1 }))));

    // Two overwrites of all 3000 at once, with different labels: one wins for every row.
    const overwrites = (await Promise.all([
      label(model, ids.map((id) => ({ id, label: 'no' })), true),
      label(model, ids.map((id) => ({ id, label: 'yes' })).reverse(), true),
    ])).map(ok);
    expect(overwrites.map((answer) => answer.rejected)).toEqual([[], []]);
    const final = (await Promise.all([ids[0], ids[1500], ids[2999]].map((id) => getJson(api(model, `predictions/${id}`))))).map((response) => ok(response).label);
    expect(new Set(final).size).toBe(1);
    const k = final[0] === 'yes' ? 1 : 0;
    expectClosePerformance((await performance(model, start)).overall, independent(ids.map((_, i) => ({ p: pOf(i), k }))));
  });

  it('concurrent pending labels for the same unknown ids (opposite orders) neither fail nor double count once joined', async () => {
    const model = names.pending;
    const start = Date.now() - 2 * HOUR - 40 * 60_000;
    const ids = Array.from({ length: 2000 }, (_, i) => `${model}-${String(i).padStart(5, '0')}`);
    const labels = ids.map((id, i) => ({ id, label: truthOf(i) }));
    const answers = (await Promise.all([label(model, labels), label(model, [...labels].reverse()), label(model, labels.slice(500, 1500))])).map(ok);
    for (const answer of answers) expect(answer.rejected).toEqual([]);
    // Each id is held once (pending in one call, a duplicate in the others).
    expect(answers.reduce((total, answer) => total + answer.pending, 0)).toBe(2000);
    expect(answers.map((answer) => answer.pending + answer.duplicate)).toEqual([2000, 2000, 1000]);
    await logPredictions(model, 2000, start);
    // The query joins the pending labels first.
    expectClosePerformance((await performance(model, start)).overall, independent(ids.map((_, i) => ({ p: pOf(i), k: truthOf(i) }))));
  });

  it('overwrite A → B → A leaves the sums equal to a single A; 10,001 labels are a 413 that labels nothing', async () => {
    const model = names.flip;
    const start = Date.now() - 3 * HOUR;
    const ids = await logPredictions(model, 1000, start);
    const a = ids.map((id, i) => ({ id, label: truthOf(i) }));
    const b = ids.map((id, i) => ({ id, label: 1 - truthOf(i) }));
    expect(ok(await label(model, a)).matched).toBe(1000);
    const once = await performance(model, start, 'region');
    expectClosePerformance(once.overall, independent(ids.map((_, i) => ({ p: pOf(i), k: truthOf(i) }))));
    expect(ok(await label(model, b, true)).matched).toBe(1000);
    expectClosePerformance((await performance(model, start)).overall, independent(ids.map((_, i) => ({ p: pOf(i), k: 1 - truthOf(i) }))));
    expect(ok(await label(model, a, true)).matched).toBe(1000);
    const twice = await performance(model, start, 'region');
    expect(twice.overall).toMatchObject({ count: 1000, labeled: 1000, accuracy: once.overall.accuracy, precision: once.overall.precision, recall: once.overall.recall });
    for (const scope of [twice.overall, ...Object.values(twice.segments)]) {
      const reference = scope === twice.overall ? once.overall : once.segments[Object.entries(twice.segments).find(([, value]) => value === scope)![0]];
      for (const field of ['meanLoss', 'logLoss', 'accuracy', 'f1'] as const) expect(Math.abs(scope[field] - reference[field])).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(scope.estimated.calibrationGap - reference.estimated.calibrationGap)).toBeLessThanOrEqual(1e-12);
    }

    const target = uniqueId('flip');
    ok(await postJson(api(model, 'predictions'), { records: [{ id: target, features: { x: 0, kind: 'k' }, output: 0.5 }] }));
    const many = [{ id: target, label: 'yes' }, ...Array.from({ length: 10_000 }, (_, i) => ({ id: `${target}-${i}`, label: 'no' }))];
    const refused = await label(model, many);
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ code: 'TOO_MANY_LABELS', error: expect.stringMatching(/10001.*10000/) });
    expect(ok(await getJson(api(model, `predictions/${target}`))).label).toBeNull();
  });
});
