import { median } from './quantile.ts';
import { ExactSum, exactSum } from '../numeric/exact-sum.ts';

/**
 * Customer value matrix (客户价值矩阵, CRM textbook figure 3-3 and table 3-2): current value ×
 * growth potential, each split into low and high, gives four customer types with their
 * resource-allocation and retention strategies.
 */
export type Quadrant = 'I' | 'II' | 'III' | 'IV';
export const QUADRANTS: readonly Quadrant[] = ['I', 'II', 'III', 'IV'];

export interface QuadrantStrategy {
  readonly quadrant: Quadrant;
  readonly value: { readonly zh: string; readonly en: string };
  readonly investment: { readonly zh: string; readonly en: string };
  readonly retention: { readonly zh: string; readonly en: string };
}

export const QUADRANT_STRATEGIES: Readonly<Record<Quadrant, QuadrantStrategy>> = {
  I: {
    quadrant: 'I',
    value: { zh: '低当前价值,低客户增值潜力', en: 'low current value, low growth potential' },
    investment: { zh: '不投入', en: 'no investment' },
    retention: { zh: '关系解除', en: 'let the relationship go' },
  },
  II: {
    quadrant: 'II',
    value: { zh: '低当前价值,高客户增值潜力', en: 'low current value, high growth potential' },
    investment: { zh: '适当投入', en: 'appropriate investment' },
    retention: { zh: '关系再造', en: 'rebuild the relationship to grow it' },
  },
  III: {
    quadrant: 'III',
    value: { zh: '高当前价值,低客户增值潜力', en: 'high current value, low growth potential' },
    investment: { zh: '重点投入', en: 'key investment' },
    retention: { zh: '高水平关系保持', en: 'keep the relationship at a high level' },
  },
  IV: {
    quadrant: 'IV',
    value: { zh: '高当前价值,高客户增值潜力', en: 'high current value, high growth potential' },
    investment: { zh: '重中之重投入', en: 'top-priority investment' },
    retention: { zh: '不遗余力地保持、发展客户关系', en: 'spare no effort to keep and develop the relationship' },
  },
};

export interface MatrixThresholds {
  /** A customer is high on a dimension when strictly above its threshold. */
  readonly currentValue: number;
  readonly potential: number;
}

/** Default thresholds: the medians of the two columns. */
export function medianThresholds(currentValue: ArrayLike<number>, potential: ArrayLike<number>): MatrixThresholds {
  return { currentValue: median(currentValue), potential: median(potential) };
}

export function quadrantOf(currentValue: number, potential: number, t: MatrixThresholds): Quadrant {
  const highCurrent = currentValue > t.currentValue;
  const highPotential = potential > t.potential;
  if (highCurrent) return highPotential ? 'IV' : 'III';
  return highPotential ? 'II' : 'I';
}

/** Quadrant per customer as codes 1..4 (I..IV), a column for the store or the model. */
export function assignQuadrants(currentValue: ArrayLike<number>, potential: ArrayLike<number>, t: MatrixThresholds): Uint8Array {
  if (currentValue.length !== potential.length) throw new RangeError('current value and potential columns differ in length');
  const out = new Uint8Array(currentValue.length);
  // Codes: I = 1 (low/low), II = 2 (low/high), III = 3 (high/low), IV = 4 (high/high).
  for (let i = 0; i < out.length; i++) {
    const high = (currentValue[i] as number) > t.currentValue;
    const grow = (potential[i] as number) > t.potential;
    out[i] = high ? (grow ? 4 : 3) : grow ? 2 : 1;
  }
  return out;
}

/**
 * Relative investment intensity per quadrant (table 3-2: none, appropriate, key, top
 * priority). Configurable; the default doubles at each step above "appropriate".
 */
export const DEFAULT_INVESTMENT_WEIGHTS: Readonly<Record<Quadrant, number>> = { I: 0, II: 1, III: 2, IV: 4 };

export interface QuadrantSummary {
  readonly quadrant: Quadrant;
  readonly customers: number;
  readonly customerShare: number;
  readonly currentValue: number;
  readonly potential: number;
  /** Share of the retention budget: weight × (current value + potential) at stake, normalised. */
  readonly budgetShare: number;
  readonly strategy: QuadrantStrategy;
}

/**
 * Customers and value per quadrant, and the budget split: each quadrant gets a share
 * proportional to its investment weight × the positive value at stake (Σ max(0, current + potential)).
 */
export function summarizeMatrix(
  currentValue: ArrayLike<number>,
  potential: ArrayLike<number>,
  thresholds: MatrixThresholds = medianThresholds(currentValue, potential),
  weights: Readonly<Record<Quadrant, number>> = DEFAULT_INVESTMENT_WEIGHTS,
): { thresholds: MatrixThresholds; quadrants: QuadrantSummary[] } {
  const q = assignQuadrants(currentValue, potential, thresholds);
  // Exact sums: the same figures whatever order the store returned the customers in.
  const count = [0, 0, 0, 0];
  const cur = QUADRANTS.map(() => new ExactSum());
  const pot = QUADRANTS.map(() => new ExactSum());
  const stake = QUADRANTS.map(() => new ExactSum());
  for (let i = 0; i < q.length; i++) {
    const k = (q[i] as number) - 1;
    const c = currentValue[i] as number;
    const p = potential[i] as number;
    count[k] = (count[k] as number) + 1;
    cur[k]?.add(c);
    pot[k]?.add(p);
    stake[k]?.add(Math.max(0, c + p));
  }
  const weighted = QUADRANTS.map((name, k) => (weights[name] ?? 0) * (stake[k] as ExactSum).value());
  const totalWeighted = exactSum(weighted);
  return {
    thresholds,
    quadrants: QUADRANTS.map((name, k) => ({
      quadrant: name,
      customers: count[k] as number,
      customerShare: q.length > 0 ? (count[k] as number) / q.length : 0,
      currentValue: (cur[k] as ExactSum).value(),
      potential: (pot[k] as ExactSum).value(),
      budgetShare: totalWeighted > 0 ? (weighted[k] as number) / totalWeighted : 0,
      strategy: QUADRANT_STRATEGIES[name],
    })),
  };
}
