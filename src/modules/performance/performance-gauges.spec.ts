import { describe, expect, it } from 'vitest';
import { performanceMetrics } from './performance-gauges.js';

describe('performanceMetrics', () => {
  it('exports every finite number and leaves out nulls (no NaN series)', () => {
    const entries = performanceMetrics({
      count: 4,
      labeled: 2,
      meanLoss: 0.5,
      accuracy: 1,
      precision: null,
      recall: 1,
      f1: null,
      logLoss: 0.5,
      estimated: { accuracy: 0.75, logLoss: 0.6, calibrationGap: -0.25 },
    });
    expect(Object.fromEntries(entries)).toEqual({
      count: 4,
      labeled: 2,
      meanLoss: 0.5,
      accuracy: 1,
      recall: 1,
      logLoss: 0.5,
      estimated_accuracy: 0.75,
      estimated_logLoss: 0.6,
      calibrationGap: -0.25,
    });
  });
});
