/**
 * Derived data (stage history, value snapshot, the reports' basis) on a read-only store.
 *
 * The writer commands keep derived tables in the store; a read command must not write, yet may
 * need a month nobody kept. It then builds the rows in temporary tables of the same names: they
 * live in the session's temporary catalog (DuckDB allows that on a read-only file), shadow the
 * kept tables for every unqualified name in the same session, and vanish at close. Once a
 * shadow exists, the kept rows a read needs are copied into it, so readers always find every
 * month they asked for under one name.
 */
import type { AnalyticsStore } from '../store/port.ts';
import { quoteIdent } from '../store/schema.ts';

/** The temporary (shadowing) table's qualified name. */
export function temporaryTable(name: string): string {
  return `temp.main.${quoteIdent(name)}`;
}

async function tableExists(store: AnalyticsStore, catalogSql: string, name: string): Promise<boolean> {
  const [row] = await store.query<{ n: number }>(
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_catalog = ${catalogSql} AND table_schema = 'main' AND table_name = $1`,
    [name],
  );
  return Number(row?.n ?? 0) > 0;
}

/** The kept table in the store file, qualified past any shadow; null when it was never kept. */
export async function keptTable(store: AnalyticsStore, name: string): Promise<string | null> {
  const [db] = await store.query<{ db: string }>('SELECT current_database() AS db');
  if (!db || !(await tableExists(store, 'current_database()', name))) return null;
  return `${quoteIdent(db.db)}.main.${quoteIdent(name)}`;
}

export async function temporaryTableExists(store: AnalyticsStore, name: string): Promise<boolean> {
  return tableExists(store, "'temp'", name);
}
