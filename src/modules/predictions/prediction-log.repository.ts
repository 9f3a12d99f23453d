import type pg from 'pg';
import { isUniqueViolation, type Database } from '../../database/database.js';
import type { PredictionRow, PredictionUnit, StoredPrediction } from './prediction.types.js';

const DAY_MS = 86_400_000;

export type UnitOutcome = 'logged' | 'duplicate';

/** An INSERT to run with the rows it is given, in their statement or transaction: `sql(n)` numbers its parameters from $n. */
export interface InsertPart {
  sql: (firstParam: number) => string;
  params: unknown[];
}

/** Work that must commit together with the rows it is given (the aggregates), as one more INSERT. */
export type AfterInsert = (rows: PredictionRow[]) => InsertPart | undefined;

/**
 * The longest a log write may take before its rows go to the spool instead (PostgreSQL stopped
 * answering without refusing): requests wait for their batch, so this bounds their latency in an
 * outage. A write that did commit after all is found at replay (its ids are taken) and not repeated.
 */
const LOG_WRITE_TIMEOUT_MS = 5_000;

/** All I/O on the prediction log tables (`predictions`, partitioned by day, and `prediction_ids`). */
export class PredictionLogRepository {
  private readonly knownPartitions = new Set<string>();
  private readonly statementNames = new Map<string, string>();
  private labelsSwept = false;

  constructor(private readonly database: Database) {}

  /**
   * Appends units: ids, predictions and `afterInsert` in one statement (its own transaction, one round
   * trip; the rows as one JSON parameter, see `rowsJson`), and — only when an id is already logged,
   * which makes that statement fail whole — again in a transaction where a unit any of whose ids is
   * already logged is left out whole and reported as a duplicate.
   */
  async appendBatch(units: PredictionUnit[], afterInsert?: AfterInsert): Promise<UnitOutcome[]> {
    const rows = units.flat();
    await this.ensurePartitions(rows.map((row) => row.ts));
    try {
      await this.insertAll(rows, afterInsert?.(rows));
      return units.map(() => 'logged');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return this.database.transaction(async (client) => {
      const inserted = await this.insertIds(client, rows);
      const outcomes: UnitOutcome[] = units.map((unit) => (unit.every((row) => inserted.has(key(row))) ? 'logged' : 'duplicate'));
      const kept = units.filter((_, i) => outcomes[i] === 'logged').flat();
      if (kept.length !== rows.length) {
        const orphans = units.filter((_, i) => outcomes[i] === 'duplicate').flat().filter((row) => inserted.has(key(row)));
        if (orphans.length > 0) {
          await client.query('DELETE FROM prediction_ids p USING unnest($1::text[], $2::text[]) AS d(model, id) WHERE p.model = d.model AND p.id = d.id', [
            orphans.map((row) => row.model),
            orphans.map((row) => row.id),
          ]);
        }
      }
      if (kept.length > 0) {
        await this.insertPredictions(client, kept);
        const part = afterInsert?.(kept);
        if (part) await client.query(part.sql(1), part.params);
      }
      return outcomes;
    });
  }

  async findById(model: string, id: string): Promise<StoredPrediction | undefined> {
    const { rows } = await this.database.pool.query(
      `SELECT p.model, p.id, p.version, p.ts, p.features, p.output, p.segments, l.label, l.loss, l.labeled_at,
              l.id IS NULL AND EXISTS (SELECT 1 FROM pending_labels w WHERE w.model = i.model AND w.id = i.id) AS pending
         FROM prediction_ids i JOIN predictions p ON p.model = i.model AND p.id = i.id AND p.ts = i.ts
         LEFT JOIN labels l ON l.model = i.model AND l.id = i.id
        WHERE i.model = $1 AND i.id = $2`,
      [model, id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      model: row.model,
      id: row.id,
      version: row.version,
      ts: row.ts,
      features: row.features,
      output: row.output,
      segments: row.segments,
      label: row.label,
      loss: row.loss,
      labeledAt: row.labeled_at,
      labelPending: row.pending,
    };
  }

  async countForModel(model: string): Promise<number> {
    const { rows } = await this.database.pool.query('SELECT count(*) AS n FROM predictions WHERE model = $1', [model]);
    return rows[0].n;
  }

  /** Creates the daily partitions that hold `timestamps` (idempotent, safe between replicas). */
  async ensurePartitions(timestamps: Date[]): Promise<void> {
    const days = new Set(timestamps.map((ts) => Math.floor(ts.getTime() / DAY_MS)));
    for (const day of days) {
      const name = partitionName(day);
      if (this.knownPartitions.has(name)) continue;
      const from = new Date(day * DAY_MS).toISOString();
      const to = new Date((day + 1) * DAY_MS).toISOString();
      try {
        await this.database.pool.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF predictions FOR VALUES FROM ('${from}') TO ('${to}')`);
      } catch (error) {
        // Another replica created it between our check and our CREATE.
        if (!isUniqueViolation(error) && (error as { code?: string }).code !== '42P07') throw error;
      }
      this.knownPartitions.add(name);
    }
  }

  /** Drops the daily partitions wholly older than `cutoff`, and their ids and labels. Returns the dropped names. */
  async dropPartitionsBefore(cutoff: Date): Promise<string[]> {
    const { rows } = await this.database.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'predictions'::regclass`,
    );
    const cutoffDay = Math.floor(cutoff.getTime() / DAY_MS);
    const dropped: string[] = [];
    for (const { name } of rows) {
      const match = /^predictions_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (!match) continue;
      const day = Math.floor(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS);
      if (day + 1 > cutoffDay) continue;
      await this.database.pool.query(`DROP TABLE IF EXISTS ${name}`);
      this.knownPartitions.delete(name);
      dropped.push(name);
    }
    // The labels of dropped days (a full scan of the narrow table: when days were dropped, and once
    // per process for a drop cut short by a crash).
    if (dropped.length > 0 || !this.labelsSwept) {
      await this.database.pool.query('DELETE FROM labels WHERE ts < $1', [new Date(cutoffDay * DAY_MS)]);
      this.labelsSwept = true;
    }
    await this.database.pool.query('DELETE FROM prediction_ids WHERE ts < $1', [new Date(cutoffDay * DAY_MS)]);
    return dropped;
  }

  /** Ids, predictions and `part` in one statement: data-modifying CTEs all run, and commit or fail together. */
  private async insertAll(rows: PredictionRow[], part: InsertPart | undefined): Promise<void> {
    const params: unknown[] = [rowsJson(rows)];
    const extra = part ? `, part AS (${part.sql(params.length + 1)} RETURNING 1)` : '';
    if (part) params.push(...part.params);
    const text = `WITH r AS MATERIALIZED (${ROWS}), ids AS (${INSERT_IDS} RETURNING 1), logged AS (${INSERT_ROWS} RETURNING 1)${extra} SELECT 1`;
    await this.database.pool.query({ name: this.statementName(text), query_timeout: LOG_WRITE_TIMEOUT_MS, text, values: params } as pg.QueryConfig);
  }

  /**
   * A named (prepared) statement per distinct text: each connection parses and plans it once instead of
   * per batch, which was about half of PostgreSQL's CPU per log write at the batch sizes of group commit.
   */
  private statementName(text: string): string {
    let name = this.statementNames.get(text);
    if (name === undefined) this.statementNames.set(text, (name = `plumbline_log_${this.statementNames.size + 1}`));
    return name;
  }

  private async insertIds(client: pg.PoolClient, rows: PredictionRow[]): Promise<Set<string>> {
    const { rows: inserted } = await client.query<{ model: string; id: string }>(`WITH r AS (${ROWS}) ${INSERT_IDS} ON CONFLICT DO NOTHING RETURNING model, id`, [rowsJson(rows)]);
    return new Set(inserted.map(key));
  }

  private async insertPredictions(client: pg.PoolClient, rows: PredictionRow[]): Promise<void> {
    await client.query(`WITH r AS (${ROWS}) ${INSERT_ROWS}`, [rowsJson(rows)]);
  }
}

/**
 * The rows as the one parameter of ROWS: a JSON array of small objects, written by one native
 * JSON.stringify (the driver's per-element escaping of several text/jsonb arrays was the largest cost of
 * a log write on the event loop, which is what limits inference throughput). Times in epoch ms.
 */
function rowsJson(rows: PredictionRow[]): string {
  return JSON.stringify(rows.map((row) => ({ m: row.model, i: row.id, t: row.ts.getTime(), v: row.version, f: row.features, o: row.output, s: row.segments })));
}

/**
 * The rows of `rowsJson($1)`, as `r` (a JSON null becomes SQL NULL there: an output of null stays the
 * JSON null it was). The text is parsed once, as jsonb: `json_to_recordset` parses each row's
 * features, output and segments a second time to make them jsonb (the log insert, PostgreSQL CPU per
 * row: 11.4 instead of 13.3 µs at 25 rows per statement, 7.3 instead of 12.3 µs at 250).
 */
const ROWS = `SELECT r.m AS model, r.i AS id, to_timestamp(r.t / 1000) AS ts, r.v AS version, r.f AS features,
       coalesce(r.o, 'null') AS output, r.s AS segments
  FROM jsonb_to_recordset($1::jsonb) AS r(m text, i text, t float8, v int, f jsonb, o jsonb, s jsonb)`;

// Ids in key order: concurrent batches take their index locks in the same order (no deadlock). With each id,
// what a label needs of its prediction (the label path reads it here alone: see READ_PREDICTIONS).
const INSERT_IDS = `INSERT INTO prediction_ids (model, id, ts, version, output, segments) SELECT model, id, ts, version, output, segments FROM r ORDER BY model, id`;
const INSERT_ROWS = `INSERT INTO predictions (model, id, version, ts, features, output, segments)
  SELECT model, id, version, ts, features, output, segments FROM r`;

function key(row: { model: string; id: string }): string {
  return `${row.model}\u0000${row.id}`;
}

function partitionName(day: number): string {
  return `predictions_p${new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

