import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fillLog, REGIONS } from '../lib/fill.mjs';
import { startPlumbline } from '../lib/plumbline.mjs';
import { startSampler } from '../lib/pg-sampler.mjs';
import { backendCpu, backendCpuSince, withClient } from '../lib/postgres.mjs';
import { cpuMsOf, runJson } from '../lib/procs.mjs';
import { median, num, ms, ratio, seconds, x } from '../lib/stats.mjs';
import { permutationMultiplier } from '../load/label-rows.mjs';

export const name = 'labels';
export const title = 'Label ingestion — POST /api/models/bench/labels vs a plain COPY of the same (id, label) rows';

const MODEL = 'bench';
const PREFIX = 'b';
const TARGET_RATE = 25_000;
const TARGET_COPY_RATIO = 0.3;
const DAY_MS = 86_400_000;
const CORES = availableParallelism();

/** `backendCpu` of the server's connections: the client backends of the bench database (autovacuum runs when it runs, not per trial). */
const serverBackendCpu = (databaseUrl) => withClient(databaseUrl, (client) => backendCpu(client, "datname = current_database() AND backend_type = 'client backend'"));

/** Waits (up to 15 s) until the server has folded every aggregate delta; returns how long it waited. */
async function settle(databaseUrl) {
  const start = performance.now();
  await withClient(databaseUrl, async (client) => {
    while (performance.now() - start < 15_000) {
      const { rows } = await client.query('SELECT EXISTS (SELECT 1 FROM performance_deltas) AS pending');
      if (!rows[0].pending) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  return performance.now() - start;
}

/**
 * A log of ≥ 1M predictions of the monitoring-only model `bench` (the last 24 h), then label calls of 1,000
 * and 10,000 labels at concurrency 1 and 4, alternating with a COPY of the same rows, for several
 * rounds; after every call series the labels of logged predictions (and the labeled count in the
 * aggregates) must equal the labels sent.
 */
export async function run(ctx) {
  const quick = ctx.options.quick;
  // --compare=<dir>: a second server from another build (a copy of dist/) labels the same log, each of its trials
  // next to the same trial of this build's server, so that a change is measured against its base in one run.
  const compare = ctx.options.compare;
  const contenders = [
    { key: 'http-1000x1', batch: 1000, concurrency: 1, count: quick ? 10_000 : 50_000 },
    { key: 'http-1000x4', batch: 1000, concurrency: 4, count: quick ? 10_000 : 50_000 },
    { key: 'http-10000x1', batch: 10_000, concurrency: 1, count: quick ? 20_000 : 100_000 },
    { key: 'http-10000x4', batch: 10_000, concurrency: 4, count: quick ? 20_000 : 100_000 },
  ].flatMap((c) => (compare ? [c, { ...c, key: `${c.key}@base`, base: true }] : [c]));
  contenders.push(
    { key: 'copy', copyOf: 'http-10000x4' },
    // The least any loss computation reads (each label's logged output), on the same ids: its rate bounds every design.
    { key: 'lookup', copyOf: 'http-10000x4', batch: 10_000, concurrency: 4 },
    // Less still: only whether each id is logged (matched or pending), what any design must ask PostgreSQL.
    { key: 'probe', copyOf: 'http-10000x4', batch: 10_000, concurrency: 4, probe: true },
  );
  const rounds = ctx.options.rounds ?? 3;
  // Each HTTP trial takes its own slice of the permutation of the log: no prediction is labeled twice.
  const offsets = new Map();
  let used = 0;
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders.filter((c) => !c.copyOf)) {
      offsets.set(`${r}:${c.key}`, used);
      used += c.count;
    }
  }
  // A warm-up round before the counted ones: every HTTP contender once, in the same order and on slices of their own,
  // not counted (with --compare, each server its own). The rounds then measure the server as it runs once its PostgreSQL
  // backends have touched the log's pages, not its first minute: each first touch of a page is a page fault in that
  // backend, 11-14 µs each on this kind of VM (Firecracker). After a warm-up of 20,000 labels the first round was the
  // slowest of every run (1,000 × 1: 17.8-23.1k labels/s, 21.5-32.0k later); in a lab, a new server's trials of 50,000 labels
  // went 17.3k, 21.0k, 26.3k and 26.9k labels/s, PostgreSQL 67, 52, 42 and 39 µs and 0.87, 0.35, 0.19 and 0.13 page faults
  // per label.
  const warmups = contenders.filter((c) => !c.copyOf).map((c) => {
    const count = quick ? Math.min(c.count, 5_000) : c.count;
    const warmup = { contender: c, offset: used, count };
    used += count;
    return warmup;
  });
  // At least 1.2M predictions (1M asked for, with room for 3 rounds without labeling any prediction twice).
  const logRows = Math.max(quick ? 200_000 : 1_200_000, used);
  const multiplier = permutationMultiplier(logRows);

  const databaseUrl = await ctx.pg.createDatabase('labels');
  const repository = join(ctx.tmp, 'labels-models');
  mkdirSync(join(repository, MODEL), { recursive: true });
  writeFileSync(join(repository, MODEL, 'config.json'), JSON.stringify({ task: 'binary', features: ['x'], classes: ['no', 'yes'], segments: ['region'] }));
  const raw = { logRows, rounds, trials: [] };
  const checks = [];
  const notes = [];
  let server;
  let baseServer;
  try {
    server = await startPlumbline({ ctx, name: 'plumbline-labels', databaseUrl, repository, dataDir: join(ctx.tmp, 'labels-data'), nodeArgs: ctx.nodeArgs('labels') });
    if (compare) {
      baseServer = await startPlumbline({ ctx, name: 'plumbline-labels-base', databaseUrl, repository, dataDir: join(ctx.tmp, 'labels-data-base'), nodeArgs: ctx.nodeArgs('labels-base'), dist: compare });
    }
    // The last 24 hours, whatever the time of day: labels then fall in a day's aggregate buckets (1,440 minutes ×
    // 4 regions), as a day of delayed labels does. The log used to span today only, so a run just after midnight
    // wrote a tenth of the aggregate rows of a run at 23:00 (1,000-label calls: 30.5k labels/s at 00:32, 19.9k at 23:45).
    const to = new Date();
    const from = new Date(to - DAY_MS);
    ctx.log(`labels: filling the log with ${num(logRows)} predictions of '${MODEL}' (${from.toISOString()} .. ${to.toISOString()})`);
    const t0 = performance.now();
    raw.fillMs = await fillLog(databaseUrl, { model: MODEL, prefix: PREFIX, rows: logRows, from, to });
    await withClient(databaseUrl, (client) => client.query('VACUUM ANALYZE predictions, prediction_ids, performance_buckets'));
    ctx.log(`labels: filled and vacuumed in ${seconds(performance.now() - t0)} (${Object.entries(raw.fillMs).map(([k, v]) => `${k} ${seconds(v)}`).join(', ')})`);
    const performance0 = await (await fetch(`${server.url}/api/models/${MODEL}/performance?from=${new Date(from - 60_000).toISOString()}&to=${new Date(+to + 60_000).toISOString()}&segment=region`)).json();
    checks.push({
      kind: 'integrity',
      name: 'filled log as the server sees it',
      value: `performance count ${num(performance0.overall?.count)} of ${num(logRows)} logged, regions ${Object.keys(performance0.segments ?? {}).join(',')}`,
      pass: performance0.overall?.count === logRows && Object.keys(performance0.segments ?? {}).length === REGIONS.length,
    });

    let labeledSent = 0;
    for (const { contender: c, offset, count } of warmups) {
      const warm = await runJson(join(ctx.bench, 'load', 'labels.mjs'), { mode: 'http', url: (c.base ? baseServer : server).url, model: MODEL, prefix: PREFIX, rows: logRows, multiplier, offset, count, batch: c.batch, concurrency: c.concurrency });
      ctx.log(`labels: warm-up ${c.batch}/call × ${c.concurrency}${c.base ? ' (--compare)' : ''}: ${num(warm.sent / (warm.elapsedMs / 1000))} labels/s (${num(warm.sent)}, not counted)`);
      labeledSent += warm.matched;
    }
    let lost = 0;
    for (let r = 0; r < rounds; r++) {
      // Alternate: each round starts one contender later.
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      for (const c of order) {
        const slice = c.copyOf ? contenders.find((o) => o.key === c.copyOf) : c;
        const spec = { prefix: PREFIX, rows: logRows, multiplier, offset: offsets.get(`${r}:${slice.key}`), count: slice.count };
        if (c.key === 'lookup' || c.key === 'probe') {
          const result = await runJson(join(ctx.bench, 'load', 'labels.mjs'), { mode: 'lookup', probe: c.probe, databaseUrl, model: MODEL, batch: c.batch, concurrency: c.concurrency, ...spec });
          const rate = result.read / (result.elapsedMs / 1000);
          raw.trials.push({ round: r, contender: c.key, rows: result.read, elapsedMs: result.elapsedMs, rate });
          ctx.log(`labels: round ${r + 1}/${rounds} ${c.probe ? 'probe (is it logged?)' : 'lookup'} of ${num(result.read)} predictions by id (10,000 per statement × 4): ${num(rate)} rows/s`);
          continue;
        }
        if (c.copyOf) {
          const result = await runJson(join(ctx.bench, 'load', 'labels.mjs'), { mode: 'copy', databaseUrl, ...spec });
          const rate = result.copied / (result.elapsedMs / 1000);
          raw.trials.push({ round: r, contender: c.key, rows: result.copied, elapsedMs: result.elapsedMs, rate });
          ctx.log(`labels: round ${r + 1}/${rounds} COPY ${num(result.copied)} rows: ${num(rate)} rows/s`);
          continue;
        }
        // The previous trial's deltas are folded first (about every two seconds): that work is the previous trial's.
        raw.settleMs = (raw.settleMs ?? 0) + (await settle(databaseUrl));
        const labeler = c.base ? baseServer : server;
        const cpuBefore = { server: cpuMsOf(labeler.pid), pg: await serverBackendCpu(databaseUrl) };
        const stopSampler = await startSampler(databaseUrl);
        const result = await runJson(join(ctx.bench, 'load', 'labels.mjs'), { mode: 'http', url: labeler.url, model: MODEL, batch: c.batch, concurrency: c.concurrency, ...spec });
        const activity = await stopSampler();
        // CPU per label: the server's process and the database's backends, until this trial's deltas are folded too
        // (a backend that started during the trial counts from zero).
        await settle(databaseUrl);
        const cpu = {
          serverUsPerLabel: ((cpuMsOf(labeler.pid) - cpuBefore.server) * 1000) / result.sent,
          pgUsPerLabel: (backendCpuSince(cpuBefore.pg, await serverBackendCpu(databaseUrl)) * 1000) / result.sent,
        };
        labeledSent += result.sent;
        const rate = result.sent / (result.elapsedMs / 1000);
        const { labeled, aggregated } = await withClient(databaseUrl, async (client) => {
          const a = await client.query(`SELECT count(*)::int AS n FROM labels l JOIN prediction_ids i ON i.model = l.model AND i.id = l.id WHERE l.model = $1`, [MODEL]);
          const b = await client.query(`SELECT coalesce(sum(labeled), 0)::int AS n FROM performance_all WHERE model = $1 AND segment_key = ''`, [MODEL]);
          return { labeled: a.rows[0].n, aggregated: b.rows[0].n };
        });
        const ok = result.matched === result.sent && result.errors.length === 0 && labeled === labeledSent && aggregated === labeledSent;
        if (!ok) lost += Math.max(0, labeledSent - labeled);
        raw.trials.push({ round: r, contender: c.key, ...result, callMs: undefined, callP50Ms: median(result.callMs), rate, labeledInLog: labeled, labeledInAggregates: aggregated, labeledSent, ok, activity, cpu });
        ctx.log(
          `labels: round ${r + 1}/${rounds} ${c.batch}/call × ${c.concurrency}${c.base ? ' (--compare)' : ''}: ${num(rate)} labels/s (${num(result.sent)} in ${seconds(result.elapsedMs)}), ` +
            `PG active ${activity.activeAvg.toFixed(1)}, lock-waiting ${activity.lockWaitingAvg.toFixed(1)}, CPU per label ${cpu.serverUsPerLabel.toFixed(1)} µs server + ${cpu.pgUsPerLabel.toFixed(1)} µs PostgreSQL, labeled rows ${num(labeled)} / sent ${num(labeledSent)}${ok ? '' : ` MISMATCH (matched ${result.matched}, errors ${result.errors.slice(0, 2).join('; ')}, aggregates ${aggregated})`}`,
        );
      }
    }
    checks.push({
      kind: 'integrity',
      name: 'zero labels lost',
      value: `${num(labeledSent)} labels sent, ${raw.trials.every((t) => !t.contender.startsWith('http-') || t.ok) ? 'all' : 'NOT all'} in labels (of logged predictions) and counted in performance_buckets after every run`,
      pass: raw.trials.every((t) => !t.contender.startsWith('http-') || t.ok) && lost === 0,
    });
  } finally {
    await server?.stop();
    await baseServer?.stop();
    await ctx.pg.dropDatabase(databaseUrl);
  }

  const rateOf = (key) => median(raw.trials.filter((t) => t.contender === key).map((t) => t.rate));
  const perRound = (key) => raw.trials.filter((t) => t.contender === key).map((t) => num(t.rate)).join(' / ');
  const copyRate = rateOf('copy');
  const rows = [];
  rows.push(['COPY (id, label) → unlogged table', '—', '—', `${num(copyRate)} rows/s`, perRound('copy'), '1.00×', '—', '—', '—', '—', '—']);
  const lookupRate = rateOf('lookup');
  rows.push(['lookup only: SELECT output by id', num(10_000), 4, `${num(lookupRate)} rows/s`, perRound('lookup'), x(ratio(lookupRate, copyRate)), '—', '—', '—', 'ceiling of a loss from the log', '—']);
  const probeRate = rateOf('probe');
  rows.push(['probe only: is the id logged? (index-only)', num(10_000), 4, `${num(probeRate)} rows/s`, perRound('probe'), x(ratio(probeRate, copyRate)), '—', '—', '—', 'ceiling of any design', '—']);
  for (const c of contenders.filter((c) => !c.copyOf)) {
    const rate = rateOf(c.key);
    const trials = raw.trials.filter((t) => t.contender === c.key);
    const callP50 = median(trials.map((t) => t.callP50Ms));
    const activity = `${median(trials.map((t) => t.activity.activeAvg)).toFixed(1)} / ${median(trials.map((t) => t.activity.lockWaitingAvg)).toFixed(1)}`;
    const serverUs = median(trials.map((t) => t.cpu.serverUsPerLabel));
    const pgUs = median(trials.map((t) => t.cpu.pgUsPerLabel));
    const pass = rate >= TARGET_RATE;
    if (c.base) {
      // This build over the base, round by round (each pair ran next to each other), then the median.
      const pairs = trials.map((t) => ratio(raw.trials.find((u) => u.round === t.round && u.contender === c.key.replace('@base', '')).rate, t.rate));
      rows.push([`POST labels, ${compare}`, num(c.batch), c.concurrency, `${num(rate)} labels/s`, perRound(c.key), x(ratio(rate, copyRate)), ms(callP50), activity, `${serverUs.toFixed(1)} + ${pgUs.toFixed(1)}`, '—', '—']);
      checks.push({ kind: 'limit', name: `labels ${c.batch}/call × ${c.concurrency}: this build over ${compare}`, value: `${x(median(pairs))} (paired by round: ${pairs.map(x).join(' / ')})` });
    } else {
      rows.push([`POST labels`, num(c.batch), c.concurrency, `${num(rate)} labels/s`, perRound(c.key), x(ratio(rate, copyRate)), ms(callP50), activity, `${serverUs.toFixed(1)} + ${pgUs.toFixed(1)}`, `≥ ${num(TARGET_RATE)}/s`, pass ? 'yes' : 'MISS']);
      checks.push({ kind: 'target', name: `labels ${c.batch}/call × ${c.concurrency}`, value: `${num(rate)} labels/s`, target: `≥ ${num(TARGET_RATE)} labels/s`, pass });
    }
    raw.cpuCeiling = { ...raw.cpuCeiling, [c.key]: (CORES * 1e6) / (serverUs + pgUs) };
    checks.push({
      kind: 'limit',
      name: `labels ${c.batch}/call × ${c.concurrency}: CPU per label`,
      value: `${serverUs.toFixed(1)} µs of the server + ${pgUs.toFixed(1)} µs of PostgreSQL = ${(serverUs + pgUs).toFixed(1)} µs: with all ${CORES} cores to themselves (no load generator) they could take at most ${num(raw.cpuCeiling[c.key])} labels/s`,
    });
  }
  // The COPY ratio apart: the lookup every label needs (its logged output) is itself far below it.
  const best = Math.max(...contenders.filter((c) => !c.copyOf && !c.base).map((c) => rateOf(c.key)));
  checks.push({
    kind: 'target',
    name: 'best label rate vs a plain COPY of the same rows',
    value: `${x(ratio(best, copyRate))} COPY; the lookup alone reaches ${x(ratio(lookupRate, copyRate))} (the ceiling of any design that computes a loss from the logged output), the probe alone ${x(ratio(probeRate, copyRate))} (the ceiling of any design that tells matched from pending)`,
    target: `≥ ${TARGET_COPY_RATIO}× COPY`,
    pass: ratio(best, copyRate) >= TARGET_COPY_RATIO,
  });
  notes.push(`log: ${num(logRows)} predictions of '${MODEL}' over the last 24 h (a day of 1-minute aggregate buckets); each run labels predictions spread over the whole log (a permutation), never one twice; ${rounds} rounds, contenders alternating`);
  notes.push(
    `lookup only: the SELECT of the same predictions by id (output, version, segments; 10,000 ids per statement on 4 connections) that every label needs to compute its loss, and nothing else: ${x(ratio(lookupRate, copyRate))} of COPY, so no design that reads the logged output can reach ${TARGET_COPY_RATIO}× COPY on this machine`,
  );
  notes.push(
    `probe only: whether each of the same ids is logged (an index-only scan of prediction_ids, one count per statement), the least any design must ask PostgreSQL to tell a matched label from a pending one: ${x(ratio(probeRate, copyRate))} of COPY`,
  );
  notes.push(
    `before the rounds, a warm-up round of every contender (${num(warmups.reduce((n, w) => n + w.count, 0))} labels on predictions of their own) that no figure counts: until a new PostgreSQL backend has touched the log's pages, each first touch is a page fault in it (11-14 µs each on a Firecracker VM), and in a lab a new server's first 100,000 labels ran at 65-80 % of its later rate`,
  );
  notes.push("before each POST trial the bench waits until the server has folded every aggregate delta of the trials before (it folds about every two seconds), so that one trial's fold does not run in the next one's time");
  notes.push("CPU µs/label: the server process's CPU and that of the bench database's PostgreSQL client backends (/proc, utime + stime; autovacuum not counted) from the start of a trial until its aggregate deltas are folded, over the labels sent; median over the rounds. The load generator runs on the same cores");
  notes.push('PG active / lock-waiting: mean number of client backends of the bench database running a statement / waiting for a row or transaction lock, sampled every 50 ms during the calls');
  return {
    title,
    columns: ['contender', 'labels/call', 'conc', 'median rate', 'per round', 'vs COPY', 'call p50', 'PG active / lock-waiting', 'CPU µs/label server + PG', 'target', 'met'],
    rows,
    checks,
    notes,
    raw,
  };
}
