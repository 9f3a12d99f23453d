import type { PlumblineMetrics } from '../../monitoring/metrics.registry.js';
import type { AlertEvaluator } from './alert-evaluator.js';
import type { AlertNotifier } from './alert-notifier.js';
import type { AlertsRepository } from './alerts.repository.js';
import type { EvaluationLock } from './evaluation-lock.js';
import type { ServingCounts, ServingSnapshot, ServingWindow } from './serving-window.js';
import type { WebhookDelivery } from './webhook-delivery.js';

export interface SchedulerOptions {
  intervalMs: number;
  /** How often the lock holder looks for due deliveries between evaluations. */
  deliveryPollMs: number;
  /** Firing alerts are pushed to Alertmanager again this often (Prometheus' resend delay). */
  alertmanagerResendMs: number;
  alertmanager: boolean;
  log: (level: 'warn' | 'debug' | 'log', message: string) => void;
}

const PRUNE_EVERY_MS = 3_600_000;
const KEEP_FINISHED_MS = 7 * 86_400_000;

/**
 * The alert clock, in every process: snapshots this process's serving counters; the process that
 * holds the evaluation lock (or takes it now) evaluates every rule, mirrors the alerts in
 * `plumbline_alerts` and delivers the outbox; the others only try the lock at each interval.
 */
export class AlertsScheduler {
  private tickTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private delivering = false;
  private stopped = false;
  private lastResend = 0;
  private lastPrune = 0;
  private wasLeader = false;

  constructor(
    private readonly lock: EvaluationLock,
    private readonly evaluator: AlertEvaluator,
    private readonly delivery: WebhookDelivery,
    private readonly repository: AlertsRepository,
    private readonly notifier: AlertNotifier,
    private readonly serving: ServingWindow,
    private readonly metrics: PlumblineMetrics,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    this.schedule(0);
    this.pollTimer = setInterval(() => {
      if (!this.stopped && this.lock.isHeld) void this.track(this.deliver());
    }, this.options.deliveryPollMs);
    this.pollTimer.unref();
  }

  /** Stops the clock, waits for the work in flight, and ends the lock's session (releasing it). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    clearInterval(this.pollTimer);
    await Promise.allSettled([...this.inFlight]);
    await this.lock.release();
  }

  /** One evaluation interval. */
  async tick(now = Date.now()): Promise<void> {
    this.serving.record(await servingSnapshot(this.metrics, now));
    const leader = await this.lock.acquire();
    if (leader !== this.wasLeader) this.options.log('log', leader ? 'this process now evaluates alerts (holds the advisory lock)' : 'this process no longer evaluates alerts');
    this.wasLeader = leader;
    if (!leader) {
      this.metrics.alerts.reset();
      return;
    }
    await this.evaluator.evaluateAll(now);
    await this.refreshGauge(now);
    await this.deliver();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.repository.pruneOutbox(KEEP_FINISHED_MS);
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.tickTimer = setTimeout(() => {
      void this.track(
        this.tick()
          .catch((error: Error) => this.options.log('warn', `alert evaluation failed (will retry): ${error.message}`))
          .finally(() => this.schedule(this.options.intervalMs)),
      );
    }, delay);
    this.tickTimer.unref();
  }

  /** Remembers work in flight, so that stop() can wait for it. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  /** Delivers what is due; one delivery pass at a time (the poll and the evaluation both ask). */
  private async deliver(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      await this.delivery.deliverDue();
    } catch (error) {
      this.options.log('warn', `webhook delivery failed (will retry): ${(error as Error).message}`);
    } finally {
      this.delivering = false;
    }
  }

  /** plumbline_alerts like Prometheus' ALERTS, and the periodic re-send of firing alerts to Alertmanager. */
  private async refreshGauge(now: number): Promise<void> {
    const active = await this.repository.activeAlerts();
    this.metrics.alerts.reset();
    for (const alert of active) {
      this.metrics.alerts.inc({ alertname: alert.rule.name, model: alert.rule.model, severity: alert.rule.severity, alertstate: alert.state });
    }
    if (!this.options.alertmanager || now - this.lastResend < this.options.alertmanagerResendMs) return;
    this.lastResend = now;
    const firing = active
      .filter((alert) => alert.state === 'firing')
      .map((alert) => this.notifier.instance('firing', alert.labels, alert.annotations, alert.firedAt ?? now, null, alert.fingerprint));
    if (firing.length === 0) return;
    await this.delivery.pushToAlertmanager({ alerts: firing }, now).catch((error: Error) => this.options.log('warn', `re-sending firing alerts to Alertmanager failed: ${error.message}`));
  }
}

/** This process's inference request counters and latency buckets per model (all versions summed). */
export async function servingSnapshot(metrics: PlumblineMetrics, now: number): Promise<ServingSnapshot> {
  const models = new Map<string, ServingCounts>();
  const of = (model: string) => {
    let counts = models.get(model);
    if (!counts) models.set(model, (counts = { requests: 0, errors: 0, buckets: new Map() }));
    return counts;
  };
  for (const sample of (await metrics.inferenceRequests.get()).values) {
    const counts = of(String(sample.labels.model));
    counts.requests += sample.value;
    if (Number(sample.labels.code) >= 500) counts.errors += sample.value;
  }
  for (const sample of (await metrics.inferenceDuration.get()).values) {
    if (!sample.metricName?.endsWith('_bucket')) continue;
    const labels = sample.labels as Record<string, string | number | undefined>;
    const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
    const buckets = of(String(sample.labels.model)).buckets;
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  return { at: now, models };
}
