// CPU per request of each process on the inference path: the server's Node process, the PostgreSQL
// backends of its database, and the load generator (autocannon). Starts the bare server, the bare server
// with its minimal log (bare-group, bare-async) and Plumbline (group, async, batch, ...), each in turn,
// and sends each the same fixed number of requests after a warm-up; CPU is utime + stime from /proc
// before and after. Contenders alternate for --rounds rounds.
//   DATABASE_URL=postgresql://... node test/bench/cpu-per-request.mjs [--requests=40000] [--rows=1] [--rounds=2] [--only=bare,group]
// Needs dist/ (npm run build). Prints one JSON line per measurement and a table.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlumbline, startServer } from './lib/plumbline.mjs';
import { withClient, withDatabase } from './lib/postgres.mjs';
import { killTracked } from './lib/procs.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = join(bench, '..', '..');
const options = Object.fromEntries(process.argv.slice(2).map((arg) => { const [key, value = 'true'] = arg.replace(/^--/, '').split('='); return [key, value]; }));
const requests = Number(options.requests ?? 40_000);
const rows = Number(options.rows ?? 1);
const rounds = Number(options.rounds ?? 2);
const connections = Number(options.connections ?? 64);
const admin = process.env.DATABASE_URL;
if (!admin) throw new Error('DATABASE_URL is needed');
const MODES = { group: {}, async: { PLUMBLINE_LOG_MODE: 'async' }, batch: { PLUMBLINE_BATCH_MAX_WAIT_US: '2000' }, group1: { PLUMBLINE_LOG_WRITERS: '1' }, group4: { PLUMBLINE_LOG_WRITERS: '4' }, unbatched: { PLUMBLINE_BATCH_MAX_ROWS: '1' } };
const only = options.only ? options.only.split(',') : ['bare', ...Object.keys(MODES)];
const TICK_MS = 10; // USER_HZ = 100 on Linux

const ROW = [41, 52000, 0.3, 24, 3];
const body = JSON.stringify({ inputs: [{ name: 'input', shape: [rows, 5], datatype: 'FP32', data: Array.from({ length: rows }, (_, i) => [ROW[0] + (i % 40), ROW[1] + 100 * i, ROW[2], ROW[3], ROW[4]]) }] });

function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** PostgreSQL's shared helpers (WAL writer, checkpointer, background writer): they work for every database, ours included. */
function helperPids() {
  const pids = [];
  for (const entry of readdirSyncSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (/^postgres: .*(walwriter|checkpointer|background writer)/.test(command)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function readdirSyncSafe(path) {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

async function backendPids(url, database) {
  return withClient(url, async (client) => (await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database])).rows.map((r) => r.pid));
}

/** autocannon in its own process for a fixed number of requests; its own CPU from process.cpuUsage. */
function loadFixed(url, amount) {
  return new Promise((resolve, reject) => {
    const code = `
      import autocannon from 'autocannon';
      const start = process.cpuUsage();
      const r = await autocannon({ url: ${JSON.stringify(url)}, method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)}, connections: ${connections}, amount: ${amount}, pipelining: 1 });
      const cpu = process.cpuUsage(start);
      console.log(JSON.stringify({ total: r.requests.total, ok2xx: r['2xx'], non2xx: r.non2xx, errors: r.errors, seconds: r.duration, rps: r.requests.average, p99: r.latency.p99, cpuMs: (cpu.user + cpu.system) / 1000 }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (status) => (status === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`load exited ${status}`))));
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'plumbline-cpu-'));
const repository = join(tmp, 'models');
cpSync(join(root, 'models'), repository, { recursive: true });
const servers = {};
const databases = {};
const results = [];
try {
  if (only.includes('bare')) {
    servers.bare = await startServer({ name: 'bare', script: join(bench, 'bare-server.mjs'), args: [join(repository, 'credit', '2', 'model.onnx')], env: { ...process.env }, tmp, readyPath: '/v2/health/ready', cwd: root });
  }
  // A contender is a mode, or mode@<dist directory> to compare another build (a copy of dist/ inside the repository).
  for (const [index, spec] of only.entries()) {
    if (spec === 'bare') continue;
    const [mode, dist = 'dist'] = spec.split('@');
    const name = `cpu_${process.pid}_${index}`;
    await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
    databases[spec] = name;
    if (mode.startsWith('bare-')) {
      const env = { ...process.env, BARE_LOG: mode.slice(5), BARE_LOG_DATABASE_URL: withDatabase(admin, name) };
      servers[spec] = await startServer({ name: mode, script: join(bench, 'bare-server.mjs'), args: [join(repository, 'credit', '2', 'model.onnx')], env, tmp, readyPath: '/v2/health/ready', cwd: root });
      continue;
    }
    servers[spec] = await startPlumbline({ ctx: { root, tmp, dist }, name: `plumbline-${index}`, databaseUrl: withDatabase(admin, name), repository, dataDir: join(tmp, `data-${index}`), env: MODES[mode] });
  }
  const keys = Object.keys(servers);
  for (const key of keys) await loadFixed(`${servers[key].url}/v2/models/credit/infer`, 5000);
  for (let round = 0; round < rounds; round++) {
    for (const key of keys.map((_, i) => keys[(i + round) % keys.length])) {
      const server = servers[key];
      const database = databases[key];
      const pgBefore = new Map();
      if (database) for (const pid of await backendPids(admin, database)) pgBefore.set(pid, cpuMs(pid));
      const helpers = helperPids();
      const helpersBefore = helpers.reduce((sum, pid) => sum + cpuMs(pid), 0);
      const serverBefore = cpuMs(server.pid);
      const started = Date.now();
      const load = await loadFixed(`${server.url}/v2/models/credit/infer`, requests);
      const wall = Date.now() - started;
      const serverMs = cpuMs(server.pid) - serverBefore;
      let backendMs = 0;
      if (database) {
        for (const pid of await backendPids(admin, database)) backendMs += cpuMs(pid) - (pgBefore.get(pid) ?? 0);
      }
      // Shared with any other database's work at the same time: an upper bound.
      const clusterMs = helpers.reduce((sum, pid) => sum + cpuMs(pid), 0) - helpersBefore;
      const n = load.ok2xx;
      const result = {
        round,
        contender: key,
        rows,
        requests: n,
        non2xx: load.non2xx + load.errors,
        rps: Math.round(n / (wall / 1000)),
        p99: load.p99,
        serverUsPerReq: Math.round((serverMs * 1000) / n),
        pgBackendsUsPerReq: Math.round((backendMs * 1000) / n),
        pgHelpersUsPerReq: Math.round((clusterMs * 1000) / n),
        loadUsPerReq: Math.round((load.cpuMs * 1000) / n),
        cpuShareOf2Cores: Number(((serverMs + backendMs + clusterMs + load.cpuMs) / (2 * wall)).toFixed(2)),
      };
      results.push(result);
      if (result.non2xx > 0) {
        const probe = await fetch(`${server.url}/v2/models/credit/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => `${r.status} ${(await r.text()).slice(0, 300)}`, (error) => String(error.cause ?? error));
        console.error(`${key}: a probe request: ${probe}`);
      }
      if (result.non2xx > 0) console.error(`${key} answered ${result.non2xx} non-2xx; its log ends:\n${readFileSync(server.logFile, 'utf8').split('\n').slice(-40).join('\n')}`);
      console.log(JSON.stringify(result));
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log('contender                 req/s  server µs/req  PG backends µs/req  PG helpers µs/req  load µs/req');
  for (const key of Object.keys(servers)) {
    const mine = results.filter((r) => r.contender === key);
    const col = (field) => String(median(mine.map((r) => r[field])));
    console.log(`${key.padEnd(24)} ${col('rps').padStart(6)} ${col('serverUsPerReq').padStart(14)} ${col('pgBackendsUsPerReq').padStart(19)} ${col('pgHelpersUsPerReq').padStart(18)} ${col('loadUsPerReq').padStart(12)}`);
  }
} finally {
  for (const server of Object.values(servers)) await server.stop();
  for (const name of Object.values(databases)) await withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
  await killTracked();
  if (options.keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
