import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { HttpError, HttpErrorCode } from '../../common/http.errors.js';
import { isConnectionError } from '../../database/database.js';
import type { AfterInsert, PredictionLogRepository, UnitOutcome } from './prediction-log.repository.js';
import type { PredictionSpool } from './prediction-spool.js';
import type { PredictionUnit } from './prediction.types.js';

export type LogMode = 'group' | 'async';

/** In async mode, the rows that may wait uncommitted, in batches of maxBatchRows, before requests wait for their commit. */
const ASYNC_QUEUE_BATCHES = 4;

/**
 * In async mode, how long queued rows wait for more before a writer takes them (unless a whole batch of
 * maxBatchRows is queued, or at drain/close). Nobody waits for these commits, so fewer, larger
 * transactions cost less: each one also stalls the event loop while PostgreSQL, woken by the write on
 * these 2 shared cores, runs. It widens async's documented loss window by as much.
 */
const ASYNC_LINGER_MS = 10;

/**
 * A second (and further) batch is written while one commits only when at least this many rows wait.
 * Fewer, and one transaction at a time carries them all: fewer rows per second cost a commit, which
 * is what the main thread spends most on per request (1 row per request, 64 connections: ~70 instead of
 * ~85 µs per request, +13 % requests/s). More, and PostgreSQL is the limit: batches overlap (32 rows
 * per request: +14 % with two writers).
 */
const EXTRA_WRITER_ROWS = 128;

const ignore = (): void => undefined;

/** How a request's rows ended up: committed, spooled (durable, committed later) or refused. */
export type AppendOutcome = 'logged' | 'spooled' | 'duplicate';

interface Pending {
  unit: PredictionUnit;
  resolve: (outcome: AppendOutcome) => void;
  reject: (error: unknown) => void;
}

export interface WriterOptions {
  mode: LogMode;
  maxBatchRows: number;
  /** Batches in flight at once, each in its own transaction: one commits while the next is written. */
  writers: number;
  replayIntervalMs: number;
  /** Runs in each batch's transaction with the rows it commits (the aggregates). */
  afterInsert?: AfterInsert;
  /** Runs after each commit with the units it committed (the in-memory drift histograms). */
  afterCommit?: (units: PredictionUnit[]) => void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * Writes the prediction log with group commit: requests that arrive while a batch commits wait
 * together for the next one (taken at the end of the event-loop turn in which the last commit was
 * read), so one transaction carries many requests. In `group` mode a request
 * is answered once its rows are committed (or fsynced to the spool); in `async` mode at the end of the
 * event-loop turn, before the commit, and its rows linger up to ASYNC_LINGER_MS for more.
 * While PostgreSQL is unreachable every batch goes to the spool, which is replayed in order,
 * ahead of new rows, when it is back.
 */
export class PredictionLogWriter {
  private queue: Pending[] = [];
  private readonly loops = new Set<Promise<void>>();
  private replaying = false;
  private replayTimer: NodeJS.Timeout | undefined;
  private nextReplayAt = 0;
  private databaseUp = true;
  private closed = false;
  private queuedRows = 0;
  private readonly spoolModels = new Set<string>();
  /** drain() calls in progress: no linger while one runs. */
  private draining = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private lingerDue = false;
  /** The answer of this event-loop turn's async appends, one promise for all of them (see answerWithTurn). */
  private turnAnswer: Promise<AppendOutcome> | undefined;

  constructor(
    private readonly repository: PredictionLogRepository,
    private readonly spool: PredictionSpool,
    private readonly metrics: PlumblineMetrics,
    private readonly options: WriterOptions,
  ) {
    this.publishSpool();
    if (!spool.empty) {
      options.log('warn', `the prediction spool ${spool.path} holds rows from an earlier run: replaying them`);
      this.scheduleReplay(0);
    }
  }

  /** True while PostgreSQL took the last write (or nothing failed yet). */
  get databaseReachable(): boolean {
    return this.databaseUp;
  }

  get spooling(): boolean {
    return !this.spool.empty;
  }

  /**
   * Appends one request's rows; see the class comment for when the promise settles. After `close` (at
   * shutdown, once drained) nothing more can be logged: the request fails with 503 and is not answered
   * as logged.
   */
  append(unit: PredictionUnit): Promise<AppendOutcome> {
    if (this.closed) return Promise.reject(new HttpError(HttpErrorCode.ShuttingDown, 'the server is shutting down; retry on another instance or later'));
    this.queuedRows += unit.length;
    // Async answers at once, unless the queue is already as long as several batches: then PostgreSQL is
    // behind, and the request waits for its commit like in group mode (memory stays bounded).
    if (this.options.mode === 'async' && this.queuedRows <= ASYNC_QUEUE_BATCHES * this.options.maxBatchRows) {
      this.queue.push({ unit, resolve: ignore, reject: ignore });
      this.kick();
      return this.answerWithTurn();
    }
    const settled = new Promise<AppendOutcome>((resolve, reject) => this.queue.push({ unit, resolve, reject }));
    this.kick();
    return settled;
  }

  /**
   * 'logged' at the end of this event-loop turn, for every async append of the turn together. Answered
   * one by one (each as its model run ends), the replies trickled out one per turn: every write woke the
   * load generator again, and the server did about a third more CPU work per request than when replies
   * leave in groups (as group commit's do, after each commit). No wait is added: setImmediate runs
   * after the I/O of this turn.
   */
  private answerWithTurn(): Promise<AppendOutcome> {
    this.turnAnswer ??= new Promise<AppendOutcome>((resolve) =>
      setImmediate(() => {
        this.turnAnswer = undefined;
        resolve('logged');
      }),
    );
    return this.turnAnswer;
  }

  /** Resolves when every queued row is committed or spooled; used at shutdown and by tests. */
  async drain(): Promise<void> {
    this.draining++;
    try {
      while (this.loops.size > 0 || this.queue.length > 0) {
        this.kick();
        await Promise.all([...this.loops]);
      }
    } finally {
      this.draining--;
    }
  }

  /** Refuses further appends (at shutdown: then `drain` writes what was queued, then the spool closes). */
  close(): void {
    this.closed = true;
    clearTimeout(this.replayTimer);
    this.replayTimer = undefined;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    // What lingers is written now.
    this.kick();
  }

  /**
   * Starts a writer loop when none runs (it also replays the spool), and more, up to `writers`, while
   * at least EXTRA_WRITER_ROWS rows wait: each loop takes the next batch, so a batch is written while
   * another commits.
   */
  private kick(): void {
    if (this.queue.length > 0 && !this.ready()) this.armLinger();
    // A loop also starts with nothing queued: it replays the spool if one is due.
    while (
      (this.loops.size === 0 && (this.queue.length === 0 || this.ready())) ||
      (this.loops.size < this.options.writers && this.queuedRows >= EXTRA_WRITER_ROWS && this.ready())
    ) {
      const loop: Promise<void> = this.loop().finally(() => {
        this.loops.delete(loop);
        if (this.queue.length > 0) this.kick();
      });
      this.loops.add(loop);
    }
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (!this.spool.empty && !this.replaying) {
        if (Date.now() >= this.nextReplayAt) {
          // One loop replays, in order; the others spool behind it (see write) until the spool is empty.
          this.replaying = true;
          try {
            await this.replayChunk();
          } finally {
            this.replaying = false;
          }
        } else {
          // Not due yet (another loop's failure moved the time): come back when it is.
          this.scheduleReplay(this.nextReplayAt - Date.now());
        }
      }
      if (!this.ready()) return;
      if (this.options.mode === 'group' && this.queuedRows < this.options.maxBatchRows) {
        // The batch is taken at the end of this event-loop turn, not the moment the last commit was
        // read: the requests whose model run ends in this turn (onnxruntime-node runs in setImmediate)
        // then join it instead of waiting a whole commit more. With 64 one-row clients: 32 instead of
        // 26 rows per commit, the 64-row convoys (every client waiting on one commit) gone, and +15 %
        // requests/s (median of 16 alternating rounds, 16 of 16 faster). Measured slower: waiting one
        // turn more (0.89×), and sending the next batch before this one's answers (0.85–0.91×).
        await nextTurn();
        if (!this.ready()) return;
      }
      const batch = this.take();
      await this.write(batch);
    }
  }

  /** The next batch: whole requests, up to maxBatchRows rows (at least one request), in arrival order. */
  private take(): Pending[] {
    let count = 0;
    let rows = 0;
    while (count < this.queue.length && (count === 0 || rows + this.queue[count].unit.length <= this.options.maxBatchRows)) {
      rows += this.queue[count].unit.length;
      count++;
    }
    // One splice per batch (a shift per request moves the whole queue each time).
    this.queuedRows -= rows;
    this.lingerDue = false;
    return this.queue.splice(0, count);
  }

  /**
   * Whether a writer may take a batch now. In group mode whenever rows wait (their requests wait too); in
   * async mode once the first of them waited ASYNC_LINGER_MS, or a whole batch is queued, or the writer is
   * draining or closed, or rows go to the spool anyway.
   */
  private ready(): boolean {
    if (this.queue.length === 0) return false;
    if (this.options.mode !== 'async') return true;
    return this.lingerDue || this.closed || this.draining > 0 || !this.spool.empty || this.queuedRows >= this.options.maxBatchRows;
  }

  private armLinger(): void {
    if (this.lingerTimer || this.closed) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.lingerDue = true;
      this.kick();
    }, ASYNC_LINGER_MS);
  }

  private async write(batch: Pending[]): Promise<void> {
    // Two requests of one batch with the same id: the later one is the duplicate.
    const seen = new Set<string>();
    const fresh: Pending[] = [];
    for (const pending of batch) {
      const keys = pending.unit.map((row) => `${row.model}\u0000${row.id}`);
      if (keys.some((key) => seen.has(key))) {
        this.settle(pending, 'duplicate');
        continue;
      }
      keys.forEach((key) => seen.add(key));
      fresh.push(pending);
    }
    if (fresh.length === 0) return;
    if (!this.spool.empty) return this.toSpool(fresh);
    let outcomes: UnitOutcome[];
    try {
      outcomes = await this.repository.appendBatch(fresh.map((pending) => pending.unit), this.options.afterInsert);
    } catch (error) {
      if (isConnectionError(error)) {
        this.markDown(error);
        return this.toSpool(fresh);
      }
      this.options.log('error', `prediction log write failed: ${(error as Error).message}`);
      for (const pending of fresh) pending.reject(error);
      return;
    }
    this.databaseUp = true;
    this.committed(fresh.map((pending) => pending.unit), outcomes);
    fresh.forEach((pending, i) => {
      if (outcomes[i] === 'logged') this.countLogged(pending.unit);
      this.settle(pending, outcomes[i]);
    });
  }

  private toSpool(batch: Pending[]): void {
    try {
      this.spool.append(batch.map((pending) => pending.unit));
    } catch (error) {
      this.options.log('error', `cannot write the prediction spool ${this.spool.path}: ${(error as Error).message}`);
      for (const pending of batch) pending.reject(error);
      return;
    }
    this.publishSpool();
    for (const pending of batch) this.settle(pending, 'spooled');
    this.scheduleReplay(this.options.replayIntervalMs);
  }

  private async replayChunk(): Promise<void> {
    const { units, end } = this.spool.peek(this.options.maxBatchRows);
    let outcomes: UnitOutcome[];
    try {
      outcomes = units.length > 0 ? await this.repository.appendBatch(units, this.options.afterInsert) : [];
    } catch (error) {
      if (!isConnectionError(error)) this.options.log('error', `spool replay failed: ${(error as Error).message}`);
      else this.markDown(error);
      this.nextReplayAt = Date.now() + this.options.replayIntervalMs;
      this.scheduleReplay(this.options.replayIntervalMs);
      return;
    }
    if (!this.databaseUp) this.options.log('info', 'PostgreSQL is reachable again: replaying the prediction spool');
    this.databaseUp = true;
    this.committed(units, outcomes);
    units.forEach((unit, i) => {
      // A duplicate here is a unit committed by an earlier, interrupted replay (or an id reused while spooling).
      if (outcomes[i] === 'logged') this.countLogged(unit);
    });
    this.spool.commit(units, end);
    this.publishSpool();
    if (this.spool.empty) this.options.log('info', 'prediction spool replayed completely');
    else this.scheduleReplay(0);
  }

  private scheduleReplay(delayMs: number): void {
    if (this.replayTimer) return;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = undefined;
      this.kick();
    }, delayMs);
    this.replayTimer.unref();
  }

  private markDown(error: unknown): void {
    if (this.databaseUp) {
      this.options.log('warn', `PostgreSQL is unreachable (${(error as Error).message}): spooling predictions to ${this.spool.path}`);
    }
    this.databaseUp = false;
    this.nextReplayAt = Date.now() + this.options.replayIntervalMs;
  }

  private settle(pending: Pending, outcome: AppendOutcome): void {
    if (outcome === 'duplicate' && this.options.mode === 'async') {
      this.options.log('warn', `prediction id '${pending.unit[0]?.id}' of model '${pending.unit[0]?.model}' was already logged; the request's rows were dropped`);
    }
    pending.resolve(outcome);
  }

  private committed(units: PredictionUnit[], outcomes: UnitOutcome[]): void {
    if (!this.options.afterCommit) return;
    try {
      this.options.afterCommit(units.filter((_, i) => outcomes[i] === 'logged'));
    } catch (error) {
      this.options.log('error', `after-commit hook failed: ${(error as Error).message}`);
    }
  }

  private countLogged(unit: PredictionUnit): void {
    const model = unit[0]?.model;
    if (model !== undefined) this.metrics.predictionsLogged.inc({ model }, unit.length);
  }

  private publishSpool(): void {
    for (const model of this.spool.waiting.keys()) this.spoolModels.add(model);
    for (const model of this.spoolModels) this.metrics.spooledRows.set({ model }, this.spool.waiting.get(model) ?? 0);
  }
}
