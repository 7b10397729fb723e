import { mask, type AccessRights } from '../../domain/privacy/masking.ts';
import type { ExpiringRow, PointsBalance, StatementLine } from './ledger.ts';

/** The points reads as JSON: the documents `tenure points balance|statement|expiring --json` print and the HTTP API sends. */

export function pointsBalanceJson(b: PointsBalance) {
  return { customer_id: b.customerId, balance: b.balance, expiring: b.expiring, as_of: b.asOf, expired_not_posted: b.expiredNotPosted, entries: b.entries };
}

/**
 * An imported transaction's reason is the operator's free text (an adjustment may name a
 * complaint or a person): masked like every hidden column unless the caller may see personal
 * data. The product's own rule and expiry texts are shown.
 */
export function maskedStatement(lines: readonly StatementLine[], rights: AccessRights): StatementLine[] {
  return lines.map((l) => (l.source === 'import' || l.source === 'replace' ? { ...l, reason: mask('points_transactions', 'reason', l.reason, rights) as string | null } : l));
}

export function pointsStatementJson(customerId: string, asOf: string, lines: readonly StatementLine[]) {
  return { customer_id: customerId, as_of: asOf, balance: lines.at(-1)?.balance ?? 0, entries: lines };
}

export function pointsExpiringJson(asOf: string, days: number, rows: readonly ExpiringRow[]) {
  return { as_of: asOf, within_days: days, customers: new Set(rows.map((r) => r.customer_id)).size, expiring: rows };
}
