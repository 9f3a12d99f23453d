import type { ClassificationGroup, RegressionGroup } from './group-metrics.js';

/** F of METRICS §4; a disparity that is undefined is null, and `nullReasons` says why. */
export interface ClassificationDisparities {
  demographicParityDifference: number | null;
  demographicParityRatio: number | null;
  disparateImpact: number | null;
  equalOpportunityDifference: number | null;
  equalizedOddsDifference: number | null;
  averageOddsDifference: number | null;
  lossRatio: number | null;
}

export interface RegressionDisparities {
  lossRatio: number | null;
}

export const CLASSIFICATION_DISPARITIES = [
  'demographicParityDifference',
  'demographicParityRatio',
  'disparateImpact',
  'equalOpportunityDifference',
  'equalizedOddsDifference',
  'averageOddsDifference',
  'lossRatio',
] as const satisfies readonly (keyof ClassificationDisparities)[];

export interface DisparityOptions {
  /** `fairness.minSamples`: groups with fewer labeled predictions are left out. */
  minSamples: number;
  /** `privileged[attribute]`, if configured. */
  privileged?: string;
}

export interface DisparityResult<F> {
  disparities: F;
  /** Disparity name → why it is null. */
  nullReasons: Partial<Record<keyof F, string>>;
  /** Group value → why it is left out of the disparities (it is still reported). */
  excluded: Record<string, string>;
}

type Outcome = { value: number } | { reason: string };

const WHAT_IS_MISSING: Record<string, string> = {
  selectionRate: 'no predictions with a decided class',
  tpr: 'no positive labels, so tpr is undefined',
  fpr: 'no negative labels, so fpr is undefined',
  meanLoss: 'no labeled predictions',
};

/** The groups with at least `minSamples` labeled predictions, in key order, and why the others are out. */
function partition<G extends { labeled: number }>(groups: Record<string, G>, minSamples: number): { included: Array<[string, G]>; excluded: Record<string, string> } {
  const included: Array<[string, G]> = [];
  const excluded: Record<string, string> = {};
  for (const [value, group] of Object.entries(groups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (group.labeled >= minSamples) included.push([value, group]);
    else excluded[value] = `${group.labeled} labeled prediction${group.labeled === 1 ? '' : 's'}, fewer than fairness.minSamples (${minSamples})`;
  }
  return { included, excluded };
}

/** The metric of every included group, or why one is missing. */
function valuesOf<G>(included: Array<[string, G]>, metric: keyof G & string): { values: Array<[string, number]> } | { reason: string } {
  if (included.length === 0) return { reason: 'no group has enough labeled predictions (fairness.minSamples)' };
  const values: Array<[string, number]> = [];
  for (const [value, group] of included) {
    const x = group[metric] as number | null;
    if (x === null) return { reason: `group "${value}" has ${WHAT_IS_MISSING[metric] ?? `no ${metric}`}` };
    values.push([value, x]);
  }
  return { values };
}

function extremes(values: Array<[string, number]>): { min: number; max: number } {
  const xs = values.map(([, x]) => x);
  return { min: Math.min(...xs), max: Math.max(...xs) };
}

/** max_g m − min_g m (Fairlearn `method="between_groups"` difference). */
function spread<G>(included: Array<[string, G]>, metric: keyof G & string): Outcome {
  const found = valuesOf(included, metric);
  if ('reason' in found) return found;
  const { min, max } = extremes(found.values);
  return { value: max - min };
}

/** numerator / denominator, or why not. */
function quotient(numerator: number, denominator: number, what: string): Outcome {
  return denominator === 0 ? { reason: `zero denominator: ${what} is 0` } : { value: numerator / denominator };
}

function collect<F>(outcomes: Record<keyof F & string, Outcome>, excluded: Record<string, string>): DisparityResult<F> {
  const disparities = {} as Record<string, number | null>;
  const nullReasons: Record<string, string> = {};
  for (const [name, outcome] of Object.entries(outcomes) as Array<[string, Outcome]>) {
    if ('value' in outcome) disparities[name] = outcome.value;
    else {
      disparities[name] = null;
      nullReasons[name] = outcome.reason;
    }
  }
  return { disparities: disparities as F, nullReasons: nullReasons as Partial<Record<keyof F, string>>, excluded };
}

/** lossRatio = max_g meanLoss / min_g meanLoss. */
function lossRatio<G extends { meanLoss: number | null }>(included: Array<[string, G]>): Outcome {
  const found = valuesOf(included, 'meanLoss' as keyof G & string);
  if ('reason' in found) return found;
  const { min, max } = extremes(found.values);
  return quotient(max, min, 'the smallest group meanLoss');
}

/**
 * The disparities of METRICS §4 between the groups with at least `minSamples` labeled predictions
 * (as Fairlearn's `method="between_groups"`; a single group gives differences 0 and ratios 1, as Fairlearn):
 * - demographicParityDifference = max_g selectionRate − min_g selectionRate (Fairlearn `demographic_parity_difference`);
 * - demographicParityRatio = min_g selectionRate / max_g selectionRate (`demographic_parity_ratio`);
 * - disparateImpact = min over unprivileged u of selectionRate_u / selectionRate_p (AIF360 `disparate_impact`
 *   with one unprivileged group at a time); without a privileged group, = demographicParityRatio;
 * - equalOpportunityDifference = max_g tpr − min_g tpr (`equal_opportunity_difference`);
 * - equalizedOddsDifference = max(max_g tpr − min_g tpr, max_g fpr − min_g fpr) (`equalized_odds_difference`, worst case);
 * - averageOddsDifference = ½[(fpr_u − fpr_p) + (tpr_u − tpr_p)] for the unprivileged u where it is largest in
 *   absolute value (AIF360 `average_odds_difference`, one unprivileged group at a time); null without a privileged group;
 * - lossRatio = max_g meanLoss / min_g meanLoss.
 * A disparity that needs an undefined group metric (tpr without positive labels, fpr without negative ones)
 * or divides by 0 is null, with the reason; Fairlearn would report 0 for the former and NaN for the latter.
 */
export function classificationDisparities(groups: Record<string, ClassificationGroup>, options: DisparityOptions): DisparityResult<ClassificationDisparities> {
  const { included, excluded } = partition(groups, options.minSamples);
  const rates = valuesOf(included, 'selectionRate');
  const parityRatio: Outcome = 'reason' in rates ? rates : quotient(extremes(rates.values).min, extremes(rates.values).max, 'the largest selectionRate');
  const opportunity = spread(included, 'tpr');
  const falsePositives = spread(included, 'fpr');
  const odds: Outcome = 'reason' in opportunity ? opportunity : 'reason' in falsePositives ? falsePositives : { value: Math.max(opportunity.value, falsePositives.value) };
  const privileged =
    options.privileged === undefined
      ? { disparateImpact: parityRatio, averageOdds: { reason: 'no privileged group is configured for this attribute (config "privileged")' } }
      : versusPrivileged(groups, included, options.privileged, excluded);
  return collect<ClassificationDisparities>(
    {
      demographicParityDifference: spread(included, 'selectionRate'),
      demographicParityRatio: parityRatio,
      disparateImpact: privileged.disparateImpact,
      equalOpportunityDifference: opportunity,
      equalizedOddsDifference: odds,
      averageOddsDifference: privileged.averageOdds,
      lossRatio: lossRatio(included),
    },
    excluded,
  );
}

/** disparateImpact and averageOddsDifference against the privileged group `privileged`. */
function versusPrivileged(
  groups: Record<string, ClassificationGroup>,
  included: Array<[string, ClassificationGroup]>,
  privileged: string,
  excluded: Record<string, string>,
): { disparateImpact: Outcome; averageOdds: Outcome } {
  const fail = (reason: string) => ({ disparateImpact: { reason }, averageOdds: { reason } });
  if (!(privileged in groups)) return fail(`the privileged group "${privileged}" has no predictions in the window`);
  if (privileged in excluded) return fail(`the privileged group "${privileged}" is left out: ${excluded[privileged]}`);
  const p = groups[privileged];
  const unprivileged = included.filter(([value]) => value !== privileged);
  if (unprivileged.length === 0) return fail('no unprivileged group has enough labeled predictions (fairness.minSamples)');

  let disparateImpact: Outcome;
  const rates = valuesOf([[privileged, p], ...unprivileged], 'selectionRate');
  if ('reason' in rates) disparateImpact = rates;
  else if (p.selectionRate === 0) disparateImpact = { reason: `zero denominator: the selectionRate of the privileged group "${privileged}" is 0` };
  else disparateImpact = { value: Math.min(...rates.values.slice(1).map(([, rate]) => rate / p.selectionRate!)) };

  let averageOdds: Outcome;
  const tprs = valuesOf([[privileged, p], ...unprivileged], 'tpr');
  const fprs = valuesOf([[privileged, p], ...unprivileged], 'fpr');
  if ('reason' in tprs) averageOdds = tprs;
  else if ('reason' in fprs) averageOdds = fprs;
  else {
    let best = 0;
    let bestAbs = -1;
    for (const [, u] of unprivileged) {
      const value = 0.5 * (u.fpr! - p.fpr! + (u.tpr! - p.tpr!));
      if (Math.abs(value) > bestAbs) [best, bestAbs] = [value, Math.abs(value)];
    }
    averageOdds = { value: best };
  }
  return { disparateImpact, averageOdds };
}

/** A regressor's disparity: lossRatio = max_g meanLoss / min_g meanLoss over the groups with enough labeled predictions. */
export function regressionDisparities(groups: Record<string, RegressionGroup>, options: Pick<DisparityOptions, 'minSamples'>): DisparityResult<RegressionDisparities> {
  const { included, excluded } = partition(groups, options.minSamples);
  return collect<RegressionDisparities>({ lossRatio: lossRatio(included) }, excluded);
}
