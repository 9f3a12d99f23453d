import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestApp, type TestApp } from '../helpers/app.js';

describe('smoke', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server?.close());

  it('answers /v2', async () => {
    const { status, body } = await getJson(`${server.url}/v2`);
    expect(status).toBe(200);
    expect(body.name).toBe('plumbline');
  });

  it('infers', async () => {
    const { status, body } = await postJson(`${server.url}/v2/models/multi/infer`, {
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 0] }],
    });
    expect(status).toBe(200);
    expect(body.model_version).toBe('2');
  });
});
