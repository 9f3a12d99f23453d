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
 * holds `maxRows` rows or its first request has waited `maxWaitUs`. With `maxWaitUs = 0` every
 * request runs alone. Only for models whose inputs and outputs all have a free first dimension.
 */
export class MicroBatcher {
  private waiting: Waiting[] = [];
  private waitingRows = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  constructor(
    private readonly runner: Runner,
    private readonly maxRows: number,
    private readonly maxWaitUs: number,
  ) {}

  get enabled(): boolean {
    return this.maxWaitUs > 0;
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
      while (this.waiting.length > 0 && (group.length === 0 || rows + this.waiting[0].rows <= this.maxRows)) {
        const next = this.waiting.shift()!;
        group.push(next);
        rows += next.rows;
      }
      this.waitingRows -= rows;
      void this.runGroup(group);
    }
  }

  private async runGroup(group: Waiting[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group;
      return this.runner(only.feeds).then(only.resolve, only.reject);
    }
    try {
      const merged: Feeds = {};
      for (const name of Object.keys(group[0].feeds)) merged[name] = concatRows(group.map((item) => item.feeds[name]));
      const outputs = await this.runner(merged);
      let start = 0;
      for (const item of group) {
        const sliced: Feeds = {};
        for (const [name, tensor] of Object.entries(outputs)) sliced[name] = sliceRows(tensor, start, start + item.rows);
        start += item.rows;
        item.resolve(sliced);
      }
    } catch (error) {
      for (const item of group) item.reject(error);
    }
  }
}
