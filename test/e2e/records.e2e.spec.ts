import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { expectClose, expectError, SKLEARN, UUID_V7 } from './e2e-support.js';

describe('records API (POST /api/models/{m}/predict) and the prediction log lookup', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server?.close());

  const predict = (model: string, body: unknown) => postJson(`${server.url}/api/models/${model}/predict`, body);
  const prediction = (model: string, id: string) => getJson(`${server.url}/api/models/${model}/predictions/${encodeURIComponent(id)}`);
  const { features: names, rows, predict_proba: proba, predict: classIndex, classes } = SKLEARN.credit;
  const named = (row: number[]) => Object.fromEntries(names.map((name, j) => [name, row[j]]));

  it('credit: output, label (class name) and score equal scikit-learn for five records', async () => {
    const ids = rows.map(() => uniqueId('rec'));
    const { status, body } = await predict('credit', { records: rows.map((row, i) => ({ id: ids[i], features: named(row) })) });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.model).toBe('credit');
    expect(body.version).toBe('1');
    expect(body.predictions).toHaveLength(5);
    body.predictions.forEach((predicted: { id: string; output: number[]; label: string; score: number }, i: number) => {
      expect(predicted.id).toBe(ids[i]);
      expectClose(predicted.output, proba![i], 1e-5);
      expect(predicted.label).toBe(classes![classIndex[i]]);
      expect(Math.abs(predicted.score - proba![i][classIndex[i]])).toBeLessThanOrEqual(1e-5);
    });
  });

  it('GET of a prediction: features as sent, output, segments, timestamp, version, no label yet', async () => {
    const id = uniqueId('view');
    const features = { age: 41, income: 52000.5, debt_ratio: 0.3, tenure_months: 12, num_accounts: 2 };
    const before = Date.now();
    const answer = await predict('credit', { records: [{ id, features, segments: { region: 'eu', channel: 'web', gender: 'f' } }] });
    expect(answer.status).toBe(200);
    const { status, body } = await prediction('credit', id);
    expect(status).toBe(200);
    expect(body).toEqual({
      id,
      model: 'credit',
      version: '1',
      timestamp: expect.any(String),
      features,
      output: answer.body.predictions[0].output,
      segments: { region: 'eu', channel: 'web', gender: 'f' },
      label: null,
      loss: null,
      labeledAt: null,
    });
    // 0.3 is logged as the client sent it, not as float32's 0.30000001192092896.
    expect(body.features.debt_ratio).toBe(0.3);
    const timestamp = Date.parse(body.timestamp);
    expect(body.timestamp).toBe(new Date(timestamp).toISOString());
    expect(timestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(timestamp).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('features may come in any key order; the model sees them in config order', async () => {
    const row = rows[1];
    const shuffled = Object.fromEntries(Object.entries(named(row)).reverse());
    const { status, body } = await predict('credit', { records: [{ features: shuffled }] });
    expect(status).toBe(200);
    expectClose(body.predictions[0].output, proba![1], 1e-5);
    expect(body.predictions[0].label).toBe('default');
  });

  it('records without id get UUIDv7 ids that can be looked up', async () => {
    const { body } = await predict('credit', { records: [{ features: named(rows[0]) }, { features: named(rows[2]) }] });
    expect(body.predictions).toHaveLength(2);
    for (const predicted of body.predictions) {
      expect(predicted.id).toMatch(UUID_V7);
      expect((await prediction('credit', predicted.id)).status).toBe(200);
    }
  });

  it('binary without positiveClass (multi): label and score follow classes and the 0.5 threshold', async () => {
    const { status, body } = await predict('multi', {
      records: [
        { features: { x0: 1, x1: 0 }, segments: { region: 'us' } },
        { features: { x0: 0, x1: 1 } },
      ],
    });
    expect(status).toBe(200);
    expect(body.version).toBe('2');
    const p = 1 / (1 + Math.exp(-2));
    expect(body.predictions[0]).toMatchObject({ label: 'pos' });
    expect(body.predictions[0].score).toBeCloseTo(p, 6);
    expect(body.predictions[1]).toMatchObject({ label: 'neg' });
    expect(body.predictions[1].score).toBeCloseTo(p, 6);
  });

  it('regression (fixed): output is the predicted number, no label or score', async () => {
    const id = uniqueId('fixed');
    const { status, body } = await predict('fixed', { records: [{ id, features: { a: 1, b: 2, c: 0.25 } }] });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.predictions).toEqual([{ id, output: 3.25 }]);
    expect((await prediction('fixed', id)).body).toMatchObject({ features: { a: 1, b: 2, c: 0.25 }, output: 3.25 });
  });

  it('a reused record id is a 409 and the first prediction is unchanged', async () => {
    const id = uniqueId('recdup');
    expect((await predict('credit', { records: [{ id, features: named(rows[0]), segments: { region: 'eu' } }] })).status).toBe(200);
    const before = await prediction('credit', id);
    expectError(await predict('credit', { records: [{ id, features: named(rows[4]), segments: { region: 'us' } }] }), 409, 'DUPLICATE_PREDICTION_ID');
    expect((await prediction('credit', id)).body).toEqual(before.body);
  });

  it('an unknown prediction id is a 404', async () => {
    expectError(await prediction('credit', uniqueId('missing')), 404, 'PREDICTION_NOT_FOUND');
    expectError(await prediction(`nope-${uniqueId()}`, 'x'), 404, 'MODEL_NOT_FOUND');
  });

  it('a model with several inputs is sent to the OIP endpoint', async () => {
    expectError(await predict('dtypes', { records: [{ features: { f32_0: 1, f32_1: 2 } }] }), 400, 'INVALID_REQUEST', /OIP/);
  });
});
