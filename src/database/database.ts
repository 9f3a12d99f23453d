import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.launcher.js';
import { applyMigrations, readMigrations } from './migrator.js';

// jsonb and timestamptz come back as JS values; bigint counts as numbers (they stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  embeddedPort: number;
  log: (message: string) => void;
}

/** The `pg` pool shared by Prisma (through its adapter) and the bulk paths, and what owns it. */
export class Database {
  private closed = false;

  constructor(
    readonly pool: pg.Pool,
    readonly url: string,
    readonly embedded: boolean,
    private readonly stopEmbedded?: () => Promise<void>,
  ) {}

  /**
   * Runs `work` in one transaction on one client: committed if it resolves, rolled back if it throws.
   * A client whose connection failed (or timed out: PostgreSQL stopped answering) is destroyed, not
   * rolled back — a ROLLBACK would queue behind the stuck query and wait out another timeout — and
   * never goes back to the pool.
   */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      else await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
    await this.stopEmbedded?.();
  }
}

/** True for errors that mean "PostgreSQL is not reachable right now" (spool and retry), a statement timeout included. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  const message = (error as Error)?.message ?? '';
  return (
    code.startsWith('08') ||
    ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message) ||
    isQueryTimeout(error)
  );
}

/** The pool's `query_timeout` ran out: PostgreSQL was reached but did not answer in time. */
export function isQueryTimeout(error: unknown): boolean {
  return /Query read timeout/i.test((error as Error)?.message ?? '');
}

/** A unique index refused a row (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}

export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 3000,
    // Idle connections stay open (a fixed pool of 10, as HikariCP advises): a new PostgreSQL backend is slow until it
    // has touched the pages it reads (each first touch is a page fault in that process; 11-14 µs each on a Firecracker
    // VM). Closed after 30 s idle, every burst of labels started on new backends: in a lab, a fresh backend's first
    // 2,500 lookups took 58-79 µs each, the next 20,000 21-31, then 14-20. A dead connection is still dropped ('error').
    idleTimeoutMillis: 0,
    query_timeout: 30_000,
    // A peer that vanished without a word (partition, frozen host) is noticed by TCP too.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A client that loses its server emits 'error' (idle ones on the pool, checked-out ones on
  // themselves); unheard, either would crash the process. The failed query rejects anyway.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Connects to DATABASE_URL or starts the embedded PostgreSQL, then applies migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let url = options.databaseUrl;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    options.log(`DATABASE_URL is not set: starting the embedded PostgreSQL under ${join(options.dataDir, 'pg')}`);
    const embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, port: options.embeddedPort, log: options.log });
    url = embedded.url;
    stop = embedded.stop;
  }
  const pool = createPool(url);
  try {
    await applyMigrations(pool, readMigrations(MIGRATIONS_DIR), options.log);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await stop?.();
    throw new Error(`cannot prepare the database at ${redact(url)}: ${(error as Error).message}`);
  }
  return new Database(pool, url, !options.databaseUrl, stop);
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
