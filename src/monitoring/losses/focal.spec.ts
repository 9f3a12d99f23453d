// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import { focalLoss } from './focal.js';

// sklearn has no focal loss; the expected values are numpy:
// focal(p, k, g, a_k) = -a_k * (1 - p[k])**g * np.log(np.clip(p[k], 1e-15, 1 - 1e-15))
describe('focalLoss', () => {
  describe('binary, positive class 1', () => {
    it.each<[number[], number, number, number | undefined, number]>([
      [[0.1, 0.9], 1, 2, undefined, 0.0010536051565782623], // focal(p, 1, 2, 1)
      [[0.35, 0.65], 0, 2, undefined, 0.44354984760069144], // focal(p, 0, 2, 1)
      [[0.8, 0.2], 1, 2, undefined, 1.0300402639578243], // focal(p, 1, 2, 1)
      [[0.6, 0.4], 0, 2, undefined, 0.08173209980255854], // focal(p, 0, 2, 1)
      [[0, 1], 1, 2, undefined, 0], // focal(p, 1, 2, 1): (1 − 1)² = 0
      [[1, 0], 1, 2, undefined, 34.538776394910684], // focal(p, 1, 2, 1): clip to 1e-15
      [[0.5, 0.5], 0, 2, undefined, 0.17328679513998632], // focal(p, 0, 2, 1)
      [[0.3, 0.7], 1, 2, undefined, 0.03210074495448593], // focal(p, 1, 2, 1)
      [[0.1, 0.9], 1, 0, undefined, 0.10536051565782628], // γ = 0 is log loss: log_loss([1], [p], labels=[0, 1], eps=1e-15)
      [[0.35, 0.65], 0, 0, undefined, 1.0498221244986778], // log_loss([0], [p], labels=[0, 1], eps=1e-15)
      [[0, 1], 1, 0, undefined, 9.992007221626415e-16], // focal(p, 1, 0, 1)
      [[0.1, 0.9], 1, 1.5, undefined, 0.003331792049285647], // focal(p, 1, 1.5, 1)
      [[0.8, 0.2], 1, 1.5, undefined, 1.1516200248857609], // focal(p, 1, 1.5, 1)
      [[0.1, 0.9], 1, 2, 0.25, 0.00026340128914456557], // focal(p, 1, 2, 0.25): positive → α
      [[0.35, 0.65], 0, 2, 0.25, 0.33266238570051854], // focal(p, 0, 2, 0.75): negative → 1 − α
      [[0.8, 0.2], 1, 2, 0.25, 0.2575100659894561], // focal(p, 1, 2, 0.25)
      [[0.6, 0.4], 0, 2, 0.25, 0.0612990748519189], // focal(p, 0, 2, 0.75)
      [[1, 0], 1, 2, 0.25, 8.634694098727671], // focal(p, 1, 2, 0.25)
      [[0.5, 0.5], 0, 2, 0.25, 0.12996509635498973], // focal(p, 0, 2, 0.75)
    ])('%j, true %i, γ %d, α %s → %d', (p, k, gamma, alpha, expected) => {
      expect(focalLoss(p, k, gamma, alpha, 1)).toBeCloseTo(expected, 14);
    });

    it('gives α to the class at positiveIndex, wherever it is', () => {
      // positive class 0: true class 0 gets α = 0.25
      expect(focalLoss([0.35, 0.65], 0, 2, 0.25, 0)).toBeCloseTo(0.11088746190017286, 14); // focal(p, 0, 2, 0.25)
    });
  });

  describe('multiclass: a number α applies to every class', () => {
    it.each<[number[], number, number | undefined, number]>([
      [[0.7, 0.2, 0.1], 0, undefined, 0.03210074495448593], // focal(p, 0, 2, 1)
      [[0.1, 0.6, 0.3], 1, undefined, 0.08173209980255854], // focal(p, 1, 2, 1)
      [[0.4, 0.4, 0.2], 1, undefined, 0.3298646634746958], // focal(p, 1, 2, 1)
      [[0, 0, 1], 2, undefined, 0], // focal(p, 2, 2, 1)
      [[0.25, 0.5, 0.25], 0, undefined, 0.7797905781299385], // focal(p, 0, 2, 1)
      [[1, 0, 0], 2, undefined, 34.538776394910684], // focal(p, 2, 2, 1)
      [[0.7, 0.2, 0.1], 0, 0.25, 0.008025186238621482], // focal(p, 0, 2, 0.25)
      [[0.2, 0.2, 0.6], 1, 0.25, 0.2575100659894561], // focal(p, 1, 2, 0.25)
      [[1, 0, 0], 2, 0.25, 8.634694098727671], // focal(p, 2, 2, 0.25)
    ])('%j, true %i, α %s → %d', (p, k, alpha, expected) => {
      expect(focalLoss(p, k, 2, alpha, -1)).toBeCloseTo(expected, 14);
    });
  });

  it('stays finite and real for a probability a hair above 1', () => {
    expect(focalLoss([-1e-12, 1 + 1e-12], 1, 2.5, undefined, 1)).toBe(0);
  });

  it.each<[string, () => number, string]>([
    ['a negative gamma', () => focalLoss([0.5, 0.5], 0, -1, undefined, 1), 'focal gamma must be ≥ 0, got -1'],
    ['alpha above 1', () => focalLoss([0.5, 0.5], 0, 2, 1.5, 1), 'focal alpha must be in [0, 1], got 1.5'],
    ['a NaN alpha', () => focalLoss([0.5, 0.5], 0, 2, Number.NaN, 1), 'focal alpha must be a finite number, got NaN'],
    ['a NaN probability', () => focalLoss([0.5, Number.NaN], 0, 2, undefined, 1), 'probability 1 must be a finite number, got NaN'],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
