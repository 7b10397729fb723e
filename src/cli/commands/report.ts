import { Option, type Command } from 'commander';
import { churnReasons, CHURN_REASONS_COLUMNS } from '../../app/reports/churn-reasons.ts';
import { churnRegions, CHURN_REGIONS_COLUMNS, REGION_LEVELS } from '../../app/reports/churn-regions.ts';
import { churnTotals, CHURN_TOTALS_COLUMNS } from '../../app/reports/churn-totals.ts';
import { churnCompetitors, CHURN_COMPETITORS_COLUMNS, churnReasonGroups, CHURN_REASON_GROUPS_COLUMNS, TOP_REASON_GROUPS, type ReasonGroupCount } from '../../app/reports/churn-breakdown.ts';
import { churnCheck, CHURN_CHECK_COLUMNS } from '../../app/reports/churn-check.ts';
import { CAUSE_DEFINITIONS, CHECK_HISTORY_MONTHS, CHURN_CAUSES } from '../../domain/churn-causes.ts';
import { validateRange } from '../../app/reports/range.ts';
import type { ReportOptions } from '../../app/reports/sql.ts';
import type { ReportRange } from '../../app/reports/range.ts';
import type { PartialCoverage } from '../../app/data-span.ts';
import { MONEY_COLUMNS, reportJsonRows, type ReportRow as JsonReportRow } from '../../app/reports/report-json.ts';
import { warnPartial } from '../partial.ts';
import { registerServiceReports } from './service-reports.ts';
import { type AnalyticsStore, DEFAULT_DB, openStore } from '../../app/store.ts';
import { labelLang, printJson, printRows, resolveLang, resolveOutput, withCurrency, withFormat, type Cell, type FormatOptions, type OutputContext } from '../output.ts';

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

/** How a row reads in a table or CSV cell (one value per cell; JSON keeps the row as it is). */
type ReportRow = JsonReportRow;
type CellView = (row: ReportRow, out: OutputContext) => Record<string, Cell>;
const plainCells: CellView = (row) => ({ ...row }) as Record<string, Cell>;

interface PrintOptions {
  /** Table and CSV cells of a row (default: the row's values). */
  readonly view?: CellView;
  /** Columns of the table (default: the columns); CSV and JSON carry every column. */
  readonly tableColumns?: readonly string[];
  /** Printed after the rows. */
  readonly after?: (rows: readonly ReportRow[], out: OutputContext) => void;
}

function print(columns: readonly string[], rows: readonly ReportRow[], partial: readonly PartialCoverage[], out: OutputContext, options: PrintOptions): void {
  if (out.format === 'json') {
    printJson(reportJsonRows(columns, rows, out.currency, partial));
    return;
  }
  const view = options.view ?? plainCells;
  const shown = out.format === 'table' ? (options.tableColumns ?? columns) : columns;
  printRows(shown, rows.map((r) => view(r, out)), out.format, process.stdout, { money: MONEY_COLUMNS, currency: out.currency });
  options.after?.(rows, out);
}

async function runReport(
  opts: ReportFlags,
  columns: readonly string[],
  produce: (store: AnalyticsStore) => Promise<{ rows: readonly ReportRow[]; range: ReportRange }>,
  options: PrintOptions = {},
): Promise<void> {
  const out = resolveOutput(opts);
  validateRange(opts); // bad flags fail before the store is touched
  const store = await openStore(opts.db, { access: 'read-only' });
  try {
    const { rows, range } = await produce(store);
    const partial = range.partial_coverage ?? [];
    warnPartial(partial);
    print(columns, rows, partial, out, options);
  } finally {
    await store.close();
  }
}

/** `price 12; quality 5`: the reason groups of a competitor row in one cell. */
const groupsCell = (groups: readonly ReasonGroupCount[]): string => groups.map((g) => `${g.reason_group ?? 'unknown'} ${g.count}`).join('; ');

const competitorCells: CellView = (row, out) => ({
  ...(row as Record<string, Cell>),
  // CSV keeps the blank a reader can test for; a table names it.
  competitor: row.competitor === null && out.format === 'table' ? (out.lang === 'en' ? '(not recorded)' : '（未记录）') : (row.competitor as Cell),
  top_reason_groups: groupsCell(row.top_reason_groups as readonly ReasonGroupCount[]),
});

/** The churn-check table: the verdicts in words go below it, one line a month, not in a column. */
const CHURN_CHECK_TABLE_COLUMNS = CHURN_CHECK_COLUMNS.filter((c) => c !== 'verdict_text');

function causeLegend(lang: 'zh' | 'en'): string {
  return CHURN_CAUSES.map((c) => {
    const d = CAUSE_DEFINITIONS[c];
    const groups = c === 'abandoned' ? (lang === 'en' ? 'every involuntary exit' : '全部非自愿流失') : c === 'other' ? `${d.groups.join(', ')}${lang === 'en' ? ' and groups not named' : ' 及未列出的原因组'}` : d.groups.join(', ');
    return `${c} = ${lang === 'en' ? d.en : d.zh} (${groups}; ${d.class})`;
  }).join('\n');
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

  reportCommand(report, 'churn-competitors', `churned accounts per month and competitor they went to (churn_events.competitor; blank or missing is its own row): voluntary, involuntary, share of the month's voluntary churn, revenue lost and the top ${TOP_REASON_GROUPS} reason groups; a month's rows add up to churn-totals (counts, and revenue lost to the cent)`)
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_COMPETITORS_COLUMNS, async (store) => churnCompetitors(store, opts, CLI_REPORT_OPTIONS), { view: competitorCells });
    });

  reportCommand(report, 'churn-reason-groups', "churned accounts per month and reason group of the reason codes, with the churn deck's category (deliberate, incidental, involuntary), the textbook cause (as churn-check), the share of the month's exits and revenue lost; a month's rows add up to churn-totals")
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_REASON_GROUPS_COLUMNS, async (store) => churnReasonGroups(store, opts, CLI_REPORT_OPTIONS));
    });

  reportCommand(
    report,
    'churn-check',
    `is each month's churn normal or serious? Exits by the CRM textbook's six causes (abandoned, poached, forced: normal; dissatisfied, attracted, other: serious); serious_rate = serious exits / opening; verdict serious when it is above the one-sided 95 % prediction bound of the ${CHECK_HISTORY_MONTHS} months before (mean + t·sd·√(1+1/${CHECK_HISTORY_MONTHS})), normal when it is not or when no exit has a serious cause, undetermined without ${CHECK_HISTORY_MONTHS} months of history`,
  ).action(async (opts: ReportFlags) => {
    const lang = labelLang(resolveLang(opts));
    await runReport(
      opts,
      CHURN_CHECK_COLUMNS,
      async (store) => churnCheck(store, { ...opts, lang }, CLI_REPORT_OPTIONS),
      {
        tableColumns: CHURN_CHECK_TABLE_COLUMNS,
        after: (rows, out) => {
          if (out.format !== 'table') return;
          process.stdout.write(`\n${causeLegend(lang)}\n\n`);
          for (const r of rows) process.stdout.write(`${String(r.month)}: ${String(r.verdict_text)}\n`);
        },
      },
    );
  });

  reportCommand(report, 'churn-regions', 'opening base, churn and revenue lost per month and region; churn_rate = (voluntary + involuntary) / opening, as churn-totals, and the regions of a level add up to churn-totals')
    .addOption(new Option('--level <level>', 'region level').choices(REGION_LEVELS).default('province'))
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_REGIONS_COLUMNS, async (store) => churnRegions(store, opts, CLI_REPORT_OPTIONS));
    });

  registerServiceReports(report);
}
