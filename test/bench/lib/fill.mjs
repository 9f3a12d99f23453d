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
             SELECT '${model}', ${id}, 0, ${ts}, jsonb_build_object('x', (n % 1000)::float8 / 100), jsonb_build_array(1 - p, p), jsonb_build_object('region', region)
               FROM (SELECT n, ${g.p} AS p, ${g.region} AS region FROM ${series}) s`,
          ),
        )
      : Promise.resolve();
    const idsAndBuckets = (async () => {
      if (withPredictions) await timed('prediction_ids', () => b.query(`INSERT INTO prediction_ids (model, id, ts) SELECT '${model}', ${id}, ${ts} FROM ${series}`));
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
