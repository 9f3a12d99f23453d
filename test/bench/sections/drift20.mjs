import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlumbline } from '../lib/plumbline.mjs';
import { withClient } from '../lib/postgres.mjs';
import { runJson } from '../lib/procs.mjs';
import { median, ms, num, percentile, ratio, x } from '../lib/stats.mjs';

export const name = 'drift20';
export const title = 'Drift query at issue 4 size — GET /api/models/<m>/drift?from=<24h ago>&to=<now>&segment=store, 20 features × 10 segment values';

const DAY = 86_400_000;
const PERFORMANCE_BUCKET_MS = 60_000;
/** The server's PLUMBLINE_DRIFT_BUCKET default. */
const DRIFT_BUCKET_MS = 900_000;
const FEATURES = Array.from({ length: 20 }, (_, j) => `f${String(j + 1).padStart(2, '0')}`);
const STORES = Array.from({ length: 10 }, (_, k) => `s${String(k + 1).padStart(2, '0')}`);
const TARGET_MS = 250;
const TARGET_RATIO = 2;

/**
 * Two monitoring-only models of 20 numeric features, segmented by 10 store values, with a reference of
 * 1,000 records set through the API, and 24 h of aggregates for 100,000 and 10,000,000 predictions:
 * `performance_buckets` per minute and store, `drift_buckets` per drift bucket and store in the
 * reference's bins, with matching counts (so the server finds nothing stale to rebuild). The log rows
 * themselves are not inserted: the drift query never reads them (the query section shows that with log
 * rows). A drift query reads buckets × values × bins, whatever the number of predictions.
 */
export async function run(ctx) {
  const quick = ctx.options.quick;
  const rounds = ctx.options.rounds ?? 5;
  const perRound = quick ? 10 : 25;
  const specs = [
    { model: 'd20_100k', predictions: 100_000 },
    { model: 'd20_10m', predictions: 10_000_000 },
  ];
  const databaseUrl = await ctx.pg.createDatabase('drift20');
  const repository = join(ctx.tmp, 'drift20-models');
  for (const { model } of specs) {
    mkdirSync(join(repository, model), { recursive: true });
    writeFileSync(join(repository, model, 'config.json'), JSON.stringify({ task: 'binary', features: FEATURES, classes: ['no', 'yes'], segments: ['store'] }));
  }
  const raw = { rounds, perRound, latencies: {}, widths: {} };
  const checks = [];
  const notes = [];
  let server;
  try {
    server = await startPlumbline({ ctx, name: 'plumbline-drift20', databaseUrl, repository, dataDir: join(ctx.tmp, 'drift20-data'), env: { PLUMBLINE_GAUGE_INTERVAL: '24h' }, nodeArgs: ctx.nodeArgs('drift20') });
    const to = new Date();
    const from = new Date(to - DAY);
    for (const spec of specs) {
      const records = Array.from({ length: 1000 }, (_, i) => ({
        features: Object.fromEntries(FEATURES.map((f, j) => [f, ((i * (7919 + 2 * j)) % 1000) / 10])),
        segments: { store: STORES[i % STORES.length] },
        output: ((i * 7919) % 1000) / 1000,
      }));
      const put = await fetch(`${server.url}/api/models/${spec.model}/reference`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records }) });
      if (!put.ok) throw new Error(`PUT reference answered ${put.status}: ${await put.text()}`);
      const reference = await put.json();
      const widths = Object.values(reference.features).map((feature) => feature.counts.length);
      raw.widths[spec.model] = widths;
      ctx.log(`drift20: '${spec.model}': reference ${reference.id}, ${widths.length} histogrammed features, ${widths.reduce((a, b) => a + b, 0)} bins; filling 24 h of aggregates for ${num(spec.predictions)} predictions`);
      await fill(databaseUrl, spec, reference.id, widths, from, to);
    }
    for (const spec of specs) {
      const answer = await (await fetch(`${server.url}/api/models/${spec.model}/drift?from=${from.toISOString()}&to=${new Date(+to + 60_000).toISOString()}&segment=store`)).json();
      const segmentTotal = Object.values(answer.segments ?? {}).reduce((total, features) => total + features.f01.nCurrent, 0);
      checks.push({
        kind: 'integrity',
        name: `'${spec.model}' drift counts as the server sums them`,
        value: `overall nCurrent of f01 ${num(answer.overall?.f01?.nCurrent)}, stores ${num(segmentTotal)} over ${Object.keys(answer.segments ?? {}).length} values, of ${num(spec.predictions)}`,
        pass: answer.overall?.f01?.nCurrent === spec.predictions && segmentTotal === spec.predictions && Object.keys(answer.segments ?? {}).length === STORES.length,
      });
    }
    for (const spec of specs) raw.latencies[spec.model] = [];
    for (let r = 0; r < rounds; r++) {
      for (const spec of r % 2 === 0 ? specs : [...specs].reverse()) {
        const now = Date.now();
        const url = `${server.url}/api/models/${spec.model}/drift?from=${new Date(now - DAY).toISOString()}&to=${new Date(now).toISOString()}&segment=store`;
        const result = await runJson(join(ctx.bench, 'load', 'latency.mjs'), { url, warmup: 3, count: perRound });
        if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`drift query answered ${JSON.stringify(result.statuses)}: ${result.sample}`);
        raw.latencies[spec.model].push(...result.latencies);
        ctx.log(`drift20: round ${r + 1}/${rounds} '${spec.model}': median ${ms(median(result.latencies))}, p95 ${ms(percentile(result.latencies, 95))}`);
      }
    }
  } finally {
    await server?.stop();
    await ctx.pg.dropDatabase(databaseUrl);
  }
  const [small, large] = specs;
  const m = (spec) => median(raw.latencies[spec.model]);
  const q = ratio(m(large), m(small));
  checks.push({ kind: 'target', name: `drift median ${large.model} / ${small.model}`, value: x(q), target: `≤ ${TARGET_RATIO}×`, pass: q <= TARGET_RATIO });
  for (const spec of specs) checks.push({ kind: 'target', name: `drift median ${spec.model} (issue 4)`, value: ms(m(spec)), target: `< ${TARGET_MS} ms`, pass: m(spec) < TARGET_MS });
  notes.push(`${rounds} rounds × ${perRound} sequential requests per model, alternating; the log rows are not inserted (the drift query reads drift_buckets and performance_buckets only)`);
  notes.push(`drift buckets of ${DRIFT_BUCKET_MS / 60_000} min: 24 h = ${DAY / DRIFT_BUCKET_MS} buckets × (1 + ${STORES.length} stores) histogram rows of ${raw.widths[small.model].reduce((a, b) => a + b, 0)} bins`);
  raw.latencies = Object.fromEntries(Object.entries(raw.latencies).map(([k, v]) => [k, v.map((n) => Math.round(n * 1000) / 1000)]));
  const row = (spec) => [spec.model, num(spec.predictions), ms(m(spec)), ms(percentile(raw.latencies[spec.model], 95)), spec === small ? '1.00×' : x(q), `< ${TARGET_MS} ms${spec === small ? '' : `, ≤ ${TARGET_RATIO}×`}`, m(spec) < TARGET_MS && (spec === small || q <= TARGET_RATIO) ? 'yes' : 'MISS'];
  return { title, columns: ['model', 'predictions (24 h)', 'median', 'p95', `vs ${small.model}`, 'target', 'met'], rows: [row(small), row(large)], checks, notes, raw };
}

/**
 * 24 h of aggregates for `predictions` spread evenly over the minutes and stores: per minute and store a
 * performance row (and the overall one), per drift bucket and store a histogram whose every feature
 * puts the bucket's count in one bin (which bin moves with the bucket), so each feature's counts sum to
 * the predictions, as the server's own would.
 */
async function fill(url, spec, referenceId, widths, from, to) {
  const minutes = Math.ceil((to - from) / PERFORMANCE_BUCKET_MS) + 1;
  const perMinute = Math.floor(spec.predictions / minutes);
  const extra = spec.predictions - perMinute * minutes;
  const perStore = (n, k) => Math.floor(n / STORES.length) + (k < n % STORES.length ? 1 : 0);
  const firstMinute = Math.floor(from.getTime() / PERFORMANCE_BUCKET_MS);
  await withClient(url, async (client) => {
    await client.query('SET synchronous_commit = off');
    // Minute m holds perMinute predictions (the first `extra` minutes one more); store k of them perStore.
    const minuteCount = (m) => perMinute + (m < extra ? 1 : 0);
    const perf = { bucket: [], key: [], value: [], count: [] };
    const drift = new Map();
    for (let m = 0; m < minutes; m++) {
      const minute = (firstMinute + m) * PERFORMANCE_BUCKET_MS;
      const n = minuteCount(m);
      const driftBucket = Math.floor(minute / DRIFT_BUCKET_MS) * DRIFT_BUCKET_MS;
      const rows = [['', '', n], ...STORES.map((store, k) => ['store', store, perStore(n, k)])];
      for (const [key, value, count] of rows) {
        perf.bucket.push(new Date(minute));
        perf.key.push(key);
        perf.value.push(value);
        perf.count.push(count);
        const id = `${driftBucket}\u0000${key}\u0000${value}`;
        const entry = drift.get(id) ?? { bucket: new Date(driftBucket), key, value, count: 0 };
        entry.count += count;
        drift.set(id, entry);
      }
    }
    await client.query(
      `INSERT INTO performance_buckets (model, version, bucket, segment_key, segment_value, count, confusion, predicted)
       SELECT $1, 0, b, k, v, c, '{0,0,0,0}', '{0,0}' FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::bigint[]) AS u(b, k, v, c)`,
      [spec.model, perf.bucket, perf.key, perf.value, perf.count],
    );
    const total = widths.reduce((a, b) => a + b, 0);
    const offsets = widths.map((_, j) => widths.slice(0, j).reduce((a, b) => a + b, 0));
    const entries = [...drift.values()];
    const counts = entries.map((entry, i) => {
      const histogram = new Array(total).fill(0);
      widths.forEach((width, j) => (histogram[offsets[j] + ((i + j) % width)] += entry.count));
      return `{${histogram.join(',')}}`;
    });
    const zeros = `{${widths.map(() => 0).join(',')}}`;
    for (let start = 0; start < entries.length; start += 200) {
      const slice = entries.slice(start, start + 200);
      await client.query(
        `INSERT INTO drift_buckets (model, reference_id, segment_key, bucket, segment_value, version, count, labeled, counts, missing)
         SELECT $1, $2, k, b, v, 0, c, 0, h::bigint[], $8::bigint[] FROM unnest($3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::text[]) AS u(k, b, v, c, h)`,
        [spec.model, referenceId, slice.map((e) => e.key), slice.map((e) => e.bucket), slice.map((e) => e.value), slice.map((e) => e.count), counts.slice(start, start + 200), zeros],
      );
    }
    await client.query('VACUUM ANALYZE performance_buckets, drift_buckets');
  });
}
