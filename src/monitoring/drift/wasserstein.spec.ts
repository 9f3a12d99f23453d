import { describe, expect, it } from 'vitest';
import { countNumeric, numericBins } from './bins.js';
import { populationStd, wasserstein, wassersteinNorm } from './wasserstein.js';

// numpy, METRICS §3: FR = numpy.cumsum(R)[:-1] / R.sum(); FC = numpy.cumsum(C)[:-1] / C.sum();
// numpy.sum(numpy.abs(FR[1:] - FC[1:]) * numpy.diff(edges))
describe('wasserstein', () => {
  const EDGES = [0, 1, 2, 3, 4];
  const REFERENCE = [100, 200, 300, 250, 100, 50];
  it.each<[string, number[], number[], number[], number]>([
    ['a slight shift', EDGES, REFERENCE, [90, 210, 280, 260, 120, 40], 0.040000000000000036],
    ['the same distribution', EDGES, REFERENCE, [100, 200, 300, 250, 100, 50], 0],
    ['everything in the open top bin: the part beyond the last edge is not seen', EDGES, REFERENCE, [0, 0, 0, 0, 0, 10], 2.7],
    ['uneven edges, everything in the open bottom bin', [-1.5, 0, 2.25], [1, 1, 1, 1], [4, 0, 0, 0], 1.3125],
    ['a single edge (single-valued reference): no width to integrate', [2.5], [0, 10], [3, 7], 0],
  ])('%s → %d', (_name, edges, reference, current, expected) => {
    expect(wasserstein(edges, reference, current)).toBeCloseTo(expected, 14);
  });

  it('is null for an empty window', () => {
    expect(wasserstein(EDGES, REFERENCE, [0, 0, 0, 0, 0, 0])).toBeNull();
  });

  it('refuses counts that do not fit the edges', () => {
    expect(() => wasserstein(EDGES, [1, 2], [1, 2])).toThrowError('5 edges need 6 counts, got 2');
  });

  // A fine 99-edge binning against the exact distance, on near-continuous samples:
  // ref(i) = ((i*7919) % 10007 + (i*104729) % 10009 + (i*1299709) % 10037) / 1000,
  // cur(i) = ((i*7907) % 10009 + (i*3571) % 10037 + (i*6761) % 10039) / 1000 + shift.
  // Columns: binned (numpy expression above), scipy.stats.wasserstein_distance(ref, cur), numpy.std(ref).
  // Observed: the binned value is below SciPy's by 2–10 % (0.3–2.2 % of σ): the mass beyond the 1st and
  // 99th percentiles is not integrated and each bin is read at its right end. Asserted: within 0.025 σ.
  it.each<[number, number, number, number, number, number]>([
    [1000, 300, 0.3, 0.2363551333333336, 0.25661566666666724, 5.0613791851943875],
    [2000, 500, 1.5, 1.3331091400000001, 1.3604475000000003, 5.021559501534135],
    [2000, 500, 0, 0.14395277999999992, 0.15989149999999985, 5.021559501534135],
    [5000, 5000, 3, 2.893458526, 3.0029956, 5.006954699148072],
  ])('n = %i, m = %i, shift %d: binned %d, SciPy %d, σ %d', (n, m, shift, binned, exact, std) => {
    const reference = Array.from({ length: n }, (_, i) => (((i * 7919) % 10007) + ((i * 104729) % 10009) + ((i * 1299709) % 10037)) / 1000);
    const current = Array.from({ length: m }, (_, i) => (((i * 7907) % 10009) + ((i * 3571) % 10037) + ((i * 6761) % 10039)) / 1000 + shift);
    const { edges } = numericBins(reference);
    const distance = wasserstein(edges, countNumeric(edges, reference).counts, countNumeric(edges, current).counts) as number;
    expect(distance).toBeCloseTo(binned, 12);
    expect(populationStd(reference)).toBeCloseTo(std, 12);
    expect(distance).toBeLessThanOrEqual(exact);
    expect(exact - distance).toBeLessThanOrEqual(0.025 * std);
  });
});

describe('wassersteinNorm', () => {
  it.each<[number | null, number | null, number | null]>([
    [0.6384160000000002, 5.317128901014155, 0.12006780574347799], // w / numpy.std(ref): the n = 1000 sample of decision.spec
    [0, 5, 0],
    [0, 0, null], // single-valued reference: 0/0
    [null, 5, null], // empty window
    [0.5, null, null], // reference without values
  ])('%d / σ %d → %d', (distance, std, expected) => {
    const norm = wassersteinNorm(distance, std);
    if (expected === null) expect(norm).toBeNull();
    else expect(norm).toBeCloseTo(expected, 15);
  });

  it('refuses a negative σ', () => {
    expect(() => wassersteinNorm(0.1, -1)).toThrowError('reference std must be a finite number ≥ 0, got -1');
  });
});

describe('populationStd', () => {
  it.each<[(number | null | undefined)[], number | null]>([
    [[3.1, 2.4, 8.8, -1.25, 0.5, 0.5, 7.75], 3.5263005995472576], // numpy.std(x)
    [[1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3], 0.08164962889273894], // numpy.std(x): a large mean does not swamp the spread
    [[4.2, null, Number.NaN], 0], // numpy.std([4.2])
    [[null, undefined], null],
  ])('%j → %d', (values, expected) => {
    const std = populationStd(values);
    if (expected === null) expect(std).toBeNull();
    else expect(std).toBeCloseTo(expected, 14);
  });
});
