import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../../src/database/database.js';
import { postJson, startTestApp, type TestApp } from '../helpers/app.js';

const LOG = 200_000;
const LABELS = 10_000;

/**
 * A call of 10,000 labels against a log of 200,000 predictions, in a database of its own (the planner's
 * choices depend on the table sizes it sees). Before the lookup read each prediction by its full key,
 * PostgreSQL estimated the join of prediction_ids and predictions at one row, hashed both tables whole and
 * compared each of the 10,000 ids with all 200,000 rows: the call ran into the 30 s statement timeout (503).
 */
describe('POST /api/models/{m}/labels on a log of 200,000 predictions', () => {
  const model = 'large';
  const name = `plumbline_large_log_${Date.now().toString(36)}`;
  const admin = createPool(inject('databaseUrl'));
  let server: TestApp | undefined;
  let root: string | undefined;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${name}`;
    root = mkdtempSync(join(tmpdir(), 'plumbline-large-log-'));
    mkdirSync(join(root, model));
    writeFileSync(join(root, model, 'config.json'), JSON.stringify({ task: 'binary', features: ['x'], classes: ['no', 'yes'], segments: ['g'] }));
    server = await startTestApp({ DATABASE_URL: url.toString(), PLUMBLINE_MODEL_REPOSITORY: root, PLUMBLINE_DRIFT_FLUSH_INTERVAL: '1h', PLUMBLINE_GAUGE_INTERVAL: '1h' });
    // One prediction through the API (it creates today's partition), the rest in SQL, spread over the last hour
    // of today (UTC: the partition is daily).
    const now = Date.now();
    const from = Math.max(now - 3_600_000, now - (now % 86_400_000));
    const first = await postJson(`${server.url}/api/models/${model}/predictions`, { records: [{ id: 'q000000', features: { x: 0 }, output: 0.5, segments: { g: 'a' }, timestamp: new Date(from).toISOString() }] });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const pool = createPool(url.toString());
    try {
      const rows = `FROM generate_series(1::bigint, ${LOG - 1}) AS n`;
      const id = `'q' || lpad(n::text, 6, '0')`;
      const ts = `to_timestamp((${from} + n * ${now - from} / ${LOG})::float8 / 1000)`;
      const output = 'jsonb_build_array(1 - (n % 100) / 100.0, (n % 100) / 100.0)';
      await pool.query(`INSERT INTO prediction_ids (model, id, ts, version, output, segments) SELECT '${model}', ${id}, ${ts}, 0, ${output}, jsonb_build_object('g', 'a') ${rows}`);
      await pool.query(
        `INSERT INTO predictions (model, id, version, ts, features, output, segments)
         SELECT '${model}', ${id}, 0, ${ts}, jsonb_build_object('x', n), ${output}, jsonb_build_object('g', 'a') ${rows}`,
      );
      await pool.query('ANALYZE prediction_ids, predictions');
    } finally {
      await pool.end();
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('labels all 10,000 in one call', async () => {
    // Ids spread over the whole log, as delayed labels arrive.
    const labels = Array.from({ length: LABELS }, (_, i) => ({ id: `q${String((i * 7_919) % LOG).padStart(6, '0')}`, label: i % 2 === 0 ? 'yes' : 'no' }));
    const answer = await postJson(`${server!.url}/api/models/${model}/labels`, { labels });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual({ matched: LABELS, pending: 0, duplicate: 0, rejected: [] });
  }, 120_000);
});
