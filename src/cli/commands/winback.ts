import type { Command } from 'commander';
import { withStore } from '../../app/lifecycle/context.ts';
import { winback } from '../../app/winback/winback.ts';
import { winbackAccountJson, winbackJson } from '../../app/winback/winback-json.ts';
import { TenureError } from '../../app/errors.ts';
import { labelLang, money, printJson, printRows, resolveOutput, withCurrency, withFormat, type FormatOptions } from '../output.ts';

interface WinbackOptions extends FormatOptions {
  db?: string;
  from?: string;
  to?: string;
  top: string;
}

async function run(opts: WinbackOptions): Promise<void> {
  const out = resolveOutput(opts);
  const format = out.format;
  const lang = labelLang(out.lang);
  if (!/^[0-9]+$/.test(opts.top)) throw new TenureError('USAGE', `--top must be a whole number >= 0, got "${opts.top}"`);
  const r = await withStore(opts.db, (store) => winback(store, { from: opts.from, to: opts.to, top: Number(opts.top) }));
  if (format === 'json') {
    printJson(winbackJson(r, { lang: out.lang, currency: out.currency }));
    return;
  }
  const rows = r.accounts.map((a) => winbackAccountJson(a, lang));
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
