import { allocate, elementProblem, store } from '../../inference/datatypes.js';
import { InferenceError, InferenceErrorCode } from '../../inference/inference.errors.js';
import type { OnnxModel } from '../../inference/onnx-model.js';
import type { ServedModel } from '../../inference/served-model.js';
import { checkText, isPlainObject, type ParsedInference } from './oip-request.parser.js';
import type { RequestLimits } from './request-limits.js';

const invalid = (code: InferenceErrorCode, message: string) => new InferenceError(code, message);

/** A validated record of the records API: named features, segments, optional id. */
export interface ParsedRecord {
  id?: string;
  features: Record<string, unknown>;
  segments: Record<string, string>;
}

/** Validates `{"records":[{id?, features, segments?}]}` (DESIGN §5.2): the shared part of predict and ingest. */
export function parseRecords(body: unknown, model: ServedModel, limits: RequestLimits, extra?: (record: Record<string, unknown>, index: number) => void): ParsedRecord[] {
  if (!isPlainObject(body) || !Array.isArray(body.records) || body.records.length === 0) {
    throw invalid(InferenceErrorCode.InvalidRequest, 'the body must be {"records": [...]} with at least one record');
  }
  if (body.records.length > limits.maxRows) {
    throw invalid(InferenceErrorCode.TooManyRows, `${body.records.length} records exceed the limit of ${limits.maxRows} (PLUMBLINE_MAX_ROWS)`);
  }
  const segmentKeys = new Set(model.spec.segmentKeys);
  const ids = new Set<string>();
  return body.records.map((record: unknown, index: number) => {
    if (!isPlainObject(record)) throw invalid(InferenceErrorCode.InvalidRequest, `record ${index} must be an object`);
    let id: string | undefined;
    if (record.id !== undefined) {
      id = checkText(record.id, `record ${index}: id`, limits.maxStringLength, InferenceErrorCode.InvalidPredictionId);
      if (ids.has(id)) throw invalid(InferenceErrorCode.InvalidPredictionId, `record ${index}: id '${id}' repeats within the request`);
      ids.add(id);
    }
    if (!isPlainObject(record.features)) throw invalid(InferenceErrorCode.InvalidInput, `record ${index}: "features" must be an object`);
    const segments: Record<string, string> = {};
    if (record.segments !== undefined) {
      if (!isPlainObject(record.segments)) throw invalid(InferenceErrorCode.InvalidSegment, `record ${index}: "segments" must be an object`);
      for (const [key, value] of Object.entries(record.segments)) {
        if (!segmentKeys.has(key)) {
          throw invalid(InferenceErrorCode.InvalidSegment, `record ${index}: unknown segment '${key}' (the model declares ${[...segmentKeys].join(', ') || 'none'})`);
        }
        segments[key] = checkText(value, `record ${index}: segment '${key}'`, limits.maxStringLength, InferenceErrorCode.InvalidSegment);
      }
    }
    extra?.(record, index);
    return { id, features: record.features, segments };
  });
}

/** Builds the feature tensor of a single-input model from named features, in config order. */
export function recordsToInference(records: ParsedRecord[], model: ServedModel, onnx: OnnxModel): ParsedInference {
  const inputName = model.spec.featureInput;
  const spec = onnx.inputs.find((input) => input.name === inputName);
  if (!spec || onnx.inputs.length !== 1 || spec.dims.length > 2) {
    throw invalid(InferenceErrorCode.InvalidRequest, `model '${model.name}' takes ${onnx.inputs.length} inputs: use the OIP v2 infer endpoint`);
  }
  const names = model.spec.features;
  const width = names.length;
  const data = allocate(spec.type, records.length * width);
  const source = new Array<unknown>(records.length * width);
  records.forEach((record, row) => {
    for (const key of Object.keys(record.features)) {
      if (!names.includes(key)) throw invalid(InferenceErrorCode.InvalidInput, `record ${row}: unknown feature '${key}' (the model takes ${names.join(', ')})`);
    }
    names.forEach((name, column) => {
      const value = record.features[name];
      if (value === undefined) throw invalid(InferenceErrorCode.InvalidInput, `record ${row}: missing feature '${name}'`);
      const problem = elementProblem(spec.type, value);
      if (problem) throw invalid(InferenceErrorCode.InvalidValue, `record ${row}: feature '${name}': ${problem}`);
      store(spec.type, data, row * width + column, value);
      source[row * width + column] = value;
    });
  });
  const dims = spec.dims.length === 1 ? [records.length] : [records.length, width];
  if (spec.dims.some((dim, i) => dim !== null && dim !== dims[i])) {
    throw invalid(InferenceErrorCode.InvalidShape, `model '${model.name}' takes a fixed shape [${spec.dims.join(',')}]: send ${spec.dims[0]} record(s)`);
  }
  return {
    feeds: { [spec.name]: { type: spec.type, dims, data, source } },
    rows: records.length,
    ids: records.map((record) => record.id),
    segments: records.map((record) => record.segments),
  };
}
