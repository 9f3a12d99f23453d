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
  int64: [-9223372036854775808, 9223372036854775807],
  uint64: [0, 18446744073709551615],
};

const FLOAT_MAX: Partial<Record<OrtType, number>> = { float16: 65504, float32: 3.4028234663852886e38, float64: Number.MAX_VALUE };

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
  const floatMax = FLOAT_MAX[type];
  if (floatMax !== undefined) return Math.abs(value) > floatMax ? `out of range for ${ORT_TO_OIP[type]}` : undefined;
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

const scratch = new DataView(new ArrayBuffer(4));

/** IEEE 754 binary32 → binary16 bits, round to nearest even. */
export function toHalf(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let half = full >>> shift;
    const remainder = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1))) half++;
  return sign | half;
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
