import { existsSync, mkdirSync, openSync, closeSync, fstatSync, readSync, ftruncateSync, fsyncSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PredictionUnit } from './prediction.types.js';

/**
 * An append-only NDJSON file (one request's rows per line) that holds acknowledged predictions
 * while PostgreSQL is unreachable. Appends are fsynced before they return; the file is replayed
 * in order and truncated once everything in it has been committed.
 */
export class PredictionSpool {
  private readonly fd: number;
  private readOffset = 0;
  /** The file's size, kept here: only this object writes the file, and `empty` is asked for every log batch. */
  private size = 0;
  private readonly perModel = new Map<string, number>();

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    const existed = existsSync(path);
    this.fd = openSync(path, 'a+');
    if (existed) this.dropTornTail();
    this.size = fstatSync(this.fd).size;
    if (existed) for (const unit of this.readAll()) this.count(unit, 1);
  }

  /** Rows waiting, per model. */
  get waiting(): ReadonlyMap<string, number> {
    return this.perModel;
  }

  get empty(): boolean {
    return this.size === 0;
  }

  append(units: PredictionUnit[]): void {
    const text = units.map((unit) => JSON.stringify(unit)).join('\n') + '\n';
    try {
      writeSync(this.fd, text);
      fsyncSync(this.fd);
    } finally {
      this.size = fstatSync(this.fd).size;
    }
    for (const unit of units) this.count(unit, 1);
  }

  /** The next whole lines after what was already committed, up to about `maxRows` rows. */
  peek(maxRows: number): { units: PredictionUnit[]; end: number } {
    const size = this.size;
    let length = Math.min(4 << 20, size - this.readOffset);
    for (;;) {
      const buffer = Buffer.alloc(length);
      const read = readSync(this.fd, buffer, 0, length, this.readOffset);
      const lastNewline = buffer.lastIndexOf(10, read - 1);
      if (lastNewline < 0) {
        // A line longer than the buffer: read more, unless it is a torn tail at the end of the file.
        if (this.readOffset + read >= size) return { units: [], end: this.readOffset };
        length = Math.min(length * 2, size - this.readOffset);
        continue;
      }
      const units: PredictionUnit[] = [];
      let rows = 0;
      let position = 0;
      while (position <= lastNewline && rows < maxRows) {
        const newline = buffer.indexOf(10, position);
        const unit = parseUnit(buffer.toString('utf8', position, newline));
        if (unit) {
          units.push(unit);
          rows += unit.length;
        }
        position = newline + 1;
      }
      return { units, end: this.readOffset + position };
    }
  }

  /** Marks everything up to `end` as committed; truncates the file once all of it is. */
  commit(units: PredictionUnit[], end: number): void {
    this.readOffset = end;
    for (const unit of units) this.count(unit, -1);
    if (this.readOffset >= this.size) {
      ftruncateSync(this.fd, 0);
      fsyncSync(this.fd);
      this.size = 0;
      this.readOffset = 0;
      this.perModel.clear();
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private readAll(): PredictionUnit[] {
    const all: PredictionUnit[] = [];
    for (;;) {
      const { units, end } = this.peek(Number.MAX_SAFE_INTEGER);
      all.push(...units);
      if (end === this.readOffset) break;
      this.readOffset = end;
    }
    this.readOffset = 0;
    return all;
  }

  /** A crash mid-append leaves a line without its newline; it was never acknowledged. */
  private dropTornTail(): void {
    const size = fstatSync(this.fd).size;
    if (size === 0) return;
    const tail = Buffer.alloc(Math.min(size, 1 << 20));
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - tail.length);
      const read = readSync(this.fd, tail, 0, end - start, start);
      const newline = tail.lastIndexOf(10, read - 1);
      if (newline >= 0) {
        end = start + newline + 1;
        break;
      }
      end = start;
    }
    if (end !== size) {
      ftruncateSync(this.fd, end);
      fsyncSync(this.fd);
    }
  }

  private count(unit: PredictionUnit, sign: 1 | -1): void {
    for (const row of unit) this.perModel.set(row.model, Math.max(0, (this.perModel.get(row.model) ?? 0) + sign));
  }
}

/** A spool line back to rows; a torn last line (a crash mid-write, never acknowledged) is skipped. */
function parseUnit(line: string): PredictionUnit | undefined {
  if (line.length === 0) return undefined;
  try {
    const rows = JSON.parse(line) as Array<PredictionUnit[number] & { ts: string }>;
    return rows.map((row) => ({ ...row, ts: new Date(row.ts) }));
  } catch {
    return undefined;
  }
}
