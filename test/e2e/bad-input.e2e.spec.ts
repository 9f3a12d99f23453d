import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS, getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectError, rawRequest } from './e2e-support.js';

/** One bad request: sent as-is when `raw`, else JSON-encoded; `id` is the prediction id it tries to log. */
interface BadCase {
  title: string;
  path: string;
  body: unknown;
  raw?: boolean;
  status: number;
  /** The code, or the codes accepted. */
  code: string | string[];
  message?: RegExp;
  id?: string;
  model?: string;
}

// A "__proto__" / "constructor.prototype" key is valid JSON but refused by our JSON parser.
const PROTO_CODES = 'BAD_REQUEST';

const input = (data: unknown, shape: unknown = [1, 2], datatype: unknown = 'FP32') => ({ name: 'input', shape, datatype, data });
const DTYPES: Record<string, string> = {
  f32: 'FP32', f64: 'FP64', f16: 'FP16', i8: 'INT8', i16: 'INT16', i32: 'INT32', i64: 'INT64',
  u8: 'UINT8', u16: 'UINT16', u32: 'UINT32', u64: 'UINT64', b: 'BOOL',
};
/** A valid dtypes request (one row) with `name`'s data replaced by `data`, as raw text with `literal` spliced in. */
const dtypesRequest = (id: string, name: string, literal: string): string => {
  const inputs = Object.entries(DTYPES).map(([input, datatype]) => ({
    name: input,
    datatype,
    shape: [1, 2],
    data: input === name ? ['@'] : input === 'b' ? [true, false] : [1, 2],
  }));
  inputs.push({ name: 's', datatype: 'BYTES', shape: [1], data: ['x'] } as never);
  return JSON.stringify({ id, inputs }).replace('"@"', literal);
};
const CREDIT = { age: 35, income: 52000, debt_ratio: 0.375, tenure_months: 48, num_accounts: 3 };

function oipCases(): BadCase[] {
  const multi = '/v2/models/multi/infer';
  const one = (title: string, body: Record<string, unknown>, status: number, code: string | string[], message?: RegExp, path = multi): BadCase => {
    const id = uniqueId('bad');
    return { title, path, body: { id, ...body }, status, code, message, id, model: path.split('/')[3] };
  };
  const raw = (title: string, text: (id: string) => string, status: number, code: string | string[], message?: RegExp, path = multi): BadCase => {
    const id = uniqueId('bad');
    return { title, path, body: text(id), raw: true, status, code, message, id, model: path.split('/')[3] };
  };
  const long = 'x'.repeat(257);
  return [
    raw('malformed JSON', (id) => `{"id":"${id}","inputs":[{"name":"input",`, 400, 'MALFORMED_JSON'),
    raw('trailing garbage after JSON', (id) => `{"id":"${id}","inputs":[]} x`, 400, 'MALFORMED_JSON'),
    raw('an empty JSON body', () => '', 400, 'MALFORMED_JSON'),
    one('unknown model', { inputs: [input([1, 0])] }, 404, 'MODEL_NOT_FOUND', undefined, `/v2/models/${uniqueId('nope')}/infer`),
    one('unknown version', { inputs: [input([1, 0])] }, 404, 'VERSION_NOT_FOUND', undefined, '/v2/models/multi/versions/3/infer'),
    one('a version that is not a number', { inputs: [input([1, 0])] }, 404, 'VERSION_NOT_FOUND', undefined, '/v2/models/multi/versions/latest/infer'),
    one('a broken model', { inputs: [input([1, 0])] }, 404, 'MODEL_NOT_FOUND', /colour/, '/v2/models/badconfig/infer'),
    one('unknown model, body not even OIP', { whatever: true }, 404, 'MODEL_NOT_FOUND', undefined, `/v2/models/${uniqueId('nope')}/infer`),
    raw('a JSON array body', () => '[]', 400, 'INVALID_REQUEST'),
    one('no inputs', {}, 400, 'INVALID_REQUEST'),
    one('empty inputs', { inputs: [] }, 400, 'INVALID_REQUEST'),
    one('inputs not an array', { inputs: { name: 'input' } }, 400, 'INVALID_REQUEST'),
    one('parameters not an object', { parameters: 'eu', inputs: [input([1, 0])] }, 400, 'INVALID_REQUEST'),
    one('wrong input name', { inputs: [{ ...input([1, 0]), name: 'features' }] }, 400, 'INVALID_INPUT', /features/),
    one('an input given twice', { inputs: [input([1, 0]), input([0, 1])] }, 400, 'INVALID_INPUT', /twice/),
    one('input without a name', { inputs: [{ shape: [1, 2], datatype: 'FP32', data: [1, 0] }] }, 400, 'INVALID_INPUT'),
    one('missing input (dtypes without s)', {
      inputs: Object.entries(DTYPES).map(([name, datatype]) => ({ name, datatype, shape: [1, 2], data: name === 'b' ? [true, true] : [1, 2] })),
    }, 400, 'INVALID_INPUT', /missing input 's'/, '/v2/models/dtypes/infer'),
    one('wrong datatype', { inputs: [input([1, 0], [1, 2], 'FP64')] }, 400, 'INVALID_DATATYPE', /FP32/),
    one('unknown datatype', { inputs: [input([1, 0], [1, 2], 'FLOAT')] }, 400, 'INVALID_DATATYPE'),
    one('BF16 (no ONNX Runtime JS type)', { inputs: [input([1, 0], [1, 2], 'BF16')] }, 400, 'INVALID_DATATYPE'),
    one('wrong shape rank', { inputs: [input([1, 0], [2])] }, 400, 'INVALID_SHAPE'),
    one('zero rows', { inputs: [input([], [0, 2])] }, 400, 'INVALID_SHAPE', /no rows/),
    raw('an FP64 sum that overflows to Infinity in the model (monitored output)', (id) => dtypesRequest(id, 'f64', '1.7e308,1.7e308'), 500, 'INFERENCE_FAILED', /NaN or Infinity/, '/v2/models/dtypes/infer'),
    one('wrong row width', { inputs: [input([1, 0, 2], [1, 3])] }, 400, 'INVALID_SHAPE'),
    one('negative dimension', { inputs: [input([1, 0], [-1, 2])] }, 400, 'INVALID_SHAPE'),
    one('shape not an array', { inputs: [input([1, 0], '1x2')] }, 400, 'INVALID_SHAPE'),
    one('data shorter than shape', { inputs: [input([1, 0, 1], [2, 2])] }, 400, 'INVALID_SHAPE', /3 elements/),
    one('data longer than shape', { inputs: [input([1, 0, 1, 0, 1], [2, 2])] }, 400, 'INVALID_SHAPE'),
    one('ragged nested data', { inputs: [input([[1, 0], [1]], [2, 2])] }, 400, 'INVALID_SHAPE'),
    one('nested deeper than shape', { inputs: [input([[[1], [0]]], [1, 2])] }, 400, 'INVALID_SHAPE'),
    one('mixed nested and flat', { inputs: [input([[1, 0], 1, 0], [2, 2])] }, 400, 'INVALID_SHAPE'),
    one('data not an array', { inputs: [input('1,0')] }, 400, 'INVALID_SHAPE'),
    one('fixed-shape model with 2 rows', { inputs: [input([1, 2, 3, 4, 5, 6], [2, 3])] }, 400, 'INVALID_SHAPE', /\[1,3\]/, '/v2/models/fixed/infer'),
    one('"NaN" as a string', { inputs: [input(['NaN', 0])] }, 400, 'INVALID_VALUE', /number/),
    one('"Infinity" as a string', { inputs: [input([0, 'Infinity'])] }, 400, 'INVALID_VALUE'),
    raw('1e999 (parses to Infinity)', (id) => `{"id":"${id}","inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1e999,0]}]}`, 400, 'INVALID_VALUE', /Infinity/),
    raw('-1e999 in an FP64 input', (id) => dtypesRequest(id, 'f64', '-1e999'), 400, 'INVALID_VALUE', /Infinity/, '/v2/models/dtypes/infer'),
    one('a numeric string', { inputs: [input(['1.5', 0])] }, 400, 'INVALID_VALUE'),
    one('null where a number goes', { inputs: [input([null, 0])] }, 400, 'INVALID_VALUE'),
    one('true where a number goes', { inputs: [input([true, 0])] }, 400, 'INVALID_VALUE'),
    one('an object where a number goes', { inputs: [input([{ value: 1 }, 0])] }, 400, 'INVALID_VALUE'),
    one('beyond float32', { inputs: [input([1e39, 0])] }, 400, 'INVALID_VALUE', /range/),
    raw('BOOL given 1', (id) => dtypesRequest(id, 'b', '1, 0'), 400, 'INVALID_VALUE', /true or false/, '/v2/models/dtypes/infer'),
    raw('INT32 given 1.5', (id) => dtypesRequest(id, 'i32', '1.5, 0'), 400, 'INVALID_VALUE', /integer/, '/v2/models/dtypes/infer'),
    raw('UINT8 given 256', (id) => dtypesRequest(id, 'u8', '256, 0'), 400, 'INVALID_VALUE', /range/, '/v2/models/dtypes/infer'),
    raw('UINT8 given -1', (id) => dtypesRequest(id, 'u8', '-1, 0'), 400, 'INVALID_VALUE', /range/, '/v2/models/dtypes/infer'),
    raw('INT8 given -129', (id) => dtypesRequest(id, 'i8', '-129, 0'), 400, 'INVALID_VALUE', /range/, '/v2/models/dtypes/infer'),
    raw('FP16 given 70000', (id) => dtypesRequest(id, 'f16', '70000, 0'), 400, 'INVALID_VALUE', /range/, '/v2/models/dtypes/infer'),
    // 2^63 - 1 is no JSON number: it arrives as 2^63 and must not wrap to -2^63.
    raw('INT64 given 9223372036854775807', (id) => dtypesRequest(id, 'i64', '9223372036854775807, 0'), 400, 'INVALID_VALUE', /range/, '/v2/models/dtypes/infer'),
    raw('UINT64 given 18446744073709551615', (id) => dtypesRequest(id, 'u64', '18446744073709551615, 0'), 400, 'INVALID_VALUE', /range/, '/v2/models/dtypes/infer'),
    raw('BYTES with a NUL character', (id) => dtypesRequest(id, 'f32', '1, 2').replace('"data":["x"]', '"data":["a\\u0000b"]'), 400, 'INVALID_VALUE', /NUL/, '/v2/models/dtypes/infer'),
    one('binary tensor data extension', { inputs: [{ ...input([1, 0]), parameters: { binary_data_size: 8 } }] }, 400, 'INVALID_REQUEST', /binary/),
    one('segment as a non-BYTES input', { inputs: [input([1, 0]), { name: 'region', shape: [1], datatype: 'FP32', data: [1] }] }, 400, 'INVALID_INPUT', /BYTES/),
    one('segment input with a wrong row count', { inputs: [input([1, 0]), { name: 'region', shape: [2], datatype: 'BYTES', data: ['eu', 'us'] }] }, 400, 'INVALID_SHAPE'),
    one('segment input with a number', { inputs: [input([1, 0]), { name: 'region', shape: [1], datatype: 'BYTES', data: [7] }] }, 400, 'INVALID_VALUE'),
    one('segment input over 256 characters', { inputs: [input([1, 0]), { name: 'region', shape: [1], datatype: 'BYTES', data: [long] }] }, 400, 'INVALID_SEGMENT', /256/),
    one('segment input empty', { inputs: [input([1, 0]), { name: 'region', shape: [1], datatype: 'BYTES', data: [''] }] }, 400, 'INVALID_SEGMENT'),
    one('segment input with a newline', { inputs: [input([1, 0]), { name: 'region', shape: [1], datatype: 'BYTES', data: ['eu\nus'] }] }, 400, 'INVALID_SEGMENT', /control/),
    one('segment parameter a number', { parameters: { region: 3 }, inputs: [input([1, 0])] }, 400, 'INVALID_SEGMENT', /string/),
    one('segment parameter an array', { parameters: { gender: ['f'] }, inputs: [input([1, 0])] }, 400, 'INVALID_SEGMENT'),
    one('segment parameter over 256 characters', { parameters: { gender: long }, inputs: [input([1, 0])] }, 400, 'INVALID_SEGMENT', /256/),
    one('an extra input that is no segment key', { inputs: [input([1, 0]), { name: 'store', shape: [1], datatype: 'BYTES', data: ['s1'] }] }, 400, 'INVALID_INPUT', /store/),
    one('request id empty', { inputs: [input([1, 0])], id: '' }, 400, 'INVALID_PREDICTION_ID'),
    one('request id a number', { inputs: [input([1, 0])], id: 42 }, 400, 'INVALID_PREDICTION_ID'),
    one('prediction_id empty', { inputs: [input([1, 0]), { name: 'prediction_id', shape: [1], datatype: 'BYTES', data: [''] }] }, 400, 'INVALID_PREDICTION_ID'),
    one('prediction_id with a control character', { inputs: [input([1, 0]), { name: 'prediction_id', shape: [1], datatype: 'BYTES', data: ['a\u0001b'] }] }, 400, 'INVALID_PREDICTION_ID', /control/),
    one('prediction_id with DEL', { inputs: [input([1, 0]), { name: 'prediction_id', shape: [1], datatype: 'BYTES', data: ['ab\u007f'] }] }, 400, 'INVALID_PREDICTION_ID'),
    one('prediction_id over 256 characters', { inputs: [input([1, 0]), { name: 'prediction_id', shape: [1], datatype: 'BYTES', data: [long] }] }, 400, 'INVALID_PREDICTION_ID'),
    raw('__proto__ at the top level', (id) => `{"id":"${id}","__proto__":{"polluted":true},"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,0]}]}`, 400, PROTO_CODES),
    raw('__proto__ inside parameters', (id) => `{"id":"${id}","parameters":{"__proto__":{"region":"eu"}},"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,0]}]}`, 400, PROTO_CODES),
    raw('constructor.prototype', (id) => `{"id":"${id}","constructor":{"prototype":{"x":1}},"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,0]}]}`, 400, PROTO_CODES),
  ];
}

function recordsCases(): BadCase[] {
  const credit = '/api/models/credit/predict';
  const one = (title: string, record: Record<string, unknown>, status: number, code: string | string[], message?: RegExp, path = credit): BadCase => {
    const id = uniqueId('badrec');
    return { title: `records: ${title}`, path, body: { records: [{ id, features: CREDIT, ...record }] }, status, code, message, id, model: path.split('/')[3] };
  };
  const raw = (title: string, text: (id: string) => string, status: number, code: string | string[], message?: RegExp): BadCase => {
    const id = uniqueId('badrec');
    return { title: `records: ${title}`, path: credit, body: text(id), raw: true, status, code, message, id, model: 'credit' };
  };
  const long = 'x'.repeat(257);
  const fixedId = uniqueId('badrec');
  return [
    { title: 'records: no records', path: credit, body: { records: [] }, status: 400, code: 'INVALID_REQUEST' },
    { title: 'records: not a records body', path: credit, body: { features: CREDIT }, status: 400, code: 'INVALID_REQUEST' },
    one('unknown model', {}, 404, 'MODEL_NOT_FOUND', undefined, `/api/models/${uniqueId('nope')}/predict`),
    one('features missing', { features: undefined }, 400, 'INVALID_INPUT'),
    one('a feature missing', { features: { ...CREDIT, age: undefined } }, 400, 'INVALID_INPUT', /age/),
    one('an unknown feature', { features: { ...CREDIT, height: 180 } }, 400, 'INVALID_INPUT', /height/),
    one('"NaN" as a feature', { features: { ...CREDIT, income: 'NaN' } }, 400, 'INVALID_VALUE', /income/),
    one('a numeric string as a feature', { features: { ...CREDIT, income: '52000' } }, 400, 'INVALID_VALUE'),
    one('null as a feature', { features: { ...CREDIT, income: null } }, 400, 'INVALID_VALUE'),
    raw('1e999 as a feature', (id) => `{"records":[{"id":"${id}","features":{"age":1e999,"income":1,"debt_ratio":1,"tenure_months":1,"num_accounts":1}}]}`, 400, 'INVALID_VALUE', /Infinity/),
    one('an unknown segment key', { segments: { colour: 'red' } }, 400, 'INVALID_SEGMENT', /colour/),
    one('a segment value that is a number', { segments: { region: 1 } }, 400, 'INVALID_SEGMENT'),
    one('a segment value that is null', { segments: { gender: null } }, 400, 'INVALID_SEGMENT'),
    one('a segment value over 256 characters', { segments: { channel: long } }, 400, 'INVALID_SEGMENT', /256/),
    one('a segment value with a tab', { segments: { channel: 'we\tb' } }, 400, 'INVALID_SEGMENT'),
    one('segments not an object', { segments: ['eu'] }, 400, 'INVALID_SEGMENT'),
    one('an id with a control character', { id: 'x\u001by' }, 400, 'INVALID_PREDICTION_ID'),
    one('an empty id', { id: '' }, 400, 'INVALID_PREDICTION_ID'),
    one('a numeric id', { id: 7 }, 400, 'INVALID_PREDICTION_ID'),
    {
      title: 'records: a fixed-shape model with 2 records',
      path: '/api/models/fixed/predict',
      body: { records: [{ id: fixedId, features: { a: 1, b: 2, c: 3 } }, { features: { a: 1, b: 2, c: 3 } }] },
      status: 400,
      code: 'INVALID_SHAPE',
      id: fixedId,
      model: 'fixed',
    },
    raw('__proto__ in features', (id) => `{"records":[{"id":"${id}","features":{"__proto__":{"age":1},"age":35,"income":1,"debt_ratio":1,"tenure_months":1,"num_accounts":1}}]}`, 400, PROTO_CODES),
    raw('__proto__ in segments', (id) => `{"records":[{"id":"${id}","features":{"age":35,"income":1,"debt_ratio":1,"tenure_months":1,"num_accounts":1},"segments":{"__proto__":{"region":"eu"}}}]}`, 400, PROTO_CODES),
  ];
}

describe('bad input: a 4xx with {error, code}, and nothing logged', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server?.close());

  const send = (bad: BadCase) => rawRequest(server.url, 'POST', bad.path, bad.raw ? (bad.body as string) : JSON.stringify(bad.body));

  it.each([...oipCases(), ...recordsCases()].map((bad) => [bad.title, bad] as const))('%s', async (_title, bad) => {
    const response = await send(bad);
    if (Array.isArray(bad.code)) {
      expect(response.status, JSON.stringify(response.body)).toBe(bad.status);
      expect(bad.code).toContain(response.body?.code);
      expect(typeof response.body.error).toBe('string');
    } else {
      expectError(response, bad.status, bad.code, bad.message);
    }
    if (bad.id && bad.model && bad.status !== 404) {
      expectError(await getJson(`${server.url}/api/models/${bad.model}/predictions/${bad.id}`), 404, 'PREDICTION_NOT_FOUND');
    }
  });

  it('the same requests made valid succeed (the cases above fail for the reason named)', async () => {
    const id = uniqueId('good');
    const oip = await postJson(`${server.url}/v2/models/multi/infer`, {
      id,
      parameters: { gender: 'x'.repeat(256) },
      inputs: [input([1, 0]), { name: 'region', shape: [1], datatype: 'BYTES', data: ['eu'] }],
    });
    expect(oip.status, JSON.stringify(oip.body)).toBe(200);
    expect((await getJson(`${server.url}/api/models/multi/predictions/${id}`)).body.segments).toEqual({ region: 'eu', gender: 'x'.repeat(256) });
    const recordId = uniqueId('good');
    const records = await postJson(`${server.url}/api/models/credit/predict`, { records: [{ id: recordId, features: CREDIT, segments: { region: 'eu', channel: 'web', gender: 'f' } }] });
    expect(records.status, JSON.stringify(records.body)).toBe(200);
    const dtypes = await rawRequest(server.url, 'POST', '/v2/models/dtypes/infer', dtypesRequest(uniqueId('good'), 'i64', '9223372036854774784, -9223372036854775808'));
    expect(dtypes.status, JSON.stringify(dtypes.body)).toBe(200);
  });

  it('a body that is not JSON: text/plain is a 400, an unknown media type a 415; nothing logged', async () => {
    const id = uniqueId('media');
    const body = JSON.stringify({ id, inputs: [input([1, 0])] });
    expectError(await rawRequest(server.url, 'POST', '/v2/models/multi/infer', body, 'text/plain'), 400, 'INVALID_REQUEST');
    expectError(await rawRequest(server.url, 'POST', '/v2/models/multi/infer', body, 'application/xml'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await getJson(`${server.url}/api/models/multi/predictions/${id}`), 404, 'PREDICTION_NOT_FOUND');
  });

  it('an unknown route is a 404 with a code', async () => {
    expectError(await getJson(`${server.url}/v2/nothing/here`), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('limits: PLUMBLINE_MAX_BODY_BYTES=2048, PLUMBLINE_MAX_ROWS=4', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_MAX_BODY_BYTES: '2048', PLUMBLINE_MAX_ROWS: '4' });
  });
  afterAll(() => server?.close());

  const rows = (n: number) => Array.from({ length: n }, (_, i) => [i, 1]);

  it('a body over the limit is a 413 BODY_TOO_LARGE naming the setting, and nothing is logged', async () => {
    const id = uniqueId('big');
    const body = JSON.stringify({ id, parameters: { padding: 'x'.repeat(2100) }, inputs: [input([1, 0])] });
    expect(body.length).toBeGreaterThan(2048);
    const response = await rawRequest(server.url, 'POST', '/v2/models/multi/infer', body);
    expectError(response, 413, 'BODY_TOO_LARGE', /PLUMBLINE_MAX_BODY_BYTES/);
    expectError(await getJson(`${server.url}/api/models/multi/predictions/${id}`), 404, 'PREDICTION_NOT_FOUND');
  });

  it('a body just under the limit is served', async () => {
    const body = JSON.stringify({ parameters: { padding: 'x'.repeat(1800) }, inputs: [input([1, 0])] });
    expect(body.length).toBeLessThan(2048);
    expect((await rawRequest(server.url, 'POST', '/v2/models/multi/infer', body)).status).toBe(200);
  });

  it('ONNX uploads are not held to the JSON body limit', async () => {
    // The multi model plus a 3000-byte doc_string (ModelProto field 6, the last one wins): a valid ONNX file over 2048 bytes.
    const bytes = Buffer.concat([readFileSync(join(FIXTURE_MODELS, 'multi', '1', 'model.onnx')), Buffer.from([0x32, 0xb8, 0x17]), Buffer.alloc(3000, 'a')]);
    const name = uniqueId('bigupload');
    const response = await rawRequest(server.url, 'PUT', `/api/models/${name}/versions/1`, bytes, 'application/octet-stream');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(readFileSync(join(server.config.modelRepository, name, '1', 'model.onnx')).length).toBe(bytes.length);
  });

  it('more rows than PLUMBLINE_MAX_ROWS is a 413 TOO_MANY_ROWS (OIP and records), and nothing is logged', async () => {
    const ids = Array.from({ length: 5 }, () => uniqueId('rows'));
    const oip = await postJson(`${server.url}/v2/models/multi/infer`, {
      inputs: [input(rows(5), [5, 2]), { name: 'prediction_id', shape: [5], datatype: 'BYTES', data: ids }],
    });
    expectError(oip, 413, 'TOO_MANY_ROWS', /PLUMBLINE_MAX_ROWS/);
    const records = await postJson(`${server.url}/api/models/multi/predict`, { records: rows(5).map(([x0, x1], i) => ({ id: ids[i], features: { x0, x1 } })) });
    expectError(records, 413, 'TOO_MANY_ROWS', /PLUMBLINE_MAX_ROWS/);
    for (const id of ids) expectError(await getJson(`${server.url}/api/models/multi/predictions/${id}`), 404, 'PREDICTION_NOT_FOUND');
  });

  it('exactly PLUMBLINE_MAX_ROWS rows are served', async () => {
    const oip = await postJson(`${server.url}/v2/models/multi/infer`, { inputs: [input(rows(4), [4, 2])] });
    expect(oip.status).toBe(200);
    const records = await postJson(`${server.url}/api/models/multi/predict`, { records: rows(4).map(([x0, x1]) => ({ features: { x0, x1 } })) });
    expect(records.status).toBe(200);
    expect(records.body.predictions).toHaveLength(4);
  });
});
