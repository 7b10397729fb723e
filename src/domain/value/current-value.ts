/**
 * Customer current value (客户当前价值, CRM textbook §3.2): the present value of the profit a
 * customer is expected to bring if the relationship stays as it is today —
 *   current value = recent monthly margin × discounted expected remaining lifetime (months).
 * It is a conservative estimate: it assumes no growth (growth is `potential.ts`).
 *
 * Remaining lifetime uses the Fader & Hardie DERL convention (see retention/sbg.ts): the
 * expected number of future monthly payments, the next one undiscounted, each later month
 * discounted by the monthly rate. Any survival model can feed it: the sBG DERL for a
 * customer's tenure, a constant monthly churn probability, or (later) the churn model's hazard.
 */

/** Monthly rate equivalent to an annual one: (1 + annual)^(1/12) − 1. */
export function monthlyDiscountRate(annualRate: number): number {
  if (!(annualRate >= 0)) throw new RangeError(`annual discount rate must be ≥ 0, got ${annualRate}`);
  return Math.pow(1 + annualRate, 1 / 12) - 1;
}

/**
 * DERL with a constant monthly churn probability p: Σ_{k≥1} (1−p)^k (1+d)^−(k−1)
 *   = (1 − p) / (1 − (1 − p)/(1 + d)).
 * Finite when d > 0 or p > 0.
 */
export function derlConstantChurn(monthlyChurnProbability: number, monthlyDiscount: number): number {
  const p = monthlyChurnProbability;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`churn probability must be in [0, 1], got ${p}`);
  if (!(monthlyDiscount >= 0)) throw new RangeError(`discount rate must be ≥ 0, got ${monthlyDiscount}`);
  const keep = (1 - p) / (1 + monthlyDiscount);
  if (keep >= 1) return Number.POSITIVE_INFINITY;
  return (1 - p) / (1 - keep);
}

/** Current value per customer: margin[i] × remainingLifetime[i] (columns in, column out). */
export function currentValues(monthlyMargin: ArrayLike<number>, remainingLifetime: ArrayLike<number>): Float64Array {
  if (monthlyMargin.length !== remainingLifetime.length) throw new RangeError('margin and lifetime columns differ in length');
  const out = new Float64Array(monthlyMargin.length);
  for (let i = 0; i < out.length; i++) out[i] = (monthlyMargin[i] as number) * (remainingLifetime[i] as number);
  return out;
}

/**
 * Recent monthly margin: mean of revenue − cost over the latest `months` billed months
 * (fewer when the customer is newer), the basis the textbook calls 最近一个时间单元的客户利润.
 */
export function recentMonthlyMargin(revenue: readonly number[], cost: readonly (number | null)[], months = 3): number {
  const n = Math.min(months, revenue.length);
  if (n === 0) return 0;
  let sum = 0;
  for (let i = revenue.length - n; i < revenue.length; i++) sum += (revenue[i] as number) - (cost[i] ?? 0);
  return sum / n;
}
