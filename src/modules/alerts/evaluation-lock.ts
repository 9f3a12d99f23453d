import pg from 'pg';

/** The advisory lock key of the alert evaluator ("plumb" in ASCII). */
export const EVALUATOR_LOCK_KEY = 0x706c756d62;

/**
 * Leadership through a session-level PostgreSQL advisory lock held on a dedicated connection: the
 * lock lives exactly as long as that session, so when the holding process dies (or its connection
 * does) PostgreSQL releases it and the next `pg_try_advisory_lock` elsewhere succeeds.
 */
export class EvaluationLock {
  private client: pg.Client | undefined;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly key = EVALUATOR_LOCK_KEY,
  ) {}

  /** True when this process holds the lock now: tries to take it if not, checks the session is alive if so. */
  async acquire(): Promise<boolean> {
    try {
      const client = await this.connection();
      if (this.held) {
        await client.query('SELECT 1');
        return true;
      }
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [this.key]);
      this.held = rows[0].locked;
      return this.held;
    } catch {
      this.drop();
      return false;
    }
  }

  get isHeld(): boolean {
    return this.held;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    // Ending the session releases the lock.
    await client?.end().catch(() => undefined);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 3000, query_timeout: 10_000 });
    client.on('error', () => this.drop());
    client.on('end', () => {
      if (this.client === client) this.drop();
    });
    await client.connect();
    await client.query("SET application_name = 'plumbline-alert-evaluator'");
    this.client = client;
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    client?.end().catch(() => undefined);
  }
}
