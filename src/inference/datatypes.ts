/** OIP v2 datatypes and the onnxruntime tensor types they map to (BF16 has no ONNX Runtime JS type). */
export const OIP_TO_ORT = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
} as const;

export type OipDatatype = keyof typeof OIP_TO_ORT;
export type OrtType = (typeof OIP_TO_ORT)[OipDatatype];

export const ORT_TO_OIP = Object.fromEntries(Object.entries(OIP_TO_ORT).map(([oip, ort]) => [ort, oip])) as Record<OrtType, OipDatatype>;

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** A tensor as plain data: what the codec produces and the micro-batcher concatenates. */
export interface RawTensor {
  type: OrtType;
  dims: number[];
  data: TensorData;
  /** The elements as the client sent them (flat), kept for the prediction log: 0.3 stays 0.3, not float32's 0.30000001. */
  source?: unknown[];
}

export function isOipDatatype(value: unknown): value is OipDatatype {
  return typeof value === 'string' && Object.hasOwn(OIP_TO_ORT, value);
}

const INTEGER_RANGES: Partial<Record<OrtType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  // The largest doubles below 2^63 and 2^64: a JSON 2^63 - 1 arrives as 2^63, which would wrap to -2^63.
  int64: [-9223372036854775808, 9223372036854774784],
  uint64: [0, 18446744073709549568],
};


/** Why `value` cannot be an element of a tensor of `type`, or undefined if it can. */
export function elementProblem(type: OrtType, value: unknown): string | undefined {
  if (type === 'string') {
    if (typeof value !== 'string') return 'a string is expected';
    if (value.includes('\u0000')) return 'strings may not contain NUL characters';
    return undefined;
  }
  if (type === 'bool') return typeof value === 'boolean' ? undefined : 'true or false is expected';
  if (typeof value !== 'number') return 'a number is expected';
  if (!Number.isFinite(value)) return 'NaN and Infinity are not allowed';
  // A float is in range when it rounds to a finite value of the type (3.4028235e38 is float32's max).
  if (type === 'float64') return undefined;
  if (type === 'float32') return Number.isFinite(Math.fround(value)) ? undefined : `out of range for ${ORT_TO_OIP[type]}`;
  if (type === 'float16') return (toHalf(value) & 0x7c00) === 0x7c00 ? `out of range for ${ORT_TO_OIP[type]}` : undefined;
  const range = INTEGER_RANGES[type];
  if (!Number.isInteger(value)) return 'an integer is expected';
  if (range && (value < range[0] || value > range[1])) return `out of range for ${ORT_TO_OIP[type]}`;
  return undefined;
}

/** Allocates the typed array ONNX Runtime wants for `type` (float16 travels as its bit pattern). */
export function allocate(type: OrtType, length: number): TensorData {
  switch (type) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'float16':
    case 'uint16':
      return new Uint16Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint64':
      return new BigUint64Array(length);
    case 'string':
      return new Array<string>(length).fill('');
  }
}

/** Writes a validated JSON element into `target[index]`. */
export function store(type: OrtType, target: TensorData, index: number, value: unknown): void {
  if (type === 'float16') (target as Uint16Array)[index] = toHalf(value as number);
  else if (type === 'bool') (target as Uint8Array)[index] = value ? 1 : 0;
  else if (type === 'int64' || type === 'uint64') (target as BigInt64Array)[index] = BigInt(value as number);
  else (target as unknown[])[index] = value;
}

/** Reads element `index` of `data` back as a JSON value. */
export function load(type: OrtType, data: TensorData | Uint8Array, index: number): number | boolean | string {
  const value = (data as ArrayLike<unknown>)[index];
  if (type === 'float16') return fromHalf(value as number);
  if (type === 'bool') return value !== 0 && value !== false;
  if (typeof value === 'bigint') return Number(value);
  return value as number | string;
}

/** A double → IEEE 754 binary16 bits, rounded once, to nearest even (as numpy's float16 cast). */
export function toHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  if (magnitude < 2 ** -14) return sign | roundHalfEven(magnitude * 2 ** 24);
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  let mantissa = roundHalfEven((magnitude / 2 ** exponent - 1) * 1024);
  let biased = exponent + 15;
  if (mantissa === 1024) {
    mantissa = 0;
    biased++;
  }
  return biased >= 31 ? sign | 0x7c00 : sign | (biased << 10) | mantissa;
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** binary16 bits → number. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
