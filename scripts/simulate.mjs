#!/usr/bin/env node
// Traffic simulator for the demo `credit` model: realistic loan applications with segments
// (region, channel) and the sensitive attribute gender, delayed ground-truth labels for most of
// them, one biased group, and a drift phase in one segment. Every dashboard panel and at least one
// alert light up within a few minutes.
//
//   npm run simulate -- --url http://127.0.0.1:8080 --rate 20 --duration 600
//
// Options (flags or env SIM_<NAME>, e.g. SIM_RATE=50): see HELP below. No dependencies: Node ≥ 20.
import { pathToFileURL } from 'node:url';

const HELP = `usage: node scripts/simulate.mjs [options]
  --url URL              Plumbline base URL                      (default http://127.0.0.1:8080)
  --model NAME           model to drive (credit's features)      (default credit)
  --api-key KEY          Bearer key with the write role (admin to upload a reference)
  --rate N               requests per second                     (default 20)
  --batch N              rows per request                        (default 8)
  --duration S           seconds of traffic                      (default 600)
  --concurrency N        requests in flight at most              (default 8)
  --label-fraction F     share of predictions that get a label   (default 0.85)
  --label-delay S        mean label delay in seconds             (default 30)
  --drift-after S        start of the drift phase, seconds       (default duration/3)
  --drift-segment K=V    segment that drifts                     (default region=eu)
  --bias K=V             group the model is unfair to            (default gender=f)
  --oip-fraction F       share of requests sent over OIP v2      (default 0.2)
  --error-fraction F     share of malformed requests (400s)      (default 0.01)
  --reference N          upload N reference rows if none is set  (default 2000; 0 = never)
  --no-alert-rules       do not create the demo alert rules (sim-*) in Plumbline
  --seed N               random seed                             (default 1)
  --quiet                no progress lines`;

const REGIONS = ['eu', 'us', 'apac'];
const CHANNELS = [['web', 0.5], ['branch', 0.2], ['mobile', 0.3]];
const GENDERS = ['f', 'm'];
export const FEATURES = ['age', 'income', 'debt_ratio', 'tenure_months', 'num_accounts'];

/** Mulberry32: small, seedable, good enough for traffic. */
export function random(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const gamma2 = (scale) => -scale * (Math.log(1 - next()) + Math.log(1 - next())); // shape 2
  const poisson = (lambda) => {
    let k = 0;
    for (let p = Math.exp(-lambda), s = next(); s > p; s *= next()) k += 1;
    return k;
  };
  const pick = (weighted) => {
    let u = next();
    for (const [value, weight] of weighted) if ((u -= weight) <= 0) return value;
    return weighted[weighted.length - 1][0];
  };
  return { next, normal, gamma2, poisson, pick, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

const clip = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const parsePair = (text) => {
  const [key, value] = String(text).split('=');
  if (!key || value === undefined) throw new Error(`expected KEY=VALUE, got "${text}"`);
  return { key, value };
};

/**
 * One loan application, as scripts/build-models.py draws the credit training data, plus the
 * simulator's two distortions. Drift: in the drift phase, incomes in the drift segment fall by 45 %
 * (one feature drifts; predictions follow). Bias: for the biased group 40 % of the true outcomes do
 * not follow the features the model sees (coin flips at 35 %), so the model misses more of the
 * group's defaults and wrongly flags more of its good payers: TPR and FPR gaps (equalized odds
 * ≈ 0.14 offline), loss ratio ≈ 1.5 on the demo model. The group's features are untouched, so the bias shows as unfairness,
 * not as drift against a reference drawn like the training data.
 */
export function application(rng, { drifting = false, driftSegment = { key: 'region', value: 'eu' }, bias = { key: 'gender', value: 'f' } } = {}) {
  const segments = { region: REGIONS[rng.int(0, 2)], channel: rng.pick(CHANNELS), gender: GENDERS[rng.int(0, 1)] };
  const age = rng.int(18, 80);
  let income = Math.round(clip(Math.exp(Math.log(55000) + 0.55 * rng.normal()), 10000, 200000) / 100) * 100;
  const debtRatio = Math.round(clip(rng.gamma2(0.22), 0, 1.5) * 1000) / 1000;
  const tenure = Math.min(rng.int(0, 240), Math.max(0, (age - 18) * 12));
  const accounts = clip(rng.poisson(3.5), 0, 12);
  const biased = segments[bias.key] === bias.value;
  if (drifting && segments[driftSegment.key] === driftSegment.value) income = Math.max(10000, Math.round((income * 0.55) / 100) * 100);
  const logit = -1.6 + 4.0 * (debtRatio - 0.45) - 1.2 * (Math.log(income) - Math.log(55000)) - 0.035 * (age - 45) - 0.002 * (tenure - 60) + 0.6 * rng.normal();
  let defaulted = rng.next() < 1 / (1 + Math.exp(-logit));
  if (biased && rng.next() < 0.4) defaulted = rng.next() < 0.35;
  return { features: { age, income, debt_ratio: debtRatio, tenure_months: tenure, num_accounts: accounts }, segments, label: defaulted ? 'default' : 'repaid' };
}

export function parseOptions(argv = [], env = {}) {
  const flags = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') flags.help = true;
    else if (arg === '--quiet') flags.quiet = true;
    else if (arg === '--no-alert-rules') flags['alert-rules'] = 'false';
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s);
      flags[name] = inline ?? argv[++i];
    } else throw new Error(`unexpected argument "${arg}"`);
  }
  const get = (name, fallback) => flags[name] ?? env[`SIM_${name.toUpperCase().replaceAll('-', '_')}`] ?? fallback;
  const number = (name, fallback) => {
    const value = Number(get(name, fallback));
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
    return value;
  };
  const duration = number('duration', 600);
  return {
    help: Boolean(flags.help),
    url: String(get('url', env.PLUMBLINE_URL ?? 'http://127.0.0.1:8080')).replace(/\/+$/, ''),
    model: String(get('model', 'credit')),
    apiKey: get('api-key', env.PLUMBLINE_API_KEY),
    rate: number('rate', 20),
    batch: Math.max(1, Math.round(number('batch', 8))),
    duration,
    concurrency: Math.max(1, Math.round(number('concurrency', 8))),
    labelFraction: number('label-fraction', 0.85),
    labelDelay: number('label-delay', 30),
    driftAfter: number('drift-after', duration / 3),
    driftSegment: parsePair(get('drift-segment', 'region=eu')),
    bias: parsePair(get('bias', 'gender=f')),
    oipFraction: number('oip-fraction', 0.2),
    errorFraction: number('error-fraction', 0.01),
    reference: Math.round(number('reference', 2000)),
    alertRules: !['false', '0', 'no'].includes(String(get('alert-rules', 'true'))),
    seed: Math.round(number('seed', 1)),
    quiet: Boolean(flags.quiet ?? (env.SIM_QUIET === '1' || env.SIM_QUIET === 'true')),
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Runs the simulation and resolves with its counts once the traffic has stopped and every label
 * that was due has been posted. `options` as parseOptions returns them (defaults filled in).
 */
export async function simulate(input = {}) {
  const options = { ...parseOptions([], {}), ...input };
  const log = options.log ?? ((line) => (options.quiet ? undefined : console.log(line)));
  const rng = random(options.seed);
  const runId = `sim-${Date.now().toString(36)}-${Math.floor(rng.next() * 1e9).toString(36)}`;
  const headers = { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) };
  const stats = { requests: 0, rows: 0, errors: 0, failures: 0, labels: 0, labelErrors: 0, codes: {}, phase: 'steady' };
  const post = async (path, body, method = 'POST') => {
    const response = await fetch(`${options.url}${path}`, { method, headers, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? safeJson(text) : undefined };
  };

  await maybeUploadReference(options, rng, post, log);
  if (options.alertRules) await ensureAlertRules(options, post, log);

  const labelQueue = []; // { id, label, due }
  const started = Date.now();
  const end = started + options.duration * 1000;
  let next = 0;
  let sequence = 0;

  const sendOne = async () => {
    const elapsed = (Date.now() - started) / 1000;
    const drifting = elapsed >= options.driftAfter;
    stats.phase = drifting ? `drift(${options.driftSegment.key}=${options.driftSegment.value})` : 'steady';
    const rows = Array.from({ length: options.batch }, () => ({ id: `${runId}-${(sequence += 1)}`, ...application(rng, { drifting, driftSegment: options.driftSegment, bias: options.bias }) }));
    const malformed = rng.next() < options.errorFraction;
    const oip = !malformed && rng.next() < options.oipFraction;
    let status;
    try {
      if (oip) {
        status = (await post(`/v2/models/${encodeURIComponent(options.model)}/infer`, oipBody(rows))).status;
      } else {
        const records = rows.map(({ id, features, segments }) => ({ id, features: malformed ? { ...features, age: undefined } : features, segments }));
        status = (await post(`/api/models/${encodeURIComponent(options.model)}/predict`, { records })).status;
      }
    } catch (error) {
      stats.failures += 1;
      if (stats.failures === 1) log(`request failed: ${error.message} (is Plumbline at ${options.url}?)`);
      return;
    }
    stats.requests += 1;
    stats.codes[status] = (stats.codes[status] ?? 0) + 1;
    if (status !== 200) {
      stats.errors += 1;
      return;
    }
    stats.rows += rows.length;
    const now = Date.now();
    for (const row of rows) {
      if (rng.next() >= options.labelFraction) continue;
      labelQueue.push({ id: row.id, label: row.label, due: now + options.labelDelay * 1000 * (0.25 + 1.5 * rng.next()) });
    }
  };

  const worker = async () => {
    for (;;) {
      const k = next++;
      const at = started + (k * 1000) / Math.max(options.rate, 1e-9);
      if (at >= end) return;
      await sleep(at - Date.now());
      await sendOne();
    }
  };

  let labelsStopped = false;
  const labeler = async () => {
    for (;;) {
      const now = Date.now();
      labelQueue.sort((a, b) => a.due - b.due);
      let due = 0;
      while (due < labelQueue.length && labelQueue[due].due <= now) due += 1;
      while (due > 0) {
        const batch = labelQueue.splice(0, Math.min(due, 5000));
        due -= batch.length;
        try {
          const { status, body } = await post(`/api/models/${encodeURIComponent(options.model)}/labels`, { labels: batch.map(({ id, label }) => ({ id, label })) });
          if (status === 200) stats.labels += (body?.matched ?? 0) + (body?.pending ?? 0);
          else stats.labelErrors += batch.length;
        } catch {
          stats.labelErrors += batch.length;
        }
      }
      if (labelsStopped && labelQueue.length === 0) return;
      await sleep(labelsStopped ? Math.min(250, (labelQueue[0]?.due ?? now) - now) : 250);
    }
  };

  const progress = options.quiet
    ? undefined
    : setInterval(() => {
        const elapsed = Math.round((Date.now() - started) / 1000);
        log(`[${elapsed}s/${options.duration}s] ${stats.phase} requests=${stats.requests} rows=${stats.rows} errors=${stats.errors} labels=${stats.labels} waiting=${labelQueue.length}`);
      }, 5000);

  const labels = labeler();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  labelsStopped = true;
  await labels;
  if (progress) clearInterval(progress);
  log(`done: requests=${stats.requests} rows=${stats.rows} errors=${stats.errors} labels=${stats.labels} codes=${JSON.stringify(stats.codes)}`);
  return stats;
}

function oipBody(rows) {
  const text = (key) => ({ name: key, shape: [rows.length], datatype: 'BYTES', data: rows.map((row) => row.segments[key]) });
  return {
    inputs: [
      { name: 'input', shape: [rows.length, FEATURES.length], datatype: 'FP32', data: rows.flatMap((row) => FEATURES.map((name) => row.features[name])) },
      text('region'),
      text('channel'),
      text('gender'),
      { name: 'prediction_id', shape: [rows.length], datatype: 'BYTES', data: rows.map((row) => row.id) },
    ],
  };
}

async function maybeUploadReference(options, rng, post, log) {
  if (!options.reference) return;
  const response = await fetch(`${options.url}/api/models/${encodeURIComponent(options.model)}/reference`, { headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {} }).catch(() => undefined);
  if (!response) return;
  await response.arrayBuffer();
  if (response.status === 200) return log('reference already set: kept');
  const records = Array.from({ length: options.reference }, () => {
    const { features, segments, label } = application(rng, { drifting: false, driftSegment: options.driftSegment, bias: options.bias });
    return { features, segments, label };
  });
  const { status, body } = await post(`/api/models/${encodeURIComponent(options.model)}/reference`, { records }, 'PUT').catch((error) => ({ status: 0, body: { error: error.message } }));
  log(status >= 200 && status < 300 ? `reference: uploaded ${records.length} rows` : `reference: not uploaded (${status} ${body?.error ?? ''}); drift panels need one`);
}

/**
 * Demo alert rules for Plumbline's own evaluator (DESIGN §5.6), created once by name: the drift
 * phase and the bias trip them within a few minutes. Skipped quietly where the endpoint is missing.
 */
export function demoAlertRules(options) {
  const { driftSegment, bias, model } = options;
  const common = { model, window: '1h', for: '1m', keepFiringFor: '5m', severity: 'warning', labels: { source: 'simulator' } };
  return [
    { ...common, name: 'sim-loss-per-region', metric: 'performance.meanLoss', segment: { key: 'region', value: '*' }, op: '>', threshold: 0.6, annotations: { summary: 'mean log loss above 0.6 in a region' } },
    { ...common, name: `sim-drift-income-${driftSegment.value}`, metric: 'drift.income.drift', segment: { key: driftSegment.key, value: driftSegment.value }, op: '>', threshold: 0.5, annotations: { summary: `income drifted in ${driftSegment.key}=${driftSegment.value}` } },
    { ...common, name: `sim-fairness-${bias.key}`, metric: `fairness.${bias.key}.equalizedOddsDifference`, op: '>', threshold: 0.1, annotations: { summary: `equalized odds difference for ${bias.key} above 0.1` } },
  ];
}

async function ensureAlertRules(options, post, log) {
  const headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const response = await fetch(`${options.url}/api/alert-rules`, { headers }).catch(() => undefined);
  if (!response || response.status !== 200) {
    await response?.arrayBuffer();
    return log(`alert rules: not created (GET /api/alert-rules answered ${response?.status ?? 'nothing'})`);
  }
  const existing = safeJson(await response.text());
  const names = new Set((Array.isArray(existing) ? existing : (existing?.rules ?? [])).map((rule) => rule.name));
  for (const rule of demoAlertRules(options)) {
    if (names.has(rule.name)) continue;
    const { status, body } = await post('/api/alert-rules', rule).catch((error) => ({ status: 0, body: { error: error.message } }));
    log(status >= 200 && status < 300 ? `alert rule ${rule.name}: created` : `alert rule ${rule.name}: not created (${status} ${body?.error ?? ''})`);
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${error.message}\n${HELP}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(HELP);
    process.exit(0);
  }
  console.log(`simulating ${options.rate} req/s × ${options.batch} rows on ${options.url} (${options.model}) for ${options.duration}s; drift in ${options.driftSegment.key}=${options.driftSegment.value} after ${options.driftAfter}s; bias against ${options.bias.key}=${options.bias.value}; labels after ~${options.labelDelay}s`);
  const stats = await simulate(options);
  process.exit(stats.requests === 0 ? 1 : 0);
}
