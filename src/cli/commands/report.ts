import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { churnReasons, CHURN_REASONS_COLUMNS, REASON_LANGUAGES } from '../../app/reports/churn-reasons.ts';
import { churnRegions, CHURN_REGIONS_COLUMNS, REGION_LEVELS } from '../../app/reports/churn-regions.ts';
import { churnTotals, CHURN_TOTALS_COLUMNS } from '../../app/reports/churn-totals.ts';
import { validateRange } from '../../app/reports/range.ts';
import type { ReportOptions } from '../../app/reports/sql.ts';
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
 * The CLI owns its store file: when import left the derived report tables stale, the first
 * report rebuilds them (seconds on 1M customers) and later reports read them (well under 1 s).
 */
const CLI_REPORT_OPTIONS: ReportOptions = { refreshStale: true };

/** Columns holding exact decimal text (money, ratios): JSON gets them as numbers, digits kept. */
const DECIMAL_COLUMNS = new Set(['churn_rate', 'arpu', 'revenue_lost']);

type ReportRow = { readonly [column: string]: string | number | null };

/**
 * JSON is written by hand so money keeps its two decimals (`12.50`, a valid JSON number)
 * instead of going through a float and back.
 */
function toJson(columns: readonly string[], rows: readonly ReportRow[]): string {
  if (rows.length === 0) return '[]\n';
  const objects = rows.map((row) => {
    const fields = columns.map((c) => {
      const v = row[c] ?? null;
      const value = DECIMAL_COLUMNS.has(c) && typeof v === 'string' ? v : JSON.stringify(v);
      return `    ${JSON.stringify(c)}: ${value}`;
    });
    return `  {\n${fields.join(',\n')}\n  }`;
  });
  return `[\n${objects.join(',\n')}\n]\n`;
}

function print(columns: readonly string[], rows: readonly ReportRow[], format: OutputFormat): void {
  if (format === 'json') {
    process.stdout.write(toJson(columns, rows));
    return;
  }
  const cells: Record<string, Cell>[] = rows.map((r) => ({ ...r }));
  printRows(columns, cells, format);
}

/** Reports read a store; opening a path that does not exist would create an empty one. */
async function openExistingStore(db: string | undefined): Promise<AnalyticsStore> {
  const target = db && db.length > 0 ? db : process.env.TENURE_DB || DEFAULT_DB;
  if (!/^postgres(ql)?:\/\//.test(target) && target !== ':memory:' && !existsSync(target)) {
    throw new TenureError('NO_DATA', `no store at ${target}; import a data set first (tenure import DIR --db ${target})`);
  }
  return openStore(target);
}

async function runReport(
  opts: ReportFlags,
  columns: readonly string[],
  produce: (store: AnalyticsStore) => Promise<{ rows: readonly ReportRow[] }>,
): Promise<void> {
  const format = resolveFormat(opts);
  validateRange(opts); // bad flags fail before the store is touched
  const store = await openExistingStore(opts.db);
  try {
    const { rows } = await produce(store);
    print(columns, rows, format);
  } finally {
    await store.close();
  }
}

function reportCommand(parent: Command, name: string, description: string): Command {
  return withFormat(
    parent
      .command(name)
      .description(description)
      .option('--from <month>', 'first month, YYYY-MM (default: first billed month)')
      .option('--to <month>', 'last month, YYYY-MM (default: latest month with a bill, join or churn)')
      .option('--db <path>', `store to read (default $TENURE_DB or ${DEFAULT_DB})`),
  );
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
    .addOption(new Option('--lang <lang>', 'language of the reason labels').choices(REASON_LANGUAGES).default('zh'))
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_REASONS_COLUMNS, async (store) => churnReasons(store, opts, CLI_REPORT_OPTIONS));
    });

  reportCommand(report, 'churn-regions', 'opening base, churn and revenue lost per month and region; churn_rate = (voluntary + involuntary) / opening, as churn-totals, and the regions of a level add up to churn-totals')
    .addOption(new Option('--level <level>', 'region level').choices(REGION_LEVELS).default('province'))
    .action(async (opts: ReportFlags) => {
      await runReport(opts, CHURN_REGIONS_COLUMNS, async (store) => churnRegions(store, opts, CLI_REPORT_OPTIONS));
    });
}
