/**
 * The loyalty points ledger's posting rules, pure: lots in, entries and allocations out.
 *
 * The ledger is append-only. A credit (earn, positive adjust) opens a lot; a debit (redeem,
 * negative adjust, expiry, reversal of a credit) consumes lots first in, first out: the oldest
 * earn date first, and only lots earned by the debit's time and not yet expired at it. An
 * allocation row says how many points of which lot a debit took; the reversal of a debit gives
 * them back to the same lots (negative allocations). A lot's remaining points are its points
 * minus its allocations, a customer's balance the sum of the entries: both are derived, never
 * stored. Since a debit at time t only takes points of lots dated at or before t, the balance
 * Σ entries with ts ≤ t is never negative at any t.
 *
 * Timestamps are operator local time as fixed-width text `YYYY-MM-DD HH:MM:SS.ffffff`, so
 * text order is time order.
 */

export type EntryKind = 'earn' | 'redeem' | 'adjust' | 'expire' | 'reversal';
/** Who or what posted an entry. */
export type EntrySource = 'import' | 'rule' | 'expiry' | 'replace';

export interface Lot {
  readonly entryId: number;
  readonly ts: string;
  /** First local day on which the lot's points are gone (YYYY-MM-DD). */
  readonly expiresOn: string;
  remaining: number;
}

export interface NewEntry {
  readonly entryId: number;
  readonly customerId: string;
  readonly ts: string;
  readonly kind: EntryKind;
  /** Signed: credits > 0, debits < 0. */
  readonly points: number;
  readonly expiresOn: string | null;
  readonly source: EntrySource;
  readonly sourceRef: string;
  readonly transactionId: string | null;
  readonly reason: string | null;
  /** The entry a reversal undoes. */
  readonly reverses: number | null;
}

export interface Allocation {
  readonly debitEntryId: number;
  readonly lotEntryId: number;
  /** Points taken from the lot (negative: given back by a reversal). */
  readonly points: number;
}

/** A posting from a points_transactions row (or any caller-made posting). */
export interface Posting {
  readonly customerId: string;
  readonly ts: string;
  /** Signed points: > 0 credits a new lot, < 0 debits FIFO. */
  readonly points: number;
  readonly kind: 'earn' | 'redeem' | 'adjust';
  readonly expiresOn: string;
  readonly source: EntrySource;
  readonly sourceRef: string;
  readonly transactionId: string | null;
  readonly reason: string | null;
}

/** The current posting of a transaction being replaced: its entry and, for a debit, what it took. */
export interface Replaced {
  readonly entryId: number;
  readonly customerId: string;
  readonly ts: string;
  readonly points: number;
  readonly allocations: readonly { readonly lotEntryId: number; readonly points: number }[];
}

export class InsufficientPoints extends Error {
  constructor(
    readonly wanted: number,
    readonly available: number,
    readonly ts: string,
  ) {
    super(`insufficient_points: ${wanted} points wanted, ${available} available at ${ts.slice(0, 19)}`);
  }
}

export const localDate = (ts: string): string => ts.slice(0, 10);

/** Lots a debit at `ts` may take from, oldest first. */
function liveLots(lots: readonly Lot[], ts: string): Lot[] {
  const day = localDate(ts);
  return lots
    .filter((l) => l.remaining > 0 && l.ts <= ts && l.expiresOn > day)
    .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.entryId - b.entryId));
}

/** Points a debit at `ts` could take. */
export function availableAt(lots: readonly Lot[], ts: string): number {
  return liveLots(lots, ts).reduce((n, l) => n + l.remaining, 0);
}

/**
 * Takes `points` (> 0) from the lots FIFO for a debit at `ts`, `first` (a lot id) before all
 * others; throws InsufficientPoints and changes nothing when they do not cover it.
 */
export function consume(lots: Lot[], points: number, ts: string, debitEntryId: number, first?: number): Allocation[] {
  const live = liveLots(lots, ts);
  const firstLot = first === undefined ? undefined : lots.find((l) => l.entryId === first && l.remaining > 0);
  const order = firstLot ? [firstLot, ...live.filter((l) => l !== firstLot)] : live;
  const available = order.reduce((n, l) => n + l.remaining, 0);
  if (available < points) throw new InsufficientPoints(points, available, ts);
  const out: Allocation[] = [];
  let left = points;
  for (const lot of order) {
    if (left === 0) break;
    const take = Math.min(left, lot.remaining);
    lot.remaining -= take;
    left -= take;
    out.push({ debitEntryId, lotEntryId: lot.entryId, points: take });
  }
  return out;
}

/**
 * Posts in memory: the reversal of `replaced` (if any, on its own customer's lots) and then
 * `posting`, all or nothing. `lotsOf` gives a customer's lots (the caller loaded them);
 * `nextId` hands out entry ids. A rejected posting leaves every lot as it was and throws
 * InsufficientPoints.
 */
export function post(
  lotsOf: (customerId: string) => Lot[],
  posting: Posting,
  nextId: () => number,
  replaced?: Replaced,
): { entries: NewEntry[]; allocations: Allocation[] } {
  const touched = [...new Set([lotsOf(posting.customerId), ...(replaced ? [lotsOf(replaced.customerId)] : [])])];
  const saved = touched.map((lots) => ({ lots, length: lots.length, remaining: lots.map((l) => l.remaining) }));
  const entries: NewEntry[] = [];
  const allocations: Allocation[] = [];
  try {
    if (replaced) {
      const id = nextId();
      const lots = lotsOf(replaced.customerId);
      if (replaced.points > 0) {
        // Undoing a credit takes its own lot's points first, then the customer's other lots.
        allocations.push(...consume(lots, replaced.points, replaced.ts, id, replaced.entryId));
      } else {
        for (const a of replaced.allocations) {
          const lot = lots.find((l) => l.entryId === a.lotEntryId);
          if (!lot) throw new Error(`lot ${a.lotEntryId} of entry ${replaced.entryId} is not loaded`);
          lot.remaining += a.points;
          allocations.push({ debitEntryId: id, lotEntryId: a.lotEntryId, points: -a.points });
        }
      }
      entries.push({
        entryId: id,
        customerId: replaced.customerId,
        ts: replaced.ts,
        kind: 'reversal',
        points: -replaced.points,
        expiresOn: null,
        source: 'replace',
        sourceRef: posting.sourceRef,
        transactionId: posting.transactionId,
        reason: 'replaced by a changed row',
        reverses: replaced.entryId,
      });
    }
    const id = nextId();
    const lots = lotsOf(posting.customerId);
    if (posting.points > 0) lots.push({ entryId: id, ts: posting.ts, expiresOn: posting.expiresOn, remaining: posting.points });
    else allocations.push(...consume(lots, -posting.points, posting.ts, id));
    entries.push({
      entryId: id,
      customerId: posting.customerId,
      ts: posting.ts,
      kind: posting.kind,
      points: posting.points,
      expiresOn: posting.points > 0 ? posting.expiresOn : null,
      source: posting.source,
      sourceRef: posting.sourceRef,
      transactionId: posting.transactionId,
      reason: posting.reason,
      reverses: null,
    });
    return { entries, allocations };
  } catch (err) {
    for (const s of saved) {
      s.lots.length = s.length;
      s.remaining.forEach((r, i) => {
        const lot = s.lots[i];
        if (lot) lot.remaining = r;
      });
    }
    throw err;
  }
}

/** The day a lot earned on `date` expires: `months` later, the day clamped to the month's end (Jan 31 + 1 → Feb 28/29). */
export function expiryDate(date: string, months: number): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7)) - 1 + months;
  const d = Number(date.slice(8, 10));
  const year = y + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Fixed-width local timestamp text from the contract's forms (`T` or space, optional seconds and fraction). */
export function normaliseTs(ts: string): string {
  const t = ts.replace('T', ' ');
  const base = t.length >= 19 ? t.slice(0, 19) : `${t.slice(0, 16)}:00`;
  const frac = t.length > 20 ? t.slice(20) : '';
  return `${base}.${frac.padEnd(6, '0').slice(0, 6)}`;
}
