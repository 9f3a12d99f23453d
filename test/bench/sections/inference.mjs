import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { metricValue, startPlumbline, startServer } from '../lib/plumbline.mjs';
import { withClient } from '../lib/postgres.mjs';
import { runJson, sleep } from '../lib/procs.mjs';
import { median, mib, ms, num, ratio, x } from '../lib/stats.mjs';

export const name = 'inference';
export const title = 'Inference cost vs. bare — POST /v2/models/credit/infer, 1 and 32 rows, 64 connections';

const ROW = [41, 52000, 0.3, 24, 3];
const BODIES = {
  1: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: ROW }] }),
  32: JSON.stringify({ inputs: [{ name: 'input', shape: [32, 5], datatype: 'FP32', data: Array.from({ length: 32 }, (_, i) => [ROW[0] + (i % 40), ROW[1] + 100 * i, ROW[2], ROW[3], ROW[4]]) }] }),
};
const BODY = BODIES[1];
// group and async micro-batch the requests of one event-loop turn (the default); unbatched runs every
// request alone (the baseline of the micro-batching target); batch also waits up to 2 ms for more.
const MODES = { group: {}, async: { PLUMBLINE_LOG_MODE: 'async' }, unbatched: { PLUMBLINE_BATCH_MAX_ROWS: '1' }, batch: { PLUMBLINE_BATCH_MAX_WAIT_US: '2000' } };
// The bare server with a minimal durable log (see bare-server.mjs): what logging these rows costs on this
// stack without Plumbline's work, answering after the commit (group) or at once (async).
const BARE_LOGS = { bareGroup: 'group', bareAsync: 'async' };
const RSS_LIMIT = 400 * 1024 * 1024;

/**
 * Bare Fastify + onnxruntime-node (test/bench/bare-server.mjs), alone and with a minimal durable log
 * in group and async mode, vs Plumbline with group commit (the default), with PLUMBLINE_LOG_MODE=async,
 * without micro-batching and with a 2 ms micro-batching wait, all serving models/credit/2; the same
 * body (1, then 32 rows) at 64 connections from a separate autocannon process, 10 s rounds (--seconds),
 * contenders alternating. Each Plumbline logs into its own database, where the rows of model credit must
 * equal the rows it answered.
 */
export async function run(ctx) {
  const quick = ctx.options.quick;
  const rounds = ctx.options.rounds ?? 3;
  const duration = ctx.options.seconds ?? (quick ? 3 : 10);
  // --rows=1 measures one-row requests only (the targets' size): more rounds of them in the same time.
  const sizes = ctx.options.rows === 1 ? [1] : [1, 32];
  const connections = 64;
  const repository = join(ctx.tmp, 'infer-models');
  cpSync(join(ctx.root, 'models'), repository, { recursive: true });
  const databases = {};
  for (const mode of [...Object.keys(BARE_LOGS), ...Object.keys(MODES)]) databases[mode] = await ctx.pg.createDatabase(`infer_${mode}`);
  const servers = {};
  const contenders = ['bare', ...Object.keys(BARE_LOGS), ...Object.keys(MODES)];
  const raw = { rounds, duration, connections, body: JSON.parse(BODY), trials: [], modelRuns: [] };
  const checks = [];
  const notes = [];
  try {
    ctx.log('inference: starting bare (without and with its minimal log, group and async), Plumbline (group), Plumbline (async), Plumbline (group, no micro-batching) and Plumbline (group + micro-batching 2 ms)');
    const startBare = (key, env) =>
      startServer({ name: key, script: join(ctx.bench, 'bare-server.mjs'), args: [join(repository, 'credit', '2', 'model.onnx')], env: { ...process.env, ...env }, tmp: ctx.tmp, readyPath: '/v2/health/ready', cwd: ctx.root, nodeArgs: ctx.nodeArgs(`inference-${key}`) });
    servers.bare = await startBare('bare', {});
    for (const [key, mode] of Object.entries(BARE_LOGS)) servers[key] = await startBare(key, { BARE_LOG: mode, BARE_LOG_DATABASE_URL: databases[key] });
    for (const [mode, env] of Object.entries(MODES)) {
      servers[mode] = await startPlumbline({
        ctx,
        name: `plumbline-${mode}`,
        databaseUrl: databases[mode],
        repository,
        dataDir: join(ctx.tmp, `infer-data-${mode}`),
        env,
        nodeArgs: ctx.nodeArgs(`inference-${mode}`),
      });
    }
    const load = (key, seconds, rows = 1) => runJson(join(ctx.bench, 'load', 'http-load.mjs'), { url: `${servers[key].url}/v2/models/credit/infer`, body: BODIES[rows], connections, duration: seconds });
    for (const key of contenders) {
      const warm = await load(key, quick ? 1 : 3);
      if (warm.ok2xx === 0) throw new Error(`${key} answered no 2xx in the warm-up: ${JSON.stringify(warm)}`);
    }
    ctx.log('inference: warmed up');
    for (let r = 0; r < rounds; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      for (const rows of sizes) for (const key of order) {
        const start = new Date();
        const result = await load(key, duration, rows);
        result.rows = rows;
        if (key in MODES) {
          await settle(servers[key], databases[key]);
          Object.assign(result, await logWrites(databases[key], 'predictions', start, new Date()));
        } else if (key in BARE_LOGS) {
          // The async bare log commits up to its 10 ms linger after the last answer: count until the count holds.
          let writes = await logWrites(databases[key], 'bare_log', start, new Date());
          for (let i = 0; i < 20; i++) {
            await sleep(100);
            const again = await logWrites(databases[key], 'bare_log', start, new Date());
            if (again.logRows === writes.logRows) break;
            writes = again;
          }
          Object.assign(result, writes);
        }
        raw.trials.push({ round: r, contender: key, ...result });
        ctx.log(
          `inference: round ${r + 1}/${rounds} ${key}, ${rows} row(s)/request: ${num(result.requestsPerSecond)} req/s (${num(result.requestsPerSecond * rows)} rows/s), p50 ${ms(result.latencyMs.p50)}, p99 ${ms(result.latencyMs.p99)}` +
            `${result.logRows !== undefined ? `, ${num(result.logRows / result.durationSeconds)} log rows/s in PostgreSQL` : ''}` +
            `${result.rowsPerCommit ? `, ${result.rowsPerCommit.toFixed(1)} rows per commit` : ''}` +
            `${result.non2xx || result.errors || result.timeouts ? `, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}` : ''}`,
        );
      }
      // What micro-batching can save at most: one model run, measured in each round (this host's speed drifts).
      const run = await runJson(join(ctx.bench, 'load', 'model-run.mjs'), { model: join(repository, 'credit', '2', 'model.onnx'), rows: connections, calls: quick ? 300 : 1000, blocks: 3 });
      raw.modelRuns.push({ round: r, ...run });
    }
    raw.rss = Object.fromEntries(contenders.map((key) => [key, { rss: servers[key].rss(), peak: servers[key].peakRss() }]));
    // RSS under a full-load run of the default server (group commit, 1 row): sampled every second.
    const rssSeconds = quick ? 10 : 60;
    const samples = [];
    const sampler = setInterval(() => samples.push(servers.group.rss()), 1000);
    await load('group', rssSeconds);
    clearInterval(sampler);
    const window = Math.min(10, Math.floor(samples.length / 2));
    const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    const first = mean(samples.slice(0, window));
    const last = mean(samples.slice(-window));
    raw.rssRun = { seconds: rssSeconds, samples };
    checks.push({ kind: 'target', name: `RSS over ${rssSeconds} s at full load (group commit)`, value: `peak ${mib(Math.max(...samples))}, first ${window} s ${mib(first)}, last ${window} s ${mib(last)} (${((last / first - 1) * 100).toFixed(1)} %)`, target: '< 400 MiB, growth ≤ 10 %', pass: Math.max(...samples) < RSS_LIMIT && last <= first * 1.1 });
    // And the peak of every Plumbline mode over all its rounds (1 and 32 rows), before the run above.
    const peaks = Object.keys(MODES).map((key) => [key, raw.rss[key].peak]);
    checks.push({
      kind: 'target',
      name: `RSS peak of every Plumbline mode over its rounds (${sizes.join(' and ')} row${sizes.length > 1 ? 's' : ''} per request)`,
      value: peaks.map(([key, peak]) => `${key} ${mib(peak)}`).join(', '),
      target: '< 400 MiB',
      pass: peaks.every(([, peak]) => peak < RSS_LIMIT),
    });
    for (const key of Object.keys(BARE_LOGS)) {
      const rows = await withClient(databases[key], async (client) => (await client.query('SELECT count(*)::int AS n FROM bare_log')).rows[0].n);
      const clientOk = raw.trials.filter((t) => t.contender === key).reduce((sum, t) => sum + t.ok2xx * t.rows, 0);
      checks.push({ kind: 'integrity', name: `bare + minimal log wrote every row it answered (${key})`, value: `${num(rows)} rows in its table, ${num(clientOk)} rows in the 2xx received in the measured rounds (warm-up included in the table)`, pass: rows >= clientOk });
    }
    for (const mode of Object.keys(MODES)) {
      const { rows, answered } = await settle(servers[mode], databases[mode]);
      const clientOk = raw.trials.filter((t) => t.contender === mode).reduce((sum, t) => sum + t.ok2xx * t.rows, 0);
      raw[`${mode}Integrity`] = { rows, answered, clientOkInRounds: clientOk };
      checks.push({
        kind: 'integrity',
        name: `zero lost (${mode})`,
        value: `${num(rows)} rows of credit in predictions, ${num(answered)} rows answered by Plumbline (its counter, warm-up and RSS run included), ${num(clientOk)} rows in the 2xx received in the measured rounds`,
        pass: rows === answered && rows >= clientOk,
      });
    }
  } finally {
    for (const server of Object.values(servers)) await server.stop();
    for (const url of Object.values(databases)) await ctx.pg.dropDatabase(url);
  }

  const trialsOf = (key, size) => raw.trials.filter((t) => t.contender === key && t.rows === size);
  const of = (key, size, pick) => median(trialsOf(key, size).map(pick));
  // Ratios are paired: each round's trial over the other contender's trial of the same round, then the
  // median over the rounds. A ratio of median rates may pair rounds far apart, and this shared host's
  // speed drifts within minutes.
  const roundRatios = (key, other, size, pick) => {
    const others = trialsOf(other, size);
    return trialsOf(key, size).map((t) => {
      const same = others.find((o) => o.round === t.round);
      return same ? ratio(pick(t), pick(same)) : NaN;
    });
  };
  const paired = (key, other, size, pick) => median(roundRatios(key, other, size, pick));
  const perRound = (key, other, pick) => roundRatios(key, other, 1, pick).map(x).join(' / ');
  const labels = { bare: 'bare Fastify + ORT', bareGroup: 'bare + minimal log, group commit', bareAsync: 'bare + minimal log, async', group: 'Plumbline (group commit)', async: 'Plumbline (async log)', unbatched: 'Plumbline (group, no micro-batching)', batch: 'Plumbline (group + micro-batching 2 ms)' };
  const rows = [];
  const rps = (t) => t.requestsPerSecond;
  for (const size of sizes) {
    for (const key of contenders) {
      const rate = of(key, size, rps);
      rows.push([
        labels[key],
        String(size),
        num(rate),
        num(rate * size),
        trialsOf(key, size).map((t) => num(rps(t))).join(' / '),
        x(paired(key, 'bare', size, rps)),
        ms(of(key, size, (t) => t.latencyMs.p50)),
        ms(of(key, size, (t) => t.latencyMs.p99)),
        key in MODES || key in BARE_LOGS ? num(of(key, size, (t) => t.logRows / t.durationSeconds)) : '—',
        key in MODES || key in BARE_LOGS ? of(key, size, (t) => t.rowsPerCommit).toFixed(1) : '—',
        mib(raw.rss[key].rss),
        mib(raw.rss[key].peak),
        num(trialsOf(key, size).reduce((sum, t) => sum + t.non2xx + t.errors + t.timeouts, 0)),
      ]);
    }
  }
  const p99 = (t) => t.latencyMs.p99;
  const compare = (kind, name, key, other, pick, target, pass) => {
    const value = paired(key, other, 1, pick);
    checks.push({ kind, name, value: `${x(value)} (rounds ${perRound(key, other, pick)})`, ...(target ? { target, pass: pass(value) } : {}) });
  };
  compare('target', 'group commit vs bare, 1 row (req/s)', 'group', 'bare', rps, '≥ 0.70×', (v) => v >= 0.7);
  compare('target', 'async vs bare, 1 row (req/s)', 'async', 'bare', rps, '≥ 0.85×', (v) => v >= 0.85);
  compare('target', 'group commit p99 vs bare p99, 1 row', 'group', 'bare', p99, '≤ 2×', (v) => v <= 2);
  compare('target', 'micro-batching (default, group commit) vs none, 64 single-row clients (rows/s)', 'group', 'unbatched', rps, '≥ 1.5×', (v) => v >= 1.5);
  // Micro-batching shares model runs and nothing else: each request is still its own HTTP exchange and its
  // own rows in the log. So if a request takes T µs of the server's time without it (1 / req/s), and merging
  // saves at most `saved` µs of model run per request, rows/s can rise at most T / (T − saved).
  const savedIn = (round) => { const run = raw.modelRuns.find((m) => m.round === round); return run.usPerRun1 - run.usPerRunMerged / run.rows; };
  const bound = (t) => { const us = 1e6 / t.requestsPerSecond; return us / (us - savedIn(t.round)); };
  raw.microBatchingBound = median(trialsOf('unbatched', 1).map(bound));
  const runs = (field) => median(raw.modelRuns.map((m) => m[field])).toFixed(1);
  checks.push({
    kind: 'limit',
    name: 'micro-batching, the most it can gain here (rows/s, 64 single-row clients)',
    value: `${x(raw.microBatchingBound)} (rounds ${trialsOf('unbatched', 1).map((t) => x(bound(t))).join(' / ')}): a run of the model takes ${runs('usPerRun1')} µs with 1 row and ${runs('usPerRunMerged')} µs with ${connections} rows (test/bench/load/model-run.mjs, medians), so merging saves at most ${median(raw.modelRuns.map((m) => savedIn(m.round))).toFixed(1)} µs of the ${num(1e6 / of('unbatched', 1, rps))} µs a request takes without it; even bare would gain at most ${x(median(trialsOf('bare', 1).map(bound)))}`,
  });
  // What the log mode itself costs on this machine: the bare server with a minimal durable log.
  compare('limit', 'bare + minimal log, group commit, vs bare, 1 row (req/s): what answering after a commit costs here with the least log work', 'bareGroup', 'bare', rps);
  compare('limit', 'Plumbline (group commit) vs bare + minimal log, group commit, 1 row (req/s)', 'group', 'bareGroup', rps);
  compare('limit', 'bare + minimal log, async, vs bare, 1 row (req/s)', 'bareAsync', 'bare', rps);
  compare('limit', 'Plumbline (async log) vs bare + minimal log, async, 1 row (req/s)', 'async', 'bareAsync', rps);
  notes.push(`${rounds} rounds × ${duration} s per contender after a warm-up, order rotating; ratios are the median over the rounds of each round's ratio; autocannon runs in its own process on the same 2 cores as the server and PostgreSQL`);
  notes.push('micro-batching: by default the requests read in one event-loop turn share one session.run, with no added wait; "no micro-batching" is PLUMBLINE_BATCH_MAX_ROWS=1, "2 ms" is PLUMBLINE_BATCH_MAX_WAIT_US=2000');
  notes.push('bare + minimal log: the bare server that also writes each row (id, time, version, features, output) into one table without indexes, the rows waiting at a time in one INSERT of one transaction, async lingering 10 ms like Plumbline (test/bench/bare-server.mjs); Plumbline also keeps the ids unique, the daily partitions and the aggregates in the same transaction');
  notes.push('micro-batching bound: T / (T − saved), with T the µs per request without micro-batching (1 / its req/s) and saved = run(1 row) − run(64 rows) / 64, both of the same round, median over the rounds: a target above it cannot be met with this model on this machine, whatever the batching');
  notes.push('rows/commit: prediction rows per log transaction during a round (rows of one transaction share its xmin): the batch size of the prediction log writer');
  notes.push("PG log rows/s: the log rows of a round counted in PostgreSQL (its time range, after the server has committed them) over the round's length; Plumbline also writes one prediction_ids row per prediction and the aggregate deltas in the same transaction");
  return {
    title,
    columns: ['server', 'rows/req', 'req/s (median)', 'rows/s', 'per round', 'vs bare', 'p50', 'p99', 'PG log rows/s', 'rows/commit', 'RSS end', 'RSS peak', 'non-2xx/errors'],
    rows,
    checks,
    notes,
    raw,
  };
}

/**
 * The log rows of [from, to) as PostgreSQL holds them (`predictions` of model credit, or the bare server's
 * `bare_log`): how many, and how many per log transaction (rows written by one transaction share its xmin).
 */
function logWrites(databaseUrl, table, from, to) {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n, count(DISTINCT xmin::text)::int AS commits FROM ${table} WHERE ${table === 'predictions' ? "model = 'credit' AND " : ''}ts >= $1 AND ts < $2`,
      [from, to],
    );
    return { logRows: rows[0].n, rowsPerCommit: rows[0].n / Math.max(rows[0].commits, 1) };
  });
}

/**
 * Waits until the rows of model credit in the server's database equal the rows of the requests the server
 * answered (immediate with group commit; async commits shortly after answering). Returns both.
 */
async function settle(server, databaseUrl) {
  let rows = -1;
  let answered = -2;
  for (let i = 0; i < 100; i++) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    // Rows answered: the rows of every request that was logged (plumbline_inference_batch_rows observes them then).
    answered = metricValue(text, 'plumbline_inference_batch_rows_sum', { model: 'credit' });
    rows = await withClient(databaseUrl, async (client) => (await client.query(`SELECT count(*)::int AS n FROM predictions WHERE model = 'credit'`)).rows[0].n);
    if (rows === answered) break;
    await sleep(200);
  }
  return { rows, answered };
}
