import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, Database, MIGRATIONS_DIR } from '../../src/database/database.js';
import { applyMigrations, readMigrations } from '../../src/database/migrator.js';
import { AlertEvaluator, resolveOnDelete } from '../../src/modules/alerts/alert-evaluator.js';
import { AlertNotifier } from '../../src/modules/alerts/alert-notifier.js';
import type { AlertRuleSpec, RuleModel } from '../../src/modules/alerts/alert-rule.js';
import { AlertsRepository, type Webhook } from '../../src/modules/alerts/alerts.repository.js';
import type { MetricSource, MetricValues } from '../../src/modules/alerts/metric-sources.js';
import { uniqueId } from '../helpers/app.js';

/** Sends this test's outbox rows to its own webhook only (the database, and its webhooks, are shared). */
class ScopedRepository extends AlertsRepository {
  webhookId = '';
  override async listWebhooks(client?: pg.PoolClient | pg.Pool): Promise<Webhook[]> {
    return (await super.listWebhooks(client)).filter((hook) => hook.id === this.webhookId);
  }
}

describe('alert evaluator against PostgreSQL (fake clock, stub metric source)', () => {
  let database: Database;
  let repository: ScopedRepository;
  let evaluator: AlertEvaluator;
  let notifier: AlertNotifier;
  let values: MetricValues = new Map();
  const model = uniqueId('evalmodel').replaceAll('-', '_');
  const ruleModel: RuleModel = { task: 'binary', features: ['x'], sensitive: [], segmentKeys: ['region', 'channel'] };
  const source: MetricSource = { read: async () => values };

  beforeAll(async () => {
    const url = inject('databaseUrl');
    const pool = createPool(url);
    await applyMigrations(pool, readMigrations(MIGRATIONS_DIR), () => undefined);
    database = new Database(pool, url, false);
    repository = new ScopedRepository(database);
    const hook = await repository.insertWebhook({ id: crypto.randomUUID(), name: uniqueId('evalhook'), url: 'http://127.0.0.1:9/never', secret: null });
    repository.webhookId = hook!.id;
    notifier = new AlertNotifier(repository, 'http://plumbline.test', false);
    evaluator = new AlertEvaluator(repository, (name) => (name === model ? ruleModel : undefined), { performance: source, estimated: source, serving: source, drift: source, fairness: source }, notifier, {
      repeatMs: 3_600_000,
      log: () => undefined,
    });
  });
  afterAll(async () => {
    if (repository?.webhookId) await repository.deleteWebhook(repository.webhookId);
    await database?.close();
  });

  /** The outbox payloads of this test's webhook for a rule, oldest first. */
  async function sent(ruleId: string): Promise<any[]> {
    const { rows } = await database.pool.query('SELECT payload FROM alert_outbox WHERE rule_id = $1 AND webhook_id = $2 ORDER BY id', [ruleId, repository.webhookId]);
    return rows.map((row) => row.payload);
  }

  const spec = (change: Partial<AlertRuleSpec> = {}): AlertRuleSpec => ({
    name: uniqueId('eval'),
    model,
    metric: 'performance.meanLoss',
    segment: { key: 'region', value: '*' },
    op: '>',
    threshold: 1,
    window: '1h',
    for: '10s',
    keepFiringFor: '5s',
    severity: 'warning',
    labels: {},
    annotations: {},
    ...change,
  });

  it('persists each alert of a "*" rule through pending, firing, no-data and resolved; one outbox row per transition', async () => {
    let rule = await repository.insertRule(crypto.randomUUID(), spec());
    const at = (s: number) => 1_800_000_000_000 + s * 1000;
    const states = async () => Object.fromEntries((await repository.alertsOf(database.pool, rule.id)).map((a) => [a.segmentValue, a.state]));

    values = new Map([['eu', 2], ['us', 0.5]]);
    await evaluator.evaluate(rule, at(0));
    expect(await states()).toEqual({ eu: 'pending' });
    await evaluator.evaluate(rule, at(10));
    expect(await states()).toEqual({ eu: 'firing' });
    // eu has no data now, us fires: eu stays firing, us is pending.
    values = new Map([['eu', null], ['us', 3]]);
    await evaluator.evaluate(rule, at(20));
    expect(await states()).toEqual({ eu: 'firing', us: 'pending' });
    const [eu] = (await repository.alertsOf(database.pool, rule.id)).filter((a) => a.segmentValue === 'eu');
    expect(eu).toMatchObject({ noData: true, value: null, firedAt: at(10), activeSince: at(0) });
    // The segment vanishes from the window: still no data, still firing.
    values = new Map([['us', 3]]);
    await evaluator.evaluate(rule, at(25));
    expect(await states()).toEqual({ eu: 'firing', us: 'pending' });
    // eu clears at 30 s; keepFiringFor 5 s counts from its last true evaluation (10 s): resolved now.
    values = new Map([['eu', 0], ['us', 3]]);
    await evaluator.evaluate(rule, at(30));
    expect(await states()).toEqual({ us: 'firing' });

    const payloads = await sent(rule.id);
    // One body per evaluation with changes: eu fired at 10 s; at 30 s eu resolved and us fired together.
    expect(payloads.map((p) => [p.status, p.alerts.map((a: any) => `${a.labels.region}:${a.status}`)])).toEqual([
      ['firing', ['eu:firing']],
      ['firing', ['eu:resolved', 'us:firing']],
    ]);
    const resolved = payloads[1].alerts[0];
    expect(resolved).toMatchObject({ startsAt: new Date(at(10)).toISOString(), endsAt: new Date(at(30)).toISOString() });
    expect(resolved.fingerprint).toBe(payloads[0].alerts[0].fingerprint);

    // The rule changes from region "*" to one channel: region alerts end (us resolved), the new slicing starts.
    rule = (await repository.updateRule(rule.id, { ...spec({ segment: { key: 'channel', value: 'web' } }), name: rule.name }))!;
    values = new Map([['web', 5]]);
    await evaluator.evaluate(rule, at(40));
    expect(await states()).toEqual({ web: 'pending' });
    const last = (await sent(rule.id)).at(-1);
    expect(last.alerts.map((a: any) => [a.status, a.labels.region ?? null, a.labels.channel ?? null])).toEqual([['resolved', 'us', null]]);

    // Deleting the rule resolves what fires, in the delete's transaction.
    await evaluator.evaluate(rule, at(50));
    expect(await states()).toEqual({ web: 'firing' });
    expect(await resolveOnDelete(repository, notifier, rule, at(60))).toBe(true);
    expect((await sent(rule.id)).at(-1).alerts.map((a: any) => [a.status, a.labels.channel])).toEqual([['resolved', 'web']]);
    expect(await repository.getRule(rule.id)).toBeUndefined();
    expect(await states()).toEqual({});
  });

  it('skips a rule changed since it was read, and leaves a rule on an unknown model alone', async () => {
    const rule = await repository.insertRule(crypto.randomUUID(), spec({ segment: null, for: '0s' }));
    values = new Map([['', 5]]);
    await repository.updateRule(rule.id, { ...spec({ segment: null, for: '0s', threshold: 2 }), name: rule.name });
    await evaluator.evaluate(rule, 1_800_000_000_000);
    expect(await repository.alertsOf(database.pool, rule.id)).toEqual([]);
    const other = await repository.insertRule(crypto.randomUUID(), spec({ model: 'not_here' }));
    await evaluator.evaluateAll(1_800_000_000_000);
    expect(await repository.alertsOf(database.pool, other.id)).toEqual([]);
    expect((await repository.alertsOf(database.pool, rule.id)).map((a) => a.state)).toEqual(['firing']);
    for (const id of [rule.id, other.id]) await database.transaction((client) => repository.deleteRule(client, id));
  });
});
