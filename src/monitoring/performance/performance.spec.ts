// Literals: scripts/losses-reference.py (/usr/bin/python3 scripts/losses-reference.py recomputes and checks each).
import { describe, expect, it } from 'vitest';
import type { LossSpec } from '../losses/loss.js';
import { computePerformance } from './performance.js';
import { addSums, classificationContribution, emptySums, labeledContribution, regressionContribution, type PerformanceSums } from './performance-sums.js';

const spec = (name: LossSpec['name'], positiveIndex: number): LossSpec => ({ name, params: {}, positiveIndex, threshold: 0.5 });

/** Sums of a window: every row predicted, labeled where its label is not null. */
function classifierWindow(loss: LossSpec, classes: number, rows: [number[], number | null][]): PerformanceSums {
  return rows.reduce((sums, [probabilities, trueIndex]) => {
    const predicted = addSums(sums, classificationContribution(probabilities, loss.positiveIndex, loss.threshold));
    return trueIndex === null ? predicted : addSums(predicted, labeledContribution(loss, { probabilities, trueIndex }));
  }, emptySums(classes));
}

function regressorWindow(loss: LossSpec, rows: [number, number | null][]): PerformanceSums {
  return rows.reduce((sums, [prediction, label]) => {
    const predicted = addSums(sums, regressionContribution(prediction));
    return label === null ? predicted : addSums(predicted, labeledContribution(loss, { prediction, label }));
  }, emptySums(0));
}

// PB, yB: 8 labeled rows [p(neg), p(pos)], plus PU = [[0.45, 0.55], [0.9, 0.1]] unlabeled.
// ŷ = np.where(PB[:, 1] >= 0.5, 1, 0) = [1, 1, 0, 0, 1, 0, 1, 1].
const BINARY_ROWS: [number[], number | null][] = [
  [[0.1, 0.9], 1],
  [[0.35, 0.65], 0],
  [[0.8, 0.2], 1],
  [[0.6, 0.4], 0],
  [[0, 1], 1],
  [[1, 0], 1],
  [[0.5, 0.5], 0],
  [[0.3, 0.7], 1],
  [[0.45, 0.55], null],
  [[0.9, 0.1], null],
];
const close = (value: number) => expect.closeTo(value, 12);

describe('computePerformance, binary', () => {
  it('matches sklearn on a window with labeled and unlabeled predictions', () => {
    const sums = classifierWindow(spec('log_loss', 1), 2, BINARY_ROWS);
    expect(sums.confusion).toEqual([1, 2, 2, 3]); // confusion_matrix(yB, ŷ, labels=[0, 1]).ravel(): TN FP FN TP
    expect(computePerformance('binary', sums, 1)).toEqual({
      count: 10,
      labeled: 8,
      meanLoss: close(4.858005586970744), // log_loss(yB, PB, eps=1e-15)
      accuracy: 0.5, // accuracy_score(yB, ŷ)
      precision: close(0.6), // precision_recall_fscore_support(yB, ŷ, pos_label=1, average='binary')[0]
      recall: close(0.6), // [...][1]
      f1: close(0.6), // [...][2]
      logLoss: close(4.858005586970744), // log_loss(yB, PB, eps=1e-15)
      estimated: {
        accuracy: close(0.76), // np.mean(np.vstack([PB, PU]).max(axis=1))
        logLoss: close(0.4463176972693403), // np.mean(-np.sum(P * np.log(np.clip(P, 1e-15, 1 - 1e-15)), axis=1)), P = [PB; PU]
        calibrationGap: close(0.26875000000000004), // np.mean(PB.max(axis=1)) - accuracy_score(yB, ŷ)
      },
    });
  });

  it('reports logLoss whatever the configured loss', () => {
    const performance = computePerformance('binary', classifierWindow(spec('brier', 1), 2, BINARY_ROWS), 1);
    expect(performance.meanLoss).toBeCloseTo(0.6431250000000001, 12); // 2 * brier_score_loss(yB, PB[:, 1])
    expect(performance.logLoss).toBeCloseTo(4.858005586970744, 12); // log_loss(yB, PB, eps=1e-15)
  });

  it('takes the positive class from positiveIndex', () => {
    // Positive class 0: ŷ0 = np.where(PB[:, 0] >= 0.5, 0, 1) — the [0.5, 0.5] row now goes to class 0.
    const sums = classifierWindow(spec('log_loss', 0), 2, BINARY_ROWS);
    expect(sums.confusion).toEqual([2, 1, 2, 3]); // confusion_matrix(yB, ŷ0, labels=[0, 1]).ravel()
    expect(computePerformance('binary', sums, 0)).toMatchObject({
      accuracy: 0.625, // accuracy_score(yB, ŷ0)
      precision: close(0.5), // precision_recall_fscore_support(yB, ŷ0, pos_label=0, average='binary')[0]
      recall: close(0.6666666666666666), // [...][1]
      f1: close(0.5714285714285715), // [...][2]
    });
  });

  it('gives null precision and f1 when nothing is predicted positive', () => {
    // P0 = [[0.9, 0.1], [0.7, 0.3], [0.6, 0.4]], y0 = [1, 0, 1]: ŷ = [0, 0, 0].
    // sklearn precision_recall_fscore_support(y0, ŷ, pos_label=1, average='binary', zero_division=0) = (0.0, 0.0, 0.0):
    // it fills the 0/0 with zero_division; METRICS reports null.
    const sums = classifierWindow(spec('log_loss', 1), 2, [[[0.9, 0.1], 1], [[0.7, 0.3], 0], [[0.6, 0.4], 1]]);
    expect(sums.confusion).toEqual([1, 0, 2, 0]); // confusion_matrix(y0, ŷ, labels=[0, 1]).ravel()
    expect(computePerformance('binary', sums, 1)).toEqual({
      count: 3,
      labeled: 3,
      meanLoss: close(1.1918502562689777), // log_loss(y0, P0, eps=1e-15)
      accuracy: close(0.3333333333333333), // accuracy_score(y0, ŷ)
      precision: null, // TP + FP = 0
      recall: 0, // TP / (TP + FN) = 0 / 2
      f1: null, // 2PR / (P + R) with P null
      logLoss: close(1.1918502562689777),
      estimated: {
        accuracy: close(0.7333333333333334), // np.mean(P0.max(axis=1))
        logLoss: close(0.5363196474851993), // np.mean(-np.sum(P0 * np.log(P0), axis=1))
        calibrationGap: close(0.4000000000000001), // np.mean(P0.max(axis=1)) - accuracy_score(y0, ŷ)
      },
    });
  });

  it('gives null f1 when precision and recall are both 0 (sklearn: 0.0)', () => {
    // [[0.2, 0.8]] true 0 (FP), [[0.7, 0.3]] true 1 (FN): confusion_matrix([0, 1], [1, 0]).ravel() = [0, 1, 1, 0];
    // precision_recall_fscore_support([0, 1], [1, 0], pos_label=1, average='binary') = (0.0, 0.0, 0.0).
    const sums = classifierWindow(spec('log_loss', 1), 2, [[[0.2, 0.8], 0], [[0.7, 0.3], 1]]);
    expect(computePerformance('binary', sums, 1)).toMatchObject({ accuracy: 0, precision: 0, recall: 0, f1: null });
  });

  it('gives nulls, not NaN, when nothing is labeled', () => {
    const sums = classifierWindow(spec('log_loss', 1), 2, [[[0.45, 0.55], null], [[0.9, 0.1], null]]);
    expect(computePerformance('binary', sums, 1)).toEqual({
      count: 2,
      labeled: 0,
      meanLoss: null,
      accuracy: null,
      precision: null,
      recall: null,
      f1: null,
      logLoss: null,
      estimated: {
        accuracy: close(0.7250000000000001), // np.mean([0.55, 0.9])
        logLoss: close(0.5066108935525183), // np.mean([0.6881388137135884, 0.3250829733914482])
        calibrationGap: null,
      },
    });
  });

  it('gives nulls for an empty window', () => {
    expect(computePerformance('binary', emptySums(2), 1)).toEqual({
      count: 0,
      labeled: 0,
      meanLoss: null,
      accuracy: null,
      precision: null,
      recall: null,
      f1: null,
      logLoss: null,
      estimated: { accuracy: null, logLoss: null, calibrationGap: null },
    });
  });

  it.each<[string, () => unknown, string]>([
    ['a 3×3 confusion matrix', () => computePerformance('binary', emptySums(3), 1), 'a binary classifier has 2 classes, got 3'],
    ['a positive index of −1', () => computePerformance('binary', emptySums(2), -1), 'positiveIndex must be 0 or 1, got -1'],
    ['regression sums', () => computePerformance('binary', emptySums(0), 1), "a classifier's confusion matrix has K×K cells (K ≥ 2), got 0"],
  ])('refuses %s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});

describe('computePerformance, multiclass', () => {
  // PM, yM with ŷ = np.argmax(PM, axis=1) = [0, 1, 2, 0, 2, 1, 0].
  const ROWS: [number[], number | null][] = [
    [[0.7, 0.2, 0.1], 0],
    [[0.1, 0.6, 0.3], 1],
    [[0.2, 0.2, 0.6], 1],
    [[0.4, 0.4, 0.2], 1],
    [[0, 0, 1], 2],
    [[0.25, 0.5, 0.25], 0],
    [[1, 0, 0], 2],
  ];

  it('matches sklearn on 3 classes', () => {
    const sums = classifierWindow(spec('brier', -1), 3, ROWS);
    expect(sums.confusion).toEqual([1, 1, 0, 1, 1, 1, 1, 0, 1]); // confusion_matrix(yM, ŷ, labels=[0, 1, 2]).ravel()
    expect(computePerformance('multiclass', sums, -1)).toEqual({
      count: 7,
      labeled: 7,
      meanLoss: close(0.6964285714285714), // np.mean(np.sum((PM - np.eye(3)[yM])**2, axis=1))
      accuracy: close(0.42857142857142855), // accuracy_score(yM, ŷ)
      f1: close(0.43333333333333335), // f1_score(yM, ŷ, average='macro')
      logLoss: close(5.616899995434793), // log_loss(yM, PM, eps=1e-15)
      estimated: {
        accuracy: close(0.6857142857142857), // np.mean(PM.max(axis=1))
        logLoss: close(0.677810822208488), // np.mean(-np.sum(PM * np.log(np.clip(PM, 1e-15, 1 - 1e-15)), axis=1))
        calibrationGap: close(0.2571428571428572), // np.mean(PM.max(axis=1)) - accuracy_score(yM, ŷ)
      },
    });
  });

  it('leaves a class that is neither true nor predicted out of the macro f1, as sklearn does', () => {
    // P4 = 4 classes, class 3 never true and never predicted; y4 = [0, 1, 2, 2, 1], ŷ = np.argmax(P4, axis=1) = [0, 1, 0, 2, 0].
    const sums = classifierWindow(spec('log_loss', -1), 4, [
      [[0.7, 0.1, 0.1, 0.1], 0],
      [[0.1, 0.6, 0.2, 0.1], 1],
      [[0.3, 0.3, 0.3, 0.1], 2],
      [[0.1, 0.1, 0.7, 0.1], 2],
      [[0.5, 0.2, 0.2, 0.1], 1],
    ]);
    const performance = computePerformance('multiclass', sums, -1);
    expect(performance.accuracy).toBeCloseTo(0.6, 12); // accuracy_score(y4, ŷ)
    expect(performance.f1).toBeCloseTo(0.611111111111111, 12); // f1_score(y4, ŷ, average='macro')
    // with labels=[0, 1, 2, 3] sklearn would average in a 0 for class 3: 0.45833333333333326
    expect(performance.logLoss).toBeCloseTo(0.8075172456806984, 12); // log_loss(y4, P4, eps=1e-15, labels=[0, 1, 2, 3])
  });

  it('counts a class that is predicted but never true as f1 0 (zero_division=0)', () => {
    // y = [0, 1, 1], ŷ = [0, 2, 1], 4 classes: f1_score(y, ŷ, average='macro', zero_division=0) = mean([1, 2/3, 0])
    const sums = emptySums(4);
    sums.labeled = 3;
    sums.confusion[0 * 4 + 0] = 1;
    sums.confusion[1 * 4 + 2] = 1;
    sums.confusion[1 * 4 + 1] = 1;
    expect(computePerformance('multiclass', sums, -1).f1).toBeCloseTo(0.5555555555555555, 12);
  });

  it('gives nulls when nothing is labeled', () => {
    const sums = classifierWindow(spec('log_loss', -1), 3, [[[0.7, 0.2, 0.1], null]]);
    expect(computePerformance('multiclass', sums, -1)).toEqual({
      count: 1,
      labeled: 0,
      meanLoss: null,
      accuracy: null,
      f1: null,
      logLoss: null,
      estimated: { accuracy: 0.7, logLoss: close(0.8018185525433372), calibrationGap: null }, // -np.sum(p * np.log(p)), p = [0.7, 0.2, 0.1]
    });
  });
});

describe('computePerformance, regression', () => {
  // y = [3, -0.5, 2, 7, 1], ŷ = [2.5, 0, 2, 8, -2], plus one unlabeled prediction.
  const ROWS: [number, number | null][] = [[2.5, 3], [0, -0.5], [2, 2], [8, 7], [-2, 1], [4, null]];

  it('matches sklearn', () => {
    expect(computePerformance('regression', regressorWindow(spec('huber', -1), ROWS), -1)).toEqual({
      count: 6,
      labeled: 5,
      meanLoss: close(0.65), // np.mean(huber(y - ŷ, 1.0)), numpy (sklearn has no Huber metric)
      mae: close(1), // mean_absolute_error(y, ŷ)
      mse: close(2.1), // mean_squared_error(y, ŷ)
      rmse: close(1.449137674618944), // mean_squared_error(y, ŷ, squared=False)
      estimated: {},
    });
  });

  it('gives nulls when nothing is labeled', () => {
    expect(computePerformance('regression', regressorWindow(spec('mse', -1), [[4, null]]), -1)).toEqual({
      count: 1,
      labeled: 0,
      meanLoss: null,
      mae: null,
      mse: null,
      rmse: null,
      estimated: {},
    });
  });
});
