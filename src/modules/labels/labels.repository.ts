import type pg from 'pg';
import { copyIn, copyNullable, copyText, copyTimestamp } from '../../database/copy.js';
import type { Database } from '../../database/database.js';
import type { LabelValue } from './label-value.js';

/** A label as stored, with what the aggregates hold for it. */
export interface StoredLabel {
  label: LabelValue;
  /** Its loss, as computed when it was labeled. */
  loss: number;
  /** The predicted class it was counted under (its confusion cell); null for regressors and for labels stored before ŷ was kept. */
  predicted: number | null;
}

export interface LabelTarget {
  id: string;
  version: number;
  ts: Date;
  output: unknown;
  segments: Record<string, string>;
  /** Its label, once the transaction has inserted or locked it; null while it has none. */
  stored: StoredLabel | null;
}

/** What `readPredictions` found: the logged predictions, and whether the model held any pending label when they were read. */
export interface ReadPredictions {
  targets: LabelTarget[];
  pendingHeld: boolean;
}

export interface LabelWrite {
  id: string;
  /** The prediction's timestamp (kept with the label for retention). */
  ts: Date;
  label: LabelValue;
  loss: number;
  /** The predicted class the label is counted under (classifiers), null for regressors. */
  predicted: number | null;
}

/** Connections that read one call's predictions at once (of the pool's 10; the log writers need theirs). */
const READ_PARALLELISM = 2;
/** Below this many ids a call's read is not split. */
const READ_CHUNK_MIN = 250;

/** The label table and the columns both label inserts write, in order. */
const LABEL_COLUMNS = 'labels (model, id, ts, label, loss, predicted, labeled_at)';

/** The label insert that skips labels stored already (`insertLabels`): $1 the model, $2 the rows as `labelsJson`, $3 labeled_at. */
const INSERT_LABELS = `INSERT INTO ${LABEL_COLUMNS}
  SELECT $1, u.id, to_timestamp(u.ms / 1000), u.label, u.loss, u.p, $3 FROM json_to_recordset($2::json) AS u(id text, ms float8, label jsonb, loss float8, p int)`;

/**
 * The logged predictions of ids $2 of model $1, as one JSON array of [id, version, ms, output, segments]
 * (and whether the model holds any pending label: one probe, and a call need not look for its ids there),
 * from `prediction_ids` alone (it keeps a copy of what a label needs): one index probe and one row per id,
 * in id order (neighbouring index pages). Each id is its own LATERAL subquery, so the cost follows the
 * call's ids whatever PostgreSQL estimates: joined plainly, a row count underestimated by stale statistics
 * made it hash or scan the model's whole log (30 s on 200,000 predictions, then the statement timeout).
 */
export const READ_PREDICTIONS = `SELECT json_agg(json_build_array(u.id, i.version, extract(epoch FROM i.ts) * 1000, i.output, i.segments))::text AS rows,
       EXISTS (SELECT 1 FROM pending_labels WHERE model = $1) AS pending
  FROM (SELECT id FROM unnest($2::text[]) AS u(id) ORDER BY id) AS u
  CROSS JOIN LATERAL (SELECT i.version, i.ts, i.output, i.segments FROM prediction_ids i WHERE i.model = $1 AND i.id = u.id OFFSET 0) AS i`;

/** All I/O on the labels of the prediction log (the `labels` table) and on pending labels. */
export class LabelsRepository {
  constructor(readonly database: Database) {}

  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.database.transaction(work);
  }

  /**
   * The logged predictions among `ids` (their labels unknown until `insertLabels`/`lockLabels`). Logged
   * predictions never change, so this read needs no transaction: without `client` it runs on the pool,
   * in chunks of neighbouring ids read by `READ_PARALLELISM` connections at once (the lookups are
   * random index reads, and one backend does them one by one), or in one statement when not `parallel`
   * (the caller runs reads side by side itself). With `client`, in its transaction.
   */
  async readPredictions(model: string, ids: string[], { client, parallel = true }: { client?: pg.PoolClient; parallel?: boolean } = {}): Promise<ReadPredictions> {
    if (ids.length === 0) return { targets: [], pendingHeld: false };
    if (client) return this.readChunk(client, model, ids);
    const sorted = [...ids].sort();
    const size = parallel ? Math.max(READ_CHUNK_MIN, Math.ceil(sorted.length / READ_PARALLELISM)) : sorted.length;
    const chunks: string[][] = [];
    for (let i = 0; i < sorted.length; i += size) chunks.push(sorted.slice(i, i + size));
    const read = await Promise.all(chunks.map((chunk) => this.readChunk(this.database.pool, model, chunk)));
    return { targets: read.flatMap((chunk) => chunk.targets), pendingHeld: read.some((chunk) => chunk.pendingHeld) };
  }

  /**
   * One chunk, looked up in id order (neighbouring index pages) and returned as one JSON text: parsed
   * natively, several times cheaper than decoding row by row (see `READ_PREDICTIONS`).
   */
  private async readChunk(on: pg.Pool | pg.PoolClient, model: string, ids: string[]): Promise<ReadPredictions> {
    // Named statements (here and below): parsed and planned once per connection, not per call.
    const { rows } = await on.query({
      name: 'plumbline_labels_read',
      text: READ_PREDICTIONS,
      values: [model, ids],
    });
    const read = JSON.parse(rows[0].rows ?? '[]') as Array<[string, number, number, unknown, Record<string, string>]>;
    return {
      targets: read.map(([id, version, ms, output, segments]) => ({ id, version, ts: new Date(ms), output, segments, stored: null })),
      pendingHeld: rows[0].pending,
    };
  }

  /**
   * Inserts first labels, in id order; an id labeled already (or by a concurrent transaction, which
   * this waits for) is left as it is. Returns the ids inserted. The rows go as one JSON parameter.
   */
  async insertLabels(client: pg.PoolClient, model: string, writes: LabelWrite[], labeledAt: Date): Promise<Set<string>> {
    if (writes.length === 0) return new Set();
    const { rows } = await client.query({
      name: 'plumbline_labels_insert',
      text: `${INSERT_LABELS} ON CONFLICT (model, id) DO NOTHING RETURNING id`,
      values: [model, labelsJson(writes), labeledAt],
    });
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Inserts labels that no prediction among them has yet, in id order, in one COPY (a label stored already
   * fails it with a unique violation: see `insertLabels` for the path that takes those). COPY, not an INSERT
   * from a JSON parameter: PostgreSQL spends a quarter to a half less on the rows (`copyIn`).
   */
  async insertNewLabels(client: pg.PoolClient, model: string, writes: LabelWrite[], labeledAt: Date): Promise<void> {
    const fixed = { model: copyText(model), labeledAt: copyTimestamp(labeledAt) };
    let data = '';
    for (const w of [...writes].sort(byId)) {
      data += `${fixed.model}\t${copyText(w.id)}\t${copyTimestamp(w.ts)}\t${copyText(JSON.stringify(w.label))}\t${w.loss}\t${copyNullable(w.predicted)}\t${fixed.labeledAt}\n`;
    }
    await copyIn(client, LABEL_COLUMNS, data);
  }

  /** The stored labels among `ids`, locked until the transaction ends (in id order: no deadlocks). */
  async lockLabels(client: pg.PoolClient, model: string, ids: string[]): Promise<Map<string, StoredLabel>> {
    if (ids.length === 0) return new Map();
    const { rows } = await client.query('SELECT id, label, loss, predicted FROM labels WHERE model = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE', [model, ids]);
    return new Map(rows.map((row) => [row.id, { label: row.label, loss: row.loss, predicted: row.predicted }]));
  }

  /** Replaces labels this transaction inserted or locked. */
  async updateLabels(client: pg.PoolClient, model: string, writes: LabelWrite[], labeledAt: Date): Promise<void> {
    if (writes.length === 0) return;
    const { rowCount } = await client.query(
      `UPDATE labels l SET label = u.label, loss = u.loss, predicted = u.p, labeled_at = $3
         FROM json_to_recordset($2::json) AS u(id text, label jsonb, loss float8, p int)
        WHERE l.model = $1 AND l.id = u.id`,
      [model, JSON.stringify([...writes].sort(byId).map((w) => ({ id: w.id, label: w.label, loss: w.loss, p: w.predicted }))), labeledAt],
    );
    if (rowCount !== writes.length) throw new Error(`label update hit ${rowCount} of ${writes.length} labels`);
  }

  /** Pending labels already held for `ids`, locked in id order (the order every writer of pending labels uses: no deadlocks). */
  async findPending(client: pg.PoolClient, model: string, ids: string[]): Promise<Map<string, LabelValue>> {
    const { rows } = await client.query('SELECT id, label FROM pending_labels WHERE model = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE', [model, ids]);
    return new Map(rows.map((row) => [row.id, row.label]));
  }

  /**
   * Inserts pending labels in id order; an id that another call inserted meanwhile is replaced only when
   * `overwrite`. Returns the ids written.
   */
  async upsertPending(client: pg.PoolClient, model: string, labels: Array<{ id: string; label: LabelValue }>, overwrite: boolean): Promise<Set<string>> {
    if (labels.length === 0) return new Set();
    const { rows } = await client.query(
      `INSERT INTO pending_labels AS pl (model, id, label)
       SELECT $1, u.id, u.label FROM unnest($2::text[], $3::jsonb[]) AS u(id, label) ORDER BY u.id
       ON CONFLICT (model, id) DO UPDATE SET label = EXCLUDED.label, received_at = now() WHERE $4::boolean
       RETURNING pl.id`,
      [model, labels.map((l) => l.id), labels.map((l) => JSON.stringify(l.label)), overwrite],
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Takes (deletes and returns) the pending labels of `ids` (logged predictions).
   * Rows the sweep holds are skipped: it is about to join them, and waiting for it could deadlock. With
   * `wait` (one id, as the first statement of its transaction, so nothing is held that could deadlock)
   * the take waits for the holder instead, and finds the row gone if the holder joined it.
   */
  async takePending(client: pg.PoolClient, model: string, ids: string[], wait = false): Promise<Array<{ id: string; label: LabelValue }>> {
    if (ids.length === 0) return [];
    const { rows } = await client.query(
      `DELETE FROM pending_labels pl USING (
          SELECT id FROM pending_labels WHERE model = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE${wait ? '' : ' SKIP LOCKED'}) AS t
        WHERE pl.model = $1 AND pl.id = t.id
        RETURNING pl.id, pl.label`,
      [model, ids],
    );
    return rows.map((row) => ({ id: row.id, label: row.label }));
  }

  /** Takes (deletes and returns) pending labels of `model` whose prediction is now logged. */
  async takeJoinable(client: pg.PoolClient, model: string, limit: number): Promise<Array<{ id: string; label: LabelValue; receivedAt: Date }>> {
    const { rows } = await client.query(
      `DELETE FROM pending_labels pl USING (
          SELECT pl2.model, pl2.id FROM pending_labels pl2 JOIN prediction_ids i ON i.model = pl2.model AND i.id = pl2.id
           WHERE pl2.model = $1 ORDER BY pl2.id LIMIT $2 FOR UPDATE OF pl2 SKIP LOCKED) AS j
        WHERE pl.model = j.model AND pl.id = j.id
        RETURNING pl.id, pl.label, pl.received_at`,
      [model, limit],
    );
    return rows.map((row) => ({ id: row.id, label: row.label, receivedAt: row.received_at }));
  }

  /** Models that have pending labels whose prediction is logged. */
  async modelsWithJoinable(): Promise<string[]> {
    const { rows } = await this.database.pool.query(
      'SELECT DISTINCT pl.model FROM pending_labels pl JOIN prediction_ids i ON i.model = pl.model AND i.id = pl.id',
    );
    return rows.map((row) => row.model);
  }

  /** Drops pending labels older than `cutoff`, counting them per model in `expired_labels`. */
  async expirePending(cutoff: Date): Promise<Map<string, number>> {
    const { rows } = await this.database.pool.query(
      `WITH gone AS (DELETE FROM pending_labels WHERE received_at < $1 RETURNING model),
            counted AS (SELECT model, count(*) AS n FROM gone GROUP BY model)
       INSERT INTO expired_labels AS e (model, count) SELECT model, n FROM counted
       ON CONFLICT (model) DO UPDATE SET count = e.count + EXCLUDED.count
       RETURNING model, (SELECT n FROM counted c WHERE c.model = e.model) AS n`,
      [cutoff],
    );
    return new Map(rows.map((row) => [row.model, Number(row.n)]));
  }

  async counts(model: string): Promise<{ pending: number; expired: number }> {
    const { rows } = await this.database.pool.query(
      `SELECT (SELECT count(*) FROM pending_labels WHERE model = $1) AS pending,
              coalesce((SELECT count FROM expired_labels WHERE model = $1), 0) AS expired`,
      [model],
    );
    return { pending: rows[0].pending, expired: rows[0].expired };
  }
}

/** The JSON parameter of the label inserts: the writes in id order (concurrent inserts take index locks in one order). */
function labelsJson(writes: LabelWrite[]): string {
  return JSON.stringify([...writes].sort(byId).map((w) => ({ id: w.id, ms: w.ts.getTime(), label: w.label, loss: w.loss, p: w.predicted })));
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
