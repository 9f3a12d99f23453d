import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EVALUATOR_LOCK_KEY } from '../../src/modules/alerts/evaluation-lock.js';
import { verifySignature } from '../../src/modules/alerts/signature.js';
import { copyFixtureModels, getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { expectError, parseSamples, putJson } from './e2e-support.js';

// Short intervals drive time: evaluation every 200 ms, retries from 100 ms doubling to 400 ms.
const ALERT_ENV = {
  PLUMBLINE_ALERTS_ENABLED: 'true',
  PLUMBLINE_ALERT_INTERVAL: '200ms',
  PLUMBLINE_WEBHOOK_ALLOW_PRIVATE: 'true',
  PLUMBLINE_WEBHOOK_RETRY_INITIAL: '100ms',
  PLUMBLINE_WEBHOOK_RETRY_MAX: '400ms',
  PLUMBLINE_WEBHOOK_TIMEOUT: '2s',
};

/** −ln(0.1): the log loss of p(yes) = 0.9 when the label is "no". */
const LOSS_WRONG = 2.302585092994046;

async function send(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function createModel(server: TestApp, model: string): Promise<void> {
  const config = { task: 'binary', features: ['x'], classes: ['no', 'yes'], segments: ['region'] };
  expect((await putJson(`${server.url}/api/models/${model}/config`, config)).status).toBe(200);
}

/** n predictions with p(yes) = 0.9 in `region`, labeled `label`. */
async function labeled(server: TestApp, model: string, region: string, n: number, label: 'yes' | 'no'): Promise<void> {
  const records = Array.from({ length: n }, () => ({ id: uniqueId(region), features: { x: 1 }, output: 0.9, segments: { region } }));
  expect((await postJson(`${server.url}/api/models/${model}/predictions`, { records })).status).toBe(200);
  const result = await postJson(`${server.url}/api/models/${model}/labels`, { labels: records.map((record) => ({ id: record.id, label })) });
  expect(result.body.matched).toBe(n);
}

async function metricValue(server: TestApp, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = (await getJson(`${server.url}/metrics`)).body as string;
  return parseSamples(text).find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;
}

describe('alert rules and webhooks API', () => {
  let server: TestApp;
  let model: string;
  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_WEBHOOK_ALLOW_PRIVATE: 'false' });
    model = uniqueId('alertapi').replaceAll('-', '_');
    await createModel(server, model);
  });
  afterAll(() => server?.close());

  it('creates, lists, reads, replaces and deletes a rule', async () => {
    const rule = { name: uniqueId('crud'), model, metric: 'performance.meanLoss', segment: { key: 'region', value: 'eu' }, op: '>', threshold: 0.7, window: '1h', for: '5m' };
    const created = await send(`${server.url}/api/alert-rules`, 'POST', rule);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...rule, keepFiringFor: '0s', severity: 'warning', labels: {}, annotations: {} });
    const id = created.body.id as string;
    expect((await getJson(`${server.url}/api/alert-rules/${id}`)).body.name).toBe(rule.name);
    expect((await getJson(`${server.url}/api/alert-rules`)).body.map((r: { id: string }) => r.id)).toContain(id);
    const replaced = await send(`${server.url}/api/alert-rules/${id}`, 'PUT', { ...rule, threshold: 0.9 });
    expect(replaced.body).toMatchObject({ id, threshold: 0.9 });
    expect((await send(`${server.url}/api/alert-rules/${id}`, 'DELETE')).status).toBe(204);
    expectError(await getJson(`${server.url}/api/alert-rules/${id}`), 404, 'ALERT_RULE_NOT_FOUND');
    expectError(await send(`${server.url}/api/alert-rules/not-an-id`, 'DELETE'), 404, 'ALERT_RULE_NOT_FOUND');
  });

  it.each([
    [{ model: 'no_such_model' }, /model "no_such_model" is unknown/],
    [{ metric: 'performance.mae' }, /"mae" is unknown/],
    [{ metric: 'drift.height.psi' }, /feature "height" is unknown/],
    [{ metric: 'fairness.gender.disparateImpact' }, /sensitive attribute "gender" is unknown/],
    [{ segment: { key: 'country', value: 'fr' } }, /segment key "country" is unknown/],
    [{ threshold: 'NaN' }, /finite number/],
    [{ window: '400d' }, /longer than the retention/],
  ])('refuses %j with the reason (400)', async (change, reason) => {
    const body = { name: 'bad', model, metric: 'performance.meanLoss', threshold: 1, ...change };
    expectError(await postJson(`${server.url}/api/alert-rules`, body), 400, 'INVALID_ALERT_RULE', reason);
  });

  it('refuses a NaN threshold sent as a bare NaN token (malformed JSON)', async () => {
    const raw = await fetch(`${server.url}/api/alert-rules`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"name":"n","model":"${model}","metric":"performance.meanLoss","threshold":NaN}` });
    expect(raw.status).toBe(400);
  });

  // A public address literal: this machine has no DNS.
  it('registers webhooks without ever returning the secret, and refuses unsafe targets (SSRF)', async () => {
    const name = uniqueId('hook');
    const created = await postJson(`${server.url}/api/webhooks`, { name, url: 'https://93.184.215.14/plumbline', secret: 'top-secret' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name, url: 'https://93.184.215.14/plumbline', hasSecret: true, createdAt: expect.any(String) });
    const listed = await getJson(`${server.url}/api/webhooks`);
    expect(JSON.stringify(listed.body)).not.toContain('top-secret');
    expect((await getJson(`${server.url}/api/webhooks/${created.body.id}`)).body.hasSecret).toBe(true);
    expectError(await postJson(`${server.url}/api/webhooks`, { name, url: 'https://93.184.215.14/x' }), 409, 'DUPLICATE_WEBHOOK');
    for (const url of ['http://127.0.0.1:8080/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'http://10.0.0.1/x', 'http://localhost:9/x']) {
      expectError(await postJson(`${server.url}/api/webhooks`, { name: uniqueId('bad'), url }), 400, 'INVALID_WEBHOOK', /PLUMBLINE_WEBHOOK_ALLOW_PRIVATE/);
    }
    expectError(await postJson(`${server.url}/api/webhooks`, { name: uniqueId('bad'), url: 'file:///etc/passwd' }), 400, 'INVALID_WEBHOOK', /http or https/);
    expect((await send(`${server.url}/api/webhooks/${created.body.id}`, 'DELETE')).status).toBe(204);
    expectError(await getJson(`${server.url}/api/webhooks/${created.body.id}`), 404, 'WEBHOOK_NOT_FOUND');
  });
});

describe('a loss rule over a segment: fires, resolves, delivered once per transition through failures and a restart', () => {
  const receiver = new WebhookReceiver();
  const repository = copyFixtureModels();
  let server: TestApp;
  let webhookId: string;
  let ruleId: string;
  const model = uniqueId('alertloss').replaceAll('-', '_');
  const alertname = uniqueId('loss-high');
  const secret = 'whsec-test';
  beforeAll(async () => {
    await receiver.start();
    server = await startTestApp({ ...ALERT_ENV, PLUMBLINE_MODEL_REPOSITORY: repository, PLUMBLINE_EXTERNAL_URL: 'http://plumbline.test' });
    await createModel(server, model);
    webhookId = (await postJson(`${server.url}/api/webhooks`, { name: alertname, url: receiver.url, secret })).body.id;
  });
  afterAll(async () => {
    if (webhookId) await send(`${server.url}/api/webhooks/${webhookId}`, 'DELETE');
    if (ruleId) await send(`${server.url}/api/alert-rules/${ruleId}`, 'DELETE');
    await server?.close();
    await receiver.stop();
  });

  it('runs the whole story', async () => {
    const rule = await postJson(`${server.url}/api/alert-rules`, {
      name: alertname,
      model,
      metric: 'performance.meanLoss',
      segment: { key: 'region', value: '*' },
      op: '>',
      threshold: 0.7,
      window: '1h',
      for: '400ms',
      keepFiringFor: '400ms',
      severity: 'critical',
      labels: { team: 'risk' },
      annotations: { summary: 'mean loss above 0.7', description: 'mean loss {{ $value }} in {{ $labels.region }}' },
    });
    expect(rule.status).toBe(201);
    ruleId = rule.body.id;

    // Predictions without labels: the mean loss is null (no data): nothing pending, nothing sent.
    const euUnlabeled = Array.from({ length: 10 }, () => ({ id: uniqueId('eu'), features: { x: 1 }, output: 0.9, segments: { region: 'eu' } }));
    expect((await postJson(`${server.url}/api/models/${model}/predictions`, { records: euUnlabeled })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await getJson(`${server.url}/api/alerts`)).body.filter((a: { alertname: string }) => a.alertname === alertname)).toEqual([]);

    // Delayed labels: eu all wrong (loss 2.30), us all right (loss 0.105). The receiver is down for 3 attempts.
    receiver.failNext(3);
    const t0 = Date.now();
    await labeled(server, model, 'us', 10, 'yes');
    expect((await postJson(`${server.url}/api/models/${model}/labels`, { labels: euUnlabeled.map((r) => ({ id: r.id, label: 'no' })) })).body.matched).toBe(10);

    const states = async () => (await getJson(`${server.url}/api/alerts`)).body.filter((a: any) => a.alertname === alertname).map((a: any) => a.state);
    await expect.poll(states, { timeout: 5_000, interval: 50 }).toEqual(['pending']);
    await expect.poll(() => receiver.about(alertname).filter((r) => r.answered === 200).length, { timeout: 10_000, interval: 50 }).toBe(1);
    const firedAfter = Date.now() - t0;
    const active = (await getJson(`${server.url}/api/alerts`)).body.filter((a: any) => a.alertname === alertname);
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ ruleId, model, metric: 'performance.meanLoss', segment: { key: 'region', value: 'eu' }, state: 'firing', op: '>', threshold: 0.7, noData: false });
    expect(active[0].value).toBeCloseTo(LOSS_WRONG, 12);
    expect(Date.parse(active[0].firedAt) - Date.parse(active[0].activeSince)).toBeGreaterThanOrEqual(400);

    // Three refused attempts, then one delivery, all of the same body.
    const firing = receiver.about(alertname);
    expect(firing.map((r) => r.answered)).toEqual([500, 500, 500, 200]);
    expect(new Set(firing.map((r) => r.raw)).size).toBe(1);
    const gaps = firing.slice(1).map((r, i) => r.at - firing[i].at);
    // Back-off 100, 200, 400 ms (the 400 ms cap); a retry waits at least that long (the poll may add up to 200 ms).
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    const delivered = firing[3];
    const body = delivered.body;
    expect(Object.keys(body).sort()).toEqual(['alerts', 'commonAnnotations', 'commonLabels', 'externalURL', 'groupKey', 'groupLabels', 'receiver', 'status', 'truncatedAlerts', 'version']);
    expect(body.version).toBe('4');
    expect(body.status).toBe('firing');
    expect(body.receiver).toBe(alertname);
    expect(body.truncatedAlerts).toBe(0);
    expect(body.externalURL).toBe('http://plumbline.test');
    expect(body.groupLabels).toEqual({ alertname });
    expect(body.groupKey).toBe(`{}/{rule_id="${ruleId}"}:{alertname="${alertname}"}`);
    const labels = { alertname, model, severity: 'critical', region: 'eu', team: 'risk' };
    expect(body.commonLabels).toEqual(labels);
    const annotations = { summary: 'mean loss above 0.7', description: `mean loss ${active[0].value} in eu` };
    expect(body.commonAnnotations).toEqual(annotations);
    expect(body.alerts).toHaveLength(1);
    const [alert] = body.alerts;
    expect(Object.keys(alert).sort()).toEqual(['annotations', 'endsAt', 'fingerprint', 'generatorURL', 'labels', 'startsAt', 'status']);
    expect(alert).toMatchObject({ status: 'firing', labels, annotations, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://plumbline.test/api/alerts' });
    expect(alert.startsAt).toBe(active[0].firedAt);
    expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(alert.fingerprint).toBe(active[0].fingerprint);
    expect(delivered.headers['content-type']).toBe('application/json');
    const signature = String(delivered.headers['x-plumbline-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, delivered.raw, signature, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySignature('wrong', delivered.raw, signature, Math.floor(Date.now() / 1000))).toBe(false);

    // plumbline_alerts mirrors it; the deliveries counter has 3 retries and 1 delivered (counted once the outbox row is
    // marked delivered, a statement after the receiver answered: polled, as a busy database can take a moment).
    await expect.poll(() => metricValue(server, 'plumbline_alerts', { alertname, model, severity: 'critical', alertstate: 'firing' }), { timeout: 3_000 }).toBe(1);
    await expect.poll(() => metricValue(server, 'plumbline_webhook_deliveries_total', { webhook: alertname, outcome: 'delivered' }), { timeout: 3_000 }).toBe(1);
    expect(await metricValue(server, 'plumbline_webhook_deliveries_total', { webhook: alertname, outcome: 'retry' })).toBe(3);
    // promtool (Debian package `prometheus`) finds nothing wrong with the two series.
    const exposition = (await getJson(`${server.url}/metrics`)).body as string;
    const checked = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
    expect(checked.error).toBeUndefined();
    expect(`${checked.stdout}\n${checked.stderr}`.split('\n').filter((line) => /plumbline_(alerts|webhook)/.test(line))).toEqual([]);

    // The mean loss falls under the threshold; the resolution meets a receiver that is down, then a restart.
    receiver.failNext(1_000);
    await labeled(server, model, 'eu', 200, 'yes');
    await expect.poll(() => receiver.about(alertname).filter((r) => r.body.status === 'resolved').length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    expect((await getJson(`${server.url}/api/alerts`)).body.filter((a: any) => a.alertname === alertname)).toEqual([]);
    await server.close();
    receiver.failNext(0);
    const downAttempts = receiver.about(alertname).filter((r) => r.body.status === 'resolved').length;
    server = await startTestApp({ ...ALERT_ENV, PLUMBLINE_MODEL_REPOSITORY: repository, PLUMBLINE_EXTERNAL_URL: 'http://plumbline.test' });
    await expect.poll(() => receiver.about(alertname).filter((r) => r.answered === 200).length, { timeout: 10_000, interval: 50 }).toBe(2);
    // A little longer: nothing else arrives (no second delivery of either transition, no re-fire).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const all = receiver.about(alertname);
    const ok = all.filter((r) => r.answered === 200);
    expect(ok.map((r) => r.body.status)).toEqual(['firing', 'resolved']);
    expect(all.filter((r) => r.body.status === 'resolved').length).toBe(downAttempts + 1);
    const resolved = ok[1].body;
    expect(resolved.alerts).toHaveLength(1);
    expect(resolved.alerts[0]).toMatchObject({ status: 'resolved', labels, startsAt: alert.startsAt, fingerprint: alert.fingerprint });
    expect(Date.parse(resolved.alerts[0].endsAt)).toBeGreaterThan(Date.parse(alert.startsAt));
    expect(await metricValue(server, 'plumbline_webhook_deliveries_total', { webhook: alertname, outcome: 'delivered' })).toBe(1);
    expect(firedAfter).toBeLessThan(10_000);
  });
});

/** The alert rows of `alertname` in GET /api/alerts. */
async function alertsNamed(server: TestApp, alertname: string): Promise<any[]> {
  return (await getJson(`${server.url}/api/alerts`)).body.filter((a: { alertname: string }) => a.alertname === alertname);
}

/** A model of this run with `n` unlabeled predictions, and a rule `count > 0` on it (fires at the first evaluation). */
async function countRule(server: TestApp, model: string, alertname: string, n = 5): Promise<string> {
  const records = Array.from({ length: n }, () => ({ id: uniqueId('p'), features: { x: 1 }, output: 0.9, segments: { region: 'eu' } }));
  expect((await postJson(`${server.url}/api/models/${model}/predictions`, { records })).status).toBe(200);
  const rule = await postJson(`${server.url}/api/alert-rules`, { name: alertname, model, metric: 'performance.count', op: '>', threshold: 0, window: '1h' });
  expect(rule.status).toBe(201);
  return rule.body.id;
}

describe('two server processes on one database', () => {
  const receiver = new WebhookReceiver();
  const repository = copyFixtureModels();
  const model = uniqueId('alerttwo').replaceAll('-', '_');
  const alertname = uniqueId('two');
  const apps: TestApp[] = [];
  const closed = new Set<TestApp>();
  let webhookId: string;
  let ruleId: string;
  let db: pg.Client;
  beforeAll(async () => {
    await receiver.start();
    db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    apps.push(await startTestApp({ ...ALERT_ENV, PLUMBLINE_MODEL_REPOSITORY: repository }));
    await createModel(apps[0], model);
    // The second process loads the same repository (the model created through the first).
    apps.push(await startTestApp({ ...ALERT_ENV, PLUMBLINE_MODEL_REPOSITORY: repository }));
    webhookId = (await postJson(`${apps[0].url}/api/webhooks`, { name: alertname, url: receiver.url })).body.id;
  });
  afterAll(async () => {
    const live = apps.find((app) => !closed.has(app));
    if (live && webhookId) await send(`${live.url}/api/webhooks/${webhookId}`, 'DELETE');
    if (live && ruleId) await send(`${live.url}/api/alert-rules/${ruleId}`, 'DELETE');
    for (const app of apps) if (!closed.has(app)) await app.close();
    await db?.end();
    await receiver.stop();
  });

  it('one evaluates; when its session dies or it stops, another takes over within two intervals; no transition is delivered twice', async () => {
    ruleId = await countRule(apps[0], model, alertname);
    await expect.poll(() => receiver.about(alertname).length, { timeout: 5_000, interval: 50 }).toBe(1);
    // One advisory lock holder (a session) in this database.
    const holders = async () =>
      (
        await db.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [Math.floor(EVALUATOR_LOCK_KEY / 2 ** 32), EVALUATOR_LOCK_KEY % 2 ** 32],
        )
      ).rows.map((row) => row.pid);
    const [first] = await holders();
    expect(await holders()).toEqual([first]);

    // The holder's session dies (as when its connection breaks): a new session takes the lock within
    // two intervals (either process), and the firing alert is not delivered again.
    await db.query('SELECT pg_terminate_backend($1)', [first]);
    await expect.poll(async () => (await holders()).filter((pid) => pid !== first).length, { timeout: 2_000, interval: 20 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await holders()).length).toBe(1);
    expect(receiver.about(alertname)).toHaveLength(1);

    // Only the holder's plumbline_alerts carries the alert.
    const gauge = (app: TestApp) => metricValue(app, 'plumbline_alerts', { alertname, alertstate: 'firing' });
    await expect.poll(async () => (await Promise.all(apps.map(gauge))).filter((v) => v === 1).length, { timeout: 3_000 }).toBe(1);
    const leader = (await gauge(apps[0])) === 1 ? 0 : 1;
    const other = apps[1 - leader];
    const before = await alertsNamed(other, alertname);
    expect(before).toHaveLength(1);

    // Stop the holder: its session ends, PostgreSQL releases the lock, the other process takes it.
    const stopped = Date.now();
    await apps[leader].close();
    closed.add(apps[leader]);
    // The lock is released somewhere inside close(); the other must evaluate within two intervals of that.
    const closeMs = Date.now() - stopped;
    await expect.poll(() => gauge(other), { timeout: 3_000, interval: 20 }).toBe(1);
    const takeoverMs = Date.now() - stopped;
    console.log(`alert evaluation takeover ${takeoverMs} ms after the holder began to stop (its close took ${closeMs} ms; interval 200 ms)`);
    expect(takeoverMs).toBeLessThanOrEqual(closeMs + 2 * 200 + 150);

    // The new evaluator keeps the firing alert (persisted state, same fingerprint) and does not re-send it.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(receiver.about(alertname)).toHaveLength(1);
    const after = await alertsNamed(other, alertname);
    expect(after[0]).toMatchObject({ state: 'firing', fingerprint: before[0].fingerprint, firedAt: before[0].firedAt });

    // New labels make a new alert: the one receivers know is resolved, the relabelled one fires (one body).
    const rule = (await getJson(`${other.url}/api/alert-rules/${ruleId}`)).body;
    const { id: _id, createdAt: _c, updatedAt: _u, ...spec } = rule;
    expect((await putJson(`${other.url}/api/alert-rules/${ruleId}`, { ...spec, labels: { team: 'risk' } })).status).toBe(200);
    await expect.poll(() => receiver.about(alertname).length, { timeout: 5_000, interval: 50 }).toBe(2);
    const relabelled = receiver.about(alertname)[1].body;
    expect(relabelled.status).toBe('firing');
    expect(relabelled.alerts.map((a: any) => [a.status, a.labels.team ?? null])).toEqual([
      ['resolved', null],
      ['firing', 'risk'],
    ]);
    expect(relabelled.alerts[0].fingerprint).toBe(before[0].fingerprint);

    // Updating the rule keeps the alert and re-evaluates it: the condition no longer holds → resolved, once.
    expect((await putJson(`${other.url}/api/alert-rules/${ruleId}`, { ...spec, labels: { team: 'risk' }, threshold: 1e9 })).status).toBe(200);
    await expect.poll(() => receiver.about(alertname).length, { timeout: 5_000, interval: 50 }).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const bodies = receiver.about(alertname).map((r) => r.body);
    expect(bodies.map((b) => b.status)).toEqual(['firing', 'firing', 'resolved']);
    expect(bodies[2].alerts).toHaveLength(1);
    expect(bodies[2].alerts[0].fingerprint).toBe(relabelled.alerts[1].fingerprint);
    expect(receiver.about(alertname).every((r) => r.answered === 200)).toBe(true);
  });
});

describe('a real Alertmanager', () => {
  const receiver = new WebhookReceiver();
  const repository = copyFixtureModels();
  const model = uniqueId('alertam').replaceAll('-', '_');
  const alertname = uniqueId('am');
  let alertmanager: ChildProcess | undefined;
  let alertmanagerUrl = '';
  let server: TestApp;
  let ruleId: string;
  beforeAll(async () => {
    await receiver.start();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-am-'));
    const config = [
      'route:',
      '  receiver: test',
      "  group_by: ['alertname']",
      '  group_wait: 100ms',
      '  group_interval: 500ms',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: test',
      '    webhook_configs:',
      `      - url: ${receiver.url}`,
      '        send_resolved: true',
    ].join('\n');
    writeFileSync(join(dir, 'alertmanager.yml'), config);
    alertmanager = spawn(
      ALERTMANAGER,
      [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
      { stdio: 'ignore' },
    );
    alertmanagerUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${alertmanagerUrl}/-/ready`).catch(() => undefined))?.status !== 200) {
      if (Date.now() > deadline) throw new Error(`Alertmanager did not get ready on ${alertmanagerUrl}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    server = await startTestApp({ ...ALERT_ENV, PLUMBLINE_MODEL_REPOSITORY: repository, PLUMBLINE_ALERTMANAGER_URL: alertmanagerUrl });
    await createModel(server, model);
  });
  afterAll(async () => {
    if (ruleId) await send(`${server.url}/api/alert-rules/${ruleId}`, 'DELETE');
    await server?.close();
    if (alertmanager?.pid) process.kill(alertmanager.pid, 'SIGTERM');
    await receiver.stop();
  });

  it('receives the alert on /api/v2/alerts, routes it to its receiver, and resolves it', async () => {
    ruleId = await countRule(server, model, alertname);
    const inAlertmanager = async () => {
      const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
      return (await response.json()) as any[];
    };
    await expect.poll(async () => (await inAlertmanager()).length, { timeout: 5_000, interval: 50 }).toBe(1);
    const [seen] = await inAlertmanager();
    expect(seen.labels).toEqual({ alertname, model, severity: 'warning' });
    expect(seen.status.state).toBe('active');
    // Alertmanager computes the fingerprint from the labels itself: it agrees with ours.
    const ours = await alertsNamed(server, alertname);
    expect(seen.fingerprint).toBe(ours[0].fingerprint);
    expect(Date.parse(seen.endsAt)).toBeGreaterThan(Date.now());

    // Alertmanager's own webhook notification reaches the test's receiver.
    await expect.poll(() => receiver.about(alertname).length, { timeout: 5_000, interval: 50 }).toBe(1);
    const notified = receiver.about(alertname)[0].body;
    expect(notified).toMatchObject({ version: '4', status: 'firing', receiver: 'test', groupLabels: { alertname } });
    expect(notified.alerts[0].labels).toEqual({ alertname, model, severity: 'warning' });

    // Resolve: Plumbline pushes endsAt; Alertmanager sends the resolved notification.
    const rule = (await getJson(`${server.url}/api/alert-rules/${ruleId}`)).body;
    const { id: _id, createdAt: _c, updatedAt: _u, ...spec } = rule;
    expect((await putJson(`${server.url}/api/alert-rules/${ruleId}`, { ...spec, threshold: 1e9 })).status).toBe(200);
    await expect.poll(() => receiver.about(alertname).map((r) => r.body.status), { timeout: 8_000, interval: 100 }).toEqual(['firing', 'resolved']);
    expect(await inAlertmanager()).toEqual([]);
    expect(await metricValue(server, 'plumbline_webhook_deliveries_total', { webhook: 'alertmanager', outcome: 'delivered' })).toBeGreaterThanOrEqual(2);
  });
});

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe('delivery: slow and redirecting receivers, give-up, repeat, deletion, serving figures', () => {
  const receiver = new WebhookReceiver();
  const hidden = new WebhookReceiver();
  let slow: Server;
  let redirect: Server;
  let server: TestApp;
  const hooks: string[] = [];
  const rules: string[] = [];
  const name = uniqueId('dlv');
  beforeAll(async () => {
    await receiver.start();
    await hidden.start();
    // Answers after 2 s (past the 300 ms timeout); redirects to another (private) receiver.
    slow = await listen((_request, response) => void setTimeout(() => response.writeHead(200).end(), 2_000));
    redirect = await listen((_request, response) => response.writeHead(307, { location: hidden.url }).end());
    server = await startTestApp({
      ...ALERT_ENV,
      PLUMBLINE_WEBHOOK_TIMEOUT: '300ms',
      PLUMBLINE_WEBHOOK_RETRY_MAX: '200ms',
      PLUMBLINE_WEBHOOK_GIVE_UP: '3s',
      PLUMBLINE_ALERT_REPEAT: '1s',
    });
    for (const [suffix, url] of [['ok', receiver.url], ['slow', urlOf(slow)], ['redirect', urlOf(redirect)]]) {
      const created = await postJson(`${server.url}/api/webhooks`, { name: `${name}-${suffix}`, url });
      expect(created.status).toBe(201);
      hooks.push(created.body.id);
    }
  });
  afterAll(async () => {
    for (const id of hooks) await send(`${server.url}/api/webhooks/${id}`, 'DELETE');
    for (const id of rules) await send(`${server.url}/api/alert-rules/${id}`, 'DELETE');
    await server?.close();
    slow?.closeAllConnections();
    redirect?.closeAllConnections();
    await Promise.all([slow, redirect].map((s) => new Promise((resolve) => s?.close(resolve))));
    await receiver.stop();
    await hidden.stop();
  });

  it('repeats a firing alert, resolves it on delete; a timeout or a redirect is a failure, retried, then given up', async () => {
    const alertname = `${name}-serving`;
    // No inference yet in this process: serving figures are no data.
    const rule = await postJson(`${server.url}/api/alert-rules`, { name: alertname, model: 'credit', metric: 'serving.p99LatencySeconds', op: '>=', threshold: 0, window: '1h' });
    expect(rule.status).toBe(201);
    rules.push(rule.body.id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await alertsNamed(server, alertname)).toEqual([]);
    const features = { age: 41, income: 52000, debt_ratio: 0.3, tenure_months: 24, num_accounts: 3 };
    expect((await postJson(`${server.url}/api/models/credit/predict`, { records: [{ features, segments: { region: 'eu', channel: 'web', gender: 'f' } }] })).status).toBe(200);
    await expect.poll(() => receiver.about(alertname).length, { timeout: 5_000, interval: 50 }).toBe(1);
    const [active] = await alertsNamed(server, alertname);
    expect(active.value).toBeGreaterThan(0);
    expect(active.value).toBeLessThanOrEqual(10);

    // PLUMBLINE_ALERT_REPEAT=1s: the firing alert is sent again, same fingerprint and startsAt.
    await expect.poll(() => receiver.about(alertname).length, { timeout: 5_000, interval: 50 }).toBe(2);
    const [first, repeat] = receiver.about(alertname).map((r) => r.body);
    expect(repeat.status).toBe('firing');
    expect(repeat.alerts[0]).toMatchObject({ fingerprint: first.alerts[0].fingerprint, startsAt: first.alerts[0].startsAt });

    // Deleting the rule resolves its alert.
    expect((await send(`${server.url}/api/alert-rules/${rules.pop()}`, 'DELETE')).status).toBe(204);
    await expect.poll(() => receiver.about(alertname).at(-1)?.body.status, { timeout: 5_000, interval: 50 }).toBe('resolved');
    expect(await alertsNamed(server, alertname)).toEqual([]);

    // The slow and the redirecting webhooks never succeed: retries, then gave_up; the redirect is never followed.
    const outcome = (suffix: string, result: string) => metricValue(server, 'plumbline_webhook_deliveries_total', { webhook: `${name}-${suffix}`, outcome: result });
    await expect.poll(() => outcome('slow', 'gave_up'), { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => outcome('redirect', 'gave_up'), { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    expect(await outcome('slow', 'retry')).toBeGreaterThanOrEqual(1);
    expect(await outcome('redirect', 'retry')).toBeGreaterThanOrEqual(1);
    expect(await outcome('slow', 'delivered')).toBeUndefined();
    expect(await outcome('redirect', 'delivered')).toBeUndefined();
    expect(hidden.received).toEqual([]);
    expect(await outcome('ok', 'delivered')).toBe(3);
  });

  it("never delivers an alert's resolution before its firing, when the firing is still being retried", async () => {
    const model = uniqueId('alertorder').replaceAll('-', '_');
    const alertname = `${name}-order`;
    await createModel(server, model);
    receiver.failNext(1_000);
    const ruleId = await countRule(server, model, alertname);
    rules.push(ruleId);
    await expect.poll(() => receiver.about(alertname).length, { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(1);
    const rule = (await getJson(`${server.url}/api/alert-rules/${ruleId}`)).body;
    const { id: _id, createdAt: _c, updatedAt: _u, ...spec } = rule;
    expect((await putJson(`${server.url}/api/alert-rules/${ruleId}`, { ...spec, threshold: 1e9 })).status).toBe(200);
    // The alert leaves /api/alerts in the transaction that queues its resolution.
    await expect.poll(async () => (await alertsNamed(server, alertname)).length, { timeout: 5_000, interval: 20 }).toBe(0);
    const queued = receiver.about(alertname).length;
    // The firing is retried (every ≤ 200 ms, given up after 3 s) while the resolution waits behind it.
    await expect.poll(() => receiver.about(alertname).length, { timeout: 2_000, interval: 20 }).toBeGreaterThanOrEqual(queued + 2);
    const whileDown = receiver.about(alertname);
    expect(whileDown.every((r) => r.body.status === 'firing' && r.answered === 500)).toBe(true);
    receiver.failNext(0);
    await expect.poll(() => receiver.about(alertname).filter((r) => r.answered === 200).map((r) => r.body.status), { timeout: 5_000, interval: 20 }).toEqual(['firing', 'resolved']);
  });
});

function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<Server> {
  const server = createHttpServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function urlOf(server: Server): string {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
}

describe('drift and fairness rules read the drift and fairness services', () => {
  let server: TestApp;
  const model = uniqueId('dfrule').replaceAll('-', '_');
  const rules: string[] = [];
  beforeAll(async () => {
    server = await startTestApp(ALERT_ENV);
    const config = { task: 'binary', features: ['x'], classes: ['no', 'yes'], segments: ['region'], sensitive: ['gender'], fairness: { minSamples: 5 } };
    expect((await putJson(`${server.url}/api/models/${model}/config`, config)).status).toBe(200);
    const reference = Array.from({ length: 200 }, (_, i) => ({ features: { x: i % 10 }, output: 0.5, segments: { region: 'eu', gender: i % 2 ? 'f' : 'm' } }));
    expect((await putJson(`${server.url}/api/models/${model}/reference`, { records: reference })).status).toBe(200);
    // Current traffic: x shifted far up; group f always predicted yes, group m never.
    const records = Array.from({ length: 40 }, (_, i) => ({ id: uniqueId('df'), features: { x: 50 + (i % 10) }, output: i % 2 ? 0.9 : 0.1, segments: { region: 'eu', gender: i % 2 ? 'f' : 'm' } }));
    expect((await postJson(`${server.url}/api/models/${model}/predictions`, { records })).status).toBe(200);
    const labels = records.map((record, i) => ({ id: record.id, label: i % 3 ? 'yes' : 'no' }));
    expect((await postJson(`${server.url}/api/models/${model}/labels`, { labels })).body.matched).toBe(40);
  });
  afterAll(async () => {
    for (const id of rules) await send(`${server.url}/api/alert-rules/${id}`, 'DELETE');
    await server?.close();
  });

  it('fire on drift.<feature>.psi and fairness.<attribute>.demographicParityDifference', async () => {
    const drift = await postJson(`${server.url}/api/alert-rules`, { name: `${model}-drift`, model, metric: 'drift.x.psi', op: '>', threshold: 0.2, window: '1h' });
    const fairness = await postJson(`${server.url}/api/alert-rules`, { name: `${model}-dpd`, model, metric: 'fairness.gender.demographicParityDifference', op: '>', threshold: 0.1, window: '1h' });
    expect([drift.status, fairness.status]).toEqual([201, 201]);
    rules.push(drift.body.id, fairness.body.id);
    const firing = async () => {
      const alerts = (await getJson(`${server.url}/api/alerts`)).body as Array<{ alertname: string; state: string; value: number }>;
      return Object.fromEntries(alerts.filter((a) => a.alertname.startsWith(model)).map((a) => [a.alertname, a]));
    };
    await expect.poll(async () => Object.values(await firing()).filter((a) => a.state === 'firing').length, { timeout: 15_000, interval: 200 }).toBe(2);
    const alerts = await firing();
    const answer = (await getJson(`${server.url}/api/models/${model}/drift`)).body;
    expect(alerts[`${model}-drift`].value).toBeCloseTo(answer.overall.x.psi, 9);
    expect(alerts[`${model}-dpd`].value).toBeCloseTo(1, 9);
  });
});
