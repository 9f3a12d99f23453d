import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { cpuMsOf } from './procs.mjs';

/** Hides a password in a URL for printing and for the results file. */
export function redact(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

export function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `work` with one connected client, and ends it. */
export async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * CPU used so far (ms, /proc: PostgreSQL on this machine) by each backend of pg_stat_activity that `where`
 * selects (never the asking one), by pid; a pid already gone from /proc is left out.
 */
export async function backendCpu(client, where, params = []) {
  const { rows } = await client.query(`SELECT pid FROM pg_stat_activity WHERE ${where} AND pid <> pg_backend_pid()`, params);
  return new Map(rows.map(({ pid }) => [pid, cpuMsOf(pid)]).filter(([, ms]) => Number.isFinite(ms)));
}

/**
 * The CPU (ms) the backends of `after` used since `before` (two `backendCpu` readings); NaN if none was seen.
 * A backend that started in between counts whole; one that ended in between is lost (the pool keeps them 30 s).
 */
export function backendCpuSince(before, after) {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return after.size === 0 ? NaN : total;
}

/**
 * The PostgreSQL the bench uses: the one at DATABASE_URL if it is set, else an embedded cluster
 * (the server's own launcher, compiled in dist/) under the run's temp directory. Either way every
 * section gets its own database, `plumbline_bench_<stamp>_<tag>`, dropped when the section ends, so
 * that nothing shared is touched and no autovacuum of one section's data disturbs the next.
 */
export async function setupPostgres({ root, tmp, stamp, log }) {
  let adminUrl = process.env.DATABASE_URL;
  let embedded;
  if (!adminUrl) {
    log('DATABASE_URL is not set: starting an embedded PostgreSQL');
    const launcher = await import(pathToFileURL(join(root, 'dist', 'database', 'embedded-postgres.launcher.js')).href);
    embedded = await launcher.startEmbeddedPostgres({ dataDir: join(tmp, 'embedded'), port: 0, log });
    adminUrl = embedded.url;
  }
  const info = await withClient(adminUrl, async (client) => {
    const settings = {};
    for (const name of ['server_version', 'shared_buffers', 'work_mem', 'max_wal_size', 'synchronous_commit', 'fsync', 'max_connections']) {
      settings[name] = (await client.query(`SELECT current_setting($1) AS v`, [name])).rows[0].v;
    }
    const { rows } = await client.query('SELECT version() AS v');
    return { version: rows[0].v, settings };
  });
  const created = new Set();
  const prefix = `plumbline_bench_${stamp}`;
  return {
    mode: embedded ? 'embedded' : 'DATABASE_URL',
    adminUrl: redact(adminUrl),
    version: info.version,
    settings: info.settings,
    /** Creates `plumbline_bench_<stamp>_<tag>` and returns its URL. */
    async createDatabase(tag) {
      const name = `${prefix}_${tag}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
      created.add(name);
      return withDatabase(adminUrl, name);
    },
    async dropDatabase(url) {
      const name = new URL(url).pathname.slice(1);
      if (!created.has(name)) throw new Error(`refusing to drop ${name}: the bench did not create it`);
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      created.delete(name);
    },
    async close() {
      for (const name of [...created]) {
        await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch((error) => log(`could not drop ${name}: ${error.message}`));
        created.delete(name);
      }
      await embedded?.stop();
    },
  };
}
