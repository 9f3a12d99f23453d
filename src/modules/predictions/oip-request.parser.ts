import { ORT_TO_OIP, type RawTensor } from '../../inference/datatypes.js';
import { InferenceError, InferenceErrorCode } from '../../inference/inference.errors.js';
import type { Feeds } from '../../inference/micro-batcher.js';
import type { OnnxModel } from '../../inference/onnx-model.js';
import type { ServedModel } from '../../inference/served-model.js';
import { decodeTensor, type OipTensorJson } from '../../inference/tensor-codec.js';
import type { RequestLimits } from './request-limits.js';

export const PREDICTION_ID_INPUT = 'prediction_id';

/** A request reduced to what runs and what is logged. */
export interface ParsedInference {
  requestId?: string;
  feeds: Feeds;
  rows: number;
  /** Client-given ids, one per row, or undefined to generate them. */
  ids?: Array<string | undefined>;
  /** Segment values per row. */
  segments: Array<Record<string, string>>;
  /** Output names the client asked for (all when undefined). */
  outputs?: string[];
}

const invalid = (code: InferenceErrorCode, message: string) => new InferenceError(code, message);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks an id or a segment value: a string of 1..max characters with no control characters. */
export function checkText(value: unknown, what: string, max: number, code: InferenceErrorCode): string {
  if (typeof value !== 'string') throw invalid(code, `${what} must be a string`);
  if (value.length === 0 || value.length > max) throw invalid(code, `${what} must have 1 to ${max} characters (PLUMBLINE_MAX_STRING_LENGTH)`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(code, `${what} may not contain control characters`);
  return value;
}

/** Validates an OIP v2 infer request body against the model's signature (DESIGN §5.1). */
export function parseOipRequest(body: unknown, model: ServedModel, onnx: OnnxModel, limits: RequestLimits): ParsedInference {
  if (!isPlainObject(body)) throw invalid(InferenceErrorCode.InvalidRequest, 'the body must be a JSON object with "inputs"');
  const { id, parameters, inputs, outputs } = body;
  const requestId = id === undefined ? undefined : checkText(id, 'request "id"', limits.maxStringLength, InferenceErrorCode.InvalidPredictionId);
  if (parameters !== undefined && !isPlainObject(parameters)) throw invalid(InferenceErrorCode.InvalidRequest, '"parameters" must be an object');
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid(InferenceErrorCode.InvalidRequest, '"inputs" must be a non-empty array');

  const maxElements = limits.maxTensorElements ?? limits.maxRows * 4096;
  const modelInputs = onnx.inputsByName;
  const segmentKeys = model.spec.segmentKeys;
  const feeds: Feeds = {};
  const extras = new Map<string, RawTensor>();
  for (const json of inputs) {
    if (!isPlainObject(json)) throw invalid(InferenceErrorCode.InvalidInput, 'every input must be an object');
    if (json.parameters !== undefined && isPlainObject(json.parameters) && json.parameters.binary_data_size !== undefined) {
      throw invalid(InferenceErrorCode.InvalidRequest, 'the binary tensor data extension is not supported: send JSON data');
    }
    const tensor = decodeTensor(json as unknown as OipTensorJson, maxElements);
    if (feeds[tensor.name] || extras.has(tensor.name)) throw invalid(InferenceErrorCode.InvalidInput, `input '${tensor.name}' is given twice`);
    const spec = modelInputs.get(tensor.name);
    if (spec) {
      if (spec.type !== tensor.type) {
        throw invalid(InferenceErrorCode.InvalidDatatype, `input '${tensor.name}': datatype ${json.datatype} given, the model takes ${ORT_TO_OIP[spec.type]}`);
      }
      const fits = spec.dims.length === tensor.dims.length && spec.dims.every((dim, i) => dim === null || dim === tensor.dims[i]);
      if (!fits) {
        throw invalid(InferenceErrorCode.InvalidShape, `input '${tensor.name}': shape [${tensor.dims.join(',')}] does not fit the model's [${spec.dims.map((d) => d ?? -1).join(',')}]`);
      }
      feeds[tensor.name] = tensor;
    } else if (tensor.name === PREDICTION_ID_INPUT || segmentKeys.includes(tensor.name)) {
      if (tensor.type !== 'string' || tensor.dims.length !== 1) {
        throw invalid(InferenceErrorCode.InvalidInput, `input '${tensor.name}' must be BYTES with shape [N], one value per row`);
      }
      extras.set(tensor.name, tensor);
    } else {
      const known = [...modelInputs.keys(), PREDICTION_ID_INPUT, ...segmentKeys].join(', ');
      throw invalid(InferenceErrorCode.InvalidInput, `unknown input '${tensor.name}' (the model takes ${known})`);
    }
  }
  for (const name of modelInputs.keys()) {
    if (!feeds[name]) throw invalid(InferenceErrorCode.InvalidInput, `missing input '${name}'`);
  }

  const rows = rowCount(feeds, model.spec.featureInput);
  if (rows === 0) throw invalid(InferenceErrorCode.InvalidShape, 'the request has no rows');
  if (rows > limits.maxRows) throw invalid(InferenceErrorCode.TooManyRows, `${rows} rows exceed the limit of ${limits.maxRows} (PLUMBLINE_MAX_ROWS)`);
  if (onnx.batchable) {
    for (const [name, tensor] of Object.entries(feeds)) {
      if (tensor.dims[0] !== rows) throw invalid(InferenceErrorCode.InvalidShape, `input '${name}' has ${tensor.dims[0]} rows, other inputs have ${rows}`);
    }
  }
  for (const [name, tensor] of extras) {
    if (tensor.dims[0] !== rows) throw invalid(InferenceErrorCode.InvalidShape, `input '${name}' has ${tensor.dims[0]} values for ${rows} rows`);
  }

  const shared: Record<string, string> = {};
  for (const key of segmentKeys) {
    const value = parameters?.[key];
    if (value !== undefined) shared[key] = checkText(value, `segment '${key}'`, limits.maxStringLength, InferenceErrorCode.InvalidSegment);
  }
  const segments = Array.from({ length: rows }, (_, row) => {
    const values = { ...shared };
    for (const [name, tensor] of extras) {
      if (name !== PREDICTION_ID_INPUT) values[name] = checkText((tensor.data as string[])[row], `segment '${name}' of row ${row}`, limits.maxStringLength, InferenceErrorCode.InvalidSegment);
    }
    return values;
  });

  const idTensor = extras.get(PREDICTION_ID_INPUT);
  let ids: Array<string | undefined> | undefined;
  if (idTensor) ids = (idTensor.data as string[]).map((value, row) => checkText(value, `prediction_id of row ${row}`, limits.maxStringLength, InferenceErrorCode.InvalidPredictionId));
  else if (requestId !== undefined && rows === 1) ids = [requestId];
  if (ids && new Set(ids).size !== ids.length) throw invalid(InferenceErrorCode.InvalidPredictionId, 'prediction ids repeat within the request');

  let requested: string[] | undefined;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) throw invalid(InferenceErrorCode.InvalidRequest, '"outputs" must be an array');
    const names = new Set([...onnx.outputs.map((spec) => spec.name), PREDICTION_ID_INPUT]);
    requested = outputs.map((output) => {
      if (!isPlainObject(output) || typeof output.name !== 'string') throw invalid(InferenceErrorCode.InvalidRequest, 'every requested output needs a "name"');
      if (!names.has(output.name)) throw invalid(InferenceErrorCode.InvalidRequest, `unknown output '${output.name}' (the model has ${[...names].join(', ')})`);
      if (isPlainObject(output.parameters) && output.parameters.binary_data === true) {
        throw invalid(InferenceErrorCode.InvalidRequest, 'the binary tensor data extension is not supported: ask for JSON data');
      }
      return output.name;
    });
  }
  return { requestId, feeds, rows, ids, segments, outputs: requested };
}

function rowCount(feeds: Feeds, featureInput: string | undefined): number {
  const tensor = (featureInput && feeds[featureInput]) || Object.values(feeds)[0];
  return tensor.dims.length === 0 ? 1 : tensor.dims[0];
}

