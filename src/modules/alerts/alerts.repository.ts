import type pg from 'pg';
import type { Database } from '../../database/database.js';
import type { AlertMemory, AlertState } from './alert-state-machine.js';
import type { AlertRule, AlertRuleSpec } from './alert-rule.js';

/** A pending or firing alert as stored (inactive alerts have no row). */
export interface StoredAlert extends AlertMemory {
  ruleId: string;
  segmentValue: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  noData: boolean;
  evaluatedAt: number;
}

export interface Webhook {
  id: string;
  name: string;
  url: string;
  secret: string | null;
  createdAt: string;
}

export interface OutboxEntry {
  /** null: the Alertmanager of PLUMBLINE_ALERTMANAGER_URL. */
  webhookId: string | null;
  ruleId: string | null;
  kind: string;
  payload: unknown;
}

export interface ClaimedDelivery {
  id: number;
  webhookId: string | null;
  webhookName: string | null;
  url: string | null;
  secret: string | null;
  payload: unknown;
  createdAt: number;
  attempts: number;
}

const ms = (value: Date | null): number | null => (value === null ? null : value.getTime());
const date = (value: number | null): Date | null => (value === null ? null : new Date(value));

function ruleOf(row: { id: string; spec: AlertRuleSpec; created_at: Date; updated_at: Date }): AlertRule {
  return { id: row.id, ...row.spec, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
}

/** Alert rules, alert state, webhooks and the delivery outbox, through `pg`. */
export class AlertsRepository {
  constructor(private readonly database: Database) {}

  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.database.transaction(work);
  }

  async insertRule(id: string, spec: AlertRuleSpec): Promise<AlertRule> {
    const { rows } = await this.database.pool.query('INSERT INTO alert_rules (id, name, model, spec) VALUES ($1, $2, $3, $4) RETURNING *', [id, spec.name, spec.model, spec]);
    return ruleOf(rows[0]);
  }

  async updateRule(id: string, spec: AlertRuleSpec): Promise<AlertRule | undefined> {
    const { rows } = await this.database.pool.query('UPDATE alert_rules SET name = $2, model = $3, spec = $4, updated_at = now() WHERE id = $1 RETURNING *', [
      id,
      spec.name,
      spec.model,
      spec,
    ]);
    return rows[0] ? ruleOf(rows[0]) : undefined;
  }

  async getRule(id: string): Promise<AlertRule | undefined> {
    const { rows } = await this.database.pool.query('SELECT * FROM alert_rules WHERE id = $1', [id]);
    return rows[0] ? ruleOf(rows[0]) : undefined;
  }

  async listRules(): Promise<AlertRule[]> {
    const { rows } = await this.database.pool.query('SELECT * FROM alert_rules ORDER BY created_at, id');
    return rows.map(ruleOf);
  }

  /** Locks the rule row for the transaction (an evaluation and a delete do not interleave); undefined if gone. */
  async lockRule(client: pg.PoolClient, id: string): Promise<AlertRule | undefined> {
    const { rows } = await client.query('SELECT * FROM alert_rules WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] ? ruleOf(rows[0]) : undefined;
  }

  async deleteRule(client: pg.PoolClient, id: string): Promise<void> {
    await client.query('DELETE FROM alert_rules WHERE id = $1', [id]);
  }

  async alertsOf(client: pg.PoolClient | pg.Pool, ruleId: string): Promise<StoredAlert[]> {
    const { rows } = await client.query('SELECT * FROM alert_state WHERE rule_id = $1', [ruleId]);
    return rows.map(alertOf);
  }

  async activeAlerts(): Promise<(StoredAlert & { rule: AlertRule })[]> {
    const { rows } = await this.database.pool.query(
      `SELECT s.*, r.id AS r_id, r.spec AS r_spec, r.created_at AS r_created_at, r.updated_at AS r_updated_at
         FROM alert_state s JOIN alert_rules r ON r.id = s.rule_id
        ORDER BY r.name, s.segment_value`,
    );
    return rows.map((row) => ({ ...alertOf(row), rule: ruleOf({ id: row.r_id, spec: row.r_spec, created_at: row.r_created_at, updated_at: row.r_updated_at }) }));
  }

  async saveAlert(client: pg.PoolClient, alert: StoredAlert): Promise<void> {
    await client.query(
      `INSERT INTO alert_state (rule_id, segment_value, state, fingerprint, labels, annotations, value, no_data, active_since, fired_at, last_true_at, last_sent_at, evaluated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (rule_id, segment_value) DO UPDATE SET state = EXCLUDED.state, fingerprint = EXCLUDED.fingerprint, labels = EXCLUDED.labels,
         annotations = EXCLUDED.annotations, value = EXCLUDED.value, no_data = EXCLUDED.no_data, active_since = EXCLUDED.active_since,
         fired_at = EXCLUDED.fired_at, last_true_at = EXCLUDED.last_true_at, last_sent_at = EXCLUDED.last_sent_at, evaluated_at = EXCLUDED.evaluated_at`,
      [
        alert.ruleId,
        alert.segmentValue,
        alert.state,
        alert.fingerprint,
        alert.labels,
        alert.annotations,
        alert.value,
        alert.noData,
        date(alert.activeSince),
        date(alert.firedAt),
        date(alert.lastTrueAt),
        date(alert.lastSentAt),
        new Date(alert.evaluatedAt),
      ],
    );
  }

  async deleteAlert(client: pg.PoolClient, ruleId: string, segmentValue: string): Promise<void> {
    await client.query('DELETE FROM alert_state WHERE rule_id = $1 AND segment_value = $2', [ruleId, segmentValue]);
  }

  async insertWebhook(webhook: Omit<Webhook, 'createdAt'>): Promise<Webhook | undefined> {
    const { rows } = await this.database.pool.query(
      'INSERT INTO webhooks (id, name, url, secret) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING *',
      [webhook.id, webhook.name, webhook.url, webhook.secret],
    );
    return rows[0] ? webhookOf(rows[0]) : undefined;
  }

  async listWebhooks(client: pg.PoolClient | pg.Pool = this.database.pool): Promise<Webhook[]> {
    const { rows } = await client.query('SELECT * FROM webhooks ORDER BY created_at, id');
    return rows.map(webhookOf);
  }

  async getWebhook(id: string): Promise<Webhook | undefined> {
    const { rows } = await this.database.pool.query('SELECT * FROM webhooks WHERE id = $1', [id]);
    return rows[0] ? webhookOf(rows[0]) : undefined;
  }

  async deleteWebhook(id: string): Promise<boolean> {
    const { rowCount } = await this.database.pool.query('DELETE FROM webhooks WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async enqueue(client: pg.PoolClient, entries: OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await client.query(
      `INSERT INTO alert_outbox (webhook_id, rule_id, kind, payload)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[])`,
      [entries.map((e) => e.webhookId), entries.map((e) => e.ruleId), entries.map((e) => e.kind), entries.map((e) => JSON.stringify(e.payload))],
    );
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs`: rows locked by another claimer are skipped, and a
   * claimed row is not due again until its lease ends (a deliverer that died mid-send is retried then).
   * Only the oldest unfinished row of each (rule, webhook) is due, so that a receiver never gets an
   * alert's "resolved" before its "firing" when the first delivery is still being retried.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const { rows } = await this.database.pool.query(
      `WITH due AS (
         SELECT id FROM alert_outbox o
          WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
            AND NOT EXISTS (
              SELECT 1 FROM alert_outbox e
               WHERE e.rule_id IS NOT DISTINCT FROM o.rule_id AND e.webhook_id IS NOT DISTINCT FROM o.webhook_id
                 AND e.id < o.id AND e.delivered_at IS NULL AND e.gave_up_at IS NULL)
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE alert_outbox o SET claimed_until = now() + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE o.id = due.id
       RETURNING o.id, o.webhook_id, o.payload, o.created_at, o.attempts`,
      [limit, leaseMs],
    );
    if (rows.length === 0) return [];
    const hooks = new Map((await this.listWebhooks()).map((hook) => [hook.id, hook]));
    return rows
      .map((row) => {
        const hook = row.webhook_id ? hooks.get(row.webhook_id) : undefined;
        return {
          id: Number(row.id),
          webhookId: row.webhook_id,
          webhookName: hook?.name ?? null,
          url: hook?.url ?? null,
          secret: hook?.secret ?? null,
          payload: row.payload,
          createdAt: (row.created_at as Date).getTime(),
          attempts: row.attempts as number,
        };
      })
      .sort((a, b) => a.id - b.id);
  }

  async markDelivered(id: number): Promise<void> {
    await this.database.pool.query('UPDATE alert_outbox SET delivered_at = now(), attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE id = $1', [id]);
  }

  async markRetry(id: number, at: number, error: string): Promise<void> {
    await this.database.pool.query('UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = $2, claimed_until = NULL, last_error = $3 WHERE id = $1', [
      id,
      new Date(at),
      error.slice(0, 1000),
    ]);
  }

  async markGaveUp(id: number, error: string): Promise<void> {
    await this.database.pool.query('UPDATE alert_outbox SET attempts = attempts + 1, gave_up_at = now(), claimed_until = NULL, last_error = $2 WHERE id = $1', [id, error.slice(0, 1000)]);
  }

  /** Forgets finished deliveries older than `olderThanMs`. */
  async pruneOutbox(olderThanMs: number): Promise<void> {
    await this.database.pool.query(
      `DELETE FROM alert_outbox WHERE (delivered_at IS NOT NULL OR gave_up_at IS NOT NULL) AND created_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs],
    );
  }
}

function alertOf(row: Record<string, any>): StoredAlert {
  return {
    ruleId: row.rule_id,
    segmentValue: row.segment_value,
    state: row.state as AlertState,
    fingerprint: row.fingerprint,
    labels: row.labels,
    annotations: row.annotations,
    value: row.value,
    noData: row.no_data,
    activeSince: ms(row.active_since),
    firedAt: ms(row.fired_at),
    lastTrueAt: ms(row.last_true_at),
    lastSentAt: ms(row.last_sent_at),
    evaluatedAt: (row.evaluated_at as Date).getTime(),
  };
}

function webhookOf(row: Record<string, any>): Webhook {
  return { id: row.id, name: row.name, url: row.url, secret: row.secret, createdAt: (row.created_at as Date).toISOString() };
}
