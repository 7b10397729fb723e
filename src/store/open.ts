import type { AnalyticsStore } from './port.ts';
import { DuckDBStore } from './duckdb/duckdb-store.ts';
import { StoreError } from './errors.ts';

export const DEFAULT_DB = './tenure.duckdb';

/** Resolves `--db` / $TENURE_DB to a store: a file path is DuckDB, postgres:// a server store. */
export async function openStore(db: string | undefined = process.env.TENURE_DB): Promise<AnalyticsStore> {
  const target = db && db.length > 0 ? db : DEFAULT_DB;
  if (/^postgres(ql)?:\/\//.test(target)) {
    throw new StoreError('UNSUPPORTED_ENGINE', 'the PostgreSQL store is not available yet; use a DuckDB file path');
  }
  return DuckDBStore.open(target);
}
