import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectClose, expectError, output, SKLEARN, UUID_V7 } from './e2e-support.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('OIP v2 over HTTP (fixture repository)', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server?.close());

  const infer = (model: string, body: unknown, version?: string) =>
    postJson(`${server.url}/v2/models/${model}${version ? `/versions/${version}` : ''}/infer`, body);
  const prediction = (model: string, id: string) => getJson(`${server.url}/api/models/${model}/predictions/${encodeURIComponent(id)}`);

  describe('server and model metadata', () => {
    it('GET /v2 names the server and its extensions', async () => {
      const { status, body } = await getJson(`${server.url}/v2`);
      expect(status).toBe(200);
      expect(body).toEqual({ name: 'plumbline', version: expect.any(String), extensions: expect.arrayContaining(['model_repository']) });
    });

    it('GET /v2/health/live and /v2/health/ready', async () => {
      expect(await getJson(`${server.url}/v2/health/live`)).toEqual({ status: 200, body: { live: true } });
      expect(await getJson(`${server.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
    });

    it('GET /v2/models/credit: platform, inputs and outputs with -1 for the batch dimension', async () => {
      const { status, body } = await getJson(`${server.url}/v2/models/credit`);
      expect(status).toBe(200);
      expect(body).toEqual({
        name: 'credit',
        versions: ['1'],
        platform: 'onnx_onnxv1',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 5] }],
        outputs: [
          { name: 'label', datatype: 'INT64', shape: [-1] },
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        ],
      });
    });

    it('GET /v2/models/multi lists both versions; /versions/1 describes version 1', async () => {
      const all = await getJson(`${server.url}/v2/models/multi`);
      expect(all.status).toBe(200);
      expect(all.body.versions).toEqual(['1', '2']);
      const one = await getJson(`${server.url}/v2/models/multi/versions/1`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ name: 'multi', versions: ['1'], platform: 'onnx_onnxv1', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 2] }] });
    });

    it('GET /v2/models/fixed keeps fixed dimensions', async () => {
      const { body } = await getJson(`${server.url}/v2/models/fixed`);
      expect(body.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [1, 3] }]);
      expect(body.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [1, 1] }]);
    });

    it('GET /v2/models/dtypes maps every ONNX type to its OIP datatype', async () => {
      const { status, body } = await getJson(`${server.url}/v2/models/dtypes`);
      expect(status).toBe(200);
      const datatypes = Object.fromEntries(body.inputs.map((input: { name: string; datatype: string }) => [input.name, input.datatype]));
      expect(datatypes).toEqual({
        f32: 'FP32', f64: 'FP64', f16: 'FP16', i8: 'INT8', i16: 'INT16', i32: 'INT32', i64: 'INT64',
        u8: 'UINT8', u16: 'UINT16', u32: 'UINT32', u64: 'UINT64', b: 'BOOL', s: 'BYTES',
      });
      expect(body.inputs.find((input: { name: string }) => input.name === 's').shape).toEqual([-1]);
      expect(body.inputs.find((input: { name: string }) => input.name === 'u64').shape).toEqual([-1, 2]);
      expect(body.outputs).toEqual([
        { name: 'concat', datatype: 'FP64', shape: [-1, 24] },
        { name: 'sum', datatype: 'FP64', shape: [-1] },
        { name: 's_out', datatype: 'BYTES', shape: [-1] },
      ]);
    });

    it('model and version readiness', async () => {
      expect(await getJson(`${server.url}/v2/models/credit/ready`)).toEqual({ status: 200, body: { name: 'credit', ready: true } });
      expect(await getJson(`${server.url}/v2/models/multi/versions/1/ready`)).toEqual({ status: 200, body: { name: 'multi', ready: true } });
      expectError(await getJson(`${server.url}/v2/models/multi/versions/3/ready`), 404, 'VERSION_NOT_FOUND');
      expectError(await getJson(`${server.url}/v2/models/nope-${uniqueId()}/ready`), 404, 'MODEL_NOT_FOUND');
    });

    it('metadata of an unknown model or version is a 404', async () => {
      expectError(await getJson(`${server.url}/v2/models/nope-${uniqueId()}`), 404, 'MODEL_NOT_FOUND');
      expectError(await getJson(`${server.url}/v2/models/multi/versions/9`), 404, 'VERSION_NOT_FOUND');
      expectError(await getJson(`${server.url}/v2/models/multi/versions/x`), 404, 'VERSION_NOT_FOUND');
    });

    it('a broken model is not served: its metadata is a 404 with the reason', async () => {
      expectError(await getJson(`${server.url}/v2/models/badconfig`), 404, 'MODEL_NOT_FOUND', /colour/);
    });
  });

  describe('credit against scikit-learn', () => {
    const { rows, predict_proba: proba, predict } = SKLEARN.credit;

    it('batch of 5, flat data: probabilities and labels equal predict_proba / predict within 1e-5', async () => {
      const { status, body } = await infer('credit', { inputs: [{ name: 'input', shape: [5, 5], datatype: 'FP32', data: rows.flat() }] });
      expect(status).toBe(200);
      expect(body.model_name).toBe('credit');
      expect(body.model_version).toBe('1');
      const probabilities = output(body, 'probabilities');
      expect(probabilities.datatype).toBe('FP32');
      expect(probabilities.shape).toEqual([5, 2]);
      expectClose(probabilities.data, proba!.flat(), 1e-5);
      expect(output(body, 'label')).toEqual({ name: 'label', datatype: 'INT64', shape: [5], data: predict });
      const ids = output(body, 'prediction_id');
      expect(ids.datatype).toBe('BYTES');
      expect(ids.shape).toEqual([5]);
      expect(new Set(ids.data).size).toBe(5);
      for (const id of ids.data) expect(id).toMatch(UUID_V7);
    });

    it('nested data gives the same answer, one row at a time', async () => {
      for (let i = 0; i < rows.length; i++) {
        const { status, body } = await infer('credit', { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: [rows[i]] }] });
        expect(status).toBe(200);
        expectClose(output(body, 'probabilities').data, proba![i], 1e-5);
        expect(output(body, 'label').data).toEqual([predict[i]]);
      }
    });

    it('the logged prediction carries the named features as sent and the monitored output', async () => {
      const id = uniqueId('credit');
      const { status } = await infer('credit', { id, inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: [35, 52000, 0.3, 48, 3] }] });
      expect(status).toBe(200);
      const stored = await prediction('credit', id);
      expect(stored.status).toBe(200);
      expect(stored.body.features).toEqual({ age: 35, income: 52000, debt_ratio: 0.3, tenure_months: 48, num_accounts: 3 });
      expect(stored.body.output).toHaveLength(2);
      expect(stored.body.version).toBe('1');
    });
  });

  describe('versions', () => {
    const x = [0.75, 0.25];

    it('the highest version is served by default', async () => {
      const { status, body } = await infer('multi', { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: x }] });
      expect(status).toBe(200);
      expect(body.model_version).toBe('2');
      expectClose(output(body, 'probabilities').data, [1 - sigmoid(1), sigmoid(1)], 1e-6);
    });

    it('each version is addressable and answers with its own function', async () => {
      const v1 = await infer('multi', { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: x }] }, '1');
      const v2 = await infer('multi', { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: x }] }, '2');
      expect([v1.status, v2.status]).toEqual([200, 200]);
      expect([v1.body.model_version, v2.body.model_version]).toEqual(['1', '2']);
      expectClose(output(v1.body, 'probabilities').data, [1 - sigmoid(0.5), sigmoid(0.5)], 1e-6);
      expectClose(output(v2.body, 'probabilities').data, [1 - sigmoid(1), sigmoid(1)], 1e-6);
    });

    it('the logged prediction records the version that ran', async () => {
      const id = uniqueId('v1');
      expect((await infer('multi', { id, inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: x }] }, '1')).status).toBe(200);
      const stored = await prediction('multi', id);
      expect(stored.body.version).toBe('1');
      expectClose(stored.body.output, [1 - sigmoid(0.5), sigmoid(0.5)], 1e-6);
    });
  });

  describe('every datatype (dtypes model)', () => {
    // Row values per input; the model casts each to double, concatenates (24 columns) and sums a row.
    const rows = {
      f32: [[1.5, -2.25], [0.5, 0]],
      f64: [[0.1, 1e300], [-0.1, 2.5]],
      f16: [[0.5, 1.5], [0.1, -2]],
      i8: [[-128, 127], [1, 2]],
      i16: [[-32768, 32767], [3, 4]],
      i32: [[-2147483648, 2147483647], [5, 6]],
      i64: [[2 ** 40, -(2 ** 40)], [-3, 7]],
      u8: [[0, 255], [8, 9]],
      u16: [[0, 65535], [10, 11]],
      u32: [[0, 4294967295], [12, 13]],
      u64: [[2 ** 40, 0], [2 ** 32 + 1, 14]],
      b: [[true, false], [false, true]],
    } as const;
    const datatypes: Record<string, string> = {
      f32: 'FP32', f64: 'FP64', f16: 'FP16', i8: 'INT8', i16: 'INT16', i32: 'INT32', i64: 'INT64',
      u8: 'UINT8', u16: 'UINT16', u32: 'UINT32', u64: 'UINT64', b: 'BOOL',
    };
    // 0.1 is not a binary16 value: the nearest is 1638/16384.
    const HALF_0_1 = 0.0999755859375;
    const expectedConcat = (row: 0 | 1) =>
      Object.entries(rows).flatMap(([name, values]) =>
        values[row].map((value) => (typeof value === 'boolean' ? Number(value) : name === 'f16' && value === 0.1 ? HALF_0_1 : name === 'f32' ? Math.fround(value) : value)),
      );
    const request = (strings: string[]) => ({
      inputs: [
        ...Object.entries(rows).map(([name, values]) => ({ name, datatype: datatypes[name], shape: [2, 2], data: values })),
        { name: 's', datatype: 'BYTES', shape: [2], data: strings },
      ],
    });

    it('round-trips all OIP datatypes: concat, sum, FP16, INT64 2**40, BOOL and BYTES', async () => {
      const strings = ['plain', 'héllo wörld ✓ 🚀'];
      const { status, body } = await infer('dtypes', request(strings));
      expect(status, JSON.stringify(body)).toBe(200);
      const concat = output(body, 'concat');
      expect(concat.datatype).toBe('FP64');
      expect(concat.shape).toEqual([2, 24]);
      expect(concat.data.slice(0, 24)).toEqual(expectedConcat(0));
      expect(concat.data.slice(24)).toEqual(expectedConcat(1));
      // INT64 and UINT64 beyond 2**32 survive; FP16 0.1 arrives as binary16's nearest value.
      expect(concat.data[12]).toBe(2 ** 40);
      expect(concat.data[13]).toBe(-(2 ** 40));
      expect(concat.data[24 + 20]).toBe(2 ** 32 + 1);
      expect(concat.data[24 + 4]).toBe(HALF_0_1);
      const sum = output(body, 'sum');
      expect(sum.datatype).toBe('FP64');
      expect(sum.shape).toEqual([2]);
      const expectedSums = [0, 1].map((row) => expectedConcat(row as 0 | 1).reduce((a, b) => a + b, 0));
      expectClose(sum.data, expectedSums, 1e-9, true);
      expect(output(body, 's_out')).toEqual({ name: 's_out', datatype: 'BYTES', shape: [2], data: strings });
    });

    it('BOOL true and false are distinct: flipping one changes the sum by exactly 1', async () => {
      const base = await infer('dtypes', request(['a', 'b']));
      const flipped = request(['a', 'b']);
      (flipped.inputs.find((input) => input.name === 'b')!.data as unknown) = [[true, false], [true, true]];
      const changed = await infer('dtypes', flipped);
      expect([base.status, changed.status]).toEqual([200, 200]);
      expect(output(changed.body, 'sum').data[1] - output(base.body, 'sum').data[1]).toBe(1);
      expect(output(changed.body, 'concat').data.slice(24 + 22)).toEqual([1, 1]);
    });

    it('the highest INT64 and UINT64 a JSON number can carry exactly pass unchanged', async () => {
      const body = request(['x', 'y']);
      // 2**63 - 1024 and 2**64 - 2048 are the largest doubles below 2**63 and 2**64.
      body.inputs.find((input) => input.name === 'i64')!.data = [[-(2 ** 63), 2 ** 63 - 1024], [0, 0]] as never;
      body.inputs.find((input) => input.name === 'u64')!.data = [[2 ** 64 - 2048, 2 ** 62], [0, 0]] as never;
      const { status, body: answer } = await infer('dtypes', body);
      expect(status, JSON.stringify(answer)).toBe(200);
      const concat = output(answer, 'concat').data;
      expect(concat.slice(12, 14)).toEqual([-(2 ** 63), 2 ** 63 - 1024]);
      expect(concat.slice(20, 22)).toEqual([2 ** 64 - 2048, 2 ** 62]);
    });
  });

  describe('segments', () => {
    it('segment values from extra BYTES inputs and from request parameters are logged per row', async () => {
      const ids = [uniqueId('seg'), uniqueId('seg')];
      const { status, body } = await infer('multi', {
        parameters: { gender: 'f' },
        inputs: [
          { name: 'input', shape: [2, 2], datatype: 'FP32', data: [[1, 0], [0, 1]] },
          { name: 'region', shape: [2], datatype: 'BYTES', data: ['eu', 'us'] },
          { name: 'prediction_id', shape: [2], datatype: 'BYTES', data: ids },
        ],
      });
      expect(status, JSON.stringify(body)).toBe(200);
      // Segment and id tensors are not model inputs: the model ran on `input` alone.
      expect(body.outputs.map((tensor: { name: string }) => tensor.name).sort()).toEqual(['label', 'prediction_id', 'probabilities']);
      const first = await prediction('multi', ids[0]);
      const second = await prediction('multi', ids[1]);
      expect(first.body.segments).toEqual({ region: 'eu', gender: 'f' });
      expect(second.body.segments).toEqual({ region: 'us', gender: 'f' });
      expect(first.body.features).toEqual({ x0: 1, x1: 0 });
      expect(second.body.features).toEqual({ x0: 0, x1: 1 });
    });

    it('a segment input overrides nothing else and a request without segments logs none', async () => {
      const id = uniqueId('noseg');
      expect((await infer('multi', { id, inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 0] }] })).status).toBe(200);
      expect((await prediction('multi', id)).body.segments).toEqual({});
    });
  });

  describe('prediction ids', () => {
    const input = (rows: number) => ({ name: 'input', shape: [rows, 2], datatype: 'FP32', data: Array.from({ length: rows * 2 }, (_, i) => i % 3) });

    it('from a prediction_id BYTES input, returned as the prediction_id output', async () => {
      const ids = [uniqueId('pid'), uniqueId('pid'), uniqueId('pid')];
      const { status, body } = await infer('multi', { id: 'request-1', inputs: [input(3), { name: 'prediction_id', shape: [3], datatype: 'BYTES', data: ids }] });
      expect(status).toBe(200);
      expect(body.id).toBe('request-1');
      expect(output(body, 'prediction_id')).toEqual({ name: 'prediction_id', datatype: 'BYTES', shape: [3], data: ids });
      for (const id of ids) expect((await prediction('multi', id)).status).toBe(200);
    });

    it('from the request id for a single row', async () => {
      const id = uniqueId('rid');
      const { status, body } = await infer('multi', { id, inputs: [input(1)] });
      expect(status).toBe(200);
      expect(body.id).toBe(id);
      expect(output(body, 'prediction_id').data).toEqual([id]);
      const stored = await prediction('multi', id);
      expect(stored.status).toBe(200);
      expect(stored.body).toMatchObject({ id, model: 'multi', version: '2' });
    });

    it('generated UUIDv7s for several rows with a request id, and without any id', async () => {
      const requestId = uniqueId('batch');
      const batch = await infer('multi', { id: requestId, inputs: [input(2)] });
      expect(batch.status).toBe(200);
      expect(batch.body.id).toBe(requestId);
      const generated = output(batch.body, 'prediction_id').data;
      expect(generated).toHaveLength(2);
      for (const id of generated) expect(id).toMatch(UUID_V7);
      expect((await prediction('multi', requestId)).status).toBe(404);
      const single = await infer('multi', { inputs: [input(1)] });
      expect(single.body.id).toBeUndefined();
      const [id] = output(single.body, 'prediction_id').data;
      expect(id).toMatch(UUID_V7);
      expect((await prediction('multi', id)).body.id).toBe(id);
    });

    it('a reused prediction id is a 409 and the first prediction is unchanged', async () => {
      const id = uniqueId('dup');
      const first = await infer('multi', { id, inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 0] }] });
      expect(first.status).toBe(200);
      const before = await prediction('multi', id);
      const again = await infer('multi', { id, inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [0, 1] }] }, '1');
      expectError(again, 409, 'DUPLICATE_PREDICTION_ID');
      const after = await prediction('multi', id);
      expect(after.body).toEqual(before.body);
      expect(after.body.features).toEqual({ x0: 1, x1: 0 });
      expect(after.body.version).toBe('2');
    });

    it('a batch with one reused id is refused whole: its fresh ids are not logged', async () => {
      const used = uniqueId('used');
      expect((await infer('multi', { id: used, inputs: [input(1)] })).status).toBe(200);
      const fresh = uniqueId('fresh');
      const response = await infer('multi', { inputs: [input(2), { name: 'prediction_id', shape: [2], datatype: 'BYTES', data: [fresh, used] }] });
      expectError(response, 409, 'DUPLICATE_PREDICTION_ID');
      expect((await prediction('multi', fresh)).status).toBe(404);
    });

    it('ids with slashes, spaces, query characters and non-ASCII letters can be looked up', async () => {
      const suffix = uniqueId('');
      const ids = [`tx/1 ?a=b#c ${suffix}`, `zoë-€-🚀-${suffix}`];
      const { status, body } = await infer('multi', { inputs: [input(2), { name: 'prediction_id', shape: [2], datatype: 'BYTES', data: ids }] });
      expect(status, JSON.stringify(body)).toBe(200);
      for (const id of ids) {
        const stored = await prediction('multi', id);
        expect(stored.status).toBe(200);
        expect(stored.body.id).toBe(id);
      }
    });

    it('an id of the maximum length (256 characters) is accepted and can be looked up', async () => {
      const suffix = uniqueId('');
      const ids = [`${suffix}-${'x'.repeat(256 - suffix.length - 1)}`, `${suffix}-${'y'.repeat(101 - suffix.length - 1)}`];
      expect(ids.map((id) => id.length)).toEqual([256, 101]);
      const { status, body } = await infer('multi', { inputs: [input(2), { name: 'prediction_id', shape: [2], datatype: 'BYTES', data: ids }] });
      expect(status, JSON.stringify(body)).toBe(200);
      for (const id of ids) {
        const stored = await prediction('multi', id);
        expect(stored.status).toBe(200);
        expect(stored.body.id).toBe(id);
      }
    });

    it('the same id twice within one request is a 400', async () => {
      const id = uniqueId('twice');
      const response = await infer('multi', { inputs: [input(2), { name: 'prediction_id', shape: [2], datatype: 'BYTES', data: [id, id] }] });
      expectError(response, 400, 'INVALID_PREDICTION_ID');
      expect((await prediction('multi', id)).status).toBe(404);
    });

    it('ids are unique per model: the same id may be used by another model', async () => {
      const id = uniqueId('shared');
      expect((await infer('multi', { id, inputs: [input(1)] })).status).toBe(200);
      const credit = await infer('credit', { id, inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: SKLEARN.credit.rows[0] }] });
      expect(credit.status).toBe(200);
      expect((await prediction('credit', id)).body.model).toBe('credit');
    });
  });

  describe('outputs filter', () => {
    it('returns only the requested outputs (and the prediction ids)', async () => {
      const { status, body } = await infer('credit', {
        inputs: [{ name: 'input', shape: [2, 5], datatype: 'FP32', data: SKLEARN.credit.rows.slice(0, 2) }],
        outputs: [{ name: 'probabilities' }],
      });
      expect(status).toBe(200);
      expect(body.outputs.map((tensor: { name: string }) => tensor.name)).toEqual(['probabilities', 'prediction_id']);
      expectClose(output(body, 'probabilities').data, SKLEARN.credit.predict_proba!.slice(0, 2).flat(), 1e-5);
    });

    it('only the label', async () => {
      const { body } = await infer('credit', { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: SKLEARN.credit.rows[1] }], outputs: [{ name: 'label' }] });
      expect(body.outputs.map((tensor: { name: string }) => tensor.name)).toEqual(['label', 'prediction_id']);
      expect(output(body, 'label').data).toEqual([1]);
    });

    it('an unknown output name is a 400 and nothing is logged', async () => {
      const id = uniqueId('badout');
      const response = await infer('credit', { id, inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: SKLEARN.credit.rows[1] }], outputs: [{ name: 'logits' }] });
      expectError(response, 400, 'INVALID_REQUEST', /logits/);
      expect((await prediction('credit', id)).status).toBe(404);
    });
  });

  describe('fixed-shape model', () => {
    it('runs its one row', async () => {
      const { status, body } = await infer('fixed', { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3.5] }] });
      expect(status).toBe(200);
      expect(output(body, 'y')).toEqual({ name: 'y', datatype: 'FP32', shape: [1, 1], data: [6.5] });
    });
  });
});
