import { MODEL_NAME, ModelLoadError, type ModelRepository } from '../../inference/model-repository.js';
import { ModelConfigError } from '../../inference/model-config.js';
import type { ServedModel } from '../../inference/served-model.js';
import { ModelsError, ModelsErrorCode } from './models.errors.js';
import type { ModelsRepository } from './models.repository.js';

export interface ModelStatus {
  name: string;
  versions: string[];
  state: 'READY' | 'UNAVAILABLE';
  reason: string;
}

/** Uploads of ONNX files and configs, and the catalogue kept in step with what is loaded. */
export class ModelsService {
  constructor(
    private readonly models: ModelRepository,
    private readonly catalogue: ModelsRepository,
    private readonly log: (message: string) => void,
  ) {
    models.onLoaded((model) => this.record(model));
  }

  async uploadVersion(name: string, version: string, body: unknown): Promise<ModelStatus> {
    checkName(name);
    if (!/^[1-9][0-9]{0,8}$/.test(version)) throw new ModelsError(ModelsErrorCode.InvalidVersion, `version '${version}' must be a positive integer`);
    if (!(body instanceof Uint8Array) || body.length === 0) {
      throw new ModelsError(ModelsErrorCode.InvalidModelFile, 'send the ONNX file as the body, with Content-Type: application/octet-stream');
    }
    const model = await this.translate(() => this.models.saveVersion(name, Number(version), body));
    if (!model) return { name, versions: [version], state: 'UNAVAILABLE', reason: 'no config.json yet: PUT /api/models/{m}/config to serve it' };
    return status(model);
  }

  async uploadConfig(name: string, body: unknown): Promise<ModelStatus> {
    checkName(name);
    return status(await this.translate(() => this.models.saveConfig(name, body)));
  }

  private async translate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ModelConfigError) throw new ModelsError(ModelsErrorCode.InvalidModelConfig, error.message);
      if (error instanceof ModelLoadError) {
        const code = /not a loadable ONNX model/.test(error.message) ? ModelsErrorCode.InvalidModelFile : ModelsErrorCode.ModelLoadFailed;
        throw new ModelsError(code, error.message);
      }
      throw error;
    }
  }

  private async record(model: ServedModel): Promise<void> {
    const versions = [...model.versions].map(([version, onnx]) => ({ version, sha256: onnx.sha256 }));
    await this.catalogue.recordLoaded(model.name, model.config.task, model.config, versions).catch((error: Error) => {
      this.log(`could not record model '${model.name}' in the catalogue: ${error.message}`);
    });
  }
}

function checkName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    throw new ModelsError(ModelsErrorCode.InvalidModelName, `'${name}' is not a valid model name (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`);
  }
}

function status(model: ServedModel): ModelStatus {
  return { name: model.name, versions: [...model.versions.keys()].sort((a, b) => a - b).map(String), state: 'READY', reason: '' };
}
