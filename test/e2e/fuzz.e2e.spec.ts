import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FIXTURE_MODELS, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { putBytes, putJson } from './e2e-support.js';

// Property-based fuzzing of every write endpoint (issue 9): random and hostile bodies — wrong types,
// huge numbers, unicode, `__proto__` keys, deep nesting, near-valid requests with one thing wrong.
// The server must answer every one with a 2xx or a 4xx `{error, code}` (never a 5xx, never hang or
// crash), and the prediction log must hold exactly the rows of the requests it accepted.

const RUNS = 60;
const FEATURES = ['age', 'income', 'debt_ratio', 'tenure_months', 'num_accounts'];

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '\u0000', '__proto__', 'constructor', '../../etc/passwd', "'; DROP TABLE predictions; --", '\uD800', 'é'.repeat(300), '{"a":1}', 'NaN', 'Infinity'),
);
const hostileNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 5e-324));
const scalar = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 5 }), fc.dictionary(hostileString, scalar, { maxKeys: 4 }));

/** Near-valid OIP requests: each field either right or wrong. */
const oipBody = fc.record(
  {
    id: fc.oneof(hostileString, hostileNumber),
    parameters: fc.dictionary(fc.oneof(fc.constantFrom('region', 'channel', 'gender'), hostileString), scalar, { maxKeys: 3 }),
    inputs: fc.array(
      fc.record(
        {
          name: fc.oneof(fc.constant('input'), fc.constant('region'), fc.constant('prediction_id'), hostileString),
          shape: fc.oneof(fc.constant([1, 5]), fc.constant([2, 5]), fc.array(fc.integer({ min: -2, max: 10 }), { maxLength: 4 })),
          datatype: fc.oneof(fc.constantFrom('FP32', 'FP64', 'INT64', 'BYTES', 'BOOL', 'FP16'), hostileString),
          data: fc.oneof(fc.array(hostileNumber, { maxLength: 12 }), fc.array(fc.array(scalar, { maxLength: 6 }), { maxLength: 3 }), value),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

const features = fc.oneof(
  fc.record(Object.fromEntries(FEATURES.map((name) => [name, fc.oneof(fc.integer({ min: 0, max: 100 }), scalar)])), { requiredKeys: [] }),
  fc.dictionary(hostileString, scalar, { maxKeys: 6 }),
  value,
);
const records = fc.record(
  {
    records: fc.oneof(
      fc.array(
        fc.record(
          {
            id: fc.oneof(fc.uuid(), hostileString, hostileNumber),
            timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), hostileString),
            features,
            segments: fc.oneof(fc.dictionary(fc.constantFrom('region', 'channel', 'gender'), fc.oneof(fc.constantFrom('eu', 'us'), scalar), { maxKeys: 3 }), value),
            output: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.array(hostileNumber, { maxLength: 3 }), value),
            label: fc.oneof(fc.constantFrom('repaid', 'default', 0, 1), scalar),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      value,
    ),
  },
  { requiredKeys: [] },
);
/** Valid records, so that accepted requests are part of the mix (and the row count check means something). */
const validRecords = (withOutput: boolean) =>
  fc
    .array(
      fc.record({
        features: fc.record(Object.fromEntries(FEATURES.map((name) => [name, fc.integer({ min: 0, max: 100_000 })]))),
        segments: fc.record({ region: fc.constantFrom('eu', 'us', 'ünïcødé ✓') }),
        ...(withOutput ? { output: fc.double({ min: 0, max: 1, noNaN: true }) } : {}),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((rows) => ({ records: rows }));
const labels = fc.record({ labels: fc.oneof(fc.array(fc.record({ id: fc.oneof(hostileString, hostileNumber), label: value }, { requiredKeys: [] }), { maxLength: 5 }), value) }, { requiredKeys: [] });

/** Raw text that is not quite JSON, JSON with prototype keys, or nested past any sane depth. */
const rawText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('{"__proto__": {"polluted": true}, "records": []}', '{"constructor": {"prototype": {"x": 1}}}', '[1, 2', '{"a": NaN}', '{"a": Infinity}', '', '   ', 'null', '"text"', '1e999'),
  fc.integer({ min: 30, max: 5000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
);

async function send(url: string, method: string, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

describe('fuzzing every write endpoint', () => {
  let server: TestApp;
  let db: pg.Client;
  const served = uniqueId('fuzz').replace(/-/g, '_');
  const monitored = uniqueId('fuzzmon').replace(/-/g, '_');
  const accepted = { [served]: 0, [monitored]: 0 };
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    server = await startTestApp();
    db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    const onnx = readFileSync(join(FIXTURE_MODELS, 'credit', '1', 'model.onnx'));
    const config = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'credit', 'config.json'), 'utf8'));
    expect((await putJson(`${server.url}/api/models/${served}/config`, config)).status).toBe(200);
    expect((await putBytes(`${server.url}/api/models/${served}/versions/1`, new Uint8Array(onnx))).status).toBe(200);
    const { loss: _loss, input: _input, output: _output, ...monitoring } = config;
    expect((await putJson(`${server.url}/api/models/${monitored}/config`, monitoring)).status).toBe(200);
  });

  afterAll(async () => {
    await db?.end();
    await server?.close();
    console.log(`fuzz: ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${n}×${status}`).join(', ')}; accepted rows ${JSON.stringify(accepted)}`);
  });

  /** Sends one body; checks the answer's shape; counts what the log should now hold. */
  async function check(path: string, method: string, body: string, model?: string, rowsOf?: (json: any) => number): Promise<void> {
    const { status, json } = await send(`${server.url}${path}`, method, body);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    expect(status, `${method} ${path} ${body.slice(0, 300)} → ${JSON.stringify(json).slice(0, 300)}`).toBeLessThan(500);
    if (status >= 400) {
      expect(json, body.slice(0, 200)).toMatchObject({ error: expect.any(String), code: expect.any(String) });
    } else if (model && rowsOf) {
      accepted[model] += rowsOf(json);
    }
  }

  const asText = (body: unknown) => JSON.stringify(body) ?? 'null';

  it('POST /v2/models/{m}/infer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(oipBody.map(asText), rawText), (body) => check(`/v2/models/${served}/infer`, 'POST', body, served, (json) => json.outputs.find((o: any) => o.name === 'prediction_id').data.length)),
      { numRuns: RUNS * 2 },
    );
  });

  it('POST /api/models/{m}/predict', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(records.map(asText), validRecords(false).map(asText), rawText), (body) => check(`/api/models/${served}/predict`, 'POST', body, served, (json) => json.predictions.length)),
      { numRuns: RUNS },
    );
  });

  it('POST /api/models/{m}/predictions (monitoring-only)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(records.map(asText), validRecords(true).map(asText), rawText), (body) => check(`/api/models/${monitored}/predictions`, 'POST', body, monitored, (json) => json.accepted)),
      { numRuns: RUNS },
    );
  });

  it('POST /api/models/{m}/labels', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(labels.map(asText), rawText), (body) => check(`/api/models/${served}/labels`, 'POST', body)), { numRuns: RUNS });
  });

  it('PUT config and reference, repository load', async () => {
    const target = uniqueId('fuzzcfg').replace(/-/g, '_');
    await fc.assert(fc.asyncProperty(fc.oneof(value.map(asText), rawText), (body) => check(`/api/models/${target}/config`, 'PUT', body)), { numRuns: RUNS });
    await fc.assert(fc.asyncProperty(fc.oneof(records.map(asText), rawText), (body) => check(`/api/models/${monitored}/reference`, 'PUT', body)), { numRuns: RUNS });
    await fc.assert(fc.asyncProperty(fc.oneof(value.map(asText), rawText), (body) => check(`/v2/repository/models/${served}/load`, 'POST', body)), { numRuns: RUNS / 2 });
  });

  it('PUT /api/models/{m}/versions/{v} with random bytes', async () => {
    const target = uniqueId('fuzzonnx').replace(/-/g, '_');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const response = await putBytes(`${server.url}/api/models/${target}/versions/1`, bytes);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('stored exactly the rows of the accepted requests, and is still healthy', async () => {
    const { rows } = await db.query('SELECT model, count(*)::int AS n FROM predictions WHERE model = ANY($1) GROUP BY model', [[served, monitored]]);
    const stored = Object.fromEntries(rows.map((row) => [row.model, row.n]));
    expect({ [served]: stored[served] ?? 0, [monitored]: stored[monitored] ?? 0 }).toEqual(accepted);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
