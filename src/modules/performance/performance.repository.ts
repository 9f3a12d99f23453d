import type pg from 'pg';
import type { Database } from '../../database/database.js';
import { emptySums, type PerformanceSums } from '../../monitoring/performance/performance-sums.js';
import type { InsertPart } from '../predictions/prediction-log.repository.js';
import type { BucketDelta } from './performance-deltas.js';

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

const UNNEST_TYPES = ['text', 'int', 'timestamptz', 'text', 'text', 'bigint', 'bigint', 'float8', 'float8', 'text', 'text', 'float8', 'float8', 'float8', 'float8', 'float8'];

/** unnest() of the parameters of `deltaParams`, as `d` (key columns, then SUM_COLUMNS, then `n`), numbered from $first. */
function unnestDeltas(first = 1): string {
  return `unnest(${UNNEST_TYPES.map((type, i) => `$${first + i}::${type}[]`).join(', ')})
    WITH ORDINALITY AS d(model, version, bucket, segment_key, segment_value, count, labeled, loss_sum, log_loss_sum,
                         confusion, predicted, max_prob_sum, max_prob_labeled_sum, entropy_sum, abs_error_sum, squared_error_sum, n)`;
}

/** One array per column of `unnestDeltas`. */
function deltaParams(deltas: BucketDelta[]): unknown[] {
  const column = <T>(pick: (delta: BucketDelta) => T) => deltas.map(pick);
  return [
    column((d) => d.model),
    column((d) => d.version),
    column((d) => d.bucket),
    column((d) => d.segmentKey),
    column((d) => d.segmentValue),
    column((d) => d.sums.count),
    column((d) => d.sums.labeled),
    column((d) => d.sums.lossSum),
    column((d) => d.sums.logLossSum),
    column((d) => `{${d.sums.confusion.join(',')}}`),
    column((d) => `{${d.sums.predicted.join(',')}}`),
    column((d) => d.sums.maxProbSum),
    column((d) => d.sums.maxProbLabeledSum),
    column((d) => d.sums.entropySum),
    column((d) => d.sums.absErrorSum),
    column((d) => d.sums.squaredErrorSum),
  ];
}

const SELECT_DELTAS = `d.model, d.version, d.bucket, d.segment_key, d.segment_value, d.count, d.labeled, d.loss_sum, d.log_loss_sum,
  d.confusion::bigint[], d.predicted::bigint[], d.max_prob_sum, d.max_prob_labeled_sum, d.entropy_sum, d.abs_error_sum, d.squared_error_sum`;

/** a + b element-wise; an empty array (a row written before the column had cells) adds nothing. */
function addCells(a: number[], b: number[]): number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return a.map((value, i) => value + (b[i] ?? 0));
}

/**
 * All I/O on the performance aggregates: deltas appended in the writers' transactions
 * (`performance_deltas`), folded into `performance_buckets` by `compact`, summed over a window from both.
 */
export class PerformanceRepository {
  constructor(private readonly database: Database) {}

  /** Appends deltas inside the caller's transaction: plain inserts, so concurrent writers never wait for each other. */
  async append(client: pg.PoolClient, deltas: BucketDelta[]): Promise<void> {
    const part = this.appendPart(deltas);
    if (part) await client.query(part.sql(1), part.params);
  }

  /** The INSERT of `append`, to run inside another statement (the prediction log's); parameters from $first. */
  appendPart(deltas: BucketDelta[]): InsertPart | undefined {
    if (deltas.length === 0) return undefined;
    return {
      sql: (first) =>
        `INSERT INTO performance_deltas (model, version, bucket, segment_key, segment_value, ${SUM_COLUMNS})
         SELECT ${SELECT_DELTAS} FROM ${unnestDeltas(first)} ORDER BY d.n`,
      params: deltaParams(deltas),
    };
  }

  /**
   * Folds up to `limit` of the oldest deltas into `performance_buckets` by upsert-add, in one
   * transaction (readers see them in one table or the other, never both or neither). Deltas that another
   * process is folding are skipped. Returns how many were folded.
   */
  async compact(limit = 20_000): Promise<number> {
    return this.database.transaction(async (client) => {
      const { rows } = await client.query(
        `DELETE FROM performance_deltas WHERE id IN (SELECT id FROM performance_deltas ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING model, version, bucket, segment_key, segment_value, count::float8 AS count, labeled::float8 AS labeled, loss_sum,
                   log_loss_sum, confusion::float8[] AS confusion, predicted::float8[] AS predicted, max_prob_sum, max_prob_labeled_sum,
                   entropy_sum, abs_error_sum, squared_error_sum, created_at`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const merged = new Map<string, BucketDelta & { updatedAt: Date }>();
      for (const row of rows) {
        const key = `${row.model}\u0000${row.segment_key}\u0000${row.bucket.getTime()}\u0000${row.segment_value}\u0000${row.version}`;
        const sums: PerformanceSums = {
          count: row.count,
          labeled: row.labeled,
          lossSum: row.loss_sum,
          logLossSum: row.log_loss_sum,
          confusion: row.confusion,
          predicted: row.predicted,
          maxProbSum: row.max_prob_sum,
          maxProbLabeledSum: row.max_prob_labeled_sum,
          entropySum: row.entropy_sum,
          absErrorSum: row.abs_error_sum,
          squaredErrorSum: row.squared_error_sum,
        };
        const mine = merged.get(key);
        if (!mine) {
          merged.set(key, { model: row.model, version: row.version, bucket: row.bucket, segmentKey: row.segment_key, segmentValue: row.segment_value, sums, updatedAt: row.created_at });
          continue;
        }
        for (const field of Object.keys(sums) as Array<keyof PerformanceSums>) {
          if (field === 'confusion' || field === 'predicted') mine.sums[field] = addCells(mine.sums[field], sums[field]);
          else mine.sums[field] += sums[field];
        }
        if (row.created_at > mine.updatedAt) mine.updatedAt = row.created_at;
      }
      const sorted = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, delta]) => delta);
      const params = [...deltaParams(sorted), sorted.map((delta) => delta.updatedAt)];
      await client.query(
        `INSERT INTO performance_buckets AS t (model, version, bucket, segment_key, segment_value, ${SUM_COLUMNS}, updated_at)
         SELECT ${SELECT_DELTAS}, u.updated_at FROM ${unnestDeltas()} JOIN unnest($17::timestamptz[]) WITH ORDINALITY AS u(updated_at, n) ON u.n = d.n
          ORDER BY d.n
         ON CONFLICT (model, segment_key, bucket, segment_value, version) DO UPDATE SET
           count = t.count + EXCLUDED.count,
           labeled = t.labeled + EXCLUDED.labeled,
           loss_sum = t.loss_sum + EXCLUDED.loss_sum,
           log_loss_sum = t.log_loss_sum + EXCLUDED.log_loss_sum,
           confusion = CASE
             WHEN cardinality(t.confusion) = 0 THEN EXCLUDED.confusion
             WHEN cardinality(EXCLUDED.confusion) = 0 THEN t.confusion
             ELSE ARRAY(SELECT a + b FROM unnest(t.confusion, EXCLUDED.confusion) AS x(a, b)) END,
           predicted = CASE
             WHEN cardinality(t.predicted) = 0 THEN EXCLUDED.predicted
             WHEN cardinality(EXCLUDED.predicted) = 0 THEN t.predicted
             ELSE ARRAY(SELECT a + b FROM unnest(t.predicted, EXCLUDED.predicted) AS x(a, b)) END,
           max_prob_sum = t.max_prob_sum + EXCLUDED.max_prob_sum,
           max_prob_labeled_sum = t.max_prob_labeled_sum + EXCLUDED.max_prob_labeled_sum,
           entropy_sum = t.entropy_sum + EXCLUDED.entropy_sum,
           abs_error_sum = t.abs_error_sum + EXCLUDED.abs_error_sum,
           squared_error_sum = t.squared_error_sum + EXCLUDED.squared_error_sum,
           updated_at = greatest(t.updated_at, EXCLUDED.updated_at)`,
        params,
      );
      return rows.length;
    });
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
