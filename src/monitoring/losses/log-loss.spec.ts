// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { logLoss } from './log-loss.js';

describe('logLoss', () => {
  // Binary rows [p(neg), p(pos)]: log_loss([k], [p], labels=[0, 1], eps=1e-15), sklearn 1.2.1.
  it.each<[number[], number, number]>([
    [[0.1, 0.9], 1, 0.10536051565782628],
    [[0.35, 0.65], 0, 1.0498221244986778],
    [[0.8, 0.2], 1, 1.6094379124341003],
    [[0.6, 0.4], 0, 0.5108256237659907],
    [[0, 1], 1, 9.992007221626415e-16], // p_k = 1 clipped to 1 − 1e-15
    [[1, 0], 1, 34.538776394910684], // p_k = 0 clipped to 1e-15: −ln 1e-15
    [[0.5, 0.5], 0, 0.6931471805599453],
    [[0.3, 0.7], 1, 0.35667494393873245],
  ])('binary %j, true %i → %d', (p, k, expected) => {
    expect(logLoss(p, k)).toBeCloseTo(expected, 14);
  });

  // 3 classes: log_loss([k], [p], labels=[0, 1, 2], eps=1e-15).
  it.each<[number[], number, number]>([
    [[0.7, 0.2, 0.1], 0, 0.3566749439387323],
    [[0.1, 0.6, 0.3], 1, 0.5108256237659907],
    [[0.2, 0.2, 0.6], 1, 1.6094379124341003],
    [[0.4, 0.4, 0.2], 1, 0.916290731874155],
    // sklearn gives 2.1094237467877998e-15 here: it renormalises the clipped row (sum 1 + 1e-15); METRICS
    // does not, −ln(1 − 1e-15) = 9.992007221626415e-16. Equal to 14 decimals.
    [[0, 0, 1], 2, 2.1094237467877998e-15],
    [[0.25, 0.5, 0.25], 0, 1.3862943611198906],
    [[1, 0, 0], 2, 34.538776394910684],
  ])('multiclass %j, true %i → %d', (p, k, expected) => {
    expect(logLoss(p, k)).toBeCloseTo(expected, 14);
  });

  it('averages to sklearn’s window log loss', () => {
    const rows: [number[], number][] = [
      [[0.7, 0.2, 0.1], 0],
      [[0.1, 0.6, 0.3], 1],
      [[0.2, 0.2, 0.6], 1],
      [[0.4, 0.4, 0.2], 1],
      [[0, 0, 1], 2],
      [[0.25, 0.5, 0.25], 0],
      [[1, 0, 0], 2],
    ];
    const mean = rows.reduce((sum, [p, k]) => sum + logLoss(p, k), 0) / rows.length;
    expect(mean).toBeCloseTo(5.616899995434793, 12); // log_loss(yM, PM, eps=1e-15)
  });

  it.each<[string, () => number, string]>([
    ['a NaN probability', () => logLoss([Number.NaN, 1], 1), 'probability 0 must be a finite number, got NaN'],
    ['an infinite probability', () => logLoss([0.5, -Infinity], 0), 'probability 1 must be a finite number, got -Infinity'],
    ['a true index out of range', () => logLoss([0.5, 0.5], 2), 'trueIndex must be a class index in 0..1, got 2'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
