import { randomUUID } from 'node:crypto';
import { requireWritable } from '../../store/access.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { operatorTimezone } from '../import/import-dataset.ts';
import { LOT_WHERE, LOTS_SQL } from './ledger-store.ts';

/**
 * The ledger's use cases besides posting a file: expiry runs and what care and the customer
 * see (balance, expiring points, statement). Dates are operator local days; "as of D" means
 * at the end of day D (entries with ts before D + 1 day).
 */

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function checkDate(flag: string, text: string): string {
  const d = new Date(`${text}T00:00:00Z`);
  if (!DATE_RE.test(text) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
    throw new TenureError('USAGE', `${flag} must be a date YYYY-MM-DD, got "${text}"`);
  }
  return text;
}

/** Today in the operator's time zone ($TENURE_TIMEZONE, default Asia/Shanghai). */
export function operatorToday(now: Date = new Date(), timezone?: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: operatorTimezone(timezone), year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The start of the day after a DATE parameter, as a TIMESTAMP (DATE + 1 is the next day on every engine). */
const endOf = (date: string) => `CAST(CAST(${date} AS DATE) + 1 AS TIMESTAMP)`;

async function requireCustomer(store: AnalyticsStore, customerId: string): Promise<void> {
  const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers WHERE customer_id = CAST($1 AS VARCHAR)', [customerId]);
  if (Number(row?.n ?? 0) === 0) throw new TenureError('NO_DATA', `unknown customer ${customerId}: not in customers`);
}

/** Remaining points of every lot as of the end of `$2`, for customer `$1` (or everyone when $1 is NULL). */
const LOTS_AS_OF = `
  SELECT l.entry_id, l.customer_id, l.expires_on, l.points - coalesce(u.used, 0) AS remaining
  FROM points_entries l
  LEFT JOIN (SELECT a.lot_entry_id, sum(a.points) AS used FROM points_allocations a JOIN points_entries d ON d.entry_id = a.debit_entry_id
             WHERE (CAST($1 AS VARCHAR) IS NULL OR d.customer_id = CAST($1 AS VARCHAR)) AND d.ts < ${endOf('$2')} GROUP BY a.lot_entry_id) u ON u.lot_entry_id = l.entry_id
  WHERE ${LOT_WHERE.replaceAll('e.', 'l.')} AND (CAST($1 AS VARCHAR) IS NULL OR l.customer_id = CAST($1 AS VARCHAR)) AND l.ts < ${endOf('$2')}`;

export interface PointsBalance {
  readonly customerId: string;
  readonly asOf: string;
  /** Σ of the customer's entries up to the end of asOf. */
  readonly balance: number;
  /** Points still held, by the day they expire (after asOf), soonest first. */
  readonly expiring: readonly { readonly date: string; readonly points: number }[];
  /** Points whose expiry day is on or before asOf but that no expiry run has taken yet (`tenure points expire`). */
  readonly expiredNotPosted: number;
  readonly entries: number;
}

export async function pointsBalance(store: AnalyticsStore, customerId: string, asOf: string): Promise<PointsBalance> {
  await requireCustomer(store, customerId);
  const [sum] = await store.query<{ balance: number | null; n: number }>(
    `SELECT sum(points) AS balance, count(*) AS n FROM points_entries WHERE customer_id = CAST($1 AS VARCHAR) AND ts < ${endOf('$2')}`,
    [customerId, asOf],
  );
  const d = store.dialect;
  const lots = await store.query<{ date: string; points: number }>(
    `SELECT ${d.formatDate('expires_on')} AS date, sum(remaining) AS points FROM (${LOTS_AS_OF}) AS l GROUP BY expires_on HAVING sum(remaining) > 0 ORDER BY expires_on`,
    [customerId, asOf],
  );
  const expiring = lots.filter((l) => l.date > asOf).map((l) => ({ date: l.date, points: Number(l.points) }));
  const expiredNotPosted = lots.filter((l) => l.date <= asOf).reduce((n, l) => n + Number(l.points), 0);
  return { customerId, asOf, balance: Number(sum?.balance ?? 0), expiring, expiredNotPosted, entries: Number(sum?.n ?? 0) };
}

export interface StatementLine {
  readonly entry_id: number;
  readonly ts: string;
  readonly kind: string;
  readonly points: number;
  readonly balance: number;
  readonly expires_on: string | null;
  readonly source: string;
  readonly source_ref: string;
  readonly transaction_id: string | null;
  readonly rule_id: string | null;
  readonly reason: string | null;
  readonly [key: string]: string | number | null;
}

/** Every entry of the customer up to the end of asOf, in time order, with the running balance. */
export async function pointsStatement(store: AnalyticsStore, customerId: string, asOf: string): Promise<StatementLine[]> {
  await requireCustomer(store, customerId);
  const d = store.dialect;
  const rows = await store.query<StatementLine>(
    `SELECT entry_id, ${d.formatTimestamp('ts')} AS ts, kind, points,
            sum(points) OVER (ORDER BY ts, entry_id ROWS UNBOUNDED PRECEDING) AS balance,
            ${d.formatDate('expires_on')} AS expires_on, source, source_ref, transaction_id, rule_id, reason
     FROM points_entries WHERE customer_id = CAST($1 AS VARCHAR) AND ts < ${endOf('$2')} ORDER BY ts, entry_id`,
    [customerId, asOf],
  );
  return rows.map((r) => ({ ...r, entry_id: Number(r.entry_id), points: Number(r.points), balance: Number(r.balance) }));
}

export interface ExpiringRow {
  readonly customer_id: string;
  readonly date: string;
  readonly points: number;
  readonly balance: number;
  readonly [key: string]: string | number;
}

/** Customers with points expiring in (asOf, asOf + days], soonest first then most points: for care to call before they go. */
export async function pointsExpiring(store: AnalyticsStore, asOf: string, days: number): Promise<ExpiringRow[]> {
  const d = store.dialect;
  const rows = await store.query<ExpiringRow>(
    `WITH lots AS (${LOTS_AS_OF}),
          soon AS (SELECT customer_id, expires_on, sum(remaining) AS points FROM lots
                   WHERE expires_on > CAST($2 AS DATE) AND expires_on <= ${d.addDays('CAST($2 AS DATE)', '$3')}
                   GROUP BY customer_id, expires_on HAVING sum(remaining) > 0),
          bal AS (SELECT customer_id, sum(points) AS balance FROM points_entries
                  WHERE ts < ${endOf('$2')} AND customer_id IN (SELECT customer_id FROM soon) GROUP BY customer_id)
     SELECT s.customer_id, ${d.formatDate('s.expires_on')} AS date, s.points, b.balance
     FROM soon s JOIN bal b USING (customer_id) ORDER BY s.expires_on, s.points DESC, s.customer_id`,
    [null, asOf, days],
  );
  return rows.map((r) => ({ ...r, points: Number(r.points), balance: Number(r.balance) }));
}

export interface ExpiryRun {
  readonly runId: string;
  readonly asOf: string;
  readonly lots: number;
  readonly customers: number;
  readonly points: number;
}

/**
 * Expires, as of the end of `asOf`, every lot whose expiry day is on or before it and that still
 * holds points: one `expire` entry per lot, dated 00:00 of its expiry day, taking what it holds.
 * Idempotent: a second run finds nothing left to take.
 */
export async function expirePoints(store: AnalyticsStore, asOf: string): Promise<ExpiryRun> {
  requireWritable(store, 'points expire');
  const runId = randomUUID();
  const d = store.dialect;
  return store.transaction(async (tx) => {
    const due = d.createTempTableAs(
      'pts_due',
      `SELECT (SELECT coalesce(max(entry_id), 0) FROM points_entries) + row_number() OVER (ORDER BY expires_on, customer_id, entry_id) AS debit, l.*
       FROM (${LOTS_SQL}) AS l WHERE expires_on <= CAST($1 AS DATE) AND remaining > 0`,
    );
    for (const stmt of due) await tx.run(stmt, stmt.includes('$1') ? [asOf] : []);
    await tx.run(
      `INSERT INTO points_entries (entry_id, customer_id, ts, kind, points, expires_on, source, source_ref, transaction_id, rule_id, reason, reverses, run_id, posted_at)
       SELECT debit, customer_id, CAST(expires_on AS TIMESTAMP), 'expire', -remaining, NULL, 'expiry', 'lot ' || CAST(entry_id AS VARCHAR),
              NULL, NULL, 'expired on ' || ${d.formatDate('expires_on')}, NULL, CAST($1 AS VARCHAR), current_timestamp
       FROM pts_due`,
      [runId],
    );
    await tx.run('INSERT INTO points_allocations SELECT debit, entry_id, remaining FROM pts_due');
    const [row] = await tx.query<{ lots: number; customers: number; points: number | null }>(
      'SELECT count(*) AS lots, count(DISTINCT customer_id) AS customers, sum(remaining) AS points FROM pts_due',
    );
    await tx.run('DROP TABLE IF EXISTS pts_due');
    return { runId, asOf, lots: Number(row?.lots ?? 0), customers: Number(row?.customers ?? 0), points: Number(row?.points ?? 0) };
  });
}

export interface LedgerSummary {
  readonly asOf: string;
  /** Customers whose balance at the end of asOf is above zero. */
  readonly customers: number;
  /** Σ of every entry up to the end of asOf (never negative: the sum of the customers' balances). */
  readonly balance: number;
  /** Points by entry kind and source up to the end of asOf (credits positive, debits negative). */
  readonly byKind: readonly { readonly kind: string; readonly source: string; readonly entries: number; readonly points: number }[];
  /** Points still held that expire within 90 days after asOf, and how many customers hold them. */
  readonly expiringSoon: { readonly customers: number; readonly points: number };
}

/** The whole ledger at the end of a day, for the main job's overview. */
export async function ledgerSummary(store: AnalyticsStore, asOf: string): Promise<LedgerSummary> {
  const byKind = await store.query<{ kind: string; source: string; entries: number; points: number }>(
    `SELECT kind, source, count(*) AS entries, sum(points) AS points FROM points_entries WHERE ts < ${endOf('$1')} GROUP BY kind, source ORDER BY kind, source`,
    [asOf],
  );
  const [held] = await store.query<{ customers: number; balance: number | null }>(
    `SELECT count(*) FILTER (WHERE balance > 0) AS customers, sum(balance) AS balance
     FROM (SELECT customer_id, sum(points) AS balance FROM points_entries WHERE ts < ${endOf('$1')} GROUP BY customer_id) AS b`,
    [asOf],
  );
  const soon = await pointsExpiring(store, asOf, 90);
  return {
    asOf,
    customers: Number(held?.customers ?? 0),
    balance: Number(held?.balance ?? 0),
    byKind: byKind.map((r) => ({ kind: r.kind, source: r.source, entries: Number(r.entries), points: Number(r.points) })),
    expiringSoon: { customers: new Set(soon.map((r) => r.customer_id)).size, points: soon.reduce((n, r) => n + r.points, 0) },
  };
}
