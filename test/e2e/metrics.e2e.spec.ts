import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { parseSamples, SKLEARN, type Sample } from './e2e-support.js';


/** The value of the one sample `name` whose labels include `labels`, or undefined. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, want]) => sample.labels[key] === want));
  expect(found.length, `${name}${JSON.stringify(labels)} matches ${found.length} samples`).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

function findPromtool(): string | undefined {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin'];
  return directories.map((directory) => join(directory, 'promtool')).find((path) => existsSync(path));
}

describe('GET /metrics after traffic', () => {
  let server: TestApp;
  let text: string;
  let samples: Sample[];
  let contentType: string | null;
  const ghost = uniqueId('ghost');

  beforeAll(async () => {
    server = await startTestApp();
    const infer = (path: string, body: unknown) => postJson(`${server.url}${path}`, body);
    const multiRow = (rows: number) => ({ name: 'input', shape: [rows, 2], datatype: 'FP32', data: Array.from({ length: rows * 2 }, (_, i) => i) });
    // credit: 2 requests of 5 and 1 rows (200); multi v2: 3 × 1 row (200), 1 bad (400), 1 reused id (409);
    // multi v1: 1 × 3 rows; records on credit: 2 rows; unknown model and version: 404 before any series.
    expect((await infer('/v2/models/credit/infer', { inputs: [{ name: 'input', shape: [5, 5], datatype: 'FP32', data: SKLEARN.credit.rows }] })).status).toBe(200);
    expect((await infer('/v2/models/credit/infer', { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: SKLEARN.credit.rows[0] }] })).status).toBe(200);
    const id = uniqueId('metrics');
    expect((await infer('/v2/models/multi/infer', { id, inputs: [multiRow(1)] })).status).toBe(200);
    expect((await infer('/v2/models/multi/infer', { inputs: [multiRow(1)] })).status).toBe(200);
    expect((await infer('/v2/models/multi/infer', { inputs: [multiRow(1)] })).status).toBe(200);
    expect((await infer('/v2/models/multi/infer', { inputs: [{ ...multiRow(1), datatype: 'FP64' }] })).status).toBe(400);
    expect((await infer('/v2/models/multi/infer', { id, inputs: [multiRow(1)] })).status).toBe(409);
    expect((await infer('/v2/models/multi/versions/1/infer', { inputs: [multiRow(3)] })).status).toBe(200);
    const features = Object.fromEntries(SKLEARN.credit.features.map((name, j) => [name, SKLEARN.credit.rows[1][j]]));
    expect((await infer('/api/models/credit/predict', { records: [{ features }, { features }] })).status).toBe(200);
    expect((await infer(`/v2/models/${ghost}/infer`, { inputs: [multiRow(1)] })).status).toBe(404);
    expect((await infer(`/api/models/${ghost}/predict`, { records: [{ features: {} }] })).status).toBe(404);
    expect((await infer('/v2/models/multi/versions/97/infer', { inputs: [multiRow(1)] })).status).toBe(404);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    contentType = response.headers.get('content-type');
    text = await response.text();
    samples = parseSamples(text);
  });
  afterAll(() => server?.close());

  it('is Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(/^# HELP plumbline_inference_requests_total /m);
    expect(text).toMatch(/^# TYPE plumbline_inference_requests_total counter$/m);
    expect(text).toMatch(/^# TYPE plumbline_inference_request_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE plumbline_inference_batch_rows histogram$/m);
    expect(text).toMatch(/^# TYPE plumbline_predictions_logged_total counter$/m);
    expect(text).toMatch(/^# TYPE plumbline_prediction_log_spooled_rows gauge$/m);
  });

  it('plumbline_inference_requests_total{model,version,code} counts every answered request', () => {
    expect(value(samples, 'plumbline_inference_requests_total', { model: 'credit', version: '1', code: '200' })).toBe(3);
    expect(value(samples, 'plumbline_inference_requests_total', { model: 'multi', version: '2', code: '200' })).toBe(3);
    expect(value(samples, 'plumbline_inference_requests_total', { model: 'multi', version: '2', code: '400' })).toBe(1);
    expect(value(samples, 'plumbline_inference_requests_total', { model: 'multi', version: '2', code: '409' })).toBe(1);
    expect(value(samples, 'plumbline_inference_requests_total', { model: 'multi', version: '1', code: '200' })).toBe(1);
  });

  it('plumbline_inference_request_duration_seconds has buckets, sum and count per model and version', () => {
    const labels = { model: 'multi', version: '2' };
    expect(value(samples, 'plumbline_inference_request_duration_seconds_count', labels)).toBe(5);
    expect(value(samples, 'plumbline_inference_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(5);
    const sum = value(samples, 'plumbline_inference_request_duration_seconds_sum', labels)!;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(30);
    expect(value(samples, 'plumbline_inference_request_duration_seconds_count', { model: 'credit', version: '1' })).toBe(3);
  });

  it('plumbline_inference_batch_rows observes the rows of each served request', () => {
    const credit = { model: 'credit', version: '1' };
    expect(value(samples, 'plumbline_inference_batch_rows_count', credit)).toBe(3);
    expect(value(samples, 'plumbline_inference_batch_rows_sum', credit)).toBe(5 + 1 + 2);
    expect(value(samples, 'plumbline_inference_batch_rows_bucket', { ...credit, le: '1' })).toBe(1);
    expect(value(samples, 'plumbline_inference_batch_rows_bucket', { ...credit, le: '2' })).toBe(2);
    expect(value(samples, 'plumbline_inference_batch_rows_bucket', { ...credit, le: '8' })).toBe(3);
    expect(value(samples, 'plumbline_inference_batch_rows_sum', { model: 'multi', version: '1' })).toBe(3);
  });

  it('plumbline_predictions_logged_total and plumbline_prediction_log_spooled_rows per model', () => {
    expect(value(samples, 'plumbline_predictions_logged_total', { model: 'credit' })).toBe(8);
    expect(value(samples, 'plumbline_predictions_logged_total', { model: 'multi' })).toBe(6);
    // Every served model has its series from the start, at zero.
    expect(value(samples, 'plumbline_predictions_logged_total', { model: 'fixed' })).toBe(0);
    expect(value(samples, 'plumbline_prediction_log_spooled_rows', { model: 'credit' })).toBe(0);
    expect(value(samples, 'plumbline_prediction_log_spooled_rows', { model: 'dtypes' })).toBe(0);
  });

  it('Node default metrics are there', () => {
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.some((sample) => sample.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('unknown models and versions create no series; labels carry no ids', () => {
    expect(text).not.toContain(ghost);
    expect(samples.filter((sample) => sample.labels.version === '97')).toEqual([]);
    for (const sample of samples.filter((candidate) => candidate.name.startsWith('plumbline_'))) {
      expect(Object.keys(sample.labels).filter((key) => !['model', 'version', 'code', 'le'].includes(key))).toEqual([]);
      expect(['credit', 'multi', 'fixed', 'dtypes', 'shadow', 'prices']).toContain(sample.labels.model);
    }
  });

  it('promtool check metrics finds no problem in the plumbline_ series', () => {
    const promtool = findPromtool();
    if (!promtool) throw new Error('promtool is missing: install the Debian package `prometheus` (apt-get install prometheus), which ships /usr/bin/promtool');
    const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    // promtool ran to the end (it exits non-zero for prom-client's own nodejs_active_*_total gauges).
    expect(typeof result.status).toBe('number');
    const problems = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.includes('plumbline_'));
    expect(problems).toEqual([]);
  });
});
