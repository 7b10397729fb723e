import { DEFAULT_INVESTMENT_WEIGHTS, medianThresholds, summarizeMatrix, type MatrixThresholds, type Quadrant, type QuadrantSummary } from './matrix.ts';
import { assignTiers, DEFAULT_TIER_CUTOFFS, paretoSorted, TIERS, TIER_LABELS, type ParetoReport, type Tier } from './tiers.ts';
import { ExactSum } from '../numeric/exact-sum.ts';

/**
 * Everything `tenure value` prints, from per-customer columns: the value matrix with budget
 * shares, the six tiers and the 80/20 report. The columns come from the store (one row per
 * active customer); this stays pure so the API and the CLI share it.
 */
export interface ValueReportOptions {
  readonly thresholds?: MatrixThresholds;
  readonly weights?: Readonly<Record<Quadrant, number>>;
  readonly tierCutoffs?: readonly number[];
  /** Column the tiers and Pareto rank on (default: current value). */
  readonly tierValues?: ArrayLike<number>;
}

export interface TierSummary {
  readonly tier: Tier;
  readonly zh: string;
  /** Lowest value in the tier is strictly above this (null for `low`). */
  readonly above: number | null;
  readonly customers: number;
  readonly value: number;
  readonly valueShare: number;
}

export interface ValueReport {
  readonly customers: number;
  readonly thresholds: MatrixThresholds;
  readonly quadrants: readonly QuadrantSummary[];
  readonly tiers: readonly TierSummary[];
  readonly pareto: ParetoReport;
}

export function valueReport(currentValue: ArrayLike<number>, potential: ArrayLike<number>, options: ValueReportOptions = {}): ValueReport {
  const n = currentValue.length;
  const thresholds = options.thresholds ?? (n > 0 ? medianThresholds(currentValue, potential) : { currentValue: 0, potential: 0 });
  const matrix = summarizeMatrix(currentValue, potential, thresholds, options.weights ?? DEFAULT_INVESTMENT_WEIGHTS);
  const basis = options.tierValues ?? currentValue;
  if (basis.length !== n) throw new RangeError('tier values and current value columns differ in length');
  const ascending = Float64Array.from(basis).sort(); // one sort serves the tier cut-offs and the Pareto report
  const { tiers, thresholds: cuts } = assignTiers(basis, options.tierCutoffs ?? DEFAULT_TIER_CUTOFFS, ascending);
  const count = TIERS.map(() => 0);
  // Exact sums: the same figures whatever order the store returned the customers in.
  const sums = TIERS.map(() => new ExactSum());
  const all = new ExactSum();
  for (let i = 0; i < n; i++) {
    const k = tiers[i] as number;
    const v = basis[i] as number;
    count[k] = (count[k] as number) + 1;
    sums[k]?.add(v);
    all.add(v);
  }
  const value = sums.map((s) => s.value());
  const total = all.value();
  return {
    customers: n,
    thresholds: matrix.thresholds,
    quadrants: matrix.quadrants,
    tiers: TIERS.map((tier, k) => ({
      tier,
      zh: TIER_LABELS[tier].zh,
      above: k === 0 ? null : (cuts[k - 1] ?? null),
      customers: count[k] as number,
      value: value[k] as number,
      valueShare: total !== 0 ? (value[k] as number) / total : 0,
    })),
    pareto: paretoSorted(ascending),
  };
}
