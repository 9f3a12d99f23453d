import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueId } from '../helpers/app.js';
import { creditRows, oipBody, post, report, type CreditRow, type Reply } from '../helpers/credit-traffic.js';
import { ensureBuilt, modelRepositoryWith, sampleValue, scrape, sleep, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

// Issue 9's crash, database-outage and several-replicas tests, against the built server (a private build, see ensureBuilt)
// as separate processes on the test database. Each prints its figures (sent, acknowledged, found, lost).

const DATABASE_URL = inject('databaseUrl');
const SPOOLED = 'plumbline_prediction_log_spooled_rows';

let pool: pg.Pool;
const cleanup: string[] = [];
const running = new Set<ServerProcess>();

async function start(options: Parameters<typeof spawnServer>[0]): Promise<ServerProcess> {
  const server = await spawnServer(options);
  running.add(server);
  server.child.once('exit', () => running.delete(server));
  return server;
}

function tempDir(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(directory);
  return directory;
}

/** A model name unique to this run (the database is shared between runs). */
function modelName(prefix: string): string {
  return uniqueId(prefix).replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Logged predictions of `model`: id → label (null when unlabeled). */
async function logged(model: string): Promise<Map<string, unknown>> {
  const { rows } = await pool.query<{ id: string; label: unknown }>('SELECT p.id, l.label FROM predictions p LEFT JOIN labels l ON l.model = p.model AND l.id = p.id WHERE p.model = $1', [model]);
  return new Map(rows.map((row) => [row.id, row.label]));
}

/** Rows in a spool file (one JSON array of rows per line). */
function spooledRowsOnDisk(dataDir: string): number {
  const path = join(dataDir, 'spool', 'predictions.ndjson');
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .reduce((total, line) => total + (JSON.parse(line) as unknown[]).length, 0);
}

beforeAll(() => {
  ensureBuilt();
  pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
}, 180_000);

afterAll(async () => {
  await Promise.all([...running].map((server) => server.kill9()));
  await pool?.end();
  for (const directory of cleanup) rmSync(directory, { recursive: true, force: true });
});

/** A TCP proxy in front of the test database (cut it to simulate an outage) and the URL through it. */
async function databaseBehindProxy(): Promise<{ proxy: TcpProxy; proxied: URL }> {
  const target = new URL(DATABASE_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  const proxied = new URL(DATABASE_URL);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return { proxy, proxied };
}

describe('crash: kill -9 under load (group commit)', () => {
  it('keeps every acknowledged prediction and every acknowledged label across a kill -9 and a restart', async () => {
    const model = modelName('crash');
    const repository = modelRepositoryWith('credit', [model]);
    const dataDir = tempDir('plumbline-rel-crash-');
    cleanup.push(repository);
    const first = await start({ databaseUrl: DATABASE_URL, dataDir, modelRepository: repository });
    const rows = creditRows(11, 4096);

    const figures = { inferSent: 0, inferAcked: 0, inferCut: 0, inferOther: 0, labelCalls: 0, labelCallsAcked: 0, labelsSent: 0, labelsAcked: 0, labelCallsCut: 0, labelOther: 0 };
    const acked = new Set<string>();
    const toLabel: Array<{ id: string; label: string }> = [];
    const labelAcked = new Map<string, string>();
    const unexpected: Reply[] = [];
    let killed = false;

    const inferClient = async (client: number) => {
      for (let n = 0; ; n++) {
        const id = `${model}-c${client}-${n}`;
        const row = rows[(client * 997 + n) % rows.length];
        figures.inferSent++;
        const reply = await post(`${first.url}/v2/models/${model}/infer`, oipBody(row, id));
        if (reply.status === 200) {
          figures.inferAcked++;
          acked.add(id);
          toLabel.push({ id, label: row.label });
        } else if (reply.status === 0) {
          figures.inferCut++;
          return;
        } else {
          figures.inferOther++;
          unexpected.push(reply);
        }
        if (killed) return;
      }
    };
    const labelClient = async () => {
      for (;;) {
        if (killed && toLabel.length === 0) return;
        if (toLabel.length === 0) {
          await sleep(2);
          continue;
        }
        const batch = toLabel.splice(0, 1 + Math.floor(Math.random() * 8));
        figures.labelCalls++;
        figures.labelsSent += batch.length;
        const reply = await post(`${first.url}/api/models/${model}/labels`, JSON.stringify({ labels: batch }));
        if (reply.status === 200) {
          figures.labelCallsAcked++;
          expect(reply.body).toEqual({ matched: batch.length, pending: 0, duplicate: 0, rejected: [] });
          for (const { id, label } of batch) labelAcked.set(id, label);
          figures.labelsAcked += batch.length;
        } else if (reply.status === 0) {
          figures.labelCallsCut++;
          return;
        } else {
          figures.labelOther++;
          unexpected.push(reply);
        }
      }
    };

    const clients = [...Array.from({ length: 8 }, (_, k) => inferClient(k)), labelClient(), labelClient()];
    // Load for a few seconds: at least 1.5 s, until 200 predictions and 60 labels are acknowledged (at most 10 s).
    const loadStart = Date.now();
    while (Date.now() - loadStart < 1500 || ((figures.inferAcked < 200 || figures.labelsAcked < 60) && Date.now() - loadStart < 10_000)) await sleep(50);
    const pid = first.child.pid;
    const loadSeconds = ((Date.now() - loadStart) / 1000).toFixed(1);
    await first.kill9();
    killed = true;
    await Promise.all(clients);

    const second = await start({ databaseUrl: DATABASE_URL, dataDir, modelRepository: repository, port: first.port });
    // Anything the killed process had spooled is replayed at start; wait for the gauge to say so.
    for (let i = 0; i < 100 && (sampleValue(await scrape(second.url), SPOOLED, { model }) ?? 0) > 0; i++) await sleep(100);

    const log = await logged(model);
    const found = [...acked].filter((id) => log.has(id)).length;
    const joined = [...labelAcked].filter(([id, label]) => log.get(id) === label).length;
    const unackedButLogged = [...log.keys()].filter((id) => !acked.has(id)).length;
    report('crash: kill -9 under load, restart on the same database and data dir', {
      'killed pid / after (s)': `${pid} / ${loadSeconds}`,
      'infer requests sent': figures.inferSent,
      'infer acknowledged (200)': figures.inferAcked,
      'infer cut by the kill (no answer)': figures.inferCut,
      'infer other status': figures.inferOther,
      'acknowledged predictions in the log': found,
      'predictions lost': figures.inferAcked - found,
      'unacknowledged rows committed anyway': unackedButLogged,
      'label calls sent': figures.labelCalls,
      'label calls acknowledged (200)': figures.labelCallsAcked,
      'label calls cut by the kill': figures.labelCallsCut,
      'labels sent / acknowledged': `${figures.labelsSent} / ${figures.labelsAcked}`,
      'acknowledged labels joined in the log': joined,
      'labels lost': figures.labelsAcked - joined,
    });

    expect(unexpected).toEqual([]);
    expect(figures.inferAcked).toBeGreaterThanOrEqual(100);
    expect(figures.labelsAcked).toBeGreaterThanOrEqual(30);
    expect(found).toBe(figures.inferAcked);
    expect(joined).toBe(figures.labelsAcked);

    // The restarted server serves and labels on the same log.
    const after = rows[0];
    expect((await post(`${second.url}/v2/models/${model}/infer`, oipBody(after, `${model}-after`))).status).toBe(200);
    const label = await post(`${second.url}/api/models/${model}/labels`, JSON.stringify({ labels: [{ id: `${model}-after`, label: after.label }] }));
    expect(label.body).toMatchObject({ matched: 1 });
    expect(await second.stop()).toBe(0);
  }, 90_000);
});

describe('crash while spooling: kill -9 with the database cut', () => {
  it('replays the fsynced spool at restart: every prediction acknowledged from the spool reaches the log', async () => {
    const model = modelName('crashspool');
    const repository = modelRepositoryWith('credit', [model]);
    const dataDir = tempDir('plumbline-rel-crashspool-');
    cleanup.push(repository);
    const { proxy, proxied } = await databaseBehindProxy();
    const first = await start({ databaseUrl: proxied.toString(), dataDir, modelRepository: repository });
    const rows = creditRows(31, 1024);
    const figures = { sent: 0, acked: 0, cut: 0, other: 0, ackedWhileDbCut: 0 };
    const acked = new Set<string>();
    let dbCut = false;
    const client = async (k: number) => {
      for (let n = 0; ; n++) {
        const id = `${model}-c${k}-${n}`;
        figures.sent++;
        const reply = await post(`${first.url}/v2/models/${model}/infer`, oipBody(rows[(k * 101 + n) % rows.length], id));
        if (reply.status === 200) {
          figures.acked++;
          if (dbCut) figures.ackedWhileDbCut++;
          acked.add(id);
        } else if (reply.status === 0) {
          figures.cut++;
          return;
        } else {
          figures.other++;
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, k) => client(k));
    await sleep(1000);
    await proxy.stop();
    dbCut = true;
    await sleep(2000);
    const spooledBeforeKill = sampleValue(await scrape(first.url), SPOOLED, { model }) ?? 0;
    await first.kill9();
    await Promise.all(clients);
    const onDisk = spooledRowsOnDisk(dataDir);
    const inDbAtKill = (await logged(model)).size;

    await proxy.start();
    const second = await start({ databaseUrl: proxied.toString(), dataDir, modelRepository: repository, port: first.port });
    let drained = false;
    for (let i = 0; i < 200 && !drained; i++) {
      drained = (sampleValue(await scrape(second.url), SPOOLED, { model }) ?? 0) === 0 && spooledRowsOnDisk(dataDir) === 0;
      if (!drained) await sleep(100);
    }
    const log = await logged(model);
    const found = [...acked].filter((id) => log.has(id)).length;
    report('crash while spooling: kill -9 with the DB port cut, restart with it back', {
      'infer sent': figures.sent,
      'infer acknowledged (200)': figures.acked,
      'acknowledged while the DB was cut (spooled)': figures.ackedWhileDbCut,
      'infer cut by the kill / other status': `${figures.cut} / ${figures.other}`,
      'spool gauge before the kill / rows in the spool file after it': `${spooledBeforeKill} / ${onDisk}`,
      'in the log at the kill': inDbAtKill,
      'spool drained after restart': String(drained),
      'acknowledged predictions in the log': found,
      'predictions lost': figures.acked - found,
    });
    expect(figures.other).toBe(0);
    expect(figures.ackedWhileDbCut).toBeGreaterThan(20);
    expect(onDisk).toBeGreaterThanOrEqual(figures.acked - inDbAtKill);
    expect(drained).toBe(true);
    expect(found).toBe(figures.acked);
    expect(await second.stop()).toBe(0);
    await proxy.stop();
  }, 60_000);
});

describe('database outage: the DB port cut for 10 s under load', () => {
  it('answers every inference, spools, stays ready, tells the spool size, and drains it without losing a row', async () => {
    const model = modelName('outage');
    const repository = modelRepositoryWith('credit', [model]);
    const dataDir = tempDir('plumbline-rel-outage-');
    cleanup.push(repository);
    const { proxy, proxied } = await databaseBehindProxy();
    const server = await start({ databaseUrl: proxied.toString(), dataDir, modelRepository: repository });
    const rows = creditRows(23, 2048);

    type Phase = 'before' | 'cut' | 'restored';
    let phase: Phase = 'before';
    let paused = false;
    let stopped = false;
    const counts: Record<Phase, { sent: number; acked: number; failed: number }> = {
      before: { sent: 0, acked: 0, failed: 0 },
      cut: { sent: 0, acked: 0, failed: 0 },
      restored: { sent: 0, acked: 0, failed: 0 },
    };
    const acked = new Set<string>();
    const failures: Reply[] = [];
    let inFlight = 0;

    const client = async (k: number) => {
      for (let n = 0; !stopped; n++) {
        if (paused) {
          await sleep(10);
          continue;
        }
        const id = `${model}-c${k}-${n}`;
        const current = phase;
        counts[current].sent++;
        inFlight++;
        const reply = await post(`${server.url}/v2/models/${model}/infer`, oipBody(rows[(k * 331 + n) % rows.length], id));
        inFlight--;
        if (reply.status === 200) {
          counts[current].acked++;
          acked.add(id);
        } else {
          counts[current].failed++;
          failures.push(reply);
        }
        await sleep(5);
      }
    };
    /** Readiness and the spool gauge, sampled through every phase. */
    const samples: Array<{ phase: Phase; t: number; status: number; ready: unknown; spooled: number | undefined }> = [];
    let monitoring = true;
    const began = Date.now();
    const monitor = (async () => {
      while (monitoring) {
        const health = await fetch(`${server.url}/v2/health/ready`).then(async (r) => ({ status: r.status, body: (await r.json()) as { ready: unknown } }));
        const spooled = sampleValue(await scrape(server.url), SPOOLED, { model });
        samples.push({ phase, t: Date.now() - began, status: health.status, ready: health.body.ready, spooled });
        await sleep(250);
      }
    })();
    /** Waits until no request is in flight, then holds new ones back. */
    const quiesce = async () => {
      paused = true;
      while (inFlight > 0) await sleep(5);
    };

    const clients = Array.from({ length: 6 }, (_, k) => client(k));
    await sleep(2000);

    phase = 'cut';
    await proxy.stop();
    const cutAt = Date.now();
    await sleep(5000);
    // What the paths that need PostgreSQL answer meanwhile: 503 DATABASE_UNAVAILABLE, said quickly.
    const timed = async (what: () => Promise<Reply>) => {
      const t0 = Date.now();
      const reply = await what();
      expect({ status: reply.status, code: reply.body?.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      return `${reply.status} ${reply.body?.code ?? ''} in ${Date.now() - t0} ms`;
    };
    const labelDuringCut = await timed(() => post(`${server.url}/api/models/${model}/labels`, JSON.stringify({ labels: [{ id: [...acked][0], label: 'default' }] })));
    const queryDuringCut = await timed(async () => {
      const response = await fetch(`${server.url}/api/models/${model}/performance`);
      return { status: response.status, body: await response.json() };
    });
    await sleep(Math.max(0, cutAt + 10_000 - Date.now()));
    // At the end of the cut, with no request in flight: the gauge equals the rows in the spool file,
    // which equal the acknowledged predictions that the database does not hold.
    await quiesce();
    const gaugeAtCut = sampleValue(await scrape(server.url), SPOOLED, { model }) ?? 0;
    const onDiskAtCut = spooledRowsOnDisk(dataDir);
    const readyAtCut = await fetch(`${server.url}/v2/health/ready`).then((r) => r.status);
    const inDbAtCut = (await logged(model)).size;
    const ackedAtCut = acked.size;

    phase = 'restored';
    await proxy.start();
    const restoredAt = Date.now();
    paused = false;
    await sleep(3000);
    stopped = true;
    await Promise.all(clients);
    let drainedAt: number | undefined;
    for (let i = 0; i < 300; i++) {
      if ((sampleValue(await scrape(server.url), SPOOLED, { model }) ?? 0) === 0 && spooledRowsOnDisk(dataDir) === 0) {
        drainedAt = Date.now();
        break;
      }
      await sleep(100);
    }
    await sleep(300);
    monitoring = false;
    await monitor;

    const log = await logged(model);
    const found = [...acked].filter((id) => log.has(id)).length;
    // The aggregates count every logged row once, also those committed and spooled both (replayed as duplicates).
    const performance = await fetch(`${server.url}/api/models/${model}/performance`).then((r) => r.json() as Promise<{ overall: { count: number } }>);
    const sent = counts.before.sent + counts.cut.sent + counts.restored.sent;
    const cutSamples = samples.filter((s) => s.phase === 'cut');
    const maxSpooled = Math.max(...samples.map((s) => s.spooled ?? 0));
    report('database outage: DB port cut for 10 s under load', {
      'infer sent (before / cut / restored)': `${counts.before.sent} / ${counts.cut.sent} / ${counts.restored.sent}`,
      'infer acknowledged (before / cut / restored)': `${counts.before.acked} / ${counts.cut.acked} / ${counts.restored.acked}`,
      'infer failed': counts.before.failed + counts.cut.failed + counts.restored.failed,
      'success rate': `${((100 * acked.size) / sent).toFixed(2)} %`,
      'cut duration (s)': ((restoredAt - cutAt) / 1000).toFixed(1),
      'spool gauge / rows on disk / acked - in DB, end of cut': `${gaugeAtCut} / ${onDiskAtCut} / ${ackedAtCut - inDbAtCut}`,
      'spooled rows committed anyway (commit in flight at the cut)': gaugeAtCut - (ackedAtCut - inDbAtCut),
      'spool gauge max seen': maxSpooled,
      '/v2/health/ready samples (200 / other)': `${samples.filter((s) => s.status === 200 && s.ready === true).length} / ${samples.filter((s) => !(s.status === 200 && s.ready === true)).length}`,
      'label call during the cut': labelDuringCut,
      'performance query during the cut': queryDuringCut,
      'drained after restore (s)': drainedAt === undefined ? 'never' : ((drainedAt - restoredAt) / 1000).toFixed(1),
      'acknowledged predictions in the log': found,
      'rows in the log for the model / performance count': `${log.size} / ${performance.overall.count}`,
      'predictions lost': acked.size - found,
    });

    expect(failures).toEqual([]);
    expect(counts.cut.acked).toBeGreaterThan(50);
    expect(labelDuringCut).not.toMatch(/^200 /);
    expect(queryDuringCut).not.toMatch(/^200 /);
    // Truthful readiness (src/modules/health): ready = models loaded; the log is reachable or spooling,
    // so the server stays ready (and serving) through the outage.
    expect(samples.every((s) => s.status === 200 && s.ready === true)).toBe(true);
    expect(readyAtCut).toBe(200);
    // Truthful gauge: it counts the rows in the spool file, which hold every acknowledged row the database
    // lacks, plus those whose commit was in flight when the connection died (the writer cannot know they
    // committed; the replay finds them as duplicates): at most one single-row request per client.
    expect(gaugeAtCut).toBeGreaterThan(0);
    expect(gaugeAtCut).toBe(onDiskAtCut);
    expect(gaugeAtCut - (ackedAtCut - inDbAtCut)).toBeGreaterThanOrEqual(0);
    expect(gaugeAtCut - (ackedAtCut - inDbAtCut)).toBeLessThanOrEqual(clients.length);
    expect(cutSamples.at(-1)?.spooled).toBeGreaterThan(0);
    expect(drainedAt).toBeDefined();
    expect(samples.at(-1)?.spooled).toBe(0);
    expect(found).toBe(acked.size);
    expect(log.size).toBe(acked.size);
    expect(performance.overall.count).toBe(log.size);
    expect(await server.stop()).toBe(0);
    await proxy.stop();
  }, 90_000);
});

/** A response with the fields that name the deployment (model, ids, timestamps) left out. */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !['model', 'id', 'createdAt', 'from', 'to'].includes(key))
        .map(([key, inner]) => [key, comparable(inner)]),
    );
  }
  return value;
}

/**
 * Where two structures differ: keys, strings, booleans, nulls and integers (counts) must be equal; other
 * numbers are sums of floats added in a different order on each deployment (upsert-add of per-batch
 * sums), so they may differ in the last bits. Returns the mismatches and the largest relative difference.
 */
function differences(a: unknown, b: unknown, path = ''): { mismatches: string[]; relative: number } {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return { mismatches: [], relative: 0 };
    const relative = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    const exact = Number.isInteger(a) && Number.isInteger(b);
    return { mismatches: exact || relative > 1e-12 ? [`${path}: ${a} vs ${b}`] : [], relative };
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const result = { mismatches: [] as string[], relative: 0 };
    for (const key of keys) {
      const inner = differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      result.mismatches.push(...inner.mismatches);
      result.relative = Math.max(result.relative, inner.relative);
    }
    return result;
  }
  return { mismatches: a === b ? [] : [`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`], relative: 0 };
}

describe('several replicas: three processes on one database against one process', () => {
  it('gives the same performance, drift and fairness for the same traffic', async () => {
    const replicated = modelName('replicas');
    const single = modelName('single');
    const repository = modelRepositoryWith('credit', [replicated, single]);
    cleanup.push(repository);
    const servers = await Promise.all(Array.from({ length: 4 }, (_, i) => start({ databaseUrl: DATABASE_URL, dataDir: tempDir(`plumbline-rel-replica${i}-`), modelRepository: repository })));
    const replicas = servers.slice(0, 3);
    const alone = servers[3];
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();

    // The reference, set once per model (through one replica for the replicated model).
    const reference = creditRows(5, 400).map((row: CreditRow) => ({ features: row.features, segments: row.segments, label: row.label }));
    for (const [url, model] of [[replicas[1].url, replicated], [alone.url, single]] as const) {
      const response = await fetch(`${url}/api/models/${model}/reference`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records: reference }) });
      expect(response.status, await response.text()).toBe(200);
    }

    // The same stream for both: 900 predictions (a shifted population), 700 labels in calls of 25.
    const traffic = creditRows(77, 900, 0.6);
    const labeledCount = 700;
    let next = 0;
    const figures = { sent: 0, acked: 0, labelsSent: 0, labelsMatched: 0 };
    const send = async (model: string, urls: string[]) => {
      let turn = 0;
      const worker = async () => {
        for (;;) {
          const i = next++;
          if (i >= traffic.length) return;
          const url = urls[turn++ % urls.length];
          figures.sent++;
          const reply = await post(`${url}/v2/models/${model}/infer`, oipBody(traffic[i], `p${i}`));
          expect(reply.status, JSON.stringify(reply.body)).toBe(200);
          figures.acked++;
        }
      };
      next = 0;
      await Promise.all(Array.from({ length: 6 }, worker));
      for (let start = 0, call = 0; start < labeledCount; start += 25, call++) {
        const labels = traffic.slice(start, Math.min(start + 25, labeledCount)).map((row, j) => ({ id: `p${start + j}`, label: row.label }));
        figures.labelsSent += labels.length;
        const reply = await post(`${urls[call % urls.length]}/api/models/${model}/labels`, JSON.stringify({ labels }));
        expect(reply.status).toBe(200);
        figures.labelsMatched += reply.body.matched;
      }
    };
    await send(replicated, replicas.map((r) => r.url));
    const replicatedFigures = { ...figures };
    Object.assign(figures, { sent: 0, acked: 0, labelsSent: 0, labelsMatched: 0 });
    await send(single, [alone.url]);

    // Drift histograms are flushed every second and repaired from the log once a bucket is quiet for 3 flushes + 2 s.
    await sleep(6000);
    const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 60_000).toISOString();
    const window = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const queries = (model: string) => [
      `/api/models/${model}/performance?${window}&segment=region`,
      `/api/models/${model}/performance?${window}&segment=gender`,
      `/api/models/${model}/drift?${window}&segment=region`,
      `/api/models/${model}/fairness?${window}&attribute=gender`,
    ];
    const get = async (url: string): Promise<any> => {
      const response = await fetch(url);
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(200);
      return body;
    };
    let worst = 0;
    const names = ['performance by region', 'performance by gender', 'drift by region', 'fairness by gender'];
    const compared: Record<string, string> = {};
    const baseline = await Promise.all(queries(single).map((path) => get(`${alone.url}${path}`)));
    for (const [r, replica] of replicas.entries()) {
      const answers = await Promise.all(queries(replicated).map((path) => get(`${replica.url}${path}`)));
      answers.forEach((answer, q) => {
        const { mismatches, relative } = differences(comparable(answer), comparable(baseline[q]));
        worst = Math.max(worst, relative);
        compared[`${names[q]} via replica ${r + 1}`] = mismatches.length === 0 ? `equal (max relative diff ${relative.toExponential(1)})` : `${mismatches.length} mismatches`;
        expect(mismatches).toEqual([]);
      });
    }
    const performance = baseline[0].overall;
    const drift = baseline[2].overall;
    report('several replicas: 3 processes on one database vs 1 process, same traffic', {
      'replicated: infer sent / acked': `${replicatedFigures.sent} / ${replicatedFigures.acked}`,
      'replicated: labels sent / matched': `${replicatedFigures.labelsSent} / ${replicatedFigures.labelsMatched}`,
      'single: infer sent / acked': `${figures.sent} / ${figures.acked}`,
      'single: labels sent / matched': `${figures.labelsSent} / ${figures.labelsMatched}`,
      'overall count / labeled / meanLoss': `${performance.count} / ${performance.labeled} / ${performance.meanLoss}`,
      'drift age: psi / drift': `${drift.age.psi} / ${drift.age.drift}`,
      'drift nCurrent (age)': drift.age.nCurrent,
      ...compared,
    });
    expect(performance.count).toBe(traffic.length);
    expect(performance.labeled).toBe(labeledCount);
    expect(drift.age.nCurrent).toBe(traffic.length);
    expect(worst).toBeLessThan(1e-12);
    await Promise.all(servers.map((server) => server.stop()));
  }, 120_000);
});
