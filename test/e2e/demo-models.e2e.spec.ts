import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestApp, uniqueId, type TestApp } from '../helpers/app.js';
import { copyDemoModels, expectClose, output, SKLEARN } from './e2e-support.js';

describe('demo repository (./models): iris and demand against scikit-learn', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ PLUMBLINE_MODEL_REPOSITORY: copyDemoModels() });
  });
  afterAll(() => server?.close());

  const infer = (model: string, body: unknown) => postJson(`${server.url}/v2/models/${model}/infer`, body);
  const predict = (model: string, body: unknown) => postJson(`${server.url}/api/models/${model}/predict`, body);
  const named = (features: string[], row: number[]) => Object.fromEntries(features.map((name, j) => [name, row[j]]));

  it('serves credit at its highest version, 2', async () => {
    const { status, body } = await getJson(`${server.url}/v2/models/credit`);
    expect(status).toBe(200);
    expect(body.versions).toEqual(['1', '2']);
    const answer = await infer('credit', { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: SKLEARN.credit.rows[0] }] });
    expect(answer.body.model_version).toBe('2');
  });

  it('credit takes its drift reference from reference.csv, with its predictions and labels', async () => {
    const { status, body } = await getJson(`${server.url}/api/models/credit/reference`);
    expect(status).toBe(200);
    expect(body.source).toMatch(/^reference\.csv sha256:/);
    expect(body.rows).toBe(2000);
    expect(Object.keys(body.features)).toEqual(['age', 'income', 'debt_ratio', 'tenure_months', 'num_accounts', '__prediction__', '__label__']);
    expect(body.features.__prediction__.n).toBe(2000);
    expect(body.features.__label__.categories.sort()).toEqual(['default', 'repaid']);
    expect(Object.keys(body.segments).sort()).toEqual(['channel', 'gender', 'region']);
    const drift = await getJson(`${server.url}/api/models/credit/drift`);
    expect(drift.status).toBe(200);
    expect(drift.body.overall.age.nReference).toBe(2000);
  });

  it('credit version 1 there equals the fixture credit model (scikit-learn within 1e-5)', async () => {
    const { rows, predict_proba: proba } = SKLEARN.credit;
    const { status, body } = await postJson(`${server.url}/v2/models/credit/versions/1/infer`, {
      inputs: [{ name: 'input', shape: [5, 5], datatype: 'FP32', data: rows }],
    });
    expect(status).toBe(200);
    expectClose(output(body, 'probabilities').data, proba!.flat(), 1e-5);
  });

  describe('iris (multiclass)', () => {
    const { rows, predict_proba: proba, predict: classIndex, classes, features } = SKLEARN.iris;

    it('metadata', async () => {
      const { body } = await getJson(`${server.url}/v2/models/iris`);
      expect(body).toMatchObject({
        name: 'iris',
        versions: ['1'],
        platform: 'onnx_onnxv1',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [
          { name: 'label', datatype: 'INT64', shape: [-1] },
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        ],
      });
    });

    it('OIP: probabilities equal predict_proba within 1e-5, labels equal predict', async () => {
      const { status, body } = await infer('iris', { inputs: [{ name: 'input', shape: [5, 4], datatype: 'FP32', data: rows.flat() }] });
      expect(status).toBe(200);
      expectClose(output(body, 'probabilities').data, proba!.flat(), 1e-5);
      expect(output(body, 'label').data).toEqual(classIndex);
    });

    it('records: label is the class name with the highest probability, score its probability', async () => {
      const ids = rows.map(() => uniqueId('iris'));
      const { status, body } = await predict('iris', { records: rows.map((row, i) => ({ id: ids[i], features: named(features, row), segments: { source: 'test' } })) });
      expect(status, JSON.stringify(body)).toBe(200);
      body.predictions.forEach((predicted: { output: number[]; label: string; score: number }, i: number) => {
        expectClose(predicted.output, proba![i], 1e-5);
        expect(predicted.label).toBe(classes![classIndex[i]]);
        expect(Math.abs(predicted.score - proba![i][classIndex[i]])).toBeLessThanOrEqual(1e-5);
      });
      const stored = await getJson(`${server.url}/api/models/iris/predictions/${ids[0]}`);
      expect(stored.body.features).toEqual(named(features, rows[0]));
      expect(stored.body.segments).toEqual({ source: 'test' });
    });
  });

  describe('demand (regression)', () => {
    const { rows, predict: expected, features } = SKLEARN.demand;

    it('OIP: variable equals LinearRegression.predict within a relative 1e-6', async () => {
      const { status, body } = await infer('demand', { inputs: [{ name: 'input', shape: [5, 4], datatype: 'FP32', data: rows }] });
      expect(status).toBe(200);
      const variable = output(body, 'variable');
      expect(variable.shape).toEqual([5, 1]);
      expect(variable.datatype).toBe('FP32');
      expectClose(variable.data, expected, 1e-6, true);
    });

    it('records: output is the predicted number; the log holds it with the features as sent', async () => {
      const id = uniqueId('demand');
      const { status, body } = await predict('demand', { records: [{ id, features: named(features, rows[1]), segments: { store: 's-1' } }] });
      expect(status).toBe(200);
      expect(body.predictions[0]).not.toHaveProperty('label');
      expectClose([body.predictions[0].output], [expected[1]], 1e-6, true);
      const stored = await getJson(`${server.url}/api/models/demand/predictions/${id}`);
      expect(stored.body).toMatchObject({ features: named(features, rows[1]), segments: { store: 's-1' }, output: body.predictions[0].output, label: null });
    });
  });
});
