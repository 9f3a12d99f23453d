import type pg from 'pg';
import type { Database } from '../../database/database.js';
import type { ReferenceProfile } from '../../monitoring/drift/profile.js';

/** One row of `drift_buckets` to add (or, when rebuilding, to write). */
export interface HistogramDelta {
  model: string;
  referenceId: number;
  version: number;
  bucket: Date;
  segmentKey: string;
  segmentValue: string;
  count: number;
  labeled: number;
  counts: number[];
  missing: number[];
}

export interface StoredReference {
  id: number;
  model: string;
  createdAt: Date;
  source: string;
  rows: number;
  profile: ReferenceProfile;
}

/** A logged prediction as the drift histograms read it. */
export interface LoggedRow {
  version: number;
  ts: Date;
  features: Record<string, unknown>;
  output: unknown;
  segments: Record<string, string>;
  label: unknown;
}

export interface StaleBucket {
  bucket: Date;
  /** Predictions in the bucket (all versions): what a rebuild reads. */
  rows: number;
}

export interface HistogramSums {
  segmentKey: string;
  segmentValue: string;
  /** Set when summed per version. */
  version?: number;
  /** The flat counts followed by the per-feature missing counts. */
  totals: number[];
}

const REBUILD_LOCK = 72707370;

const arrayLiteral = (values: readonly number[]) => `{${values.join(',')}}`;

/** All I/O of drift: reference profiles, and the histogram rows in their bins. */
export class DriftRepository {
  constructor(private readonly database: Database) {}

  async insertReference(model: string, source: string, profile: ReferenceProfile): Promise<StoredReference> {
    const { rows } = await this.database.pool.query(
      `INSERT INTO reference_profiles (model, source, rows, profile) VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
      [model, source, profile.rows, JSON.stringify(profile)],
    );
    return { id: rows[0].id, model, createdAt: rows[0].created_at, source, rows: profile.rows, profile };
  }

  async hasReferenceFrom(model: string, source: string): Promise<boolean> {
    const { rowCount } = await this.database.pool.query('SELECT 1 FROM reference_profiles WHERE model = $1 AND source = $2 LIMIT 1', [model, source]);
    return (rowCount ?? 0) > 0;
  }

  /** The id of every model's reference in force (its newest). */
  async currentIds(): Promise<Map<string, number>> {
    const { rows } = await this.database.pool.query('SELECT model, max(id) AS id FROM reference_profiles GROUP BY model');
    return new Map(rows.map((row) => [row.model as string, row.id as number]));
  }

  async currentId(model: string): Promise<number | undefined> {
    const { rows } = await this.database.pool.query('SELECT max(id) AS id FROM reference_profiles WHERE model = $1', [model]);
    return rows[0]?.id ?? undefined;
  }

  async load(id: number): Promise<StoredReference | undefined> {
    const { rows } = await this.database.pool.query('SELECT id, model, created_at, source, rows, profile FROM reference_profiles WHERE id = $1', [id]);
    const row = rows[0];
    return row && { id: row.id, model: row.model, createdAt: row.created_at, source: row.source, rows: row.rows, profile: row.profile };
  }

  /** Histograms of other references than the one in force are of no further use. */
  async deleteOtherReferences(model: string, keep: number): Promise<number> {
    const { rowCount } = await this.database.pool.query('DELETE FROM drift_buckets WHERE model = $1 AND reference_id <> $2', [model, keep]);
    return rowCount ?? 0;
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    const { rowCount } = await this.database.pool.query('DELETE FROM drift_buckets WHERE bucket < $1', [cutoff]);
    return rowCount ?? 0;
  }

  /** Adds deltas row by row (element-wise for the arrays), in key order. */
  async upsertAdd(deltas: HistogramDelta[], client: pg.Pool | pg.PoolClient = this.database.pool, replace = false): Promise<void> {
    if (deltas.length === 0) return;
    const column = <T>(pick: (delta: HistogramDelta) => T) => deltas.map(pick);
    const merge = replace
      ? `count = EXCLUDED.count, labeled = EXCLUDED.labeled, counts = EXCLUDED.counts, missing = EXCLUDED.missing`
      : `count = t.count + EXCLUDED.count, labeled = t.labeled + EXCLUDED.labeled,
         counts = ARRAY(SELECT a + b FROM unnest(t.counts, EXCLUDED.counts) AS x(a, b)),
         missing = ARRAY(SELECT a + b FROM unnest(t.missing, EXCLUDED.missing) AS x(a, b))`;
    await client.query(
      `INSERT INTO drift_buckets AS t (model, reference_id, segment_key, bucket, segment_value, version, count, labeled, counts, missing)
       SELECT d.model, d.reference_id, d.segment_key, d.bucket, d.segment_value, d.version, d.count, d.labeled, d.counts::bigint[], d.missing::bigint[]
         FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::text[], $6::int[], $7::bigint[], $8::bigint[], $9::text[], $10::text[])
           WITH ORDINALITY AS d(model, reference_id, segment_key, bucket, segment_value, version, count, labeled, counts, missing, n)
        ORDER BY d.n
       ON CONFLICT (model, reference_id, segment_key, bucket, segment_value, version) DO UPDATE SET ${merge}`,
      [
        column((d) => d.model),
        column((d) => d.referenceId),
        column((d) => d.segmentKey),
        column((d) => d.bucket),
        column((d) => d.segmentValue),
        column((d) => d.version),
        column((d) => d.count),
        column((d) => d.labeled),
        column((d) => arrayLiteral(d.counts)),
        column((d) => arrayLiteral(d.missing)),
      ],
    );
  }

  /**
   * Drift buckets (of `bucketMs`, a multiple of the performance buckets) in [from, to) whose histograms (for `referenceId`) do not match the log: their overall count
   * or labeled count differs from the performance aggregates', which are written with the log. Only
   * buckets quiet for `settleMs` qualify, so that deltas still in some process's memory are not counted twice.
   */
  async staleBuckets(model: string, referenceId: number, from: Date, to: Date, settleMs: number, bucketMs: number): Promise<StaleBucket[]> {
    const { rows } = await this.database.pool.query(
      `SELECT p.bucket, sum(p.count)::float8 AS rows
         FROM (SELECT to_timestamp(floor(extract(epoch FROM bucket) * 1000 / $6) * $6 / 1000) AS bucket, version,
                      sum(count) AS count, sum(labeled) AS labeled, max(updated_at) AS updated_at
                 FROM performance_all
                WHERE model = $1 AND segment_key = '' AND segment_value = '' AND bucket >= $3 AND bucket < $4
                GROUP BY 1, version) AS p
         LEFT JOIN drift_buckets d ON d.model = $1 AND d.reference_id = $2 AND d.segment_key = '' AND d.bucket = p.bucket
                                  AND d.segment_value = '' AND d.version = p.version
        GROUP BY p.bucket
       HAVING bool_or(d.count IS DISTINCT FROM p.count OR d.labeled IS DISTINCT FROM p.labeled)
          AND max(p.updated_at) < now() - make_interval(secs => $5)
        ORDER BY p.bucket`,
      [model, referenceId, from, to, settleMs / 1000, bucketMs],
    );
    return rows.map((row) => ({ bucket: row.bucket, rows: row.rows }));
  }

  /**
   * Replaces the histograms of `buckets` with `build(rows)` of the predictions logged in them, in one
   * transaction. Rebuilds of one model are serialised by an advisory lock.
   */
  async rebuild(model: string, referenceId: number, buckets: Date[], bucketMs: number, build: (rows: LoggedRow[]) => HistogramDelta[]): Promise<void> {
    await this.database.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REBUILD_LOCK, model]);
      const logged: LoggedRow[] = [];
      for (const [start, end] of ranges(buckets, bucketMs)) {
        const { rows } = await client.query(
          `SELECT p.version, p.ts, p.features, p.output, p.segments, l.label
             FROM predictions p LEFT JOIN labels l ON l.model = p.model AND l.id = p.id
            WHERE p.model = $1 AND p.ts >= $2 AND p.ts < $3`,
          [model, start, end],
        );
        for (const row of rows) logged.push(row);
      }
      await client.query('DELETE FROM drift_buckets WHERE model = $1 AND reference_id = $2 AND bucket = ANY($3::timestamptz[])', [model, referenceId, buckets]);
      await this.upsertAdd(build(logged), client, true);
    });
  }

  /** Logged predictions of a window, oldest first (a reference taken from the log). */
  async loggedWindow(model: string, from: Date, to: Date, limit: number): Promise<LoggedRow[]> {
    const { rows } = await this.database.pool.query(
      `SELECT p.version, p.ts, p.features, p.output, p.segments, l.label
             FROM predictions p LEFT JOIN labels l ON l.model = p.model AND l.id = p.id
            WHERE p.model = $1 AND p.ts >= $2 AND p.ts < $3 ORDER BY p.ts LIMIT $4`,
      [model, from, to, limit],
    );
    return rows;
  }

  /**
   * Histograms summed over [from, to), per segment key and value (and per version when `byVersion`).
   * Cost: buckets × values × bins, never predictions. PostgreSQL only filters and prints each row's
   * arrays; they are added here, in one pass over the text (an unnest and a hash aggregate in SQL were
   * several times slower).
   */
  async sumWindow(query: { model: string; referenceId: number; from: Date; to: Date; version?: number; segmentKeys: string[]; byVersion: boolean }): Promise<HistogramSums[]> {
    const params: unknown[] = [query.model, query.referenceId, query.from, query.to, query.segmentKeys];
    const versionFilter = query.version === undefined ? '' : `AND version = $${params.push(query.version)}`;
    const { rows } = await this.database.pool.query(
      `SELECT segment_key, segment_value, version, array_to_string(counts, ',') AS counts, array_to_string(missing, ',') AS missing
         FROM drift_buckets
        WHERE model = $1 AND reference_id = $2 AND bucket >= $3 AND bucket < $4 AND segment_key = ANY($5::text[]) ${versionFilter}`,
      params,
    );
    const groups = new Map<string, { sums: HistogramSums; counts: Float64Array; missing: Float64Array }>();
    for (const row of rows) {
      const key = query.byVersion ? `${row.segment_key}\u0000${row.segment_value}\u0000${row.version}` : `${row.segment_key}\u0000${row.segment_value}`;
      let group = groups.get(key);
      if (!group) {
        const sums: HistogramSums = { segmentKey: row.segment_key, segmentValue: row.segment_value, version: query.byVersion ? row.version : undefined, totals: [] };
        group = { sums, counts: new Float64Array(countOf(row.counts)), missing: new Float64Array(countOf(row.missing)) };
        groups.set(key, group);
      }
      addList(group.counts, row.counts);
      addList(group.missing, row.missing);
    }
    return [...groups.values()].map(({ sums, counts, missing }) => ({ ...sums, totals: [...counts, ...missing] }));
  }
}

/** Elements in a comma-separated list of integers. */
function countOf(list: string): number {
  if (list.length === 0) return 0;
  let n = 1;
  for (let i = 0; i < list.length; i++) if (list.charCodeAt(i) === 44) n++;
  return n;
}

/** target[i] += the i-th integer of a comma-separated list (`array_to_string` of a bigint[]). */
function addList(target: Float64Array, list: string): void {
  if (list.length === 0) return;
  let index = 0;
  let value = 0;
  let negative = false;
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i);
    if (c === 44) {
      if (index < target.length) target[index] += negative ? -value : value;
      index++;
      value = 0;
      negative = false;
    } else if (c === 45) negative = true;
    else value = value * 10 + (c - 48);
  }
  if (index < target.length) target[index] += negative ? -value : value;
}

/** Sorted bucket starts → [start, end) ranges of consecutive buckets. */
function ranges(buckets: Date[], bucketMs: number): Array<[Date, Date]> {
  const times = [...new Set(buckets.map((bucket) => bucket.getTime()))].sort((a, b) => a - b);
  const result: Array<[number, number]> = [];
  for (const time of times) {
    const last = result.at(-1);
    if (last && last[1] === time) last[1] = time + bucketMs;
    else result.push([time, time + bucketMs]);
  }
  return result.map(([start, end]) => [new Date(start), new Date(end)]);
}
