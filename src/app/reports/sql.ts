/**
 * SQL pieces shared by the churn reports. Everything here is plain SQL that DuckDB and
 * PostgreSQL both run (CTEs, window functions, FILTER, generate_series over dates,
 * concat_ws, INSERT … SELECT, positional GROUP BY); what differs per engine comes from the
 * store's dialect (ReportDialect).
 *
 * Bound parameters (see range.ts rangeParams): $1 first day of the first month, $2 first
 * day of the last month, $3 first day after the last month, $4 first day of the month
 * before the first (the bucket that carries everything that happened before the range, so
 * opening balances need one window sum over per-month counts, not a scan per month).
 *
 * Three inputs are expensive on a large store (they read every customer or usage row):
 * the churn basis, the revenue billed per month and the join counts per month and region.
 * Import keeps each as a derived table (basis.ts); a report reads the tables when they are
 * current and evaluates the same SELECTs inline otherwise, so both paths give the same
 * numbers by construction (the tests compare them).
 */
import type { AnalyticsStore } from '../../store/port.ts';

export interface ReportDialect {
  /** One row per month, column `month` (DATE, first day), from $1 to $2 inclusive. */
  readonly monthSeries: string;
  /** The first day of the month of a DATE expression, as DATE. */
  monthOf(dateExpr: string): string;
}

/** The reports' pieces over the store's dialect (store/dialect.ts): no branch on the engine here. */
export function reportDialect(store: AnalyticsStore): ReportDialect {
  return {
    // generate_series over dates and an interval: the same in both engines.
    monthSeries: `SELECT CAST(gs AS DATE) AS month FROM generate_series(CAST($1 AS DATE), CAST($2 AS DATE), INTERVAL '1 month') AS series(gs)`,
    monthOf: (e) => store.dialect.monthStart(e),
  };
}

/** Names of the derived tables (migration 11 in store/schema.ts creates them, basis.ts fills them). */
export const DERIVED_TABLES = {
  churnBasis: 'report_churn_basis',
  monthlyRevenue: 'report_monthly_revenue',
  joinCounts: 'report_join_counts',
} as const;

/**
 * The churn basis: one row per churn event of an existing account, with what every churn
 * report needs about it: churn month, type, reason, region parts, and the revenue basis of
 * revenue_lost, n (0–3) = how many of the account's latest usage rows before the churn
 * month count, and s = their revenue total (exact DECIMAL). Only churners' usage rows before
 * their churn month are read; a final bill after churn is not part of the basis (it counts
 * as revenue of the month it was billed). Inline this join of every churner's usage history
 * takes ~1–2 s on 1M customers × 24 months.
 */
export function churnBasisSelect(d: ReportDialect): string {
  return `
    WITH churn_rows AS (
      SELECT e.customer_id, e.churn_date, ${d.monthOf('e.churn_date')} AS churn_month, e.churn_type, e.reason_code,
             c.province, c.city, c.district
      FROM churn_events e JOIN customers c ON c.customer_id = e.customer_id
    ),
    latest_bills AS (
      SELECT u.customer_id, u.revenue,
             row_number() OVER (PARTITION BY u.customer_id ORDER BY u.month DESC) AS recency
      FROM monthly_usage u JOIN churn_rows x ON x.customer_id = u.customer_id
      WHERE u.month < x.churn_month
    ),
    bill_basis AS (
      SELECT customer_id, count(*) AS n, sum(revenue) AS s
      FROM latest_bills WHERE recency <= 3 GROUP BY customer_id
    )
    SELECT x.customer_id, x.churn_date, x.churn_month, x.churn_type, x.reason_code,
           x.province, x.city, x.district, coalesce(b.n, 0) AS n, b.s
    FROM churn_rows x LEFT JOIN bill_basis b ON b.customer_id = x.customer_id`;
}

/** Revenue billed per month (ARPU's numerator), exact DECIMAL. */
export const MONTHLY_REVENUE_SELECT = 'SELECT month, sum(revenue) AS revenue FROM monthly_usage GROUP BY month';

/** Accounts joining per month and region parts. */
export function joinCountsSelect(d: ReportDialect): string {
  return `SELECT province, city, district, ${d.monthOf('join_date')} AS join_month, count(*) AS accounts
    FROM customers GROUP BY 1, 2, 3, 4`;
}

/** Where a report reads its derived inputs from: the derived tables, or the SELECTs inline. */
export type BasisSource = { readonly kind: 'table' } | { readonly kind: 'inline' };

export interface ReportOptions {
  /** Force where derived inputs come from (tests and the bench compare both); default: the tables when current. */
  readonly basis?: BasisSource;
  /** Rebuild stale derived tables before reading them (a write), instead of reading inline. */
  readonly refreshStale?: boolean;
}

function derived(source: BasisSource, table: string, select: string): string {
  return source.kind === 'table' ? `SELECT * FROM ${table}` : select;
}

/** A flow month folded into the "before the range" bucket when it is earlier than $1. */
export function bucketMonth(monthExpr: string): string {
  return `CASE WHEN ${monthExpr} < CAST($1 AS DATE) THEN CAST($4 AS DATE) ELSE ${monthExpr} END`;
}

/** The months a report walks: the pre-range bucket, then every month of the range. */
export function gridMonths(d: ReportDialect): string {
  return `SELECT CAST($4 AS DATE) AS month UNION ALL ${d.monthSeries}`;
}

/**
 * CTE `basis` (every churn basis row) and CTE `churners` (those with churn month in the
 * range). Both engines evaluate a CTE that is used twice only once.
 */
export function basisCtes(d: ReportDialect, source: BasisSource): string {
  return `
  basis AS (${derived(source, DERIVED_TABLES.churnBasis, churnBasisSelect(d))}),
  churners AS (
    SELECT * FROM basis
    WHERE churn_month >= CAST($1 AS DATE) AND churn_month < CAST($3 AS DATE)
  )`;
}

/** CTE `billed`: revenue per month of the range. */
export function billedCte(source: BasisSource): string {
  return `
  billed AS (
    SELECT month, revenue FROM (${derived(source, DERIVED_TABLES.monthlyRevenue, MONTHLY_REVENUE_SELECT)}) AS monthly
    WHERE month >= CAST($1 AS DATE) AND month < CAST($3 AS DATE)
  )`;
}

/** Aggregates over churner rows that revenueLost() (exact.ts) turns into money. */
export const REVENUE_BASIS_SUMS = `
    sum(CASE WHEN n = 1 THEN s END) AS s1,
    sum(CASE WHEN n = 2 THEN s END) AS s2,
    sum(CASE WHEN n = 3 THEN s END) AS s3`;

/**
 * CTEs `joins` and `exits` (after basisCtes): account flows per bucketed month, and per
 * `area` when a key expression is given (over alias c of the join counts and b of the
 * basis, both of which carry province/city/district): gross adds and churn by type.
 */
export function flowsCtes(d: ReportDialect, source: BasisSource, key: { joins: string; basis: string } | null): string {
  // `area`, not `region`: customers has a region column, and PostgreSQL resolves GROUP BY
  // names to input columns first; grouping is positional for the same reason.
  const group = key ? '1, 2' : '1';
  return `
  joins AS (
    SELECT ${key ? `${key.joins} AS area, ` : ''}${bucketMonth('c.join_month')} AS month, sum(c.accounts) AS gross_adds
    FROM (${derived(source, DERIVED_TABLES.joinCounts, joinCountsSelect(d))}) AS c
    WHERE c.join_month < CAST($3 AS DATE)
    GROUP BY ${group}
  ),
  exits AS (
    SELECT ${key ? `${key.basis} AS area, ` : ''}${bucketMonth('b.churn_month')} AS month,
           count(*) FILTER (WHERE b.churn_type = 'voluntary') AS voluntary,
           count(*) FILTER (WHERE b.churn_type = 'involuntary') AS involuntary
    FROM basis b WHERE b.churn_month < CAST($3 AS DATE)
    GROUP BY ${group}
  )`;
}
