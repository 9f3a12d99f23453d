import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectError } from './e2e-support.js';

const ADMIN = 'admin-key-0123456789abcdef';
const WRITER = 'write-key-0123456789abcdef';
const READER = 'read-key-0123456789abcdef';

const ROW = { age: 41, income: 52000, debt_ratio: 0.3, tenure_months: 24, num_accounts: 3 };

async function call(base: string, method: string, path: string, key?: string, body?: unknown, header: 'bearer' | 'x-api-key' = 'bearer') {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key !== undefined) headers[header === 'bearer' ? 'authorization' : 'x-api-key'] = header === 'bearer' ? `Bearer ${key}` : key;
  const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // metrics text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

describe('API keys and roles (DESIGN §8)', () => {
  let server: TestApp;
  const logged: string[] = [];
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    // Everything the server logs goes through stdout: keep a copy to check that no key is ever in it.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    server = await startTestApp({ LOG_LEVEL: 'info', PLUMBLINE_API_KEYS: `ops:admin:${ADMIN},app:write:${WRITER},grafana:read:${READER}` });
  });

  afterAll(async () => {
    await server?.close();
    process.stdout.write = write;
  });

  it('keeps the health probes open', async () => {
    expect((await call(server.url, 'GET', '/v2/health/live')).status).toBe(200);
    expect((await call(server.url, 'GET', '/v2/health/ready')).status).toBe(200);
  });

  it('answers 401 without a key or with a wrong one, before looking at the body or the model', async () => {
    const missing = await call(server.url, 'POST', '/v2/models/credit/infer', undefined, '{not json');
    expectError({ status: missing.status, body: missing.body }, 401, 'UNAUTHENTICATED', /Authorization: Bearer/);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await call(server.url, 'GET', '/api/models/no_such_model/performance', 'not-a-real-key-at-all');
    expectError({ status: wrong.status, body: wrong.body }, 401, 'UNAUTHENTICATED', /not valid/);
    expect((await call(server.url, 'GET', '/metrics')).status).toBe(401);
  });

  it('gives each role what it may do and a 403 naming the role needed otherwise', async () => {
    const infer = { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: [Object.values(ROW)] }] };
    expect((await call(server.url, 'POST', '/v2/models/credit/infer', READER, infer)).status).toBe(403);
    expect((await call(server.url, 'POST', '/v2/models/credit/infer', WRITER, infer)).status).toBe(200);
    expect((await call(server.url, 'POST', '/v2/models/credit/infer', ADMIN, infer, 'x-api-key')).status).toBe(200);
    expect((await call(server.url, 'GET', '/api/models/credit/performance', READER)).status).toBe(200);
    expect((await call(server.url, 'GET', '/metrics', READER)).status).toBe(200);
    const forbidden = await call(server.url, 'PUT', `/api/models/${uniqueId('sec').replace(/-/g, '_')}/config`, WRITER, { task: 'binary' });
    expectError({ status: forbidden.status, body: forbidden.body }, 403, 'FORBIDDEN', /key 'app' has role 'write'.*needs 'admin'/);
    expect((await call(server.url, 'PUT', `/api/models/${uniqueId('sec').replace(/-/g, '_')}/config`, ADMIN, { task: 'binary' })).status).toBe(200);
    expect((await call(server.url, 'POST', '/api/models/credit/labels', READER, { labels: [] })).status).toBe(403);
    expect((await call(server.url, 'POST', '/v2/repository/models/credit/unload', WRITER)).status).toBe(403);
  });

  it('never logs a key', () => {
    const text = logged.join('');
    expect(text).toContain('ops (admin)');
    for (const key of [ADMIN, WRITER, READER]) expect(text).not.toContain(key);
  });
});

describe('open server, limits', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_METRICS_PUBLIC: 'true', PLUMBLINE_MAX_JSON_DEPTH: '8', PLUMBLINE_MAX_TENSOR_ELEMENTS: '20' });
  });
  afterAll(() => server?.close());

  it('is open without keys', async () => {
    expect((await call(server.url, 'GET', '/api/models/credit/performance')).status).toBe(200);
  });

  it('refuses JSON nested deeper than PLUMBLINE_MAX_JSON_DEPTH (brackets in strings do not count)', async () => {
    const deep = `{"records":[{"features":${'['.repeat(10)}1${']'.repeat(10)}}]}`;
    const response = await call(server.url, 'POST', '/api/models/credit/predict', undefined, deep);
    expectError({ status: response.status, body: response.body }, 400, 'BAD_REQUEST', /PLUMBLINE_MAX_JSON_DEPTH/);
    const stringy = { records: [{ id: `[[[[[[[[[[[[[[[[${uniqueId()}`, features: ROW }] };
    expect((await call(server.url, 'POST', '/api/models/credit/predict', undefined, stringy)).status).toBe(200);
  });

  it('refuses a tensor with more elements than PLUMBLINE_MAX_TENSOR_ELEMENTS with a 413 naming it', async () => {
    const rows = Array.from({ length: 5 }, () => Object.values(ROW));
    const response = await call(server.url, 'POST', '/v2/models/credit/infer', undefined, { inputs: [{ name: 'input', shape: [5, 5], datatype: 'FP32', data: rows }] });
    expectError({ status: response.status, body: response.body }, 413, 'TOO_MANY_ROWS', /PLUMBLINE_MAX_TENSOR_ELEMENTS/);
  });
});
