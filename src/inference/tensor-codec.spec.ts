import { describe, expect, it } from 'vitest';
import type { RawTensor } from './datatypes.js';
import { InferenceError, InferenceErrorCode } from './inference.errors.js';
import { concatRows, decodeTensor, encodeTensor, rowValue, sliceRows, type OipTensorJson } from './tensor-codec.js';

const LIMIT = 1000;

function fp32(shape: unknown, data: unknown): OipTensorJson {
  return { name: 'x', shape, datatype: 'FP32', data };
}

/** The code and message decodeTensor throws with, or a failure if it does not throw an InferenceError. */
function decodeFailure(json: OipTensorJson, maxElements = LIMIT): { code: string; message: string } {
  try {
    decodeTensor(json, maxElements);
  } catch (error) {
    if (error instanceof InferenceError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('decodeTensor accepted the tensor');
}

describe('decodeTensor', () => {
  it.each<[string, number[], unknown[], number[]]>([
    ['[2,3] flat', [2, 3], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]],
    ['[2,3] nested', [2, 3], [[1, 2, 3], [4, 5, 6]], [1, 2, 3, 4, 5, 6]],
    ['[3] flat', [3], [1.5, -2, 0], [1.5, -2, 0]],
    ['[2,1,2] flat', [2, 1, 2], [1, 2, 3, 4], [1, 2, 3, 4]],
    ['[2,1,2] nested', [2, 1, 2], [[[1, 2]], [[3, 4]]], [1, 2, 3, 4]],
    ['[] scalar', [], [7], [7]],
    ['[0,3] empty', [0, 3], [], []],
    ['[2,0] nested empty rows', [2, 0], [[], []], []],
  ])('decodes %s', (_label, shape, data, expected) => {
    const tensor = decodeTensor(fp32(shape, data), LIMIT);
    expect(tensor.name).toBe('x');
    expect(tensor.type).toBe('float32');
    expect(tensor.dims).toEqual(shape);
    expect(tensor.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensor.data as Float32Array)).toEqual(expected);
  });

  it.each<[string, string, unknown[], string, unknown[]]>([
    ['INT64', 'int64', [[1, -2], [3, 9007199254740991]], 'BigInt64Array', [1n, -2n, 3n, 9007199254740991n]],
    ['UINT8', 'uint8', [0, 255, 7, 8], 'Uint8Array', [0, 255, 7, 8]],
    ['BOOL', 'bool', [true, false, false, true], 'Uint8Array', [1, 0, 0, 1]],
    ['BYTES', 'string', [['a', 'b'], ['', 'é']], 'Array', ['a', 'b', '', 'é']],
    ['FP16', 'float16', [1, -2, 65504, 0.1], 'Uint16Array', [0x3c00, 0xc000, 0x7bff, 0x2e66]],
    ['FP64', 'float64', [0.1, 1e300, -5e-324, 0], 'Float64Array', [0.1, 1e300, -5e-324, 0]],
  ])('decodes a [2,2] %s tensor into %s', (datatype, type, data, arrayType, expected) => {
    const tensor = decodeTensor({ name: 'x', shape: [2, 2], datatype, data }, LIMIT);
    expect(tensor.type).toBe(type);
    expect(tensor.data.constructor.name).toBe(arrayType);
    expect(Array.from(tensor.data as ArrayLike<unknown>)).toEqual(expected);
  });

  it('keeps the client values in source (0.3 stays 0.3 for FP32)', () => {
    const tensor = decodeTensor(fp32([1, 2], [[0.3, 0.1]]), LIMIT);
    expect(tensor.source).toEqual([0.3, 0.1]);
    expect(Array.from(tensor.data as Float32Array)).toEqual([0.30000001192092896, 0.10000000149011612]);
  });

  it('keeps the client values in source for INT64', () => {
    const tensor = decodeTensor({ name: 'x', shape: [2], datatype: 'INT64', data: [4, -4] }, LIMIT);
    expect(tensor.source).toEqual([4, -4]);
  });

  it.each<[string, unknown, unknown]>([
    ['too few flat elements', [2, 3], [1, 2, 3, 4, 5]],
    ['too many flat elements', [2, 3], [1, 2, 3, 4, 5, 6, 7]],
    ['too few nested rows', [2, 3], [[1, 2, 3]]],
    ['too many nested rows', [2, 3], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]],
    ['nested deeper than the shape', [2, 3], [[[1], [2], [3]], [[4], [5], [6]]]],
    ['nested deeper than the shape at the outer level', [2, 3], [[[1, 2, 3]], [[4, 5, 6]]]],
    ['nested shallower than the shape', [2, 1, 2], [[1, 2], [3, 4]]],
    ['nested data for a flat shape', [6], [[1, 2, 3], [4, 5, 6]]],
    ['ragged nested rows', [2, 3], [[1, 2, 3], [4, 5]]],
    ['a value after an array', [2, 3], [[1, 2, 3], 4]],
    ['an array after a value', [3], [1, [2, 3]]],
    ['nested data for a scalar', [], [[7]]],
    ['two elements for a scalar', [], [7, 8]],
    ['no element for a scalar', [], []],
    ['data that is not an array', [1], 5],
    ['data that is missing', [1], undefined],
  ])('refuses %s with INVALID_SHAPE', (_label, shape, data) => {
    expect(decodeFailure(fp32(shape, data)).code).toBe(InferenceErrorCode.InvalidShape);
  });

  it.each<[string, unknown]>([
    ['a negative dimension', [-1, 3]],
    ['a non-integer dimension', [1.5, 2]],
    ['a string dimension', ['2', 3]],
    ['a null dimension', [null]],
    ['a shape that is not an array', '2,3'],
    ['a missing shape', undefined],
  ])('refuses %s with INVALID_SHAPE', (_label, shape) => {
    expect(decodeFailure(fp32(shape, [1, 2, 3, 4, 5, 6])).code).toBe(InferenceErrorCode.InvalidShape);
  });

  it.each<[unknown]>([['FLOAT32'], ['fp32'], ['BF16'], ['TYPE_FP32'], [undefined], [32]])('refuses the datatype %j with INVALID_DATATYPE', (datatype) => {
    const failure = decodeFailure({ name: 'x', shape: [1], datatype, data: [1] });
    expect(failure.code).toBe(InferenceErrorCode.InvalidDatatype);
  });

  it.each<[string, string, unknown, unknown[], string]>([
    ['a string in FP32', 'FP32', [2, 3], [1, 2, 3, 4, 'x', 6], 'element 4 ('],
    ['a null in nested FP32', 'FP32', [2, 3], [[1, 2, 3], [4, 5, null]], 'element 5 ('],
    ['an out-of-range FP16', 'FP16', [2], [1, 70000], 'element 1 ('],
    ['a fraction in INT32', 'INT32', [3], [1, 2, 2.5], 'element 2 ('],
    ['a negative UINT8', 'UINT8', [2, 1, 2], [[[0, 1]], [[-1, 2]]], 'element 2 ('],
    ['a number in BOOL', 'BOOL', [2], [true, 1], 'element 1 ('],
    ['a number in BYTES', 'BYTES', [2], ['a', 3], 'element 1 ('],
    ['a NUL in BYTES', 'BYTES', [1], ['a\u0000'], 'element 0 ('],
    ['a string in a scalar', 'FP64', [], ['1'], 'element 0 ('],
  ])('refuses %s with INVALID_VALUE naming the element', (_label, datatype, shape, data, where) => {
    const failure = decodeFailure({ name: 'x', shape, datatype, data });
    expect(failure.code).toBe(InferenceErrorCode.InvalidValue);
    expect(failure.message).toContain(where);
  });

  it('refuses INT64 9223372036854775807, which JSON delivers as 2^63, instead of wrapping it', () => {
    const failure = decodeFailure({ name: 'x', shape: [1], datatype: 'INT64', data: JSON.parse('[9223372036854775807]') });
    expect(failure.code).toBe(InferenceErrorCode.InvalidValue);
  });

  it('names the input, the element and the problem in the INVALID_VALUE message', () => {
    const failure = decodeFailure({ name: 'features', shape: [3], datatype: 'INT32', data: [1, 2, 2.5] });
    expect(failure.message).toBe("input 'features': element 2 (2.5): an integer is expected");
  });

  it.each<[string, number[], number]>([
    ['[3,2] over a limit of 5', [3, 2], 5],
    ['[1001] over a limit of 1000', [1001], 1000],
    ['[100000,100000] over a limit of 1000', [100000, 100000], 1000],
  ])('refuses %s with TOO_MANY_ROWS', (_label, shape, limit) => {
    expect(decodeFailure(fp32(shape, [1]), limit).code).toBe(InferenceErrorCode.TooManyRows);
  });

  it('accepts exactly the element limit', () => {
    const tensor = decodeTensor(fp32([5], [1, 2, 3, 4, 5]), 5);
    expect(tensor.dims).toEqual([5]);
  });

  it.each<[unknown]>([[''], [undefined], [3]])('refuses the name %j with INVALID_INPUT', (name) => {
    const failure = decodeFailure({ name, shape: [1], datatype: 'FP32', data: [1] });
    expect(failure.code).toBe(InferenceErrorCode.InvalidInput);
  });
});

describe('encodeTensor', () => {
  it.each<[string, RawTensor, { shape: number[]; datatype: string; data: unknown[] }]>([
    [
      'float32',
      { type: 'float32', dims: [2, 2], data: Float32Array.from([0.5, -1, 0.1, 3]) },
      { shape: [2, 2], datatype: 'FP32', data: [0.5, -1, 0.10000000149011612, 3] },
    ],
    [
      'int64',
      { type: 'int64', dims: [3], data: BigInt64Array.from([1n, -2n, 9007199254740991n]) },
      { shape: [3], datatype: 'INT64', data: [1, -2, 9007199254740991] },
    ],
    [
      'bool',
      { type: 'bool', dims: [3, 1], data: Uint8Array.from([1, 0, 1]) },
      { shape: [3, 1], datatype: 'BOOL', data: [true, false, true] },
    ],
    [
      'string',
      { type: 'string', dims: [2], data: ['repaid', 'default'] },
      { shape: [2], datatype: 'BYTES', data: ['repaid', 'default'] },
    ],
    // float16 bits → values from numpy 1.24.2 (see datatypes.spec.ts).
    [
      'float16',
      { type: 'float16', dims: [1, 3], data: Uint16Array.from([0x3c00, 0xc000, 0x2e66]) },
      { shape: [1, 3], datatype: 'FP16', data: [1, -2, 0.0999755859375] },
    ],
    [
      'float64',
      { type: 'float64', dims: [2], data: Float64Array.from([0.1, -7]) },
      { shape: [2], datatype: 'FP64', data: [0.1, -7] },
    ],
  ])('encodes %s as flat OIP data', (_label, tensor, expected) => {
    expect(encodeTensor('out', tensor)).toEqual({ name: 'out', ...expected });
  });
});

describe('rowValue', () => {
  const matrix: RawTensor = { type: 'float32', dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };

  it.each<[string, RawTensor, number, unknown]>([
    ['[N] float32', { type: 'float32', dims: [3], data: Float32Array.from([0.5, 1.5, 2.5]) }, 1, 1.5],
    ['[N,1] float32', { type: 'float32', dims: [3, 1], data: Float32Array.from([0.5, 1.5, 2.5]) }, 2, 2.5],
    ['[N,3] float32', matrix, 1, [4, 5, 6]],
    ['[N] int64', { type: 'int64', dims: [2], data: BigInt64Array.from([7n, -8n]) }, 1, -8],
    ['[N] bool', { type: 'bool', dims: [2], data: Uint8Array.from([0, 1]) }, 0, false],
    ['[N,2] string', { type: 'string', dims: [2, 2], data: ['a', 'b', 'c', 'd'] }, 1, ['c', 'd']],
    ['[N] string', { type: 'string', dims: [2], data: ['north', 'south'] }, 1, 'south'],
    ['[N,1,2] float32', { type: 'float32', dims: [2, 1, 2], data: Float32Array.from([1, 2, 3, 4]) }, 0, [1, 2]],
  ])('reads a row of %s', (_label, tensor, row, expected) => {
    expect(rowValue(tensor, row)).toEqual(expected);
  });

  it.each<[string, number[], unknown[], number, unknown]>([
    ['[N]', [2], [0.3, 0.7], 1, 0.7],
    ['[N,2]', [2, 2], [0.1, 0.2, 0.3, 0.4], 1, [0.3, 0.4]],
  ])('reads a row of a decoded %s tensor from the client values', (_label, shape, data, row, expected) => {
    expect(rowValue(decodeTensor(fp32(shape, data), LIMIT), row)).toEqual(expected);
  });
});

describe('sliceRows', () => {
  it.each<[string, RawTensor, number, number, number[], unknown[]]>([
    ['float32 [3,2]', { type: 'float32', dims: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, 1, 3, [2, 2], [3, 4, 5, 6]],
    ['float32 [3]', { type: 'float32', dims: [3], data: Float32Array.from([1, 2, 3]) }, 0, 1, [1], [1]],
    ['int64 [3]', { type: 'int64', dims: [3], data: BigInt64Array.from([10n, 20n, 30n]) }, 1, 2, [1], [20n]],
    ['string [3]', { type: 'string', dims: [3], data: ['a', 'b', 'c'] }, 0, 2, [2], ['a', 'b']],
    ['string [2,2]', { type: 'string', dims: [2, 2], data: ['a', 'b', 'c', 'd'] }, 1, 2, [1, 2], ['c', 'd']],
    ['bool [2,1,2]', { type: 'bool', dims: [2, 1, 2], data: Uint8Array.from([1, 0, 0, 1]) }, 1, 2, [1, 1, 2], [0, 1]],
  ])('slices %s rows [%i, %i)', (_label, tensor, start, end, dims, data) => {
    const sliced = sliceRows(tensor, start, end);
    expect(sliced.type).toBe(tensor.type);
    expect(sliced.dims).toEqual(dims);
    expect(sliced.data.constructor).toBe(tensor.data.constructor);
    expect(Array.from(sliced.data as ArrayLike<unknown>)).toEqual(data);
  });

  it('copies: writing to a slice leaves the original alone', () => {
    const tensor: RawTensor = { type: 'float32', dims: [2], data: Float32Array.from([1, 2]) };
    (sliceRows(tensor, 0, 1).data as Float32Array)[0] = 9;
    expect(Array.from(tensor.data as Float32Array)).toEqual([1, 2]);
  });
});

describe('concatRows', () => {
  it.each<[string, RawTensor[], number[], unknown[]]>([
    [
      'float32 [1,2] + [2,2]',
      [
        { type: 'float32', dims: [1, 2], data: Float32Array.from([1, 2]) },
        { type: 'float32', dims: [2, 2], data: Float32Array.from([3, 4, 5, 6]) },
      ],
      [3, 2],
      [1, 2, 3, 4, 5, 6],
    ],
    [
      'int64 [2] + [1] + [1]',
      [
        { type: 'int64', dims: [2], data: BigInt64Array.from([1n, 2n]) },
        { type: 'int64', dims: [1], data: BigInt64Array.from([-3n]) },
        { type: 'int64', dims: [1], data: BigInt64Array.from([9007199254740993n]) },
      ],
      [4],
      [1n, 2n, -3n, 9007199254740993n],
    ],
    [
      'string [1,2] + [1,2]',
      [
        { type: 'string', dims: [1, 2], data: ['a', 'b'] },
        { type: 'string', dims: [1, 2], data: ['c', 'd'] },
      ],
      [2, 2],
      ['a', 'b', 'c', 'd'],
    ],
    [
      'bool [1] + [2]',
      [
        { type: 'bool', dims: [1], data: Uint8Array.from([1]) },
        { type: 'bool', dims: [2], data: Uint8Array.from([0, 1]) },
      ],
      [3],
      [1, 0, 1],
    ],
    [
      'float16 [1] + [1]',
      [
        { type: 'float16', dims: [1], data: Uint16Array.from([0x3c00]) },
        { type: 'float16', dims: [1], data: Uint16Array.from([0xc000]) },
      ],
      [2],
      [0x3c00, 0xc000],
    ],
  ])('concatenates %s', (_label, tensors, dims, data) => {
    const merged = concatRows(tensors);
    expect(merged.type).toBe(tensors[0].type);
    expect(merged.dims).toEqual(dims);
    expect(merged.data.constructor).toBe(tensors[0].data.constructor);
    expect(Array.from(merged.data as ArrayLike<unknown>)).toEqual(data);
  });

  it('returns a single tensor unchanged', () => {
    const tensor: RawTensor = { type: 'float32', dims: [1, 2], data: Float32Array.from([1, 2]) };
    expect(concatRows([tensor])).toBe(tensor);
  });

  it('undoes sliceRows', () => {
    const tensor: RawTensor = { type: 'int64', dims: [3, 2], data: BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]) };
    const merged = concatRows([sliceRows(tensor, 0, 1), sliceRows(tensor, 1, 3)]);
    expect(merged.dims).toEqual([3, 2]);
    expect(Array.from(merged.data as BigInt64Array)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
  });
});
