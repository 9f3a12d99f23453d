import type pg from 'pg';
import { webhookBody, ZERO_TIME, type AlertInstance } from './alertmanager-body.js';
import type { AlertRule } from './alert-rule.js';
import type { AlertsRepository, OutboxEntry } from './alerts.repository.js';

/** The Alertmanager outbox rows carry the alerts; the v2 body is made when sent (endsAt is relative to then). */
export interface AlertmanagerPayload {
  alerts: AlertInstance[];
}

/**
 * Turns one rule's changes of one evaluation into outbox rows, in the caller's transaction: one
 * Alertmanager webhook v4 body per registered webhook, and one row for PLUMBLINE_ALERTMANAGER_URL.
 */
export class AlertNotifier {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly externalURL: string,
    private readonly alertmanager: boolean,
  ) {}

  async enqueue(client: pg.PoolClient, rule: AlertRule, alerts: AlertInstance[], kind: string): Promise<void> {
    if (alerts.length === 0) return;
    const webhooks = await this.repository.listWebhooks(client);
    const entries: OutboxEntry[] = webhooks.map((webhook) => ({
      webhookId: webhook.id,
      ruleId: rule.id,
      kind,
      payload: webhookBody(webhook.name, rule.id, rule.name, alerts, this.externalURL),
    }));
    if (this.alertmanager) entries.push({ webhookId: null, ruleId: rule.id, kind, payload: { alerts } satisfies AlertmanagerPayload });
    await this.repository.enqueue(client, entries);
  }

  instance(status: 'firing' | 'resolved', labels: Record<string, string>, annotations: Record<string, string>, firedAt: number, endsAt: number | null, fingerprint: string): AlertInstance {
    return {
      status,
      labels,
      annotations,
      startsAt: new Date(firedAt).toISOString(),
      endsAt: endsAt === null ? ZERO_TIME : new Date(endsAt).toISOString(),
      generatorURL: this.externalURL ? `${this.externalURL.replace(/\/$/, '')}/api/alerts` : '',
      fingerprint,
    };
  }
}
