import { describe, expect, it } from 'vitest';
import { categoricalProfile, countCategorical, countNumeric, numericBins, type NumericValue } from './bins.js';
import { computeDrift, resolveDriftTest, type DriftConfig, type DriftMethod, type DriftTest, type NumericDriftInput } from './decision.js';
import { populationStd } from './wasserstein.js';

const AUTO: DriftConfig = { method: 'auto', threshold: null, minSamples: 100 };
const close = (value: number) => expect.closeTo(value, 13);

// Generated samples, the same expressions in Python:
// ref(i) = ((i*37) % 101 + (i*53) % 103 + (i*71) % 107) / 10, cur(i) = ((i*29) % 97 + (i*61) % 109 + (i*43) % 113) / 10 + shift
// (multiples of 0.1, so many values sit exactly on an edge).
const reference = (n: number) => Array.from({ length: n }, (_, i) => (((i * 37) % 101) + ((i * 53) % 103) + ((i * 71) % 107)) / 10);
const current = (m: number, shift: number) => Array.from({ length: m }, (_, i) => (((i * 29) % 97) + ((i * 61) % 109) + ((i * 43) % 113)) / 10 + shift);

function numericInput(referenceValues: readonly NumericValue[], currentValues: readonly NumericValue[]): NumericDriftInput {
  const { edges, deciles } = numericBins(referenceValues);
  return {
    kind: 'numeric',
    edges,
    deciles,
    reference: countNumeric(edges, referenceValues),
    current: countNumeric(edges, currentValues),
    referenceStd: populationStd(referenceValues),
  };
}

// Expected values in Python, with P = numpy.arange(1, 100) / 100:
// p = numpy.quantile(ref, P); e = numpy.unique(p); d = numpy.unique(p[9:90:10]);
// R, C = (numpy.bincount(numpy.searchsorted(e, s, side="right"), minlength=len(e) + 1) for s in (ref, cur));
// Rd, Cd = the same on d; FR, FC = numpy.cumsum(R)[:-1] / n, numpy.cumsum(C)[:-1] / m;
// psi = METRICS numpy psi(Rd, Cd) (see psi.spec); ks = numpy.max(numpy.abs(FR - FC));
// ksPValue = scipy.stats.kstwobign.sf(numpy.sqrt(n * m / (n + m)) * ks); wasserstein = numpy.sum(numpy.abs(FR[1:] - FC[1:]) * numpy.diff(e));
// wassersteinNorm = wasserstein / numpy.std(ref); jsDistance = scipy.spatial.distance.jensenshannon(Rd, Cd).
describe('computeDrift, numeric', () => {
  it('nReference = 1000: auto is the KS test, which sees no drift', () => {
    expect(computeDrift(numericInput(reference(1000), current(300, 0.3)), AUTO)).toEqual({
      kind: 'numeric',
      nReference: 1000,
      nCurrent: 300,
      nMissing: 0,
      method: 'ks',
      statistic: close(0.19085576364175127),
      threshold: 0.05,
      drift: false,
      psi: close(0.08354122306952073),
      ks: close(0.0713333333333333),
      ksPValue: close(0.19085576364175127),
      wasserstein: close(0.6384160000000002),
      wassersteinNorm: close(0.12006780574347799),
      jsDistance: close(0.10169951110455949),
    });
  });

  it('nReference = 1001: auto is the normed Wasserstein distance, which sees drift', () => {
    expect(computeDrift(numericInput(reference(1001), current(300, 0.3)), AUTO)).toEqual({
      kind: 'numeric',
      nReference: 1001,
      nCurrent: 300,
      nMissing: 0,
      method: 'wasserstein',
      statistic: close(0.12144949487015516),
      threshold: 0.1,
      drift: true,
      psi: close(0.08324914537971478),
      ks: close(0.07096570096570093),
      ksPValue: close(0.1954027459875143),
      wasserstein: close(0.6454412254412254),
      wassersteinNorm: close(0.12144949487015516),
      jsDistance: close(0.10152102841075533),
    });
  });

  it('counts missing current values apart', () => {
    const drift = computeDrift(numericInput(reference(1000), [...current(300, 0.3), null, Number.NaN]), AUTO);
    expect(drift).toMatchObject({ nCurrent: 300, nMissing: 2, statistic: close(0.19085576364175127) });
  });

  // ref(2000), cur(500, 1.5): psi 0.14327217259709868, ksPValue 1.4013594925074058e-07,
  // wassersteinNorm 0.35452088356219463, jsDistance 0.1325069001130262 (expressions above).
  it.each<[DriftMethod, number | null, DriftTest, number, number, boolean]>([
    ['psi', null, 'psi', 0.14327217259709868, 0.2, false],
    ['psi', 0.1, 'psi', 0.14327217259709868, 0.1, true],
    ['ks', null, 'ks', 1.4013594925074058e-7, 0.05, true],
    ['ks', 1e-8, 'ks', 1.4013594925074058e-7, 1e-8, false], // p < threshold is drift
    ['wasserstein', null, 'wasserstein', 0.35452088356219463, 0.1, true],
    ['wasserstein', 0.5, 'wasserstein', 0.35452088356219463, 0.5, false],
    ['js', null, 'js', 0.1325069001130262, 0.1, true],
    ['js', 0.15, 'js', 0.1325069001130262, 0.15, false],
    ['chi2', 0.01, 'wasserstein', 0.35452088356219463, 0.1, true], // χ² does not apply: auto, default threshold
    ['auto', 0.9, 'wasserstein', 0.35452088356219463, 0.1, true], // threshold ignored under auto
  ])('method %s, threshold %s → %s: statistic %d vs %d, drift %s', (method, threshold, test, statistic, used, drift) => {
    const result = computeDrift(numericInput(reference(2000), current(500, 1.5)), { method, threshold, minSamples: 100 });
    expect(result).toMatchObject({ method: test, statistic: expect.closeTo(statistic, 15), threshold: used, drift });
  });

  it('a threshold equal to the distance is drift (≥)', () => {
    const input: NumericDriftInput = { kind: 'numeric', edges: [0, 1], deciles: [1], reference: { counts: [0, 10, 0], missing: 0 }, current: { counts: [0, 5, 5], missing: 0 }, referenceStd: 0.5 };
    // wasserstein = |1 − 0.5| · 1 = 0.5, norm = 1; js over deciles [10, 0] vs [5, 5]
    expect(computeDrift(input, { method: 'wasserstein', threshold: 1, minSamples: 1 })).toMatchObject({ statistic: 1, drift: true });
  });

  // Literal bins: edges [0, 1, 2, 3, 4], deciles [1, 3], R = [100, 200, 300, 250, 100, 50] (n = 1000), σ = 1.5;
  // merged deciles Rd = [300, 550, 150]. Expressions as above with wassersteinNorm = w / 1.5.
  describe('minSamples', () => {
    const at = (counts: number[]): NumericDriftInput => ({
      kind: 'numeric',
      edges: [0, 1, 2, 3, 4],
      deciles: [1, 3],
      reference: { counts: [100, 200, 300, 250, 100, 50], missing: 3 },
      current: { counts, missing: 1 },
      referenceStd: 1.5,
    });
    const config: DriftConfig = { method: 'wasserstein', threshold: 0.02, minSamples: 100 };

    it('99 current values: the statistics are reported, drift is null', () => {
      expect(computeDrift(at([9, 21, 28, 26, 12, 3]), config)).toEqual({
        kind: 'numeric',
        nReference: 1000,
        nCurrent: 99,
        nMissing: 1,
        method: 'wasserstein',
        statistic: close(0.025589225589225606),
        threshold: 0.02,
        drift: null,
        psi: close(8.340517576453188e-5),
        ks: close(0.01969696969696977),
        ksPValue: close(0.9999999999999938),
        wasserstein: close(0.03838383838383841),
        wassersteinNorm: close(0.025589225589225606),
        jsDistance: close(0.003228871227908871),
      });
    });

    it('100 current values: decided', () => {
      expect(computeDrift(at([9, 21, 28, 26, 12, 4]), config)).toMatchObject({
        nCurrent: 100,
        statistic: close(0.02666666666666669),
        drift: true,
        psi: close(0.0008288765980576778),
        ks: close(0.020000000000000018),
        ksPValue: close(0.9999999999999758),
        jsDistance: close(0.01017817542649629),
      });
    });
  });

  it('a single-valued feature: one edge, no width, σ = 0 → wassersteinNorm and auto’s drift are null, KS still works', () => {
    const referenceValues = new Array<number>(1200).fill(2.5);
    const currentValues = [...new Array<number>(50).fill(1), ...new Array<number>(100).fill(2.5), ...new Array<number>(50).fill(3)];
    const input = numericInput(referenceValues, currentValues);
    expect(input.edges).toEqual([2.5]);
    expect(input.current.counts).toEqual([50, 150]); // 2.5 sits on the edge: to its right
    // R = [0, 1200], C = [50, 150]; ks = 0.25, ksPValue = scipy.stats.kstwobign.sf(numpy.sqrt(1200 * 200 / 1400) * 0.25)
    expect(computeDrift(input, AUTO)).toEqual({
      kind: 'numeric',
      nReference: 1200,
      nCurrent: 200,
      nMissing: 0,
      method: 'wasserstein',
      statistic: null,
      threshold: 0.1,
      drift: null,
      psi: close(2.0271496162259326),
      ks: 0.25,
      ksPValue: close(9.879152037662434e-10),
      wasserstein: 0,
      wassersteinNorm: null,
      jsDistance: close(0.30919668327301403),
    });
    expect(computeDrift(input, { ...AUTO, method: 'ks' })).toMatchObject({ method: 'ks', statistic: close(9.879152037662434e-10), drift: true });
  });

  it.each<[string, NumericDriftInput]>([
    ['an all-missing window', numericInput(reference(500), [null, Number.NaN, undefined])],
    ['an empty window', numericInput(reference(500), [])],
    ['an all-missing reference (no edges)', numericInput([null, null], [1, 2, 3])],
  ])('%s: every statistic and drift null, never NaN', (_name, input) => {
    const drift = computeDrift(input, { ...AUTO, minSamples: 1 });
    expect(drift).toMatchObject({ statistic: null, drift: null, psi: null, ks: null, ksPValue: null, wasserstein: null, wassersteinNorm: null, jsDistance: null });
    expect(JSON.stringify(drift)).not.toContain('NaN');
  });

  it('reports the missing values of an all-missing window', () => {
    expect(computeDrift(numericInput(reference(500), [null, Number.NaN]), AUTO)).toMatchObject({ nReference: 500, nCurrent: 0, nMissing: 2, method: 'ks' });
  });
});

// Categories: ref(i) = "abcde"[((i*37) % 101) // 25]; cur(i) = "z" if (i*13) % 17 == 0 else "abcde"[((i*29) % 97) // 24].
// prof = [k for k, _ in sorted(Counter(ref).items(), key=lambda kv: (-kv[1], kv[0]))]; R, C = counts per prof + [others];
// T = numpy.array([R, C]); chi2, p, dof = scipy.stats.chi2_contingency(T[:, T.sum(0) > 0], correction=False)[:3];
// psi = METRICS numpy psi(R, C); jsDistance = scipy.spatial.distance.jensenshannon(R, C).
describe('computeDrift, categorical', () => {
  const LETTERS = 'abcde';
  const referenceCategories = (n: number) => Array.from({ length: n }, (_, i) => LETTERS[Math.floor(((i * 37) % 101) / 25)]);
  const currentCategories = Array.from({ length: 400 }, (_, i) => ((i * 13) % 17 === 0 ? 'z' : LETTERS[Math.floor(((i * 29) % 97) / 24)]));
  const categoricalInput = (referenceValues: string[], currentValues: (string | null)[]) => {
    const categories = categoricalProfile(referenceValues);
    return { categories, input: { kind: 'categorical' as const, reference: countCategorical(categories, referenceValues), current: countCategorical(categories, currentValues) } };
  };

  it('nReference = 1000: auto is χ², and the unknown "z" lands in __other__', () => {
    const { categories, input } = categoricalInput(referenceCategories(1000), [...currentCategories, null]);
    expect(categories).toEqual(['a', 'd', 'b', 'c', 'e']); // a and d tie at 248: by value
    expect(input.reference.counts).toEqual([248, 248, 247, 247, 10, 0]);
    expect(input.current.counts).toEqual([93, 93, 93, 93, 4, 24]);
    expect(computeDrift(input, AUTO)).toEqual({
      kind: 'categorical',
      nReference: 1000,
      nCurrent: 400,
      nMissing: 1,
      method: 'chi2',
      statistic: close(7.344195476240509e-12),
      threshold: 0.05,
      drift: true,
      psi: close(0.38693122573912825),
      jsDistance: close(0.145820886737227),
      chi2: expect.closeTo(61.0583422459893, 11), // dof 5
      chi2PValue: close(7.344195476240509e-12),
    });
  });

  it('nReference = 1001: auto is the Jensen–Shannon distance', () => {
    const { input } = categoricalInput(referenceCategories(1001), currentCategories);
    expect(computeDrift(input, AUTO)).toMatchObject({
      nReference: 1001,
      method: 'js',
      statistic: close(0.14582099743179644),
      threshold: 0.1,
      drift: true,
      psi: close(0.3869314833820722),
      chi2: expect.closeTo(61.11870946786215, 11),
      chi2PValue: close(7.136063165905264e-12),
    });
  });

  it.each<[DriftMethod, number | null, DriftTest, number, number, boolean]>([
    ['chi2', 1e-12, 'chi2', 7.344195476240509e-12, 1e-12, false],
    ['psi', null, 'psi', 0.38693122573912825, 0.2, true],
    ['psi', 0.5, 'psi', 0.38693122573912825, 0.5, false],
    ['js', 0.2, 'js', 0.145820886737227, 0.2, false],
    ['ks', 0.5, 'chi2', 7.344195476240509e-12, 0.05, true], // KS does not apply: auto, default threshold
    ['wasserstein', null, 'chi2', 7.344195476240509e-12, 0.05, true],
  ])('method %s, threshold %s → %s: statistic %d vs %d, drift %s', (method, threshold, test, statistic, used, drift) => {
    const { input } = categoricalInput(referenceCategories(1000), currentCategories);
    expect(computeDrift(input, { method, threshold, minSamples: 100 })).toMatchObject({ method: test, statistic: close(statistic), threshold: used, drift });
  });

  it('a window of one category the reference also has: χ² 0, p 1, no drift', () => {
    // scipy.stats.chi2_contingency([[30], [120]], correction=False) → (0.0, 1.0, 0, …)
    const input = { kind: 'categorical' as const, reference: { counts: [30, 0], missing: 0 }, current: { counts: [120, 0], missing: 0 } };
    expect(computeDrift(input, AUTO)).toMatchObject({ chi2: 0, chi2PValue: 1, statistic: 1, drift: false, psi: 0, jsDistance: 0 });
  });

  it('an all-missing window: statistics and drift null', () => {
    const { input } = categoricalInput(referenceCategories(1000), [null, null, null]);
    expect(computeDrift(input, AUTO)).toEqual({
      kind: 'categorical',
      nReference: 1000,
      nCurrent: 0,
      nMissing: 3,
      method: 'chi2',
      statistic: null,
      threshold: 0.05,
      drift: null,
      psi: null,
      jsDistance: null,
      chi2: null,
      chi2PValue: null,
    });
  });
});

describe('resolveDriftTest', () => {
  it.each<[DriftMethod, 'numeric' | 'categorical', number, DriftTest]>([
    ['auto', 'numeric', 0, 'ks'],
    ['auto', 'numeric', 1000, 'ks'],
    ['auto', 'numeric', 1001, 'wasserstein'],
    ['auto', 'categorical', 1000, 'chi2'],
    ['auto', 'categorical', 1001, 'js'],
    ['psi', 'categorical', 5, 'psi'],
    ['js', 'numeric', 5, 'js'],
    ['ks', 'categorical', 5000, 'js'],
    ['chi2', 'numeric', 5, 'ks'],
  ])('%s for a %s feature, nReference %i → %s', (method, kind, nReference, expected) => {
    expect(resolveDriftTest(kind, nReference, method)).toBe(expected);
  });
});

describe('computeDrift refuses', () => {
  const input: NumericDriftInput = { kind: 'numeric', edges: [1], deciles: [1], reference: { counts: [1, 1], missing: 0 }, current: { counts: [1, 1], missing: 0 }, referenceStd: 0.5 };
  it.each<[string, () => unknown, string]>([
    ['minSamples 0', () => computeDrift(input, { ...AUTO, minSamples: 0 }), 'drift minSamples must be a positive integer, got 0'],
    ['a NaN threshold', () => computeDrift(input, { ...AUTO, threshold: Number.NaN }), 'drift threshold must be a finite number or null, got NaN'],
    ['counts of different lengths', () => computeDrift({ ...input, current: { counts: [1], missing: 0 } }, AUTO), 'reference has 2 bins but current has 1'],
    ['a negative missing count', () => computeDrift({ ...input, current: { counts: [1, 1], missing: -1 } }, AUTO), 'current missing must be a non-negative integer, got -1'],
    ['deciles that are not edges', () => computeDrift({ ...input, deciles: [2] }, AUTO), 'decile 2 is not one of the edges after position 0'],
  ])('%s', (_name, run, message) => {
    expect(run).toThrowError(message);
  });
});
