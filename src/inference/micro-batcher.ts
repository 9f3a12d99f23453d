import type { RawTensor } from './datatypes.js';
import { concatRows, sliceRows } from './tensor-codec.js';

export type Feeds = Record<string, RawTensor>;
export type Runner = (feeds: Feeds) => Promise<Feeds>;

interface Waiting {
  feeds: Feeds;
  rows: number;
  resolve: (outputs: Feeds) => void;
  reject: (error: unknown) => void;
}

/**
 * Merges concurrent requests to one model version into one `session.run`: a group closes when it
 * holds `maxRows` rows, or when its first request has waited `maxWaitUs` — with `maxWaitUs = 0`, at
 * the end of the event-loop turn it was queued in (setImmediate, which is when onnxruntime-node would
 * have run it anyway), so the requests read in one turn run together and none waits longer (a run per
 * request was about a sixth of the server's CPU per one-row request, mostly onnxruntime-node's fixed
 * cost per run). With `maxRows = 1` every request runs alone. Only for models whose inputs and outputs
 * all have a free first dimension (the caller passes `maxRows = 1` otherwise); requests merge only when
 * their other dimensions match, and a model whose merged outputs do not have one row per input row
 * runs that group again request by request, and every later request alone.
 */
export class MicroBatcher {
  private waiting: Waiting[] = [];
  private waitingRows = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  /** False once a merged run's outputs were not one row per input row: the model's rows are not independent. */
  private rowWise = true;

  constructor(
    private readonly runner: Runner,
    private readonly maxRows: number,
    private readonly maxWaitUs: number,
  ) {}

  get enabled(): boolean {
    return this.maxRows > 1 && this.rowWise;
  }

  run(feeds: Feeds, rows: number): Promise<Feeds> {
    if (!this.enabled || rows >= this.maxRows) return this.runner(feeds);
    return new Promise<Feeds>((resolve, reject) => {
      this.waiting.push({ feeds, rows, resolve, reject });
      this.waitingRows += rows;
      if (this.waitingRows >= this.maxRows) this.flush();
      else if (!this.timer) {
        this.timer = this.maxWaitUs < 1000 ? setImmediate(() => this.flush()) : setTimeout(() => this.flush(), this.maxWaitUs / 1000);
      }
    });
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    while (this.waiting.length > 0) {
      const group: Waiting[] = [];
      let rows = 0;
      while (this.waiting.length > 0 && (group.length === 0 || (rows + this.waiting[0].rows <= this.maxRows && sameInnerDims(group[0].feeds, this.waiting[0].feeds)))) {
        const next = this.waiting.shift()!;
        group.push(next);
        rows += next.rows;
      }
      this.waitingRows -= rows;
      void this.runGroup(group, rows);
    }
  }

  private async runGroup(group: Waiting[], rows: number): Promise<void> {
    if (group.length === 1) {
      const [only] = group;
      return this.runner(only.feeds).then(only.resolve, only.reject);
    }
    let outputs: Feeds | undefined;
    try {
      const merged: Feeds = {};
      for (const name of Object.keys(group[0].feeds)) merged[name] = concatRows(group.map((item) => item.feeds[name]));
      outputs = await this.runner(merged);
    } catch {
      outputs = undefined;
    }
    if (outputs && !Object.values(outputs).every((tensor) => tensor.dims[0] === rows)) this.rowWise = false;
    if (!outputs || !this.rowWise) {
      // The merged run failed, or its outputs do not have one row per input row: each request runs
      // alone, so that a request the model cannot run fails only itself.
      for (const item of group) this.runner(item.feeds).then(item.resolve, item.reject);
      return;
    }
    let start = 0;
    for (const item of group) {
      const sliced: Feeds = {};
      for (const [name, tensor] of Object.entries(outputs)) sliced[name] = sliceRows(tensor, start, start + item.rows);
      start += item.rows;
      item.resolve(sliced);
    }
  }
}

/** True when every input has the same dimensions after the first (the rows) in both requests. */
function sameInnerDims(a: Feeds, b: Feeds): boolean {
  for (const name in a) {
    const dims = a[name].dims;
    const other = b[name]?.dims;
    if (!other || other.length !== dims.length) return false;
    for (let i = 1; i < other.length; i++) if (other[i] !== dims[i]) return false;
  }
  return true;
}
