import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceError, InferenceErrorCode } from './inference.errors.js';
import { parseModelConfig, validateModelConfig, type ModelConfig } from './model-config.js';
import { OnnxModel, type SessionOptions } from './onnx-model.js';
import { resolveServedModel, type ServedModel } from './served-model.js';

/** Model names are directory names and Prometheus label values: no dots at the start, no slashes. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const VERSION_DIR = /^[1-9][0-9]{0,8}$/;
const RELEASE_GRACE_MS = 30_000;

export type ModelState = 'READY' | 'UNAVAILABLE';

/** One row of Triton's repository index. */
export interface IndexEntry {
  name: string;
  version?: string;
  state: ModelState;
  reason: string;
}

export class ModelLoadError extends Error {}

export type LoadListener = (model: ServedModel) => void | Promise<void>;

/**
 * The Triton-style model repository on disk (DESIGN §4): loads every model at boot, serves the
 * highest version by default, and swaps a model only once its replacement has loaded.
 */
export class ModelRepository {
  private readonly served = new Map<string, ServedModel>();
  private readonly failures = new Map<string, string>();
  private readonly unloaded = new Set<string>();
  private readonly listeners: LoadListener[] = [];
  private initialised = false;

  constructor(
    readonly root: string,
    private readonly options: SessionOptions,
    private readonly log: (level: 'info' | 'warn', message: string) => void,
  ) {}

  get ready(): boolean {
    return this.initialised;
  }

  onLoaded(listener: LoadListener): void {
    this.listeners.push(listener);
  }

  /** Loads every model directory; a broken model is logged and listed, never fatal. */
  async loadAll(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const name of await this.modelDirectories()) {
      await this.load(name).catch(() => undefined);
    }
    this.initialised = true;
  }

  list(): ServedModel[] {
    return [...this.served.values()];
  }

  /** The served model, or a 404 naming it. */
  get(name: string): ServedModel {
    const model = this.served.get(name);
    if (!model) {
      const reason = this.failures.get(name);
      throw new InferenceError(
        InferenceErrorCode.ModelNotFound,
        reason ? `model '${name}' is not available: ${reason}` : `unknown model '${name}'`,
      );
    }
    return model;
  }

  /** The model and the ONNX version to run: the named one or the highest. */
  getVersion(name: string, version?: string): { model: ServedModel; version: number; onnx: OnnxModel } {
    const model = this.get(name);
    if (version === undefined) {
      if (model.latest === undefined) {
        throw new InferenceError(InferenceErrorCode.VersionNotFound, `model '${name}' has no ONNX version: it is monitoring-only`);
      }
      return { model, version: model.latest, onnx: model.versions.get(model.latest)! };
    }
    const number = VERSION_DIR.test(version) ? Number(version) : Number.NaN;
    const onnx = model.versions.get(number);
    if (!onnx) throw new InferenceError(InferenceErrorCode.VersionNotFound, `model '${name}' has no version '${version}'`);
    return { model, version: number, onnx };
  }

  /** (Re)loads a model from disk. On failure the model already served stays served. */
  async load(name: string, configOverride?: ModelConfig): Promise<ServedModel> {
    if (!MODEL_NAME.test(name)) throw new InferenceError(InferenceErrorCode.ModelNotFound, `'${name}' is not a valid model name`);
    if (!configOverride && !this.served.has(name) && !existsSync(join(this.root, name))) {
      throw new InferenceError(InferenceErrorCode.ModelNotFound, `unknown model '${name}': no directory ${name} in the model repository`);
    }
    try {
      const model = await this.build(name, configOverride);
      const previous = this.served.get(name);
      this.served.set(name, model);
      this.failures.delete(name);
      this.unloaded.delete(name);
      await this.release(previous, model);
      this.log('info', `loaded model '${name}' (versions: ${[...model.versions.keys()].join(', ') || 'none, monitoring-only'})`);
      for (const listener of this.listeners) await listener(model);
      return model;
    } catch (error) {
      const reason = (error as Error).message;
      // A refused config upload changed nothing on disk: the model's state stays what it was.
      if (configOverride) throw new ModelLoadError(reason);
      this.failures.set(name, reason);
      this.log('warn', `model '${name}' failed to load: ${reason}${this.served.has(name) ? ' (the previously loaded model stays served)' : ''}`);
      throw new ModelLoadError(reason);
    }
  }

  async unload(name: string): Promise<void> {
    const model = this.get(name);
    this.served.delete(name);
    this.unloaded.add(name);
    await this.release(model);
    this.log('info', `unloaded model '${name}'`);
  }

  /** Triton's repository index: one entry per version of every model on disk or in memory. */
  async index(): Promise<IndexEntry[]> {
    const names = new Set([...(await this.modelDirectories()), ...this.served.keys(), ...this.failures.keys()]);
    const entries: IndexEntry[] = [];
    for (const name of [...names].sort()) {
      const model = this.served.get(name);
      const failure = this.failures.get(name);
      if (model) {
        const versions = [...model.versions.keys()].sort((a, b) => a - b);
        if (versions.length === 0) entries.push({ name, state: 'READY', reason: failure ? `reload failed: ${failure}` : 'monitoring-only' });
        for (const version of versions) {
          entries.push({ name, version: String(version), state: 'READY', reason: failure ? `reload failed: ${failure}` : '' });
        }
      } else {
        entries.push({ name, state: 'UNAVAILABLE', reason: failure ?? (this.unloaded.has(name) ? 'unloaded' : 'not loaded') });
      }
    }
    return entries;
  }

  /** Validates ONNX bytes by loading them, then writes `<name>/<version>/model.onnx` and reloads. */
  async saveVersion(name: string, version: number, bytes: Uint8Array): Promise<ServedModel | undefined> {
    let candidate: OnnxModel;
    try {
      candidate = await OnnxModel.fromBytes(bytes, this.options);
    } catch (error) {
      throw new ModelLoadError(`not a loadable ONNX model: ${(error as Error).message}`);
    }
    await candidate.release();
    const directory = join(this.root, name, String(version));
    const file = join(directory, 'model.onnx');
    const backup = existsSync(file) ? await readFile(file) : undefined;
    await mkdir(directory, { recursive: true });
    await atomicWrite(file, bytes);
    if (!existsSync(join(this.root, name, 'config.json'))) return undefined;
    try {
      return await this.load(name);
    } catch (error) {
      if (backup) await atomicWrite(file, backup);
      else await rm(directory, { recursive: true, force: true });
      if (this.served.has(name) || backup) await this.load(name).catch(() => undefined);
      else this.failures.delete(name);
      throw error;
    }
  }

  /** Validates a config against the model's versions, then writes config.json and reloads. */
  async saveConfig(name: string, json: unknown): Promise<ServedModel> {
    const config = validateModelConfig(json, `config for '${name}'`);
    await mkdir(join(this.root, name), { recursive: true });
    const model = await this.load(name, config);
    await atomicWrite(join(this.root, name, 'config.json'), `${JSON.stringify(json, null, 2)}\n`);
    return model;
  }

  async close(): Promise<void> {
    for (const model of this.served.values()) await this.release(model, undefined, 0);
    this.served.clear();
  }

  private async build(name: string, configOverride?: ModelConfig): Promise<ServedModel> {
    if (!MODEL_NAME.test(name)) throw new ModelLoadError(`'${name}' is not a valid model name`);
    const directory = join(this.root, name);
    let config = configOverride;
    if (!config) {
      const path = join(directory, 'config.json');
      if (!existsSync(path)) throw new ModelLoadError('config.json is missing');
      config = parseModelConfig(await readFile(path, 'utf8'));
    }
    const versions = new Map<number, OnnxModel>();
    try {
      const entries = existsSync(directory) ? await readdir(directory, { withFileTypes: true }) : [];
      for (const entry of entries) {
        if (!entry.isDirectory() || !VERSION_DIR.test(entry.name)) continue;
        const file = join(directory, entry.name, 'model.onnx');
        if (!existsSync(file)) continue;
        try {
          versions.set(Number(entry.name), await OnnxModel.fromBytes(await readFile(file), this.options));
        } catch (error) {
          throw new ModelLoadError(`version ${entry.name}: ${(error as Error).message}`);
        }
      }
      return resolveServedModel(name, config, versions);
    } catch (error) {
      for (const onnx of versions.values()) await onnx.release();
      throw error;
    }
  }

  /** Frees the sessions of a replaced model once requests already running on them are done. */
  private async release(model: ServedModel | undefined, keep?: ServedModel, graceMs = RELEASE_GRACE_MS): Promise<void> {
    if (!model) return;
    const stale = [...model.versions.values()].filter((onnx) => ![...(keep?.versions.values() ?? [])].includes(onnx));
    const free = () => Promise.all(stale.map((onnx) => onnx.release().catch(() => undefined)));
    if (graceMs === 0) await free();
    else setTimeout(() => void free(), graceMs).unref();
  }

  private async modelDirectories(): Promise<string[]> {
    if (!existsSync(this.root)) return [];
    const entries = await readdir(this.root, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory() && MODEL_NAME.test(entry.name)).map((entry) => entry.name).sort();
  }
}

async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}
