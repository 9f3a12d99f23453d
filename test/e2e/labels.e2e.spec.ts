import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtureModels, FIXTURE_MODELS, getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectError, parseSamples, SKLEARN, type Sample } from './e2e-support.js';

const EPS = 1e-15;
/** −ln clip(p_k), clip(x) = min(max(x, 1e-15), 1 − 1e-15): METRICS §1 `log_loss`. */
const logLossOf = (p: number[], k: number) => -Math.log(Math.min(Math.max(p[k], EPS), 1 - EPS));
/** Huber with δ = 1.5 (the `prices` fixture): ½r² if |r| ≤ δ else δ(|r| − ½δ), r = y − ŷ. */
const huber = (r: number) => (Math.abs(r) <= 1.5 ? 0.5 * r * r : 1.5 * (Math.abs(r) - 0.75));


/** The samples named `name` whose labels are exactly `labels` (ignoring `le`). */
function series(samples: Sample[], name: string, labels: Record<string, string>): Sample[] {
  return samples.filter((sample) => {
    if (sample.name !== name) return false;
    const keys = Object.keys(sample.labels).filter((key) => key !== 'le');
    return keys.length === Object.keys(labels).length && keys.every((key) => sample.labels[key] === labels[key]);
  });
}

function one(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = series(samples, name, labels);
  expect(found.length, `${name}${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

describe('POST /api/models/{m}/labels: joins, duplicates, rejections, overwrites, pending labels', () => {
  let server: TestApp;
  // Copies of the fixture models under names unique to this run (the database is shared).
  const run = uniqueId('lbl').replace(/^lbl-/, '');
  const names = {
    join: `lbl-join-${run}`,
    overwrite: `lbl-overwrite-${run}`,
    reject: `lbl-reject-${run}`,
    prices: `lbl-prices-${run}`,
    pending: `lbl-pending-${run}`,
    metrics: `lbl-metrics-${run}`,
    reconfigured: `lbl-reconfigured-${run}`,
    thresholded: `lbl-thresholded-${run}`,
    delay: `lbl-delay-${run}`,
  };

  beforeAll(async () => {
    const root = copyFixtureModels();
    const copy = (from: string, to: string) => cpSync(join(FIXTURE_MODELS, from), join(root, to), { recursive: true });
    copy('credit', names.join);
    copy('credit', names.overwrite);
    copy('credit', names.reject);
    copy('prices', names.prices);
    copy('shadow', names.pending);
    copy('credit', names.metrics);
    copy('shadow', names.reconfigured);
    copy('shadow', names.thresholded);
    copy('shadow', names.delay);
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: root });
  });
  afterAll(() => server?.close());

  const api = (model: string, path: string) => `${server.url}/api/models/${model}/${path}`;
  const label = (model: string, labels: unknown, overwrite = false) => postJson(api(model, `labels${overwrite ? '?overwrite=true' : ''}`), typeof labels === 'string' ? labels : { labels });
  const prediction = (model: string, id: string) => getJson(api(model, `predictions/${encodeURIComponent(id)}`));
  const ok = <T extends { status: number; body: any }>(response: T): T['body'] => {
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  /** Credit predictions through the records API; returns each id's probability row [p(repaid), p(default)]. */
  const predictCredit = async (model: string, segments: Array<Record<string, string>>): Promise<Array<{ id: string; output: number[] }>> => {
    const rows = SKLEARN.credit.rows;
    const records = segments.map((segment, i) => ({
      id: uniqueId('lc'),
      features: Object.fromEntries(SKLEARN.credit.features.map((name, j) => [name, rows[i % rows.length][j]])),
      segments: segment,
    }));
    const body = ok(await postJson(api(model, 'predict'), { records }));
    return body.predictions.map((predicted: { id: string; output: number[] }) => ({ id: predicted.id, output: predicted.output }));
  };
  /** Monitoring-only predictions (DESIGN §5.3) with the given outputs. */
  const ingest = async (model: string, records: Array<{ id: string; output: unknown; segments?: Record<string, string> }>, features: Record<string, unknown>) => {
    ok(await postJson(api(model, 'predictions'), { records: records.map((record) => ({ features, ...record })) }));
  };

  it('a label joins its prediction: GET shows it as the class name, its loss −ln clip(p_k) and labeledAt', async () => {
    const model = names.join;
    const predicted = await predictCredit(model, [{ region: 'eu' }, { region: 'us' }, {}]);
    const before = Date.now();
    // A class name, a class index (0 = repaid), and an index given as 1.0 in JSON.
    const answer = ok(await label(model, `{"labels":[{"id":"${predicted[0].id}","label":"default"},{"id":"${predicted[1].id}","label":0},{"id":"${predicted[2].id}","label":1.0}]}`));
    const after = Date.now();
    expect(answer).toEqual({ matched: 3, pending: 0, duplicate: 0, rejected: [] });
    const expected = [['default', 1], ['repaid', 0], ['default', 1]] as const;
    for (const [i, [name, k]] of expected.entries()) {
      const stored = ok(await prediction(model, predicted[i].id));
      expect(stored).toMatchObject({ id: predicted[i].id, label: name, output: predicted[i].output });
      expect(stored.loss).toBeCloseTo(logLossOf(predicted[i].output, k), 12);
      expect(stored.labeledAt).toBe(new Date(Date.parse(stored.labeledAt)).toISOString());
      expect(Date.parse(stored.labeledAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(stored.labeledAt)).toBeLessThanOrEqual(after + 1000);
    }
  });

  it('the same label again is a duplicate; a different one is rejected; ?overwrite=true replaces label, loss and labeledAt, counted once', async () => {
    const model = names.overwrite;
    const predicted = await predictCredit(model, [{ region: 'eu' }, { region: 'eu' }, { region: 'us' }, { region: 'us' }]);
    const [a, b, c, d] = predicted;
    expect(ok(await label(model, [{ id: a.id, label: 'default' }, { id: b.id, label: 'repaid' }, { id: c.id, label: 1 }, { id: d.id, label: 0 }]))).toEqual({
      matched: 4,
      pending: 0,
      duplicate: 0,
      rejected: [],
    });
    const first = ok(await prediction(model, a.id));

    // Same label, by name or by index: duplicate. A different one without overwrite: rejected, nothing changes.
    const again = ok(await label(model, [{ id: a.id, label: 1 }, { id: b.id, label: 'repaid' }, { id: c.id, label: 'repaid' }]));
    expect(again).toEqual({ matched: 0, pending: 0, duplicate: 2, rejected: [{ id: c.id, error: expect.stringMatching(/already labeled "default".*overwrite=true/) }] });
    expect(ok(await prediction(model, c.id))).toMatchObject({ label: 'default' });
    // Sent twice in one call, a label gets its first copy's outcome twice: rejected, or duplicate.
    const twice = ok(await label(model, [{ id: c.id, label: 'repaid' }, { id: c.id, label: 0 }, { id: b.id, label: 'repaid' }, { id: b.id, label: 0 }]));
    expect(twice).toEqual({ matched: 0, pending: 0, duplicate: 2, rejected: [{ id: c.id, error: expect.stringMatching(/already labeled/) }, { id: c.id, error: expect.stringMatching(/already labeled/) }] });

    // Overwrite: a → repaid, c → repaid; b (same label) stays a duplicate.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const replaced = ok(await label(model, [{ id: a.id, label: 'repaid' }, { id: b.id, label: 0 }, { id: c.id, label: 0 }], true));
    expect(replaced).toEqual({ matched: 2, pending: 0, duplicate: 1, rejected: [] });
    const stored = ok(await prediction(model, a.id));
    expect(stored.label).toBe('repaid');
    expect(stored.loss).toBeCloseTo(logLossOf(a.output, 0), 12);
    expect(Date.parse(stored.labeledAt)).toBeGreaterThan(Date.parse(first.labeledAt));

    // The aggregates hold each prediction once, with its final label.
    const final = [[a, 0], [b, 0], [c, 0], [d, 0]] as const;
    const performance = ok(await getJson(`${api(model, 'performance')}?segment=region`));
    expect(performance.overall).toMatchObject({ count: 4, labeled: 4 });
    const meanLoss = final.reduce((total, [row, k]) => total + logLossOf(row.output, k), 0) / 4;
    expect(performance.overall.logLoss).toBeCloseTo(meanLoss, 12);
    expect(performance.overall.meanLoss).toBeCloseTo(meanLoss, 12);
    const correct = final.filter(([row, k]) => (row.output[1] >= 0.5 ? 1 : 0) === k).length;
    expect(performance.overall.accuracy).toBeCloseTo(correct / 4, 12);
    expect(performance.segments.eu).toMatchObject({ count: 2, labeled: 2 });
    expect(performance.segments.us).toMatchObject({ count: 2, labeled: 2 });
    expect(performance.segments.us.logLoss).toBeCloseTo((logLossOf(c.output, 0) + logLossOf(d.output, 0)) / 2, 12);
  });

  it('per-item rejections (type, class, index, NaN-ish, id length, repeated id) leave the rest of the batch accepted', async () => {
    const model = names.reject;
    const [good, repeated, ...others] = await predictCredit(model, Array.from({ length: 12 }, () => ({ region: 'eu' })));
    const longest = 'i'.repeat(256);
    const tooLong = 'j'.repeat(257);
    const items = [
      { id: good.id, label: 'default' },
      { id: others[0].id, label: 'maybe' },
      { id: others[1].id, label: 2 },
      { id: others[2].id, label: -1 },
      { id: others[3].id, label: 0.5 },
      { id: others[4].id, label: null },
      { id: others[5].id },
      { id: others[6].id, label: true },
      { id: others[7].id, label: 'NaN' },
      { id: others[8].id, label: { class: 'default' } },
      { id: others[9].id, label: 'Default' },
      { id: repeated.id, label: 'repaid' },
      { id: repeated.id, label: 'default' },
      { id: repeated.id, label: 0 },
      { id: tooLong, label: 'default' },
      { id: longest, label: 'default' },
      { id: 42, label: 'default' },
      { id: '', label: 'default' },
      'default',
    ];
    // Infinity cannot be written in JSON, but 1e999 parses to it.
    const body = JSON.stringify({ labels: items }).replace(/\]\}$/, `,{"id":"${others[0].id}-inf","label":1e999}]}`);
    const answer = ok(await label(model, body));
    // repeated: 'repaid', then 'default' (rejected), then class 0 = 'repaid' again (a duplicate).
    expect(answer).toMatchObject({ matched: 2, pending: 1, duplicate: 1 });
    const rejected = new Map<string, string[]>();
    for (const item of answer.rejected as Array<{ id: string; error: string }>) rejected.set(item.id, [...(rejected.get(item.id) ?? []), item.error]);
    expect([...rejected.keys()].sort()).toEqual(
      [...others.slice(0, 10).map((row) => row.id), repeated.id, tooLong.slice(0, 256), '#16', '', '#18', `${others[0].id}-inf`].sort(),
    );
    expect(answer.rejected, JSON.stringify(answer.rejected)).toHaveLength(16);
    expect(rejected.get(others[0].id)).toEqual([expect.stringMatching(/not one of the classes \(repaid, default\)/)]);
    expect(rejected.get(others[1].id)).toEqual([expect.stringMatching(/0\.\.1/)]);
    expect(rejected.get(repeated.id)).toEqual([expect.stringMatching(/more than once/)]);
    expect(rejected.get(tooLong.slice(0, 256))).toEqual([expect.stringMatching(/256/)]);
    // Nothing rejected was stored; the accepted ones were.
    expect(ok(await prediction(model, good.id))).toMatchObject({ label: 'default' });
    expect(ok(await prediction(model, repeated.id))).toMatchObject({ label: 'repaid' });
    for (const row of others) expect(ok(await prediction(model, row.id))).toMatchObject({ label: null, loss: null, labeledAt: null });
    const performance = ok(await getJson(api(model, 'performance')));
    expect(performance.overall).toMatchObject({ count: 12, labeled: 2 });

    // Regression: a finite number only.
    const ids = [uniqueId('lr'), uniqueId('lr')];
    await ingest(names.prices, [{ id: ids[0], output: 10 }, { id: ids[1], output: 20 }], { size: 1 });
    const regression = `{"labels":[{"id":"${ids[0]}","label":12.5},{"id":"${ids[1]}","label":"12.5"},{"id":"${ids[1]}-b","label":null},{"id":"${ids[1]}-c","label":1e999},{"id":"${ids[1]}-d","label":[1]},{"id":"${ids[1]}-e","label":"NaN"}]}`;
    const numeric = ok(await label(names.prices, regression));
    expect(numeric).toMatchObject({ matched: 1, pending: 0, duplicate: 0 });
    expect(numeric.rejected.map((item: { id: string }) => item.id)).toEqual([ids[1], `${ids[1]}-b`, `${ids[1]}-c`, `${ids[1]}-d`, `${ids[1]}-e`]);
    for (const item of numeric.rejected) expect(item.error).toMatch(/finite number/);
    const stored = ok(await prediction(names.prices, ids[0]));
    expect(stored).toMatchObject({ label: 12.5 });
    expect(stored.loss).toBeCloseTo(huber(2.5), 12);
    expect(ok(await prediction(names.prices, ids[1]))).toMatchObject({ label: null });

    // A finite label whose loss or error squared is past 1e200 (the sums of mse and rmse could overflow) is
    // rejected alone, at once or when its pending label is joined; the model's queries go on answering.
    const [far, farPending, near] = [uniqueId('lr'), uniqueId('lr'), uniqueId('lr')];
    await ingest(names.prices, [{ id: far, output: -1e200 }, { id: near, output: 20 }], { size: 2 });
    const overflow = ok(await label(names.prices, `{"labels":[{"id":"${far}","label":1e200},{"id":"${near}","label":21},{"id":"${farPending}","label":1e300}]}`));
    expect(overflow).toMatchObject({ matched: 1, pending: 1, duplicate: 0, rejected: [{ id: far, error: expect.stringMatching(/loss cannot be counted: the squared error Infinity is more than the aggregates can sum/) }] });
    await ingest(names.prices, [{ id: farPending, output: -1e300 }], { size: 3 });
    // Each squared error finite (1.69e308), the sum of two not: PostgreSQL raised an error on the window query and
    // on the fold of every model's deltas, for good. Each is rejected, in one call and in calls of their own.
    const [big1, big2, big3, big4] = [uniqueId('lr'), uniqueId('lr'), uniqueId('lr'), uniqueId('lr')];
    await ingest(names.prices, [big1, big2, big3, big4].map((id) => ({ id, output: 0 })), { size: 4 });
    const tooBig = (id: string) => ({ id, error: expect.stringMatching(/its loss cannot be counted: the squared error 1\.69e\+308 is more than the aggregates can sum \(at most 1e\+200 per label\)/) });
    expect(ok(await label(names.prices, [{ id: big1, label: 1.3e154 }, { id: big2, label: 1.3e154 }]))).toEqual({ matched: 0, pending: 0, duplicate: 0, rejected: [tooBig(big1), tooBig(big2)] });
    for (const id of [big3, big4]) {
      expect(ok(await label(names.prices, [{ id, label: 1.3e154 }]))).toEqual({ matched: 0, pending: 0, duplicate: 0, rejected: [tooBig(id)] });
    }
    const after = await getJson(api(names.prices, 'performance'));
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    for (const id of [far, farPending, big1, big2, big3, big4]) expect(ok(await prediction(names.prices, id))).toMatchObject({ label: null, loss: null });
    expect(ok(await prediction(names.prices, near))).toMatchObject({ label: 21 });
  });

  it('labels before their prediction are pending, with the same duplicate / overwrite rules, and joined when it arrives', async () => {
    const model = names.pending; // shadow: monitoring-only binary, classes [no, yes]
    const [p1, p2, p3, p4, never] = Array.from({ length: 5 }, () => uniqueId('lp'));
    expect(ok(await label(model, [{ id: p1, label: 'yes' }, { id: p2, label: 0 }, { id: p3, label: 'no' }, { id: p4, label: 'yes' }, { id: never, label: 1 }]))).toEqual({
      matched: 0,
      pending: 5,
      duplicate: 0,
      rejected: [],
    });
    // Still pending: same label (by index) → duplicate; a different one → rejected; with overwrite → replaced (pending again).
    const again = ok(await label(model, [{ id: p1, label: 1 }, { id: p2, label: 'yes' }]));
    expect(again).toEqual({ matched: 0, pending: 0, duplicate: 1, rejected: [{ id: p2, error: expect.stringMatching(/pending.*overwrite=true/) }] });
    expect(ok(await label(model, [{ id: p3, label: 'yes' }], true))).toEqual({ matched: 0, pending: 1, duplicate: 0, rejected: [] });
    expectError(await prediction(model, p1), 404, 'PREDICTION_NOT_FOUND');

    // The predictions arrive (p(yes) as a number or as the probability row); the next performance query joins them.
    const outputs: Record<string, number[]> = { [p1]: [1 - 0.8, 0.8], [p2]: [0.7, 0.3], [p3]: [0.4, 0.6] };
    await ingest(model, [{ id: p1, output: 0.8 }, { id: p2, output: [0.7, 0.3] }, { id: p3, output: [0.4, 0.6], segments: { region: 'eu' } }], { x: 1, kind: 'a' });
    const performance = ok(await getJson(`${api(model, 'performance')}?segment=region`));
    expect(performance.overall).toMatchObject({ count: 3, labeled: 3 });
    const truth: Record<string, [string, number]> = { [p1]: ['yes', 1], [p2]: ['no', 0], [p3]: ['yes', 1] };
    const mean = Object.entries(truth).reduce((total, [id, [, k]]) => total + logLossOf(outputs[id], k), 0) / 3;
    expect(performance.overall.logLoss).toBeCloseTo(mean, 12);
    expect(performance.segments).toEqual({ eu: expect.objectContaining({ count: 1, labeled: 1 }) });
    for (const [id, [name, k]] of Object.entries(truth)) {
      const stored = ok(await prediction(model, id));
      expect(stored).toMatchObject({ label: name, output: outputs[id] });
      expect(stored.loss).toBeCloseTo(logLossOf(outputs[id], k), 12);
      expect(typeof stored.labeledAt).toBe('string');
    }
    // Once joined, the label is an ordinary one.
    expect(ok(await label(model, [{ id: p1, label: 'yes' }, { id: p2, label: 'yes' }]))).toMatchObject({ matched: 0, duplicate: 1, rejected: [{ id: p2 }] });

    // Without any query or sweep, the prediction's own GET joins its pending label: read-your-writes.
    await ingest(model, [{ id: p4, output: 0.9 }], { x: 2, kind: 'b' });
    const joined = ok(await prediction(model, p4));
    expect(joined.label).toBe('yes');
    expect(joined.loss).toBeCloseTo(-Math.log(0.9), 12);
  });

  it('a label sent after its prediction arrived, while an earlier label is still pending, follows the duplicate / overwrite rules', async () => {
    const model = names.pending;
    const [same, other, replaced] = Array.from({ length: 3 }, () => uniqueId('lq'));
    expect(ok(await label(model, [{ id: same, label: 'yes' }, { id: other, label: 'yes' }, { id: replaced, label: 'yes' }]))).toMatchObject({ pending: 3 });
    await ingest(model, [{ id: same, output: 0.6 }, { id: other, output: 0.6 }, { id: replaced, output: 0.6 }], { x: 3, kind: 'c' });
    // No query ran, so the pending labels may not be joined yet; the answer must not depend on it.
    const answer = ok(await label(model, [{ id: same, label: 'yes' }, { id: other, label: 'no' }]));
    expect(answer).toEqual({ matched: 0, pending: 0, duplicate: 1, rejected: [{ id: other, error: expect.stringMatching(/overwrite=true/) }] });
    expect(ok(await label(model, [{ id: replaced, label: 'no' }], true))).toMatchObject({ matched: 1, rejected: [] });
    await getJson(api(model, 'performance'));
    expect(ok(await prediction(model, same))).toMatchObject({ label: 'yes' });
    expect(ok(await prediction(model, other))).toMatchObject({ label: 'yes' });
    expect(ok(await prediction(model, replaced))).toMatchObject({ label: 'no' });
    expect(ok(await prediction(model, replaced)).loss).toBeCloseTo(-Math.log(0.4), 12);
  });

  it('an overwrite after the loss changed takes back the loss stored with the old label, not its loss under the new config', async () => {
    const model = names.reconfigured; // shadow: monitoring-only binary, classes [no, yes], log_loss
    const id = uniqueId('lr');
    await ingest(model, [{ id, output: [0.3, 0.7] }], { x: 1, kind: 'a' });
    expect(ok(await label(model, [{ id, label: 'yes' }]))).toMatchObject({ matched: 1 });
    expect(ok(await prediction(model, id)).loss).toBeCloseTo(-Math.log(0.7), 14);
    const config = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'shadow', 'config.json'), 'utf8'));
    const put = await fetch(`${server.url}/api/models/${model}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...config, loss: { name: 'brier' } }) });
    expect(put.status, await put.text()).toBe(200);
    expect(ok(await label(model, [{ id, label: 'no' }], true))).toMatchObject({ matched: 1 });
    // brier for "no": (0.3 − 1)² + (0.7 − 0)² = 0.98. Taking back brier("yes") = 0.18 instead of the stored
    // −ln 0.7 would leave 1.1567 in the window.
    expect(ok(await prediction(model, id)).loss).toBeCloseTo(0.98, 14);
    const performance = ok(await getJson(api(model, 'performance')));
    expect(performance.overall).toMatchObject({ count: 1, labeled: 1 });
    expect(performance.overall.meanLoss).toBeCloseTo(0.98, 12);

    // Classes renamed: the stored "no" no longer parses, so its counts cannot be taken back, and an overwrite
    // is refused rather than counting the prediction twice.
    const renamed = await fetch(`${server.url}/api/models/${model}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...config, classes: ['n', 'y'], positiveClass: 'y', loss: { name: 'brier' } }) });
    expect(renamed.status, await renamed.text()).toBe(200);
    expect(ok(await label(model, [{ id, label: 'y' }], true))).toMatchObject({ matched: 0, rejected: [{ id, error: expect.stringMatching(/"no" no longer fits the model/) }] });
    expect(ok(await getJson(api(model, 'performance'))).overall).toMatchObject({ count: 1, labeled: 1 });
  });

  it('an overwrite after the threshold changed takes back the confusion cell the old label was counted in', async () => {
    const model = names.thresholded; // shadow: monitoring-only binary, classes [no, yes], threshold 0.5
    const id = uniqueId('lt');
    await ingest(model, [{ id, output: [0.4, 0.6] }], { x: 1, kind: 'a' });
    // p(yes) = 0.6 ≥ 0.5: predicted yes, labeled yes — a true positive.
    expect(ok(await label(model, [{ id, label: 'yes' }]))).toMatchObject({ matched: 1 });
    expect(ok(await getJson(api(model, 'performance'))).overall).toMatchObject({ labeled: 1, accuracy: 1, precision: 1, recall: 1 });
    const config = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'shadow', 'config.json'), 'utf8'));
    const put = await fetch(`${server.url}/api/models/${model}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...config, threshold: 0.7 }) });
    expect(put.status, await put.text()).toBe(200);
    // Under 0.7 the same output is predicted no, so "no" is a true negative. Taking back the old label's cell as
    // today's threshold places it (a false negative, never counted) would leave TP 1, FN −1, TN 1: accuracy 2.
    expect(ok(await label(model, [{ id, label: 'no' }], true))).toMatchObject({ matched: 1 });
    const overall = ok(await getJson(api(model, 'performance'))).overall;
    expect(overall).toMatchObject({ count: 1, labeled: 1, accuracy: 1 });
    expect(overall.recall ?? 0).toBe(0);
    expect(overall.precision ?? 0).toBe(0);
  });

  it('request-level errors: a body that is not {"labels": [...]} is a 400, more than PLUMBLINE_MAX_LABELS a 413 that labels nothing, an unknown model a 404', async () => {
    const model = names.reject;
    for (const body of ['{}', '{"labels":{}}', '{"labels":"x"}', '[]', '{"label":[]}']) {
      expectError(await label(model, body), 400, 'INVALID_LABELS', /labels/);
    }
    expect(ok(await label(model, []))).toEqual({ matched: 0, pending: 0, duplicate: 0, rejected: [] });
    const [target] = await predictCredit(model, [{}]);
    const many = [{ id: target.id, label: 'default' }, ...Array.from({ length: 10_000 }, (_, i) => ({ id: `lbl-many-${run}-${i}`, label: 'default' }))];
    expectError(await label(model, many), 413, 'TOO_MANY_LABELS', /10001.*10000.*PLUMBLINE_MAX_LABELS/);
    expect(ok(await prediction(model, target.id))).toMatchObject({ label: null });
    expectError(await label(`lbl-nope-${run}`, [{ id: 'x', label: 1 }]), 404, 'MODEL_NOT_FOUND');
  });

  it('/metrics: plumbline_labels_total per result, plumbline_label_delay_seconds, plumbline_loss overall and per segment', async () => {
    const model = names.metrics;
    const predicted = await predictCredit(model, [
      { region: 'eu', channel: 'web' },
      { region: 'eu' },
      { region: 'us', channel: 'web', gender: 'f' },
    ]);
    const labels = predicted.map((row, i) => ({ id: row.id, label: i === 1 ? 'repaid' : 'default' }));
    // matched 3 + pending 2 + duplicate 1 + rejected 2, over three calls.
    ok(await label(model, [...labels, { id: uniqueId('lm'), label: 'default' }, { id: uniqueId('lm'), label: 'default' }]));
    ok(await label(model, [labels[0], { id: predicted[1].id, label: 'default' }]));
    ok(await label(model, [{ id: uniqueId('lm'), label: 'nope' }]));
    const losses = predicted.map((row, i) => logLossOf(row.output, i === 1 ? 0 : 1));

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    const samples = parseSamples(await response.text());
    for (const [result, count] of Object.entries({ matched: 3, pending: 2, duplicate: 1, rejected: 2 })) {
      expect(one(samples, 'plumbline_labels_total', { model, result }), result).toBe(count);
    }
    expect(one(samples, 'plumbline_label_delay_seconds_count', { model })).toBe(3);
    expect(one(samples, 'plumbline_label_delay_seconds_sum', { model })).toBeGreaterThanOrEqual(0);
    expect(one(samples, 'plumbline_label_delay_seconds_sum', { model })).toBeLessThan(60);

    const loss = (segment_key: string, segment: string) => ({ model, version: '1', segment_key, segment });
    const check = (labels: Record<string, string>, rows: number[]) => {
      expect(one(samples, 'plumbline_loss_count', labels), JSON.stringify(labels)).toBe(rows.length);
      expect(one(samples, 'plumbline_loss_sum', labels)).toBeCloseTo(rows.reduce((total, i) => total + losses[i], 0), 9);
      // The +Inf bucket is cumulative: it holds every observation.
      const inf = series(samples, 'plumbline_loss_bucket', labels).find((sample) => sample.labels.le === '+Inf');
      expect(inf?.value).toBe(rows.length);
    };
    check(loss('', ''), [0, 1, 2]);
    check(loss('region', 'eu'), [0, 1]);
    check(loss('region', 'us'), [2]);
    check(loss('channel', 'web'), [0, 2]);
    check(loss('gender', 'f'), [2]);
    expect(series(samples, 'plumbline_loss_count', loss('channel', ''))).toEqual([]);
  });

  it('plumbline_label_delay_seconds is the time from the prediction (its timestamp) to its label', async () => {
    const model = names.delay; // shadow: monitoring-only binary
    const [twoHours, twoDays] = [uniqueId('ld'), uniqueId('ld')];
    const sent = Date.now();
    ok(
      await postJson(api(model, 'predictions'), {
        records: [
          { id: twoHours, timestamp: new Date(sent - 7_200_000).toISOString(), features: { x: 1, kind: 'a' }, output: 0.8 },
          { id: twoDays, timestamp: new Date(sent - 172_800_000).toISOString(), features: { x: 1, kind: 'a' }, output: 0.3 },
        ],
      }),
    );
    expect(ok(await label(model, [{ id: twoHours, label: 'yes' }, { id: twoDays, label: 'no' }]))).toMatchObject({ matched: 2 });
    const elapsed = (Date.now() - sent) / 1000;
    const samples = parseSamples(await (await fetch(`${server.url}/metrics`)).text());
    expect(one(samples, 'plumbline_label_delay_seconds_count', { model })).toBe(2);
    const sum = one(samples, 'plumbline_label_delay_seconds_sum', { model });
    expect(sum).toBeGreaterThanOrEqual(7_200 + 172_800);
    expect(sum).toBeLessThanOrEqual(7_200 + 172_800 + 2 * elapsed);
    const bucket = (le: string) => series(samples, 'plumbline_label_delay_seconds_bucket', { model }).find((sample) => sample.labels.le === le)?.value;
    // Cumulative buckets: 2 h lands in le=14400 (4 h), 2 days in le=259200 (3 days).
    expect([bucket('3600'), bucket('14400'), bucket('86400'), bucket('259200'), bucket('+Inf')]).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('plumbline_loss per segment keeps the segment-value cap (DESIGN §6)', () => {
  let server: TestApp;
  const model = `lbl-cap-${uniqueId('c').replace(/^c-/, '')}`;

  beforeAll(async () => {
    const root = copyFixtureModels();
    cpSync(join(FIXTURE_MODELS, 'shadow'), join(root, model), { recursive: true });
    // The cap names values in the order a process first sees them: no gauge refresh (it reads them back in
    // another order) may run between the ingest and the labels.
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: root, PLUMBLINE_MAX_SEGMENT_VALUES: '2', PLUMBLINE_GAUGE_INTERVAL: '1h' });
  });
  afterAll(() => server?.close());

  it('the first two regions keep their names, the third and fourth share __other__', async () => {
    const api = (path: string) => `${server.url}/api/models/${model}/${path}`;
    // One prediction per region, in this order, each with p(yes) = 0.8 and the label "yes": loss −ln 0.8.
    const regions = ['eu', 'us', 'apac', 'latam'];
    const ids = regions.map(() => uniqueId('cap'));
    for (const [i, region] of regions.entries()) {
      const ingested = await postJson(api('predictions'), { records: [{ id: ids[i], features: { x: i, kind: 'a' }, output: 0.8, segments: { region } }] });
      expect(ingested.status, JSON.stringify(ingested.body)).toBe(200);
    }
    const labeled = await postJson(api('labels'), { labels: ids.map((id) => ({ id, label: 'yes' })) });
    expect(labeled.body).toMatchObject({ matched: 4 });
    const samples = parseSamples(await (await fetch(`${server.url}/metrics`)).text());
    const count = (segment: string) => one(samples, 'plumbline_loss_count', { model, version: '0', segment_key: 'region', segment });
    expect([count('eu'), count('us'), count('__other__'), count('apac'), count('latam')]).toEqual([1, 1, 2, undefined, undefined]);
    expect(one(samples, 'plumbline_loss_sum', { model, version: '0', segment_key: 'region', segment: '__other__' })).toBeCloseTo(-2 * Math.log(0.8), 12);
  });
});
