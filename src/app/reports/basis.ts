/**
 * The derived tables behind the reports (see sql.ts for their SELECTs):
 * - report_churn_basis: one row per churn event with its region and revenue basis;
 * - report_monthly_revenue: revenue billed per month;
 * - report_join_counts: accounts joining per month and province/city/district.
 * Together they spare a report every scan of the customer and usage tables.
 *
 * Import keeps them current: after it has loaded customers, monthly_usage or churn_events
 * and written its import_runs rows, it calls refreshChurnBasis(store, tx) as the last step
 * of the same transaction. The tables record a fingerprint of the data they were built from
 * (row counts of the three tables and of import_runs, the latest import finish time); a
 * report uses them only while the fingerprint still matches and otherwise evaluates the
 * same SELECTs inline: slower (seconds on 1M customers), never stale. A change made behind
 * import's back that keeps every row count (an UPDATE in place) is the one case the
 * fingerprint cannot see; call refreshChurnBasis after such a change.
 */
import type { AnalyticsStore, StoreTx } from '../../store/port.ts';
import { derivedColumns } from '../../store/schema.ts';
import { quoteLiteral } from '../../store/dialect.ts';
import { dataCounts } from '../kept-tables.ts';
import {
  churnBasisSelect,
  DERIVED_TABLES,
  joinCountsSelect,
  MONTHLY_REVENUE_SELECT,
  reportDialect,
  type BasisSource,
} from './sql.ts';

export const CHURN_BASIS_TABLE = DERIVED_TABLES.churnBasis;
const STATE_TABLE = 'report_derived_state';

/** Bump when the derived tables change shape: a store refreshed by an older build then reads inline. */
const DERIVED_VERSION = 3;

/** The data state the tables are built from: row counts (kept-tables.ts dataCounts) and the latest import. */
async function fingerprint(store: AnalyticsStore, tx: StoreTx): Promise<string> {
  const c = await dataCounts(store, tx);
  const [last] = await tx.query<{ t: string }>("SELECT coalesce(CAST((SELECT max(finished_at) FROM import_runs) AS VARCHAR), '-') AS t");
  return `v${DERIVED_VERSION}:${c.customers}:${c.churn_events}:${c.monthly_usage}:${c.import_runs}:${last?.t ?? '-'}`;
}

async function basisTables(store: AnalyticsStore, tx: StoreTx): Promise<[string, string][]> {
  const d = reportDialect(store);
  return [
    [DERIVED_TABLES.churnBasis, churnBasisSelect(d)],
    [DERIVED_TABLES.monthlyRevenue, MONTHLY_REVENUE_SELECT],
    [DERIVED_TABLES.joinCounts, joinCountsSelect(d)],
    [STATE_TABLE, `SELECT CAST(${quoteLiteral(await fingerprint(store, tx))} AS VARCHAR) AS fingerprint`],
  ];
}

/**
 * Rebuilds the derived tables from the current data: the tables are the schema's (migration 11,
 * store/schema.ts), emptied and filled with INSERT … SELECT in the caller's transaction. On a
 * read-only store they are built as temporary tables of the same names, which shadow the kept
 * ones for this session only (app/kept-tables.ts).
 */
export async function refreshChurnBasis(store: AnalyticsStore, tx: StoreTx = store): Promise<void> {
  if (store.access === 'read-only') return buildTemporaryBasis(store, tx);
  for (const [table, select] of await basisTables(store, tx)) {
    const cols = derivedColumns(table, store.dialect).map(([n]) => n).join(', ');
    await tx.run(`DELETE FROM ${table}`);
    await tx.run(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM (${select}) AS derived`);
  }
}

async function buildTemporaryBasis(store: AnalyticsStore, tx: StoreTx): Promise<void> {
  for (const [table, select] of await basisTables(store, tx)) for (const stmt of store.dialect.createTempTableAs(table, select)) await tx.run(stmt);
}

/** Whether the derived tables exist and match the current data. */
export async function derivedTablesCurrent(store: AnalyticsStore): Promise<boolean> {
  const [state] = await store.query<{ stored: string | null }>(
    `SELECT (SELECT max(fingerprint) FROM ${STATE_TABLE}) AS stored`,
  );
  return state?.stored != null && state.stored === (await fingerprint(store, store));
}

/**
 * Where a report reads its derived inputs: the tables when current; otherwise, with
 * `refreshStale`, the tables after rebuilding them (the CLI does this, so a store that import
 * left stale pays the rebuild once, not on every report), else the inline SELECTs.
 */
export async function churnBasisSource(store: AnalyticsStore, options: { refreshStale?: boolean } = {}): Promise<BasisSource> {
  if (await derivedTablesCurrent(store)) return { kind: 'table' };
  if (!options.refreshStale) return { kind: 'inline' };
  await store.transaction((tx) => refreshChurnBasis(store, tx));
  return { kind: 'table' };
}
