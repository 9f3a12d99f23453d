import pg from 'pg';

const DAY_MS = 86_400_000;
export const REGIONS = ['eu', 'us', 'apac', 'latam'];

/**
 * The daily partitions of `predictions` that hold [from, to], created with the server's own DDL
 * (src/modules/predictions/prediction-log.repository.ts, ensurePartitions).
 */
export async function ensurePartitions(client, from, to) {
  const names = [];
  for (let day = Math.floor(from.getTime() / DAY_MS); day <= Math.floor(to.getTime() / DAY_MS); day++) {
    const name = `predictions_p${new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
    const lo = new Date(day * DAY_MS).toISOString();
    const hi = new Date((day + 1) * DAY_MS).toISOString();
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF predictions FOR VALUES FROM ('${lo}') TO ('${hi}')`);
    } catch (error) {
      if (!['42P07', '23505'].includes(error.code)) throw error;
    }
    names.push(name);
  }
  return names;
}

/**
 * A synthetic prediction log, as SQL over `generate_series(1, rows)`: row n of model `model` has id
 * `<prefix><n, zero-padded>`, a timestamp spread evenly over [from, to) in whole milliseconds, a
 * binary output [1 − p, p] with p in [0.02, 0.98], segment region = REGIONS[n % 4] and one feature x.
 * Every expression is exact (integer milliseconds, float8 p), so the aggregates computed from the
 * same expressions are exactly those the server would have added row by row.
 */
function generator({ rows, from, to }) {
  // Whole milliseconds, as the server writes them (a JS Date): the label path reads `ts` back
  // into a Date and matches on it, so a microsecond timestamp would never be labeled.
  const rangeMs = to.getTime() - from.getTime();
  return {
    tsUs: `((${from.getTime()}::bigint + ((n - 1) * ${rangeMs}::bigint) / ${rows}::bigint) * 1000)`,
    p: `(round((0.02::float8 + 0.96::float8 * ((n * 7919) % 10007)::float8 / 10007::float8) * 10000::float8) / 10000::float8)`,
    region: `(ARRAY[${REGIONS.map((r) => `'${r}'`).join(',')}])[1 + (n % ${REGIONS.length})::int]`,
    x: `((n % 1000)::float8 / 100::float8)`,
  };
}

/** Id of row n (1-based) as `fillLog` writes it. */
export function predictionId(prefix, n) {
  return `${prefix}${String(n).padStart(10, '0')}`;
}

/**
 * Fills the log of a monitoring-only binary model (version 0, as the server logs such a model) with
 * `rows` predictions over [from, to): `predictions` and `prediction_ids` (unless `withPredictions` is
 * false) on two connections in parallel, and `performance_buckets` (overall + region rows per bucket,
 * label-free sums: count, Σ max p, Σ entropy, an all-zero confusion matrix) as the server writes them.
 * Returns timings in ms.
 */
export async function fillLog(url, { model, prefix, rows, from, to, bucketSeconds = 60, withPredictions = true }) {
  const g = generator({ rows, from, to });
  const id = `'${prefix}' || lpad(n::text, 10, '0')`;
  const ts = `('epoch'::timestamptz + ${g.tsUs} * interval '1 microsecond')`;
  const series = `generate_series(1::bigint, ${rows}::bigint) AS n`;
  const connect = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`SET synchronous_commit = off`);
    return client;
  };
  const a = await connect();
  const b = await connect();
  const timings = {};
  const timed = async (name, work) => {
    const start = performance.now();
    await work();
    timings[name] = performance.now() - start;
  };
  try {
    if (withPredictions) await ensurePartitions(a, from, to);
    const predictions = withPredictions
      ? timed('predictions', () =>
          a.query(
            `INSERT INTO predictions (model, id, version, ts, features, output, segments)
             SELECT '${model}', ${id}, 0, ${ts}, jsonb_build_object('x', ${g.x}), jsonb_build_array(1 - p, p), jsonb_build_object('region', region)
               FROM (SELECT n, ${g.p} AS p, ${g.region} AS region FROM ${series}) s`,
          ),
        )
      : Promise.resolve();
    const idsAndBuckets = (async () => {
      if (withPredictions) {
        await timed('prediction_ids', () =>
          b.query(
            `INSERT INTO prediction_ids (model, id, ts, version, output, segments)
             SELECT '${model}', ${id}, ${ts}, 0, jsonb_build_array(1 - p, p), jsonb_build_object('region', region)
               FROM (SELECT n, ${g.p} AS p, ${g.region} AS region FROM ${series}) s`,
          ),
        );
      }
      await timed('performance_buckets', async () => {
        const bucketUs = BigInt(bucketSeconds) * 1_000_000n;
        await b.query(
          `CREATE TEMP TABLE bench_agg AS
           SELECT (${g.tsUs} / ${bucketUs}::bigint) AS b, ${g.region} AS region, count(*) AS c,
                  sum(greatest(p, 1 - p)) AS maxp, sum(-(p * ln(p) + (1 - p) * ln(1 - p))) AS ent
             FROM (SELECT n, ${g.p} AS p FROM ${series}) s
            GROUP BY 1, 2`,
        );
        const bucket = `to_timestamp((b * ${bucketSeconds})::float8)`;
        await b.query(
          `INSERT INTO performance_buckets (model, version, bucket, segment_key, segment_value, count, confusion, max_prob_sum, entropy_sum)
           SELECT '${model}', 0, ${bucket}, 'region', region, c, '{0,0,0,0}'::bigint[], maxp, ent FROM bench_agg
           UNION ALL
           SELECT '${model}', 0, ${bucket}, '', '', sum(c), '{0,0,0,0}'::bigint[], sum(maxp), sum(ent) FROM bench_agg GROUP BY b`,
        );
        await b.query('DROP TABLE bench_agg');
      });
    })();
    await Promise.all([predictions, idsAndBuckets]);
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
  return timings;
}

/** The generator's value of each histogrammed feature of the query models (the profile's feature names). */
const DRIFT_VALUES = { x: (g) => g.x, __prediction__: (g) => g.p };

/**
 * Rows `ns` (1-based) of the log that `fillLog` writes, as reference records for
 * `PUT /api/models/<m>/reference`: computed by PostgreSQL from the very same expressions, so that the
 * reference is a sample of the logged distribution (no label: the profile then has no `__label__`).
 */
export async function sampleRecords(url, { rows, from, to, ns }) {
  const g = generator({ rows, from, to });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: sample } = await client.query(`SELECT n, ${g.x} AS x, ${g.p} AS p, ${g.region} AS region FROM unnest($1::bigint[]) AS n ORDER BY n`, [ns]);
    return sample.map((row) => ({ features: { x: row.x }, segments: { region: row.region }, output: row.p }));
  } finally {
    await client.end();
  }
}

/**
 * The drift histograms (`drift_buckets`) of the log `fillLog` writes, in the bins of a reference, as the
 * server would have added them prediction by prediction: per (minute bucket, region) and overall, version 0,
 * `count` = predictions (equal to performance_buckets' count, so no bucket looks stale), `labeled` 0,
 * `counts` = every feature's bins one after the other in `features` order (the profile's), `missing` zeros
 * (the generator never leaves a value out). The bin of a value is the number of edges ≤ it, which is
 * PostgreSQL's `width_bucket(value, edges)`. `features`: [{name, edges}] with names of DRIFT_VALUES.
 * Rows already there (the server rebuilds recent buckets when a reference is set) are replaced.
 * `table` may name a copy of drift_buckets (to compare with what the server built). Returns timings in ms.
 */
export async function fillDrift(url, { model, rows, from, to, referenceId, features, bucketSeconds = 60, table = 'drift_buckets' }) {
  const g = generator({ rows, from, to });
  const offsets = [];
  let width = 0;
  for (const feature of features) {
    if (!DRIFT_VALUES[feature.name]) throw new Error(`fillDrift: no generator for feature '${feature.name}' (have ${Object.keys(DRIFT_VALUES).join(', ')})`);
    offsets.push(width);
    width += feature.edges.length + 1;
  }
  const slots = features.map((feature, j) => `(${offsets[j]} + width_bucket(${DRIFT_VALUES[feature.name](g)}, $${j + 1}::float8[]))`);
  const bucketUs = BigInt(bucketSeconds) * 1_000_000n;
  const zeros = `'{${features.map(() => 0).join(',')}}'::bigint[]`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const timings = {};
  try {
    await client.query('SET synchronous_commit = off');
    let start = performance.now();
    await client.query(
      `CREATE TEMP TABLE bench_drift_cells AS
       SELECT (${g.tsUs} / ${bucketUs}::bigint) AS b, ${g.region} AS region, v.slot, count(*) AS c
         FROM generate_series(1::bigint, ${rows}::bigint) AS n
        CROSS JOIN LATERAL (VALUES ${slots.map((slot) => `(${slot})`).join(', ')}) AS v(slot)
        GROUP BY 1, 2, 3`,
      features.map((feature) => feature.edges),
    );
    timings.drift_cells = performance.now() - start;
    start = performance.now();
    const bucket = `to_timestamp((b * ${bucketSeconds})::float8)`;
    await client.query(
      `WITH keys AS (SELECT b, region, sum(c) FILTER (WHERE slot < ${features[0].edges.length + 1}) AS n FROM bench_drift_cells GROUP BY b, region),
            dense AS (SELECT k.b, k.region, k.n, s.slot, coalesce(c.c, 0) AS c
                        FROM keys k CROSS JOIN generate_series(0, ${width - 1}) AS s(slot)
                        LEFT JOIN bench_drift_cells c ON c.b = k.b AND c.region = k.region AND c.slot = s.slot),
            per_region AS (SELECT b, region, n, array_agg(c ORDER BY slot) AS counts FROM dense GROUP BY b, region, n),
            overall AS (SELECT b, sum(n) AS n, array_agg(c ORDER BY slot) AS counts
                          FROM (SELECT b, slot, sum(c) AS c, sum(n) FILTER (WHERE slot = 0) AS n FROM dense GROUP BY b, slot) s GROUP BY b)
       INSERT INTO ${table} AS t (model, reference_id, segment_key, bucket, segment_value, version, count, labeled, counts, missing)
       SELECT '${model}', ${Number(referenceId)}, 'region', ${bucket}, region, 0, n, 0, counts, ${zeros} FROM per_region
       UNION ALL
       SELECT '${model}', ${Number(referenceId)}, '', ${bucket}, '', 0, n, 0, counts, ${zeros} FROM overall
       ON CONFLICT (model, reference_id, segment_key, bucket, segment_value, version)
       DO UPDATE SET count = EXCLUDED.count, labeled = EXCLUDED.labeled, counts = EXCLUDED.counts, missing = EXCLUDED.missing`,
    );
    timings.drift_buckets = performance.now() - start;
    await client.query('DROP TABLE bench_drift_cells');
  } finally {
    await client.end();
  }
  return timings;
}
