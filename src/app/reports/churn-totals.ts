/**
 * 客户流失总数报告 + 流失人员指标报告 (churn totals): per month the subscriber movement
 * (opening → gross adds → pre-churn total → voluntary / involuntary churn → closing), the
 * churn rate, ARPU and the revenue lost with the accounts that left.
 *
 * Definitions (data contract, "Definitions every report uses"):
 * - opening(m) = accounts that joined before the first day of m and had not churned before
 *   it. Computed as the running sum of (joins − churns) of all earlier months: one window
 *   over per-month flow counts instead of a scan of customers per month. It equals the
 *   definition because churn_date ≥ join_date (the import rejects anything else).
 * - closing(m) = opening + gross_adds − voluntary − involuntary = opening(m+1) exactly.
 * - churn_rate = (voluntary + involuntary) / opening, a ratio rounded half-up to 6 places;
 *   empty (null) when the month opened with no accounts, where the rate is undefined.
 * - arpu = Σ revenue billed in m / ((opening + closing) / 2), half-up to 2 places; empty
 *   when opening + closing = 0. Every usage row billed in m counts, including final bills
 *   after churn.
 * - revenue_lost = Σ over accounts churned in m of the mean revenue of their latest ≤ 3
 *   usage rows before m (0 with none), summed exactly and rounded half-up to 2 places once.
 * Money and ratios are exact decimal text (see exact.ts); the CLI turns them into numbers
 * for JSON.
 */
import type { AnalyticsStore, SqlValue } from '../../store/port.ts';
import { arpu, churnRate, revenueLost, toCount } from './exact.ts';
import { rangeParams, resolveRange, type MonthRangeInput, type ReportRange } from './range.ts';
import { churnBasisSource } from './basis.ts';
import { basisCtes, billedCte, flowsCtes, gridMonths, REVENUE_BASIS_SUMS, reportDialect, type BasisSource, type ReportOptions } from './sql.ts';

export const CHURN_TOTALS_COLUMNS = [
  'month',
  'opening',
  'gross_adds',
  'pre_churn',
  'voluntary',
  'involuntary',
  'closing',
  'churn_rate',
  'arpu',
  'revenue_lost',
] as const;

/** A type alias (not an interface) so rows fit generic record types such as the CLI printer's. */
export type ChurnTotalsRow = {
  readonly month: string;
  readonly opening: number;
  readonly gross_adds: number;
  readonly pre_churn: number;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly closing: number;
  /** Ratio to 6 places as exact text; null when opening = 0. */
  readonly churn_rate: string | null;
  /** Money to 2 places as exact text; null when opening + closing = 0. */
  readonly arpu: string | null;
  /** Money to 2 places as exact text. */
  readonly revenue_lost: string;
};

export interface ChurnTotalsReport {
  readonly range: ReportRange;
  readonly rows: ChurnTotalsRow[];
}

type TotalsSqlRow = Record<string, SqlValue>;

export function churnTotalsSql(store: AnalyticsStore, source: BasisSource): string {
  const d = reportDialect(store);
  return `
  WITH ${basisCtes(d, source)},
  ${flowsCtes(d, source, null)},
  grid AS (${gridMonths(d)}),
  moves AS (
    SELECT g.month, coalesce(j.gross_adds, 0) AS gross_adds,
           coalesce(x.voluntary, 0) AS voluntary, coalesce(x.involuntary, 0) AS involuntary
    FROM grid g LEFT JOIN joins j ON j.month = g.month LEFT JOIN exits x ON x.month = g.month
  ),
  balances AS (
    SELECT month, gross_adds, voluntary, involuntary,
           coalesce(sum(gross_adds - voluntary - involuntary)
                    OVER (ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS opening
    FROM moves
  ),
  ${billedCte(source)},
  lost AS (SELECT churn_month AS month, ${REVENUE_BASIS_SUMS} FROM churners GROUP BY churn_month)
  SELECT b.month, b.opening, b.gross_adds, b.voluntary, b.involuntary, r.revenue, l.s1, l.s2, l.s3
  FROM balances b LEFT JOIN billed r ON r.month = b.month LEFT JOIN lost l ON l.month = b.month
  WHERE b.month >= CAST($1 AS DATE)
  ORDER BY b.month`;
}

export function toTotalsRow(r: TotalsSqlRow): ChurnTotalsRow {
  const opening = toCount(r.opening);
  const grossAdds = toCount(r.gross_adds);
  const voluntary = toCount(r.voluntary);
  const involuntary = toCount(r.involuntary);
  const closing = opening + grossAdds - voluntary - involuntary;
  return {
    month: String(r.month).slice(0, 7),
    opening: Number(opening),
    gross_adds: Number(grossAdds),
    pre_churn: Number(opening + grossAdds),
    voluntary: Number(voluntary),
    involuntary: Number(involuntary),
    closing: Number(closing),
    churn_rate: churnRate(voluntary + involuntary, opening),
    arpu: arpu(r.revenue, opening, closing),
    revenue_lost: revenueLost({ s1: r.s1, s2: r.s2, s3: r.s3 }),
  };
}

export async function churnTotals(
  store: AnalyticsStore,
  input: MonthRangeInput,
  options: ReportOptions = {},
): Promise<ChurnTotalsReport> {
  const range = await resolveRange(store, input);
  const source = options.basis ?? (await churnBasisSource(store, { refreshStale: options.refreshStale === true }));
  const rows = await store.query(churnTotalsSql(store, source), rangeParams(range));
  return { range, rows: rows.map(toTotalsRow) };
}
