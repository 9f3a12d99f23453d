import { mergeToDeciles } from './bins.js';
import { chi2Contingency } from './chi2.js';
import { assertCounts, assertSameLength, sum, type BinCounts } from './counts.js';
import { jsDistance } from './js-distance.js';
import { ksPValue, ksStatistic } from './ks.js';
import { psi } from './psi.js';
import { wasserstein, wassersteinNorm } from './wasserstein.js';

export type DriftMethod = 'auto' | 'psi' | 'ks' | 'wasserstein' | 'js' | 'chi2';
/** The method that decided: `auto` resolved to a test. */
export type DriftTest = Exclude<DriftMethod, 'auto'>;
export type FeatureKind = 'numeric' | 'categorical';

/** The model's `drift` config (DESIGN §4). */
export interface DriftConfig {
  method: DriftMethod;
  threshold: number | null;
  minSamples: number;
}

/** METRICS §3: the quantity each test compares, its default threshold and which side is drift. */
export const DRIFT_TESTS: Record<DriftTest, { threshold: number; driftWhen: 'below' | 'atOrAbove'; kinds: readonly FeatureKind[] }> = {
  psi: { threshold: 0.2, driftWhen: 'atOrAbove', kinds: ['numeric', 'categorical'] },
  ks: { threshold: 0.05, driftWhen: 'below', kinds: ['numeric'] },
  wasserstein: { threshold: 0.1, driftWhen: 'atOrAbove', kinds: ['numeric'] },
  js: { threshold: 0.1, driftWhen: 'atOrAbove', kinds: ['numeric', 'categorical'] },
  chi2: { threshold: 0.05, driftWhen: 'below', kinds: ['categorical'] },
};

/** METRICS §3 `auto`: up to this many reference values, a hypothesis test; above, a distance. */
export const AUTO_SMALL_REFERENCE = 1000;

export interface NumericDriftInput {
  kind: 'numeric';
  /** The reference profile's distinct 1st..99th percentiles (`numericBins`). */
  edges: readonly number[];
  /** Its distinct deciles, each one of `edges` (`numericBins`). */
  deciles: readonly number[];
  /** Reference counts over the edges' bins: the whole reference, or the segment's rows of it. */
  reference: BinCounts;
  current: BinCounts;
  /** Population std (ddof 0) of the same reference values; null when it has none. */
  referenceStd: number | null;
}

export interface CategoricalDriftInput {
  kind: 'categorical';
  /** Counts per reference category, then `__other__` (`countCategorical`). */
  reference: BinCounts;
  current: BinCounts;
}

interface DriftCommon {
  /** Non-missing reference values compared against. */
  nReference: number;
  /** Non-missing current values. */
  nCurrent: number;
  /** Missing current values (null, undefined, NaN, ±Infinity), not part of nCurrent. */
  nMissing: number;
  method: DriftTest;
  /** The value of the quantity compared with `threshold`: a p-value for ks and chi2, else the distance. */
  statistic: number | null;
  threshold: number;
  /** null when the window has fewer than minSamples values or the deciding statistic is null. */
  drift: boolean | null;
  psi: number | null;
  jsDistance: number | null;
}

export interface NumericDrift extends DriftCommon {
  kind: 'numeric';
  ks: number | null;
  ksPValue: number | null;
  wasserstein: number | null;
  wassersteinNorm: number | null;
}

export interface CategoricalDrift extends DriftCommon {
  kind: 'categorical';
  chi2: number | null;
  chi2PValue: number | null;
}

export type FeatureDrift = NumericDrift | CategoricalDrift;

/**
 * The test that decides (METRICS §3). `auto` (after Evidently): nReference ≤ 1000 → `ks` (numeric) or
 * `chi2` (categorical); > 1000 → `wasserstein` (numeric) or `js` (categorical). A forced method that
 * does not apply to the kind (`ks`/`wasserstein` on a categorical feature, `chi2` on a numeric one) falls
 * back to `auto` for that feature, so one model-wide method can serve mixed features.
 */
export function resolveDriftTest(kind: FeatureKind, nReference: number, method: DriftMethod): DriftTest {
  if (method !== 'auto' && DRIFT_TESTS[method].kinds.includes(kind)) return method;
  const small = nReference <= AUTO_SMALL_REFERENCE;
  if (kind === 'numeric') return small ? 'ks' : 'wasserstein';
  return small ? 'chi2' : 'js';
}

/**
 * The threshold in force: `config.threshold` when the configured method was forced and applies to the
 * kind, else the test's default. Under `auto` (or a fall-back from it) one number cannot stand for both
 * a p-value and a distance, so `threshold` is ignored there.
 */
export function driftThreshold(test: DriftTest, kind: FeatureKind, config: DriftConfig): number {
  const forced = config.method !== 'auto' && config.method === test && DRIFT_TESTS[test].kinds.includes(kind);
  return forced && config.threshold !== null ? config.threshold : DRIFT_TESTS[test].threshold;
}

/** drift = statistic < threshold (p-values) or statistic ≥ threshold (distances); null without a statistic. */
export function isDrift(test: DriftTest, statistic: number | null, threshold: number): boolean | null {
  if (statistic === null) return null;
  return DRIFT_TESTS[test].driftWhen === 'below' ? statistic < threshold : statistic >= threshold;
}

function assertConfig(config: DriftConfig): void {
  if (!(config.method in DRIFT_TESTS) && config.method !== 'auto') throw new Error(`unknown drift method ${String(config.method)}`);
  if (!Number.isInteger(config.minSamples) || config.minSamples < 1) throw new Error(`drift minSamples must be a positive integer, got ${String(config.minSamples)}`);
  if (config.threshold !== null && !Number.isFinite(config.threshold)) throw new Error(`drift threshold must be a finite number or null, got ${String(config.threshold)}`);
}

function assertBinCounts(counts: BinCounts, what: string): void {
  assertCounts(counts.counts, what);
  if (!Number.isInteger(counts.missing) || counts.missing < 0) throw new Error(`${what} missing must be a non-negative integer, got ${String(counts.missing)}`);
}

/**
 * One feature's drift D (DESIGN §5.5, METRICS §3) from the reference and current counts. Numeric:
 * `psi` and `jsDistance` over the bins merged to deciles, `ks`, `ksPValue` and `wasserstein` over all the
 * bins, `wassersteinNorm` = wasserstein / referenceStd. Categorical: `psi`, `jsDistance` and χ² over the
 * categories with `__other__`. nReference and nCurrent count the non-missing values (the sums of the
 * counts). `statistic` is the quantity the resolved test compares with `threshold` (ksPValue, chi2PValue,
 * wassersteinNorm, jsDistance or psi). Every statistic is null when either side has no values (an empty or
 * all-missing window, an all-missing reference); `drift` is null then, when the window has fewer than
 * `minSamples` values (the statistics are still reported), or when the deciding statistic is null (e.g.
 * wassersteinNorm of a single-valued reference, σ = 0). Never NaN.
 */
export function computeDrift(input: NumericDriftInput | CategoricalDriftInput, config: DriftConfig): FeatureDrift {
  assertConfig(config);
  assertBinCounts(input.reference, 'reference');
  assertBinCounts(input.current, 'current');
  assertSameLength(input.reference.counts, input.current.counts);
  const nReference = sum(input.reference.counts);
  const nCurrent = sum(input.current.counts);
  const method = resolveDriftTest(input.kind, nReference, config.method);
  const threshold = driftThreshold(method, input.kind, config);
  const head = { nReference, nCurrent, nMissing: input.current.missing, method };
  const decide = (statistics: Record<DriftTest, number | null>) => {
    const statistic = statistics[method];
    return { statistic, threshold, drift: nCurrent < config.minSamples ? null : isDrift(method, statistic, threshold) };
  };

  if (input.kind === 'numeric') {
    const { edges, deciles, reference, current } = input;
    const referenceDeciles = mergeToDeciles(edges, deciles, reference.counts);
    const currentDeciles = mergeToDeciles(edges, deciles, current.counts);
    const ks = ksStatistic(reference.counts, current.counts);
    const distance = wasserstein(edges, reference.counts, current.counts);
    const result = {
      psi: psi(referenceDeciles, currentDeciles),
      ks,
      ksPValue: ksPValue(ks, nReference, nCurrent),
      wasserstein: distance,
      wassersteinNorm: wassersteinNorm(distance, input.referenceStd),
      jsDistance: jsDistance(referenceDeciles, currentDeciles),
    };
    const decision = decide({ psi: result.psi, ks: result.ksPValue, wasserstein: result.wassersteinNorm, js: result.jsDistance, chi2: null });
    return { kind: 'numeric', ...head, ...decision, ...result };
  }

  const test = chi2Contingency(input.reference.counts, input.current.counts);
  const result = {
    psi: psi(input.reference.counts, input.current.counts),
    jsDistance: jsDistance(input.reference.counts, input.current.counts),
    chi2: test?.chi2 ?? null,
    chi2PValue: test?.pValue ?? null,
  };
  const decision = decide({ psi: result.psi, ks: null, wasserstein: null, js: result.jsDistance, chi2: result.chi2PValue });
  return { kind: 'categorical', ...head, ...decision, ...result };
}
