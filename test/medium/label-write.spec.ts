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
  it('ids, segment values and class names with backslashes, quotes and unicode are stored and aggregated exactly (the labels and their deltas go in as COPY text)', async () => {
    const model = uniqueId('copy').replaceAll('-', '_');
    const classes = ['no\\N', 'yes\\t"\'é'];
    const config = { task: 'binary', features: ['x'], classes, segments: ['g'] };
    expect((await fetch(`${server.url}/api/models/${model}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) })).status).toBe(200);
    const ids = ['a\\b', '\\N', 'c\\\\t', "d'; DROP TABLE labels; --", 'e"é😀', '\\.', 'f\\n\\r'];
    const segments = ['s\\tx', '\\N', 'ü\\\\'];
    const records = ids.map((id, i) => ({ id, features: { x: i }, output: [0.25, 0.75], segments: { g: segments[i % segments.length] } }));
    expect((await postJson(`${server.url}/api/models/${model}/predictions`, { records })).status).toBe(200);
    const labels = ids.map((id, i) => ({ id, label: classes[i % 2] }));
    expect((await postJson(`${server.url}/api/models/${model}/labels`, { labels })).body).toEqual({ matched: ids.length, pending: 0, duplicate: 0, rejected: [] });
    for (const [i, id] of ids.entries()) {
      const stored = (await getJson(`${server.url}/api/models/${model}/predictions/${encodeURIComponent(id)}`)).body;
      expect([stored.id, stored.label, stored.loss]).toEqual([id, classes[i % 2], -Math.log(i % 2 ? 0.75 : 0.25)]);
    }
    const now = Date.now();
    const query = `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}&segment=g`;
    const performance = (await getJson(`${server.url}/api/models/${model}/performance?${query}`)).body;
    expect(Object.keys(performance.segments).sort()).toEqual([...segments].sort());
    expect(performance.overall).toMatchObject({ count: ids.length, labeled: ids.length });
    expect(segments.map((value) => performance.segments[value].labeled)).toEqual([3, 2, 2]);
  });
  it('a call of 1,200 labels (read in chunks, aggregated while the labels are inserted) counts each once, and sent again (all duplicates) or mixed with relabels moves nothing twice', async () => {
    const model = uniqueId('bulk').replaceAll('-', '_');
    expect((await fetch(`${server.url}/api/models/${model}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task: 'regression', features: ['x'], segments: ['g'] }) })).status).toBe(200);
    const n = 1_200;
    const records = Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(5, '0')}`, features: { x: i }, output: i % 7, segments: { g: i % 3 === 0 ? 'a' : 'b' } }));
    expect((await postJson(`${server.url}/api/models/${model}/predictions`, { records })).status).toBe(200);
    const labels = records.map((record, i) => ({ id: record.id, label: (i % 7) + (i % 2) }));
    const now = Date.now();
    const performance = async () => {
      const query = `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}&segment=g`;
      return (await getJson(`${server.url}/api/models/${model}/performance?${query}`)).body;
    };
    // Squared errors: 1 for odd i, 0 for even: n / 2 in all, meanLoss 0.5 overall.
    expect((await postJson(`${server.url}/api/models/${model}/labels`, { labels: [...labels, { id: 'later', label: 1 }] })).body).toEqual({ matched: n, pending: 1, duplicate: 0, rejected: [] });
    const first = await performance();
    expect(first.overall).toMatchObject({ count: n, labeled: n, meanLoss: 0.5 });
    expect(first.segments.a.labeled + first.segments.b.labeled).toBe(n);

    expect((await postJson(`${server.url}/api/models/${model}/labels`, { labels })).body).toEqual({ matched: 0, pending: 0, duplicate: n, rejected: [] });
    expect(await performance()).toEqual(first);

    // Half the same, half moved from y to y + 1 (overwrite): the squared error of every odd i goes 1 → 4, of every even i 0 → 1.
    const moved = labels.map((item, i) => (i % 2 === 0 ? item : { id: item.id, label: (item.label as number) + 1 }));
    expect((await postJson(`${server.url}/api/models/${model}/labels?overwrite=true`, { labels: moved })).body).toEqual({ matched: n / 2, pending: 0, duplicate: n / 2, rejected: [] });
    expect((await performance()).overall).toMatchObject({ count: n, labeled: n, meanLoss: 2 });
    const stored = (await getJson(`${server.url}/api/models/${model}/predictions/p00001`)).body;
    expect([stored.label, stored.loss]).toEqual([3, 4]);
  });
});
