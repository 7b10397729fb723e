import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { customerValue, type CustomerValueReport } from '../../app/value/customer-value.ts';
import { printJson, printRows, resolveFormat, withFormat, type FormatOptions } from '../output.ts';

interface ValueOptions extends FormatOptions {
  asOf?: string;
  db?: string;
  annualDiscountRate?: string;
}

const money = (x: number) => Number(x.toFixed(2));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function json(r: CustomerValueReport) {
  return {
    as_of: r.as_of,
    customers: r.customers,
    thresholds: { current_value: money(r.thresholds.currentValue), potential: money(r.thresholds.potential) },
    quadrants: r.quadrants.map((q) => ({
      quadrant: q.quadrant,
      customers: q.customers,
      customer_share: Number(q.customerShare.toFixed(6)),
      current_value: money(q.currentValue),
      potential: money(q.potential),
      budget_share: Number(q.budgetShare.toFixed(6)),
      value: q.strategy.value,
      investment: q.strategy.investment,
      retention: q.strategy.retention,
    })),
    tiers: r.tiers.map((t) => ({ tier: t.tier, zh: t.zh, above: t.above === null ? null : money(t.above), customers: t.customers, value: money(t.value), value_share: Number(t.valueShare.toFixed(6)) })),
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

async function value(opts: ValueOptions): Promise<void> {
  const format = resolveFormat(opts);
  let annualDiscountRate: number | undefined;
  if (opts.annualDiscountRate !== undefined) {
    if (!/^[0-9]+(\.[0-9]+)?$/.test(opts.annualDiscountRate) || !(Number(opts.annualDiscountRate) > 0) || Number(opts.annualDiscountRate) >= 10) {
      throw new TenureError('USAGE', `--annual-discount-rate must be a positive decimal such as 0.1, got "${opts.annualDiscountRate}"`);
    }
    annualDiscountRate = Number(opts.annualDiscountRate);
  }
  const r = await withStore(opts.db, (store) =>
    customerValue(store, { asOf: opts.asOf, parameters: annualDiscountRate !== undefined ? { annualDiscountRate } : {} }),
  );
  const j = json(r);
  if (format === 'json') {
    printJson(j);
    return;
  }
  if (format === 'table') {
    process.stdout.write(
      `customer value as of ${j.as_of}: ${j.customers} live customers; current value ${j.totals.current_value}, growth potential ${j.totals.potential}\n` +
        `(high = above the median: current value > ${j.thresholds.current_value}, potential > ${j.thresholds.potential}; lifetime: ${j.lifetime.source})\n\n`,
    );
  }
  printRows(
    ['quadrant', 'customers', 'customer_share', 'current_value', 'potential', 'budget_share', 'investment', 'retention'],
    j.quadrants.map((q) => ({
      quadrant: q.quadrant,
      customers: q.customers,
      customer_share: pct(q.customer_share),
      current_value: q.current_value,
      potential: q.potential,
      budget_share: pct(q.budget_share),
      investment: `${q.investment.en} ${q.investment.zh}`,
      retention: q.retention.en,
    })),
    format,
  );
  if (format !== 'table') return;
  process.stdout.write('\nvalue tiers (by current value)\n');
  printRows(['tier', 'zh', 'above', 'customers', 'value', 'value_share'], j.tiers.map((t) => ({ ...t, value_share: pct(t.value_share) })), format);
  process.stdout.write(
    `\n80/20: the top ${pct(j.pareto.fraction_for_target)} of customers hold ${pct(j.pareto.target)} of the positive value; ` +
      j.pareto.top_shares.map((s) => `top ${pct(s.top_fraction)} → ${pct(s.value_share)}`).join(', ') +
      '\n',
  );
}

export function register(program: Command): void {
  withFormat(
    program
      .command('value')
      .description(
        'customer value (current value × growth potential): value matrix quadrants with strategy and budget share, tiers, 80/20 report. ' +
          "Current value is the value at stake if the customer stays: recent monthly margin × the join-month cohorts' discounted expected lifetime " +
          "at the customer's tenure, never its own churn score; base: customers live at the end of --as-of",
      )
      .option('--as-of <month>', 'month (YYYY-MM; default: the latest month with data)')
      .option('--annual-discount-rate <rate>', 'annual discount rate of future margins (default 0.1)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(value);
}
