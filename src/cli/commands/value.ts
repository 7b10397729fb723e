import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { customerValue } from '../../app/value/customer-value.ts';
import { valueJson } from '../../app/value/value-json.ts';
import { printJson, printRows, printText, resolveOutput, withCurrency, withFormat, type FormatOptions } from '../output.ts';

interface ValueOptions extends FormatOptions {
  asOf?: string;
  db?: string;
  annualDiscountRate?: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function value(opts: ValueOptions): Promise<void> {
  const out = resolveOutput(opts);
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
  const j = valueJson(r, out);
  if (out.format === 'json') {
    printJson(j);
    return;
  }
  const en = out.lang === 'en';
  const c = out.currency;
  if (out.format === 'table') {
    printText(
      en
        ? `customer value as of ${j.as_of}: ${j.customers} live customers; current value ${j.totals.current_value} ${c}, growth potential ${j.totals.potential} ${c}\n` +
            `(high = above the median: current value > ${j.thresholds.current_value}, potential > ${j.thresholds.potential}; lifetime: ${j.lifetime.source})\n\n`
        : `截至 ${j.as_of} 的客户价值：在网客户 ${j.customers} 户；当前价值 ${j.totals.current_value} ${c}，增值潜力 ${j.totals.potential} ${c}\n` +
            `（高 = 高于中位数：当前价值 > ${j.thresholds.current_value}，增值潜力 > ${j.thresholds.potential}；生命期来源：${j.lifetime.source}）\n\n`,
    );
  }
  const view = { money: ['current_value', 'potential', 'above', 'value'], currency: c, percent: ['customer_share', 'budget_share', 'value_share'] };
  printRows(
    ['quadrant', 'customers', 'customer_share', 'current_value', 'potential', 'budget_share', 'investment', 'retention'],
    j.quadrants,
    out.format,
    process.stdout,
    view,
  );
  if (out.format !== 'table') return;
  printText(en ? '\nvalue tiers (by current value)\n' : '\n价值分层（按当前价值）\n');
  printRows(['tier', 'name', 'above', 'customers', 'value', 'value_share'], j.tiers, out.format, process.stdout, view);
  const tops = j.pareto.top_shares.map((s) => (en ? `top ${pct(s.top_fraction)} → ${pct(s.value_share)}` : `前 ${pct(s.top_fraction)} → ${pct(s.value_share)}`)).join(en ? ', ' : '，');
  printText(
    en
      ? `\n80/20: the top ${pct(j.pareto.fraction_for_target)} of customers hold ${pct(j.pareto.target)} of the positive value; ${tops}\n`
      : `\n80/20：前 ${pct(j.pareto.fraction_for_target)} 的客户拥有 ${pct(j.pareto.target)} 的正价值；${tops}\n`,
  );
}

export function register(program: Command): void {
  withCurrency(withFormat(
    program
      .command('value')
      .description(
        'customer value (current value × growth potential): value matrix quadrants with strategy and budget share, tiers, 80/20 report. ' +
          "Current value is the value at stake if the customer stays: recent monthly margin × the join-month cohorts' discounted expected lifetime " +
          "at the customer's tenure, never its own churn score; base: customers live at the end of --as-of",
      )
      .option('--as-of <month>', "month (YYYY-MM inside the data; default: the data's last billed month)")
      .option('--annual-discount-rate <rate>', 'annual discount rate of future margins (default 0.1)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  )).action(value);
}
