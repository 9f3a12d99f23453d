import { allocate, elementProblem, isOipDatatype, load, OIP_TO_ORT, ORT_TO_OIP, store, type OipDatatype, type RawTensor, type TensorData } from './datatypes.js';
import { InferenceError, InferenceErrorCode } from './inference.errors.js';

/** An OIP v2 request tensor as it arrives in JSON (nothing about it trusted yet). */
export interface OipTensorJson {
  name: unknown;
  shape: unknown;
  datatype: unknown;
  data: unknown;
  parameters?: unknown;
}

export interface OipOutputTensor {
  name: string;
  shape: number[];
  datatype: OipDatatype;
  data: Array<number | boolean | string>;
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

/**
 * Validates one OIP JSON tensor and turns it into a typed array in row-major order. `data` may be
 * flat or nested to the depth of `shape`; every element must fit the datatype (finite, in range).
 */
export function decodeTensor(json: OipTensorJson, maxElements: number): RawTensor & { name: string } {
  const name = json.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InferenceError(InferenceErrorCode.InvalidInput, 'every input needs a non-empty string "name"');
  }
  if (!isOipDatatype(json.datatype)) {
    throw new InferenceError(
      InferenceErrorCode.InvalidDatatype,
      `input '${name}': datatype must be one of ${Object.keys(OIP_TO_ORT).join(', ')}`,
    );
  }
  const shape = json.shape;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new InferenceError(InferenceErrorCode.InvalidShape, `input '${name}': shape must be an array of non-negative integers`);
  }
  const dims = shape as number[];
  const count = elementCount(dims);
  if (count > maxElements) {
    throw new InferenceError(InferenceErrorCode.TooManyRows, `input '${name}': ${count} elements exceed the limit of ${maxElements} (PLUMBLINE_MAX_TENSOR_ELEMENTS)`);
  }
  if (!Array.isArray(json.data)) {
    throw new InferenceError(InferenceErrorCode.InvalidShape, `input '${name}': data must be an array`);
  }
  const type = OIP_TO_ORT[json.datatype];
  const data = allocate(type, count);
  const source = new Array<unknown>(count);
  let index = 0;
  const put = (value: unknown): void => {
    if (index >= count) {
      throw new InferenceError(InferenceErrorCode.InvalidShape, `input '${name}': data has more elements than shape [${dims.join(',')}] holds (${count})`);
    }
    const problem = elementProblem(type, value);
    if (problem) {
      throw new InferenceError(InferenceErrorCode.InvalidValue, `input '${name}': element ${index} (${preview(value)}): ${problem}`);
    }
    source[index] = value;
    store(type, data, index++, value);
  };
  const nested = json.data.length > 0 && Array.isArray(json.data[0]);
  if (nested) {
    const walk = (level: unknown[], depth: number): void => {
      if (depth >= dims.length - 1) {
        if (level.length !== dims[depth] && dims.length > 0) {
          throw new InferenceError(InferenceErrorCode.InvalidShape, `input '${name}': nested data does not match shape [${dims.join(',')}]`);
        }
        for (const value of level) {
          if (Array.isArray(value)) {
            throw new InferenceError(InferenceErrorCode.InvalidShape, `input '${name}': nested data is deeper than shape [${dims.join(',')}]`);
          }
          put(value);
        }
        return;
      }
      if (level.length !== dims[depth]) {
        throw new InferenceError(InferenceErrorCode.InvalidShape, `input '${name}': nested data does not match shape [${dims.join(',')}]`);
      }
      for (const child of level) {
        if (!Array.isArray(child)) {
          throw new InferenceError(InferenceErrorCode.InvalidShape, `input '${name}': nested data does not match shape [${dims.join(',')}]`);
        }
        walk(child, depth + 1);
      }
    };
    walk(json.data, 0);
  } else {
    for (const value of json.data) {
      if (Array.isArray(value)) {
        throw new InferenceError(InferenceErrorCode.InvalidShape, `input '${name}': data mixes arrays and values`);
      }
      put(value);
    }
  }
  if (index !== count) {
    throw new InferenceError(
      InferenceErrorCode.InvalidShape,
      `input '${name}': data has ${index} elements but shape [${dims.join(',')}] needs ${count}`,
    );
  }
  return { name, type, dims: [...dims], data, source };
}

/** A tensor in the OIP response shape: flat row-major data. */
export function encodeTensor(name: string, tensor: RawTensor): OipOutputTensor {
  const count = elementCount(tensor.dims);
  const data = new Array<number | boolean | string>(count);
  for (let i = 0; i < count; i++) data[i] = load(tensor.type, tensor.data, i);
  return { name, shape: tensor.dims, datatype: ORT_TO_OIP[tensor.type], data };
}

/** Row `row` of a tensor whose first dimension is rows, as JSON (a scalar for [N] or [N,1]). */
export function rowValue(tensor: RawTensor, row: number): unknown {
  const width = tensor.dims.length <= 1 ? 1 : elementCount(tensor.dims.slice(1));
  const source = tensor.source;
  if (width === 1) return source ? source[row] : load(tensor.type, tensor.data, row);
  if (source) return source.slice(row * width, (row + 1) * width);
  const values = new Array<number | boolean | string>(width);
  for (let j = 0; j < width; j++) values[j] = load(tensor.type, tensor.data, row * width + j);
  return values;
}

/** Rows [start, end) of a tensor along its first dimension. */
export function sliceRows(tensor: RawTensor, start: number, end: number): RawTensor {
  const width = elementCount(tensor.dims.slice(1));
  const data = tensor.data.slice(start * width, end * width) as TensorData;
  return { type: tensor.type, dims: [end - start, ...tensor.dims.slice(1)], data };
}

/** Concatenates tensors of the same type and trailing dims along the first dimension. */
export function concatRows(tensors: RawTensor[]): RawTensor {
  if (tensors.length === 1) return tensors[0];
  const first = tensors[0];
  const rows = tensors.reduce((sum, tensor) => sum + tensor.dims[0], 0);
  const dims = [rows, ...first.dims.slice(1)];
  if (first.type === 'string') {
    return { type: first.type, dims, data: tensors.flatMap((tensor) => tensor.data as string[]) };
  }
  const data = allocate(first.type, elementCount(dims)) as Exclude<TensorData, string[]>;
  let offset = 0;
  for (const tensor of tensors) {
    (data as Float32Array).set(tensor.data as Float32Array, offset);
    offset += tensor.data.length;
  }
  return { type: first.type, dims, data };
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
