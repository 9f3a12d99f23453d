import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';

// Every loss of METRICS §1, configured in config.json of a monitoring-only model, checked end to end: the
// per-request `loss` of GET /predictions/{id} and the window's `meanLoss` (and a task metric or two) of
// GET /performance. The expected numbers are literals from /usr/bin/python3 (scikit-learn 1.2.1, numpy
// 1.24), each with the call that gave it; scikit-learn has no focal, Huber or cost-matrix loss, so those
// are numpy, with
//   focal(p, k, g, a) = -a * (1 - p[k])**g * np.log(np.clip(p[k], 1e-15, 1 - 1e-15))
//   huber(r, d) = np.where(np.abs(r) <= d, 0.5 * r**2, d * (np.abs(r) - 0.5 * d)), r = y - ŷ
// Per request, scikit-learn gets one sample (`[y_i]`, `[p_i]`) or, where one sample is not enough for
// it (hinge), the whole window with sample_weight=np.eye(n)[i].

const minutes = (n: number) => n * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const BINARY = { task: 'binary', features: ['x'], classes: ['neg', 'pos'] };
const MULTICLASS = { task: 'multiclass', features: ['x'], classes: ['a', 'b', 'c'] };
const REGRESSION = { task: 'regression', features: ['x'] };

/** The config.json of each model, by the test's short name. */
const CONFIGS: Record<string, Record<string, unknown>> = {
  logLoss: { ...BINARY, loss: { name: 'log_loss' } },
  focalBinary: { ...BINARY, classes: ['ok', 'fraud'], positiveClass: 'fraud', loss: { name: 'focal', params: { gamma: 2.5, alpha: 0.25 } } },
  focalMulticlass: { ...MULTICLASS, loss: { name: 'focal' } },
  // The positive class first: a single number is p(yes), and t = +1 for "yes".
  hinge: { ...BINARY, classes: ['yes', 'no'], positiveClass: 'yes', loss: { name: 'hinge' } },
  brierBinary: { ...BINARY, loss: { name: 'brier' } },
  brierMulticlass: { ...MULTICLASS, loss: { name: 'brier' } },
  zeroOneBinary: { ...BINARY, classes: ['ok', 'bad'], positiveClass: 'bad', threshold: 0.3, loss: { name: 'zero_one' } },
  zeroOneMulticlass: { ...MULTICLASS, loss: { name: 'zero_one' } },
  costMatrix: { ...MULTICLASS, loss: { name: 'log_loss', costMatrix: [[0, 1, 2], [1, 0, 1], [4, 2, 0]] } },
  // "b" has no weight: 1.
  classWeights: { ...MULTICLASS, loss: { name: 'log_loss', classWeights: { a: 0.5, c: 2 } } },
  mse: { ...REGRESSION, loss: { name: 'mse' } },
  mae: { ...REGRESSION, loss: { name: 'mae' } },
  huber: { ...REGRESSION, loss: { name: 'huber', params: { delta: 0.8 } } },
  quantile: { ...REGRESSION, loss: { name: 'quantile', params: { tau: 0.9 } } },
};

/** One ingested prediction: its output (p(positive), a probability row or a number) and its label, if it gets one. */
type Row = [output: number | number[], label?: string | number];

/** The multiclass probability rows shared by several models below (PM in the Python calls). */
const PM = [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2], [0.25, 0.5, 0.25]];
/** Rows with ties (argmax takes the first): PT in the Python calls, np.argmax(PT, axis=1) = [0, 1, 2, 0, 2]. */
const PT = [[0.4, 0.4, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2], [0.3, 0.3, 0.4]];
/** Regression (ŷ, y): yh = [2.5, 0, 2, 8, -2, 10.25], y = [3, -0.5, 2, 7, 1, 9] in the Python calls. */
const REGRESSION_ROWS: Row[] = [[2.5, 3], [0, -0.5], [2, 2], [8, 7], [-2, 1], [10.25, 9], [4]];

describe('config.json losses end to end: per-request loss and window meanLoss equal scikit-learn / numpy', () => {
  let server: TestApp;
  const run = uniqueId('loss').replace(/^loss-/, '');
  const names = Object.fromEntries(Object.keys(CONFIGS).map((key) => [key, `loss-${key.toLowerCase()}-${run}`]));
  // Two hours back, so that a window around it holds only this file's predictions (the names are unique too).
  const start = Date.now() - minutes(120);
  const window = `from=${iso(start - minutes(5))}&to=${iso(start + minutes(5))}`;

  beforeAll(async () => {
    // Monitoring-only models: a directory with a config.json and no ONNX file.
    const root = mkdtempSync(join(tmpdir(), 'plumbline-losses-'));
    for (const [key, config] of Object.entries(CONFIGS)) {
      mkdirSync(join(root, names[key]));
      writeFileSync(join(root, names[key], 'config.json'), JSON.stringify(config, null, 2));
    }
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: root });
  });
  afterAll(() => server?.close());

  const api = (model: string, path: string) => `${server.url}/api/models/${model}/${path}`;
  const ok = <T extends { status: number; body: any }>(response: T): T['body'] => {
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };

  /**
   * Ingests `rows` one second apart from `start`, labels those that have a label, then checks each labeled
   * prediction's stored loss against `losses` (in row order), the unlabeled ones' null loss, and the window.
   */
  const check = async (key: string, rows: Row[], losses: number[], overall: Record<string, number>) => {
    const model = names[key];
    const ids = rows.map(() => uniqueId('lc'));
    const records = rows.map(([output], i) => ({ id: ids[i], timestamp: iso(start + i * 1000), features: { x: i }, output }));
    expect(ok(await postJson(api(model, 'predictions'), { records })).accepted).toBe(rows.length);
    const labels = rows.flatMap(([, label], i) => (label === undefined ? [] : [{ id: ids[i], label }]));
    expect(losses, 'one expected loss per label').toHaveLength(labels.length);
    expect(ok(await postJson(api(model, 'labels'), { labels }))).toEqual({ matched: labels.length, pending: 0, duplicate: 0, rejected: [] });

    for (const [j, { id, label }] of labels.entries()) {
      const stored = ok(await getJson(api(model, `predictions/${id}`)));
      expect(stored.label, id).toBe(label);
      expect(stored.loss, `loss of labeled row ${j}`).toBeCloseTo(losses[j], 10);
    }
    for (const [i, id] of ids.entries()) {
      if (rows[i][1] === undefined) expect(ok(await getJson(api(model, `predictions/${id}`)))).toMatchObject({ label: null, loss: null });
    }

    const body = ok(await getJson(`${api(model, 'performance')}?${window}`));
    expect(body.overall).toMatchObject({ count: rows.length, labeled: labels.length });
    for (const [metric, value] of Object.entries(overall)) expect(body.overall[metric], metric).toBeCloseTo(value, 10);
    // Outside the window: nothing.
    const before = ok(await getJson(`${api(model, 'performance')}?from=${iso(start - minutes(30))}&to=${iso(start - minutes(10))}`));
    expect(before.overall).toMatchObject({ count: 0, labeled: 0, meanLoss: null });
  };

  it('log_loss, binary: −ln clip(p_k), from p(pos) or the row; p_k = 0 is clipped to 1e-15', async () => {
    // p = [0.9, 0.65, 0.2, 0.4, 0.5, 0.97, 1.0] (p(pos)), y = [1, 0, 1, 0, 0, 1, 0], P = np.column_stack([1 - p, p]).
    const rows: Row[] = [[0.9, 'pos'], [[0.35, 0.65], 'neg'], [0.2, 'pos'], [[0.6, 0.4], 'neg'], [0.5, 'neg'], [[0.03, 0.97], 'pos'], [1, 'neg'], [0.7]];
    // log_loss([y[i]], [P[i]], labels=[0, 1], eps=1e-15)
    const losses = [0.10536051565782628, 1.0498221244986778, 1.6094379124341003, 0.5108256237659907, 0.6931471805599453, 0.030459207484708574, 34.538776394910684];
    await check('logLoss', rows, losses, {
      meanLoss: 5.505404137044562, // log_loss(y, P, eps=1e-15)
      logLoss: 5.505404137044562, // the same
      accuracy: 0.42857142857142855, // accuracy_score(y, p >= 0.5)
      precision: 0.4, // precision_score(y, p >= 0.5)
      recall: 0.6666666666666666, // recall_score(y, p >= 0.5)
      f1: 0.5, // f1_score(y, p >= 0.5)
    });
  });

  it('focal, binary with gamma 2.5 and alpha 0.25: α for the positive class, 1 − α for the other (focal.ts)', async () => {
    // p = [0.1, 0.8, 0.3, 0.6, 0.95, 0.45] (p(fraud)), y = [0, 1, 1, 0, 1, 0], P = np.column_stack([1 - p, p]), a = np.where(y == 1, 0.25, 0.75).
    const rows: Row[] = [[0.1, 'ok'], [0.8, 'fraud'], [[0.7, 0.3], 'fraud'], [0.6, 'ok'], [0.95, 'fraud'], [[0.55, 0.45], 'ok'], [0.5]];
    // focal(P[i], y[i], 2.5, a[i])
    const losses = [0.0002498844036964234, 0.0009979282989585705, 0.12339620000567124, 0.1916340522209716, 7.1684558150294865e-6, 0.0609081401393364];
    await check('focalBinary', rows, losses, {
      meanLoss: 0.06286556225407487, // np.mean([focal(P[i], y[i], 2.5, a[i]) for i in range(6)])
      logLoss: 0.516316316385883, // log_loss(y, P, eps=1e-15): whatever the configured loss
      accuracy: 0.6666666666666666, // accuracy_score(y, p >= 0.5)
      f1: 0.6666666666666666, // f1_score(y, p >= 0.5)
    });
  });

  it('focal, multiclass with the default gamma 2 and no alpha (α_k = 1)', async () => {
    // y = [0, 2, 2, 1, 1]
    const rows: Row[] = [[PM[0], 'a'], [PM[1], 'c'], [PM[2], 'c'], [PM[3], 'b'], [PM[4], 'b'], [PM[0]]];
    // focal(PM[i], y[i], 2, 1)
    const losses = [0.03210074495448593, 0.5899466741197085, 0.08173209980255854, 0.5899466741197085, 0.17328679513998632];
    await check('focalMulticlass', rows, losses, {
      meanLoss: 0.29340259762728954, // np.mean([focal(PM[i], y[i], 2, 1) for i in range(5)])
      accuracy: 0.6, // accuracy_score(y, np.argmax(PM, axis=1))
      f1: 0.611111111111111, // f1_score(y, np.argmax(PM, axis=1), average='macro')
    });
  });

  it('hinge, binary with the positive class first: max(0, 1 − t(2p₊ − 1))', async () => {
    // p = [0.9, 0.65, 0.2, 0.4, 0.5, 0.05] (p(yes)), y = [1, 0, 1, 0, 0, 0] (1 = yes), s = 2 * p - 1. Rows are [p(yes), p(no)].
    const rows: Row[] = [[0.9, 'yes'], [[0.65, 0.35], 'no'], [0.2, 'yes'], [[0.4, 0.6], 'no'], [0.5, 'no'], [0.05, 'no'], [0.3]];
    // hinge_loss(y, s, sample_weight=np.eye(6)[i])
    const losses = [0.19999999999999996, 1.3, 1.6, 0.8, 1, 0.09999999999999998];
    await check('hinge', rows, losses, {
      meanLoss: 0.8333333333333334, // hinge_loss(y, s)
      accuracy: 0.5, // accuracy_score(y, p >= 0.5)
      f1: 0.4, // f1_score(y, p >= 0.5): the positive class is "yes"
    });
  });

  it('brier, binary: Σ_j (p_j − [j = k])², twice scikit-learn’s brier_score_loss', async () => {
    // p = [0.9, 0.65, 0.2, 0.4, 0.3] (p(pos)), y = [1, 0, 1, 0, 1]
    const rows: Row[] = [[0.9, 'pos'], [0.65, 'neg'], [0.2, 'pos'], [[0.6, 0.4], 'neg'], [0.3, 'pos'], [0.8]];
    // 2 * brier_score_loss([y[i]], [p[i]], pos_label=1)
    const losses = [0.01999999999999999, 0.8450000000000001, 1.2800000000000002, 0.32000000000000006, 0.9799999999999999];
    await check('brierBinary', rows, losses, {
      meanLoss: 0.6890000000000002, // 2 * brier_score_loss(y, p)
      accuracy: 0.4, // accuracy_score(y, p >= 0.5)
      f1: 0.4, // f1_score(y, p >= 0.5)
    });
  });

  it('brier, multiclass: Σ_j (p_j − [j = k])²', async () => {
    // y = [0, 1, 1, 2, 0]
    const rows: Row[] = [[PM[0], 'a'], [PM[1], 'b'], [PM[2], 'b'], [PM[3], 'c'], [PM[4], 'a'], [PM[1]]];
    // np.sum((PM - np.eye(3)[y])**2, axis=1)
    const losses = [0.14000000000000004, 0.26, 1.04, 0.9800000000000001, 0.875];
    await check('brierMulticlass', rows, losses, {
      meanLoss: 0.659, // np.mean(np.sum((PM - np.eye(3)[y])**2, axis=1))
      accuracy: 0.4, // accuracy_score(y, np.argmax(PM, axis=1))
      f1: 0.3333333333333333, // f1_score(y, np.argmax(PM, axis=1), average='macro')
    });
  });

  it('zero_one, binary with threshold 0.3 (p₊ = 0.3 decides positive)', async () => {
    // p = [0.2, 0.35, 0.31, 0.1, 0.9, 0.25, 0.3] (p(bad)), y = [1, 0, 1, 0, 1, 1, 0], h = (p >= 0.3).astype(int)
    const rows: Row[] = [[0.2, 'bad'], [0.35, 'ok'], [0.31, 'bad'], [[0.9, 0.1], 'ok'], [0.9, 'bad'], [0.25, 'bad'], [0.3, 'ok'], [0.6]];
    // zero_one_loss([y[i]], [h[i]])
    const losses = [1, 1, 0, 0, 0, 1, 1];
    await check('zeroOneBinary', rows, losses, {
      meanLoss: 0.5714285714285714, // zero_one_loss(y, h)
      accuracy: 0.42857142857142855, // accuracy_score(y, h)
      precision: 0.5, // precision_score(y, h)
      recall: 0.5, // recall_score(y, h)
      f1: 0.5, // f1_score(y, h)
    });
  });

  it('zero_one, multiclass: argmax, the first class on ties', async () => {
    // y = [1, 1, 0, 0, 2], h = np.argmax(PT, axis=1) = [0, 1, 2, 0, 2]
    const rows: Row[] = [[PT[0], 'b'], [PT[1], 'b'], [PT[2], 'a'], [PT[3], 'a'], [PT[4], 'c'], [PT[0]]];
    // zero_one_loss([y[i]], [h[i]])
    const losses = [1, 0, 1, 0, 0];
    await check('zeroOneMulticlass', rows, losses, {
      meanLoss: 0.4, // zero_one_loss(y, h)
      accuracy: 0.6, // accuracy_score(y, h)
      f1: 0.611111111111111, // f1_score(y, h, average='macro')
    });
  });

  it('a cost matrix C[true][predicted] replaces the configured loss', async () => {
    // C = np.array([[0, 1, 2], [1, 0, 1], [4, 2, 0]]), y = [1, 2, 0, 0, 2], h = np.argmax(PT, axis=1) = [0, 1, 2, 0, 2]
    const rows: Row[] = [[PT[0], 'b'], [PT[1], 'c'], [PT[2], 'a'], [PT[3], 'a'], [PT[4], 'c'], [PT[2]]];
    // C[y, h]
    const losses = [1, 2, 2, 0, 0];
    await check('costMatrix', rows, losses, {
      meanLoss: 1, // np.mean(C[y, h])
      logLoss: 1.0678278722136585, // log_loss(y, PT, eps=1e-15): the configured log_loss still gives logLoss
      accuracy: 0.4, // accuracy_score(y, h)
      f1: 0.3333333333333333, // f1_score(y, h, average='macro')
    });
  });

  it('classWeights with log_loss: the loss times the weight of the true class; meanLoss a plain mean over requests', async () => {
    // w = np.array([0.5, 1, 2]), y = [0, 2, 2, 1, 0]
    const rows: Row[] = [[PM[0], 'a'], [PM[1], 'c'], [PM[2], 'c'], [PM[3], 'b'], [PM[4], 'a'], [PM[3]]];
    // w[y[i]] * log_loss([y[i]], [PM[i]], labels=[0, 1, 2], eps=1e-15)
    const losses = [0.17833747196936614, 2.4079456086518722, 1.0216512475319814, 1.2039728043259361, 0.6931471805599453];
    await check('classWeights', rows, losses, {
      // log_loss(y, PM, eps=1e-15, sample_weight=w[y], normalize=False) / 5 (= 5.505054313039102 / 5; METRICS: a mean over requests, not over Σw)
      meanLoss: 1.1010108626078203,
      logLoss: 0.9323481074952971, // log_loss(y, PM, eps=1e-15): unweighted
      accuracy: 0.4, // accuracy_score(y, np.argmax(PM, axis=1))
      f1: 0.38888888888888884, // f1_score(y, np.argmax(PM, axis=1), average='macro')
    });
  });

  /** The regression task metrics of REGRESSION_ROWS, whatever the loss. */
  const REGRESSION_METRICS = {
    mae: 1.0416666666666667, // mean_absolute_error(y, yh)
    mse: 2.0104166666666665, // mean_squared_error(y, yh)
    rmse: 1.4178916272644628, // mean_squared_error(y, yh, squared=False)
  };

  it('mse: (y − ŷ)²', async () => {
    // mean_squared_error([y[i]], [yh[i]])
    const losses = [0.25, 0.25, 0, 1, 9, 1.5625];
    await check('mse', REGRESSION_ROWS, losses, { meanLoss: 2.0104166666666665, ...REGRESSION_METRICS }); // mean_squared_error(y, yh)
  });

  it('mae: |y − ŷ|', async () => {
    // mean_absolute_error([y[i]], [yh[i]])
    const losses = [0.5, 0.5, 0, 1, 3, 1.25];
    await check('mae', REGRESSION_ROWS, losses, { meanLoss: 1.0416666666666667, ...REGRESSION_METRICS }); // mean_absolute_error(y, yh)
  });

  it('huber with delta 0.8: ½r² if |r| ≤ δ else δ(|r| − ½δ)', async () => {
    // huber(y[i] - yh[i], 0.8)
    const losses = [0.125, 0.125, 0, 0.48, 2.08, 0.68];
    await check('huber', REGRESSION_ROWS, losses, { meanLoss: 0.5816666666666667, ...REGRESSION_METRICS }); // np.mean(huber(y - yh, 0.8))
  });

  it('quantile with tau 0.9: max(τr, (τ − 1)r)', async () => {
    // mean_pinball_loss([y[i]], [yh[i]], alpha=0.9)
    const losses = [0.45, 0.04999999999999999, 0, 0.09999999999999998, 2.7, 0.12499999999999997];
    await check('quantile', REGRESSION_ROWS, losses, { meanLoss: 0.5708333333333334, ...REGRESSION_METRICS }); // mean_pinball_loss(y, yh, alpha=0.9)
  });
});
