import type pg from 'pg';
import { copyIn, copyText, copyTimestamp } from '../../database/copy.js';
import type { Database } from '../../database/database.js';
import { emptySums, type PerformanceSums } from '../../monitoring/performance/performance-sums.js';
import type { InsertPart } from '../predictions/prediction-log.repository.js';
import type { BucketDelta } from './performance-deltas.js';

/** Deltas a fold takes at once (`compact`'s default): two seconds' worth at 20,000 labels per second. */
export const FOLD_CHUNK = 40_000;

/**
 * The advisory lock (one-key form, "plfold" in ASCII) that makes folds take turns across every process sharing the
 * database: a fold then owns the queue's head, and takes it by a range of ids, without locking each row first.
 */
const FOLD_LOCK_KEY = 0x706c666f6c64;

/** The fold's work_mem: enough to merge a full chunk of deltas in memory. */
const FOLD_WORK_MEM = '64MB';

/**
 * A fold that runs longer is cancelled by PostgreSQL (and its deltas stay for the next one). The pool's query
 * timeout only gives up waiting: the statement ran on, and a fold that ran for minutes held back the oldest
 * snapshot that vacuum may not clean behind, so that every table bloated and every statement slowed down.
 */
const FOLD_TIMEOUT = '20s';

/** Array cells summed by subscript in `sumWindow` (K ≤ 32 classes); larger matrices are summed through unnest. */
export const SUBSCRIPT_CELLS = 1024;

export interface WindowQuery {
  model: string;
  from: Date;
  to: Date;
  version?: number;
  /** '' for the overall rows. */
  segmentKey: string;
}

/** The columns of an aggregate row after its key, in the order the SQL below lists them. */
const SUM_COLUMNS = `count, labeled, loss_sum, log_loss_sum, confusion, predicted, max_prob_sum, max_prob_labeled_sum, entropy_sum, abs_error_sum, squared_error_sum`;
/** The fold's merge of a group of rows (deltas, or rows merged from them) into one: sums, element-wise sums, the last change. */
const MERGE_SUMS = `sum(count) AS count, sum(labeled) AS labeled, sum(loss_sum) AS loss_sum, sum(log_loss_sum) AS log_loss_sum,
                plumbline_sum_cells(confusion) FILTER (WHERE cardinality(confusion) > 0) AS confusion,
                plumbline_sum_cells(predicted) FILTER (WHERE cardinality(predicted) > 0) AS predicted,
                sum(max_prob_sum) AS max_prob_sum, sum(max_prob_labeled_sum) AS max_prob_labeled_sum, sum(entropy_sum) AS entropy_sum,
                sum(abs_error_sum) AS abs_error_sum, sum(squared_error_sum) AS squared_error_sum, max(created_at) AS updated_at`;

/** The delta table and the columns both appends write, in order. */
const DELTA_COLUMNS = `performance_deltas (model, version, bucket, segment_key, segment_value, ${SUM_COLUMNS}, overall)`;

/**
 * Delta rows of the prediction log's statement (`appendPart`) travel as one JSON array of small objects
 * (`deltasJson`), expanded by `json_to_recordset` in order: one parameter whatever the number of rows,
 * cheaper to write and to parse on both sides than one PostgreSQL array per column. Keys are short, zero scalars are left out (a label's delta has no
 * count, a prediction's no loss), times are epoch milliseconds, the count arrays PostgreSQL array
 * literals (a JSON array becomes a bigint[] twice as slowly; all zeros as '{}'). Numbers keep their exact value
 * (shortest round-trip representation both ways).
 */
function deltaRecords(param: number): string {
  return `ROWS FROM (json_to_recordset($${param}::json) AS (m text, v int, b float8, k text, s text, c bigint, l bigint, ls float8, ll float8,
      cf text, pr text, mp float8, ml float8, en float8, ae float8, se float8, o boolean)) WITH ORDINALITY AS d(m, v, b, k, s, c, l, ls, ll, cf, pr, mp, ml, en, ae, se, o, n)`;
}

/** The columns of `deltaRecords` in the order of DELTA_COLUMNS. */
const SELECT_DELTAS = `d.m, d.v, to_timestamp(d.b / 1000), d.k, d.s, coalesce(d.c, 0), coalesce(d.l, 0), coalesce(d.ls, 0), coalesce(d.ll, 0),
  d.cf::bigint[], d.pr::bigint[], coalesce(d.mp, 0), coalesce(d.ml, 0), coalesce(d.en, 0), coalesce(d.ae, 0), coalesce(d.se, 0), coalesce(d.o, false)`;

/** A count array as a PostgreSQL array literal; all zeros as '{}' (adds nothing, and the fold skips it without a function call). */
function cells(counts: number[]): string {
  return counts.some((count) => count !== 0) ? `{${counts.join(',')}}` : '{}';
}

/** The JSON parameter of `deltaRecords`. */
function deltasJson(deltas: BucketDelta[]): string {
  const nonZero = (x: number) => (x === 0 ? undefined : x);
  return JSON.stringify(
    deltas.map((delta) => {
      const { sums } = delta;
      return {
        m: delta.model,
        v: delta.version,
        b: delta.bucket.getTime(),
        k: delta.segmentKey,
        s: delta.segmentValue,
        c: nonZero(sums.count),
        l: nonZero(sums.labeled),
        ls: nonZero(sums.lossSum),
        ll: nonZero(sums.logLossSum),
        cf: cells(sums.confusion),
        pr: cells(sums.predicted),
        mp: nonZero(sums.maxProbSum),
        ml: nonZero(sums.maxProbLabeledSum),
        en: nonZero(sums.entropySum),
        ae: nonZero(sums.absErrorSum),
        se: nonZero(sums.squaredErrorSum),
        o: delta.overall || undefined,
      };
    }),
  );
}

/** The rows of `append`'s COPY (the label path's deltas: no statement to ride along), in the order of DELTA_COLUMNS. */
function deltasCopy(deltas: BucketDelta[]): string {
  let data = '';
  for (const { model, version, bucket, segmentKey, segmentValue, overall, sums } of deltas) {
    data +=
      `${copyText(model)}\t${version}\t${copyTimestamp(bucket)}\t${copyText(segmentKey)}\t${copyText(segmentValue)}\t${sums.count}\t${sums.labeled}\t${sums.lossSum}\t` +
      `${sums.logLossSum}\t${cells(sums.confusion)}\t${cells(sums.predicted)}\t${sums.maxProbSum}\t${sums.maxProbLabeledSum}\t${sums.entropySum}\t${sums.absErrorSum}\t` +
      `${sums.squaredErrorSum}\t${overall ? 't' : 'f'}\n`;
  }
  return data;
}

/**
 * All I/O on the performance aggregates: deltas appended in the writers' transactions
 * (`performance_deltas`), folded into `performance_buckets` by `compact`, summed over a window from both.
 */
export class PerformanceRepository {
  constructor(private readonly database: Database) {}

  /** Appends deltas inside the caller's transaction, in one COPY: plain inserts, so concurrent writers never wait for each other. */
  async append(client: pg.PoolClient, deltas: BucketDelta[]): Promise<void> {
    if (deltas.length > 0) await copyIn(client, DELTA_COLUMNS, deltasCopy(deltas));
  }

  /** The INSERT of `append`, to run inside another statement (the prediction log's); parameters from $first. */
  appendPart(deltas: BucketDelta[]): InsertPart | undefined {
    if (deltas.length === 0) return undefined;
    return {
      sql: (first) =>
        `INSERT INTO ${DELTA_COLUMNS}
         SELECT ${SELECT_DELTAS} FROM ${deltaRecords(first)} ORDER BY d.n`,
      params: [deltasJson(deltas)],
    };
  }

  /**
   * Folds up to `limit` of the oldest deltas into `performance_buckets` by upsert-add, in one statement
   * (readers see them in one table or the other, never both or neither), merged per row in PostgreSQL:
   * nothing of it runs on the event loop. Returns how many were folded.
   *
   * Folds take turns, across processes too (`FOLD_LOCK_KEY`, taken in a statement of its own, so before the fold's
   * snapshot: a fold that waited sees what the one before it folded as gone). The one folding deletes the first
   * `limit` ids it sees by their range (`id <= the last of them`): a delta that an open transaction appended with a
   * lower id is not visible yet, so it is neither deleted nor counted, and the next fold takes it. Deltas used to be
   * taken with `FOR UPDATE SKIP LOCKED`, so that folds could run side by side: locking each row first cost a fifth
   * of the fold (12.8 vs 10.3 µs per delta, 20,000 label deltas, machine PostgreSQL 15), and one fold at a time
   * keeps up with any label rate (8-10 µs per delta: over 100,000 deltas a second). During a rolling upgrade, a
   * fold of an older server (which still takes rows that way) and this one wait for each other's rows and skip
   * those the other deleted: slower folds for a while, and no delta counted twice.
   *
   * The statement runs with `FOLD_WORK_MEM` (SET LOCAL, in the same query string: one implicit transaction):
   * at the default 4 MB, PostgreSQL merges a full chunk by sorting it on disk (395 ms for 20,000 deltas, 40,000
   * rows with the overall ones); in memory it hashes them (203 ms). Without sequential scans: the deltas are a
   * queue, and autoanalyze often finds it nearly empty (449 rows while two servers labeled 20,000 per second);
   * PostgreSQL then chose to read the whole table and sort it for every fold instead of walking the primary key
   * to the first `limit` ids. And with `FOLD_TIMEOUT`, which also bounds the wait for the lock.
   *
   * The deltas are merged in two steps: per aggregate row of their own segment, then those merged rows once more into
   * the overall rows. Merging every delta twice (under its segment and overall) spent most of the fold in the
   * element-wise sums of the confusion cells, a PL/pgSQL call per row: 349-434 ms for 40,000 label deltas of a
   * binary model over a day of buckets in one step, 264-317 ms in two (embedded PostgreSQL 18, EXPLAIN ANALYZE).
   */
  async compact(limit = FOLD_CHUNK): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`compact takes a positive integer limit, got ${limit}`);
    // The simple protocol (no parameters: the limit is a checked integer) runs the settings, the lock and the fold in one round trip.
    const results = (await this.database.pool.query(
      `SET LOCAL work_mem = '${FOLD_WORK_MEM}'; SET LOCAL enable_seqscan = off; SET LOCAL statement_timeout = '${FOLD_TIMEOUT}';
       SELECT pg_advisory_xact_lock(${FOLD_LOCK_KEY});
       WITH moved AS (
         DELETE FROM performance_deltas WHERE id <= (SELECT max(id) FROM (SELECT id FROM performance_deltas ORDER BY id LIMIT ${limit}) AS head)
         RETURNING model, version, bucket, segment_key, segment_value, ${SUM_COLUMNS}, created_at, overall),
       own AS (
         -- Merged under their own segment first: the overall rows then merge these few, not every delta again.
         SELECT model, version, bucket, segment_key, segment_value, overall, ${MERGE_SUMS}
           FROM moved GROUP BY model, segment_key, bucket, segment_value, version, overall),
       counted AS (
         -- Each under its own segment, and once more overall when its deltas say so (as performance_all reads them);
         -- their updated_at under the name MERGE_SUMS takes its max of.
         SELECT model, version, bucket, segment_key, segment_value, ${SUM_COLUMNS}, updated_at AS created_at FROM own
         UNION ALL
         SELECT model, version, bucket, '', '', ${SUM_COLUMNS}, updated_at FROM own WHERE overall),
       merged AS (
         SELECT model, version, bucket, segment_key, segment_value, ${MERGE_SUMS}
           FROM counted GROUP BY model, segment_key, bucket, segment_value, version),
       folded AS (
         INSERT INTO performance_buckets AS t (model, version, bucket, segment_key, segment_value, ${SUM_COLUMNS}, updated_at)
         SELECT model, version, bucket, segment_key, segment_value, ${SUM_COLUMNS}, updated_at
           FROM merged ORDER BY model, segment_key, bucket, segment_value, version
         ON CONFLICT (model, segment_key, bucket, segment_value, version) DO UPDATE SET
           count = t.count + EXCLUDED.count,
           labeled = t.labeled + EXCLUDED.labeled,
           loss_sum = t.loss_sum + EXCLUDED.loss_sum,
           log_loss_sum = t.log_loss_sum + EXCLUDED.log_loss_sum,
           confusion = CASE WHEN cardinality(EXCLUDED.confusion) = 0 THEN t.confusion ELSE plumbline_add_cells(t.confusion, EXCLUDED.confusion) END,
           predicted = CASE WHEN cardinality(EXCLUDED.predicted) = 0 THEN t.predicted ELSE plumbline_add_cells(t.predicted, EXCLUDED.predicted) END,
           max_prob_sum = t.max_prob_sum + EXCLUDED.max_prob_sum,
           max_prob_labeled_sum = t.max_prob_labeled_sum + EXCLUDED.max_prob_labeled_sum,
           entropy_sum = t.entropy_sum + EXCLUDED.entropy_sum,
           abs_error_sum = t.abs_error_sum + EXCLUDED.abs_error_sum,
           squared_error_sum = t.squared_error_sum + EXCLUDED.squared_error_sum,
           updated_at = greatest(t.updated_at, EXCLUDED.updated_at)
         RETURNING 1)
       SELECT count(*)::int AS n FROM moved`,
    )) as unknown as pg.QueryResult[];
    // One result per statement: the fold's is the last.
    return results[results.length - 1].rows[0].n;
  }

  /**
   * Vacuums the deltas (a queue: every row is deleted by the fold seconds after it was written) and the buckets
   * (each fold writes a new version of every row it adds to). Left to autovacuum, which visits a table at most
   * once a minute and then goes slowly, labeling at 20,000 per second left 500,000-770,000 dead deltas (120-180 MB)
   * and 150,000-200,000 dead versions of 7,200 bucket rows (30-40 MB) for every fold, upsert and window query
   * to wade through. SKIP_LOCKED: a vacuum already running (another server's, autovacuum's) is not waited for.
   */
  async vacuum(): Promise<void> {
    await this.database.pool.query('VACUUM (SKIP_LOCKED) performance_deltas, performance_buckets');
  }

  /** Whether any prediction of `version` of `model` is counted (folded or not yet). */
  async hasVersion(model: string, version: number): Promise<boolean> {
    const { rows } = await this.database.pool.query(
      `SELECT EXISTS (SELECT 1 FROM performance_buckets WHERE model = $1 AND segment_key = '' AND version = $2)
           OR EXISTS (SELECT 1 FROM performance_deltas WHERE model = $1 AND segment_key = '' AND version = $2) AS found`,
      [model, version],
    );
    return rows[0].found;
  }

  /** Sums over the buckets of [from, to), per segment value of `segmentKey`. Cost: buckets × values, never predictions. */
  async sumWindow(query: WindowQuery, classes: number): Promise<Map<string, PerformanceSums>> {
    const params: unknown[] = [query.model, query.segmentKey, query.from, query.to];
    const versionFilter = query.version === undefined ? '' : `AND version = $${params.push(query.version)}`;
    // The element-wise sum of an array column over the group's rows; cells past a row's length (rows written
    // with '{}' before the column existed) add nothing. Up to SUBSCRIPT_CELLS cells: one sum per subscript, in the
    // same pass as the scalars (3-4x faster than an unnest per group); past that, an unnest keeps the SQL small.
    const cellSums = (column: 'confusion' | 'predicted', cells: number) =>
      cells <= SUBSCRIPT_CELLS
        ? `ARRAY[${Array.from({ length: cells }, (_, i) => `coalesce(sum(${column}[${i + 1}]), 0)::float8`).join(', ')}]::float8[]`
        : `(SELECT array_agg(total ORDER BY i) FROM (
                 SELECT i, sum(c)::float8 AS total FROM performance_all b2, unnest(b2.${column}) WITH ORDINALITY AS u(c, i)
                  WHERE b2.model = $1 AND b2.segment_key = $2 AND b2.bucket >= $3 AND b2.bucket < $4 ${versionFilter.replace('version', 'b2.version')}
                    AND b2.segment_value = b.segment_value
                  GROUP BY i) AS cells)`;
    const { rows } = await this.database.pool.query(
      `SELECT segment_value, sum(count)::float8 AS count, sum(labeled)::float8 AS labeled, sum(loss_sum) AS loss_sum,
              sum(log_loss_sum) AS log_loss_sum, sum(max_prob_sum) AS max_prob_sum, sum(max_prob_labeled_sum) AS max_prob_labeled_sum,
              sum(entropy_sum) AS entropy_sum, sum(abs_error_sum) AS abs_error_sum, sum(squared_error_sum) AS squared_error_sum,
              ${cellSums('confusion', classes * classes)} AS confusion, ${cellSums('predicted', classes)} AS predicted
         FROM performance_all b
        WHERE model = $1 AND segment_key = $2 AND bucket >= $3 AND bucket < $4 ${versionFilter}
        GROUP BY segment_value`,
      params,
    );
    const result = new Map<string, PerformanceSums>();
    for (const row of rows) {
      const confusion = (row.confusion as number[] | null) ?? [];
      const predicted = (row.predicted as number[] | null) ?? [];
      result.set(row.segment_value, {
        ...emptySums(0),
        count: row.count,
        labeled: row.labeled,
        lossSum: row.loss_sum,
        logLossSum: row.log_loss_sum,
        confusion: confusion.length === classes * classes ? confusion : emptySums(classes).confusion,
        predicted: predicted.length === classes ? predicted : emptySums(classes).predicted,
        maxProbSum: row.max_prob_sum,
        maxProbLabeledSum: row.max_prob_labeled_sum,
        entropySum: row.entropy_sum,
        absErrorSum: row.abs_error_sum,
        squaredErrorSum: row.squared_error_sum,
      });
    }
    return result;
  }
}
