#!/usr/bin/env node
// Soak test (issue 9): the built server (`node dist/main.js`) under moderate, steady load for
// --minutes (default 10): single-row OIP inference with own ids and segments, labels for most of them,
// monitoring queries and /metrics scrapes. Samples RSS, heap and active handles from /metrics, counts
// errors, prints a table, and exits 1 if RSS grows more than 10 % between the first and the last
// minute, if active handles grow, if any request fails, or if an acknowledged prediction is not in the log.
//
//   npm run soak                       10 minutes, on $DATABASE_URL (else an embedded PostgreSQL)
//   npm run soak -- --minutes=2 --rate=40 --sample=10
//
// Not part of `npm test`.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { prng } from './prng.mjs';

const ROOT = join(import.meta.dirname, '..');

function option(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const MINUTES = option('minutes', 10);
const RATE = option('rate', 40); // inference requests per second
const SAMPLE_S = option('sample', 10); // seconds between samples
const CONCURRENCY = 8;
const RSS_GROWTH_LIMIT = 0.1;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}


const random = prng(20261128);
const pick = (values) => values[Math.floor(random() * values.length)];
function row(shift = 0) {
  const debtRatio = Math.round((0.05 + random() * 0.8) * 1000) / 1000;
  return {
    features: [Math.round(22 + random() * 45 + shift * 8), Math.round(18_000 + random() * 90_000), debtRatio, Math.floor(random() * 120), 1 + Math.floor(random() * 8)],
    segments: { region: pick(['eu', 'us', 'apac']), channel: pick(['web', 'branch']), gender: pick(['f', 'm']) },
    label: debtRatio + (random() - 0.5) * 0.6 > 0.55 ? 'default' : 'repaid',
  };
}

function oipBody(r, id) {
  return JSON.stringify({
    inputs: [
      { name: 'input', shape: [1, 5], datatype: 'FP32', data: r.features },
      { name: 'prediction_id', shape: [1], datatype: 'BYTES', data: [id] },
      ...Object.entries(r.segments).map(([name, value]) => ({ name, shape: [1], datatype: 'BYTES', data: [value] })),
    ],
  });
}

function parseMetrics(text) {
  const values = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?)\s+(\S+)/.exec(line);
    if (match) values.set(match[1], Number(match[2]));
  }
  return values;
}

const errors = [];
const stats = { sent: 0, acked: 0, labelCalls: 0, labelsSent: 0, labelsMatched: 0, queries: 0, scrapes: 0 };
let window = { requests: 0, errors: 0, latencies: [] };

async function call(method, url, body, expectStatus = 200) {
  const started = performance.now();
  try {
    const response = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body });
    const text = await response.text();
    window.requests++;
    window.latencies.push(performance.now() - started);
    if (response.status !== expectStatus) {
      window.errors++;
      errors.push(`${method} ${url.replace(/^https?:\/\/[^/]+/, '')}: ${response.status} ${text.slice(0, 200)}`);
      return undefined;
    }
    return text;
  } catch (error) {
    window.requests++;
    window.errors++;
    errors.push(`${method} ${url.replace(/^https?:\/\/[^/]+/, '')}: ${error.cause?.message ?? error.message}`);
    return undefined;
  }
}

async function main() {
  const cleanup = [];
  let embedded;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const { startEmbeddedPostgres } = await import('../dist/database/embedded-postgres.launcher.js');
    const pgDir = mkdtempSync(join(tmpdir(), 'plumbline-soak-pg-'));
    cleanup.push(pgDir);
    embedded = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), log: () => undefined });
    databaseUrl = embedded.url;
  }

  const model = `soak-${Date.now().toString(36)}`;
  const repository = mkdtempSync(join(tmpdir(), 'plumbline-soak-models-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'plumbline-soak-data-'));
  cleanup.push(repository, dataDir);
  mkdirSync(join(repository, model));
  cpSync(join(ROOT, 'test', 'fixtures', 'models', 'credit'), join(repository, model), { recursive: true });

  let stopping = false;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, PLUMBLINE_DATA_DIR: dataDir, PLUMBLINE_MODEL_REPOSITORY: repository },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let serverLog = '';
  child.stdout.on('data', (chunk) => (serverLog = (serverLog + chunk).slice(-20_000)));
  child.stderr.on('data', (chunk) => (serverLog = (serverLog + chunk).slice(-20_000)));
  let exitedEarly = false;
  child.once('exit', () => {
    if (!stopping) exitedEarly = true;
  });
  const deadline = Date.now() + 120_000;
  while (!(await fetch(`${url}/v2/health/ready`).then((r) => r.ok, () => false))) {
    if (exitedEarly || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not start:\n${serverLog}`);
    }
    await sleep(200);
  }

  const reference = Array.from({ length: 400 }, () => {
    const r = row();
    const [age, income, debt_ratio, tenure_months, num_accounts] = r.features;
    return { features: { age, income, debt_ratio, tenure_months, num_accounts }, segments: r.segments, label: r.label };
  });
  if ((await call('PUT', `${url}/api/models/${model}/reference`, JSON.stringify({ records: reference }))) === undefined) throw new Error(`PUT reference failed: ${errors.at(-1)}`);

  console.log(`soak: ${MINUTES} min, ${RATE} inference/s (+ labels for 80 %, queries and scrapes every 5 s), model '${model}', server pid ${child.pid}, sampling every ${SAMPLE_S} s`);
  const started = Date.now();
  const endAt = started + MINUTES * 60_000;
  const acked = new Set();
  const toLabel = [];
  let seq = 0;

  // Inference: CONCURRENCY workers sharing a token bucket of RATE per second.
  let tokens = 0;
  const ticker = setInterval(() => (tokens = Math.min(tokens + RATE / 20, RATE)), 50);
  const inferWorker = async () => {
    while (!stopping) {
      if (tokens < 1) {
        await sleep(5);
        continue;
      }
      tokens--;
      const id = `${model}-${seq++}`;
      const r = row(Math.min(1, (Date.now() - started) / (MINUTES * 60_000)));
      stats.sent++;
      if ((await call('POST', `${url}/v2/models/${model}/infer`, oipBody(r, id))) !== undefined) {
        stats.acked++;
        acked.add(id);
        if (random() < 0.8) toLabel.push({ id, label: r.label });
      }
    }
  };
  const labelWorker = async () => {
    while (!stopping || toLabel.length > 0) {
      if (toLabel.length < 20 && !stopping) {
        await sleep(250);
        continue;
      }
      const batch = toLabel.splice(0, 50);
      stats.labelCalls++;
      stats.labelsSent += batch.length;
      const text = await call('POST', `${url}/api/models/${model}/labels`, JSON.stringify({ labels: batch }));
      if (text !== undefined) stats.labelsMatched += JSON.parse(text).matched;
    }
  };
  const queryWorker = async () => {
    const paths = [`performance?segment=region`, `drift?segment=region`, `fairness?attribute=gender`];
    while (!stopping) {
      for (const path of paths) {
        if ((await call('GET', `${url}/api/models/${model}/${path}`)) !== undefined) stats.queries++;
      }
      await sleep(5000);
    }
  };

  const samples = [];
  const sampler = async () => {
    let nextAt = started;
    while (!stopping) {
      nextAt += SAMPLE_S * 1000;
      await sleep(Math.max(0, nextAt - Date.now()));
      if (stopping) break;
      const text = await call('GET', `${url}/metrics`);
      if (text === undefined) continue;
      stats.scrapes++;
      const metrics = parseMetrics(text);
      const latencies = window.latencies.sort((a, b) => a - b);
      samples.push({
        t: (Date.now() - started) / 1000,
        requests: window.requests,
        errors: window.errors,
        p99: latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] : 0,
        rss: metrics.get('process_resident_memory_bytes'),
        heap: metrics.get('nodejs_heap_size_used_bytes'),
        handles: metrics.get('nodejs_active_handles_total'),
        spooled: metrics.get(`plumbline_prediction_log_spooled_rows{model="${model}"}`),
      });
      window = { requests: 0, errors: 0, latencies: [] };
      const s = samples.at(-1);
      console.log(
        `${s.t.toFixed(0).padStart(6)} s  ${String(s.requests).padStart(6)} req  ${String(s.errors).padStart(3)} err  p99 ${s.p99.toFixed(1).padStart(7)} ms  RSS ${(s.rss / 2 ** 20).toFixed(1).padStart(7)} MiB  heap ${(s.heap / 2 ** 20).toFixed(1).padStart(6)} MiB  handles ${String(s.handles).padStart(4)}  spooled ${s.spooled ?? '-'}`,
      );
    }
  };

  const workers = [...Array.from({ length: CONCURRENCY }, inferWorker), labelWorker(), queryWorker(), sampler()];
  while (Date.now() < endAt && !exitedEarly) await sleep(250);
  stopping = true;
  clearInterval(ticker);
  await Promise.all(workers);

  // What the log holds, read directly.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query('SELECT p.id, l.id IS NOT NULL AS labeled FROM predictions p LEFT JOIN labels l ON l.model = p.model AND l.id = p.id WHERE p.model = $1', [model]);
  await client.end();
  const logged = new Map(rows.map((r) => [r.id, r.labeled]));
  const found = [...acked].filter((id) => logged.has(id)).length;

  child.kill('SIGTERM');
  const exitCode = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
  await embedded?.stop();
  for (const directory of cleanup) rmSync(directory, { recursive: true, force: true });

  // First and last minute (whole runs shorter than two minutes compare their first and last halves).
  const span = samples.at(-1)?.t ?? 0;
  const edge = Math.min(60, span / 2);
  const first = samples.filter((s) => s.t <= edge);
  const last = samples.filter((s) => s.t > span - edge);
  const mean = (list, key) => list.reduce((total, s) => total + s[key], 0) / Math.max(1, list.length);
  const rssFirst = mean(first, 'rss');
  const rssLast = mean(last, 'rss');
  const growth = rssLast / rssFirst - 1;
  const handlesFirst = Math.max(...first.map((s) => s.handles));
  const handlesLast = Math.max(...last.map((s) => s.handles));
  const heapFirst = mean(first, 'heap');
  const heapLast = mean(last, 'heap');

  const failures = [];
  if (!(growth <= RSS_GROWTH_LIMIT)) failures.push(`RSS grew ${(growth * 100).toFixed(1)} % (limit ${RSS_GROWTH_LIMIT * 100} %)`);
  if (handlesLast > handlesFirst + 5) failures.push(`active handles grew from ${handlesFirst} to ${handlesLast}`);
  if (errors.length > 0) failures.push(`${errors.length} errors, first: ${errors.slice(0, 5).join(' | ')}`);
  if (found !== acked.size) failures.push(`${acked.size - found} acknowledged predictions are not in the log`);
  if (exitedEarly) failures.push(`the server exited on its own during the run`);
  else if (exitCode !== 0) failures.push(`the server exited with ${exitCode} after SIGTERM`);
  if (samples.length < 2) failures.push('fewer than two samples');

  const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  console.log(`
soak summary (${(span / 60).toFixed(1)} min, first/last ${edge.toFixed(0)} s compared)
  inference requests sent            ${stats.sent}
  acknowledged (200)                 ${stats.acked}
  found in the database              ${found}
  lost                               ${acked.size - found}
  label calls / labels sent / matched ${stats.labelCalls} / ${stats.labelsSent} / ${stats.labelsMatched}
  queries / metrics scrapes          ${stats.queries} / ${stats.scrapes}
  errors                             ${errors.length}
  RSS first / last (mean)            ${mib(rssFirst)} / ${mib(rssLast)}  (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %)
  heap used first / last (mean)      ${mib(heapFirst)} / ${mib(heapLast)}
  active handles first / last (max)  ${handlesFirst} / ${handlesLast}
  server exit code after SIGTERM     ${exitCode}
  result                             ${failures.length === 0 ? 'PASS' : `FAIL: ${failures.join('; ')}`}`);
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
