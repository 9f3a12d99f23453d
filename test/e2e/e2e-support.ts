import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

interface SklearnCase {
  model: string;
  version: string;
  features: string[];
  classes?: string[];
  rows: number[][];
  predict_proba?: number[][];
  predict: number[];
}

/** scikit-learn's own outputs for a few rows (scripts/build-models.py, test/fixtures/sklearn-expected.json). */
export const SKLEARN = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'sklearn-expected.json'), 'utf8')) as Record<'credit' | 'iris' | 'demand', SklearnCase>;

/** RFC 9562 UUIDv7: version nibble 7, variant 10xx. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A temporary copy of the demo repository ./models (iris, demand, credit v1+v2). */
export function copyDemoModels(): string {
  const directory = mkdtempSync(join(tmpdir(), 'plumbline-demo-models-'));
  cpSync(join(ROOT, 'models'), directory, { recursive: true });
  return directory;
}

export interface RawResponse {
  status: number;
  body: any;
}

/**
 * One HTTP request with the path sent exactly as given (fetch would resolve `..` and `%2e%2e`).
 * The body is JSON-parsed when it is JSON.
 */
export function rawRequest(base: string, method: string, path: string, body?: string | Uint8Array, contentType = 'application/json'): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    outgoing.on('error', reject);
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });
}

export async function putJson(url: string, body: unknown): Promise<RawResponse> {
  return send(url, 'PUT', typeof body === 'string' ? body : JSON.stringify(body), 'application/json');
}

export async function putBytes(url: string, bytes: Uint8Array): Promise<RawResponse> {
  return send(url, 'PUT', bytes, 'application/octet-stream');
}

async function send(url: string, method: string, body: string | Uint8Array, contentType: string): Promise<RawResponse> {
  const response = await fetch(url, { method, headers: { 'content-type': contentType }, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The `{error, code}` body of DESIGN §5 with the given status and code. */
export function expectError(response: RawResponse, status: number, code: string, message?: RegExp): void {
  expect({ status: response.status, code: response.body?.code }, JSON.stringify(response.body)).toEqual({ status, code });
  expect(typeof response.body.error).toBe('string');
  expect(response.body.error.length).toBeGreaterThan(0);
  if (message) expect(response.body.error).toMatch(message);
}

/** Element-wise |actual - expected| <= tolerance (absolute, or relative to |expected| when `relative`). */
export function expectClose(actual: unknown, expected: number[], tolerance: number, relative = false): void {
  expect(Array.isArray(actual), `expected an array, got ${JSON.stringify(actual)}`).toBe(true);
  const values = actual as number[];
  expect(values).toHaveLength(expected.length);
  expected.forEach((want, i) => {
    const bound = relative ? tolerance * Math.abs(want) : tolerance;
    expect(Math.abs(values[i] - want), `element ${i}: ${values[i]} vs ${want}`).toBeLessThanOrEqual(bound);
  });
}

/** The output tensor `name` of an OIP response. */
export function output(body: any, name: string): { name: string; datatype: string; shape: number[]; data: any[] } {
  const tensor = body?.outputs?.find((candidate: { name: string }) => candidate.name === name);
  expect(tensor, `output '${name}' in ${JSON.stringify(body)}`).toBeDefined();
  return tensor;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (no escapes in our label values). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}
