import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createPool, Database, MIGRATIONS_DIR } from '../../src/database/database.js';
import { applyMigrations, readMigrations } from '../../src/database/migrator.js';
import { PlumblineMetrics } from '../../src/monitoring/metrics.registry.js';
import { PredictionLogRepository } from '../../src/modules/predictions/prediction-log.repository.js';
import { PredictionLogWriter, type AppendOutcome, type LogMode } from '../../src/modules/predictions/prediction-log.writer.js';
import { PredictionSpool } from '../../src/modules/predictions/prediction-spool.js';
import type { PredictionUnit } from '../../src/modules/predictions/prediction.types.js';
import { uniqueId } from '../helpers/app.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const quiet = () => undefined;

function unit(model: string, ids: string[], ts = new Date()): PredictionUnit {
  return ids.map((id, i) => ({ model, id, version: 1, ts, features: { x: i, note: 'ünïcode "quoted" \\ back' }, output: [0.25, 0.75], segments: { region: 'eu' } }));
}

describe('prediction log (real PostgreSQL)', () => {
  let database: Database;
  let repository: PredictionLogRepository;

  beforeAll(async () => {
    const url = inject('databaseUrl');
    database = new Database(createPool(url), url, false);
    await applyMigrations(database.pool, readMigrations(MIGRATIONS_DIR), quiet);
    repository = new PredictionLogRepository(database);
  });
  afterAll(() => database.close());

  function writer(mode: LogMode, spoolDir = mkdtempSync(join(tmpdir(), 'spool-')), repo = repository, metrics = new PlumblineMetrics()) {
    const spool = new PredictionSpool(join(spoolDir, 'predictions.ndjson'));
    return { writer: new PredictionLogWriter(repo, spool, metrics, { mode, maxBatchRows: 5000, writers: 3, replayIntervalMs: 50, log: quiet }), spool, metrics };
  }

  async function count(model: string): Promise<number> {
    return repository.countForModel(model);
  }

  /** Ids of `model` whose copy of version, output and segments (for the label path) differs from their logged prediction, or that have none. */
  async function idCopiesAstray(model: string): Promise<number> {
    const { rows } = await database.pool.query(
      `SELECT count(*)::int AS n FROM prediction_ids i LEFT JOIN predictions p ON p.model = i.model AND p.id = i.id AND p.ts = i.ts
        WHERE i.model = $1 AND (p.id IS NULL OR i.version IS DISTINCT FROM p.version OR i.output IS DISTINCT FROM p.output OR i.segments IS DISTINCT FROM p.segments)`,
      [model],
    );
    return rows[0].n;
  }

  /** The repository, recording how many rows each batch it writes holds. */
  function recording(): { counting: PredictionLogRepository; batches: number[] } {
    const batches: number[] = [];
    const counting = Object.create(repository) as PredictionLogRepository;
    counting.appendBatch = (units, afterInsert) => {
      batches.push(units.flat().length);
      return repository.appendBatch(units, afterInsert);
    };
    return { counting, batches };
  }

  it('group commit: every acknowledged row is in the table, and concurrent requests share transactions', async () => {
    const model = uniqueId('gc');
    const { counting, batches } = recording();
    const { writer: log } = writer('group', undefined, counting);
    const outcomes = await Promise.all(Array.from({ length: 400 }, (_, i) => log.append(unit(model, [`r${i}-a`, `r${i}-b`, `r${i}-c`]))));
    expect(outcomes.every((outcome) => outcome === 'logged')).toBe(true);
    expect(await count(model)).toBe(1200);
    expect(batches.length).toBeLessThan(400);
    const stored = await repository.findById(model, 'r7-b');
    expect(stored?.features).toEqual({ x: 1, note: 'ünïcode "quoted" \\ back' });
    expect(stored?.segments).toEqual({ region: 'eu' });
    expect(stored?.output).toEqual([0.25, 0.75]);
  });

  it('group commit takes its batch at the end of the event-loop turn: the appends of the turn, and of the setImmediate callbacks before it (where models run), share one transaction', async () => {
    const model = uniqueId('turn');
    const { counting, batches } = recording();
    const { writer: log } = writer('group', undefined, counting);
    // Stands for a model run that ends in this turn: onnxruntime-node runs a session in a setImmediate.
    const modelRun = new Promise<AppendOutcome>((resolve) => setImmediate(() => resolve(log.append(unit(model, ['run'])))));
    const outcomes = await Promise.all([log.append(unit(model, ['a'])), log.append(unit(model, ['b', 'c'])), modelRun]);
    expect(outcomes).toEqual(['logged', 'logged', 'logged']);
    expect(batches).toEqual([4]);
  });

  it('a request whose id is already logged is refused whole, and nothing of it is stored', async () => {
    const model = uniqueId('dup');
    const { writer: log } = writer('group');
    expect(await log.append(unit(model, ['a']))).toBe('logged');
    const [first, second, third] = await Promise.all([
      log.append(unit(model, ['b', 'a'])),
      log.append(unit(model, ['c'])),
      log.append(unit(model, ['c', 'd'])),
    ]);
    // ['c'] and ['c', 'd'] race (they may be in one batch or in two concurrent ones): exactly one wins.
    expect(first).toBe('duplicate');
    expect([second, third].sort()).toEqual(['duplicate', 'logged']);
    expect(await count(model)).toBe(second === 'logged' ? 2 : 3);
    expect(await repository.findById(model, 'b')).toBeUndefined();
    if (second === 'logged') expect(await repository.findById(model, 'd')).toBeUndefined();
    // The ids of the refused requests are free again.
    expect(await log.append(unit(model, second === 'logged' ? ['b', 'd'] : ['b']))).toBe('logged');
    // Written on both paths (one statement, and the transaction that sorts out duplicates), every id carries its prediction's copy.
    expect(await idCopiesAstray(model)).toBe(0);
  });

  it('async mode answers before the commit and still writes every row', async () => {
    const model = uniqueId('async');
    const { writer: log } = writer('async');
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(unit(model, [`r${i}`]))));
    expect(outcomes.every((outcome) => outcome === 'logged')).toBe(true);
    await log.drain();
    expect(await count(model)).toBe(50);
  });

  it('spools while PostgreSQL is unreachable and replays in order when it is back', async () => {
    const model = uniqueId('spool');
    const target = new URL(inject('databaseUrl'));
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const proxied = new URL(target);
    proxied.port = String(proxy.port);
    const outage = new Database(createPool(proxied.toString()), proxied.toString(), false);
    const { writer: log, spool, metrics } = writer('group', undefined, new PredictionLogRepository(outage));
    try {
      expect(await log.append(unit(model, ['before']))).toBe('logged');
      await proxy.stop();
      const during = await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(unit(model, [`down${i}`, `down${i}-2`]))));
      expect(during.every((outcome) => outcome === 'spooled')).toBe(true);
      expect(log.databaseReachable).toBe(false);
      expect(spool.waiting.get(model)).toBe(60);
      expect((await metrics.spooledRows.get()).values.find((v) => v.labels.model === model)?.value).toBe(60);

      await proxy.start();
      const after = await log.append(unit(model, ['after']));
      expect(['logged', 'spooled']).toContain(after);
      await expect.poll(() => spool.empty, { timeout: 10_000 }).toBe(true);
      await log.drain();
      expect(await count(model)).toBe(62);
      expect((await metrics.spooledRows.get()).values.find((v) => v.labels.model === model)?.value).toBe(0);
      // Replayed in order: the spooled rows were committed before the row sent after the outage.
      const { rows } = await database.pool.query('SELECT id FROM predictions WHERE model = $1 ORDER BY ctid', [model]);
      expect(rows.map((row) => row.id).indexOf('after')).toBe(rows.length - 1);
    } finally {
      log.close();
      await proxy.stop();
      await outage.close();
    }
  });

  it('async mode answers at once until 4 batches of rows wait uncommitted; past that a request waits for its commit', async () => {
    const model = uniqueId('bounded');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = Object.create(repository) as PredictionLogRepository;
    slow.appendBatch = async (units, afterInsert) => {
      await gate;
      return repository.appendBatch(units, afterInsert);
    };
    const spool = new PredictionSpool(join(mkdtempSync(join(tmpdir(), 'spool-')), 'predictions.ndjson'));
    const log = new PredictionLogWriter(slow, spool, new PlumblineMetrics(), { mode: 'async', maxBatchRows: 10, writers: 1, replayIntervalMs: 50, log: quiet });
    // The first 10 rows make a whole batch (taken at once, no linger), which sticks; then 40 rows may wait: 50 answered at once.
    const early = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(unit(model, [`e${i}`]))));
    expect(early.every((outcome) => outcome === 'logged')).toBe(true);
    let answered = false;
    const late = log.append(unit(model, ['late'])).then((outcome) => ((answered = true), outcome));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    open();
    expect(await late).toBe('logged');
    await log.drain();
    log.close();
    spool.close();
    expect(await count(model)).toBe(51);
  });

  it('async mode answers the appends of one event-loop turn together, at its end', async () => {
    const model = uniqueId('turn');
    const { writer: log } = writer('async');
    const answered: number[] = [];
    const appends = Array.from({ length: 5 }, (_, i) => log.append(unit(model, [`t${i}`])).then(() => answered.push(i)));
    await Promise.resolve();
    await Promise.resolve();
    expect(answered).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toEqual([0, 1, 2, 3, 4]);
    await Promise.all(appends);
    await log.drain();
    expect(await count(model)).toBe(5);
  });

  it('async mode lets a few rows linger into one transaction, takes a whole batch at once, and drain writes what lingers', async () => {
    const model = uniqueId('linger');
    const { counting, batches } = recording();
    const spool = new PredictionSpool(join(mkdtempSync(join(tmpdir(), 'spool-')), 'predictions.ndjson'));
    const log = new PredictionLogWriter(counting, spool, new PlumblineMetrics(), { mode: 'async', maxBatchRows: 10, writers: 2, replayIntervalMs: 50, log: quiet });
    // Three requests of one turn and two of the next: answered, not written yet, then written together
    // after the linger (in one transaction, unless this machine stalled for the 10 ms between the turns).
    await Promise.all([0, 1, 2].map((i) => log.append(unit(model, [`a${i}`]))));
    expect(batches).toEqual([]);
    await Promise.all([3, 4].map((i) => log.append(unit(model, [`a${i}`]))));
    await expect.poll(() => count(model), { timeout: 5_000 }).toBe(5);
    expect(batches.length).toBeLessThanOrEqual(2);
    batches.length = 0;
    // A whole batch is taken at once.
    await log.append(unit(model, Array.from({ length: 10 }, (_, i) => `b${i}`)));
    expect(batches).toEqual([10]);
    // drain (and close, at shutdown) writes lingering rows without waiting.
    await log.append(unit(model, ['c0']));
    await log.drain();
    expect(batches).toEqual([10, 1]);
    expect(await count(model)).toBe(16);
    log.close();
    spool.close();
  });

  it('keeps what the rows carry through the one JSON parameter: millisecond timestamps, a null output, unicode and quotes', async () => {
    const model = uniqueId('json');
    const ts = new Date('2026-11-27T10:11:12.345Z');
    const { writer: log } = writer('group');
    const rows = unit(model, ['j1'], ts).map((row) => ({ ...row, output: null, segments: { region: 'ü "q" \\ \u2028' } }));
    expect(await log.append(rows)).toBe('logged');
    const stored = await repository.findById(model, 'j1');
    expect(stored?.ts.toISOString()).toBe(ts.toISOString());
    expect(stored?.output).toBeNull();
    expect(stored?.segments).toEqual({ region: 'ü "q" \\ \u2028' });
    expect(stored?.features).toEqual({ x: 0, note: 'ünïcode "quoted" \\ back' });
    expect(await idCopiesAstray(model)).toBe(0);
  });

  it('after close (shutdown) an append is refused with 503 SHUTTING_DOWN, in both modes, and what was queued before is still written', async () => {
    for (const mode of ['group', 'async'] as const) {
      const model = uniqueId(`closed-${mode}`);
      const { writer: log, spool } = writer(mode);
      const queued = log.append(unit(model, ['q1', 'q2']));
      log.close();
      await expect(log.append(unit(model, ['late']))).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
      await log.drain();
      expect(await queued).toBe('logged');
      spool.close();
      expect(await count(model)).toBe(2);
    }
  });

  it('a spool left by a crashed process is replayed by the next one, and a torn last line is dropped', async () => {
    const model = uniqueId('crash');
    const directory = mkdtempSync(join(tmpdir(), 'spool-'));
    const path = join(directory, 'predictions.ndjson');
    const lines = [unit(model, ['x1']), unit(model, ['x2', 'x3'])].map((u) => JSON.stringify(u)).join('\n');
    writeFileSync(path, `${lines}\n[{"model":"${model}","id":"torn`);
    const spool = new PredictionSpool(path);
    expect(spool.waiting.get(model)).toBe(3);
    spool.append([unit(model, ['x4'])]);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    const log = new PredictionLogWriter(repository, spool, new PlumblineMetrics(), { mode: 'group', maxBatchRows: 5000, writers: 3, replayIntervalMs: 50, log: quiet });
    await expect.poll(() => spool.empty, { timeout: 10_000 }).toBe(true);
    log.close();
    expect(await count(model)).toBe(4);
  });

  it('creates daily partitions on demand and drops those past retention', async () => {
    const model = uniqueId('old');
    const longAgo = new Date('2001-02-03T10:00:00Z');
    const { writer: log } = writer('group');
    expect(await log.append(unit(model, ['old-1'], longAgo))).toBe('logged');
    expect((await repository.findById(model, 'old-1'))?.ts.toISOString()).toBe(longAgo.toISOString());
    await database.pool.query(`INSERT INTO labels (model, id, ts, label, loss, labeled_at) VALUES ($1, 'old-1', $2, '"yes"', 0.5, now())`, [model, longAgo]);
    expect((await repository.findById(model, 'old-1'))?.label).toBe('yes');
    const dropped = await repository.dropPartitionsBefore(new Date('2001-02-05T00:00:00Z'));
    expect(dropped).toContain('predictions_p20010203');
    expect(await repository.findById(model, 'old-1')).toBeUndefined();
    // Its label goes with it: an id logged again later must not inherit it.
    expect((await database.pool.query('SELECT count(*)::int AS n FROM labels WHERE model = $1', [model])).rows[0].n).toBe(0);
  });
});

/** Runs `work` on a new, empty database of the test server, dropped afterwards. */
async function withScratchDatabase(tag: string, work: (pool: pg.Pool) => Promise<void>): Promise<void> {
  const admin = createPool(inject('databaseUrl'));
  const name = `plumbline_${tag}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  const pool = createPool(url.toString());
  try {
    await work(pool);
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  }
}

/** Applies the migrations before `migration`, and makes the log's partition of `day` (YYYY-MM-DD); returns all migrations. */
async function migrateUpTo(pool: pg.Pool, migration: string, day: string) {
  const migrations = readMigrations(MIGRATIONS_DIR);
  await applyMigrations(pool, migrations.filter((m) => m.name < migration), quiet);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
  await pool.query(`CREATE TABLE predictions_p${day.replaceAll('-', '')} PARTITION OF predictions FOR VALUES FROM ('${day}T00:00:00Z') TO ('${next}')`);
  return migrations;
}

describe('migrator', () => {
  it('applies prisma/migrations once, bookkept in _prisma_migrations with sha256 checksums', () =>
    withScratchDatabase('migrate', async (pool) => {
      const migrations = readMigrations(MIGRATIONS_DIR);
      expect(await applyMigrations(pool, migrations, quiet)).toEqual(migrations.map((m) => m.name));
      expect(await applyMigrations(pool, migrations, quiet)).toEqual([]);
      const { rows } = await pool.query('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"');
      expect(rows).toHaveLength(migrations.length);
      expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0].finished_at).not.toBeNull();
    }));

  it('moves the labels written into the prediction log before 20261128050000_labels into the labels table', () =>
    withScratchDatabase('migrate_labels', async (pool) => {
      const migrations = await migrateUpTo(pool, '20261128050000_labels', '2026-11-27');
      await pool.query(
        `INSERT INTO predictions (model, id, version, ts, features, output, segments, label, loss, labeled_at) VALUES
           ('m', 'a', 1, '2026-11-27T10:00:00.123456Z', '{}', '[0.2, 0.8]', '{}', '"yes"', 0.223, '2026-11-27T12:00:00Z'),
           ('m', 'b', 1, '2026-11-27T11:00:00Z', '{}', '[0.6, 0.4]', '{}', NULL, NULL, NULL)`,
      );
      await applyMigrations(pool, migrations, quiet);
      const { rows } = await pool.query(`SELECT model, id, ts, label, loss, labeled_at FROM labels`);
      expect(rows).toEqual([{ model: 'm', id: 'a', ts: new Date('2026-11-27T10:00:00.123Z'), label: 'yes', loss: 0.223, labeled_at: new Date('2026-11-27T12:00:00Z') }]);
      const columns = await pool.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'predictions' ORDER BY ordinal_position`);
      expect(columns.rows.map((row) => row.column_name)).toEqual(['model', 'id', 'version', 'ts', 'features', 'output', 'segments']);
    }));

  it('copies what a label needs of each logged prediction into prediction_ids (20261206120000), and drops ids whose prediction is gone', () =>
    withScratchDatabase('migrate_ids', async (pool) => {
      const migrations = await migrateUpTo(pool, '20261206120000_prediction_ids_output', '2026-12-05');
      await pool.query(
        `INSERT INTO predictions (model, id, version, ts, features, output, segments) VALUES
           ('m', 'a', 2, '2026-12-05T10:00:00.123456Z', '{"x": 1}', '[0.2, 0.8]', '{"region": "eu"}'),
           ('n', 'a', 1, '2026-12-05T11:00:00Z', '{"x": 2}', '3.5', '{}')`,
      );
      await pool.query(
        `INSERT INTO prediction_ids (model, id, ts) VALUES
           ('m', 'a', '2026-12-05T10:00:00.123456Z'), ('n', 'a', '2026-12-05T11:00:00Z'), ('m', 'gone', '2026-12-04T09:00:00Z')`,
      );
      await applyMigrations(pool, migrations, quiet);
      const { rows } = await pool.query(`SELECT model, id, version, output, segments FROM prediction_ids ORDER BY model, id`);
      expect(rows).toEqual([
        { model: 'm', id: 'a', version: 2, output: [0.2, 0.8], segments: { region: 'eu' } },
        { model: 'n', id: 'a', version: 1, output: 3.5, segments: {} },
      ]);
      const nullable = await pool.query(`SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'prediction_ids' AND column_name IN ('version', 'output', 'segments')`);
      expect(nullable.rows.map((row) => row.is_nullable)).toEqual(['NO', 'NO', 'NO']);
    }));
});
