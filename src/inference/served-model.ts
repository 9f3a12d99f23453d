import type { ModelConfig } from './model-config.js';
import type { OnnxModel, TensorSpec } from './onnx-model.js';

/** How a model's tensors map to what is monitored, resolved once at load from config + ONNX. */
export interface MonitoringSpec {
  /** The input tensor that carries the features (absent for monitoring-only models). */
  featureInput?: string;
  features: string[];
  /** The output tensor that is monitored. */
  output?: string;
  classes: string[];
  positiveIndex: number;
  /** Keys that may arrive as segment tensors / parameters: segments ∪ sensitive. */
  segmentKeys: string[];
}

export interface ServedModel {
  name: string;
  config: ModelConfig;
  spec: MonitoringSpec;
  versions: Map<number, OnnxModel>;
  /** The version served when none is named (the highest); undefined for monitoring-only models. */
  latest?: number;
}

export class ModelResolutionError extends Error {}

const names = (specs: TensorSpec[]) => specs.map((spec) => spec.name).join(', ');

/**
 * Checks a config against the ONNX signature of every version and resolves the defaults of
 * DESIGN §4 (feature input, monitored output, class names).
 */
export function resolveServedModel(name: string, config: ModelConfig, versions: Map<number, OnnxModel>): ServedModel {
  const numbers = [...versions.keys()].sort((a, b) => a - b);
  const latest = numbers.at(-1);
  const segmentKeys = [...new Set([...config.segments, ...config.sensitive])];
  if (latest === undefined) {
    const features = config.features ?? [];
    const classes = config.classes ?? (config.task === 'binary' ? ['0', '1'] : []);
    return { name, config, versions, spec: { features, classes, positiveIndex: positiveIndex(config, classes), segmentKeys } };
  }
  let spec: MonitoringSpec | undefined;
  for (const version of numbers) {
    const model = versions.get(version)!;
    const resolved = resolveSpec(config, model, segmentKeys, `version ${version}`);
    if (spec && (resolved.featureInput !== spec.featureInput || resolved.output !== spec.output || resolved.classes.length !== spec.classes.length)) {
      throw new ModelResolutionError(`version ${version} has a different signature from version ${latest}`);
    }
    if (version === latest || !spec) spec = resolved;
  }
  return { name, config, versions, latest, spec: spec! };
}

function resolveSpec(config: ModelConfig, model: OnnxModel, segmentKeys: string[], where: string): MonitoringSpec {
  const fail = (message: string): never => {
    throw new ModelResolutionError(`${where}: ${message}`);
  };
  const featureInput = config.input ?? (model.inputs.length === 1 ? model.inputs[0].name : undefined);
  if (config.input && !model.inputs.some((input) => input.name === config.input)) {
    fail(`input: the model has no input '${config.input}' (it has ${names(model.inputs)})`);
  }
  for (const key of segmentKeys) {
    if (model.inputs.some((input) => input.name === key)) fail(`segment key '${key}' is also a model input`);
  }
  const inputSpec = model.inputs.find((input) => input.name === featureInput);
  const width = inputSpec && inputSpec.dims.length >= 2 ? inputSpec.dims.slice(1).reduce<number | null>((a, b) => (a === null || b === null ? null : a * b), 1) : 1;
  let features = config.features;
  if (features && width !== null && inputSpec && features.length !== width) {
    fail(`features: ${features.length} names given but input '${inputSpec.name}' has ${width} columns`);
  }
  if (!features) {
    features = inputSpec ? (width === 1 ? [inputSpec.name] : width === null ? [] : Array.from({ length: width }, (_, j) => `${inputSpec.name}_${j}`)) : [];
  }

  const classifier = config.task !== 'regression';
  const defaultOutput = classifier ? (model.outputs.find((output) => output.name === 'probabilities') ?? model.outputs[0]) : model.outputs[0];
  const output = config.output ?? defaultOutput?.name;
  const outputSpec = model.outputs.find((candidate) => candidate.name === output);
  if (!outputSpec) fail(`output: the model has no output '${output}' (it has ${names(model.outputs)})`);
  if (outputSpec!.type === 'string' || outputSpec!.type === 'bool') fail(`output: '${output}' is not numeric`);

  let classes = config.classes ?? [];
  if (classifier) {
    const outputWidth = outputSpec!.dims.length >= 2 ? outputSpec!.dims.at(-1) : 1;
    const k = outputWidth === 1 && config.task === 'binary' ? 2 : outputWidth;
    if (config.classes && k !== null && k !== undefined && config.classes.length !== k) {
      fail(`classes: ${config.classes.length} names given but output '${output}' has ${k} columns`);
    }
    if (!config.classes) {
      if (k === null || k === undefined) fail(`classes: output '${output}' has a free width; name the classes in config.json`);
      classes = Array.from({ length: k as number }, (_, j) => String(j));
    }
  }
  return { featureInput, features, output, classes, positiveIndex: positiveIndex(config, classes), segmentKeys };
}

function positiveIndex(config: ModelConfig, classes: string[]): number {
  if (config.task !== 'binary') return -1;
  return config.positiveClass ? classes.indexOf(config.positiveClass) : 1;
}
