import { Logger } from '@nestjs/common';
import { toErrorResponse } from '../../common/error.filter.js';
import { uuidv7 } from '../../common/uuid7.js';
import type { RawTensor } from '../../inference/datatypes.js';
import { InferenceError, InferenceErrorCode } from '../../inference/inference.errors.js';
import type { ModelRepository } from '../../inference/model-repository.js';
import { monitoredRow } from '../../inference/monitored-output.js';
import type { OnnxModel } from '../../inference/onnx-model.js';
import type { ServedModel } from '../../inference/served-model.js';
import { encodeTensor, rowValue, type OipOutputTensor } from '../../inference/tensor-codec.js';
import type { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { parseOipRequest, PREDICTION_ID_INPUT, type ParsedInference } from './oip-request.parser.js';
import type { PredictionLogRepository } from './prediction-log.repository.js';
import type { PredictionLogWriter } from './prediction-log.writer.js';
import type { PredictionRow } from './prediction.types.js';
import { PredictionsError, PredictionsErrorCode } from './predictions.errors.js';
import { parseRecords, recordsToInference } from './records-request.parser.js';
import { parseTimestamp } from '../../common/time-window.js';
import { outputOf } from '../labels/label-value.js';
import { performanceModelOf } from '../performance/performance-model.js';
import type { RequestLimits } from './request-limits.js';

const logger = new Logger('predictions');

export interface OipInferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: OipOutputTensor[];
}

export interface RecordPrediction {
  id: string;
  output: unknown;
  label?: string;
  score?: number;
}

export interface PredictResponse {
  model: string;
  version: string;
  predictions: RecordPrediction[];
}

export interface IngestResponse {
  model: string;
  version: string;
  accepted: number;
  ids: string[];
}

export interface PredictionView {
  id: string;
  model: string;
  version: string;
  timestamp: string;
  features: Record<string, unknown>;
  output: unknown;
  segments: Record<string, string>;
  label: unknown;
  loss: number | null;
  labeledAt: string | null;
}

interface Ran {
  model: ServedModel;
  version: number;
  ids: string[];
  outputs: Record<string, RawTensor>;
  rows: PredictionRow[];
}

/** Runs a model on a validated request, logs one prediction per row, and records the serving metrics. */
export class PredictionsService {
  constructor(
    private readonly models: ModelRepository,
    private readonly writer: PredictionLogWriter,
    private readonly log: PredictionLogRepository,
    private readonly metrics: PlumblineMetrics,
    private readonly limits: RequestLimits,
    private readonly retentionMs: number,
    /** Joins the pending label of one logged prediction, if it has one (LabelsService.joinPendingLabel). */
    private readonly joinPendingLabel: (model: string, id: string) => Promise<void>,
  ) {
    // Every served model gets its series at zero, so that rate() and absent() work from the start.
    models.onLoaded((model) => {
      metrics.predictionsLogged.inc({ model: model.name }, 0);
      metrics.spooledRows.inc({ model: model.name }, 0);
    });
  }

  async inferOip(name: string, version: string | undefined, body: unknown): Promise<OipInferResponse> {
    const target = this.models.getVersion(name, version);
    const labels = { model: target.model.name, version: String(target.version) };
    const started = performance.now();
    let code = 200;
    try {
      const parsed = parseOipRequest(body, target.model, target.onnx, this.limits);
      const ran = await this.runAndLog(target.model, target.version, target.onnx, parsed, labels);
      const wanted = parsed.outputs ?? [...target.onnx.outputs.map((spec) => spec.name), PREDICTION_ID_INPUT];
      const outputs = wanted
        .filter((output) => output !== PREDICTION_ID_INPUT)
        .map((output) => encodeTensor(output, ran.outputs[output]));
      outputs.push({ name: PREDICTION_ID_INPUT, datatype: 'BYTES', shape: [ran.ids.length], data: ran.ids });
      return {
        model_name: target.model.name,
        model_version: labels.version,
        ...(parsed.requestId !== undefined ? { id: parsed.requestId } : {}),
        outputs,
      };
    } catch (error) {
      code = toErrorResponse(error).status; // the status ErrorFilter answers it with
      throw error;
    } finally {
      this.observeRequest(labels, started, code);
    }
  }

  async predict(name: string, body: unknown): Promise<PredictResponse> {
    const target = this.models.getVersion(name);
    const labels = { model: target.model.name, version: String(target.version) };
    const started = performance.now();
    let code = 200;
    try {
      const records = parseRecords(body, target.model, this.limits);
      const parsed = recordsToInference(records, target.model, target.onnx);
      const ran = await this.runAndLog(target.model, target.version, target.onnx, parsed, labels);
      const predictions = ran.rows.map((row) => ({ id: row.id, output: row.output, ...this.decision(target.model, row.output) }));
      return { model: target.model.name, version: labels.version, predictions };
    } catch (error) {
      code = toErrorResponse(error).status; // the status ErrorFilter answers it with
      throw error;
    } finally {
      this.observeRequest(labels, started, code);
    }
  }

  /**
   * Predictions made elsewhere (DESIGN §5.3): `{records: [{id?, timestamp?, features, output, segments?}]}`,
   * logged and aggregated like served ones, in the bucket of their own timestamp.
   */
  async ingest(name: string, body: unknown): Promise<IngestResponse> {
    const model = this.models.get(name);
    const spec = performanceModelOf(model);
    const now = Date.now();
    const outputs: unknown[] = [];
    const stamps: Date[] = [];
    const records = parseRecords(body, model, this.limits, (record, index) => {
      const ts = record.timestamp === undefined ? new Date(now) : parseTimestamp(record.timestamp, `record ${index}: timestamp`);
      if (ts.getTime() < now - this.retentionMs || ts.getTime() > now + 3_600_000) {
        throw new InferenceError(InferenceErrorCode.InvalidRequest, `record ${index}: timestamp ${ts.toISOString()} is outside the retention window (PLUMBLINE_RETENTION) or more than 1 h ahead`);
      }
      let output = record.output;
      // p(positive) alone becomes the row in classes order, wherever the positive class is.
      if (model.config.task === 'binary' && typeof output === 'number') output = spec.loss.positiveIndex === 0 ? [output, 1 - output] : [1 - output, output];
      if (outputOf(spec, output) === undefined) {
        const expected = model.config.task === 'regression' ? 'a finite number' : `${spec.classes} finite probabilities (${spec.classNames.join(', ')})`;
        throw new InferenceError(InferenceErrorCode.InvalidValue, `record ${index}: output must be ${expected}`);
      }
      if (Array.isArray(output) && output.some((p: number) => p < 0 || p > 1)) {
        throw new InferenceError(InferenceErrorCode.InvalidValue, `record ${index}: output probabilities must be between 0 and 1`);
      }
      outputs.push(output);
      stamps.push(ts);
    });
    records.forEach((record, index) => {
      for (const [feature, value] of Object.entries(record.features)) {
        const fine = value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= this.limits.maxStringLength && !value.includes('\u0000'));
        if (!fine) throw new InferenceError(InferenceErrorCode.InvalidValue, `record ${index}: feature '${feature}' must be a finite number, a string of at most ${this.limits.maxStringLength} characters, a boolean or null`);
      }
    });
    const version = model.latest ?? 0;
    const rows: PredictionRow[] = records.map((record, index) => ({
      model: model.name,
      id: record.id ?? uuidv7(),
      version,
      ts: stamps[index],
      features: record.features,
      output: outputs[index],
      segments: record.segments,
    }));
    if ((await this.writer.append(rows)) === 'duplicate') {
      throw new PredictionsError(PredictionsErrorCode.DuplicatePredictionId, `a prediction id of this request is already logged for model '${model.name}'`);
    }
    return { model: model.name, version: String(version), accepted: rows.length, ids: rows.map((row) => row.id) };
  }

  async get(name: string, id: string): Promise<PredictionView> {
    this.models.get(name);
    let stored = await this.log.findById(name, id);
    // Read-your-writes: a label sent before its prediction was logged shows at once, not after the next
    // sweep. Should the join fail, the prediction is still answered, without the label (the sweep retries).
    if (stored?.labelPending) {
      try {
        await this.joinPendingLabel(name, id);
        stored = await this.log.findById(name, id);
      } catch (error) {
        logger.warn(`could not join the pending label of prediction '${id}' of model '${name}': ${(error as Error).message}`);
      }
    }
    if (!stored) throw new PredictionsError(PredictionsErrorCode.PredictionNotFound, `model '${name}' has no prediction '${id}'`);
    return {
      id: stored.id,
      model: stored.model,
      version: String(stored.version),
      timestamp: stored.ts.toISOString(),
      features: stored.features,
      output: stored.output,
      segments: stored.segments,
      label: stored.label,
      loss: stored.loss,
      labeledAt: stored.labeledAt ? stored.labeledAt.toISOString() : null,
    };
  }

  private async runAndLog(model: ServedModel, version: number, onnx: OnnxModel, parsed: ParsedInference, labels: RequestLabels): Promise<Ran> {
    let outputs: Record<string, RawTensor>;
    try {
      outputs = await onnx.run(parsed.feeds, parsed.rows);
    } catch (error) {
      throw new InferenceError(InferenceErrorCode.InferenceFailed, `model '${model.name}' version ${version} failed to run: ${(error as Error).message}`);
    }
    const ts = new Date();
    const ids = Array.from({ length: parsed.rows }, (_, row) => parsed.ids?.[row] ?? uuidv7());
    const monitored = model.spec.output ? outputs[model.spec.output] : undefined;
    // NaN/Infinity are never stored: a model that produces them on its monitored output fails the request.
    if (monitored && hasNonFinite(monitored)) {
      throw new InferenceError(InferenceErrorCode.InferenceFailed, `model '${model.name}' version ${version} produced NaN or Infinity in '${model.spec.output}'; nothing was logged`);
    }
    const rows: PredictionRow[] = ids.map((id, row) => ({
      model: model.name,
      id,
      version,
      ts,
      features: this.features(model, parsed.feeds, row),
      output: monitored ? monitoredRow(model, monitored, row) : null,
      segments: parsed.segments[row],
    }));
    const outcome = await this.writer.append(rows);
    if (outcome === 'duplicate') {
      throw new PredictionsError(PredictionsErrorCode.DuplicatePredictionId, `a prediction id of this request is already logged for model '${model.name}'`);
    }
    this.metrics.batchRows.observe(labels, parsed.rows);
    return { model, version, ids, outputs, rows };
  }

  /** Features of one row by name: the feature tensor's columns, and any other input whole. */
  private features(model: ServedModel, feeds: Record<string, RawTensor>, row: number): Record<string, unknown> {
    const features: Record<string, unknown> = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      const value = tensor.dims.length === 0 ? rowValue(tensor, 0) : rowValue(tensor, row);
      if (name === model.spec.featureInput && Array.isArray(value) && value.length === model.spec.features.length) {
        model.spec.features.forEach((feature, j) => (features[feature] = value[j]));
      } else if (name === model.spec.featureInput && !Array.isArray(value) && model.spec.features.length === 1) {
        features[model.spec.features[0]] = value;
      } else {
        features[name] = value;
      }
    }
    return features;
  }

  private decision(model: ServedModel, output: unknown): { label?: string; score?: number } {
    if (model.config.task === 'regression' || !Array.isArray(output)) return {};
    const probabilities = output as number[];
    let index: number;
    if (model.config.task === 'binary') {
      const positive = model.spec.positiveIndex;
      index = probabilities[positive] >= model.config.threshold ? positive : 1 - positive;
    } else {
      index = probabilities.reduce((best, p, j) => (p > probabilities[best] ? j : best), 0);
    }
    return { label: model.spec.classes[index], score: probabilities[index] };
  }

  /** The serving metrics of one answered request (inline in the handlers: this runs for every request). */
  private observeRequest(labels: RequestLabels, started: number, code: number): void {
    this.metrics.inferenceDuration.observe(labels, (performance.now() - started) / 1000);
    this.metrics.inferenceRequests.inc({ model: labels.model, version: labels.version, code: String(code) });
  }
}

interface RequestLabels {
  model: string;
  version: string;
}

function hasNonFinite(tensor: RawTensor): boolean {
  if (tensor.type === 'float16') return (tensor.data as Uint16Array).some((bits) => (bits & 0x7c00) === 0x7c00);
  if (tensor.type === 'float32' || tensor.type === 'float64') return !(tensor.data as Float64Array).every(Number.isFinite);
  return false;
}
