import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtureModels, FIXTURE_MODELS, getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectError, SKLEARN, UUID_V7 } from './e2e-support.js';

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

describe('POST /api/models/{m}/predictions (predictions made elsewhere, DESIGN §5.3)', () => {
  let server: TestApp;
  // Copies of fixture models and two monitoring-only configs under names unique to this run (the database is shared).
  const run = uniqueId('ing').replace(/^ing-/, '');
  const names = {
    shadow: `lbl-ing-shadow-${run}`,
    prices: `lbl-ing-prices-${run}`,
    credit: `lbl-ing-credit-${run}`,
    first: `lbl-ing-first-${run}`,
    three: `lbl-ing-three-${run}`,
  };

  beforeAll(async () => {
    const root = copyFixtureModels();
    cpSync(join(FIXTURE_MODELS, 'shadow'), join(root, names.shadow), { recursive: true });
    cpSync(join(FIXTURE_MODELS, 'prices'), join(root, names.prices), { recursive: true });
    cpSync(join(FIXTURE_MODELS, 'credit'), join(root, names.credit), { recursive: true });
    const config = (name: string, body: unknown) => {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'config.json'), JSON.stringify(body));
    };
    // A binary model whose positive class is the first one.
    config(names.first, { task: 'binary', features: ['x'], classes: ['fraud', 'ok'], positiveClass: 'fraud', segments: ['region'] });
    config(names.three, { task: 'multiclass', features: ['x'], classes: ['a', 'b', 'c'] });
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: root });
  });
  afterAll(() => server?.close());

  const api = (model: string, path: string) => `${server.url}/api/models/${model}/${path}`;
  const ingest = (model: string, body: unknown) => postJson(api(model, 'predictions'), body);
  const prediction = (model: string, id: string) => getJson(api(model, `predictions/${encodeURIComponent(id)}`));
  const ok = <T extends { status: number; body: any }>(response: T): T['body'] => {
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };

  it('logs the records as sent: {model, version, accepted, ids}, UUIDv7 ids when none is given, the timestamp given or now', async () => {
    const model = names.shadow;
    const id = uniqueId('in');
    const timestamp = iso(Date.now() - 2 * HOUR);
    const before = Date.now();
    const body = ok(await ingest(model, {
      records: [
        { id, timestamp, features: { x: 1.5, kind: 'a' }, output: 0.8, segments: { region: 'eu', gender: 'f' } },
        { features: { x: -2, kind: 'b' }, output: [0.3, 0.7] },
      ],
    }));
    expect(body).toEqual({ model, version: '0', accepted: 2, ids: [id, expect.stringMatching(UUID_V7)] });
    // p(positive) alone becomes the probability row in classes order: [p(no), p(yes)].
    expect(ok(await prediction(model, id))).toEqual({
      id,
      model,
      version: '0',
      timestamp,
      features: { x: 1.5, kind: 'a' },
      output: [1 - 0.8, 0.8],
      segments: { region: 'eu', gender: 'f' },
      label: null,
      loss: null,
      labeledAt: null,
    });
    const second = ok(await prediction(model, body.ids[1]));
    expect(second).toMatchObject({ output: [0.3, 0.7], segments: {}, features: { x: -2, kind: 'b' } });
    expect(Date.parse(second.timestamp)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(second.timestamp)).toBeLessThanOrEqual(Date.now() + 1000);
    // A timestamp with an offset is the same instant.
    const offset = uniqueId('in');
    const instant = Math.floor(Date.now() / 1000) * 1000 - HOUR + 250;
    const local = new Date(instant + 2 * HOUR).toISOString().replace('Z', '+02:00');
    ok(await ingest(model, { records: [{ id: offset, timestamp: local, features: { x: 0, kind: 'a' }, output: 0.5 }] }));
    expect(ok(await prediction(model, offset)).timestamp).toBe(iso(instant));
  });

  it('a binary model whose positive class is the first one: p(positive) is the first column', async () => {
    const model = names.first; // classes [fraud, ok], positiveClass fraud
    const id = uniqueId('fp');
    ok(await ingest(model, { records: [{ id, features: { x: 1 }, output: 0.9, segments: { region: 'eu' } }] }));
    expect(ok(await prediction(model, id)).output).toEqual([0.9, 1 - 0.9]);
    expect(ok(await postJson(api(model, 'labels'), { labels: [{ id, label: 'fraud' }] }))).toMatchObject({ matched: 1 });
    expect(ok(await prediction(model, id)).loss).toBeCloseTo(-Math.log(0.9), 12);
    const performance = ok(await getJson(api(model, 'performance')));
    // Predicted fraud (0.9 ≥ 0.5) and labeled fraud: a true positive.
    expect(performance.overall).toMatchObject({ count: 1, labeled: 1, accuracy: 1, precision: 1, recall: 1, f1: 1 });
  });

  it('timestamps in the past land in their own buckets', async () => {
    const model = names.prices;
    const t1 = Date.now() - 2 * HOUR;
    const t2 = Date.now() - 1.5 * HOUR;
    const records = [t1, t1 + 1000, t2].map((t, i) => ({ id: uniqueId('pb'), timestamp: iso(t), features: { size: i }, output: 10 + i, segments: { store: 'north' } }));
    ok(await ingest(model, { records }));
    const count = async (from: number, to: number) => ok(await getJson(`${api(model, 'performance')}?from=${iso(from)}&to=${iso(to)}`)).overall.count;
    expect(await count(t1 - 5 * 60_000, t1 + 5 * 60_000)).toBe(2);
    expect(await count(t2 - 5 * 60_000, t2 + 5 * 60_000)).toBe(1);
    expect(await count(Date.now() - HOUR, Date.now())).toBe(0);
  });

  it('the model\'s own version for a served model', async () => {
    const model = names.credit;
    const features = Object.fromEntries(SKLEARN.credit.features.map((name, j) => [name, SKLEARN.credit.rows[0][j]]));
    const body = ok(await ingest(model, { records: [{ features, output: [0.4, 0.6], segments: { region: 'eu' } }] }));
    expect(body).toMatchObject({ model, version: '1', accepted: 1 });
    expect(ok(await prediction(model, body.ids[0]))).toMatchObject({ version: '1', output: [0.4, 0.6] });
  });

  describe('validation: a 400 naming the problem, and nothing of the request is logged', () => {
    const good = () => ({ id: uniqueId('ok'), features: { x: 1, kind: 'a' }, output: [0.5, 0.5] });
    const cases: Array<[string, string, unknown[] | string, number, string, RegExp]> = [
      ['a probability row of the wrong length', 'shadow', [{ features: { x: 1 }, output: [0.2, 0.3, 0.5] }], 400, 'INVALID_VALUE', /2 finite probabilities \(no, yes\)/],
      ['one probability for a multiclass model', 'three', [{ features: { x: 1 }, output: 0.5 }], 400, 'INVALID_VALUE', /3 finite probabilities/],
      ['a row for a regression model', 'prices', [{ features: { size: 1 }, output: [1, 2] }], 400, 'INVALID_VALUE', /finite number/],
      ['a string output', 'prices', [{ features: { size: 1 }, output: '3.5' }], 400, 'INVALID_VALUE', /finite number/],
      ['no output', 'prices', [{ features: { size: 1 } }], 400, 'INVALID_VALUE', /output/],
      ['a non-finite output (1e999)', 'prices', '[{"features":{"size":1},"output":1e999}]', 400, 'INVALID_VALUE', /finite/],
      ['a non-finite probability', 'shadow', '[{"features":{"x":1},"output":[-1e999,0.5]}]', 400, 'INVALID_VALUE', /finite/],
      ['p(positive) above 1', 'shadow', [{ features: { x: 1 }, output: 1.5 }], 400, 'INVALID_VALUE', /probabilit/],
      ['a negative probability', 'three', [{ features: { x: 1 }, output: [-0.2, 0.6, 0.6] }], 400, 'INVALID_VALUE', /probabilit/],
      ['a non-finite feature', 'prices', '[{"features":{"size":1e999},"output":1}]', 400, 'INVALID_VALUE', /size/],
      ['a nested feature', 'prices', [{ features: { size: { m2: 1 } }, output: 1 }], 400, 'INVALID_VALUE', /size/],
      ['features that are not an object', 'prices', [{ features: [1], output: 1 }], 400, 'INVALID_INPUT', /features/],
      ['a timestamp that is not RFC 3339', 'prices', [{ features: { size: 1 }, output: 1, timestamp: 'yesterday' }], 400, 'BAD_REQUEST', /RFC 3339/],
      ['a timestamp without a zone', 'prices', [{ features: { size: 1 }, output: 1, timestamp: '2026-11-27T10:00:00' }], 400, 'BAD_REQUEST', /RFC 3339/],
      ['a month 13', 'prices', [{ features: { size: 1 }, output: 1, timestamp: '2026-13-01T00:00:00Z' }], 400, 'BAD_REQUEST', /timestamp/],
      ['a number as timestamp', 'prices', [{ features: { size: 1 }, output: 1, timestamp: 1764000000 }], 400, 'BAD_REQUEST', /RFC 3339/],
      ['a timestamp older than the retention (30d)', 'prices', [{ features: { size: 1 }, output: 1, timestamp: iso(Date.now() - 31 * 24 * HOUR) }], 400, 'INVALID_REQUEST', /retention/],
      ['a timestamp more than 1 h ahead', 'prices', [{ features: { size: 1 }, output: 1, timestamp: iso(Date.now() + 2 * HOUR) }], 400, 'INVALID_REQUEST', /ahead/],
      ['an unknown segment key', 'prices', [{ features: { size: 1 }, output: 1, segments: { region: 'eu' } }], 400, 'INVALID_SEGMENT', /unknown segment 'region'.*store/],
      ['a segment value that is not a string', 'prices', [{ features: { size: 1 }, output: 1, segments: { store: 7 } }], 400, 'INVALID_SEGMENT', /store/],
      ['a segment value over 256 characters', 'prices', [{ features: { size: 1 }, output: 1, segments: { store: 's'.repeat(257) } }], 400, 'INVALID_SEGMENT', /256/],
      ['an id over 256 characters', 'prices', [{ id: 'i'.repeat(257), features: { size: 1 }, output: 1 }], 400, 'INVALID_PREDICTION_ID', /256/],
      ['an id twice in one request', 'prices', [{ id: 'twice', features: { size: 1 }, output: 1 }, { id: 'twice', features: { size: 2 }, output: 2 }], 400, 'INVALID_PREDICTION_ID', /repeats/],
    ];
    for (const [what, key, records, status, code, message] of cases) {
      it(what, async () => {
        const model = names[key as keyof typeof names];
        const first = key === 'shadow' ? good() : key === 'three' ? { ...good(), output: [0.2, 0.3, 0.5] } : { ...good(), features: { size: 1 }, output: 1 };
        const body = typeof records === 'string' ? `{"records":[${JSON.stringify(first)},${records.slice(1, -1)}]}` : { records: [first, ...records] };
        const response = await ingest(model, body);
        expectError(response, status, code, message);
        expectError(await prediction(model, first.id), 404, 'PREDICTION_NOT_FOUND');
      });
    }

    it('an empty or missing records array, and more than PLUMBLINE_MAX_ROWS records', async () => {
      expectError(await ingest(names.prices, { records: [] }), 400, 'INVALID_REQUEST', /records/);
      expectError(await ingest(names.prices, {}), 400, 'INVALID_REQUEST', /records/);
      const many = Array.from({ length: 10_001 }, () => ({ features: { size: 1 }, output: 1 }));
      expectError(await ingest(names.prices, { records: many }), 413, 'TOO_MANY_ROWS', /10001/);
    });
  });

  it('a logged id again is a 409, the first prediction is unchanged, and the other rows of that request are not logged', async () => {
    const model = names.shadow;
    const id = uniqueId('dup');
    ok(await ingest(model, { records: [{ id, features: { x: 1, kind: 'a' }, output: 0.25, segments: { region: 'eu' } }] }));
    const before = ok(await prediction(model, id));
    const fresh = uniqueId('dup');
    expectError(await ingest(model, { records: [{ id: fresh, features: { x: 3, kind: 'b' }, output: 0.5 }, { id, features: { x: 2, kind: 'b' }, output: 0.75 }] }), 409, 'DUPLICATE_PREDICTION_ID');
    expect(ok(await prediction(model, id))).toEqual(before);
    expectError(await prediction(model, fresh), 404, 'PREDICTION_NOT_FOUND');
    // The same id may be used by another model.
    ok(await ingest(names.first, { records: [{ id, features: { x: 1 }, output: 0.5 }] }));
  });

  it('a monitoring-only model has no version to run: infer and predict are 404 VERSION_NOT_FOUND; an unknown model is a 404', async () => {
    const model = names.shadow;
    const input = { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 0] }] };
    expectError(await postJson(`${server.url}/v2/models/${model}/infer`, input), 404, 'VERSION_NOT_FOUND', /monitoring-only/);
    expectError(await postJson(`${server.url}/v2/models/${model}/versions/1/infer`, input), 404, 'VERSION_NOT_FOUND');
    expectError(await postJson(api(model, 'predict'), { records: [{ features: { x: 1, kind: 'a' } }] }), 404, 'VERSION_NOT_FOUND', /monitoring-only/);
    expectError(await ingest(`lbl-nope-${run}`, { records: [{ features: {}, output: 1 }] }), 404, 'MODEL_NOT_FOUND');
  });
});
