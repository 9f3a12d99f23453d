import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS, getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectClose, expectError, output, putBytes, putJson, rawRequest } from './e2e-support.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const MULTI_CONFIG = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'multi', 'config.json'), 'utf8'));
const MULTI_V1 = readFileSync(join(FIXTURE_MODELS, 'multi', '1', 'model.onnx'));
const MULTI_V2 = readFileSync(join(FIXTURE_MODELS, 'multi', '2', 'model.onnx'));
const DTYPES_ONNX = readFileSync(join(FIXTURE_MODELS, 'dtypes', '1', 'model.onnx'));
const GARBAGE = Buffer.from('this is not an onnx file\n');

interface IndexEntry {
  name: string;
  version?: string;
  state: string;
  reason: string;
}

describe('model repository (Triton repository extension, uploads)', () => {
  let server: TestApp;
  let root: string;
  beforeAll(async () => {
    server = await startTestApp();
    root = server.config.modelRepository;
  });
  afterAll(() => server?.close());

  const index = async (): Promise<IndexEntry[]> => {
    const { status, body } = await postJson(`${server.url}/v2/repository/index`, {});
    expect(status).toBe(200);
    return body;
  };
  const entries = async (name: string) => (await index()).filter((entry) => entry.name === name);
  const load = (name: string) => postJson(`${server.url}/v2/repository/models/${name}/load`, {});
  const unload = (name: string) => postJson(`${server.url}/v2/repository/models/${name}/unload`, {});
  const inferMulti = (name: string, x: [number, number], version?: string) =>
    postJson(`${server.url}/v2/models/${name}${version ? `/versions/${version}` : ''}/infer`, {
      inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: x }],
    });
  /** A private copy of a fixture model directory under a fresh name (not loaded yet): tests here never disturb each other. */
  const clone = async (from: string): Promise<string> => {
    const name = uniqueId(from);
    cpSync(join(root, from), join(root, name), { recursive: true });
    return name;
  };

  describe('POST /v2/repository/index', () => {
    it('lists a READY entry per version and UNAVAILABLE entries with the reason', async () => {
      const all = await index();
      const find = (name: string, version?: string) => all.filter((entry) => entry.name === name && entry.version === version);
      expect(find('credit', '1')).toEqual([{ name: 'credit', version: '1', state: 'READY', reason: '' }]);
      expect(find('multi', '1')).toEqual([{ name: 'multi', version: '1', state: 'READY', reason: '' }]);
      expect(find('multi', '2')).toEqual([{ name: 'multi', version: '2', state: 'READY', reason: '' }]);
      expect(find('dtypes', '1')[0].state).toBe('READY');
      expect(find('fixed', '1')[0].state).toBe('READY');

      const broken = (name: string) => all.filter((entry) => entry.name === name);
      expect(broken('badconfig')).toEqual([{ name: 'badconfig', state: 'UNAVAILABLE', reason: expect.stringMatching(/colour/) }]);
      expect(broken('badloss')).toEqual([{ name: 'badloss', state: 'UNAVAILABLE', reason: expect.stringMatching(/loss/) }]);
      expect(broken('garbage')).toHaveLength(1);
      expect(broken('garbage')[0]).toMatchObject({ state: 'UNAVAILABLE' });
      expect(broken('garbage')[0].reason).toMatch(/version 1/);
    });

    it('loading a broken model again is a 400 naming the problem', async () => {
      expectError(await load('badconfig'), 400, 'MODEL_LOAD_FAILED', /colour/);
      expectError(await load('badloss'), 400, 'MODEL_LOAD_FAILED', /loss/);
      expectError(await load('garbage'), 400, 'MODEL_LOAD_FAILED');
    });
  });

  describe('load and unload', () => {
    it('unload → infer is 404 → load → READY and serving again', async () => {
      const name = await clone('multi');
      expect((await load(name)).status).toBe(200);
      expect((await inferMulti(name, [1, 0])).status).toBe(200);

      expect(await unload(name)).toEqual({ status: 200, body: {} });
      expectError(await inferMulti(name, [1, 0]), 404, 'MODEL_NOT_FOUND');
      expectError(await getJson(`${server.url}/v2/models/${name}/ready`), 404, 'MODEL_NOT_FOUND');
      expect(await entries(name)).toEqual([{ name, state: 'UNAVAILABLE', reason: 'unloaded' }]);

      expect(await load(name)).toEqual({ status: 200, body: {} });
      expect((await entries(name)).map((entry) => [entry.version, entry.state])).toEqual([
        ['1', 'READY'],
        ['2', 'READY'],
      ]);
      const answer = await inferMulti(name, [1, 0]);
      expect(answer.status).toBe(200);
      expect(answer.body.model_version).toBe('2');
    });

    it('unloading or loading an unknown model is a 404', async () => {
      expectError(await unload(uniqueId('nope')), 404, 'MODEL_NOT_FOUND');
      expectError(await load(uniqueId('nope')), 404, 'MODEL_NOT_FOUND');
    });

    it('a model directory added after boot is picked up by load', async () => {
      const name = await clone('credit');
      expect(await entries(name)).toEqual([{ name, state: 'UNAVAILABLE', reason: 'not loaded' }]);
      expect((await load(name)).status).toBe(200);
      expect(await entries(name)).toEqual([{ name, version: '1', state: 'READY', reason: '' }]);
    });
  });

  describe('a broken model never replaces a working one', () => {
    it('an invalid config.json on disk: load is a 400, the old model keeps serving, index says READY with the failure', async () => {
      const name = await clone('multi');
      expect((await load(name)).status).toBe(200);
      writeFileSync(join(root, name, 'config.json'), JSON.stringify({ ...MULTI_CONFIG, colour: 'red' }));

      expectError(await load(name), 400, 'MODEL_LOAD_FAILED', /colour/);
      const answer = await inferMulti(name, [1, 0]);
      expect(answer.status).toBe(200);
      expectClose(output(answer.body, 'probabilities').data, [1 - sigmoid(2), sigmoid(2)], 1e-6);
      const listed = await entries(name);
      expect(listed.map((entry) => entry.state)).toEqual(['READY', 'READY']);
      for (const entry of listed) expect(entry.reason).toMatch(/reload failed.*colour/);

      // Fixing the file and loading again clears the failure.
      writeFileSync(join(root, name, 'config.json'), JSON.stringify(MULTI_CONFIG));
      expect((await load(name)).status).toBe(200);
      expect((await entries(name)).map((entry) => entry.reason)).toEqual(['', '']);
    });

    it('a garbage model.onnx on disk: load is a 400 and version 2 keeps serving the old graph', async () => {
      const name = await clone('multi');
      expect((await load(name)).status).toBe(200);
      writeFileSync(join(root, name, '2', 'model.onnx'), GARBAGE);

      expectError(await load(name), 400, 'MODEL_LOAD_FAILED', /version 2/);
      const answer = await inferMulti(name, [0.5, 0], '2');
      expect(answer.status).toBe(200);
      expectClose(output(answer.body, 'probabilities').data, [1 - sigmoid(1), sigmoid(1)], 1e-6);
      const listed = await entries(name);
      expect(listed.map((entry) => [entry.version, entry.state])).toEqual([
        ['1', 'READY'],
        ['2', 'READY'],
      ]);
      for (const entry of listed) expect(entry.reason).toMatch(/reload failed/);
    });

    it('a broken model that was never served can be repaired by uploading a valid config', async () => {
      const name = await clone('badconfig');
      expectError(await load(name), 400, 'MODEL_LOAD_FAILED', /colour/);
      const { status, body } = await putJson(`${server.url}/api/models/${name}/config`, MULTI_CONFIG);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body).toEqual({ name, versions: ['1'], state: 'READY', reason: '' });
      expect((await inferMulti(name, [1, 0])).status).toBe(200);
      expect(JSON.parse(readFileSync(join(root, name, 'config.json'), 'utf8'))).toEqual(MULTI_CONFIG);
    });
  });

  describe('uploads', () => {
    it('config first, then ONNX versions: the new model serves, the highest version by default', async () => {
      const name = uniqueId('up');
      const config = await putJson(`${server.url}/api/models/${name}/config`, MULTI_CONFIG);
      expect(config.status, JSON.stringify(config.body)).toBe(200);
      expect(config.body).toMatchObject({ name, versions: [], state: 'READY' });
      // Monitoring-only until an ONNX version exists: no version to run.
      expectError(await inferMulti(name, [1, 0]), 404, 'VERSION_NOT_FOUND');
      expectError(await getJson(`${server.url}/v2/models/${name}/versions/1`), 404, 'VERSION_NOT_FOUND');

      const v1 = await putBytes(`${server.url}/api/models/${name}/versions/1`, MULTI_V1);
      expect(v1.status, JSON.stringify(v1.body)).toBe(200);
      expect(v1.body).toEqual({ name, versions: ['1'], state: 'READY', reason: '' });
      expect(existsSync(join(root, name, '1', 'model.onnx'))).toBe(true);
      const first = await inferMulti(name, [1, 0]);
      expect(first.status).toBe(200);
      expect(first.body.model_version).toBe('1');
      expectClose(output(first.body, 'probabilities').data, [1 - sigmoid(1), sigmoid(1)], 1e-6);

      const v2 = await putBytes(`${server.url}/api/models/${name}/versions/2`, MULTI_V2);
      expect(v2.body.versions).toEqual(['1', '2']);
      const second = await inferMulti(name, [1, 0]);
      expect(second.body.model_version).toBe('2');
      expectClose(output(second.body, 'probabilities').data, [1 - sigmoid(2), sigmoid(2)], 1e-6);
      const metadata = await getJson(`${server.url}/v2/models/${name}`);
      expect(metadata.body).toMatchObject({ name, versions: ['1', '2'], platform: 'onnx_onnxv1', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 2] }] });
      expect((await entries(name)).map((entry) => [entry.version, entry.state])).toEqual([
        ['1', 'READY'],
        ['2', 'READY'],
      ]);
    });

    it('ONNX first, then the config', async () => {
      const name = uniqueId('up');
      const v1 = await putBytes(`${server.url}/api/models/${name}/versions/1`, MULTI_V1);
      expect(v1.status, JSON.stringify(v1.body)).toBe(200);
      expect(v1.body).toMatchObject({ name, state: 'UNAVAILABLE', reason: expect.stringMatching(/config/) });
      expectError(await inferMulti(name, [1, 0]), 404, 'MODEL_NOT_FOUND');

      const config = await putJson(`${server.url}/api/models/${name}/config`, MULTI_CONFIG);
      expect(config.status, JSON.stringify(config.body)).toBe(200);
      expect(config.body).toEqual({ name, versions: ['1'], state: 'READY', reason: '' });
      const answer = await inferMulti(name, [0, 1]);
      expect(answer.status).toBe(200);
      expectClose(output(answer.body, 'probabilities').data, [1 - sigmoid(-1), sigmoid(-1)], 1e-6);
    });

    it('garbage bytes are a 400 INVALID_MODEL_FILE and nothing is written', async () => {
      const name = uniqueId('junk');
      expectError(await putBytes(`${server.url}/api/models/${name}/versions/1`, GARBAGE), 400, 'INVALID_MODEL_FILE');
      expect(existsSync(join(root, name))).toBe(false);
      expect((await entries(name))).toEqual([]);

      const served = await clone('multi');
      expect((await load(served)).status).toBe(200);
      expectError(await putBytes(`${server.url}/api/models/${served}/versions/3`, GARBAGE), 400, 'INVALID_MODEL_FILE');
      expectError(await putBytes(`${server.url}/api/models/${served}/versions/2`, GARBAGE), 400, 'INVALID_MODEL_FILE');
      expect(existsSync(join(root, served, '3'))).toBe(false);
      expect(readFileSync(join(root, served, '2', 'model.onnx')).equals(MULTI_V2)).toBe(true);
      expect((await inferMulti(served, [1, 0])).body.model_version).toBe('2');
    });

    it('an ONNX file that does not fit the config is a 400 and the served versions stay', async () => {
      const served = await clone('multi');
      expect((await load(served)).status).toBe(200);
      expectError(await putBytes(`${server.url}/api/models/${served}/versions/3`, DTYPES_ONNX), 400, 'MODEL_LOAD_FAILED');
      expect(existsSync(join(root, served, '3'))).toBe(false);
      const answer = await inferMulti(served, [1, 0]);
      expect(answer.status).toBe(200);
      expect(answer.body.model_version).toBe('2');
    });

    it('an empty body or a JSON body for a version is a 400', async () => {
      const name = uniqueId('empty');
      expectError(await putBytes(`${server.url}/api/models/${name}/versions/1`, new Uint8Array(0)), 400, 'INVALID_MODEL_FILE');
      expectError(await putJson(`${server.url}/api/models/${name}/versions/1`, { onnx: 'base64?' }), 400, 'INVALID_MODEL_FILE');
      expect(existsSync(join(root, name))).toBe(false);
    });

    it('a version that is not a positive integer is a 400', async () => {
      const name = uniqueId('ver');
      for (const version of ['0', '01', '-1', 'latest', '1.5']) {
        expectError(await putBytes(`${server.url}/api/models/${name}/versions/${version}`, MULTI_V1), 400, 'INVALID_VERSION');
      }
      expect(existsSync(join(root, name))).toBe(false);
    });

    it('a config with an unknown key is a 400 naming the key, and the old config stays', async () => {
      const name = await clone('multi');
      expect((await load(name)).status).toBe(200);
      const before = readFileSync(join(root, name, 'config.json'), 'utf8');
      const response = await putJson(`${server.url}/api/models/${name}/config`, { ...MULTI_CONFIG, classes: ['no', 'yes'], colour: 'blue' });
      expectError(response, 400, 'INVALID_MODEL_CONFIG', /colour/);
      expect(readFileSync(join(root, name, 'config.json'), 'utf8')).toBe(before);
      const records = await postJson(`${server.url}/api/models/${name}/predict`, { records: [{ features: { x0: 1, x1: 0 } }] });
      expect(records.status).toBe(200);
      expect(records.body.predictions[0].label).toBe('pos');
      expect((await entries(name)).map((entry) => entry.reason)).toEqual(['', '']);
    });

    it('a config that does not fit the ONNX signature is a 400 and the old config stays', async () => {
      const name = await clone('multi');
      expect((await load(name)).status).toBe(200);
      const before = readFileSync(join(root, name, 'config.json'), 'utf8');
      expectError(await putJson(`${server.url}/api/models/${name}/config`, { ...MULTI_CONFIG, features: ['a', 'b', 'c'] }), 400, 'MODEL_LOAD_FAILED', /features/);
      expectError(await putJson(`${server.url}/api/models/${name}/config`, { task: 'regression', loss: { name: 'log_loss' } }), 400, 'INVALID_MODEL_CONFIG', /loss/);
      expectError(await putJson(`${server.url}/api/models/${name}/config`, '[1, 2]'), 400, 'INVALID_MODEL_CONFIG');
      expect(readFileSync(join(root, name, 'config.json'), 'utf8')).toBe(before);
      expect((await inferMulti(name, [1, 0])).status).toBe(200);
    });

    it('an updated config takes effect: class names change', async () => {
      const name = await clone('multi');
      expect((await load(name)).status).toBe(200);
      const updated = { ...MULTI_CONFIG, classes: ['no', 'yes'] };
      expect((await putJson(`${server.url}/api/models/${name}/config`, updated)).status).toBe(200);
      const records = await postJson(`${server.url}/api/models/${name}/predict`, { records: [{ features: { x0: 1, x1: 0 } }] });
      expect(records.body.predictions[0].label).toBe('yes');
      expect(JSON.parse(readFileSync(join(root, name, 'config.json'), 'utf8'))).toEqual(updated);
    });
  });

  describe('model names', () => {
    const bad = ['..', '.', '.hidden', 'a%2Fb', '..%2F..%2Fescape', '%2E%2E', '-dash', 'x'.repeat(129), 'sp%20ace'];

    it.each(bad)('PUT config for %s is a 4xx and writes nothing', async (name) => {
      const response = await rawRequest(server.url, 'PUT', `/api/models/${name}/config`, JSON.stringify(MULTI_CONFIG));
      expect(response.status, JSON.stringify(response.body)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(typeof response.body?.code).toBe('string');
      expect(existsSync(join(root, '..', 'config.json'))).toBe(false);
      expect(existsSync(join(root, '.hidden'))).toBe(false);
      expect(existsSync(join(root, 'a', 'b'))).toBe(false);
    });

    it.each(bad)('PUT version for %s is a 4xx and writes nothing', async (name) => {
      const response = await rawRequest(server.url, 'PUT', `/api/models/${name}/versions/1`, MULTI_V1, 'application/octet-stream');
      expect(response.status, JSON.stringify(response.body)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(existsSync(join(root, '..', '1'))).toBe(false);
      expect(existsSync(join(root, '.hidden'))).toBe(false);
      expect(existsSync(join(root, 'a'))).toBe(false);
    });

    it('a name of the maximum length (128 characters) can be uploaded and served', async () => {
      const prefix = uniqueId('long');
      const name = `${prefix}-${'n'.repeat(128 - prefix.length - 1)}`;
      expect(name).toHaveLength(128);
      const config = await putJson(`${server.url}/api/models/${name}/config`, MULTI_CONFIG);
      expect(config.status, JSON.stringify(config.body)).toBe(200);
      expect((await putBytes(`${server.url}/api/models/${name}/versions/1`, MULTI_V1)).status).toBe(200);
      expect((await inferMulti(name, [1, 0])).status).toBe(200);
    });

    it('the name checks answer INVALID_MODEL_NAME', async () => {
      expectError(await rawRequest(server.url, 'PUT', '/api/models/.hidden/config', JSON.stringify(MULTI_CONFIG)), 400, 'INVALID_MODEL_NAME');
      expectError(await rawRequest(server.url, 'PUT', '/api/models/a%2Fb/config', JSON.stringify(MULTI_CONFIG)), 400, 'INVALID_MODEL_NAME');
    });

    it.each(bad)('repository load of %s is a 4xx', async (name) => {
      const response = await rawRequest(server.url, 'POST', `/v2/repository/models/${name}/load`, '{}');
      expect(response.status, JSON.stringify(response.body)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });
  });
});
