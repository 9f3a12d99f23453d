import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { metricValue, startPlumbline } from '../lib/plumbline.mjs';
import { backendCpu, backendCpuSince, withClient } from '../lib/postgres.mjs';
import { cpuMsOf, runJson, sleep } from '../lib/procs.mjs';
import { median, ms, num, percentile } from '../lib/stats.mjs';

export const name = 'metrics';
export const title = 'Prometheus scrape — GET /metrics with 50 segment values × 20 features (drift and performance gauges)';

const MODEL = 'm20';
/** `backendCpu` of the backends with one application_name. */
const appCpu = (client, applicationName) => backendCpu(client, 'application_name = $1', [applicationName]);

const FEATURES = Array.from({ length: 20 }, (_, j) => `f${String(j + 1).padStart(2, '0')}`);
const STORES = Array.from({ length: 50 }, (_, k) => `s${String(k + 1).padStart(2, '0')}`);
const REFERENCE_ROWS = 1000;
/**
 * Long enough that one refresh (about 10 s of PostgreSQL on a loaded 2-core machine at 20 features × 50
 * values) ends before the next tick: a tick that finds the previous refresh running is skipped.
 */
const GAUGE_INTERVAL_MS = 20_000;
/** Primes per feature, so that the 20 features are not copies of each other. */
const PRIMES = [7919, 7927, 7933, 7937, 7949, 7951, 7963, 7993, 8009, 8011, 8017, 8039, 8053, 8059, 8069, 8081, 8087, 8089, 8093, 8101];

/** Row i of the model: 20 numeric features in [0, 10) (shifted by `shift` in the first 10 stores), a store, p(yes). */
function record(i, shift, timestamp) {
  const store = STORES[i % STORES.length];
  const moved = shift && i % STORES.length < 10 ? shift : 0;
  const features = Object.fromEntries(FEATURES.map((f, j) => [f, ((i * PRIMES[j]) % 1000) / 100 + moved]));
  const output = Math.round((0.02 + (0.96 * ((i * 7919) % 10007)) / 10007) * 10000) / 10000;
  return { features, segments: { store }, output, ...(timestamp ? { timestamp } : {}) };
}

function withApplicationName(url, applicationName) {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}

/** Series of a Prometheus text exposition: every sample line, and per metric family. */
function seriesOf(text) {
  const families = {};
  let total = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    total++;
    const family = line.slice(0, line.search(/[{ ]/));
    families[family] = (families[family] ?? 0) + 1;
  }
  return { total, families };
}

/** Distinct values of `label` among the samples of `metric` whose labels include `filter`. */
function labelValues(text, metric, label, filter = {}) {
  const values = new Set();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const labels = Object.fromEntries([...line.slice(metric.length + 1, line.lastIndexOf('}')).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(filter).every(([k, v]) => labels[k] === v)) values.add(labels[label]);
  }
  return values;
}

/**
 * Samples, every `intervalMs`, which statements the backends of `applicationName` are running, until the
 * returned function is called; it resolves with the samples ({t, queries}).
 */
async function startActivitySampler(url, applicationName, intervalMs = 25) {
  const client = new pg.Client({ connectionString: withApplicationName(url, 'bench_activity') });
  await client.connect();
  const samples = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      const { rows } = await client.query(`SELECT query FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'`, [applicationName]);
      samples.push({ t, queries: rows.map((row) => row.query) });
      await sleep(intervalMs);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    await client.end();
    return samples;
  };
}

/** What a statement of the gauge refresh is, from its text. */
function statementKind(query) {
  if (query.includes('unnest(d.counts || d.missing)')) return 'drift window sum';
  if (query.includes('LEFT JOIN drift_buckets')) return 'drift stale-bucket check';
  if (query.includes('performance_buckets')) return 'performance window sum';
  return 'other';
}

/**
 * Refreshes seen as bursts of PostgreSQL activity: active samples less than `gapMs` apart belong to one
 * burst; only bursts that start and end inside the sampled span count. Also the share of active samples per
 * statement kind.
 */
function bursts(samples, gapMs = 400) {
  const found = [];
  let current;
  const kinds = {};
  let active = 0;
  for (const sample of samples) {
    if (sample.queries.length === 0) continue;
    active++;
    for (const query of sample.queries) kinds[statementKind(query)] = (kinds[statementKind(query)] ?? 0) + 1;
    if (current && sample.t - current.end <= gapMs) current.end = sample.t;
    else found.push((current = { start: sample.t, end: sample.t }));
  }
  const first = samples[0]?.t ?? 0;
  const last = samples.at(-1)?.t ?? 0;
  const complete = found.filter((b) => b.start - first > gapMs && last - b.end > gapMs);
  return { durations: complete.map((b) => b.end - b.start), activeShare: samples.length ? active / samples.length : NaN, kinds };
}

/**
 * One monitoring-only binary model with 20 numeric features and one segment key with 50 values, a
 * reference, and some thousands of predictions over the last hour spread over the 50 values; its server
 * refreshes the gauges every 2 s. Measured: the scrape (latency from a separate process, size, series)
 * and, in idle windows between the scrape rounds, the CPU the gauge refresh costs: the server's and its
 * PostgreSQL backends', minus the same of a control server on the same database whose gauges never refresh.
 */
export async function run(ctx) {
  const quick = ctx.options.quick;
  const predictions = quick ? 2000 : 10_000;
  const rounds = ctx.options.rounds ?? 3;
  const perRound = quick ? 20 : 50;
  // Two and a quarter ticks: a whole refresh usually falls inside (not when one outlasts the interval).
  const idleMs = 2.25 * GAUGE_INTERVAL_MS;
  const databaseUrl = await ctx.pg.createDatabase('metrics');
  const repository = join(ctx.tmp, 'metrics-models');
  mkdirSync(repository, { recursive: true });
  const raw = { predictions, rounds, perRound, idleMs, gaugeIntervalMs: GAUGE_INTERVAL_MS, latencies: [], idle: [] };
  const checks = [];
  const notes = [];
  let server;
  let control;
  let sampler;
  try {
    server = await startPlumbline({
      ctx,
      name: 'plumbline-metrics',
      databaseUrl: withApplicationName(databaseUrl, 'bench_gauges'),
      repository,
      dataDir: join(ctx.tmp, 'metrics-data'),
      env: { PLUMBLINE_GAUGE_INTERVAL: `${GAUGE_INTERVAL_MS}ms` },
      nodeArgs: ctx.nodeArgs('metrics'),
    });
    const send = async (method, path, body) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
      return JSON.parse(text);
    };
    await send('PUT', `/api/models/${MODEL}/config`, { task: 'binary', features: FEATURES, classes: ['no', 'yes'], segments: ['store'] });
    await send('PUT', `/api/models/${MODEL}/reference`, { records: Array.from({ length: REFERENCE_ROWS }, (_, i) => record(i, 0)) });
    ctx.log(`metrics: ingesting ${num(predictions)} predictions of '${MODEL}' (20 features, 50 stores) over the last hour`);
    const now = Date.now();
    const span = 50 * 60_000;
    for (let start = 0; start < predictions; start += 500) {
      const records = [];
      for (let i = start; i < Math.min(predictions, start + 500); i++) records.push(record(i + 7, 1, new Date(now - span + Math.floor((i * span) / predictions)).toISOString()));
      await send('POST', `/api/models/${MODEL}/predictions`, { records });
    }

    // The control: same database and model, gauges never refreshed — what an idle server costs anyway.
    control = await startPlumbline({
      ctx,
      name: 'plumbline-metrics-control',
      databaseUrl: withApplicationName(databaseUrl, 'bench_control'),
      repository,
      dataDir: join(ctx.tmp, 'metrics-control-data'),
      env: { PLUMBLINE_GAUGE_INTERVAL: '24h' },
    });

    // Gauges for every store and feature (a tick after the last prediction, its histograms flushed).
    await sleep(GAUGE_INTERVAL_MS + 1500);
    let text = '';
    const deadline = Date.now() + 180_000;
    for (;;) {
      text = await (await fetch(`${server.url}/metrics`)).text();
      const stores = labelValues(text, 'plumbline_drift', 'segment', { segment_key: 'store', window: '1h', version: '' });
      if (stores.size >= STORES.length) break;
      if (Date.now() > deadline) throw new Error(`no drift gauges for the 50 stores after 180 s (have ${stores.size})`);
      await sleep(500);
    }
    const series = seriesOf(text);
    const bytes = Buffer.byteLength(text);
    const gzipBytes = gzipSync(text).length;
    raw.scrape = { bytes, gzipBytes, series };
    const stores = labelValues(text, 'plumbline_drift', 'segment', { segment_key: 'store', window: '24h', version: '' });
    const features = labelValues(text, 'plumbline_drift', 'feature', { segment_key: 'store', window: '24h', version: '' });
    const statistics = labelValues(text, 'plumbline_drift', 'statistic', { window: '24h' });
    const logged = metricValue(text, 'plumbline_predictions_logged_total', { model: MODEL });
    const rows = await withClient(databaseUrl, async (client) => (await client.query('SELECT count(*)::int AS n FROM predictions WHERE model = $1', [MODEL])).rows[0].n);
    checks.push({
      kind: 'integrity',
      name: `'${MODEL}' predictions: rows in PostgreSQL and plumbline_predictions_logged_total = sent`,
      value: `${num(rows)} rows, ${num(logged)} counted, of ${num(predictions)}`,
      pass: rows === predictions && logged === predictions,
    });
    checks.push({
      kind: 'integrity',
      name: 'plumbline_drift covers every store and feature (window 24h, all versions)',
      value: `${stores.size} stores, ${features.size} features (${[...features].filter((f) => f.startsWith('__')).join(', ')} included), statistics ${[...statistics].sort().join(' ')}`,
      pass: stores.size === STORES.length && features.size === FEATURES.length + 1,
    });

    sampler = new pg.Client({ connectionString: withApplicationName(databaseUrl, 'bench_sampler') });
    await sampler.connect();
    const idleWindow = async () => {
      const before = { a: cpuMsOf(server.pid), b: cpuMsOf(control.pid), pa: await appCpu(sampler, 'bench_gauges'), pb: await appCpu(sampler, 'bench_control') };
      const stopSampler = await startActivitySampler(databaseUrl, 'bench_gauges');
      const t0 = performance.now();
      await sleep(idleMs);
      const elapsed = performance.now() - t0;
      const activity = bursts(await stopSampler());
      const after = { a: cpuMsOf(server.pid), b: cpuMsOf(control.pid), pa: await appCpu(sampler, 'bench_gauges'), pb: await appCpu(sampler, 'bench_control') };
      const ticks = elapsed / GAUGE_INTERVAL_MS;
      const window = {
        ms: elapsed,
        ticks,
        nodeMs: after.a - before.a,
        controlNodeMs: after.b - before.b,
        pgMs: backendCpuSince(before.pa, after.pa),
        controlPgMs: backendCpuSince(before.pb, after.pb),
        rssBytes: server.rss(),
        refreshMs: activity.durations,
        pgActiveShare: activity.activeShare,
        statements: activity.kinds,
      };
      // Refreshes in the window: its busy time over the length of one (a tick that finds a refresh still
      // running is skipped, so ticks overcount when a refresh outlasts the interval). None when no burst
      // ended inside the window: the gauges kept PostgreSQL busy throughout.
      window.saturated = activity.durations.length === 0;
      window.refreshes = window.saturated ? NaN : (activity.activeShare * elapsed) / (activity.durations.reduce((a, b) => a + b, 0) / activity.durations.length);
      window.nodePerRefresh = (window.nodeMs - window.controlNodeMs) / window.refreshes;
      window.pgPerRefresh = (window.pgMs - (Number.isFinite(window.controlPgMs) ? window.controlPgMs : 0)) / window.refreshes;
      raw.idle.push(window);
      return window;
    };
    const scrapeRound = async () => {
      const result = await runJson(join(ctx.bench, 'load', 'latency.mjs'), { url: `${server.url}/metrics`, warmup: 3, count: perRound });
      if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`/metrics answered ${JSON.stringify(result.statuses)}: ${result.sample}`);
      raw.latencies.push(...result.latencies);
      return result.latencies;
    };
    for (let r = 0; r < rounds; r++) {
      const steps = r % 2 === 0 ? ['scrape', 'idle'] : ['idle', 'scrape'];
      for (const step of steps) {
        if (step === 'scrape') {
          const latencies = await scrapeRound();
          ctx.log(`metrics: round ${r + 1}/${rounds} scrape: median ${ms(median(latencies))}, p95 ${ms(percentile(latencies, 95))}`);
        } else {
          const w = await idleWindow();
          ctx.log(
            `metrics: round ${r + 1}/${rounds} idle ${(w.ms / 1000).toFixed(1)} s: server CPU ${ms(w.nodeMs)} (control ${ms(w.controlNodeMs)}), PostgreSQL backends ${ms(w.pgMs)} (control ${ms(w.controlPgMs)}) → ${w.saturated ? 'no refresh ended inside the window' : `${w.refreshes.toFixed(2)} refreshes: per refresh server ${ms(w.nodePerRefresh)}, PostgreSQL ${ms(w.pgPerRefresh)}`}; PostgreSQL busy bursts ${w.refreshMs.map((d) => ms(d)).join(', ') || 'none complete'} (active ${Math.round(w.pgActiveShare * 100)}% of samples)`,
          );
        }
      }
    }
    // The server logs a failed refresh as a warning (LOG_LEVEL=warn): count them over the whole run.
    const failures = readFileSync(server.logFile, 'utf8').split('\n').filter((line) => /gauge refresh failed/.test(line));
    raw.refreshFailures = { count: failures.length, first: failures[0]?.slice(0, 400) };
  } finally {
    await sampler?.end().catch(() => undefined);
    await control?.stop();
    await server?.stop();
    await ctx.pg.dropDatabase(databaseUrl);
  }

  const nodePerRefresh = median(raw.idle.map((w) => w.nodePerRefresh));
  const pgPerRefresh = median(raw.idle.map((w) => w.pgPerRefresh));
  const saturated = raw.idle.filter((w) => w.saturated).length;
  if (saturated > 0) {
    notes.push(`in ${saturated} of ${raw.idle.length} idle windows no refresh ended before the next began (PostgreSQL busy throughout): a refresh took longer than the ${GAUGE_INTERVAL_MS / 1000} s interval there`);
  }
  const { series, bytes, gzipBytes } = raw.scrape;
  const family = (n) => num(series.families[n] ?? 0);
  const kib = (b) => `${num(b / 1024, 0)} KiB`;
  notes.push(
    `'${MODEL}': monitoring-only binary, 20 numeric features, segment key store with 50 values; reference of ${REFERENCE_ROWS} records; ${num(predictions)} predictions over the last 50 min (10 stores shifted); PLUMBLINE_GAUGE_INTERVAL=${GAUGE_INTERVAL_MS / 1000}s, windows 1h,24h (default)`,
  );
  notes.push(`scrapes run while the gauges keep refreshing every ${GAUGE_INTERVAL_MS / 1000} s (a scrape may wait behind a refresh on the event loop); ${rounds} rounds × ${perRound} sequential scrapes from a separate process`);
  if (raw.refreshFailures.count > 0) {
    notes.push(
      `the server logged ${raw.refreshFailures.count} failed gauge refreshes (the gauges then keep their previous values; a failed statement's backend is closed, so its CPU is missing from the per-refresh figure): ${raw.refreshFailures.first}`,
    );
  }
  const kinds = {};
  for (const w of raw.idle) for (const [kind, count] of Object.entries(w.statements)) kinds[kind] = (kinds[kind] ?? 0) + count;
  const kindTotal = Object.values(kinds).reduce((a, b) => a + b, 0);
  notes.push(
    `PostgreSQL busy per refresh: a burst of statements of the gauge server's backends (pg_stat_activity every 25 ms, gaps under 400 ms joined; drift and performance gauges refresh on the same tick); its statements by share of active samples: ${Object.entries(kinds).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${Math.round((v / kindTotal) * 100)}%`).join(', ')}`,
  );
  notes.push(
    `refresh cost = CPU during ${idleMs / 1000} s idle windows (no scrapes, no traffic) of this server minus that of a control server on the same database with PLUMBLINE_GAUGE_INTERVAL=24h, divided by the refreshes in the window (busy time / burst length); PostgreSQL = its backends' CPU by application_name (/proc); a refresh's wall time is the burst (mostly one backend at a time, sharing 2 cores with everything else)`,
  );
  raw.latencies = raw.latencies.map((n) => Math.round(n * 1000) / 1000);
  return {
    title,
    columns: ['what', 'value'],
    rows: [
      ['scrape latency, median', ms(median(raw.latencies))],
      ['scrape latency, p95', ms(percentile(raw.latencies, 95))],
      ['response size', `${num(bytes)} bytes (${kib(bytes)}; gzip ${kib(gzipBytes)})`],
      ['series, total', num(series.total)],
      ['  plumbline_drift', family('plumbline_drift')],
      ['  plumbline_performance', family('plumbline_performance')],
      ['  other', num(series.total - (series.families.plumbline_drift ?? 0) - (series.families.plumbline_performance ?? 0))],
      ['gauge refresh, PostgreSQL busy per refresh (median)', saturated === raw.idle.length ? `> ${GAUGE_INTERVAL_MS / 1000} s (never idle)` : ms(median(raw.idle.flatMap((w) => w.refreshMs)))],
      ['gauge refresh, server CPU per refresh', ms(nodePerRefresh)],
      ['gauge refresh, PostgreSQL CPU per refresh', ms(pgPerRefresh)],
      ['gauge refreshes failed (server log)', num(raw.refreshFailures.count)],
      ['server RSS (idle windows, median)', `${Math.round(median(raw.idle.map((w) => w.rssBytes)) / 1048576)} MiB`],
    ],
    checks,
    notes,
    raw,
  };
}
