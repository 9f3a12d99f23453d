import type pg from 'pg';
import { isUniqueViolation } from '../../database/database.js';
import { InferenceErrorCode } from '../../inference/inference.errors.js';
import type { ModelRepository } from '../../inference/model-repository.js';
import { predictedClass } from '../../monitoring/losses/loss.js';
import type { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { countableLoss, labeledContribution, type LabeledPrediction } from '../../monitoring/performance/performance-sums.js';
import type { SegmentCap } from '../../monitoring/segment-cap.js';
import { checkText, isPlainObject } from '../predictions/oip-request.parser.js';
import { DeltaCollector } from '../performance/performance-deltas.js';
import { performanceModelOf, type PerformanceModel } from '../performance/performance-model.js';
import type { PerformanceRepository } from '../performance/performance.repository.js';
import { outputOf, parseLabel, type LabelValue } from './label-value.js';
import { LabelsError, LabelsErrorCode } from './labels.errors.js';
import type { LabelsRepository, LabelTarget, LabelWrite, ReadPredictions } from './labels.repository.js';

export interface LabelsResult {
  matched: number;
  pending: number;
  duplicate: number;
  rejected: Array<{ id: string; error: string }>;
}

export interface LabelsOptions {
  maxLabels: number;
  maxStringLength: number;
  bucketMs: number;
  joinWindowMs: number;
}

interface Observed {
  target: LabelTarget;
  /** The label this write replaced (null for a first label) and the one it wrote. */
  previous: LabelValue | null;
  label: LabelValue;
  loss: number;
  labeledAt: Date;
}

/** A committed label write, as the drift histograms take it. */
export interface CommittedLabel {
  version: number;
  ts: Date;
  segments: Record<string, string>;
  previous: LabelValue | null;
  label: LabelValue;
}

/** PostgreSQL aborted the transaction to break a deadlock. */
function isDeadlock(error: unknown): boolean {
  return (error as { code?: string })?.code === '40P01';
}

export type LabelsListener = (model: string, labels: CommittedLabel[]) => void;

interface Accepted {
  id: string;
  value: LabelValue;
  index: number;
}

/** What one transaction writes: the labels by prediction id, the aggregate deltas, and what to observe after the commit. */
interface Batch {
  now: Date;
  writes: Map<string, LabelWrite>;
  deltas: DeltaCollector;
  observed: Observed[];
}

interface Applied {
  observed: Observed[];
  /** Pending labels joined on the way (counted as matched in Prometheus, not in the caller's result). */
  joined: number;
  /** Pending labels joined on the way that equal the stored label (counted as duplicates in Prometheus). */
  joinedDuplicates: number;
  /** Pending labels taken on the way but dropped: they no longer fit the model, or their loss cannot be computed (counted as rejected). */
  dropped: number;
}

/**
 * Joins delayed labels to logged predictions (DESIGN §5.4): computes each loss (METRICS §1), writes
 * it with the label, and moves the performance aggregates of the prediction's own bucket and
 * segments — all in one transaction, a handful of statements per call whatever its size.
 */
export class LabelsService {
  private readonly listeners: LabelsListener[] = [];
  /** Label calls between their checks and their answer (to split a lone call: see `ingest`). */
  private callsInFlight = 0;

  constructor(
    private readonly models: ModelRepository,
    private readonly labels: LabelsRepository,
    private readonly performance: PerformanceRepository,
    private readonly metrics: PlumblineMetrics,
    private readonly segmentCap: SegmentCap,
    private readonly options: LabelsOptions,
  ) {}

  /** Called after each commit with the labels it wrote. */
  onCommitted(listener: LabelsListener): void {
    this.listeners.push(listener);
  }

  async ingest(modelName: string, body: unknown, overwrite: boolean): Promise<LabelsResult> {
    const served = this.models.get(modelName);
    const model = performanceModelOf(served);
    if (!isPlainObject(body) || !Array.isArray(body.labels)) {
      throw new LabelsError(LabelsErrorCode.InvalidLabels, 'the body must be {"labels": [{"id": "...", "label": ...}, ...]}');
    }
    if (body.labels.length > this.options.maxLabels) {
      throw new LabelsError(LabelsErrorCode.TooManyLabels, `${body.labels.length} labels exceed the limit of ${this.options.maxLabels} per call (PLUMBLINE_MAX_LABELS)`);
    }
    const result: LabelsResult = emptyResult();
    const accepted = new Map<string, Accepted>();
    // Why the first copy of an accepted label was rejected (by `apply`), by id.
    const firstRejected = new Map<string, { id: string; error: string }>();
    // Ids sent again with the same label in this call: each repeat gets its first copy's outcome.
    const repeats = new Map<string, number>();
    body.labels.forEach((item: unknown, position: number) => {
      const reject = (id: string, error: string) => result.rejected.push({ id, error });
      if (!isPlainObject(item)) return reject(`#${position}`, 'each label must be an object {"id", "label"}');
      let id: string;
      try {
        id = checkText(item.id, 'id', this.options.maxStringLength, InferenceErrorCode.InvalidPredictionId);
      } catch (error) {
        return reject(typeof item.id === 'string' ? item.id.slice(0, this.options.maxStringLength) : `#${position}`, (error as Error).message);
      }
      const parsed = parseLabel(model, item.label);
      if ('error' in parsed) return reject(id, parsed.error);
      const earlier = accepted.get(id);
      if (earlier) {
        if (earlier.value === parsed.value) repeats.set(id, (repeats.get(id) ?? 0) + 1);
        else reject(id, 'the id appears more than once in this call with different labels');
        return;
      }
      accepted.set(id, { id, ...parsed });
    });
    if (accepted.size > 0) {
      const items = [...accepted.values()];
      // A call alone on this server writes in two transactions at once, on two connections: a label's work is
      // mostly PostgreSQL's, one backend at a time, and a lone call would leave the other cores idle. Each half
      // commits on its own; if one fails, the call fails, and sent again finds the other's labels as duplicates.
      const parts = this.callsInFlight === 0 && items.length >= 2 * WRITE_PART_MIN ? halves(items) : [items];
      this.callsInFlight++;
      let settled: Array<PromiseSettledResult<{ attempt: LabelsResult; applied: Applied }>>;
      try {
        settled = await Promise.allSettled(parts.map((part) => this.write(served.name, model, part, overwrite, parts.length === 1)));
      } finally {
        this.callsInFlight--;
      }
      // What committed is counted and observed, even when another part failed.
      for (const outcome of settled) {
        if (outcome.status === 'rejected') continue;
        const { attempt, applied } = outcome.value;
        result.matched += attempt.matched;
        result.pending += attempt.pending;
        result.duplicate += attempt.duplicate;
        result.rejected.push(...attempt.rejected);
        for (const rejection of attempt.rejected) firstRejected.set(rejection.id, rejection);
        this.observe(served.name, applied.observed);
        this.metrics.labels.inc({ model: served.name, result: 'matched' }, applied.joined);
        this.metrics.labels.inc({ model: served.name, result: 'duplicate' }, applied.joinedDuplicates);
        this.metrics.labels.inc({ model: served.name, result: 'rejected' }, applied.dropped);
      }
      const failed = settled.find((outcome) => outcome.status === 'rejected');
      if (failed) {
        if (settled.some((outcome) => outcome.status === 'fulfilled')) this.count(served.name, result);
        throw failed.reason;
      }
    }
    // A repeat of a rejected label is rejected for the same reason; any other repeat is a duplicate, like
    // the same label again in a later call.
    for (const [id, count] of repeats) {
      const rejection = firstRejected.get(id);
      for (let i = 0; i < count; i++) {
        if (rejection) result.rejected.push(rejection);
        else result.duplicate++;
      }
    }
    this.count(served.name, result);
    return result;
  }

  /**
   * Reads the logged predictions of `items` (before the transaction, on the pool: logged predictions never
   * change; with `readInParallel`, on several connections) and labels them in one transaction, run again
   * when PostgreSQL broke a deadlock.
   */
  private async write(name: string, model: PerformanceModel, items: Accepted[], overwrite: boolean, readInParallel: boolean): Promise<{ attempt: LabelsResult; applied: Applied }> {
    const read = await this.labels.readPredictions(name, items.map((item) => item.id), { parallel: readInParallel });
    return this.retryingDeadlocks(() => {
      const attempt: LabelsResult = emptyResult();
      for (const target of read.targets) target.stored = null;
      return this.labels.transaction(async (client) => ({ applied: await this.apply(client, name, model, items, read, overwrite, attempt, true), attempt }));
    });
  }

  /** Joins pending labels of `model` whose prediction has been logged since (read-your-writes for queries). */
  async joinPending(modelName: string): Promise<number> {
    let joined = 0;
    for (;;) {
      const { taken, matched } = await this.joinTaken(modelName, (client, model) => this.labels.takeJoinable(client, model, 10_000));
      joined += matched;
      if (taken < 10_000) return joined;
    }
  }

  /**
   * Joins the pending label of one logged prediction, if it has one (read-your-writes for its GET). Waits
   * for a join of that label in progress elsewhere (the sweep's), so that it is committed when this returns.
   */
  async joinPendingLabel(modelName: string, id: string): Promise<void> {
    await this.joinTaken(modelName, (client, model) => this.labels.takePending(client, model, [id], true));
  }

  /**
   * Labels the predictions of the pending labels `take` takes (deletes) in one transaction. A pending label
   * equal to the label the prediction got meanwhile is counted as a duplicate; one that no longer fits the
   * model (its classes or task changed while it waited), conflicts with that label, or whose loss cannot be
   * computed is dropped, and counted as rejected.
   */
  private async joinTaken(modelName: string, take: (client: pg.PoolClient, model: string) => Promise<Array<{ id: string; label: LabelValue }>>): Promise<{ taken: number; matched: number }> {
    const served = this.models.get(modelName);
    const model = performanceModelOf(served);
    const { taken, observed, result } = await this.retryingDeadlocks(() =>
      this.labels.transaction(async (client) => {
        const pending = await take(client, served.name);
        const { fitting, unfit } = parsePending(model, pending);
        const result: LabelsResult = { ...emptyResult(), rejected: unfit };
        const read = await this.labels.readPredictions(served.name, fitting.map((item) => item.id), { client });
        const { observed: labeled } = await this.apply(client, served.name, model, fitting, read, false, result, false);
        return { taken: pending.length, observed: labeled, result };
      }),
    );
    this.observe(served.name, observed);
    this.metrics.labels.inc({ model: served.name, result: 'matched' }, result.matched);
    this.metrics.labels.inc({ model: served.name, result: 'duplicate' }, result.duplicate);
    this.metrics.labels.inc({ model: served.name, result: 'rejected' }, result.rejected.length);
    return { taken, matched: result.matched };
  }

  /** Joins every model's pending labels and expires those past the join window (the scheduler's tick). */
  async sweep(): Promise<void> {
    for (const model of await this.labels.modelsWithJoinable()) {
      if (this.models.list().some((served) => served.name === model)) await this.joinPending(model);
    }
    const expired = await this.labels.expirePending(new Date(Date.now() - this.options.joinWindowMs));
    for (const [model, count] of expired) this.metrics.labels.inc({ model, result: 'expired' }, count);
  }

  /**
   * Runs `work` again when PostgreSQL aborted it to break a deadlock (labels and pending labels are
   * written in id order, but a prediction logged meanwhile can move an id from one table's turn to
   * the other's), a few times.
   */
  private async retryingDeadlocks<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= 3 || !isDeadlock(error)) throw error;
      }
    }
  }

  /**
   * Labels the logged predictions among `items`, `read` (and holds the rest when `keepPending`); returns what
   * was labeled. Each prediction's first label of this call is inserted at once (the common case: one
   * index insert, no lookup); where a label is stored already — by an earlier call, or by a concurrent
   * one, which the insert waits for — it is read and locked instead, and the duplicate and overwrite
   * rules apply against it.
   *
   * While PostgreSQL inserts, the labels are applied as if every first label went in (the usual case),
   * and their aggregate deltas appended once it has (see below).
   */
  private async apply(
    client: pg.PoolClient,
    name: string,
    model: PerformanceModel,
    items: Accepted[],
    read: ReadPredictions,
    overwrite: boolean,
    result: LabelsResult,
    keepPending: boolean,
  ): Promise<Applied> {
    const targets = new Map(read.targets.map((target) => [target.id, target]));
    const now = new Date();
    // A label still pending for a prediction that is logged by now is joined first, so that this call's
    // duplicate and overwrite rules see it (and a later join cannot drop it or override this call). Not
    // looked for when the model held none as its predictions were read: one held since is the sweep's to
    // join, as one held after this transaction is.
    const taking = keepPending && read.pendingHeld ? this.labels.takePending(client, name, items.filter((item) => targets.has(item.id)).map((item) => item.id)) : undefined;
    const joining: Accepted[] = [];
    // Each prediction's first label of the call (a joined pending one before the call's own), with its loss.
    const firstLabels = () => {
      const first = new Map<string, LabelWrite>();
      for (const item of [...joining, ...items]) {
        const target = targets.get(item.id);
        const output = target && !first.has(item.id) ? outputOf(model, target.output) : undefined;
        const loss = output === undefined ? undefined : countableLossOf(model, output, item);
        // A label whose loss cannot be computed is left to `label`, which rejects it.
        if (loss !== undefined) first.set(item.id, { id: item.id, ts: target!.ts, label: item.value, loss, predicted: predictedOf(model, output!) });
      }
      return first;
    };
    // Every item against its target's label as it stands (null: none stored).
    const labelAll = () => {
      const batch: Batch = { now, writes: new Map(), deltas: new DeltaCollector(this.options.bucketMs), observed: [] };
      const called = emptyResult();
      const joined = emptyResult();
      for (const item of joining) this.label(name, model, targets.get(item.id)!, item, false, joined, batch);
      for (const item of items) {
        const target = targets.get(item.id);
        if (target) this.label(name, model, target, item, overwrite, called, batch);
      }
      return { batch, called, joined };
    };
    // The losses are computed while PostgreSQL takes the pending labels.
    let first = firstLabels();
    const { fitting, unfit } = parsePending(model, (await taking) ?? []);
    joining.push(...fitting);
    if (joining.length > 0) first = firstLabels();
    let labeled: ReturnType<typeof labelAll> | undefined;
    let inserted = new Set<string>();
    // The usual case, no pending label joined and every prediction here unlabeled so far: a plain insert
    // (one unique-index descent per label, not two) under a savepoint, and the deltas computed while
    // PostgreSQL runs it. A label stored already (or by a concurrent call, which the insert waits for)
    // fails it: the savepoint is rolled back, and the careful path below runs.
    if (joining.length === 0 && first.size > 0 && first.size === targets.size) {
      await client.query('SAVEPOINT plumbline_first_labels');
      const insertion = this.labels.insertNewLabels(client, name, [...first.values()], now).then(
        () => undefined,
        (error: unknown) => error ?? new Error('the label insert failed'),
      );
      const speculated = labelAll();
      const failure = await insertion;
      if (failure === undefined) {
        await this.performance.append(client, speculated.batch.deltas.rows());
        labeled = speculated;
        inserted = new Set(first.keys());
      } else if (isUniqueViolation(failure)) {
        await client.query('ROLLBACK TO SAVEPOINT plumbline_first_labels');
      } else {
        throw failure;
      }
    }
    if (!labeled) {
      inserted = await this.labels.insertLabels(client, name, [...first.values()], now);
      const locked = await this.labels.lockLabels(client, name, [...targets.keys()].filter((id) => !inserted.has(id)));
      for (const target of targets.values()) target.stored = inserted.has(target.id) ? null : (locked.get(target.id) ?? null);
      labeled = labelAll();
      await this.performance.append(client, labeled.batch.deltas.rows());
    }
    const { batch, called, joined } = labeled;
    result.matched += called.matched;
    result.duplicate += called.duplicate;
    result.rejected.push(...called.rejected);
    // What the inserts did not already store: overwrites, and a call's label replacing a joined one.
    const updates = [...batch.writes.values()].filter((write) => !(inserted.has(write.id) && first.get(write.id)!.label === write.label));
    await this.labels.updateLabels(client, name, updates, now);
    const missing = items.filter((item) => !targets.has(item.id));
    if (keepPending && missing.length > 0) await this.hold(client, name, missing, overwrite, result);
    return { observed: batch.observed, joined: joined.matched, joinedDuplicates: joined.duplicate, dropped: unfit.length + joined.rejected.length };
  }

  /** One label for one prediction whose stored label is locked (or just inserted): a duplicate, a rejection, or a write with its loss and the moves of the aggregates. */
  private label(name: string, model: PerformanceModel, target: LabelTarget, item: Accepted, overwrite: boolean, result: LabelsResult, batch: Batch): void {
    const held = target.stored;
    if (held !== null && held.label === item.value) {
      result.duplicate++;
      return;
    }
    if (held !== null && !overwrite) {
      result.rejected.push({ id: item.id, error: `already labeled ${JSON.stringify(held.label)}; send ?overwrite=true to replace it` });
      return;
    }
    const output = outputOf(model, target.output);
    if (output === undefined) {
      result.rejected.push({ id: item.id, error: 'the logged output does not fit the model any more (its classes changed)' });
      return;
    }
    // Everything is computed before anything is added: a loss or squared error the sums cannot take (a
    // regression label so far from the output that its square is past 1e200) rejects this label alone, as
    // `countableLossOf` foresees; a label taken back need only be finite.
    const stored = held === null ? undefined : parseLabel(model, held.label);
    if (stored && 'error' in stored) {
      // Its counts could not be taken back from the aggregates: replacing it would count the prediction twice.
      result.rejected.push({ id: item.id, error: `the stored label ${JSON.stringify(held?.label)} no longer fits the model (${stored.error}); it cannot be replaced` });
      return;
    }
    let added: ReturnType<typeof labeledContribution>;
    let takenBack: ReturnType<typeof labeledContribution> | undefined;
    let predicted: number | null;
    try {
      predicted = predictedOf(model, output);
      added = labeledContribution(model.loss, labeledRow(output, item), 1, predicted);
      if (stored && held) {
        // The aggregates hold the old label as it was counted, under the config of its time: the loss and the
        // confusion cell (its ŷ) stored with it, not those today's loss and threshold would give.
        takenBack = { ...labeledContribution(model.loss, labeledRow(output, stored), -1, held.predicted), lossSum: -held.loss };
      }
    } catch (error) {
      result.rejected.push({ id: item.id, error: `its loss cannot be counted: ${(error as Error).message}` });
      return;
    }
    if (takenBack) batch.deltas.add(name, target.version, target.ts, target.segments, model.classes, takenBack);
    batch.deltas.add(name, target.version, target.ts, target.segments, model.classes, added);
    // The loss the label adds to the window is its per-request loss (labeledContribution computes it once).
    const loss = added.lossSum!;
    // One write per prediction (the last label wins), and later labels of this batch see this one.
    batch.writes.set(item.id, { id: item.id, ts: target.ts, label: item.value, loss, predicted });
    target.stored = { label: item.value, loss, predicted };
    batch.observed.push({ target, previous: held?.label ?? null, label: item.value, loss, labeledAt: batch.now });
    result.matched++;
  }

  /** Labels whose prediction is not logged yet wait in `pending_labels` (same duplicate/overwrite rules). */
  private async hold(client: pg.PoolClient, name: string, items: Accepted[], overwrite: boolean, result: LabelsResult): Promise<void> {
    const existing = await this.labels.findPending(client, name, items.map((item) => item.id));
    const stored: Accepted[] = [];
    const classify = (item: Accepted, held: LabelValue) => {
      if (held === item.value) result.duplicate++;
      else result.rejected.push({ id: item.id, error: `a different label ${JSON.stringify(held)} is already pending; send ?overwrite=true to replace it` });
    };
    for (const item of items) {
      const held = existing.get(item.id);
      if (held === undefined || (overwrite && held !== item.value)) stored.push(item);
      else classify(item, held);
    }
    const written = await this.labels.upsertPending(client, name, stored.map((item) => ({ id: item.id, label: item.value })), overwrite);
    result.pending += written.size;
    // Ids that a concurrent call held first (committed after `findPending` looked): the same rules, against its label.
    const raced = stored.filter((item) => !written.has(item.id));
    if (raced.length === 0) return;
    const now = await this.labels.findPending(client, name, raced.map((item) => item.id));
    for (const item of raced) {
      const held = now.get(item.id);
      if (held === undefined) result.rejected.push({ id: item.id, error: 'a concurrent call changed the pending label; send it again' });
      else classify(item, held);
    }
  }

  /**
   * After the commit: the listeners (the drift histograms) at once; Prometheus (label delay, the loss
   * histogram overall and per segment) at the end of this event-loop turn, once the answer is on its way
   * (a few thousand observations per call; a request that follows the answer is read in a later turn).
   */
  private observe(name: string, observed: Observed[]): void {
    if (observed.length === 0) return;
    if (this.listeners.length > 0) {
      const committed = observed.map(({ target, previous, label }) => ({ version: target.version, ts: new Date(target.ts), segments: target.segments, previous, label }));
      for (const listener of this.listeners) listener(name, committed);
    }
    setImmediate(() => this.observeMetrics(name, observed));
  }

  private observeMetrics(name: string, observed: Observed[]): void {
    const delay = this.metrics.labelDelay.series({ model: name });
    for (const { target, loss, labeledAt } of observed) {
      const version = String(target.version);
      delay.observe(Math.max(0, (labeledAt.getTime() - target.ts.getTime()) / 1000));
      this.metrics.loss.series({ model: name, version, segment_key: '', segment: '' }).observe(loss);
      for (const key in target.segments) {
        this.metrics.loss.series({ model: name, version, segment_key: key, segment: this.segmentCap.label(name, key, target.segments[key]) }).observe(loss);
      }
    }
  }

  private count(model: string, result: LabelsResult): void {
    this.metrics.labels.inc({ model, result: 'matched' }, result.matched);
    this.metrics.labels.inc({ model, result: 'pending' }, result.pending);
    this.metrics.labels.inc({ model, result: 'duplicate' }, result.duplicate);
    this.metrics.labels.inc({ model, result: 'rejected' }, result.rejected.length);
  }
}

/** A call of at least twice this many labels, alone on the server, is written as two halves at once. */
const WRITE_PART_MIN = 500;

function halves<T>(items: T[]): T[][] {
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
}

function emptyResult(): LabelsResult {
  return { matched: 0, pending: 0, duplicate: 0, rejected: [] };
}

/** Pending labels as `apply` takes them, and those that no longer fit the model (its classes or task changed while they waited). */
function parsePending(model: PerformanceModel, pending: Array<{ id: string; label: LabelValue }>): { fitting: Accepted[]; unfit: Array<{ id: string; error: string }> } {
  const fitting: Accepted[] = [];
  const unfit: Array<{ id: string; error: string }> = [];
  for (const { id, label } of pending) {
    const parsed = parseLabel(model, label);
    if ('error' in parsed) unfit.push({ id, error: parsed.error });
    else fitting.push({ id, ...parsed });
  }
  return { fitting, unfit };
}

/** The class ŷ a classifier's label is counted under (its confusion cell), as today's threshold decides; null for a regressor. */
function predictedOf(model: PerformanceModel, output: number[] | number): number | null {
  return Array.isArray(output) ? predictedClass(output, model.loss.positiveIndex, model.loss.threshold) : null;
}

/** A logged output and a parsed label as the loss and sums calculators take them. */
function labeledRow(output: number[] | number, label: { index: number; value: LabelValue }): LabeledPrediction {
  return Array.isArray(output) ? { probabilities: output, trueIndex: label.index } : { prediction: output, label: label.value as number };
}

/**
 * The loss of `item` for a logged output that fits the model (see `outputOf`), or undefined where
 * `labeledContribution` would throw (`countableLoss`: its loss or squared error is more than the sums can take).
 */
function countableLossOf(model: PerformanceModel, output: number[] | number, item: Accepted): number | undefined {
  try {
    return countableLoss(model.loss, labeledRow(output, item));
  } catch {
    return undefined;
  }
}
