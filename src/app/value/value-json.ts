import { money as roundMoney, pick } from '../../domain/numeric/shown.ts';
import type { ShownContext } from '../shown.ts';
import type { CustomerValueReport } from './customer-value.ts';

const money = (x: number) => roundMoney(x) as number;

/** `tenure value --json` and the API's value document. */
/** Typed, one-language JSON: money to 2 decimals in `currency`, shares as fractions 0–1, strategies in the output's language. */
export function valueJson(r: CustomerValueReport, out: ShownContext) {
  return {
    as_of: r.as_of,
    currency: out.currency,
    customers: r.customers,
    thresholds: { current_value: money(r.thresholds.currentValue), potential: money(r.thresholds.potential) },
    quadrants: r.quadrants.map((q) => ({
      quadrant: q.quadrant,
      customers: q.customers,
      customer_share: Number(q.customerShare.toFixed(6)),
      current_value: money(q.currentValue),
      potential: money(q.potential),
      budget_share: Number(q.budgetShare.toFixed(6)),
      value: pick(q.strategy.value, out.lang),
      investment: pick(q.strategy.investment, out.lang),
      retention: pick(q.strategy.retention, out.lang),
    })),
    tiers: r.tiers.map((t) => ({ tier: t.tier, name: out.lang === 'en' ? t.tier : t.zh, above: t.above === null ? null : money(t.above), customers: t.customers, value: money(t.value), value_share: Number(t.valueShare.toFixed(6)) })),
    pareto: {
      total_positive_value: money(r.pareto.totalPositiveValue),
      top_shares: r.pareto.topShares.map((s) => ({ top_fraction: s.topFraction, value_share: Number(s.valueShare.toFixed(6)) })),
      fraction_for_target: Number(r.pareto.fractionForTarget.toFixed(6)),
      target: r.pareto.target,
    },
    totals: Object.fromEntries(Object.entries(r.totals).map(([k, v]) => [k, money(v)])),
    lifetime: { ...r.lifetime, mean_months: Number(r.lifetime.mean_months.toFixed(4)) },
    new_customer_value: money(r.new_customer_value),
    parameters: r.parameters,
  };
}

