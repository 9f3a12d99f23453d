import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillLog, REGIONS } from '../lib/fill.mjs';
import { startPlumbline } from '../lib/plumbline.mjs';
import { withClient } from '../lib/postgres.mjs';
import { runJson } from '../lib/procs.mjs';
import { median, ms, num, percentile, ratio, seconds, x } from '../lib/stats.mjs';

export const name = 'query';
export const title = 'Performance query — GET /api/models/<m>/performance?from=<24h ago>&to=<now>&segment=region';

const DAY = 86_400_000;
const TARGET_RATIO = 2;

/**
 * Two monitoring-only models, one with 100k and one with 10M predictions spread over the last 24 h
 * (and their per-minute, per-region aggregates), queried alternately, sequentially, from a separate
 * process. The query reads only `performance_buckets`; the 10M predictions themselves are inserted
 * too when that fits the time budget (`--query-log=auto|full|aggregates`).
 */
export async function run(ctx) {
  const quick = ctx.options.quick;
  const small = { model: 'q100k', prefix: 's', rows: 100_000 };
  const large = { model: quick ? 'q1m' : 'q10m', prefix: 'l', rows: quick ? 1_000_000 : 10_000_000 };
  const rounds = ctx.options.rounds ?? 5;
  const perRound = quick ? 20 : 40;
  const databaseUrl = await ctx.pg.createDatabase('query');
  const repository = join(ctx.tmp, 'query-models');
  for (const { model } of [small, large]) {
    mkdirSync(join(repository, model), { recursive: true });
    writeFileSync(join(repository, model, 'config.json'), JSON.stringify({ task: 'binary', features: ['x'], classes: ['no', 'yes'], segments: ['region'] }));
  }
  const raw = { rounds, perRound, fills: {} };
  const checks = [];
  const notes = [];
  let server;
  try {
    server = await startPlumbline({ ctx, name: 'plumbline-query', databaseUrl, repository, dataDir: join(ctx.tmp, 'query-data'), nodeArgs: ctx.nodeArgs('query') });
    const to = new Date();
    const from = new Date(to - DAY);
    const fill = async (spec, withPredictions) => {
      ctx.log(`query: filling '${spec.model}' with ${num(spec.rows)} predictions over the last 24 h${withPredictions ? '' : ' (aggregates only)'}`);
      const t0 = performance.now();
      const timings = await fillLog(databaseUrl, { model: spec.model, prefix: spec.prefix, rows: spec.rows, from, to, withPredictions });
      const total = performance.now() - t0;
      raw.fills[spec.model] = { rows: spec.rows, withPredictions, totalMs: total, ...timings };
      ctx.log(`query: '${spec.model}' filled in ${seconds(total)} (${Object.entries(timings).map(([k, v]) => `${k} ${seconds(v)}`).join(', ')})`);
      return total;
    };
    const smallMs = await fill(small, true);
    // 10M rows cost about 100× the 100k fill plus some for the larger indexes; measured here: ~75 s on 2 cores.
    const mode = ctx.options.queryLog ?? 'auto';
    const projectedMs = (smallMs * large.rows) / small.rows * 1.3;
    const withPredictions = mode === 'full' || (mode === 'auto' && projectedMs <= (ctx.options.fillBudgetSeconds ?? 300) * 1000);
    raw.largeProjectedFillMs = projectedMs;
    if (!withPredictions) {
      notes.push(
        `the ${num(large.rows)} predictions themselves were NOT inserted (${mode === 'aggregates' ? '--query-log=aggregates' : `projected ${seconds(projectedMs)} > budget`}): only their aggregates; the query reads only performance_buckets`,
      );
    }
    await fill(large, withPredictions);
    await withClient(databaseUrl, async (client) => {
      await client.query('VACUUM ANALYZE performance_buckets');
      // The log's partitions are never read by this query; keep their post-insert autovacuum from running during the measurement.
      const { rows } = await client.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'predictions'::regclass`);
      for (const { relname } of rows) await client.query(`ALTER TABLE ${relname} SET (autovacuum_enabled = false)`);
      await client.query('ALTER TABLE prediction_ids SET (autovacuum_enabled = false)');
      const sizes = await client.query(
        `SELECT (SELECT count(*) FROM performance_buckets)::int AS buckets,
                pg_size_pretty(pg_total_relation_size('performance_buckets')) AS buckets_size,
                pg_size_pretty(pg_database_size(current_database())) AS database_size`,
      );
      raw.sizes = sizes.rows[0];
    });
    notes.push(`performance_buckets: ${num(raw.sizes.buckets)} rows (${raw.sizes.buckets_size}); database ${raw.sizes.database_size}; autovacuum of the (unread) log tables was turned off for the measurement`);

    for (const spec of [small, large]) {
      const response = await fetch(`${server.url}/api/models/${spec.model}/performance?from=${new Date(from - 60_000).toISOString()}&to=${new Date(+to + 60_000).toISOString()}&segment=region`);
      const body = await response.json();
      const segmentTotal = Object.values(body.segments ?? {}).reduce((sum, p) => sum + p.count, 0);
      checks.push({
        kind: 'integrity',
        name: `'${spec.model}' aggregates as the server sums them`,
        value: `overall count ${num(body.overall?.count)}, regions ${num(segmentTotal)} over ${Object.keys(body.segments ?? {}).length} values, of ${num(spec.rows)}`,
        pass: body.overall?.count === spec.rows && segmentTotal === spec.rows && Object.keys(body.segments ?? {}).length === REGIONS.length,
      });
    }

    raw.latencies = { [small.model]: [], [large.model]: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [small, large] : [large, small];
      for (const spec of order) {
        const now = Date.now();
        const url = `${server.url}/api/models/${spec.model}/performance?from=${new Date(now - DAY).toISOString()}&to=${new Date(now).toISOString()}&segment=region`;
        const result = await runJson(join(ctx.bench, 'load', 'latency.mjs'), { url, warmup: 5, count: perRound });
        if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`performance query answered ${JSON.stringify(result.statuses)}: ${result.sample}`);
        raw.latencies[spec.model].push(...result.latencies);
        ctx.log(`query: round ${r + 1}/${rounds} '${spec.model}': median ${ms(median(result.latencies))}, p95 ${ms(percentile(result.latencies, 95))}`);
      }
    }
    if (ctx.options.explain) raw.explain = await explain(databaseUrl, [small, large], from, to);
  } finally {
    await server?.stop();
    await ctx.pg.dropDatabase(databaseUrl);
  }

  const m = (spec) => median(raw.latencies[spec.model]);
  const p95 = (spec) => percentile(raw.latencies[spec.model], 95);
  const q = ratio(m(large), m(small));
  const rows = [
    [small.model, num(small.rows), 'yes', ms(m(small)), ms(p95(small)), '1.00×', '', ''],
    [large.model, num(large.rows), raw.fills[large.model].withPredictions ? 'yes' : 'aggregates only', ms(m(large)), ms(p95(large)), x(q), `≤ ${TARGET_RATIO}× ${small.model}`, q <= TARGET_RATIO ? 'yes' : 'MISS'],
  ];
  checks.push({ kind: 'target', name: `median ${large.model} / ${small.model}`, value: x(q), target: `≤ ${TARGET_RATIO}×`, pass: q <= TARGET_RATIO });
  notes.push(`${rounds} rounds × ${perRound} sequential requests per model, alternating; latency is measured by the client (separate process, keep-alive)`);
  raw.latencies = Object.fromEntries(Object.entries(raw.latencies).map(([k, v]) => [k, v.map((n) => Math.round(n * 1000) / 1000)]));
  return {
    title,
    columns: ['model', 'predictions (24 h)', 'log rows inserted', 'median', 'p95', `vs ${small.model}`, 'target', 'met'],
    rows,
    checks,
    notes,
    raw,
  };
}

/** EXPLAIN ANALYZE of the window sum the server runs (a copy of PerformanceRepository.sumWindow's SQL, for diagnosis only). */
async function explain(databaseUrl, specs, from, to) {
  return withClient(databaseUrl, async (client) => {
    const out = {};
    for (const { model } of specs) {
      const { rows } = await client.query(
        `EXPLAIN (ANALYZE, BUFFERS)
         SELECT segment_value, sum(count)::float8 AS count, sum(labeled)::float8 AS labeled, sum(loss_sum) AS loss_sum,
                sum(log_loss_sum), sum(max_prob_sum), sum(max_prob_labeled_sum), sum(entropy_sum), sum(abs_error_sum), sum(squared_error_sum),
                (SELECT array_agg(total ORDER BY i) FROM (
                   SELECT i, sum(c)::float8 AS total FROM performance_buckets b2, unnest(b2.confusion) WITH ORDINALITY AS u(c, i)
                    WHERE b2.model = $1 AND b2.segment_key = $2 AND b2.bucket >= $3 AND b2.bucket < $4 AND b2.segment_value = b.segment_value
                    GROUP BY i) AS cells) AS confusion
           FROM performance_buckets b
          WHERE model = $1 AND segment_key = $2 AND bucket >= $3 AND bucket < $4
          GROUP BY segment_value`,
        [model, 'region', from, to],
      );
      out[model] = rows.map((row) => row['QUERY PLAN']);
    }
    return out;
  });
}
