import type { AlertInstance } from './alertmanager-body.js';
import { holds, INACTIVE, step, type AlertMemory } from './alert-state-machine.js';
import { alertLabels, compileRule, type AlertRule, type CompiledRule, type RuleModel } from './alert-rule.js';
import type { AlertNotifier } from './alert-notifier.js';
import type { AlertsRepository, StoredAlert } from './alerts.repository.js';
import { expandAnnotations } from './annotation-template.js';
import { fingerprint } from './fingerprint.js';
import type { MetricRef } from './alert-metric.js';
import type { MetricSource, MetricValues } from './metric-sources.js';

export interface EvaluatorOptions {
  repeatMs: number;
  log: (level: 'warn' | 'debug', message: string) => void;
}

/** One evaluation of every rule; run only by the holder of the evaluation lock. */
export class AlertEvaluator {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly modelOf: (name: string) => RuleModel | undefined,
    private readonly sources: Record<MetricRef['source'], MetricSource>,
    private readonly notifier: AlertNotifier,
    private readonly options: EvaluatorOptions,
  ) {}

  async evaluateAll(now: number): Promise<void> {
    for (const rule of await this.repository.listRules()) {
      // A rule on a model this process does not have is left as it is (its alerts keep their state).
      if (!this.modelOf(rule.model)) continue;
      try {
        await this.evaluate(rule, now);
      } catch (error) {
        this.options.log('warn', `alert rule "${rule.name}" (${rule.id}) was not evaluated: ${(error as Error).message}`);
      }
    }
  }

  async evaluate(rule: AlertRule, now: number): Promise<void> {
    const compiled = compileRule(rule, this.modelOf(rule.model));
    const values = compiled ? await this.read(compiled, now) : new Map<string, number | null>();
    await this.repository.transaction(async (client) => {
      const current = await this.repository.lockRule(client, rule.id);
      // Deleted, or changed since it was read (updatedAt is only to the millisecond: compare it all): the next evaluation takes the new rule.
      if (!current || JSON.stringify(current) !== JSON.stringify(rule)) return;
      const stored = new Map((await this.repository.alertsOf(client, rule.id)).map((alert) => [alert.segmentValue, alert]));
      const notifications: AlertInstance[] = [];
      for (const segmentValue of new Set([...values.keys(), ...stored.keys()])) {
        const previous = stored.get(segmentValue);
        if (!fits(rule, segmentValue, previous)) {
          // The rule's segment changed: alerts of its old slicing end (resolved if they were firing).
          if (previous?.state === 'firing') {
            notifications.push(this.notifier.instance('resolved', previous.labels, previous.annotations, previous.firedAt ?? now, now, previous.fingerprint));
          }
          await this.repository.deleteAlert(client, rule.id, segmentValue);
          continue;
        }
        const before: AlertMemory = previous ?? INACTIVE;
        const value = values.get(segmentValue) ?? null;
        const result = step(before, holds(value, rule.op, rule.threshold), now, {
          forMs: compiled?.forMs ?? 0,
          keepFiringForMs: compiled?.keepFiringForMs ?? 0,
          repeatMs: this.options.repeatMs,
        });
        const labels = alertLabels(rule, rule.segment ? segmentValue : null);
        const print = fingerprint(labels);
        // {{ $value }} and {{ $labels.x }} as of this evaluation.
        const annotations = expandAnnotations(rule.annotations, labels, value);
        let after = result.memory;
        if (previous?.state === 'firing' && previous.fingerprint !== print) {
          // The rule's name, severity or labels changed: the alert receivers know ends, one with the new labels begins.
          notifications.push(this.notifier.instance('resolved', previous.labels, previous.annotations, previous.firedAt ?? now, now, previous.fingerprint));
          if (after.state === 'firing') {
            after = { ...after, lastSentAt: now };
            notifications.push(this.notifier.instance('firing', labels, annotations, after.firedAt ?? now, null, print));
          }
        } else if (result.notify === 'resolved') {
          // As the receivers saw it while firing.
          const seen = previous ?? { labels, annotations, fingerprint: print };
          notifications.push(this.notifier.instance('resolved', seen.labels, seen.annotations, before.firedAt ?? now, now, seen.fingerprint));
        } else if (result.notify) {
          notifications.push(this.notifier.instance('firing', labels, annotations, after.firedAt ?? now, null, print));
        }
        if (after.state === 'inactive') {
          if (previous) await this.repository.deleteAlert(client, rule.id, segmentValue);
        } else {
          const alert: StoredAlert = { ...after, ruleId: rule.id, segmentValue, fingerprint: print, labels, annotations, value, noData: result.noData, evaluatedAt: now };
          await this.repository.saveAlert(client, alert);
        }
      }
      await this.notifier.enqueue(client, rule, notifications, notifications.some((n) => n.status === 'firing') ? 'firing' : 'resolved');
    });
  }

  /** The rule's values; a source that fails gives no data for this evaluation (a firing alert stays firing). */
  private async read(rule: CompiledRule, now: number): Promise<MetricValues> {
    try {
      return await this.sources[rule.ref.source].read(rule, { from: new Date(now - rule.windowMs), to: new Date(now) });
    } catch (error) {
      this.options.log('debug', `alert rule "${rule.name}": no value from ${rule.ref.source} (${(error as Error).message})`);
      return new Map();
    }
  }
}

/** Whether an alert (its segment value, and the key it was stored under) belongs to the rule as it is now. */
function fits(rule: AlertRule, segmentValue: string, stored: StoredAlert | undefined): boolean {
  if (!rule.segment) return segmentValue === '';
  if (stored && stored.labels[rule.segment.key] !== segmentValue) return false;
  return rule.segment.value === '*' ? segmentValue !== '' : segmentValue === rule.segment.value;
}

/** Resolves every firing alert of a rule that is being deleted, in the delete's transaction. */
export async function resolveOnDelete(repository: AlertsRepository, notifier: AlertNotifier, rule: AlertRule, now: number): Promise<boolean> {
  return repository.transaction(async (client) => {
    const current = await repository.lockRule(client, rule.id);
    if (!current) return false;
    const alerts = (await repository.alertsOf(client, rule.id)).filter((alert) => alert.state === 'firing');
    const resolved = alerts.map((alert) => notifier.instance('resolved', alert.labels, alert.annotations, alert.firedAt ?? now, now, alert.fingerprint));
    await notifier.enqueue(client, current, resolved, 'resolved');
    await repository.deleteRule(client, rule.id);
    return true;
  });
}
