import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/database/database.js';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';

describe('label writes', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server?.close());

  it('store the label of a prediction whose timestamp has microseconds (written by SQL, replication…)', async () => {
    const model = uniqueId('usec').replaceAll('-', '_');
    const config = { task: 'regression', features: ['x'] };
    expect((await fetch(`${server.url}/api/models/${model}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) })).status).toBe(200);
    expect((await postJson(`${server.url}/api/models/${model}/predictions`, { records: [{ id: 'p1', features: { x: 1 }, output: 2 }] })).status).toBe(200);
    const database = server.app.get(Database);
    // Move the prediction to a timestamp a JS Date cannot hold exactly.
    const ts = `${new Date().toISOString().slice(0, 10)}T00:00:00.123456Z`;
    await database.transaction(async (client) => {
      await client.query('UPDATE predictions SET ts = $3 WHERE model = $1 AND id = $2', [model, 'p1', ts]);
      await client.query('UPDATE prediction_ids SET ts = $3 WHERE model = $1 AND id = $2', [model, 'p1', ts]);
    });
    expect((await postJson(`${server.url}/api/models/${model}/labels`, { labels: [{ id: 'p1', label: 5 }] })).body.matched).toBe(1);
    const stored = (await getJson(`${server.url}/api/models/${model}/predictions/p1`)).body;
    expect([stored.label, stored.loss]).toEqual([5, 9]);
  });
});
