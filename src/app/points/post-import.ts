import { reason } from '../../contract/rules.ts';
import { expiryDate, InsufficientPoints, localDate, post, type Allocation, type Lot, type NewEntry, type Posting, type Replaced } from '../../domain/points/ledger.ts';
import type { StoreTx } from '../../store/port.ts';
import * as S from '../import/sql.ts';
import { appendEntries, fixedTs, loadLots, nextEntryId, stageCustomerIds } from './ledger-store.ts';

/**
 * Posts the accepted rows of a staged points_transactions file to the ledger, inside the
 * import's transaction and before its merge (import-dataset.ts): a row the ledger refuses
 * (`insufficient_points`) becomes a reject of the file like any other, so it is not merged
 * and the counts still add up.
 *
 * - A new transaction_id posts one entry (earn or positive adjust: a lot; redeem or negative
 *   adjust: a debit taking points FIFO from the lots live at its ts).
 * - A known transaction_id with the same customer, ts, kind and points posts nothing (re-posting
 *   a file is a no-op; a changed `reason` text only updates the stored row).
 * - A known transaction_id with other values replaces the old posting: a `reversal` entry
 *   undoes it (gives a debit's points back to the lots it took them from, or takes a credit's
 *   points back, its own lot first) and the new values are posted; both or neither.
 * Rows are posted in time order (ts, then file order), so a redeem may use an earn of the same
 * file dated before it.
 */
export interface PointsImportContext {
  readonly runId: string;
  /** The file's name as recorded on each entry (`name:line`). */
  readonly fileLabel: string;
  readonly expiryMonths: number;
  /** Whether the file has the optional `reason` column. */
  readonly hasReason: boolean;
}

export interface PointsImportOutcome {
  readonly posted: number;
  readonly replaced: number;
  readonly insufficient: number;
}

type Row = {
  rec: number;
  line: number;
  transaction_id: string;
  customer_id: string;
  ts: string;
  kind: 'earn' | 'redeem' | 'adjust';
  points: number;
  reason: string | null;
  old_entry_id: number | null;
  old_customer_id: string | null;
  old_ts: string | null;
  old_points: number | null;
};

const IN = 'pts_in';

export async function postImportedPoints(tx: StoreTx, ctx: PointsImportContext): Promise<PointsImportOutcome> {
  const reasonCol = ctx.hasReason ? 'reason' : 'CAST(NULL AS VARCHAR)';
  await tx.run(`DROP TABLE IF EXISTS ${IN}`);
  await tx.run(`CREATE TEMP TABLE ${IN} AS
    WITH s AS (SELECT _pos AS rec, transaction_id, customer_id, ts, kind, points, ${reasonCol} AS reason FROM ${S.T}
          WHERE _pos NOT IN (SELECT rec FROM ${S.REJ} WHERE rec IS NOT NULL) AND _pos NOT IN (SELECT rec FROM ${S.REPEATS}))
    SELECT s.rec, l.line, s.transaction_id, s.customer_id, s.ts, s.kind, s.points, s.reason
    FROM s JOIN (${S.linesSql('SELECT rec FROM s')}) AS l ON l.rec = s.rec`);
  // New and changed rows, each with the ledger entry now standing for its transaction (if any).
  // The standing entry of a transaction is its latest non-reversal import entry.
  const rows = await tx.query<Row>(`
    WITH cur AS (
      SELECT e.transaction_id, e.entry_id, e.customer_id, e.ts, e.points
      FROM points_entries e
      JOIN (SELECT transaction_id, max(entry_id) AS entry_id FROM points_entries
            WHERE source = 'import' AND kind <> 'reversal' AND transaction_id IN (SELECT transaction_id FROM ${IN})
            GROUP BY transaction_id) AS latest ON latest.entry_id = e.entry_id)
    SELECT p.rec, p.line, p.transaction_id, p.customer_id, p.ts, p.kind, p.points, p.reason,
           c.entry_id AS old_entry_id, c.customer_id AS old_customer_id, c.ts AS old_ts, c.points AS old_points
    FROM ${IN} p
    LEFT JOIN points_transactions t ON t.transaction_id = p.transaction_id
    LEFT JOIN cur c ON c.transaction_id = p.transaction_id
    WHERE t.transaction_id IS NULL
       OR NOT (t.customer_id = p.customer_id AND t.ts = p.ts AND t.kind = p.kind AND t.points = p.points)
    ORDER BY p.ts, p.rec`);
  await tx.run(`DROP TABLE IF EXISTS ${IN}`);
  if (rows.length === 0) return { posted: 0, replaced: 0, insufficient: 0 };

  const customers = new Set<string>();
  for (const r of rows) {
    customers.add(r.customer_id);
    if (r.old_customer_id !== null) customers.add(r.old_customer_id);
  }
  await stageCustomerIds(tx, 'pts_customers', customers);
  const replacedIds = rows.filter((r) => r.old_entry_id !== null && Number(r.old_points) < 0).map((r) => Number(r.old_entry_id));
  const oldAllocations = new Map<number, { lotEntryId: number; points: number }[]>();
  if (replacedIds.length > 0) {
    const alloc = await tx.query<{ debit_entry_id: number; lot_entry_id: number; points: number }>(
      `SELECT debit_entry_id, lot_entry_id, points FROM points_allocations WHERE debit_entry_id IN (${replacedIds.join(', ')})`,
    );
    for (const a of alloc) {
      const list = oldAllocations.get(Number(a.debit_entry_id)) ?? [];
      list.push({ lotEntryId: Number(a.lot_entry_id), points: Number(a.points) });
      oldAllocations.set(Number(a.debit_entry_id), list);
    }
  }
  const lotIds = [...oldAllocations.values()].flat().map((a) => a.lotEntryId);
  const lots = await loadLots(tx, 'pts_customers', lotIds.length ? lotIds.join(', ') : null);
  await tx.run('DROP TABLE IF EXISTS pts_customers');

  const lotsOf = (c: string): Lot[] => {
    let list = lots.get(c);
    if (!list) lots.set(c, (list = []));
    return list;
  };
  let id = await nextEntryId(tx);
  const nextId = () => id++;
  const entries: NewEntry[] = [];
  const allocations: Allocation[] = [];
  const rejects: (string | number | null)[][] = [];
  let replaced = 0;
  for (const r of rows) {
    r.ts = fixedTs(r.ts);
    if (r.old_ts !== null) r.old_ts = fixedTs(r.old_ts);
    const points = Number(r.points);
    const posting: Posting = {
      customerId: r.customer_id,
      ts: r.ts,
      points: r.kind === 'redeem' ? -points : points,
      kind: r.kind,
      expiresOn: expiryDate(localDate(r.ts), ctx.expiryMonths),
      source: 'import',
      sourceRef: `${ctx.fileLabel}:${Number(r.line)}`,
      transactionId: r.transaction_id,
      reason: r.reason,
    };
    const old: Replaced | undefined =
      r.old_entry_id === null
        ? undefined
        : {
            entryId: Number(r.old_entry_id),
            customerId: r.old_customer_id ?? r.customer_id,
            ts: r.old_ts ?? r.ts,
            points: Number(r.old_points),
            allocations: oldAllocations.get(Number(r.old_entry_id)) ?? [],
          };
    try {
      const out = post(lotsOf, posting, nextId, old);
      entries.push(...out.entries);
      allocations.push(...out.allocations);
      if (old) replaced++;
    } catch (err) {
      if (!(err instanceof InsufficientPoints)) throw err;
      const why = old
        ? `${err.message}; replacing transaction ${r.transaction_id} would take back points already spent`
        : `${r.kind} of ${points} points exceeds the ${err.available} points available at ${r.ts.slice(0, 19)}`;
      rejects.push([Number(r.rec), null, 'points', String(points), old ? why : reason('insufficient_points', why), null, null, null]);
    }
  }
  for (let i = 0; i < rejects.length; i += 1000) await tx.run(S.insertValuesSql(S.REJ, rejects.slice(i, i + 1000)));
  await appendEntries(tx, entries, allocations, { runId: ctx.runId });
  return { posted: entries.length, replaced, insufficient: rejects.length };
}
