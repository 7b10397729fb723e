import { Option, type Command } from 'commander';
import { churnReasons, CHURN_REASONS_COLUMNS } from '../../app/reports/churn-reasons.ts';
import { churnRegions, CHURN_REGIONS_COLUMNS, REGION_LEVELS } from '../../app/reports/churn-regions.ts';
import { churnTotals, CHURN_TOTALS_COLUMNS } from '../../app/reports/churn-totals.ts';
import { validateRange } from '../../app/reports/range.ts';
import type { ReportOptions } from '../../app/reports/sql.ts';
import type { ReportRange } from '../../app/reports/range.ts';
import type { PartialCoverage } from '../../app/data-span.ts';
import { warnPartial } from '../partial.ts';
import { DEFAULT_DB, openStore } from '../../store/open.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { fraction, labelLang, money, printJson, printRows, resolveLang, resolveOutput, withCurrency, withFormat, type Cell, type FormatOptions, type OutputContext } from '../output.ts';

interface ReportFlags extends FormatOptions {
  db?: string;
  from?: string;
  to?: string;
  lang?: string;
  level?: string;
}

/**
 * When the derived report tables are stale (import keeps them current), a report builds them for
 * its own session: reports open the store read-only, so the tables are temporary (basis.ts).
 */
const CLI_REPORT_OPTIONS: ReportOptions = { refreshStale: true };

/** Columns holding money as exact decimal text: numbers (2 decimals) in JSON, the currency in JSON and table headers. */
const MONEY_COLUMNS = ['arpu', 'revenue_lost'];
/** Columns holding a rate as exact decimal text (6 decimals): numbers in JSON. */
const RATE_COLUMNS = new Set(['churn_rate']);

type ReportRow = { readonly [column: string]: string | number | null };

/** Typed JSON rows: money rounded half-up to 2 decimals, rates as numbers, each row naming its currency. */
export function reportJsonRows(columns: readonly string[], rows: readonly ReportRow[], currency: string, partial: readonly PartialCoverage[] = []): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) {
      const v = row[c] ?? null;
      out[c] = MONEY_COLUMNS.includes(c) ? money(v) : RATE_COLUMNS.has(c) ? fraction(v) : v;
    }
    out.currency = currency;
    // Figures of this row computed on less history than they need (app/data-span.ts); [] when complete.
    out.partial = partial.filter((p) => p.months.includes(String(row.month))).map((p) => p.figure);
    return out;
  });
}

function print(columns: readonly string[], rows: readonly ReportRow[], partial: readonly PartialCoverage[], out: OutputContext): void {
  if (out.format === 'json') {
    printJson(reportJsonRows(columns, rows, out.currency, partial));
    return;
  }
  const cells: Record<string, Cell>[] = rows.map((r) => ({ ...r }));
  printRows(columns, cells, out.format, process.stdout, { money: MONEY_COLUMNS, currency: out.currency });
}

async function runReport(
  opts: ReportFlags,
  columns: readonly string[],
  produce: (store: AnalyticsStore) => Promise<{ rows: readonly ReportRow[]; range: ReportRange }>,
): Promise<void> {
  const out = resolveOutput(opts);
  validateRange(opts); // bad flags fail before the store is touched
  const store = await openStore(opts.db, { access: 'read-only' });
  try {
    const { rows, range } = await produce(store);
    const partial = range.partial_coverage ?? [];
    warnPartial(partial);
    print(columns, rows, partial, out);
  } finally {
    await store.close();
  }
}

function reportCommand(parent: Command, name: string, description: string): Command {
  return withCurrency(withFormat(
    parent
      .command(name)
      .description(description)
      .option('--from <month>', "first month, YYYY-MM, inside the data (default: the data's first billed month)")
      .option('--to <month>', "last month, YYYY-MM, inside the data (default: the data's last billed month)")
      .option('--db <path>', `store to read (default $TENURE_DB or ${DEFAULT_DB})`),
  ));
}

export function register(program: Command): void {
  const report = program
    .command('report')
    .description('churn reports: totals, by reason code, by region (table on a TTY, CSV otherwise, --json)');

  reportCommand(report, 'churn-totals', 'monthly subscriber movement, churn rate, ARPU and revenue lost. churn_rate = (voluntary + involuntary) / opening, opening = accounts joined before the month and not churned before it; ARPU = revenue / ((opening + closing) / 2)')
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_TOTALS_COLUMNS, async (store) => churnTotals(store, opts, CLI_REPORT_OPTIONS));
    });

  reportCommand(report, 'churn-reasons', 'churned accounts and revenue lost per month and reason code')
    .action(async (opts: ReportFlags) => {
      const lang = labelLang(resolveLang(opts)); // the reason labels come from reason_codes (zh/en)
      await runReport(opts, CHURN_REASONS_COLUMNS, async (store) => churnReasons(store, { ...opts, lang }, CLI_REPORT_OPTIONS));
    });

  reportCommand(report, 'churn-regions', 'opening base, churn and revenue lost per month and region; churn_rate = (voluntary + involuntary) / opening, as churn-totals, and the regions of a level add up to churn-totals')
    .addOption(new Option('--level <level>', 'region level').choices(REGION_LEVELS).default('province'))
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_REGIONS_COLUMNS, async (store) => churnRegions(store, opts, CLI_REPORT_OPTIONS));
    });
}
