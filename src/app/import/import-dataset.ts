import { randomUUID } from 'node:crypto';
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileSpec, MONEY_SCALE, type FileName } from '../../contract/spec.ts';
import type { AnalyticsStore, StageFileRequest, StoreTx } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { readCsvHeader, scanCsvFile, writeWithoutRecords, type CsvSource } from './csv-file.ts';
import { discoverDataset, type DataFile } from './discover.ts';
import { escapeGlob, InputFile } from './input-file.ts';
import { fieldChecks, layoutFor, MAX_COLUMNS_PER_FILE } from './layout.ts';
import { importLimits, rejectsRetentionDays, type ImportLimits } from './limits.ts';
import type { ScanResult } from './scanner.ts';
import * as S from './sql.ts';
import { refreshChurnBasis } from '../reports/basis.ts';
import { prepareLatestAnalytics, type PreparedAnalytics } from '../lifecycle/prepare.ts';
import { keepCampaignArmSums } from '../campaigns/evaluate.ts';
import { requireWritable } from '../../store/access.ts';
import type { Dialect } from '../../store/dialect.ts';
import { quoteIdent } from '../../store/schema.ts';
import { loadPointsRules } from '../points/rules-file.ts';
import { postImportedPoints } from '../points/post-import.ts';
import { addExtraSql, storedExtras, widenToTextSql, type StoredExtra, type WideExtraTable } from '../../store/wide-extras.ts';
import { changingData } from '../data-generation.ts';
import { notePhase, timedPhase } from '../../store/phase-profile.ts';

export interface FileOutcome {
  readonly file: FileName;
  /** The file actually read (a followed symlink's target). */
  readonly path: string;
  /** The symlink it was reached through, when one was followed. */
  readonly via: string | null;
  /** SHA-256 of the file's bytes as read (null: schema error, not read through). */
  readonly sha256: string | null;
  readonly status: 'loaded' | 'schema_error';
  readonly read: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Schema errors (the file was not loaded). */
  readonly errors: readonly string[];
}

export interface ImportReport {
  readonly runId: string;
  readonly files: readonly FileOutcome[];
  readonly rejected: number;
  readonly ignored: readonly string[];
  /** The latest months' lifecycle stages and values kept for the read commands (null: not prepared). */
  readonly analytics: PreparedAnalytics | null;
  /** Why preparing them failed, when it did (the data is loaded all the same). */
  readonly analyticsError?: string;
}

export interface ImportProgress {
  readonly file: FileName;
  readonly phase: 'reading' | 'validating' | 'merging' | 'done';
  readonly bytesRead?: number;
  readonly totalBytes?: number;
}

export interface ImportOptions {
  /** Operator time zone for timestamps with an offset (default $TENURE_TIMEZONE or Asia/Shanghai). */
  readonly timezone?: string;
  readonly onProgress?: (p: ImportProgress) => void;
  /** Suspect rows kept from the byte scan before falling back to SQL lexical checks (default 100,000). */
  readonly maxSuspects?: number;
  /**
   * After loading, keep the latest months' lifecycle stages and customer values (prepare.ts),
   * so the first lifecycle / transitions / value / customer call reads kept tables instead of
   * staging the whole base on the spot (default true; false loads only).
   */
  readonly prepareAnalytics?: boolean;
  /** Read a data file that is a symbolic link (resolved; its target is recorded). Default: refuse it. */
  readonly followSymlinks?: boolean;
  /** Bounds on each file's work (limits.ts; default from the environment). */
  readonly limits?: Partial<ImportLimits>;
  /** Stored rejects older than this many days are purged first (default $TENURE_REJECTS_RETENTION_DAYS or 30). */
  readonly rejectsRetentionDays?: number;
  /** Months after its earn date that an imported earn expires (default: the points rules' expiry_months, $TENURE_POINTS_RULES or built in). */
  readonly pointsExpiryMonths?: number;
}

interface RunContext {
  readonly dialect: Dialect;
  readonly runId: string;
  readonly timezone: string;
  readonly work: string;
  readonly limits: ImportLimits;
  readonly options: ImportOptions;
}

const BATCH = 1000;

export function operatorTimezone(explicit?: string): string {
  const tz = explicit ?? process.env.TENURE_TIMEZONE ?? 'Asia/Shanghai';
  try {
    if (!/^[A-Za-z0-9_+\-/]+$/.test(tz)) throw new RangeError(tz);
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new TenureError('USAGE', `unknown time zone ${tz} (TENURE_TIMEZONE)`);
  }
  return tz;
}

/** Validates and loads a data-set folder, one transaction per file, in contract import order. */
export async function importDataset(store: AnalyticsStore, dir: string, options: ImportOptions = {}): Promise<ImportReport> {
  requireWritable(store, 'import');
  const { files, ignored } = discoverDataset(dir);
  return importFiles(store, files, ignored, options);
}

/**
 * Validates and loads one contract file under any file name (`tenure points post FILE`), with
 * the same rules as a folder import; the latest months' analytics are not prepared again.
 */
export async function importContractFile(store: AnalyticsStore, name: FileName, path: string, options: ImportOptions = {}): Promise<ImportReport> {
  requireWritable(store, 'import');
  const lower = path.toLowerCase();
  const format = lower.endsWith('.parquet') ? 'parquet' : lower.endsWith('.csv') || lower.endsWith('.csv.gz') ? 'csv' : null;
  if (format === null) throw new TenureError('USAGE', `${path}: a ${name} file must end in .csv, .csv.gz or .parquet`, { file: path });
  let bytes: number;
  try {
    bytes = lstatSync(path).size;
  } catch {
    throw new TenureError('FILE_NOT_FOUND', `file not found: ${path}`, { file: path });
  }
  return importFiles(store, [{ name, path, format, bytes }], [], { ...options, prepareAnalytics: false });
}

async function importFiles(store: AnalyticsStore, files: readonly DataFile[], ignored: string[], options: ImportOptions): Promise<ImportReport> {
  const timezone = operatorTimezone(options.timezone);
  const limits = importLimits(options.limits);
  const retention = rejectsRetentionDays(options.rejectsRetentionDays);
  const runId = randomUUID();
  const outcomes: FileOutcome[] = [];
  // Every file is opened (and a symlink, FIFO or folder refused) before the first one loads.
  const inputs: InputFile[] = [];
  // Inside the store's scratch folder: the engine may read nothing else (store/duckdb/engine.ts).
  const work = mkdtempSync(join(store.scratchDirectory(), 'import-'));
  try {
    for (const file of files) inputs.push(InputFile.open(file.path, { followSymlinks: options.followSymlinks === true }));
    await purgeRejects(store, retention);
    const ctx: RunContext = { dialect: store.dialect, runId, timezone, work, limits, options };
    for (const [i, file] of files.entries()) outcomes.push(await importFile(store, file, inputs[i] as InputFile, ctx));
  } finally {
    for (const input of inputs) input.close();
    rmSync(work, { recursive: true, force: true });
  }
  // The reports' derived tables follow the data at once, so the first report after an import
  // is as fast as every later one (their fingerprint includes this run, so they are stale now).
  const loaded = outcomes.some((o) => o.status === 'loaded');
  if (loaded) await timedPhase('after: churn basis refresh', '*', () => store.transaction((tx) => refreshChurnBasis(store, tx)));
  // The latest months' stages and values, after the data is committed: a failure here loses
  // nothing (the read commands build them on first use), so it is reported, not thrown.
  let analytics: PreparedAnalytics | null = null;
  let analyticsError: string | undefined;
  if (loaded && options.prepareAnalytics !== false && (await hasCustomers(store))) {
    try {
      analytics = await timedPhase('after: keep stages and values', '*', () => prepareLatestAnalytics(store));
      // After the latest month's value snapshot: campaigns whose window has run its course.
      await timedPhase('after: campaign arm sums', '*', () => keepCampaignArmSums(store));
    } catch (err) {
      analyticsError = (err as Error).message;
    }
  }
  return {
    runId,
    files: outcomes,
    rejected: outcomes.reduce((n, f) => n + f.rejected, 0),
    ignored,
    analytics,
    ...(analyticsError !== undefined ? { analyticsError } : {}),
  };
}

/** Stored rejects of runs finished more than `days` days ago go (0 keeps none of the earlier runs). */
async function purgeRejects(store: AnalyticsStore, days: number): Promise<void> {
  await store.run(
    `DELETE FROM import_rejects WHERE run_id IN (
       SELECT run_id FROM import_runs GROUP BY run_id HAVING max(finished_at) < ${store.dialect.addMinutes('current_timestamp', 'CAST($1 AS INTEGER) * -1440')})`,
    [days],
  );
}

async function hasCustomers(store: AnalyticsStore): Promise<boolean> {
  const [row] = await store.query<{ n: number | bigint }>('SELECT count(*) AS n FROM (SELECT 1 FROM customers LIMIT 1) AS c');
  return Number(row?.n ?? 0) > 0;
}

async function insertBatches(tx: StoreTx, table: string, rows: readonly (readonly (string | number | null)[])[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await tx.run(S.insertValuesSql(table, rows.slice(i, i + BATCH)));
}

interface Staged {
  readonly layout: S.Layout;
  readonly scan: ScanResult | null;
  readonly records: number;
  /** Lexical rules were checked in SQL for every row (no scanner suspects to rely on). */
  readonly lexicalInSql: boolean;
  /** A cleaned copy of the file, removed once the file is merged. */
  readonly copy: string | null;
  readonly sha256: string;
  /** Staged rows failing a cheap check (stageQuery `_ok`), for the full validator. */
  readonly failing: number;
  /** 0: no key repeats in the file (sql.ts stagedSummarySelect), so no duplicate search. */
  readonly repeatedHint: number;
  /**
   * The store holds only the columns the validation reads (sql.ts validationColumns) and its
   * file reader keeps the rows, to append them straight to the empty table (store.loadStaged).
   */
  readonly slim: boolean;
}

/**
 * Thrown inside a file's transaction when its rows were staged for a direct load that cannot
 * be done (a reject, a repeat, or the table no longer empty): the transaction rolls back and the
 * file is staged again, whole.
 */
class StageWhole extends Error {}

/** The staging summary (sql.ts stagedSummarySelect), received from the file reader with the rows. */
function summaryOf(layout: S.Layout): { request: NonNullable<StageFileRequest['summary']>; result: () => S.StagedSummary } {
  let got: S.StagedSummary | null = null;
  return {
    request: {
      select: S.stagedSummarySelect(layout),
      receive: (row) => (got = { bytes: row.bytes ?? 0, failing: row.failing ?? 0, repeatedHint: row.repeated_hint ?? 0 }),
    },
    result: () => {
      if (got === null) throw new TenureError('INTERNAL', 'the file reader returned no staging summary');
      return got;
    },
  };
}

/** The engine's file name for an input: our own glob-free name in the work folder, the suffix kept. */
function engineName(file: DataFile): string {
  return `${file.name}.${file.format === 'parquet' ? 'parquet' : /\.gz$/i.test(file.path) ? 'csv.gz' : 'csv'}`;
}

function csvOf(file: DataFile, input: InputFile): CsvSource {
  return { name: file.path, rawStream: () => input.rawStream() };
}

async function stage(store: AnalyticsStore, file: DataFile, input: InputFile, layout: S.Layout, ctx: RunContext, direct: boolean): Promise<Staged> {
  const { options, work, timezone, limits } = ctx;
  // A direct load (sql.ts directLoadable) when the reader found no failing row and no repeated key.
  let slim = false;
  const keep = (summary: Readonly<Record<string, number>>) => {
    const columns = direct && summary.failing === 0 && summary.repeated_hint === 0 ? S.validationColumns(layout) : undefined;
    slim = columns !== undefined;
    return columns;
  };
  const columns = layout.fileColumns;
  const queryFor = (lexicalInSql: boolean) => S.stageQuery(layout, { timezone, lexicalInSql });
  const enginePath = input.enginePath(work, engineName(file));
  const summary = summaryOf(layout);
  if (file.format === 'parquet') {
    const records = await store.stageFile(store, { path: enginePath, format: 'parquet', columns, table: S.T, query: queryFor(true), summary: summary.request, keep });
    const { failing, repeatedHint } = summary.result();
    return { layout, scan: null, records, lexicalInSql: true, copy: null, sha256: await input.sha256(), failing, repeatedHint, slim };
  }
  let bytesRead = 0;
  const progress = (n: number) => {
    bytesRead += n;
    options.onProgress?.({ file: file.name, phase: 'reading', bytesRead, totalBytes: input.size });
  };
  const request = { path: enginePath, format: 'csv' as const, columns, table: S.T, query: queryFor(false), summary: summary.request, keep };
  const attempt = (path: string, query: (source: string) => string) =>
    store.stageFile(store, { ...request, path, query }).then(
      (n) => ({ n, error: null as unknown }),
      (error: unknown) => ({ n: -1, error }),
    );
  const scanOptions = { checks: fieldChecks(layout), moneyScale: MONEY_SCALE, maxSuspects: options.maxSuspects, limits };
  // The engine reads the file while the scanner walks its bytes; both run at once. Not for a
  // .csv.gz: its size is only known once decompressed, so the scanner checks it against the
  // limits first and the engine never expands a decompression bomb.
  const compressed = /\.gz$/i.test(file.path);
  let staging = compressed ? null : attempt(enginePath, request.query);
  let scan: ScanResult & { sha256: string };
  try {
    scan = await timedPhase('scan: byte scanner (beside the reader)', file.name, () => scanCsvFile(csvOf(file, input), scanOptions, progress));
  } catch (err) {
    await staging; // never leave the engine reading behind a thrown error
    throw err;
  }
  staging ??= attempt(enginePath, request.query);
  let { n, error } = await staging;
  // Too many suspects to keep from the scan: check the lexical rules in SQL for every row instead.
  const lexicalInSql = scan.suspects === null;
  let path = enginePath;
  let copy: string | null = null;
  if (scan.structural.length > 0 || lexicalInSql) {
    if (scan.structural.length > 0) {
      // Hand the engine a copy without the broken records, so it reads exactly the good ones.
      copy = join(work, `${file.name}.clean.csv`);
      await writeWithoutRecords(csvOf(file, input), scan.structural, copy, limits);
      path = escapeGlob(copy);
    }
    ({ n, error } = await attempt(path, queryFor(lexicalInSql)));
  }
  if (error !== null) {
    throw new TenureError(
      'BAD_INPUT',
      `the database reader rejected a file the scanner found well-formed; refusing to guess: ${(error as Error).message}`,
      { file: file.path },
    );
  }
  if (n !== scan.records) {
    throw new TenureError('BAD_INPUT', `the database read ${n} records but the scanner found ${scan.records}; refusing to guess`, {
      file: file.path,
    });
  }
  const { bytes, failing, repeatedHint } = summary.result();
  if (bytes !== scan.fieldBytes) {
    throw new TenureError('BAD_INPUT', 'the database and the scanner disagree on the field contents; refusing to guess', {
      file: file.path,
    });
  }
  return { layout, scan, records: n, lexicalInSql, copy, sha256: scan.sha256, failing, repeatedHint, slim };
}

async function importFile(store: AnalyticsStore, file: DataFile, input: InputFile, ctx: RunContext): Promise<FileOutcome> {
  const { options } = ctx;
  const spec = fileSpec(file.name);
  const header =
    file.format === 'parquet'
      ? await store.describeFile(input.enginePath(ctx.work, engineName(file)), 'parquet')
      : await readCsvHeader(csvOf(file, input), ctx.limits);
  const checked = layoutFor(spec, header);
  const via = input.viaSymlink ? input.given : null;
  const empty = { file: file.name, path: input.path, via, sha256: null, read: 0, accepted: 0, rejected: 0, inserted: 0, updated: 0, unchanged: 0 };
  if ('errors' in checked) return { ...empty, status: 'schema_error', errors: checked.errors };
  const grown = await tooManyExtras(store, checked.layout);
  if (grown) return { ...empty, status: 'schema_error', errors: [grown] };
  const startedAt = new Date().toISOString();
  const table = checked.layout.spec.name;
  let direct = S.directLoadable(checked.layout) && (await count(store, `SELECT count(*) FROM (SELECT 1 FROM ${table} LIMIT 1) AS t`)) === 0;
  for (;;) {
    let staged: Staged | null = null;
    try {
      staged = await timedPhase('stage: total (read, scan, send)', file.name, () => stage(store, file, input, checked.layout, ctx, direct));
      options.onProgress?.({ file: file.name, phase: 'validating' });
      const ready = staged;
      // The data generation moves with the file's rows (app/data-generation.ts): a server's caches follow.
      const outcome = await timedPhase('store: validate, merge, commit (total)', file.name, () =>
        changingData(store, 'import', (tx) => validateAndMerge(store, tx, ready, file, input, startedAt, ctx)),
      );
      options.onProgress?.({ file: file.name, phase: 'done' });
      return outcome;
    } catch (err) {
      if (!(err instanceof StageWhole) || !direct) throw err;
      direct = false;
    } finally {
      await store.unstageFile(S.T);
      for (const sql of S.dropTempSql()) await store.run(sql);
      if (staged?.copy) rmSync(staged.copy, { force: true });
    }
  }
}

/**
 * The file's x_ columns as wide columns of the table (store/wide-extras.ts), added where the
 * table does not have them yet: usage measures as numbers (the validator rejected every other
 * value); customer attributes as numbers when every accepted value of the file is a plain number
 * and the stored column (if any) is numeric too, else as text (a numeric column becomes text, its
 * numbers written as given). Returns the table's x_ columns afterwards, in column order.
 */
async function prepareExtraColumns(tx: StoreTx, d: Dialect, layout: S.Layout, table: WideExtraTable): Promise<StoredExtra[]> {
  const stored = new Map((await storedExtras(tx, table)).map((x) => [x.name, x]));
  if (layout.extras.length === 0) return [...stored.values()];
  let numbers: readonly boolean[] = layout.extras.map(() => true);
  if (layout.spec.extras === 'attributes') {
    const [row] = await tx.query<Record<string, boolean | null>>(S.extrasAreNumbersSql(layout, d));
    numbers = layout.extras.map((_, i) => row?.[`n${i}`] !== false);
  }
  let altered = false;
  for (const [i, name] of layout.extras.entries()) {
    const type = numbers[i] ? 'number' : 'text';
    const have = stored.get(name);
    if (!have) await tx.run(addExtraSql(table, { name, type }, d));
    else if (have.type === 'number' && type === 'text') await tx.run(widenToTextSql(table, name, d));
    else continue;
    altered = true;
  }
  return altered ? storedExtras(tx, table) : [...stored.values()];
}

/**
 * The table a file's x_ columns are added to keeps at most as many x_ columns as a file may
 * have columns: the merge compares every column of a row, and past about a thousand the engine
 * refuses the expression (layout.ts). Columns stay once added, so exports that rename their x_ columns every
 * month would otherwise grow the table without bound.
 */
async function tooManyExtras(store: AnalyticsStore, layout: S.Layout): Promise<string | null> {
  if (!S.hasWideExtras(layout.spec) || layout.extras.length === 0) return null;
  const stored = new Set((await storedExtras(store, layout.spec.name)).map((x) => x.name));
  const added = layout.extras.filter((x) => !stored.has(x));
  const total = stored.size + added.length;
  if (added.length === 0 || total <= MAX_COLUMNS_PER_FILE) return null;
  return `the store's ${layout.spec.name} already has ${stored.size} x_ columns, and this file's ${added.length} new ones would make ${total}; at most ${MAX_COLUMNS_PER_FILE} x_ columns are kept per table`;
}

async function count(tx: StoreTx, sql: string): Promise<number> {
  const [row] = await tx.query(sql);
  return Number(Object.values(row ?? {})[0] ?? 0);
}

async function validateAndMerge(
  store: AnalyticsStore,
  tx: StoreTx,
  staged: Staged,
  file: DataFile,
  input: InputFile,
  startedAt: string,
  ctx: RunContext,
): Promise<FileOutcome> {
  const { runId, timezone, options, dialect: d } = ctx;
  const { layout, scan } = staged;
  const sqlOpts = { timezone, lexicalInSql: staged.lexicalInSql };
  const runAll = async (statements: readonly string[]) => {
    for (const sql of statements) await tx.run(sql);
  };
  const phase = <T>(name: string, work: () => Promise<T>) => timedPhase(name, file.name, work);
  const t0 = performance.now();
  await runAll(d.bulkLoadSettings());
  await runAll(S.createRejectsSql(d));
  await runAll(S.createTextTableSql(d, S.SCANNED, layout.fileColumns));
  await runAll(S.createEmptyTableSql(d, S.BREAKPOINTS, [['rec', 'BIGINT'], ['delta', 'BIGINT']]));
  await runAll(S.createEmptyTableSql(d, S.REPEATS, [['rec', 'BIGINT']]));
  if (scan) {
    await insertBatches(tx, S.REJ, scan.structural.map((r) => [null, r.line, r.column, null, r.reason, null, r.bytes, r.sha256]));
    const { rec, delta } = scan.breakpoints;
    await insertBatches(tx, S.BREAKPOINTS, rec.map((r, i) => [r, delta[i] ?? 0]));
    const suspects = scan.suspects ?? [];
    await insertBatches(tx, S.SCANNED, suspects.map((s) => [s.rec, ...s.fields.map((f) => (f === '' ? null : f))]));
  }
  // Row rules: the full validator runs only on suspect rows.
  if (staged.failing > 0) await runAll(S.suspectsSql(d, layout));
  else await runAll(S.createTextTableSql(d, S.SUSPECTS, layout.fileColumns));
  await tx.run(S.scannedSuspectsSql(layout));
  await tx.run(S.validateRowsSql(layout, sqlOpts, S.SUSPECTS, S.REJ, d));
  // Every row failing a cheap check must have a reject (none to look for when no row failed).
  const unexplained = staged.failing > 0 ? await count(tx, S.unexplainedSql()) : 0;
  if (unexplained > 0) {
    throw new TenureError('INTERNAL', `${unexplained} rows failed a check that the full validator cannot explain`, {
      file: file.path,
    });
  }
  await runAll(S.crossRowSql(layout, d));
  if (staged.repeatedHint > 0) await runAll(S.duplicatesSql(layout, d));
  if (layout.spec.name === 'points_transactions') {
    // The ledger posts the rows first: one it refuses (insufficient_points) is a reject like any other.
    await postImportedPoints(tx, {
      runId,
      fileLabel: basename(input.given),
      expiryMonths: options.pointsExpiryMonths ?? loadPointsRules().expiry_months,
      hasReason: layout.present.some((c) => c.name === 'reason'),
    });
  }
  notePhase('store: validate (suspects, cross-row, duplicates)', file.name, (performance.now() - t0) / 1000);
  const read = staged.records + (scan?.structural.length ?? 0);
  const rejected = await count(tx, S.rejectCountSql());
  const repeats = await count(tx, `SELECT count(*) FROM ${S.REPEATS}`);
  options.onProgress?.({ file: file.name, phase: 'merging' });
  const table = layout.spec.name;
  const targetEmpty = (await count(tx, `SELECT count(*) FROM (SELECT 1 FROM ${table} LIMIT 1) AS t`)) === 0;
  const extras = S.hasWideExtras(layout.spec) ? await prepareExtraColumns(tx, d, layout, layout.spec.name) : [];
  const filtered = (await count(tx, `SELECT count(*) FROM ${S.REJ} WHERE rec IS NOT NULL`)) > 0 || repeats > 0;
  // Staged for a direct load: only into an empty table, every row accepted and new.
  if (staged.slim && (!targetEmpty || filtered)) throw new StageWhole();
  const plan = staged.slim ? null : S.mergeSql(layout, d, { targetEmpty, filtered, extras });
  // Into an empty table, its secondary indexes (the server store's read indexes) are built once
  // after the load instead of row by row: the same indexes, a fraction of the work.
  const indexes = targetEmpty ? await tx.query<{ name: string; ddl: string }>(d.secondaryIndexesSql, [table]) : [];
  await runAll(indexes.map((ix) => `DROP INDEX ${quoteIdent(ix.name)}`));
  if (plan) await phase('store: merge into the table', () => runAll(plan.statements));
  else await phase('store: rows straight into the table (reader COPY)', () => store.loadStaged(tx, { table: S.T, into: table, columns: S.directLoadColumns(layout) }));
  await phase('store: index rebuild', () => runAll(indexes.map((ix) => ix.ddl)));
  const accepted = read - rejected;
  let inserted = accepted - repeats;
  let updated = 0;
  if (!plan?.counts) {
    const stored = await count(tx, `SELECT count(*) FROM ${table}`);
    if (stored !== inserted) {
      throw new TenureError('INTERNAL', `accepted ${inserted} new rows but stored ${stored}`, { file: file.path });
    }
  } else {
    const [c] = await tx.query<{ inserted: number; updated: number }>(plan.counts);
    inserted = Number(c?.inserted ?? 0);
    updated = Number(c?.updated ?? 0);
    const classified = await count(tx, `SELECT count(*) FROM ${S.CLASSIFIED}`);
    if (classified + repeats !== accepted) {
      throw new TenureError('INTERNAL', `accepted ${accepted} rows but merged ${classified + repeats}`, { file: file.path });
    }
  }
  const unchanged = accepted - inserted - updated;
  await phase('store: rejects kept', () => tx.run(S.storeRejectsSql(d), [runId, file.name]));
  // Last, before the commit: what was loaded is what was validated, from the file recorded.
  input.verifyUnchanged();
  await tx.run(
    `INSERT INTO import_runs (run_id, file, path, started_at, finished_at, rows_read, accepted, rejected, inserted, updated, unchanged, sha256, bytes)
     VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP), current_timestamp, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [runId, file.name, input.path, startedAt.replace('Z', ''), read, accepted, rejected, inserted, updated, unchanged, staged.sha256, input.size],
  );
  return {
    file: file.name,
    path: input.path,
    via: input.viaSymlink ? input.given : null,
    sha256: staged.sha256,
    status: 'loaded',
    read,
    accepted,
    rejected,
    inserted,
    updated,
    unchanged,
    errors: [],
  };
}
