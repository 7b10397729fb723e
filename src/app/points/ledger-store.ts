import type { Allocation, Lot, NewEntry } from '../../domain/points/ledger.ts';
import type { StoreTx } from '../../store/port.ts';
import { insertValuesSql } from '../import/sql.ts';

/**
 * The ledger's tables (store/schema.ts version 8) seen from the app: append entries and
 * allocations, load a set of customers' lots. Timestamps travel as fixed-width local text
 * ('YYYY-MM-DD HH:MM:SS.ffffff', fixedTs), so the domain compares them as strings.
 *
 * The SQL here runs on every engine inside the import's transaction, where only a StoreTx is at
 * hand: it needs nothing the engines spell differently (timestamps come back as the port's ISO
 * text and are made fixed-width here; temporary tables are dropped and created, not replaced).
 */
const BATCH = 1000;

const TS_RE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/;

/**
 * A TIMESTAMP as the port returns it ('YYYY-MM-DD HH:MM:SS[.f…]', DuckDB and PostgreSQL trim the
 * fraction differently) as fixed-width text with six fraction digits, which sorts as time does.
 */
export function fixedTs(value: unknown): string {
  const m = TS_RE.exec(String(value));
  if (!m) throw new TypeError(`not a local timestamp: ${String(value)}`);
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0')}`;
}

/** A temporary table made afresh on every engine (its previous copy in this session dropped). */
async function freshTempTable(tx: StoreTx, table: string, columns: string): Promise<void> {
  await tx.run(`DROP TABLE IF EXISTS ${table}`);
  await tx.run(`CREATE TEMP TABLE ${table} (${columns})`);
}

/** A lot: a credit entry that is not a reversal (a reversal gives points back to existing lots). */
export const LOT_WHERE = `e.points > 0 AND e.kind <> 'reversal'`;

/** Lots with their remaining points (points − allocations), one row per lot. */
export const LOTS_SQL = `SELECT e.entry_id, e.customer_id, e.ts, e.expires_on, e.points - coalesce(a.used, 0) AS remaining
  FROM points_entries e
  LEFT JOIN (SELECT lot_entry_id, sum(points) AS used FROM points_allocations GROUP BY lot_entry_id) a ON a.lot_entry_id = e.entry_id
  WHERE ${LOT_WHERE}`;

export async function nextEntryId(tx: StoreTx): Promise<number> {
  const [row] = await tx.query<{ n: number | bigint | null }>('SELECT max(entry_id) AS n FROM points_entries');
  return Number(row?.n ?? 0) + 1;
}

export async function appendEntries(
  tx: StoreTx,
  entries: readonly NewEntry[],
  allocations: readonly Allocation[],
  run: { readonly runId: string; readonly ruleOf?: (e: NewEntry) => string | null },
): Promise<void> {
  const rows = entries.map((e) => [
    e.entryId,
    e.customerId,
    e.ts,
    e.kind,
    e.points,
    e.expiresOn,
    e.source,
    e.sourceRef,
    e.transactionId,
    run.ruleOf?.(e) ?? null,
    e.reason,
    e.reverses,
    run.runId,
  ]);
  for (let i = 0; i < rows.length; i += BATCH) {
    await freshTempTable(tx, 'pts_new_entries', 'entry_id BIGINT, customer_id VARCHAR, ts VARCHAR, kind VARCHAR, points BIGINT, expires_on VARCHAR, source VARCHAR, source_ref VARCHAR, transaction_id VARCHAR, rule_id VARCHAR, reason VARCHAR, reverses BIGINT, run_id VARCHAR');
    await tx.run(insertValuesSql('pts_new_entries', rows.slice(i, i + BATCH)));
    await tx.run(`INSERT INTO points_entries (entry_id, customer_id, ts, kind, points, expires_on, source, source_ref, transaction_id, rule_id, reason, reverses, run_id, posted_at)
      SELECT entry_id, customer_id, CAST(ts AS TIMESTAMP), kind, points, CAST(expires_on AS DATE), source, source_ref, transaction_id, rule_id, reason, reverses, run_id, current_timestamp
      FROM pts_new_entries`);
  }
  await tx.run('DROP TABLE IF EXISTS pts_new_entries');
  const alloc = allocations.map((a) => [a.debitEntryId, a.lotEntryId, a.points]);
  for (let i = 0; i < alloc.length; i += BATCH) await tx.run(insertValuesSql('points_allocations', alloc.slice(i, i + BATCH)));
}

/**
 * The lots of the customers in temp table `customersTable` (customer_id) that still hold points,
 * plus the lots named in `alsoLots` (a SQL list of lot ids: those a replaced debit took from).
 */
export async function loadLots(tx: StoreTx, customersTable: string, alsoLots: string | null): Promise<Map<string, Lot[]>> {
  const rows = await tx.query<{ entry_id: number; customer_id: string; ts: string; expires_on: string; remaining: number }>(
    `SELECT l.entry_id, l.customer_id, l.ts, l.expires_on, l.remaining
     FROM (${LOTS_SQL} AND e.customer_id IN (SELECT customer_id FROM ${customersTable})) AS l
     WHERE l.remaining > 0 ${alsoLots ? `OR l.entry_id IN (${alsoLots})` : ''}
     ORDER BY l.customer_id, l.ts, l.entry_id`,
  );
  const out = new Map<string, Lot[]>();
  for (const r of rows) {
    const list = out.get(r.customer_id) ?? [];
    list.push({ entryId: Number(r.entry_id), ts: fixedTs(r.ts), expiresOn: String(r.expires_on), remaining: Number(r.remaining) });
    out.set(r.customer_id, list);
  }
  return out;
}

/** Fills temp table `table` (customer_id) with the given ids. */
export async function stageCustomerIds(tx: StoreTx, table: string, ids: Iterable<string>): Promise<void> {
  await freshTempTable(tx, table, 'customer_id VARCHAR');
  const list = [...ids].map((c) => [c]);
  for (let i = 0; i < list.length; i += BATCH) await tx.run(insertValuesSql(table, list.slice(i, i + BATCH)));
}
