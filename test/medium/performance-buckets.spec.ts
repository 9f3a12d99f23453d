import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, Database, MIGRATIONS_DIR } from '../../src/database/database.js';
import { applyMigrations, readMigrations } from '../../src/database/migrator.js';
import { emptySums, type PerformanceSums } from '../../src/monitoring/performance/performance-sums.js';
import type { BucketDelta } from '../../src/modules/performance/performance-deltas.js';
import { PerformanceRepository, SUBSCRIPT_CELLS } from '../../src/modules/performance/performance.repository.js';
import { uniqueId } from '../helpers/app.js';

const quiet = () => undefined;
const BUCKET = new Date('2026-11-20T10:00:00Z');

function delta(model: string, segmentValue: string, sums: Partial<PerformanceSums>, bucket = BUCKET): BucketDelta {
  return { model, version: 1, bucket, segmentKey: segmentValue === '' ? '' : 'gender', segmentValue, overall: false, sums: { ...emptySums(2), ...sums } };
}

describe('performance_buckets.predicted (real PostgreSQL)', () => {
  let database: Database;
  let repository: PerformanceRepository;

  beforeAll(async () => {
    const url = inject('databaseUrl');
    database = new Database(createPool(url), url, false);
    await applyMigrations(database.pool, readMigrations(MIGRATIONS_DIR), quiet);
    repository = new PerformanceRepository(database);
  });
  afterAll(() => database.close());

  const compactAll = async () => {
    while ((await repository.compact()) > 0);
  };

  it('is added element-wise when deltas are folded into a bucket, and summed element-wise over a window (folded or not), like confusion', async () => {
    const model = uniqueId('pred');
    const window = { model, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z'), segmentKey: 'gender' };
    await database.transaction((client) => repository.append(client, [delta(model, 'f', { count: 3, predicted: [1, 2] }), delta(model, 'm', { count: 1, predicted: [0, 1] })]));
    await compactAll();
    // The same row again (folded: the conflict path), then deltas not folded yet: a label delta (zeros in predicted), and another bucket.
    await database.transaction((client) => repository.append(client, [delta(model, 'f', { count: 2, predicted: [2, 0] })]));
    await compactAll();
    await database.transaction((client) => repository.append(client, [delta(model, 'f', { labeled: 1, confusion: [0, 1, 0, 0] })]));
    await database.transaction((client) => repository.append(client, [delta(model, 'f', { count: 1, predicted: [0, 1] }, new Date('2026-11-20T11:00:00Z'))]));
    const sums = await repository.sumWindow(window, 2);
    expect(sums.get('f')).toMatchObject({ count: 6, labeled: 1, predicted: [3, 3], confusion: [0, 1, 0, 0] });
    expect(sums.get('m')).toMatchObject({ count: 1, predicted: [0, 1] });
  });

  it('folds running at once (several processes sharing the database) fold each delta exactly once', async () => {
    const model = uniqueId('folds');
    const window = { model, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z'), segmentKey: 'gender' };
    const minutes = Array.from({ length: 30 }, (_, i) => new Date(BUCKET.getTime() + i * 60_000));
    await Promise.all(
      Array.from({ length: 40 }, (_, call) =>
        database.transaction((client) => repository.append(client, minutes.map((bucket, i) => delta(model, i % 2 ? 'f' : 'm', { labeled: 1, lossSum: call, confusion: [1, 0, 0, i % 3] }, bucket)))),
      ),
    );
    // Small chunks, four folds at a time, while the test's other servers fold too.
    const fold = async () => {
      while ((await repository.compact(37)) > 0);
    };
    await Promise.all([fold(), fold(), fold(), fold()]);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM performance_deltas WHERE model = $1', [model]);
    expect(rows[0].n).toBe(0);
    // The scheduler's vacuum of the two tables runs outside a transaction, beside the other tests' folds.
    await repository.vacuum();
    const sums = await repository.sumWindow(window, 2);
    // 40 calls × 15 minutes per value; loss 0 + 1 + … + 39 per minute; confusion[3] counts the minutes i ≡ 1, 2 (mod 3), twice.
    expect(sums.get('f')).toMatchObject({ labeled: 600, lossSum: 15 * 780, confusion: [600, 0, 0, 40 * (5 * 1 + 5 * 2 + 5 * 0)] });
    expect(sums.get('m')).toMatchObject({ labeled: 600, lossSum: 15 * 780, confusion: [600, 0, 0, 40 * (5 * 0 + 5 * 1 + 5 * 2)] });
  });

  it('a delta appended by a transaction still open during a fold (a lower id than the deltas folded) is left for a later fold, and counted once', async () => {
    const model = uniqueId('open');
    const window = { model, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z'), segmentKey: 'gender' };
    const open = await database.pool.connect();
    try {
      await open.query('BEGIN');
      await repository.append(open, [delta(model, 'f', { labeled: 1, lossSum: 1, confusion: [1, 0, 0, 0] })]);
      await database.transaction((client) => repository.append(client, [delta(model, 'f', { labeled: 1, lossSum: 2, confusion: [0, 0, 0, 1] })]));
      await compactAll();
      const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM performance_deltas WHERE model = $1', [model]);
      expect(rows[0].n).toBe(0);
      expect((await repository.sumWindow(window, 2)).get('f')).toMatchObject({ labeled: 1, lossSum: 2, confusion: [0, 0, 0, 1] });
      await open.query('COMMIT');
    } finally {
      open.release();
    }
    expect((await repository.sumWindow(window, 2)).get('f')).toMatchObject({ labeled: 2, lossSum: 3, confusion: [1, 0, 0, 1] });
    await compactAll();
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM performance_deltas WHERE model = $1', [model]);
    expect(rows[0].n).toBe(0);
    expect((await repository.sumWindow(window, 2)).get('f')).toMatchObject({ labeled: 2, lossSum: 3, confusion: [1, 0, 0, 1] });
  });

  it('plumbline_add_cells adds element-wise (an empty array adds nothing, the longer input sets the length), and so does plumbline_sum_cells', async () => {
    const { rows } = await database.pool.query(
      `SELECT plumbline_add_cells('{1,2,3}', '{10,20,30}')::float8[] AS same, plumbline_add_cells('{}', '{4,5}')::float8[] AS left_empty,
              plumbline_add_cells('{4,5}', '{}')::float8[] AS right_empty, plumbline_add_cells('{1,2}', '{1,2,3}')::float8[] AS longer,
              plumbline_add_cells('{-1,0}', '{1,7}')::float8[] AS negative, plumbline_sum_cells(x)::float8[] AS summed
         FROM (VALUES ('{1,1}'::bigint[]), ('{}'), ('{2,3}')) AS v(x)`,
    );
    expect(rows[0]).toEqual({ same: [11, 22, 33], left_empty: [4, 5], right_empty: [4, 5], longer: [2, 4, 3], negative: [0, 7], summed: [3, 4] });
  });

  it('a delta that also counts overall adds to its segment and to the overall row, before and after the fold', async () => {
    const model = uniqueId('overall');
    const window = (segmentKey: string) => ({ model, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z'), segmentKey });
    await database.transaction((client) =>
      repository.append(client, [
        { ...delta(model, 'f', { count: 2, lossSum: 0.5, predicted: [1, 1] }), overall: true },
        { ...delta(model, 'm', { count: 1, predicted: [0, 1] }), overall: true },
        { ...delta(model, 'm', { labeled: 1, lossSum: 0.25, confusion: [0, 0, 0, 1] }), segmentKey: 'age', segmentValue: 'old' },
        // The same segment row, not counted overall: the fold merges it with the one above under 'f' only.
        delta(model, 'f', { count: 5, lossSum: 1, predicted: [2, 3] }),
      ]),
    );
    const check = async () => {
      expect((await repository.sumWindow(window(''), 2)).get('')).toMatchObject({ count: 3, labeled: 0, lossSum: 0.5, predicted: [1, 2] });
      const gender = await repository.sumWindow(window('gender'), 2);
      expect(gender.get('f')).toMatchObject({ count: 7, lossSum: 1.5, predicted: [3, 4] });
      expect(gender.get('m')).toMatchObject({ count: 1, predicted: [0, 1] });
      expect((await repository.sumWindow(window('age'), 2)).get('old')).toMatchObject({ labeled: 1, lossSum: 0.25, confusion: [0, 0, 0, 1] });
    };
    await check();
    await compactAll();
    await check();
    const { rows } = await database.pool.query(`SELECT segment_key, segment_value, count::int FROM performance_buckets WHERE model = $1 ORDER BY 1, 2`, [model]);
    expect(rows).toEqual([
      { segment_key: '', segment_value: '', count: 3 },
      { segment_key: 'age', segment_value: 'old', count: 0 },
      { segment_key: 'gender', segment_value: 'f', count: 7 },
      { segment_key: 'gender', segment_value: 'm', count: 1 },
    ]);
  });

  it("a folded row's updated_at is the newest created_at of the deltas it counts, under its segment and overall", async () => {
    const model = uniqueId('updated');
    const appended = async (rows: BucketDelta[]) => {
      await database.transaction((client) => repository.append(client, rows));
      const { rows: times } = await database.pool.query(`SELECT max(created_at) AS at FROM performance_deltas WHERE model = $1`, [model]);
      return (times[0].at as Date).getTime();
    };
    const first = await appended([{ ...delta(model, 'f', { count: 1 }), overall: true }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Later, and under 'f' only.
    const second = await appended([delta(model, 'f', { count: 1 })]);
    expect(second).toBeGreaterThan(first);
    await compactAll();
    const { rows } = await database.pool.query(`SELECT segment_key, count::int, updated_at FROM performance_buckets WHERE model = $1 ORDER BY 1`, [model]);
    expect(rows.map((row) => [row.segment_key, row.count, row.updated_at.getTime()])).toEqual([
      ['', 1, first],
      ['gender', 2, second],
    ]);
  });

  it("rows written before the column existed ('{}') add nothing, and take the first real array on conflict", async () => {
    const model = uniqueId('pred-old');
    await database.pool.query(
      `INSERT INTO performance_buckets (model, version, bucket, segment_key, segment_value, count, predicted) VALUES
         ($1, 1, $2, '', '', 5, '{}'), ($1, 1, $3, '', '', 4, '{}')`,
      [model, BUCKET, new Date('2026-11-20T12:00:00Z')],
    );
    await database.transaction((client) => repository.append(client, [delta(model, '', { count: 2, predicted: [1, 1] })]));
    await compactAll();
    const { rows } = await database.pool.query(`SELECT bucket, predicted::float8[] AS predicted FROM performance_buckets WHERE model = $1 ORDER BY bucket`, [model]);
    expect(rows.map((row) => row.predicted)).toEqual([[1, 1], []]);
    const sums = await repository.sumWindow({ model, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z'), segmentKey: '' }, 2);
    expect(sums.get('')).toMatchObject({ count: 11, predicted: [1, 1] });
  });

  it('a window with no array cells at all gives zeros of length K', async () => {
    const model = uniqueId('pred-none');
    await database.pool.query(`INSERT INTO performance_buckets (model, version, bucket, segment_key, segment_value, count) VALUES ($1, 1, $2, '', '', 5)`, [model, BUCKET]);
    const sums = await repository.sumWindow({ model, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z'), segmentKey: '' }, 3);
    expect(sums.get('')?.predicted).toEqual([0, 0, 0]);
  });

  it.each([2, 3, 33])('sums by subscript (up to SUBSCRIPT_CELLS cells) and by unnest (past it) agree with a plain sum: K = %i', async (classes) => {
    const model = uniqueId(`pred-k${classes}`);
    const cells = (n: number, seed: number) => Array.from({ length: n }, (_, i) => (i * 7 + seed * 3) % 11);
    const rows = [1, 2, 3].map((seed, i) => ({
      ...delta(model, 'f', {}, new Date(BUCKET.getTime() + i * 60_000)),
      sums: { ...emptySums(classes), count: 1, confusion: cells(classes * classes, seed), predicted: cells(classes, seed) },
    }));
    await database.transaction((client) => repository.append(client, rows));
    // A row from before the column: '{}' everywhere, adds nothing to the arrays.
    await database.pool.query(`INSERT INTO performance_buckets (model, version, bucket, segment_key, segment_value, count) VALUES ($1, 1, $2, 'gender', 'f', 1)`, [model, new Date(BUCKET.getTime() + 5 * 60_000)]);
    const plain = (pick: (row: (typeof rows)[number]) => number[]) => pick(rows[0]).map((_, i) => rows.reduce((total, row) => total + pick(row)[i], 0));
    const sums = (await repository.sumWindow({ model, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z'), segmentKey: 'gender' }, classes)).get('f');
    expect(sums?.count).toBe(4);
    expect(sums?.confusion).toEqual(plain((row) => row.sums.confusion));
    expect(sums?.predicted).toEqual(plain((row) => row.sums.predicted));
    expect(classes * classes > SUBSCRIPT_CELLS).toBe(classes === 33);
  });
});
