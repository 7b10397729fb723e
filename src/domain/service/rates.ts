/**
 * Proportions with their 95 % intervals for the service reports: a rate k/n with its Wilson
 * score interval and a difference of two independent rates with Newcombe's hybrid interval
 * (the campaign evaluation's interval code, domain/campaigns/intervals.ts).
 */
import { newcombeInterval, wilsonInterval, type Interval } from '../campaigns/intervals.ts';
import { quantileSorted } from '../value/quantile.ts';

export interface RateEstimate {
  /** The denominator (accounts, customer-months, exits). */
  readonly n: number;
  /** The numerator. */
  readonly k: number;
  /** k / n; null when n = 0. */
  readonly rate: number | null;
  /** Wilson 95 % interval; null when n = 0. */
  readonly ci: Interval | null;
}

export function rateEstimate(k: number, n: number): RateEstimate {
  return n > 0 ? { n, k, rate: k / n, ci: wilsonInterval(k, n) } : { n, k, rate: null, ci: null };
}

export interface RateDifference {
  /** a.rate − b.rate; null when either has no denominator. */
  readonly difference: number | null;
  /** Newcombe 95 % interval of the difference. */
  readonly ci: Interval | null;
}

export function rateDifference(a: RateEstimate, b: RateEstimate): RateDifference {
  if (a.n === 0 || b.n === 0 || a.rate === null || b.rate === null) return { difference: null, ci: null };
  return { difference: a.rate - b.rate, ci: newcombeInterval(a.k, a.n, b.k, b.n) };
}

/** Where a claimed share stands against an estimate's interval. */
export type ClaimVerdict = 'consistent' | 'above_data' | 'below_data' | 'undetermined';

/** `above_data`: the claim exceeds the interval's upper end (the data shows less than claimed). */
export function claimVerdict(claim: number, estimate: RateEstimate): ClaimVerdict {
  if (estimate.ci === null) return 'undetermined';
  if (claim > estimate.ci[1]) return 'above_data';
  if (claim < estimate.ci[0]) return 'below_data';
  return 'consistent';
}

export const DISTRIBUTION_QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9] as const;

export interface Distribution {
  readonly n: number;
  readonly mean: number | null;
  /** p10, p25, p50, p75, p90 (type 7), null when n = 0. */
  readonly quantiles: readonly (number | null)[];
}

/** The distribution of the finite values (NaN = no value, left out). */
export function distributionOf(values: ArrayLike<number>): Distribution {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i] as number);
  const sorted = Float64Array.from(finite).sort();
  if (sorted.length === 0) return { n: 0, mean: null, quantiles: DISTRIBUTION_QUANTILES.map(() => null) };
  let sum = 0;
  for (const v of sorted) sum += v;
  return { n: sorted.length, mean: sum / sorted.length, quantiles: DISTRIBUTION_QUANTILES.map((p) => quantileSorted(sorted, p)) };
}

/** Distributions per group, groups in code-point order. */
export function distributionsByGroup(values: ArrayLike<number>, groups: ArrayLike<string>): { group: string; distribution: Distribution }[] {
  const buckets = new Map<string, number[]>();
  for (let i = 0; i < values.length; i++) {
    const g = groups[i] as string;
    let b = buckets.get(g);
    if (!b) buckets.set(g, (b = []));
    b.push(values[i] as number);
  }
  return [...buckets.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((group) => ({ group, distribution: distributionOf(buckets.get(group) as number[]) }));
}

/**
 * ROC AUC = P(a positive's score > a negative's score) + ½ P(tie), over the finite scores: the
 * same figure as model/metrics rocAuc, computed on two typed-array sorts (native numeric sort,
 * no comparator) and one merge, which keeps a million accounts and several components fast.
 * null with no positive or no negative.
 */
export function aucOf(scores: ArrayLike<number>, positive: ArrayLike<number>): number | null {
  let np = 0;
  let nn = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) continue;
    if (positive[i]) np++;
    else nn++;
  }
  if (np === 0 || nn === 0) return null;
  const pos = new Float64Array(np);
  const neg = new Float64Array(nn);
  np = 0;
  nn = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (!Number.isFinite(s)) continue;
    if (positive[i]) pos[np++] = s;
    else neg[nn++] = s;
  }
  pos.sort();
  neg.sort();
  // For each positive: negatives strictly below count 1, equal ones ½.
  let below = 0;
  let sum = 0;
  let j = 0;
  for (let i = 0; i < np; ) {
    const s = pos[i] as number;
    let k = i;
    while (k < np && pos[k] === s) k++;
    while (below < nn && (neg[below] as number) < s) below++;
    j = below;
    while (j < nn && neg[j] === s) j++;
    sum += (k - i) * (below + 0.5 * (j - below));
    i = k;
  }
  return sum / (np * nn);
}
