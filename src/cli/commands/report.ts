import { Option, type Command } from 'commander';
import { churnReasons, CHURN_REASONS_COLUMNS, REASON_LANGUAGES } from '../../app/reports/churn-reasons.ts';
import { churnRegions, CHURN_REGIONS_COLUMNS, REGION_LEVELS } from '../../app/reports/churn-regions.ts';
import { churnTotals, CHURN_TOTALS_COLUMNS } from '../../app/reports/churn-totals.ts';
import { validateRange } from '../../app/reports/range.ts';
import type { ReportOptions } from '../../app/reports/sql.ts';
import type { ReportRange } from '../../app/reports/range.ts';
import type { PartialCoverage } from '../../app/data-span.ts';
import { warnPartial } from '../partial.ts';
import { DEFAULT_DB, openStore } from '../../store/open.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { printRows, resolveFormat, withFormat, type Cell, type FormatOptions, type OutputFormat } from '../output.ts';

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

/** Columns holding exact decimal text (money, ratios): JSON gets them as numbers, digits kept. */
const DECIMAL_COLUMNS = new Set(['churn_rate', 'arpu', 'revenue_lost']);

type ReportRow = { readonly [column: string]: string | number | null };

/**
 * JSON is written by hand so money keeps its two decimals (`12.50`, a valid JSON number)
 * instead of going through a float and back.
 */
function toJson(columns: readonly string[], rows: readonly ReportRow[], partial: readonly PartialCoverage[]): string {
  if (rows.length === 0) return '[]\n';
  const objects = rows.map((row) => {
    const fields = columns.map((c) => {
      const v = row[c] ?? null;
      const value = DECIMAL_COLUMNS.has(c) && typeof v === 'string' ? v : JSON.stringify(v);
      return `    ${JSON.stringify(c)}: ${value}`;
    });
    // Figures of this row computed on less history than they need (app/data-span.ts); [] when complete.
    const partialFigures = partial.filter((p) => p.months.includes(String(row.month))).map((p) => p.figure);
    fields.push(`    "partial": ${JSON.stringify(partialFigures)}`);
    return `  {\n${fields.join(',\n')}\n  }`;
  });
  return `[\n${objects.join(',\n')}\n]\n`;
}

function print(columns: readonly string[], rows: readonly ReportRow[], partial: readonly PartialCoverage[], format: OutputFormat): void {
  if (format === 'json') {
    process.stdout.write(toJson(columns, rows, partial));
    return;
  }
  const cells: Record<string, Cell>[] = rows.map((r) => ({ ...r }));
  printRows(columns, cells, format);
}

async function runReport(
  opts: ReportFlags,
  columns: readonly string[],
  produce: (store: AnalyticsStore) => Promise<{ rows: readonly ReportRow[]; range: ReportRange }>,
): Promise<void> {
  const format = resolveFormat(opts);
  validateRange(opts); // bad flags fail before the store is touched
  const store = await openStore(opts.db, { access: 'read-only' });
  try {
    const { rows, range } = await produce(store);
    const partial = range.partial_coverage ?? [];
    warnPartial(partial);
    print(columns, rows, partial, format);
  } finally {
    await store.close();
  }
}

function reportCommand(parent: Command, name: string, description: string): Command {
  return withFormat(
    parent
      .command(name)
      .description(description)
      .option('--from <month>', "first month, YYYY-MM, inside the data (default: the data's first billed month)")
      .option('--to <month>', "last month, YYYY-MM, inside the data (default: the data's last billed month)")
      .option('--db <path>', `store to read (default $TENURE_DB or ${DEFAULT_DB})`),
  );
}

export function register(program: Command): void {
  const report = program
    .command('report')
    .description('churn reports: totals, by reason code, by region (table on a TTY, CSV otherwise, --json)');

  reportCommand(report, 'churn-totals', 'monthly subscriber movement, churn rate, ARPU and revenue lost')
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_TOTALS_COLUMNS, async (store) => churnTotals(store, opts, CLI_REPORT_OPTIONS));
    });

  reportCommand(report, 'churn-reasons', 'churned accounts and revenue lost per month and reason code')
    .addOption(new Option('--lang <lang>', 'language of the reason labels').choices(REASON_LANGUAGES).default('zh'))
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_REASONS_COLUMNS, async (store) => churnReasons(store, opts, CLI_REPORT_OPTIONS));
    });

  reportCommand(report, 'churn-regions', 'opening base, churn and revenue lost per month and region')
    .addOption(new Option('--level <level>', 'region level').choices(REGION_LEVELS).default('province'))
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_REGIONS_COLUMNS, async (store) => churnRegions(store, opts, CLI_REPORT_OPTIONS));
    });
}
