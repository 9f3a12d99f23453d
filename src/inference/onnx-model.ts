import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { OrtType, RawTensor } from './datatypes.js';
import { ORT_TO_OIP } from './datatypes.js';
import { MicroBatcher, type Feeds } from './micro-batcher.js';

/** An input or output of a model; a null dimension is free (symbolic or -1). */
export interface TensorSpec {
  name: string;
  type: OrtType;
  dims: Array<number | null>;
}

export interface SessionOptions {
  threads: number;
  batchMaxRows: number;
  batchMaxWaitUs: number;
}

/** One loaded ONNX file: its session, its signature and its micro-batcher. */
export class OnnxModel {
  readonly batcher: MicroBatcher;
  /** True when every input and output has a free first dimension: rows can be merged and split. */
  readonly batchable: boolean;
  /** The inputs by name (each request is checked against them). */
  readonly inputsByName: ReadonlyMap<string, TensorSpec>;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputs: TensorSpec[],
    readonly outputs: TensorSpec[],
    readonly sha256: string,
    options: SessionOptions,
  ) {
    this.inputsByName = new Map(inputs.map((spec) => [spec.name, spec]));
    this.batchable = [...inputs, ...outputs].every((spec) => spec.dims.length > 0 && spec.dims[0] === null);
    this.batcher = new MicroBatcher((feeds) => this.runSession(feeds), this.batchable ? options.batchMaxRows : 1, options.batchMaxWaitUs);
  }

  static async fromBytes(bytes: Uint8Array, options: SessionOptions): Promise<OnnxModel> {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const specs = (metadata: readonly ort.InferenceSession.ValueMetadata[]): TensorSpec[] =>
      metadata.map((value) => {
        if (!value.isTensor) throw new Error(`'${value.name}' is not a tensor (sequences and maps are not supported)`);
        if (!(value.type in ORT_TO_OIP)) throw new Error(`'${value.name}' has type ${value.type}, which OIP v2 cannot carry`);
        return {
          name: value.name,
          type: value.type as OrtType,
          dims: value.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : null)),
        };
      });
    try {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return new OnnxModel(session, specs(session.inputMetadata), specs(session.outputMetadata), sha256, options);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** Runs the model on validated inputs, through the micro-batcher. */
  run(feeds: Feeds, rows: number): Promise<Feeds> {
    return this.batcher.run(feeds, rows);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async runSession(feeds: Feeds): Promise<Feeds> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(tensor.type, tensor.data as never, tensor.dims);
    }
    const results = await this.session.run(ortFeeds);
    const outputs: Feeds = {};
    for (const [name, tensor] of Object.entries(results)) {
      outputs[name] = { type: tensor.type as OrtType, dims: [...tensor.dims], data: tensor.data as RawTensor['data'] };
    }
    return outputs;
  }
}
