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
import type { AnalyticsStore, StoreTx } from '../store/port.ts';

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

/** Row counts of the data tables the derived tables are built from: what their fingerprints are made of. */
export interface DataCounts {
  readonly customers: string;
  readonly churn_events: string;
  readonly monthly_usage: string;
  readonly subscriptions: string;
  readonly import_runs: string;
}

const countsOfReadOnly = new WeakMap<AnalyticsStore, Promise<DataCounts>>();

/**
 * The data tables' row counts, as decimal text. A count is a scan of the table on PostgreSQL (at
 * 1M customers a second or more for the bills), and one read command checks several derived
 * tables: a read-only session, which cannot change the data, counts once and reuses the answer;
 * a writer counts every time.
 */
export function dataCounts(store: AnalyticsStore, tx: StoreTx = store): Promise<DataCounts> {
  if (store.access !== 'read-only') return countData(tx);
  let counts = countsOfReadOnly.get(store);
  if (!counts) {
    counts = countData(tx);
    countsOfReadOnly.set(store, counts);
    counts.catch(() => countsOfReadOnly.delete(store));
  }
  return counts;
}

async function countData(tx: StoreTx): Promise<DataCounts> {
  const [row] = await tx.query<Record<keyof DataCounts, number | bigint | string>>(
    `SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM churn_events) AS churn_events,
            (SELECT count(*) FROM monthly_usage) AS monthly_usage, (SELECT count(*) FROM subscriptions) AS subscriptions,
            (SELECT count(*) FROM import_runs) AS import_runs`,
  );
  const text = (v: number | bigint | string | undefined) => String(v ?? 0);
  return {
    customers: text(row?.customers),
    churn_events: text(row?.churn_events),
    monthly_usage: text(row?.monthly_usage),
    subscriptions: text(row?.subscriptions),
    import_runs: text(row?.import_runs),
  };
}
