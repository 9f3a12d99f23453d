import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboards as buildDashboards, render, DATASOURCE } from '../../grafana/build-dashboards.mjs';
import { simulate, type SimulationStats } from '../../scripts/simulate.mjs';
import { matches, panelsOf, queriesOf, readDashboards, selectorsOf, substitute, type Dashboard } from '../helpers/dashboard-queries.js';
import { findTool, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';
import { postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { copyDemoModels, parseSamples, type Sample } from './e2e-support.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DASHBOARDS = join(ROOT, 'grafana', 'dashboards');
const RULES = join(ROOT, 'docker', 'prometheus', 'rules', 'plumbline.rules.yaml');
const RULE_TESTS = join(ROOT, 'docker', 'prometheus', 'rules', 'tests', 'plumbline.test.yaml');

/**
 * Series other branches are still building, by metric name and label value: a query over one of
 * them only has to parse until the server exports it. (Metric names absent from /metrics are
 * waited for the same way, without being listed.)
 */
const COMING: Record<string, Record<string, string[]>> = { plumbline_performance: { metric: ['selectionRate', 'tpr', 'fpr', 'positiveRate'] } };

/** Metrics that are not Plumbline's but exist in the test's Prometheus: ALERTS from the rules it loads. */
const PROMETHEUS_OWN = new Set(['ALERTS', 'ALERTS_FOR_STATE', 'up']);

const dashboards = readDashboards(DASHBOARDS);

/** The Grafana alert rules' queries (one-line `expr:`), checked like a dashboard without variables. */
const ALERTING_FILE = join(ROOT, 'grafana', 'provisioning', 'alerting', 'plumbline.yaml');
const GRAFANA_ALERTING: Dashboard = {
  file: 'provisioning/alerting/plumbline.yaml',
  json: {
    uid: 'grafana-alerting',
    templating: { list: [] },
    panels: [...readFileSync(ALERTING_FILE, 'utf8').matchAll(/^\s*expr: '(.*)'$/gm)].map((match, i) => ({ id: i + 1, type: 'alert rule', title: `alert rule ${i + 1}`, targets: [{ refId: 'A', expr: match[1].replaceAll("''", "'") }] })),
  },
};

describe('Grafana dashboards (static)', () => {
  const provisioned = readFileSync(join(ROOT, 'grafana', 'provisioning', 'datasources', 'prometheus.yaml'), 'utf8');

  it('are the five of issue 7 and match grafana/build-dashboards.mjs', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['alerts.json', 'drift.json', 'fairness.json', 'model-quality.json', 'serving.json']);
    const built = buildDashboards();
    for (const { file } of dashboards) expect(readFileSync(join(DASHBOARDS, file), 'utf8'), `${file} is stale: run node grafana/build-dashboards.mjs`).toBe(render(built[file]));
  });

  it('Grafana alerting provisions a webhook contact point from the environment and five rules on the provisioned datasource', () => {
    const alerting = readFileSync(ALERTING_FILE, 'utf8');
    expect(alerting).toMatch(/type: webhook\n\s+settings:\n\s+url: \$\{GRAFANA_ALERT_WEBHOOK_URL\}/);
    expect(GRAFANA_ALERTING.json.panels).toHaveLength(5);
    expect(alerting.match(/datasourceUid: (\S+)/g)!.filter((line) => !line.endsWith('__expr__'))).toEqual(Array(5).fill(`datasourceUid: ${DATASOURCE.uid}`));
    expect(alerting).not.toMatch(/\$labels|\$value/); // Grafana would expand them as environment variables
  });

  it('use only the provisioned Prometheus datasource', () => {
    expect(provisioned).toMatch(new RegExp(`uid: ${DATASOURCE.uid}\\b`));
    for (const dashboard of dashboards) {
      const refs = JSON.stringify(dashboard.json).match(/"datasource":\{[^}]*\}/g) ?? [];
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(JSON.parse(ref.slice('"datasource":'.length))).toEqual(DATASOURCE);
    }
  });

  it('have unique uids and panel ids, a query on every panel, and the model / version / segment variables', () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { file, json } of dashboards) {
      const panels = panelsOf(json);
      expect(new Set(panels.map((p) => p.id)).size, file).toBe(panels.length);
      for (const panel of panels.filter((p) => p.type !== 'row')) {
        expect(panel.targets?.length, `${file}: ${panel.title}`).toBeGreaterThan(0);
        for (const target of panel.targets) expect(target.expr, `${file}: ${panel.title}`).toMatch(/\S/);
      }
      const variables = json.templating.list.map((v: any) => v.name);
      expect(variables, file).toContain('model');
      if (file !== 'alerts.json') expect(variables, file).toContain('version');
      if (['model-quality.json', 'drift.json'].includes(file)) expect(variables, file).toEqual(expect.arrayContaining(['segment_key', 'segment']));
    }
  });

  it('draw the fairness bands [−0.1, 0.1] and [0.8, 1.25] and sum or deduplicate across replicas', () => {
    const fairness = dashboards.find((d) => d.file === 'fairness.json')!.json;
    const steps = (title: string) => panelsOf(fairness).find((p) => p.title.startsWith(title)).fieldConfig.defaults.thresholds.steps.map((s: any) => s.value);
    expect(steps('Differences between')).toEqual([null, -0.1, 0.1]);
    expect(steps('Ratios between')).toEqual([null, 0.8, 1.25]);
    for (const dashboard of dashboards) {
      for (const query of queriesOf(dashboard).filter((q) => !q.panel.startsWith('variable'))) {
        // A gauge read from PostgreSQL is the same on every replica: never summed, always max without(instance).
        for (const gauge of ['plumbline_performance', 'plumbline_drift', 'plumbline_fairness', 'plumbline_alerts']) {
          if (query.expr.includes(gauge)) expect(query.expr, `${dashboard.file}: ${query.panel}`).toContain('max without(instance, pod)');
        }
      }
    }
  });
});

describe('every dashboard query against a real Prometheus that scraped a real Plumbline', () => {
  let server: TestApp;
  let prometheus: PrometheusServer;
  let stats: SimulationStats;
  let samples: Sample[];
  // The demo credit model under a name of its own: the test database is shared, so its windows,
  // reference and alerts must not mix with other tests' traffic to `credit`.
  const model = uniqueId('dash-credit');
  const receiver = new WebhookReceiver();
  const cleanup: string[] = [];

  beforeAll(async () => {
    const binary = findTool('prometheus');
    if (!binary) throw new Error('the prometheus binary is missing: apt-get install prometheus (Debian package; .ci/run installs it)');
    const models = copyDemoModels();
    cpSync(join(models, 'credit'), join(models, model), { recursive: true });
    await receiver.start();
    // Alerts on, with a rule that fires as soon as there is traffic and a webhook, for the Alerts dashboard.
    // Only one process per database evaluates (an advisory lock): when another test holds it, the alert
    // series stay absent and their panels only have to parse.
    server = await startTestApp({
      PLUMBLINE_MODEL_REPOSITORY: models,
      PLUMBLINE_GAUGE_INTERVAL: '1s',
      PLUMBLINE_ALERTS_ENABLED: 'true',
      PLUMBLINE_ALERT_INTERVAL: '500ms',
      PLUMBLINE_WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    prometheus = await startPrometheus(binary, new URL(server.url).host, [RULES]);
    const hook = await postJson(`${server.url}/api/webhooks`, { name: `${model}-hook`, url: receiver.url });
    const rule = await postJson(`${server.url}/api/alert-rules`, { name: `${model}-traffic`, model, metric: 'performance.count', op: '>', threshold: 0, window: '1h', severity: 'info' });
    expect([hook.status, rule.status]).toEqual([201, 201]);
    cleanup.push(`/api/webhooks/${hook.body.id}`, `/api/alert-rules/${rule.body.id}`);
    // 20 s of the simulator: ~25 requests/s of 8 rows, labels ~2 s later, drift in region=eu after 8 s,
    // bias against gender=f, 10 % malformed requests (so the error-rate rule goes pending).
    stats = await simulate({ url: server.url, model, rate: 25, batch: 8, duration: 20, concurrency: 4, labelDelay: 2, driftAfter: 8, errorFraction: 0.1, reference: 600, alertRules: false, seed: 7, quiet: true });
    // Gauges refresh every second and Prometheus scrapes every second: wait for a scrape that has the last labels.
    const want = stats.labels;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const result = await prometheus.query(`sum(plumbline_labels_total{model="${model}", result=~"matched|pending"})`);
      const seen = Number((result.data?.result as any[])?.[0]?.value?.[1] ?? 0);
      const gauge = await prometheus.query(`plumbline_performance{model="${model}", version="", segment_key="", metric="labeled", window="1h"}`);
      if (seen >= want && ((gauge.data?.result as any[]) ?? []).length > 0) break;
      if (Date.now() > deadline) throw new Error(`Prometheus saw ${seen} of ${want} labels after 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    samples = parseSamples(await (await fetch(`${server.url}/metrics`)).text());
    // Series that appeared late (alerts): wait until Prometheus has scraped them too.
    for (const name of ['plumbline_alerts', 'plumbline_webhook_deliveries_total']) {
      if (!samples.some((sample) => sample.name === name)) continue;
      for (let waited = 0; waited < 10_000; waited += 250) {
        if ((((await prometheus.query(name)).data?.result as unknown[] | undefined)?.length ?? 0) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });
  afterAll(async () => {
    for (const path of cleanup) await fetch(`${server.url}${path}`, { method: 'DELETE' }).catch(() => undefined);
    await prometheus?.close();
    await server?.close();
    await receiver.stop();
  });

  it('the simulator drove predictions, errors and labels', () => {
    expect(stats.failures).toBe(0);
    expect(stats.requests).toBeGreaterThan(300);
    expect(stats.errors).toBeGreaterThan(0);
    expect(stats.labels).toBeGreaterThan(1000);
    expect(stats.labelErrors).toBe(0);
  });

  it('the bias reaches the server: mean loss of gender=f over gender=m is past the 1.25 band (per-group series of the Fairness dashboard; ≈ 1.5)', async () => {
    const loss = async (group: string) => {
      const result = await prometheus.query(`max without(instance, pod) (plumbline_performance{model="${model}", version="", segment_key="gender", segment="${group}", metric="meanLoss", window="1h"})`);
      return Number((result.data?.result as any[])[0].value![1]);
    };
    const ratio = (await loss('f')) / (await loss('m'));
    console.log(`simulated bias: meanLoss(f) / meanLoss(m) = ${ratio.toFixed(3)}`);
    expect(ratio).toBeGreaterThan(1.25);
  });

  const passes: Array<[string, Record<string, string>]> = [
    ['All versions, every segment value', { model, segment_key: 'region', window: '1h', attribute: 'gender' }],
    ['version 2, segment region=eu', { model, version: '2', segment_key: 'region', segment: 'eu', window: '1h', attribute: 'gender' }],
  ];
  for (const [name, values] of passes) {
    it(`every panel and variable query runs, and returns data once its series exist (${name})`, async () => {
      const exported = new Set(samples.map((s) => s.name));
      const failures: string[] = [];
      const waiting = new Set<string>();
      let ran = 0;
      let withData = 0;
      for (const dashboard of [...dashboards, GRAFANA_ALERTING]) {
        for (const query of queriesOf(dashboard)) {
          const expr = substitute(query.expr, dashboard.json, values);
          const where = `${query.dashboard} › ${query.panel} [${query.refId}]`;
          const result = await prometheus.query(expr);
          ran += 1;
          if (result.status !== 'success') {
            failures.push(`${where}: ${result.errorType}: ${result.error}\n    ${expr}`);
            continue;
          }
          const missing = new Set<string>();
          for (const selector of selectorsOf(expr)) {
            if (!exported.has(selector.name)) missing.add(`metric ${selector.name}`);
            const coming = COMING[selector.name];
            for (const { label, op, value } of selector.matchers) {
              if (!coming?.[label] || op !== '=' || !coming[label].includes(value)) continue;
              if (!samples.some((s) => s.name === selector.name && matches(selector, s.labels))) missing.add(`${selector.name}{${label}="${value}"}`);
            }
          }
          for (const name of expr.match(/\b[A-Za-z_:][A-Za-z0-9_:]*(?=\s*\{)/g) ?? []) {
            if (!name.startsWith('plumbline_') && !PROMETHEUS_OWN.has(name)) failures.push(`${where}: unknown metric ${name}`);
          }
          if (missing.size > 0) {
            for (const m of missing) waiting.add(m);
            continue;
          }
          const rows = result.data?.result;
          if (!Array.isArray(rows) || rows.length === 0) failures.push(`${where}: no data\n    ${expr}`);
          else withData += 1;
        }
      }
      for (const metric of [...waiting].sort()) console.log(`dashboards: waiting for ${metric} (its queries parse; they must return data once it is exported)`);
      console.log(`dashboards (${name}): ${ran} queries ran, ${withData} returned data, ${ran - withData - failures.length} wait for series not exported yet`);
      expect(failures).toEqual([]);
      expect(withData).toBeGreaterThan(40);
    });
  }

  it('the Prometheus rules load in the real Prometheus, and the error-rate rule goes pending on 10 % errors', async () => {
    const rules: any = await (await fetch(`${prometheus.url}/api/v1/rules`)).json();
    const names = rules.data.groups.flatMap((group: any) => group.rules.map((rule: any) => rule.name));
    expect(names).toEqual(expect.arrayContaining(['PlumblineHighErrorRate', 'PlumblineFeatureDrift', 'PlumblineFairnessDifference', 'PlumblineFairnessRatio', 'PlumblineSpoolNotDraining']));
    for (const group of rules.data.groups) for (const rule of group.rules) expect(rule.health, `${rule.name}: ${rule.lastError ?? ''}`).not.toBe('err');
    const alerts = await prometheus.query(`ALERTS{alertname="PlumblineHighErrorRate", model="${model}"}`);
    expect((alerts.data?.result as any[]).map((r) => r.metric.alertstate)).toEqual(['pending']);
  });
});

describe('Prometheus rules and configs (promtool, amtool, docker compose)', () => {
  const promtool = findTool('promtool');
  const run = (command: string, args: string[], cwd = ROOT) => {
    const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  };

  it.skipIf(!promtool)(`promtool check rules${promtool ? '' : ' (skipped: promtool missing, apt-get install prometheus)'}`, () => {
    const result = run(promtool!, ['check', 'rules', RULES]);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.status, result.output).toBe(0);
  });

  it.skipIf(!promtool)('promtool test rules (unit tests of every alert, positive and negative)', () => {
    const result = run(promtool!, ['test', 'rules', RULE_TESTS]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS/);
  });

  it.skipIf(!promtool)('promtool check config on the compose Prometheus config', () => {
    const result = run(promtool!, ['check', 'config', join(ROOT, 'docker', 'prometheus', 'prometheus.yml')]);
    expect(result.status, result.output).toBe(0);
  });

  const amtool = findTool('amtool');
  it.skipIf(!amtool)(`amtool check-config on the Alertmanager config${amtool ? '' : ' (skipped: amtool missing, apt-get install prometheus-alertmanager)'}`, () => {
    const result = run(amtool!, ['check-config', join(ROOT, 'docker', 'alertmanager', 'alertmanager.yml')]);
    expect(result.status, result.output).toBe(0);
  });

  const compose = findTool('docker-compose');
  it.skipIf(!compose)(`docker-compose config accepts docker/compose.yaml${compose ? '' : ' (skipped: no docker-compose)'}`, () => {
    const result = spawnSync(compose!, ['-f', join(ROOT, 'docker', 'compose.yaml'), 'config', '--quiet'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, GRAFANA_ADMIN_PASSWORD: 'x' } });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  });
});
