import { describe, expect, it } from 'vitest';
import { emptySums } from '../../monitoring/performance/performance-sums.js';
import { performanceMetrics, groupFiguresOf } from './performance-gauges.js';

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

describe('groupFiguresOf', () => {
  const spec = { name: 'log_loss' as const, params: {}, positiveIndex: 1, threshold: 0.5 };
  it("a binary model's share decided positive among all predictions, labeled or not, and tpr/fpr of the labeled ones (0/0 left out); nothing for other tasks or no decisions", () => {
    // One labeled prediction: true "no", decided "yes".
    const sums = { ...emptySums(2), count: 4, labeled: 1, confusion: [0, 1, 0, 0], predicted: [1, 3] };
    expect(groupFiguresOf({ task: 'binary', classes: 2, classNames: ['no', 'yes'], loss: spec }, sums)).toEqual([['selectionRate', 0.75], ['fpr', 1]]);
    expect(groupFiguresOf({ task: 'binary', classes: 2, classNames: ['no', 'yes'], loss: { ...spec, positiveIndex: 0 } }, sums)).toEqual([['selectionRate', 0.25], ['tpr', 0]]);
    expect(groupFiguresOf({ task: 'binary', classes: 2, classNames: ['no', 'yes'], loss: spec }, emptySums(2))).toEqual([]);
    expect(groupFiguresOf({ task: 'multiclass', classes: 3, classNames: ['a', 'b', 'c'], loss: { ...spec, positiveIndex: -1 } }, emptySums(3))).toEqual([]);
  });
});
