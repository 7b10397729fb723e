import { quantileInPlace, quantileSorted } from './quantile.ts';

/**
 * Value tiers of seed 004 (低、中、高、银、金、白金) by value percentiles, and the 80/20 report.
 */
export const TIERS = ['low', 'mid', 'high', 'silver', 'gold', 'platinum'] as const;
export type Tier = (typeof TIERS)[number];
export const TIER_LABELS: Readonly<Record<Tier, { zh: string; en: string }>> = {
  low: { zh: '低', en: 'low' },
  mid: { zh: '中', en: 'mid' },
  high: { zh: '高', en: 'high' },
  silver: { zh: '银', en: 'silver' },
  gold: { zh: '金', en: 'gold' },
  platinum: { zh: '白金', en: 'platinum' },
};

/**
 * Percentile cut-offs between the six tiers (five increasing values in (0, 1)). Default: low =
 * bottom 30 %, mid 30–60 %, high 60–80 %, silver 80–90 %, gold 90–97 %, platinum top 3 %.
 */
export const DEFAULT_TIER_CUTOFFS: readonly number[] = [0.3, 0.6, 0.8, 0.9, 0.97];

export function validateTierCutoffs(cutoffs: readonly number[]): string[] {
  const problems: string[] = [];
  if (cutoffs.length !== TIERS.length - 1) problems.push(`need ${TIERS.length - 1} cut-offs, got ${cutoffs.length}`);
  cutoffs.forEach((c, i) => {
    if (!(c > 0 && c < 1)) problems.push(`cut-off ${i + 1} (${c}) must be between 0 and 1`);
    if (i > 0 && !(c > (cutoffs[i - 1] as number))) problems.push('cut-offs must increase');
  });
  return problems;
}

/**
 * Tier per customer as an index into TIERS. The cut-off values are the value quantiles (type 7);
 * a customer is above a cut when strictly greater, so equal values always share a tier (if
 * everyone is worth the same, everyone is `low`).
 */
export function assignTiers(
  values: ArrayLike<number>,
  cutoffs: readonly number[] = DEFAULT_TIER_CUTOFFS,
  /** The same values sorted ascending, when the caller has them (saves a selection pass). */
  ascending?: Float64Array,
): { tiers: Uint8Array; thresholds: number[] } {
  if (values.length === 0) {
    const problems = validateTierCutoffs(cutoffs);
    if (problems.length > 0) throw new RangeError(problems.join('; '));
    return { tiers: new Uint8Array(0), thresholds: [] };
  }
  const thresholds = tierThresholds(values, cutoffs, ascending);
  const tiers = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) tiers[i] = tierIndex(values[i] as number, thresholds);
  return { tiers, thresholds };
}

/**
 * The tier cut values: the value quantiles (type 7) at the cut-offs. The one definition of the
 * tiers: `tenure value` and `tenure segments` both cut with it (issue 19.6).
 */
export function tierThresholds(values: ArrayLike<number>, cutoffs: readonly number[] = DEFAULT_TIER_CUTOFFS, ascending?: Float64Array): number[] {
  const problems = validateTierCutoffs(cutoffs);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  if (values.length === 0) return [];
  if (ascending) return cutoffs.map((c) => quantileSorted(ascending, c));
  const scratch = Float64Array.from(values);
  return cutoffs.map((c) => quantileInPlace(scratch, c));
}

/** Index into TIERS of a value: above a cut when strictly greater. */
export function tierIndex(value: number, thresholds: readonly number[]): number {
  let k = 0;
  while (k < thresholds.length && value > (thresholds[k] as number)) k++;
  return k;
}

export interface ParetoReport {
  /** Σ max(0, value): negative-value customers add nothing to the shares. */
  readonly totalPositiveValue: number;
  /** Share of positive value held by the top x of customers, for each x asked. */
  readonly topShares: readonly { readonly topFraction: number; readonly valueShare: number }[];
  /** Smallest fraction of customers (most valuable first) holding `target` of the value. */
  readonly fractionForTarget: number;
  readonly target: number;
}

/**
 * 80/20 analysis. Customers are ranked by value; the top x % means the first ceil(x · n).
 */
export function pareto(values: ArrayLike<number>, topFractions: readonly number[] = DEFAULT_TOP_FRACTIONS, target = 0.8): ParetoReport {
  return paretoSorted(Float64Array.from(values).sort(), topFractions, target);
}

export const DEFAULT_TOP_FRACTIONS: readonly number[] = [0.01, 0.05, 0.1, 0.2, 0.5];

/** `pareto` over values already sorted ascending. */
export function paretoSorted(ascending: Float64Array, topFractions: readonly number[] = DEFAULT_TOP_FRACTIONS, target = 0.8): ParetoReport {
  const n = ascending.length;
  // cum[k] = value of the k most valuable customers (negative values count as 0).
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cum[i + 1] = (cum[i] as number) + Math.max(0, ascending[n - 1 - i] as number);
  const total = cum[n] as number;
  const share = (k: number) => (total > 0 ? (cum[k] as number) / total : 0);
  const topShares = topFractions.map((x) => ({ topFraction: x, valueShare: share(Math.min(n, Math.ceil(x * n - 1e-9))) }));
  let k = 0;
  if (total > 0) while (k < n && share(k) < target - 1e-12) k++;
  return { totalPositiveValue: total, topShares, fractionForTarget: n > 0 ? k / n : 0, target };
}
