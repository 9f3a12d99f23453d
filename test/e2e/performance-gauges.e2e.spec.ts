import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';

/** `plumbline_performance` as a map "labels" → value, for one model. */
async function gauges(url: string, model: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^plumbline_performance\{(.*)\} (\S+)$/.exec(line);
    if (match && match[1].includes(`model="${model}"`)) series.set(match[1].replace(`model="${model}",`, ''), Number(match[2]));
  }
  return series;
}

describe('plumbline_performance gauges', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_GAUGE_INTERVAL: '300ms', PLUMBLINE_PERFORMANCE_WINDOWS: '1h,24h', PLUMBLINE_MAX_SEGMENT_VALUES: '2' });
  });
  afterAll(() => server?.close());

  it('are refreshed per window, version and segment, with values past the cap merged into __other__', async () => {
    // A model of this run only: the database is shared with earlier runs.
    const model = uniqueId('gauge').replaceAll('-', '_');
    const config = { task: 'binary', features: ['x'], classes: ['no', 'yes'], segments: ['region'] };
    const created = await fetch(`${server.url}/api/models/${model}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
    expect(created.status).toBe(200);
    const regions = ['eu', 'us', 'apac', 'latam'];
    // One prediction per region; p(yes) = 0.9 everywhere; labels: yes, yes, no, no.
    const records = regions.map((region) => ({ id: uniqueId(region), features: { x: 1 }, output: 0.9, segments: { region } }));
    const ingested = await postJson(`${server.url}/api/models/${model}/predictions`, { records });
    expect(ingested.status).toBe(200);
    const labels = records.map((record, i) => ({ id: record.id, label: i < 2 ? 'yes' : 'no' }));
    expect((await postJson(`${server.url}/api/models/${model}/labels`, { labels })).body.matched).toBe(4);

    await expect.poll(async () => (await gauges(server.url, model)).get('version="",segment_key="",segment="",metric="labeled",window="1h"'), { timeout: 10_000 }).toBe(4);
    const series = await gauges(server.url, model);
    const value = (segment: string, metric: string, window = '1h') => series.get(`version="",segment_key="region",segment="${segment}",metric="${metric}",window="${window}"`);
    expect(series.get('version="",segment_key="",segment="",metric="accuracy",window="24h"')).toBe(0.5);
    // The first two values seen keep their names (the cap is per process, in order of first sight).
    const named = regions.filter((region) => value(region, 'count') !== undefined);
    expect(named).toHaveLength(2);
    expect(value('__other__', 'count')).toBe(2);
    expect(value('__other__', 'labeled')).toBe(2);
    const log = (p: number) => -Math.log(p);
    const expectedOther = regions.filter((region) => !named.includes(region)).map((region) => log(regions.indexOf(region) < 2 ? 0.9 : 0.1));
    expect(value('__other__', 'meanLoss')).toBeCloseTo(expectedOther.reduce((a, b) => a + b, 0) / 2, 12);
    // Every p(yes) is 0.9, so each slice predicts positive and has a precision.
    expect(value('__other__', 'precision')).toBe(regions.filter((region) => !named.includes(region) && regions.indexOf(region) < 2).length / 2);
  });
});
