import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import type { LoadReport } from '../../store/clickhouse/load.ts';
import { isClickHouseTarget } from '../../store/open.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { importDataset, type ImportOptions, type ImportReport } from './import-dataset.ts';

/**
 * `tenure import DIR --db clickhouse://…` (issue 17): the ordinary import validates the folder
 * into a scratch DuckDB store in a private temporary folder (the same strict checks, the same
 * reject report, the same exit codes), and the ClickHouse loader (store/clickhouse/load.ts)
 * carries its tables into the ClickHouse store as a new load version, switched in at once.
 *
 * Unlike an import into DuckDB or PostgreSQL, which merges into the stored rows, a ClickHouse
 * import replaces each table the folder carries with the folder's rows (a full extract of it):
 * the scratch store starts empty. Tables the folder does not carry are left as they are.
 */
export function isClickHouseStore(db: string): boolean {
  return isClickHouseTarget(db);
}

/**
 * `--ops-db` beside `--db`: only with a ClickHouse store, and only a PostgreSQL URL (BAD_SETTING
 * otherwise). The adapters' code (pg, @clickhouse/client) loads only when an --ops-db is given.
 */
export async function checkOpsDb(db: string, opsDb: string | undefined): Promise<void> {
  if (opsDb === undefined || opsDb === '') return;
  const { storePair } = await import('../../store/clickhouse/target.ts');
  storePair(db, opsDb);
}

export interface ClickHouseImportOptions extends ImportOptions {
  /** `--ops-db`: checked to be a PostgreSQL URL (the operational records of a ClickHouse store live there). */
  readonly opsDb?: string;
  /** Folders the scratch store may read (the data folder, symbolic links' targets). */
  readonly readableDirectories: readonly string[];
  /** Rows per INSERT into ClickHouse (default the loader's 50,000). */
  readonly batchRows?: number;
  /** After each batch sent to ClickHouse: the table and its rows so far. */
  readonly onLoadBatch?: (table: string, rowsSoFar: number) => void;
  /** After each table sent (its rows and milliseconds). */
  readonly onLoadTable?: (table: string, rows: number, ms: number) => void;
}

export interface ClickHouseImport {
  /** The validation's report (files, rejects): read its rejects from `scratch`. */
  readonly report: ImportReport;
  /** The scratch DuckDB store the folder was validated into; gone after `close`. */
  readonly scratch: AnalyticsStore;
  /** Where the rows went (redacted). */
  readonly location: string;
  /** What the load carried; null when no file was loaded (nothing is sent, the ClickHouse store is unchanged). */
  readonly load: LoadReport | null;
  close(): Promise<void>;
}

/**
 * Validates `dir` and loads it into the ClickHouse store `db`. The ClickHouse store is opened
 * (created on every server when missing, migrated) before the folder is read, so a wrong URL or a
 * server that does not answer fails first. A file with a schema error is not loaded, as on DuckDB;
 * the other files are.
 */
export async function importIntoClickHouse(db: string, dir: string, options: ClickHouseImportOptions): Promise<ClickHouseImport> {
  await checkOpsDb(db, options.opsDb);
  const [{ ClickHouseStore }, { loadDuckDBIntoClickHouse }] = await Promise.all([
    import('../../store/clickhouse/clickhouse-store.ts'),
    import('../../store/clickhouse/load.ts'),
  ]);
  const target = await ClickHouseStore.open(db, { create: true });
  const folder = mkdtempSync(join(tmpdir(), 'tenure-ch-import-'));
  let scratch: DuckDBStore | undefined;
  const close = async () => {
    await scratch?.close();
    await target.close();
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    scratch = await DuckDBStore.open(join(folder, 'scratch.duckdb'), {
      access: 'read-write',
      create: true,
      readableDirectories: options.readableDirectories.map((d) => resolve(d)),
    });
    const report = await importDataset(scratch, dir, { ...options, prepareAnalytics: false });
    const tables = report.files.filter((f) => f.status === 'loaded').map((f) => f.file as string);
    const load =
      tables.length > 0
      ? await loadDuckDBIntoClickHouse(scratch, target, {
          tables,
          ...(options.batchRows === undefined ? {} : { batchRows: options.batchRows }),
          ...(options.onLoadBatch ? { onBatch: options.onLoadBatch } : {}),
          ...(options.onLoadTable ? { onTable: options.onLoadTable } : {}),
        })
      : null;
    return { report, scratch, location: target.location, load, close };
  } catch (err) {
    await close();
    throw err;
  }
}
