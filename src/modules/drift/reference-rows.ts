import { parseCsv } from '../../common/csv.js';
import { monitoredRow } from '../../inference/monitored-output.js';
import type { ServedModel } from '../../inference/served-model.js';
import { LABEL_FEATURE, PREDICTION_FEATURE, type FeatureSpec, type ReferenceRow } from '../../monitoring/drift/profile.js';
import { parseLabel } from '../labels/label-value.js';
import type { PerformanceModel } from '../performance/performance-model.js';
import { isPlainObject } from '../predictions/oip-request.parser.js';
import { parseRecords, recordsToInference, type ParsedRecord } from '../predictions/records-request.parser.js';
import type { RequestLimits } from '../predictions/request-limits.js';
import { predictionValue } from './drift-context.js';
import type { LoggedRow } from './drift.repository.js';
import { DriftError, DriftErrorCode } from './drift.errors.js';

const invalid = (message: string) => new DriftError(DriftErrorCode.InvalidReference, message);

/** A reference record before it is binned: features, segments, and the prediction and label when known. */
export interface ReferenceRecord {
  features: Record<string, unknown>;
  segments: Record<string, string>;
  /** The monitored prediction as one value (`predictionValue`), or undefined to run the model. */
  prediction?: number | string | null;
  label?: string | number;
}

/**
 * The feature specs that a reference covers (DESIGN §5.5): the model's features; `__prediction__` when
 * the reference has predictions; `__label__` when it has at least one label.
 */
export function referenceSpecs(all: FeatureSpec[], records: readonly ReferenceRecord[]): FeatureSpec[] {
  const labeled = records.some((record) => record.label !== undefined);
  const predicted = records.some((record) => record.prediction !== undefined && record.prediction !== null);
  return all.filter((spec) => (spec.name === LABEL_FEATURE ? labeled : spec.name === PREDICTION_FEATURE ? predicted : true));
}

export function toReferenceRows(specs: FeatureSpec[], records: readonly ReferenceRecord[]): ReferenceRow[] {
  return records.map((record) => ({
    segments: record.segments,
    values: specs.map((spec) => (spec.name === PREDICTION_FEATURE ? record.prediction : spec.name === LABEL_FEATURE ? record.label : record.features[spec.name])),
  }));
}

function labelOf(performance: PerformanceModel, raw: unknown, where: string): string | number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const parsed = parseLabel(performance, raw);
  if ('error' in parsed) throw invalid(`${where}: label: ${parsed.error}`);
  return parsed.value;
}

/** Normalises a record's `output` as the ingest API takes it (p(positive) alone, a probability row, a value). */
function outputValue(model: ServedModel, performance: PerformanceModel, raw: unknown, where: string): number | string | null {
  let output = raw;
  if (model.config.task === 'binary' && typeof output === 'number') output = performance.loss.positiveIndex === 0 ? [output, 1 - output] : [1 - output, output];
  const value = predictionValue(performance, output);
  if (value === null) throw invalid(`${where}: output does not fit the model (${model.config.task === 'regression' ? 'a finite number' : `${performance.classes} probabilities`})`);
  return value;
}

/** `{"records": [{features, segments?, output?, label?}]}` (DESIGN §5.5). */
export function recordsFromBody(body: unknown, model: ServedModel, performance: PerformanceModel, limits: RequestLimits): ReferenceRecord[] {
  const extras: Array<{ label?: string | number; prediction?: number | string | null }> = [];
  const records = parseRecords(body, model, limits, (record, index) => {
    const where = `record ${index}`;
    extras.push({
      label: labelOf(performance, record.label, where),
      prediction: record.output === undefined ? undefined : outputValue(model, performance, record.output, where),
    });
  });
  return records.map((record, index) => ({ features: record.features, segments: record.segments, ...extras[index] }));
}

/** A CSV with a header row: feature columns, segment columns, optional `label` and `prediction` columns. */
export function recordsFromCsv(text: string, model: ServedModel, performance: PerformanceModel): ReferenceRecord[] {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (error) {
    throw invalid(`reference.csv: ${(error as Error).message}`);
  }
  const [header, ...body] = rows;
  if (!header || body.length === 0) throw invalid('reference.csv: needs a header row and at least one row');
  const column = new Map(header.map((name, j) => [name.trim(), j]));
  const features = model.spec.features;
  const absent = features.filter((name) => !column.has(name));
  if (absent.length > 0 && model.latest !== undefined) throw invalid(`reference.csv: missing feature column(s) ${absent.join(', ')}`);
  const categorical = new Set(model.config.categorical);
  return body.map((cells, r) => {
    const where = `reference.csv row ${r + 2}`;
    if (cells.length !== header.length) throw invalid(`${where}: ${cells.length} cells, the header has ${header.length}`);
    const cell = (name: string) => {
      const j = column.get(name);
      return j === undefined ? undefined : cells[j];
    };
    const record: ReferenceRecord = { features: {}, segments: {} };
    for (const name of features) {
      const text = cell(name);
      if (text === undefined) continue;
      const number = text.trim() === '' ? Number.NaN : Number(text);
      record.features[name] = Number.isFinite(number) ? number : text === '' ? null : categorical.has(name) ? text : null;
    }
    for (const key of model.spec.segmentKeys) {
      const text = cell(key);
      if (text !== undefined && text !== '') record.segments[key] = text;
    }
    record.label = labelOf(performance, cell('label'), where);
    const prediction = cell('prediction');
    if (prediction !== undefined && prediction !== '') {
      const number = Number(prediction);
      record.prediction = model.config.task === 'multiclass' ? outputValue(model, performance, classRow(performance, prediction, where), where) : outputValue(model, performance, number, where);
    }
    return record;
  });
}

function classRow(performance: PerformanceModel, name: string, where: string): number[] {
  const index = performance.classNames.indexOf(name);
  if (index < 0) throw invalid(`${where}: prediction '${name.slice(0, 64)}' is not one of the classes`);
  return performance.classNames.map((_, j) => (j === index ? 1 : 0));
}

/** Logged predictions as reference records (a `{from, to}` reference). */
export function recordsFromLog(rows: readonly LoggedRow[], performance: PerformanceModel): ReferenceRecord[] {
  return rows.map((row) => ({
    features: row.features,
    segments: row.segments,
    prediction: predictionValue(performance, row.output),
    label: row.label === null || row.label === undefined ? undefined : (row.label as string | number),
  }));
}

/** Runs a served model over the records that have no prediction yet, in chunks of `chunkRows`. */
export async function scoreRecords(model: ServedModel, performance: PerformanceModel, records: ReferenceRecord[], chunkRows: number): Promise<void> {
  if (model.latest === undefined || !model.spec.output) return;
  const onnx = model.versions.get(model.latest)!;
  const todo = records.filter((record) => record.prediction === undefined);
  for (let start = 0; start < todo.length; start += chunkRows) {
    const chunk = todo.slice(start, start + chunkRows);
    let outputs;
    try {
      const parsed = recordsToInference(chunk.map((record): ParsedRecord => ({ features: record.features, segments: {} })), model, onnx);
      outputs = await onnx.run(parsed.feeds, parsed.rows);
    } catch (error) {
      throw invalid(`the model cannot run on the reference rows ${start}..${start + chunk.length - 1}: ${(error as Error).message}`);
    }
    const tensor = outputs[model.spec.output];
    chunk.forEach((record, row) => (record.prediction = predictionValue(performance, monitoredRow(model, tensor, row))));
  }
}

/** `{from, to}` bodies are windows of the log; anything else must be records. */
export function isWindowBody(body: unknown): body is { from: unknown; to: unknown } {
  return isPlainObject(body) && body.records === undefined && (body.from !== undefined || body.to !== undefined);
}
