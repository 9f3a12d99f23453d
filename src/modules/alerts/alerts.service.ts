import { uuidv7 } from '../../common/uuid7.js';
import { resolveOnDelete } from './alert-evaluator.js';
import type { AlertNotifier } from './alert-notifier.js';
import { RuleValidationError, validateRule, type AlertRule, type RuleLimits, type RuleModel } from './alert-rule.js';
import { AlertsError, AlertsErrorCode } from './alerts.errors.js';
import type { AlertsRepository, Webhook } from './alerts.repository.js';
import { ALERTMANAGER_WEBHOOK } from './webhook-delivery.js';
import { checkWebhookTarget } from './webhook-target.js';

/** A webhook as the API shows it: never its secret. */
export interface WebhookView {
  id: string;
  name: string;
  url: string;
  hasSecret: boolean;
  createdAt: string;
}

export interface ActiveAlert {
  ruleId: string;
  alertname: string;
  model: string;
  metric: string;
  segment: { key: string; value: string } | null;
  state: 'pending' | 'firing';
  value: number | null;
  noData: boolean;
  op: string;
  threshold: number;
  /** When the condition started holding (pending since). */
  activeSince: string | null;
  firedAt: string | null;
  evaluatedAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Alert rules, webhooks and the active alerts (DESIGN §5.6). */
export class AlertsService {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly notifier: AlertNotifier,
    private readonly modelOf: (name: string) => RuleModel | undefined,
    private readonly limits: RuleLimits,
    private readonly allowPrivateTargets: boolean,
  ) {}

  async createRule(body: unknown): Promise<AlertRule> {
    return this.repository.insertRule(uuidv7(), this.validate(body));
  }

  listRules(): Promise<AlertRule[]> {
    return this.repository.listRules();
  }

  async getRule(id: string): Promise<AlertRule> {
    return (UUID.test(id) ? await this.repository.getRule(id) : undefined) ?? this.ruleNotFound(id);
  }

  /** Replaces the rule; its alerts keep their state and are re-evaluated against the new rule. */
  async updateRule(id: string, body: unknown): Promise<AlertRule> {
    const spec = this.validate(body);
    return (UUID.test(id) ? await this.repository.updateRule(id, spec) : undefined) ?? this.ruleNotFound(id);
  }

  /** Deletes the rule; its firing alerts are delivered as resolved. */
  async deleteRule(id: string): Promise<void> {
    const rule = await this.getRule(id);
    if (!(await resolveOnDelete(this.repository, this.notifier, rule, Date.now()))) this.ruleNotFound(id);
  }

  async createWebhook(body: unknown): Promise<WebhookView> {
    const fail = (message: string): never => {
      throw new AlertsError(AlertsErrorCode.InvalidWebhook, message);
    };
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('a webhook is {"name", "url", "secret"?}');
    const { name, url, secret, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) fail(`unknown field "${unknown[0]}" (fields: name, url, secret)`);
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) fail('"name" must be 1 to 128 letters, digits, _ . or - (it labels plumbline_webhook_deliveries_total)');
    if (name === ALERTMANAGER_WEBHOOK) fail(`"${ALERTMANAGER_WEBHOOK}" is reserved for PLUMBLINE_ALERTMANAGER_URL`);
    if (typeof url !== 'string' || url.length > 2048) fail('"url" must be an http(s) URL of at most 2048 characters');
    if (secret !== undefined && secret !== null && (typeof secret !== 'string' || secret.length === 0 || secret.length > 1024)) fail('"secret" must be a string of 1 to 1024 characters');
    try {
      await checkWebhookTarget(url as string, this.allowPrivateTargets);
    } catch (error) {
      fail(`"url": ${(error as Error).message}`);
    }
    const created = await this.repository.insertWebhook({ id: uuidv7(), name: name as string, url: url as string, secret: (secret as string | undefined) ?? null });
    if (!created) throw new AlertsError(AlertsErrorCode.DuplicateWebhook, `a webhook named "${name as string}" exists`);
    return view(created);
  }

  async listWebhooks(): Promise<WebhookView[]> {
    return (await this.repository.listWebhooks()).map(view);
  }

  async getWebhook(id: string): Promise<WebhookView> {
    const webhook = UUID.test(id) ? await this.repository.getWebhook(id) : undefined;
    if (!webhook) throw new AlertsError(AlertsErrorCode.WebhookNotFound, `webhook ${id} does not exist`);
    return view(webhook);
  }

  /** Deletes the webhook and whatever was still queued for it. */
  async deleteWebhook(id: string): Promise<void> {
    if (!UUID.test(id) || !(await this.repository.deleteWebhook(id))) throw new AlertsError(AlertsErrorCode.WebhookNotFound, `webhook ${id} does not exist`);
  }

  async activeAlerts(): Promise<ActiveAlert[]> {
    return (await this.repository.activeAlerts()).map(({ rule, ...alert }) => ({
      ruleId: rule.id,
      alertname: rule.name,
      model: rule.model,
      metric: rule.metric,
      segment: rule.segment ? { key: rule.segment.key, value: alert.segmentValue } : null,
      state: alert.state as 'pending' | 'firing',
      value: alert.value,
      noData: alert.noData,
      op: rule.op,
      threshold: rule.threshold,
      activeSince: iso(alert.activeSince),
      firedAt: iso(alert.firedAt),
      evaluatedAt: new Date(alert.evaluatedAt).toISOString(),
      labels: alert.labels,
      annotations: alert.annotations,
      fingerprint: alert.fingerprint,
    }));
  }

  private validate(body: unknown) {
    try {
      return validateRule(body, this.modelOf, this.limits);
    } catch (error) {
      if (error instanceof RuleValidationError) throw new AlertsError(AlertsErrorCode.InvalidAlertRule, error.message);
      throw error;
    }
  }

  private ruleNotFound(id: string): never {
    throw new AlertsError(AlertsErrorCode.AlertRuleNotFound, `alert rule ${id} does not exist`);
  }
}

function view(webhook: Webhook): WebhookView {
  return { id: webhook.id, name: webhook.name, url: webhook.url, hasSecret: webhook.secret !== null, createdAt: webhook.createdAt };
}
