import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseWindow } from '../../common/time-window.js';
import type { ModelRepository } from '../../inference/model-repository.js';
import type { ServedModel } from '../../inference/served-model.js';
import { computeDrift, type DriftConfig, type FeatureDrift } from '../../monitoring/drift/decision.js';
import { buildProfile, type FeatureProfile, type ReferenceProfile } from '../../monitoring/drift/profile.js';
import { bucketOf, OVERALL } from '../performance/performance-deltas.js';
import { performanceModelOf } from '../performance/performance-model.js';
import { parseMonitoringQuery, requireVersion, type MonitoringQuery } from '../performance/monitoring-query.js';
import type { RequestLimits } from '../predictions/request-limits.js';
import { DriftContext, featureSpecs, HistogramCollector } from './drift-context.js';
import { DriftRecorder } from './drift-recorder.js';
import type { DriftRepository, HistogramSums, StoredReference } from './drift.repository.js';
import { DriftError, DriftErrorCode } from './drift.errors.js';
import { isWindowBody, recordsFromBody, recordsFromCsv, recordsFromLog, referenceSpecs, scoreRecords, toReferenceRows, type ReferenceRecord } from './reference-rows.js';

export interface DriftOptions {
  bucketMs: number;
  /** How long a bucket's aggregates must be quiet before its histograms are rebuilt from the log. */
  settleMs: number;
  maxSegmentValues: number;
  limits: RequestLimits;
  /** Most rows a reference may hold. */
  maxReferenceRows: number;
}

export interface ReferenceSummary {
  model: string;
  id: number;
  createdAt: string;
  source: string;
  rows: number;
  features: Record<string, Omit<FeatureProfile, 'name' | 'counts' | 'missing' | 'std'> & { n: number; missing: number; counts: number[]; std?: number | null }>;
  segments: Record<string, Record<string, { rows: number }>>;
}

export interface DriftResponse {
  model: string;
  from: string;
  to: string;
  version: string | null;
  reference: { id: number; createdAt: string; source: string; rows: number };
  overall: Record<string, FeatureDrift>;
  segments?: Record<string, Record<string, FeatureDrift>>;
}

/** Rebuilds read at most about this many logged predictions per transaction. */
const REBUILD_CHUNK_ROWS = 50_000;

/**
 * Drift (DESIGN §5.5, METRICS §3): reference profiles, the histograms that predictions and labels add
 * to, their repair from the log, and window queries that sum bucket histograms.
 */
export class DriftService {
  private readonly contexts = new Map<string, DriftContext>();
  private readonly profiles = new Map<number, StoredReference>();
  /** Counts predictions and labels in the bins of the contexts this service keeps. */
  readonly recorder: DriftRecorder;

  constructor(
    private readonly models: ModelRepository,
    private readonly repository: DriftRepository,
    private readonly options: DriftOptions,
    private readonly beforeQuery: (model: string) => Promise<unknown>,
    private readonly log: (level: 'info' | 'warn', message: string) => void,
    /** Whether any prediction of a version is logged (PerformanceService.hasVersion): a 404 for one that is not. */
    private readonly hasVersion: (model: string, version: number) => Promise<boolean>,
  ) {
    this.recorder = new DriftRecorder((model) => this.contexts.get(model), repository, options.bucketMs);
    // A model (re)loaded: its reference.csv becomes the reference if it is new, and its context follows the new config.
    models.onLoaded(async (model) => {
      try {
        await this.adoptCsv(model);
        await this.refresh(model.name);
      } catch (error) {
        this.log('warn', `drift reference of model '${model.name}' not updated: ${(error as Error).message}`);
      }
    });
  }

  /** Re-reads which reference is in force, for one model or all (another replica may have set one). */
  async refresh(model?: string): Promise<void> {
    const ids = model === undefined ? await this.repository.currentIds() : new Map([[model, await this.repository.currentId(model)]]);
    for (const [name, id] of ids) {
      const served = this.models.list().find((candidate) => candidate.name === name);
      if (id === undefined || !served) {
        this.contexts.delete(name);
        continue;
      }
      const current = this.contexts.get(name);
      if (current && current.referenceId === id && current.model === served) continue;
      const stored = await this.stored(id);
      if (stored) this.contexts.set(name, new DriftContext(served, id, stored.profile));
    }
  }

  /** PUT /api/models/{m}/reference: records, or a `{from, to}` window of the log. */
  async setReference(name: string, body: unknown): Promise<ReferenceSummary> {
    const served = this.models.get(name);
    const performance = performanceModelOf(served);
    let records: ReferenceRecord[];
    let source: string;
    if (isWindowBody(body)) {
      const window = parseWindow(body.from, body.to);
      await this.beforeQuery(name);
      records = recordsFromLog(await this.repository.loggedWindow(name, window.from, window.to, this.options.maxReferenceRows + 1), performance);
      source = `log ${window.from.toISOString()}/${window.to.toISOString()}`;
      if (records.length === 0) throw new DriftError(DriftErrorCode.InvalidReference, `model '${name}' logged no predictions between ${window.from.toISOString()} and ${window.to.toISOString()}`);
    } else {
      records = recordsFromBody(body, served, performance, { ...this.options.limits, maxRows: this.options.maxReferenceRows });
      source = 'records';
    }
    if (records.length > this.options.maxReferenceRows) {
      throw new DriftError(DriftErrorCode.InvalidReference, `a reference holds at most ${this.options.maxReferenceRows} rows`);
    }
    return this.summary(await this.install(served, records, source));
  }

  async getReference(name: string): Promise<ReferenceSummary> {
    this.models.get(name);
    const id = await this.repository.currentId(name);
    const stored = id === undefined ? undefined : await this.stored(id);
    if (!stored) throw this.noReference(name);
    return this.summary(stored);
  }

  async query(name: string, query: MonitoringQuery): Promise<DriftResponse> {
    const served = this.models.get(name);
    const { window, version, segmentKey } = parseMonitoringQuery(served, query);
    await requireVersion(served, version, this.hasVersion);
    await this.beforeQuery(name);
    await this.refresh(name);
    const context = this.contexts.get(name);
    if (!context) throw this.noReference(name);
    await this.recorder.flush();
    const sums = await this.read(context, window.from, window.to, { version, segmentKeys: segmentKey === undefined ? [OVERALL] : [OVERALL, segmentKey], byVersion: false });
    const stored = (await this.stored(context.referenceId))!;
    const overall = sums.find((row) => row.segmentKey === OVERALL);
    const response: DriftResponse = {
      model: name,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      version: version === undefined ? null : String(version),
      reference: { id: stored.id, createdAt: stored.createdAt.toISOString(), source: stored.source, rows: stored.rows },
      overall: this.figures(context, overall?.totals),
    };
    if (segmentKey !== undefined) {
      const rows = sums.filter((row) => row.segmentKey === segmentKey).sort((a, b) => (a.segmentValue < b.segmentValue ? -1 : 1));
      response.segments = Object.fromEntries(rows.map((row) => [row.segmentValue, this.figures(context, row.totals, segmentKey, row.segmentValue)]));
    }
    return response;
  }

  /**
   * Histograms of a window, with its stale buckets rebuilt first: every segment key, per version
   * (the gauges' read).
   */
  async sums(name: string, from: Date, to: Date): Promise<{ context: DriftContext; rows: HistogramSums[] } | undefined> {
    const context = this.contexts.get(name);
    if (!context) return undefined;
    return { context, rows: await this.read(context, from, to, { segmentKeys: [OVERALL, ...context.model.spec.segmentKeys], byVersion: true }) };
  }

  /**
   * Summed histograms of [from, to) after rebuilding its stale buckets. Drift resolves windows to its
   * buckets: every bucket that starts in [from rounded down, to).
   */
  private async read(context: DriftContext, from: Date, to: Date, slice: { version?: number; segmentKeys: string[]; byVersion: boolean }): Promise<HistogramSums[]> {
    const start = bucketOf(from, this.options.bucketMs);
    await this.repair(context, start, to);
    return this.repository.sumWindow({ model: context.model.name, referenceId: context.referenceId, from: start, to, ...slice });
  }

  /** D for every feature of a summed histogram, against the segment's own reference rows when it has enough. */
  figures(context: DriftContext, totals: readonly number[] | undefined, segmentKey?: string, segmentValue?: string): Record<string, FeatureDrift> {
    const { layout, profile } = context;
    const config: DriftConfig = context.model.config.drift;
    const size = layout.size;
    const counts = totals ? totals.slice(0, size) : new Array<number>(size).fill(0);
    const missing = totals ? totals.slice(size) : [];
    const own = segmentKey === undefined || segmentValue === undefined ? undefined : profile.segments[segmentKey]?.[segmentValue];
    const segmentReference = own && own.rows >= config.minSamples ? own : undefined;
    const result: Record<string, FeatureDrift> = {};
    profile.features.forEach((feature, j) => {
      const reference = segmentReference?.features[feature.name] ?? feature;
      const current = layout.slice(j, counts, missing);
      const input =
        feature.kind === 'numeric'
          ? { kind: 'numeric' as const, edges: feature.edges, deciles: feature.deciles, reference: { counts: reference.counts, missing: reference.missing }, current, referenceStd: reference.std }
          : { kind: 'categorical' as const, reference: { counts: reference.counts, missing: reference.missing }, current };
      result[feature.name] = computeDrift(input, config);
    });
    return result;
  }

  /** Rebuilds from the log the histograms of the settled buckets of [from, to) that do not match it. */
  async repair(context: DriftContext, from: Date, to: Date, settleMs = this.options.settleMs): Promise<void> {
    const stale = await this.repository.staleBuckets(context.model.name, context.referenceId, bucketOf(from, this.options.bucketMs), to, settleMs, this.options.bucketMs);
    let chunk: Date[] = [];
    let rows = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.repository.rebuild(context.model.name, context.referenceId, chunk, this.options.bucketMs, (logged) => {
        const collector = new HistogramCollector(this.options.bucketMs);
        for (const row of logged) {
          const labeled = row.label === null || row.label === undefined ? 0 : 1;
          collector.add(context, row.version, row.ts, row.segments, context.slots(row.features, row.output, row.label), 1, labeled);
        }
        return collector.sorted();
      });
      chunk = [];
      rows = 0;
    };
    for (const bucket of stale) {
      if (rows + bucket.rows > REBUILD_CHUNK_ROWS) await flush();
      chunk.push(bucket.bucket);
      rows += bucket.rows;
    }
    await flush();
  }

  private async install(served: ServedModel, records: ReferenceRecord[], source: string): Promise<StoredReference> {
    const performance = performanceModelOf(served);
    await scoreRecords(served, performance, records, this.options.limits.maxRows);
    const specs = referenceSpecs(featureSpecs(served), records);
    const profile: ReferenceProfile = buildProfile(specs, toReferenceRows(specs, records), this.options.maxSegmentValues);
    const stored = await this.repository.insertReference(served.name, source, profile);
    this.profiles.set(stored.id, stored);
    // The recent buckets are rebuilt now, before this process counts in the new bins (so nothing is
    // counted twice); older ones are quiet already and are rebuilt by the first query that covers them.
    const context = new DriftContext(served, stored.id, profile);
    const now = Date.now();
    await this.repair(context, new Date(now - this.options.settleMs - this.options.bucketMs), new Date(now + this.options.bucketMs), 0);
    this.contexts.set(served.name, context);
    this.log('info', `model '${served.name}': drift reference ${stored.id} set from ${source} (${profile.rows} rows)`);
    // Histograms in the bins of earlier references are of no further use.
    void this.repository.deleteOtherReferences(served.name, stored.id).catch((error: Error) => this.log('warn', `could not delete old drift histograms of '${served.name}': ${error.message}`));
    return stored;
  }

  /** `reference.csv` beside `config.json`: installed when its content (with the config) was never installed before. */
  private async adoptCsv(served: ServedModel): Promise<void> {
    let text: string;
    try {
      text = await readFile(join(this.models.root, served.name, 'reference.csv'), 'utf8');
    } catch {
      return;
    }
    const hash = createHash('sha256').update(text).update(JSON.stringify(served.config)).digest('hex');
    const source = `reference.csv sha256:${hash.slice(0, 16)}`;
    if (await this.repository.hasReferenceFrom(served.name, source)) return;
    const records = recordsFromCsv(text, served, performanceModelOf(served));
    await this.install(served, records, source);
  }

  private async stored(id: number): Promise<StoredReference | undefined> {
    let stored = this.profiles.get(id);
    if (!stored) {
      stored = await this.repository.load(id);
      if (stored) this.profiles.set(id, stored);
    }
    return stored;
  }

  private summary(stored: StoredReference): ReferenceSummary {
    const features: ReferenceSummary['features'] = {};
    for (const feature of stored.profile.features) {
      const { name, counts, missing, std, ...bins } = feature;
      const n = counts.reduce((total, count) => total + count, 0);
      features[name] = { ...bins, n, missing, counts, ...(feature.kind === 'numeric' ? { std } : {}) };
    }
    const segments = Object.fromEntries(
      Object.entries(stored.profile.segments).map(([key, values]) => [key, Object.fromEntries(Object.entries(values).map(([value, sample]) => [value, { rows: sample.rows }]))]),
    );
    return { model: stored.model, id: stored.id, createdAt: stored.createdAt.toISOString(), source: stored.source, rows: stored.rows, features, segments };
  }

  private noReference(name: string): DriftError {
    return new DriftError(
      DriftErrorCode.NoReference,
      `model '${name}' has no drift reference: put reference.csv beside its config.json, or PUT /api/models/${name}/reference with {"records": [...]} or {"from", "to"}`,
    );
  }
}
