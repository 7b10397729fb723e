import { resolve } from 'node:path';
import type { AnalyticsStore, StoreAccess } from './port.ts';
import { DuckDBStore } from './duckdb/duckdb-store.ts';

// The server engines load when a URL names them (dynamic imports, chunks of the CLI bundle of
// their own): a DuckDB command never pays at start for the PostgreSQL and ClickHouse clients.
// Same forms as postgres/connection.ts isPostgresUrl and clickhouse/target.ts isClickHouseUrl
// (open.test.ts holds them together).
export const isPostgresTarget = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target);
export const isClickHouseTarget = (target: string): boolean => /^clickhouse:\/\//i.test(target);

export const DEFAULT_DB = './tenure.duckdb';

export interface OpenStoreOptions {
  /** What the command does with the store: read commands 'read-only', the writers 'read-write'. */
  readonly access: StoreAccess;
  /**
   * Create the store when the file does not exist: only import and the main job. Everything else
   * fails on a missing file, so a mistyped --db is an error instead of a new empty store.
   */
  readonly create?: boolean;
  /** Folders the engine must read (import's data folder); it reaches no other file. */
  readonly readableDirectories?: readonly string[];
}

/** `--db`, else $TENURE_DB, else ./tenure.duckdb. */
export function storeTarget(db: string | undefined): string {
  if (db !== undefined && db.length > 0) return db;
  const env = process.env.TENURE_DB;
  return env !== undefined && env.length > 0 ? env : DEFAULT_DB;
}

/** Resolves `--db` / $TENURE_DB to a store: a file path is DuckDB, postgres:// and clickhouse:// server stores. */
export async function openStore(db: string | undefined, options: OpenStoreOptions): Promise<AnalyticsStore> {
  const target = storeTarget(db);
  const readableDirectories = (options.readableDirectories ?? []).map((d) => resolve(d));
  if (isPostgresTarget(target)) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    return PostgresStore.open(target, { access: options.access, readableDirectories });
  }
  // ClickHouse (issue 17, first slice): commands whose SQL or transactions it cannot run yet fail with UNSUPPORTED_ENGINE.
  if (isClickHouseTarget(target)) {
    const { ClickHouseStore } = await import('./clickhouse/clickhouse-store.ts');
    return ClickHouseStore.open(target, { access: options.access, create: options.create === true });
  }
  return DuckDBStore.open(target, { access: options.access, create: options.create === true, readableDirectories });
}
