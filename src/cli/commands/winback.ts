import type { Command } from 'commander';
import { withStore } from '../../app/lifecycle/context.ts';
import { winback, type RateRow, type WinbackCandidate } from '../../app/winback/winback.ts';
import { TenureError } from '../../app/errors.ts';
import { fraction, labelLang, money, printJson, printRows, resolveOutput, withCurrency, withFormat, type FormatOptions } from '../output.ts';

interface WinbackOptions extends FormatOptions {
  db?: string;
  from?: string;
  to?: string;
  top: string;
}

const rateJson = (r: RateRow) => ({ churned: r.churned, returned: r.returned, rate: fraction(r.rate) });

function accountJson(a: WinbackCandidate, lang: 'zh' | 'en') {
  return {
    customer_id: a.customerId,
    churn_date: a.churnDate,
    months_since_churn: a.monthsSinceChurn,
    churn_type: a.churnType,
    reason_code: a.reasonCode,
    reason_group: a.reasonGroup,
    reason: a.reason[lang],
    competitor: a.competitor,
    monthly_margin: money(a.monthlyMargin),
    value_lost: money(a.valueLost),
    value_tier: a.valueTier,
    marketing_consent: a.consent,
    likelihood: fraction(a.likelihood),
    expected_recovery: money(a.expectedRecovery),
    revisit_date: a.revisitDate,
    plan: a.consent === true ? a.plan[lang] : lang === 'zh' ? '无营销许可：不外呼，仅在客户来电时挽回' : 'no marketing consent: no outbound contact; win back only when the customer calls',
  };
}

async function run(opts: WinbackOptions): Promise<void> {
  const out = resolveOutput(opts);
  const format = out.format;
  const lang = labelLang(out.lang);
  if (!/^[0-9]+$/.test(opts.top)) throw new TenureError('USAGE', `--top must be a whole number >= 0, got "${opts.top}"`);
  const r = await withStore(opts.db, (store) => winback(store, { from: opts.from, to: opts.to, top: Number(opts.top) }));
  if (format === 'json') {
    printJson({
      currency: out.currency,
      from: r.from,
      to: r.to,
      data_last_month: r.dataLastMonth,
      churned: r.churned,
      candidates: r.candidates,
      value_thresholds: { mid: money(r.valueThresholds.mid), high: money(r.valueThresholds.high) },
      rate: {
        overall: fraction(r.rate.overall.rate),
        overall_counts: rateJson(r.rate.overall),
        by_reason_group: Object.fromEntries(Object.entries(r.rate.byReasonGroup).map(([k, v]) => [k, fraction(v.rate)])),
        by_reason_group_counts: Object.fromEntries(Object.entries(r.rate.byReasonGroup).map(([k, v]) => [k, rateJson(v)])),
        by_competitor: Object.fromEntries(Object.entries(r.rate.byCompetitor).map(([k, v]) => [k, rateJson(v)])),
        within_months: r.rate.withinMonths.map((w) => ({ months: w.months, ...rateJson(w) })),
      },
      accounts: r.accounts.map((a) => accountJson(a, lang)),
    });
    return;
  }
  const rows = r.accounts.map((a) => accountJson(a, lang));
  printRows(
    ['customer_id', 'churn_date', 'reason', 'competitor', 'value_lost', 'value_tier', 'likelihood', 'expected_recovery', 'revisit_date', 'plan'],
    rows,
    format,
    process.stdout,
    { money: ['value_lost', 'expected_recovery'], currency: out.currency, percent: ['likelihood'] },
  );
  if (format !== 'table') return;
  const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
  const o = r.rate.overall;
  const threshold = money(r.valueThresholds.mid);
  process.stdout.write(
    lang === 'en'
      ? `\n${r.from}..${r.to}: ${r.churned} accounts churned, ${o.returned} came back (${pct(o.rate)}); ${r.candidates} worth winning back (value lost ≥ ${threshold} ${out.currency}), ${r.accounts.length} shown\n`
      : `\n${r.from}..${r.to}：流失 ${r.churned} 户，已回归 ${o.returned} 户（${pct(o.rate)}）；值得挽回 ${r.candidates} 户（流失价值 ≥ ${threshold} ${out.currency}），显示 ${r.accounts.length} 户\n`,
  );
  printRows(
    ['reason_group', 'churned', 'returned', 'rate'],
    Object.entries(r.rate.byReasonGroup).map(([k, v]) => ({ reason_group: k, churned: v.churned, returned: v.returned, rate: pct(v.rate) })),
    format,
  );
  const within = r.rate.withinMonths.map((w) => (lang === 'en' ? `${w.months}: ${pct(w.rate)} of ${w.churned}` : `${w.months} 个月内：${w.churned} 户中 ${pct(w.rate)}`));
  process.stdout.write(`${lang === 'en' ? 'returned within k months of leaving' : '流失后 k 个月内回归'}: ${within.join(lang === 'en' ? ', ' : '；')}\n`);
}

export function register(program: Command): void {
  withFormat(withCurrency(
    program
      .command('winback')
      .description(
        'win-back: churned mid/high-value accounts (value lost = last-3-bill margin × cohort lifetime) with reason, competitor, consent, likelihood and a revisit plan; the observed win-back rate (winback_of) by reason group, competitor and months since churn',
      )
      .option('--from <month>', 'first churn month (YYYY-MM; default: 11 months before --to)')
      .option('--to <month>', 'last churn month (YYYY-MM; default: the latest month with data)')
      .option('--top <n>', 'accounts to list, highest expected recovery first (0 = all)', '50')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  )).action(run);
}
