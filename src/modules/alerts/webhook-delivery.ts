import type { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import { postableAlerts } from './alertmanager-body.js';
import type { AlertmanagerPayload } from './alert-notifier.js';
import type { AlertsRepository, ClaimedDelivery } from './alerts.repository.js';
import { nextAttemptAt, type RetryPolicy } from './backoff.js';
import { signatureHeader } from './signature.js';
import { checkWebhookTarget } from './webhook-target.js';

export interface DeliveryOptions {
  retry: RetryPolicy;
  timeoutMs: number;
  allowPrivate: boolean;
  /** `PLUMBLINE_ALERTMANAGER_URL`, or undefined. */
  alertmanagerUrl?: string;
  /** How far ahead a firing alert pushed to Alertmanager ends unless pushed again. */
  alertmanagerHoldMs: number;
  log: (level: 'warn' | 'debug', message: string) => void;
}

/** The name under which Alertmanager pushes are counted in plumbline_webhook_deliveries_total. */
export const ALERTMANAGER_WEBHOOK = 'alertmanager';

const BATCH = 50;
const MAX_ROUNDS = 20;

/** Sends due outbox rows, at least once each, with back-off; run by the evaluation lock holder. */
export class WebhookDelivery {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly metrics: PlumblineMetrics,
    private readonly options: DeliveryOptions,
  ) {}

  /**
   * Delivers what is due now, in batches (the rows of a batch concurrently; a delivered row makes the
   * next one of its rule and webhook due), for a bounded number of rounds.
   */
  async deliverDue(): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const due = await this.repository.claimDue(BATCH, this.options.timeoutMs + 5_000);
      if (due.length === 0) return;
      await Promise.all(due.map((row) => this.deliver(row)));
    }
  }

  /** Pushes alerts to Alertmanager's /api/v2/alerts (used directly for the periodic re-send of firing alerts). */
  async pushToAlertmanager(payload: AlertmanagerPayload, now = Date.now()): Promise<void> {
    const base = this.options.alertmanagerUrl;
    if (!base) return;
    const body = JSON.stringify(postableAlerts(payload.alerts, new Date(now + this.options.alertmanagerHoldMs).toISOString()));
    await this.post(new URL('api/v2/alerts', base.endsWith('/') ? base : `${base}/`), body, {});
  }

  private async deliver(row: ClaimedDelivery): Promise<void> {
    const name = row.webhookId === null ? ALERTMANAGER_WEBHOOK : (row.webhookName ?? row.webhookId);
    if (row.webhookId === null && !this.options.alertmanagerUrl) {
      // Queued while PLUMBLINE_ALERTMANAGER_URL was set; it is not any more.
      await this.repository.markGaveUp(row.id, 'PLUMBLINE_ALERTMANAGER_URL is not set');
      this.metrics.webhookDeliveries.inc({ webhook: name, outcome: 'gave_up' });
      return;
    }
    try {
      if (row.webhookId === null) {
        await this.pushToAlertmanager(row.payload as AlertmanagerPayload);
      } else {
        const url = await checkWebhookTarget(row.url ?? '', this.options.allowPrivate);
        const body = JSON.stringify(row.payload);
        const headers: Record<string, string> = {};
        if (row.secret) headers['X-Plumbline-Signature'] = signatureHeader(row.secret, body, Math.floor(Date.now() / 1000));
        await this.post(url, body, headers);
      }
      await this.repository.markDelivered(row.id);
      this.metrics.webhookDeliveries.inc({ webhook: name, outcome: 'delivered' });
    } catch (error) {
      const reason = (error as Error).message;
      const at = nextAttemptAt(row.createdAt, row.attempts + 1, Date.now(), this.options.retry);
      if (at === null) {
        await this.repository.markGaveUp(row.id, reason);
        this.metrics.webhookDeliveries.inc({ webhook: name, outcome: 'gave_up' });
        this.options.log('warn', `webhook "${name}": gave up delivery ${row.id} after ${row.attempts + 1} attempts: ${reason}`);
      } else {
        await this.repository.markRetry(row.id, at, reason);
        this.metrics.webhookDeliveries.inc({ webhook: name, outcome: 'retry' });
        this.options.log('debug', `webhook "${name}": delivery ${row.id} failed (${reason}); retry at ${new Date(at).toISOString()}`);
      }
    }
  }

  /**
   * One POST; only a 2xx answer counts. Redirects are not followed (they could lead to a private
   * address). Errors name the origin only: webhook paths often carry tokens.
   */
  private async post(url: URL, body: string, headers: Record<string, string>): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Plumbline', ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const cause = (error as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : ((error as { cause?: Error }).cause?.message ?? (error as Error).message);
      throw new Error(`POST to ${url.origin} failed: ${cause}`);
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 300 && response.status < 400) throw new Error(`HTTP ${response.status} redirect (not followed)`);
    if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
  }
}
