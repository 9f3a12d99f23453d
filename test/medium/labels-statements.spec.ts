import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';

/**
 * A call of labels runs a bounded number of SQL statements, not one or more per label: up to 12 per
 * transaction, and a call alone on the server is written as two halves at once (two transactions).
 */
const MAX_STATEMENTS = 24;
const N = 10_000;
/**
 * The monitoring clock's own statements (the aggregate fold every two seconds and the vacuum after it, the pending-label
 * sweep every 5 s), which can fall inside a call's duration: listed, but not counted against the call. Statements are
 * recorded by their first 80 characters: the fold's are its settings.
 */
const CLOCK = /^(SET LOCAL work_mem = '\d+MB'; SET LOCAL enable_seqscan = off;|VACUUM \(SKIP_LOCKED\) performance_deltas|SELECT DISTINCT pl\.model FROM pending_labels|WITH gone AS \(DELETE FROM pending_labels)/;

/**
 * Runs `work` while recording every statement any pg client of this process sends (the app's pool, Prisma's
 * adapter): its name if it is a named statement, else its first 80 characters. `own` leaves out the clock's.
 */
async function countingStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[]; own: string[] }> {
  const original = pg.Client.prototype.query;
  const statements: string[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const query = args[0] as string | { name?: string; text?: string };
    const text = typeof query === 'string' ? query : (query.name ?? query.text ?? String(query));
    statements.push(text.replace(/\s+/g, ' ').slice(0, 80));
    return (original as (...rest: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    const result = await work();
    return { result, statements, own: statements.filter((text) => !CLOCK.test(text)) };
  } finally {
    pg.Client.prototype.query = original;
  }
}

describe('POST /api/models/{m}/labels is batched: a bounded number of SQL statements per call', () => {
  let server: TestApp;
  const model = `stmt-${uniqueId('m').replace(/^m-/, '')}`;
  const ids = Array.from({ length: N }, (_, i) => `p${String(i).padStart(5, '0')}`);
  const truth = (i: number) => (i % 3 === 0 ? 'yes' : 'no');

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-statements-'));
    mkdirSync(join(root, model));
    writeFileSync(join(root, model, 'config.json'), JSON.stringify({ task: 'binary', features: ['x'], classes: ['no', 'yes'], segments: ['g'] }));
    // The periodic work (drift flush, gauges) would otherwise add its statements to the ones counted.
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: root, PLUMBLINE_DRIFT_FLUSH_INTERVAL: '1h', PLUMBLINE_GAUGE_INTERVAL: '1h' });
    // The 10,000 predictions in four calls, before anything is counted.
    for (let from = 0; from < N; from += 2_500) {
      const records = ids.slice(from, from + 2_500).map((id, j) => ({ id, features: { x: from + j }, output: ((from + j) % 100) / 100, segments: { g: (from + j) % 2 === 0 ? 'even' : 'odd' } }));
      const answer = await postJson(`${server.url}/api/models/${model}/predictions`, { records });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
  }, 120_000);
  afterAll(() => server?.close());

  const label = (labels: unknown[], overwrite = false) => postJson(`${server.url}/api/models/${model}/labels${overwrite ? '?overwrite=true' : ''}`, { labels });

  it('10,000 labels in one call, then duplicates, an overwrite and pending ids in another: each ≤ 24 statements', async () => {
    const first = await countingStatements(() => label(ids.map((id, i) => ({ id, label: truth(i) }))));
    console.info(`labels: 10,000 new labels → ${first.own.length} SQL statements (+ ${first.statements.length - first.own.length} of the monitoring clock)`);
    expect(first.result.status, JSON.stringify(first.result.body)).toBe(200);
    expect(first.result.body).toEqual({ matched: N, pending: 0, duplicate: 0, rejected: [] });
    expect(first.own.length, first.statements.join('\n')).toBeLessThanOrEqual(MAX_STATEMENTS);
    // Alone on the server, the call is written as two halves (two transactions); the model holds no pending
    // label, so neither looks for its ids among them.
    expect(first.own.filter((text) => text === 'COMMIT')).toHaveLength(2);
    expect(first.own.filter((text) => text.startsWith('DELETE FROM pending_labels'))).toEqual([]);

    // 5,000 of the same labels again, one changed (overwrite), 200 ids whose predictions are not logged.
    const pendingIds = Array.from({ length: 200 }, (_, i) => `later-${i}`);
    const mixed = [
      ...ids.slice(0, 5_000).map((id, i) => ({ id, label: truth(i) })),
      { id: ids[7_000], label: truth(7_000) === 'yes' ? 'no' : 'yes' },
      ...pendingIds.map((id) => ({ id, label: 'yes' })),
    ];
    const second = await countingStatements(() => label(mixed, true));
    console.info(`labels: 5,000 duplicates + 1 overwrite + 200 pending → ${second.own.length} SQL statements (+ ${second.statements.length - second.own.length} of the monitoring clock)`);
    expect(second.result.status, JSON.stringify(second.result.body)).toBe(200);
    expect(second.result.body).toEqual({ matched: 1, pending: 200, duplicate: 5_000, rejected: [] });
    expect(second.own.length, second.statements.join('\n')).toBeLessThanOrEqual(MAX_STATEMENTS);

    // The labels took: the overwrite is stored, and the window counts each prediction once.
    expect((await getJson(`${server.url}/api/models/${model}/predictions/${ids[7_000]}`)).body).toMatchObject({ label: truth(7_000) === 'yes' ? 'no' : 'yes' });
    const performance = await getJson(`${server.url}/api/models/${model}/performance`);
    expect(performance.body.overall).toMatchObject({ count: N, labeled: N });
  }, 120_000);
});
