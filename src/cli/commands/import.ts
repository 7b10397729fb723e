import type { Command } from 'commander';
import { OutputFile } from '../../app/files/safe-write.ts';
import { IMPORT_ORDER } from '../../contract/spec.ts';
import { rejectsRetentionDays } from '../../app/import/limits.ts';
import { importDataset, type ImportProgress, type ImportReport } from '../../app/import/import-dataset.ts';
import { ignoredNotes, symlinkTargetFolders } from '../../app/import/discover.ts';
import { type AnalyticsStore, openStore, storeTarget } from '../../app/store.ts';
import { checkOpsDb, importIntoClickHouse, isClickHouseStore } from '../../app/import/clickhouse.ts';
import { EXIT_DATA_PROBLEMS, EXIT_FATAL, EXIT_OK } from '../errors.ts';
import { printJson, printRows, resolveFormat, toCsv, withFormat, type FormatOptions } from '../output.ts';
import { safeMessage } from '../terminal.ts';

interface ImportCliOptions extends FormatOptions {
  db?: string;
  opsDb?: string;
  rejects?: string;
  prepare?: boolean;
  followSymlinks?: boolean;
  rejectsRetentionDays?: string;
}

const SHOWN_REJECTS = 20;
const PAGE = 50_000;
const PROGRESS_MIN_BYTES = 16 << 20;

/**
 * From this many customers, staging on first use takes seconds: on the 2-core reference
 * machine the first lifecycle, transitions, value and customer calls took 1.2–2.7 s at 200,000
 * customers and 2.7–12 s at 1,000,000 after an import with --no-prepare (bench/analytics.ts --cli --plain).
 */
export const LARGE_BASE = 500_000;

/** What to tell the user after an import of `customers` accounts with --no-prepare, if anything. */
export function prepareHint(customers: number): string | null {
  if (customers < LARGE_BASE) return null;
  return `tenure: ${customers.toLocaleString('en-US')} customers: the first lifecycle, transitions, value and customer calls will stage and value them on the spot (seconds each); import without --no-prepare to keep them ready\n`;
}

type RejectRow = { file: string; line: number; column: string; value: string | null; reason: string; row_bytes: number | null; row_sha256: string | null };

/** Files in the order they are imported (contract order), then lines: the same order on every engine. */
const fileOrder = `CASE r.file ${IMPORT_ORDER.map((f, i) => `WHEN '${f}' THEN ${i}`).join(' ')} ELSE ${IMPORT_ORDER.length} END`;
const rejectsQuery = `SELECT r.file, r.line, r."column", r.value, r.reason, r.row_bytes, r.row_sha256 FROM import_rejects r
  WHERE r.run_id = CAST($1 AS VARCHAR) ORDER BY ${fileOrder}, r.file, r.line, r."column", r.reason LIMIT CAST($2 AS BIGINT) OFFSET CAST($3 AS BIGINT)`;

/**
 * Writes every reject of the run as `file,line,column,value,reason,row_bytes,row_sha256`, page by
 * page, into an output opened before the import. A personal column's value and a broken row's
 * text are never there (blank value); a broken row has its length and SHA-256 instead.
 */
async function writeRejects(store: AnalyticsStore, runId: string, out: OutputFile): Promise<void> {
  const columns = ['file', 'line', 'column', 'value', 'reason', 'row_bytes', 'row_sha256'];
  out.write(toCsv(columns, []));
  for (let offset = 0; ; offset += PAGE) {
    const rows = await store.query<RejectRow>(rejectsQuery, [runId, PAGE, offset]);
    if (rows.length === 0) break;
    out.write(toCsv(columns, rows).split('\n').slice(1).join('\n'));
    if (rows.length < PAGE) break;
  }
  out.commit();
}

function progressPrinter(): ((p: ImportProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase === 'reading') {
      if ((p.totalBytes ?? 0) < PROGRESS_MIN_BYTES || now - last < 500) return;
      last = now;
      const pct = Math.min(100, Math.floor((100 * (p.bytesRead ?? 0)) / (p.totalBytes ?? 1)));
      process.stderr.write(`\r${p.file}: reading ${pct}%   `);
    } else if (p.phase === 'done') {
      if (last > 0) process.stderr.write('\r\x1b[K');
      last = 0;
    } else if (last > 0) process.stderr.write(`\r${p.file}: ${p.phase}…     `);
  };
}

async function printSummary(store: AnalyticsStore, report: ImportReport, opts: ImportCliOptions): Promise<void> {
  const format = resolveFormat(opts);
  if (format === 'json') {
    const files = Object.fromEntries(
      report.files.map((f) => [
        f.file,
        {
          read: f.read,
          accepted: f.accepted,
          rejected: f.rejected,
          inserted: f.inserted,
          updated: f.updated,
          unchanged: f.unchanged,
          status: f.status,
          ...(f.errors.length ? { errors: f.errors } : {}),
        },
      ]),
    );
    printJson({ files, rejected: report.rejected });
  } else {
    const columns = ['file', 'read', 'accepted', 'rejected', 'inserted', 'updated', 'unchanged', 'status'];
    printRows(columns, report.files.map(({ errors: _errors, ...f }) => f), format);
  }
  for (const f of report.files) {
    for (const e of f.errors) process.stderr.write(`${f.path}: schema error: ${e} (file not loaded)\n`);
    if (f.updated > 0) process.stderr.write(`${f.file}: ${f.updated} existing rows replaced by changed rows\n`);
  }
  if (report.rejected > 0) {
    const shown = await store.query<RejectRow>(rejectsQuery, [report.runId, SHOWN_REJECTS, 0]);
    for (const r of shown) {
      const what =
        r.value !== null
          ? ` (value ${JSON.stringify(r.value)})`
          : r.row_bytes !== null
            ? ` (row of ${r.row_bytes} bytes, sha256 ${String(r.row_sha256).slice(0, 12)}…)`
            : '';
      process.stderr.write(safeMessage(`${r.file}:${r.line}:${r.column || '(row)'}: ${r.reason}${what}\n`));
    }
    const more = report.rejected > shown.length ? `; showing the first ${shown.length} problems` : '';
    const hint = opts.rejects ? `; all written to ${opts.rejects}` : '; use --rejects FILE for the full list';
    process.stderr.write(`${report.rejected} rows rejected${more}${hint}\n`);
  }
}

/** Progress of the load into ClickHouse on a TTY: the table and its rows so far. */
function loadProgress(): { onLoadBatch?: (table: string, rows: number) => void; onLoadTable?: (table: string, rows: number, ms: number) => void } {
  if (!process.stderr.isTTY) return {};
  return {
    onLoadBatch: (table, rows) => process.stderr.write(`\r${table}: loading into ClickHouse, ${rows.toLocaleString('en-US')} rows   `),
    onLoadTable: () => process.stderr.write('\r\x1b[K'),
  };
}

/**
 * `import --db clickhouse://…`: the same validation, summary, reject report and exit codes as
 * the DuckDB import (the folder is validated into a scratch DuckDB store), then the load.
 */
async function importClickHouse(
  db: string,
  dir: string,
  opts: ImportCliOptions,
  o: { retention: number | undefined; rejectsOut: OutputFile | null; opsDb?: string },
): Promise<void> {
  let run: Awaited<ReturnType<typeof importIntoClickHouse>>;
  try {
    const onProgress = progressPrinter();
    run = await importIntoClickHouse(db, dir, {
      ...(onProgress ? { onProgress } : {}),
      ...loadProgress(),
      ...(o.opsDb === undefined ? {} : { opsDb: o.opsDb }),
      followSymlinks: opts.followSymlinks === true,
      ...(o.retention === undefined ? {} : { rejectsRetentionDays: o.retention }),
      readableDirectories: [dir, ...(opts.followSymlinks === true ? symlinkTargetFolders(dir) : [])],
    });
  } catch (err) {
    o.rejectsOut?.abort();
    throw err;
  }
  try {
    const { report, scratch, load } = run;
    for (const f of report.files) if (f.via) process.stderr.write(`tenure: ${f.via} is a symbolic link; read ${f.path}\n`);
    if (o.rejectsOut) await writeRejects(scratch, report.runId, o.rejectsOut);
    await printSummary(scratch, report, opts);
    for (const note of ignoredNotes(report.ignored)) process.stderr.write(`tenure: note: ${note}\n`);
    if (load) {
      const ms = load.tables.reduce((n, t) => n + t.ms, 0);
      process.stderr.write(`tenure: loaded ${load.rows.toLocaleString('en-US')} rows of ${load.tables.map((t) => t.table).join(', ')} into the ClickHouse store ${run.location} (${(ms / 1000).toFixed(1)} s)\n`);
    } else {
      process.stderr.write(`tenure: no file was loaded; the ClickHouse store ${run.location} is unchanged\n`);
    }
    const schemaErrors = report.files.some((f) => f.status === 'schema_error');
    process.exitCode = schemaErrors ? EXIT_FATAL : report.rejected > 0 ? EXIT_DATA_PROBLEMS : EXIT_OK;
  } finally {
    o.rejectsOut?.abort();
    await run.close();
  }
}

export function register(program: Command): void {
  withFormat(
    program
      .command('import')
      .description('validate and load an operator data set (CSV, CSV.gz or Parquet files of the data contract)')
      .argument('<dir>', 'folder holding customers, monthly_usage, churn_events and optional files')
      .option('--db <path>', 'store to load into (default ./tenure.duckdb or $TENURE_DB); clickhouse://… validates into a scratch store, then loads')
      .option('--ops-db <url>', 'with a ClickHouse --db: the PostgreSQL store of its operational records (default $TENURE_OPS_DB; import writes none)')
      .option('--rejects <file>', 'write every rejected row as CSV (0600): file,line,column,value,reason,row_bytes,row_sha256; no personal values, no raw rows')
      .option('--rejects-retention-days <n>', 'purge stored rejects of imports older than n days first (default $TENURE_REJECTS_RETENTION_DAYS or 30; 0 keeps only this run\'s)')
      .option('--follow-symlinks', 'read data files that are symbolic links (the target is read and recorded); by default they are refused')
      .option('--no-prepare', "load only: do not keep the latest months' lifecycle stages and customer values (the first lifecycle, transitions, value and customer calls then compute them)"),
  ).action(async (dir: string, opts: ImportCliOptions) => {
    resolveFormat(opts); // flag errors (--json with --format csv, a bad --lang) before anything is loaded
    // The rejects file is checked and created (as a private temporary file) before anything is
    // loaded: a bad path is a usage error (exit 2) with the store untouched, not a failure after commit.
    const retention = rejectsRetentionDays(opts.rejectsRetentionDays);
    const db = storeTarget(opts.db);
    // $TENURE_OPS_DB applies to ClickHouse stores only; an explicit --ops-db elsewhere is refused.
    const opsDb = opts.opsDb ?? (isClickHouseStore(db) ? process.env.TENURE_OPS_DB : undefined);
    await checkOpsDb(db, opsDb);
    const rejectsOut = opts.rejects !== undefined ? OutputFile.open(opts.rejects, { what: '--rejects' }) : null;
    if (isClickHouseStore(db)) {
      await importClickHouse(db, dir, opts, { retention, rejectsOut, ...(opsDb === undefined ? {} : { opsDb }) });
      return;
    }
    let store: AnalyticsStore;
    try {
      // The one command that creates a store; the engine may read the data folder and nothing else.
      store = await openStore(opts.db, { access: 'read-write', create: true, readableDirectories: [dir, ...(opts.followSymlinks === true ? symlinkTargetFolders(dir) : [])] });
    } catch (err) {
      rejectsOut?.abort();
      throw err;
    }
    try {
      const onProgress = progressPrinter();
      const report = await importDataset(store, dir, {
        ...(onProgress ? { onProgress } : {}),
        prepareAnalytics: opts.prepare !== false,
        followSymlinks: opts.followSymlinks === true,
        rejectsRetentionDays: retention,
      });
      for (const f of report.files) if (f.via) process.stderr.write(`tenure: ${f.via} is a symbolic link; read ${f.path}\n`);
      if (rejectsOut) await writeRejects(store, report.runId, rejectsOut);
      await printSummary(store, report, opts);
      for (const note of ignoredNotes(report.ignored)) process.stderr.write(`tenure: note: ${note}\n`);
      if (report.analytics) {
        const a = report.analytics;
        const first = a.months[0];
        const last = a.months[a.months.length - 1];
        const range = first === last ? `${last}` : `${first}..${last}`;
        process.stderr.write(`tenure: kept the lifecycle stages of ${range} and the customer values of ${last} for the read commands (${a.seconds.toFixed(1)} s)\n`);
      } else if (report.analyticsError !== undefined) {
        process.stderr.write(`tenure: warning: the data is loaded, but keeping the lifecycle stages and values failed (the read commands will compute them): ${report.analyticsError}\n`);
      } else if (opts.prepare === false && report.files.some((f) => f.status === 'loaded')) {
        const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers');
        const hint = prepareHint(Number(row?.n ?? 0));
        if (hint) process.stderr.write(hint);
      }
      const schemaErrors = report.files.some((f) => f.status === 'schema_error');
      process.exitCode = schemaErrors ? EXIT_FATAL : report.rejected > 0 ? EXIT_DATA_PROBLEMS : EXIT_OK;
    } finally {
      rejectsOut?.abort();
      await store.close();
    }
  });
}
