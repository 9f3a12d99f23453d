import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectClose, output } from './e2e-support.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('concurrent requests with micro-batching on (PLUMBLINE_BATCH_MAX_WAIT_US=5000)', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_BATCH_MAX_WAIT_US: '5000', PLUMBLINE_BATCH_MAX_ROWS: '8' });
  });
  afterAll(() => server?.close());

  it('each of 24 merged requests gets its own rows back, its own ids, and its own log entries', () => expectOwnRows(server));

  it('BYTES outputs are split back per request too', () => expectOwnBytes(server));

  it('one prediction id sent by 6 concurrent requests is logged once: one 200, five 409', async () => {
    const id = uniqueId('race');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => postJson(`${server.url}/v2/models/multi/infer`, { id, inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [i, 0] }] })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    const winner = answers.findIndex((answer) => answer.status === 200);
    const stored = await getJson(`${server.url}/api/models/multi/predictions/${id}`);
    expect(stored.body.features).toEqual({ x0: winner, x1: 0 });
    for (const answer of answers.filter((candidate) => candidate.status === 409)) expect(answer.body.code).toBe('DUPLICATE_PREDICTION_ID');
  });
});

describe('concurrent requests with the default micro-batching (the requests of one event-loop turn, no wait)', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({});
  });
  afterAll(() => server?.close());

  it('each of 24 concurrent requests gets its own rows back, its own ids, and its own log entries', () => expectOwnRows(server));

  it('BYTES outputs are split back per request too', () => expectOwnBytes(server));
});

/** 24 concurrent requests of 1–3 rows each to model multi: each gets its own rows, ids and log entries back. */
async function expectOwnRows(server: TestApp): Promise<void> {
  const requests = Array.from({ length: 24 }, (_, i) => {
    const rows = (i % 3) + 1;
    const data = Array.from({ length: rows }, (_, r) => [i / 10, r / 7]);
    const ids = Array.from({ length: rows }, () => uniqueId(`c${i}`));
    return { rows, data, ids };
  });
  const answers = await Promise.all(
    requests.map(({ rows, data, ids }) =>
      postJson(`${server.url}/v2/models/multi/infer`, {
        inputs: [
          { name: 'input', shape: [rows, 2], datatype: 'FP32', data },
          { name: 'prediction_id', shape: [rows], datatype: 'BYTES', data: ids },
        ],
      }),
    ),
  );
  answers.forEach((answer, i) => {
    const { rows, data, ids } = requests[i];
    expect(answer.status).toBe(200);
    const probabilities = output(answer.body, 'probabilities');
    expect(probabilities.shape).toEqual([rows, 2]);
    expectClose(probabilities.data, data.flatMap(([x0, x1]) => [1 - sigmoid(2 * (Math.fround(x0) - Math.fround(x1))), sigmoid(2 * (Math.fround(x0) - Math.fround(x1)))]), 1e-6);
    expect(output(answer.body, 'label').shape).toEqual([rows]);
    expect(output(answer.body, 'prediction_id').data).toEqual(ids);
  });
  const { data, ids } = requests[17];
  const stored = await getJson(`${server.url}/api/models/multi/predictions/${ids[1]}`);
  expect(stored.body.features).toEqual({ x0: data[1][0], x1: data[1][1] });
}

/** 10 concurrent requests to model dtypes: every datatype and the BYTES outputs come back per request. */
async function expectOwnBytes(server: TestApp): Promise<void> {
  const DTYPES: Record<string, string> = {
    f32: 'FP32', f64: 'FP64', f16: 'FP16', i8: 'INT8', i16: 'INT16', i32: 'INT32', i64: 'INT64',
    u8: 'UINT8', u16: 'UINT16', u32: 'UINT32', u64: 'UINT64', b: 'BOOL',
  };
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      postJson(`${server.url}/v2/models/dtypes/infer`, {
        inputs: [
          ...Object.entries(DTYPES).map(([name, datatype]) => ({ name, datatype, shape: [1, 2], data: name === 'b' ? [true, false] : [i, 1] })),
          { name: 's', datatype: 'BYTES', shape: [1], data: [`request-${i}`] },
        ],
      }),
    ),
  );
  answers.forEach((answer, i) => {
    expect(answer.status).toBe(200);
    expect(output(answer.body, 's_out').data).toEqual([`request-${i}`]);
    expect(output(answer.body, 'sum').data).toEqual([11 * (i + 1) + 1]);
  });
}
