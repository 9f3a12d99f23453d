import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { categoricalProfile, countCategorical, countNumeric, numericBins } from '../../src/monitoring/drift/bins.js';
import { computeDrift, type DriftConfig } from '../../src/monitoring/drift/decision.js';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectError, parseSamples, putJson, rawRequest } from './e2e-support.js';

// The expected numbers are computed here from the rows the test sent, with the drift calculators of
// src/monitoring/drift (each checked against SciPy/NumPy literals in its own unit tests): this file
// checks the pipeline — reference bins, bucketed histograms, segment references, rebuilds — not the math.

const DRIFT: DriftConfig = { method: 'auto', threshold: null, minSamples: 50 };
const COLORS = ['red', 'green', 'blue'];

interface Row {
  x: number | null;
  color: string | null;
  region: string;
  p: number;
  label: 'no' | 'yes';
}

/** A deterministic pseudo-random sequence (the test must not be flaky). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function rows(count: number, seed: number, shift: number, missingEvery = 0): Row[] {
  const next = generator(seed);
  return Array.from({ length: count }, (_, i) => {
    const region = i % 3 === 0 ? 'us' : 'eu';
    const x = Math.round((next() * 10 + (region === 'us' ? 5 : 0) + shift) * 100) / 100;
    const color = i % 11 === 0 && shift > 0 ? 'purple' : COLORS[Math.floor(next() * (shift > 0 ? 2 : 3))];
    const p = Math.round(next() * 1000) / 1000;
    return {
      x: missingEvery > 0 && i % missingEvery === 0 ? null : x,
      color: missingEvery > 0 && i % (missingEvery + 1) === 0 ? null : color,
      region,
      p,
      label: next() < p ? 'yes' : 'no',
    };
  });
}

const std = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
};

/** Expected D of x, color and __prediction__ for `current` rows against `reference` rows (the bins come from `all`). */
function expected(all: Row[], reference: Row[], current: Row[]) {
  const present = (values: Array<number | null>) => values.filter((v): v is number => v !== null);
  const x = numericBins(all.map((r) => r.x));
  const p = numericBins(all.map((r) => r.p));
  const categories = categoricalProfile(all.map((r) => r.color));
  return {
    x: computeDrift(
      { kind: 'numeric', ...x, reference: countNumeric(x.edges, reference.map((r) => r.x)), current: countNumeric(x.edges, current.map((r) => r.x)), referenceStd: std(present(reference.map((r) => r.x))) },
      DRIFT,
    ),
    color: computeDrift({ kind: 'categorical', reference: countCategorical(categories, reference.map((r) => r.color)), current: countCategorical(categories, current.map((r) => r.color)) }, DRIFT),
    __prediction__: computeDrift(
      { kind: 'numeric', ...p, reference: countNumeric(p.edges, reference.map((r) => r.p)), current: countNumeric(p.edges, current.map((r) => r.p)), referenceStd: std(reference.map((r) => r.p)) },
      DRIFT,
    ),
  };
}

function expectDrift(actual: Record<string, unknown>, wanted: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(wanted)) {
    if (typeof value === 'number') expect(actual[field], field).toBeCloseTo(value, 9);
    else expect(actual[field], field).toEqual(value);
  }
}

const CONFIG = {
  task: 'binary',
  features: ['x', 'color'],
  categorical: ['color'],
  classes: ['no', 'yes'],
  segments: ['region'],
  drift: DRIFT,
};

describe('drift: references, bucketed histograms and GET /drift', () => {
  let server: TestApp;
  let db: pg.Client;
  const model = uniqueId('drift').replace(/-/g, '_');
  const referenceRows = rows(400, 7, 0);
  const currentRows = rows(240, 11, 3, 9);
  const ids: string[] = [];

  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_DRIFT_FLUSH_INTERVAL: '100ms', PLUMBLINE_GAUGE_INTERVAL: '300ms' });
    db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    expect((await putJson(`${server.url}/api/models/${model}/config`, CONFIG)).status).toBe(200);
  });

  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  const record = (row: Row, withTruth: boolean) => ({
    features: { x: row.x, color: row.color },
    segments: { region: row.region },
    output: row.p,
    ...(withTruth ? { label: row.label } : {}),
  });

  it('answers 409 with how to set a reference while the model has none', async () => {
    const response = await rawRequest(server.url, 'GET', `/api/models/${model}/drift`);
    expectError(response, 409, 'NO_REFERENCE', /reference\.csv.*PUT \/api\/models\/.*\/reference/);
    expectError(await rawRequest(server.url, 'GET', `/api/models/${model}/reference`), 409, 'NO_REFERENCE');
  });

  it('sets a reference from records and shows its bins and counts', async () => {
    const response = await putJson(`${server.url}/api/models/${model}/reference`, { records: referenceRows.map((row) => record(row, true)) });
    expect(response.status).toBe(200);
    const summary = response.body;
    const bins = numericBins(referenceRows.map((r) => r.x));
    expect(summary.rows).toBe(400);
    expect(summary.features.x).toMatchObject({ kind: 'numeric', n: 400, missing: 0, edges: bins.edges, deciles: bins.deciles });
    expect(summary.features.x.counts).toEqual(countNumeric(bins.edges, referenceRows.map((r) => r.x)).counts);
    expect(summary.features.color).toMatchObject({ kind: 'categorical', n: 400, categories: categoricalProfile(referenceRows.map((r) => r.color)) });
    expect(summary.features.__label__.categories.sort()).toEqual(['no', 'yes']);
    expect(Object.keys(summary.features)).toEqual(['x', 'color', '__prediction__', '__label__']);
    expect(summary.segments.region).toEqual({ eu: { rows: referenceRows.filter((r) => r.region === 'eu').length }, us: { rows: referenceRows.filter((r) => r.region === 'us').length } });
    const got = await getJson(`${server.url}/api/models/${model}/reference`);
    expect(got.body.id).toBe(summary.id);
  });

  it('compares the logged window with the reference, overall and per segment (with its own reference rows)', async () => {
    const ingest = await postJson(`${server.url}/api/models/${model}/predictions`, { records: currentRows.map((row) => record(row, false)) });
    expect(ingest.status).toBe(200);
    ids.push(...ingest.body.ids);
    const { status, body } = await getJson(`${server.url}/api/models/${model}/drift?segment=region`);
    expect(status).toBe(200);
    const overall = expected(referenceRows, referenceRows, currentRows);
    expectDrift(body.overall.x, { ...overall.x });
    expectDrift(body.overall.color, { ...overall.color });
    expectDrift(body.overall.__prediction__, { ...overall.__prediction__ });
    expect(body.overall.x.nMissing).toBe(currentRows.filter((r) => r.x === null).length);
    expect(body.overall.color.nMissing).toBe(currentRows.filter((r) => r.color === null).length);
    expect(body.overall.x.drift).toBe(true);
    expect(body.overall.__label__).toMatchObject({ kind: 'categorical', nCurrent: 0, drift: null, statistic: null });
    for (const region of ['eu', 'us']) {
      const mine = (all: Row[]) => all.filter((r) => r.region === region);
      const wanted = expected(referenceRows, mine(referenceRows), mine(currentRows));
      expectDrift(body.segments[region].x, { ...wanted.x });
      expectDrift(body.segments[region].color, { ...wanted.color });
      expect(body.segments[region].x.nReference).toBe(mine(referenceRows).length);
    }
  });

  it('counts labels as they are joined, and moves them when overwritten', async () => {
    const labeled = currentRows.slice(0, 120);
    const response = await postJson(`${server.url}/api/models/${model}/labels`, { labels: labeled.map((row, i) => ({ id: ids[i], label: row.label })) });
    expect(response.body.matched).toBe(120);
    const flipped = labeled[0].label === 'yes' ? 'no' : 'yes';
    expect((await postJson(`${server.url}/api/models/${model}/labels?overwrite=true`, { labels: [{ id: ids[0], label: flipped }] })).body.matched).toBe(1);
    const finals = labeled.map((row, i) => (i === 0 ? flipped : row.label));
    const categories = categoricalProfile(referenceRows.map((r) => r.label));
    const wanted = computeDrift({ kind: 'categorical', reference: countCategorical(categories, referenceRows.map((r) => r.label)), current: countCategorical(categories, finals) }, DRIFT);
    const { body } = await getJson(`${server.url}/api/models/${model}/drift`);
    expectDrift(body.overall.__label__, { ...wanted });
  });

  it('rebuilds lost histograms from the log once the bucket is quiet', async () => {
    const before = (await getJson(`${server.url}/api/models/${model}/drift?segment=region`)).body;
    // What a crash between commit and flush would leave: the log and the performance rows, no histograms.
    await db.query('DELETE FROM drift_buckets WHERE model = $1', [model]);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    const after = (await getJson(`${server.url}/api/models/${model}/drift?segment=region`)).body;
    expect(after.overall).toEqual(before.overall);
    expect(after.segments).toEqual(before.segments);
  });

  it('re-bins the logged window at once when the reference changes', async () => {
    const newReference = rows(300, 5, 3);
    const response = await putJson(`${server.url}/api/models/${model}/reference`, { records: newReference.map((row) => record(row, false)) });
    expect(response.status).toBe(200);
    const { body } = await getJson(`${server.url}/api/models/${model}/drift`);
    expect(body.reference.id).toBe(response.body.id);
    const wanted = expected(newReference, newReference, currentRows);
    expectDrift(body.overall.x, { ...wanted.x });
    expectDrift(body.overall.color, { ...wanted.color });
    expect(body.overall.__label__).toBeUndefined();
  });

  it('takes a reference from a logged window', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const response = await putJson(`${server.url}/api/models/${model}/reference`, { from, to });
    expect(response.status).toBe(200);
    const summary = response.body;
    expect(summary.rows).toBe(currentRows.length);
    expect(summary.source).toMatch(/^log /);
    const { body } = await getJson(`${server.url}/api/models/${model}/drift`);
    for (const feature of ['x', 'color', '__prediction__', '__label__']) {
      expect(body.overall[feature].psi, feature).toBe(0);
      expect(body.overall[feature].drift, feature).toBe(false);
    }
  });

  it('exports plumbline_drift gauges per feature, segment and statistic', async () => {
    let samples: ReturnType<typeof parseSamples> = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const text = (await getJson(`${server.url}/metrics`)).body as string;
      samples = parseSamples(text).filter((s) => s.name === 'plumbline_drift' && s.labels.model === model);
      const psi = samples.find((s) => s.labels.feature === 'x' && s.labels.segment_key === '' && s.labels.version === '' && s.labels.window === '1h' && s.labels.statistic === 'psi');
      if (psi?.value === 0 && samples.some((s) => s.labels.segment_key === 'region')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const x = samples.filter((s) => s.labels.feature === 'x' && s.labels.segment_key === '' && s.labels.version === '' && s.labels.window === '1h');
    expect(Object.fromEntries(x.map((s) => [s.labels.statistic, s.value]))).toMatchObject({ psi: 0, drift: 0, threshold: 0.05 });
    expect(samples.some((s) => s.labels.segment_key === 'region' && s.labels.segment === 'eu')).toBe(true);
  });

  it('refuses bad references and queries with a clear 4xx', async () => {
    const url = `${server.url}/api/models/${model}`;
    expectError(await rawRequest(server.url, 'PUT', `/api/models/${model}/reference`, JSON.stringify({ records: [] })), 400, 'INVALID_REQUEST');
    expectError(await rawRequest(server.url, 'PUT', `/api/models/${model}/reference`, JSON.stringify({ records: [{ features: { x: 1 }, label: 'maybe' }] })), 400, 'INVALID_REFERENCE', /label/);
    expectError(await rawRequest(server.url, 'PUT', `/api/models/${model}/reference`, JSON.stringify({ records: [{ features: { x: 1 }, output: [0.5] }] })), 400, 'INVALID_REFERENCE', /output/);
    expectError(await rawRequest(server.url, 'PUT', `/api/models/${model}/reference`, JSON.stringify({ from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' })), 400, 'INVALID_REFERENCE', /no predictions/);
    expectError(await rawRequest(server.url, 'PUT', `/api/models/${model}/reference`, JSON.stringify({ from: 'yesterday' })), 400, 'BAD_REQUEST');
    expectError(await rawRequest(server.url, 'GET', `/api/models/${model}/drift?segment=planet`), 400, 'BAD_REQUEST', /region/);
    expectError(await rawRequest(server.url, 'GET', `/api/models/${model}/drift?version=x`), 400, 'BAD_REQUEST');
    expectError(await rawRequest(server.url, 'GET', `/api/models/${model}/drift?version=99`), 404, 'VERSION_NOT_FOUND');
    expectError(await rawRequest(server.url, 'GET', `/api/models/no_such_model/drift`), 404, 'MODEL_NOT_FOUND');
    expect((await getJson(`${url}/reference`)).status).toBe(200);
  });
});
