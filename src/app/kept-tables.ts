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

/** The temporary (shadowing) table's qualified name. */
export function temporaryTable(store: AnalyticsStore, name: string): string {
  return store.dialect.temporaryTable(name);
}

/** The kept table in the store, qualified past any shadow; null when it was never kept. */
export async function keptTable(store: AnalyticsStore, name: string): Promise<string | null> {
  const [row] = await store.query<{ q: string }>(store.dialect.storedTableSql, [name]);
  return row?.q ?? null;
}

export async function temporaryTableExists(store: AnalyticsStore, name: string): Promise<boolean> {
  const [row] = await store.query<{ n: number }>(store.dialect.temporaryTableExistsSql, [name]);
  return Number(row?.n ?? 0) > 0;
}
