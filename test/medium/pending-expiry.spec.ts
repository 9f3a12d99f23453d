import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/database/database.js';
import { LabelsRepository } from '../../src/modules/labels/labels.repository.js';
import { LabelsService } from '../../src/modules/labels/labels.service.js';
import { PlumblineMetrics } from '../../src/monitoring/metrics.registry.js';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';

describe('pending labels past the join window', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_LABEL_JOIN_WINDOW: '1h' });
  });
  afterAll(() => server?.close());

  it('are dropped by the sweep and counted, per model, in expired_labels and plumbline_labels_total', async () => {
    const model = uniqueId('exp').replaceAll('-', '_');
    const put = await fetch(`${server.url}/api/models/${model}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'regression', features: ['x'] }),
    });
    expect(put.status).toBe(200);
    const result = await postJson(`${server.url}/api/models/${model}/labels`, { labels: [{ id: 'old', label: 1 }, { id: 'fresh', label: 2 }] });
    expect(result.body).toEqual({ matched: 0, pending: 2, duplicate: 0, rejected: [] });
    const database = server.app.get(Database);
    await database.pool.query(`UPDATE pending_labels SET received_at = now() - interval '2 hours' WHERE model = $1 AND id = 'old'`, [model]);

    await server.app.get(LabelsService).sweep();

    expect(await server.app.get(LabelsRepository).counts(model)).toEqual({ pending: 1, expired: 1 });
    const expired = (await server.app.get(PlumblineMetrics).labels.get()).values.find((v) => v.labels.model === model && v.labels.result === 'expired');
    expect(expired?.value).toBe(1);
    // The expired label's prediction arriving later is not labeled; the fresh one is joined.
    const ingest = await postJson(`${server.url}/api/models/${model}/predictions`, {
      records: [{ id: 'old', features: { x: 1 }, output: 0.5 }, { id: 'fresh', features: { x: 1 }, output: 0.5 }],
    });
    expect(ingest.status).toBe(200);
    await server.app.get(LabelsService).joinPending(model);
    const fresh = (await getJson(`${server.url}/api/models/${model}/predictions/fresh`)).body;
    const old = (await getJson(`${server.url}/api/models/${model}/predictions/old`)).body;
    expect([fresh.label, fresh.loss]).toEqual([2, 2.25]);
    expect(old.label).toBeNull();
  });
});
