import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { metricValue, startPlumbline, startServer } from '../lib/plumbline.mjs';
import { withClient } from '../lib/postgres.mjs';
import { runJson, sleep } from '../lib/procs.mjs';
import { median, mib, ms, num, ratio, x } from '../lib/stats.mjs';

export const name = 'inference';
export const title = 'Inference cost vs. bare — POST /v2/models/credit/infer, 1 row, 64 connections';

const BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: [41, 52000, 0.3, 24, 3] }] });

/**
 * Bare Fastify + onnxruntime-node (test/bench/bare-server.mjs) vs Plumbline with group commit (the
 * default) and with PLUMBLINE_LOG_MODE=async, all serving models/credit/2; the same one-row body at
 * 64 connections from a separate autocannon process, 10 s rounds, contenders alternating. Each
 * Plumbline logs into its own database, where the rows of model credit must equal the 200s it counted.
 */
export async function run(ctx) {
  const quick = ctx.options.quick;
  const rounds = ctx.options.rounds ?? 3;
  const duration = quick ? 3 : 10;
  const connections = 64;
  const repository = join(ctx.tmp, 'infer-models');
  cpSync(join(ctx.root, 'models'), repository, { recursive: true });
  const databases = { group: await ctx.pg.createDatabase('infer_group'), async: await ctx.pg.createDatabase('infer_async') };
  const servers = {};
  const raw = { rounds, duration, connections, body: JSON.parse(BODY), trials: [] };
  const checks = [];
  const notes = [];
  try {
    ctx.log('inference: starting bare, Plumbline (group) and Plumbline (async)');
    servers.bare = await startServer({ name: 'bare', script: join(ctx.bench, 'bare-server.mjs'), args: [join(repository, 'credit', '2', 'model.onnx')], env: { ...process.env }, tmp: ctx.tmp, readyPath: '/v2/health/ready', cwd: ctx.root, nodeArgs: ctx.nodeArgs('inference-bare') });
    for (const mode of ['group', 'async']) {
      servers[mode] = await startPlumbline({
        ctx,
        name: `plumbline-${mode}`,
        databaseUrl: databases[mode],
        repository,
        dataDir: join(ctx.tmp, `infer-data-${mode}`),
        env: { PLUMBLINE_LOG_MODE: mode },
        nodeArgs: ctx.nodeArgs(`inference-${mode}`),
      });
    }
    const contenders = ['bare', 'group', 'async'];
    const load = (key, seconds) => runJson(join(ctx.bench, 'load', 'http-load.mjs'), { url: `${servers[key].url}/v2/models/credit/infer`, body: BODY, connections, duration: seconds });
    for (const key of contenders) {
      const warm = await load(key, quick ? 1 : 3);
      if (warm.ok2xx === 0) throw new Error(`${key} answered no 2xx in the warm-up: ${JSON.stringify(warm)}`);
    }
    ctx.log('inference: warmed up');
    for (let r = 0; r < rounds; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      for (const key of order) {
        const start = new Date();
        const result = await load(key, duration);
        if (key !== 'bare') {
          await settle(servers[key], databases[key]);
          result.rowsPerCommit = await rowsPerCommit(databases[key], start, new Date());
        }
        raw.trials.push({ round: r, contender: key, ...result });
        ctx.log(
          `inference: round ${r + 1}/${rounds} ${key}: ${num(result.requestsPerSecond)} req/s, p50 ${ms(result.latencyMs.p50)}, p99 ${ms(result.latencyMs.p99)}` +
            `${result.rowsPerCommit ? `, ${result.rowsPerCommit.toFixed(1)} rows per commit` : ''}` +
            `${result.non2xx || result.errors || result.timeouts ? `, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}` : ''}`,
        );
      }
    }
    raw.rss = Object.fromEntries(contenders.map((key) => [key, { rss: servers[key].rss(), peak: servers[key].peakRss() }]));
    for (const mode of ['group', 'async']) {
      const { rows, answered } = await settle(servers[mode], databases[mode]);
      const clientOk = raw.trials.filter((t) => t.contender === mode).reduce((sum, t) => sum + t.ok2xx, 0);
      raw[`${mode}Integrity`] = { rows, answered, clientOkInRounds: clientOk };
      checks.push({
        kind: 'integrity',
        name: `zero lost (${mode})`,
        value: `${num(rows)} rows of credit in predictions, ${num(answered)} answered 200 by Plumbline (its counter, warm-up included), ${num(clientOk)} 2xx received in the measured rounds`,
        pass: rows === answered && rows >= clientOk,
      });
    }
  } finally {
    for (const server of Object.values(servers)) await server.stop();
    for (const url of Object.values(databases)) await ctx.pg.dropDatabase(url);
  }

  const of = (key, pick) => median(raw.trials.filter((t) => t.contender === key).map(pick));
  const bareRate = of('bare', (t) => t.requestsPerSecond);
  const labels = { bare: 'bare Fastify + ORT', group: 'Plumbline (group commit)', async: 'Plumbline (async log)' };
  const rows = ['bare', 'group', 'async'].map((key) => {
    const rate = of(key, (t) => t.requestsPerSecond);
    return [
      labels[key],
      num(rate),
      raw.trials.filter((t) => t.contender === key).map((t) => num(t.requestsPerSecond)).join(' / '),
      x(ratio(rate, bareRate)),
      ms(of(key, (t) => t.latencyMs.p50)),
      ms(of(key, (t) => t.latencyMs.p99)),
      key === 'bare' ? '—' : of(key, (t) => t.rowsPerCommit).toFixed(1),
      mib(raw.rss[key].rss),
      mib(raw.rss[key].peak),
      num(raw.trials.filter((t) => t.contender === key).reduce((sum, t) => sum + t.non2xx + t.errors + t.timeouts, 0)),
    ];
  });
  notes.push(`${rounds} rounds × ${duration} s per contender after a warm-up, order rotating; autocannon runs in its own process on the same 2 cores as the server and PostgreSQL`);
  notes.push('rows/commit: prediction rows per log transaction during a round (rows of one transaction share its xmin): the batch size of the prediction log writer');
  return {
    title,
    columns: ['server', 'req/s (median)', 'per round', 'vs bare', 'p50', 'p99', 'rows/commit', 'RSS end', 'RSS peak', 'non-2xx/errors'],
    rows,
    checks,
    notes,
    raw,
  };
}

/** Rows per log transaction for the predictions of [from, to): rows written by one transaction share its xmin. */
function rowsPerCommit(databaseUrl, from, to) {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT count(*)::float8 / greatest(count(DISTINCT xmin::text), 1) AS n FROM predictions WHERE model = 'credit' AND ts >= $1 AND ts < $2`,
      [from, to],
    );
    return rows[0].n;
  });
}

/**
 * Waits until the rows of model credit in the server's database equal the 200s the server counted
 * (immediate with group commit; async commits shortly after answering). Returns both.
 */
async function settle(server, databaseUrl) {
  let rows = -1;
  let answered = -2;
  for (let i = 0; i < 100; i++) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    answered = metricValue(text, 'plumbline_inference_requests_total', { model: 'credit', code: '200' });
    rows = await withClient(databaseUrl, async (client) => (await client.query(`SELECT count(*)::int AS n FROM predictions WHERE model = 'credit'`)).rows[0].n);
    if (rows === answered) break;
    await sleep(200);
  }
  return { rows, answered };
}
