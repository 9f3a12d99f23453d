import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillDrift, fillLog, REGIONS, sampleRecords } from '../lib/fill.mjs';
import { startPlumbline } from '../lib/plumbline.mjs';
import { withClient } from '../lib/postgres.mjs';
import { runJson, sleep } from '../lib/procs.mjs';
import { median, ms, num, percentile, ratio, seconds, x } from '../lib/stats.mjs';

export const name = 'query';
export const title = 'Performance and drift queries — GET /api/models/<m>/{performance,drift}?from=<24h ago>&to=<now>&segment=region';

const DAY = 86_400_000;
/** The server's PLUMBLINE_DRIFT_BUCKET default (15m): drift histograms are per 15 minutes. */
const DRIFT_BUCKET_SECONDS = 900;
const TARGET_RATIO = 2;
/** Issue 4's absolute target for the drift query at 10M predictions. */
const DRIFT_TARGET_MS = 250;
const REFERENCE_ROWS = 1000;
const KINDS = ['performance', 'drift'];
/** The server's drift settle time with the default PLUMBLINE_DRIFT_FLUSH_INTERVAL (1 s): 3 × 1 s + 2 s. */
const SETTLE_MS = 5000;

/**
 * Two monitoring-only models, one with 100k and one with 10M predictions spread over the last 24 h
 * (their per-minute, per-region performance aggregates and, in the bins of a reference set through the
 * API, their drift histograms), queried alternately, sequentially, from a separate process. Both queries
 * read only aggregates; the 10M predictions themselves are inserted too when that fits the time budget
 * (`--query-log=auto|full|aggregates`).
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
  const raw = { rounds, perRound, fills: {}, references: {} };
  const checks = [];
  const notes = [];
  let server;
  try {
    // Gauges off (every 24 h): a drift gauge refresh between setting a reference and filling its
    // histograms would find every bucket stale and rebuild it from the log; gauges are the metrics section's.
    server = await startPlumbline({
      ctx,
      name: 'plumbline-query',
      databaseUrl,
      repository,
      dataDir: join(ctx.tmp, 'query-data'),
      env: { PLUMBLINE_GAUGE_INTERVAL: '24h' },
      nodeArgs: ctx.nodeArgs('query'),
    });
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
    const smallFilledAt = Date.now();
    // 10M rows cost about 100× the 100k fill plus some for the larger indexes; measured here: ~75 s on 2 cores.
    const mode = ctx.options.queryLog ?? 'auto';
    const projectedMs = (smallMs * large.rows) / small.rows * 1.3;
    const withPredictions = mode === 'full' || (mode === 'auto' && projectedMs <= (ctx.options.fillBudgetSeconds ?? 300) * 1000);
    raw.largeProjectedFillMs = projectedMs;
    if (!withPredictions) {
      notes.push(
        `the ${num(large.rows)} predictions themselves were NOT inserted (${mode === 'aggregates' ? '--query-log=aggregates' : `projected ${seconds(projectedMs)} > budget`}): only their aggregates; both queries read only performance_buckets / drift_buckets`,
      );
    }
    await fill(large, withPredictions);

    // A reference per model through the API: a deterministic sample of its own log (rows 1 + 997·i, which
    // cover every x and region), read back with GET for the bins the drift fill must use.
    for (const spec of [small, large]) {
      const ns = Array.from({ length: REFERENCE_ROWS }, (_, i) => 1 + ((i * 997) % spec.rows));
      const records = await sampleRecords(databaseUrl, { rows: spec.rows, from, to, ns });
      const put = await fetch(`${server.url}/api/models/${spec.model}/reference`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records }) });
      if (put.status !== 200) throw new Error(`PUT /api/models/${spec.model}/reference answered ${put.status}: ${(await put.text()).slice(0, 500)}`);
      const response = await fetch(`${server.url}/api/models/${spec.model}/reference`);
      const reference = await response.json();
      if (response.status !== 200) throw new Error(`GET /api/models/${spec.model}/reference answered ${response.status}: ${JSON.stringify(reference).slice(0, 500)}`);
      const names = Object.keys(reference.features);
      if (names.join(',') !== 'x,__prediction__' || names.some((n) => reference.features[n].kind !== 'numeric')) {
        throw new Error(`reference of '${spec.model}' has features ${names.map((n) => `${n} (${reference.features[n].kind})`).join(', ')}; the drift fill knows numeric x, __prediction__`);
      }
      spec.reference = { id: reference.id, features: names.map((n) => ({ name: n, edges: reference.features[n].edges })) };
      raw.references[spec.model] = { id: reference.id, rows: reference.rows, bins: Object.fromEntries(names.map((n) => [n, reference.features[n].edges.length + 1])) };
    }

    // The drift fill must be what the server itself would count: let the server rebuild the 100k model's
    // histograms from its log (every bucket is stale: no drift rows yet), then compare with the SQL fill.
    await sleep(Math.max(0, smallFilledAt + SETTLE_MS + 1000 - Date.now()));
    const wide = (spec, kind) => `${server.url}/api/models/${spec.model}/${kind}?from=${new Date(from - 60_000).toISOString()}&to=${new Date(+to + 60_000).toISOString()}&segment=region`;
    ctx.log(`query: '${small.model}': the server rebuilds its drift histograms from the ${num(small.rows)} logged predictions`);
    let t0 = performance.now();
    const rebuilt = await fetch(wide(small, 'drift'));
    raw.serverRebuildMs = performance.now() - t0;
    if (rebuilt.status !== 200) throw new Error(`GET drift of '${small.model}' answered ${rebuilt.status}: ${(await rebuilt.text()).slice(0, 500)}`);
    await rebuilt.arrayBuffer();
    ctx.log(`query: '${small.model}': rebuilt by the server in ${seconds(raw.serverRebuildMs)}`);
    notes.push(`the server rebuilt the drift histograms of the ${num(small.rows)} logged predictions of '${small.model}' from the log in ${seconds(raw.serverRebuildMs)} (the first drift query after the reference; not part of the timed rounds)`);
    const comparison = await withClient(databaseUrl, async (client) => {
      await client.query('CREATE UNLOGGED TABLE bench_drift_expected (LIKE drift_buckets INCLUDING ALL)');
      await fillDrift(databaseUrl, { model: small.model, rows: small.rows, from, to, referenceId: small.reference.id, features: small.reference.features, bucketSeconds: DRIFT_BUCKET_SECONDS, table: 'bench_drift_expected' });
      const { rows } = await client.query(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE e.model IS NULL)::int AS only_server,
                count(*) FILTER (WHERE d.model IS NULL)::int AS only_fill,
                count(*) FILTER (WHERE d.model IS NOT NULL AND e.model IS NOT NULL
                                   AND (d.count, d.labeled, d.counts, d.missing) IS DISTINCT FROM (e.count, e.labeled, e.counts, e.missing))::int AS differ
           FROM (SELECT * FROM drift_buckets WHERE model = $1 AND reference_id = $2) d
           FULL JOIN bench_drift_expected e
             ON e.model = d.model AND e.reference_id = d.reference_id AND e.segment_key = d.segment_key AND e.bucket = d.bucket
            AND e.segment_value = d.segment_value AND e.version = d.version`,
        [small.model, small.reference.id],
      );
      await client.query('DROP TABLE bench_drift_expected');
      return rows[0];
    });
    raw.fillVsServer = comparison;
    checks.push({
      kind: 'integrity',
      name: `drift fill (SQL) = the server's own histograms of '${small.model}' rebuilt from its log`,
      value: `${num(comparison.total)} rows; ${comparison.only_server} only the server's, ${comparison.only_fill} only the fill's, ${comparison.differ} differ`,
      pass: comparison.total > 0 && comparison.only_server === 0 && comparison.only_fill === 0 && comparison.differ === 0,
    });

    for (const spec of [small, large]) {
      ctx.log(`query: drift histograms of '${spec.model}' (${spec.reference.features.map((f) => `${f.name} ${f.edges.length + 1} bins`).join(', ')})`);
      t0 = performance.now();
      const timings = await fillDrift(databaseUrl, { model: spec.model, rows: spec.rows, from, to, referenceId: spec.reference.id, features: spec.reference.features, bucketSeconds: DRIFT_BUCKET_SECONDS });
      raw.fills[spec.model].drift = { totalMs: performance.now() - t0, ...timings };
      ctx.log(`query: '${spec.model}' drift histograms filled in ${seconds(raw.fills[spec.model].drift.totalMs)}`);
    }

    await withClient(databaseUrl, async (client) => {
      await client.query('VACUUM ANALYZE performance_buckets');
      await client.query('VACUUM ANALYZE drift_buckets');
      // The log's partitions are never read by these queries; keep their post-insert autovacuum from running during the measurement.
      const { rows } = await client.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'predictions'::regclass`);
      for (const { relname } of rows) await client.query(`ALTER TABLE ${relname} SET (autovacuum_enabled = false)`);
      await client.query('ALTER TABLE prediction_ids SET (autovacuum_enabled = false)');
      const sizes = await client.query(
        `SELECT (SELECT count(*) FROM performance_buckets)::int AS buckets,
                pg_size_pretty(pg_total_relation_size('performance_buckets')) AS buckets_size,
                (SELECT count(*) FROM drift_buckets)::int AS drift_buckets,
                pg_size_pretty(pg_total_relation_size('drift_buckets')) AS drift_buckets_size,
                pg_size_pretty(pg_database_size(current_database())) AS database_size`,
      );
      raw.sizes = sizes.rows[0];
    });
    notes.push(
      `performance_buckets: ${num(raw.sizes.buckets)} rows (${raw.sizes.buckets_size}); drift_buckets: ${num(raw.sizes.drift_buckets)} rows (${raw.sizes.drift_buckets_size}); database ${raw.sizes.database_size}; autovacuum of the (unread) log tables was turned off for the measurement`,
    );

    for (const spec of [small, large]) {
      const response = await fetch(wide(spec, 'performance'));
      const body = await response.json();
      const segmentTotal = Object.values(body.segments ?? {}).reduce((sum, p) => sum + p.count, 0);
      checks.push({
        kind: 'integrity',
        name: `'${spec.model}' performance aggregates as the server sums them`,
        value: `overall count ${num(body.overall?.count)}, regions ${num(segmentTotal)} over ${Object.keys(body.segments ?? {}).length} values, of ${num(spec.rows)}`,
        pass: body.overall?.count === spec.rows && segmentTotal === spec.rows && Object.keys(body.segments ?? {}).length === REGIONS.length,
      });
    }
    for (const spec of [small, large]) checks.push(await driftIntegrity(databaseUrl, spec, raw.fills[spec.model].withPredictions, wide(spec, 'drift')));

    raw.latencies = Object.fromEntries(KINDS.map((kind) => [kind, { [small.model]: [], [large.model]: [] }]));
    for (let r = 0; r < rounds; r++) {
      const models = r % 2 === 0 ? [small, large] : [large, small];
      const kinds = r % 4 < 2 ? KINDS : [...KINDS].reverse();
      for (const spec of models) {
        for (const kind of kinds) {
          const now = Date.now();
          const url = `${server.url}/api/models/${spec.model}/${kind}?from=${new Date(now - DAY).toISOString()}&to=${new Date(now).toISOString()}&segment=region`;
          const result = await runJson(join(ctx.bench, 'load', 'latency.mjs'), { url, warmup: 5, count: perRound });
          if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`${kind} query answered ${JSON.stringify(result.statuses)}: ${result.sample}`);
          raw.latencies[kind][spec.model].push(...result.latencies);
          ctx.log(`query: round ${r + 1}/${rounds} ${kind} '${spec.model}': median ${ms(median(result.latencies))}, p95 ${ms(percentile(result.latencies, 95))}`);
        }
      }
    }
    if (ctx.options.explain) raw.explain = await explain(databaseUrl, [small, large], from, to);
  } finally {
    await server?.stop();
    await ctx.pg.dropDatabase(databaseUrl);
  }

  const m = (kind, spec) => median(raw.latencies[kind][spec.model]);
  const p95 = (kind, spec) => percentile(raw.latencies[kind][spec.model], 95);
  const rows = [];
  for (const kind of KINDS) {
    const q = ratio(m(kind, large), m(kind, small));
    rows.push(
      [kind, small.model, num(small.rows), 'yes', ms(m(kind, small)), ms(p95(kind, small)), '1.00×', '', ''],
      [kind, large.model, num(large.rows), raw.fills[large.model].withPredictions ? 'yes' : 'aggregates only', ms(m(kind, large)), ms(p95(kind, large)), x(q), `≤ ${TARGET_RATIO}× ${small.model}`, q <= TARGET_RATIO ? 'yes' : 'MISS'],
    );
    checks.push({ kind: 'target', name: `${kind}: median ${large.model} / ${small.model}`, value: x(q), target: `≤ ${TARGET_RATIO}×`, pass: q <= TARGET_RATIO });
  }
  checks.push({ kind: 'target', name: `drift: median ${large.model} (issue 4)`, value: ms(m('drift', large)), target: `< ${DRIFT_TARGET_MS} ms`, pass: m('drift', large) < DRIFT_TARGET_MS });
  notes.push(`${rounds} rounds × ${perRound} sequential requests per model and query, alternating (models and query order); latency is measured by the client (separate process, keep-alive)`);
  notes.push(
    `drift: reference of ${REFERENCE_ROWS} records sampled from each model's own log (PUT /api/models/<m>/reference); histograms of x (${raw.references[large.model].bins.x} bins) and __prediction__ (${raw.references[large.model].bins.__prediction__} bins) per minute and region (4 values) — issue 4 asks for 20 features × 10 segment values; the query's cost grows with buckets × bins × features`,
  );
  const round3 = (values) => values.map((n) => Math.round(n * 1000) / 1000);
  raw.latencies = Object.fromEntries(Object.entries(raw.latencies).map(([kind, byModel]) => [kind, Object.fromEntries(Object.entries(byModel).map(([k, v]) => [k, round3(v)]))]));
  return {
    title,
    columns: ['query', 'model', 'predictions (24 h)', 'log rows inserted', 'median', 'p95', `vs ${small.model}`, 'target', 'met'],
    rows,
    checks,
    notes,
    raw,
  };
}

/**
 * The drift response over the whole filled window: overall nCurrent of x (and of __prediction__) must be
 * the number of predictions in the window with a non-missing value, counted in the log when it was
 * inserted (else the generator's row count: it never leaves x out), and the regions must add up to it.
 */
async function driftIntegrity(databaseUrl, spec, logged, url) {
  const response = await fetch(url);
  const body = await response.json();
  if (response.status !== 200) return { kind: 'integrity', name: `'${spec.model}' drift response`, value: `${response.status} ${JSON.stringify(body).slice(0, 300)}`, pass: false };
  let expected = spec.rows;
  if (logged) {
    expected = await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM predictions WHERE model = $1 AND ts >= $2 AND ts < $3 AND jsonb_typeof(features -> 'x') = 'number'`,
        [spec.model, body.from, body.to],
      );
      return rows[0].n;
    });
  }
  const overallX = body.overall?.x?.nCurrent;
  const overallP = body.overall?.__prediction__?.nCurrent;
  const segments = Object.values(body.segments ?? {});
  const regionsX = segments.reduce((sum, s) => sum + (s.x?.nCurrent ?? 0), 0);
  return {
    kind: 'integrity',
    name: `'${spec.model}' drift: overall nCurrent of x = predictions in the window with x (${logged ? 'counted in the log' : 'generator rows: no log'})`,
    value: `x ${num(overallX)}, __prediction__ ${num(overallP)}, regions ${num(regionsX)} over ${segments.length} values, expected ${num(expected)}; nMissing ${body.overall?.x?.nMissing}`,
    pass: overallX === expected && overallP === expected && regionsX === expected && segments.length === REGIONS.length && body.overall?.x?.nMissing === 0,
  };
}

/**
 * EXPLAIN ANALYZE of the window sums the server runs (copies of PerformanceRepository.sumWindow's,
 * DriftRepository.staleBuckets' and DriftRepository.sumWindow's SQL, for diagnosis only).
 */
async function explain(databaseUrl, specs, from, to) {
  return withClient(databaseUrl, async (client) => {
    const out = {};
    const plan = async (sql, params) => (await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows.map((row) => row['QUERY PLAN']);
    for (const { model, reference } of specs) {
      out[model] = {
        performance: await plan(
          `SELECT segment_value, sum(count)::float8 AS count, sum(labeled)::float8 AS labeled, sum(loss_sum) AS loss_sum,
                  sum(log_loss_sum), sum(max_prob_sum), sum(max_prob_labeled_sum), sum(entropy_sum), sum(abs_error_sum), sum(squared_error_sum),
                  (SELECT array_agg(total ORDER BY i) FROM (
                     SELECT i, sum(c)::float8 AS total FROM performance_buckets b2, unnest(b2.confusion) WITH ORDINALITY AS u(c, i)
                      WHERE b2.model = $1 AND b2.segment_key = $2 AND b2.bucket >= $3 AND b2.bucket < $4 AND b2.segment_value = b.segment_value
                      GROUP BY i) AS cells) AS confusion
             FROM performance_buckets b
            WHERE model = $1 AND segment_key = $2 AND bucket >= $3 AND bucket < $4
            GROUP BY segment_value`,
          [model, 'region', from, to],
        ),
        driftStale: await plan(
          `SELECT p.bucket, sum(p.count)::float8 AS rows
             FROM performance_buckets p
             LEFT JOIN drift_buckets d ON d.model = p.model AND d.reference_id = $2 AND d.segment_key = '' AND d.bucket = p.bucket
                                      AND d.segment_value = '' AND d.version = p.version
            WHERE p.model = $1 AND p.segment_key = '' AND p.segment_value = '' AND p.bucket >= $3 AND p.bucket < $4
            GROUP BY p.bucket
           HAVING bool_or(d.count IS DISTINCT FROM p.count OR d.labeled IS DISTINCT FROM p.labeled)
              AND max(p.updated_at) < now() - make_interval(secs => $5)
            ORDER BY p.bucket`,
          [model, reference.id, from, to, SETTLE_MS / 1000],
        ),
        driftSum: await plan(
          `SELECT segment_key, segment_value, array_agg(total ORDER BY i) AS totals FROM (
             SELECT d.segment_key, d.segment_value, u.i, sum(u.c)::float8 AS total
               FROM drift_buckets d CROSS JOIN LATERAL unnest(d.counts || d.missing) WITH ORDINALITY AS u(c, i)
              WHERE d.model = $1 AND d.reference_id = $2 AND d.bucket >= $3 AND d.bucket < $4 AND d.segment_key = ANY($5::text[])
              GROUP BY d.segment_key, d.segment_value, u.i) AS cells
            GROUP BY segment_key, segment_value`,
          [model, reference.id, from, to, ['', 'region']],
        ),
      };
    }
    return out;
  });
}
