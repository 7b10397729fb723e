/**
 * What the service reports share: the customer field a "segment" is (customer_type by default,
 * any split field of `tenure segments --by`), the opening base per month and the churn that
 * follows it, and the whole-number flags they take.
 *
 * The base of month m is the contract's opening(m): accounts joined before m's first day and not
 * churned before it (churn-totals' opening). Its churn is the base accounts whose churn_date falls
 * in the window [m, m + window months); a base month whose window runs past the data's last month
 * is not observed yet and is left out (listed as censored).
 */
import { addMonths, monthRange, parseMonth, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { quoteIdent } from '../../store/schema.ts';
import { storedExtras } from '../../store/wide-extras.ts';
import { TenureError } from '../errors.ts';
import { BY_FIELDS } from '../segments/segments.ts';

export const DEFAULT_SEGMENT_FIELD = 'customer_type';

/** `--segment-by`: a customer field or a customer x_ attribute; returns the SQL of its value over alias `c` ('unknown' when blank). */
export async function segmentFieldSql(store: AnalyticsStore, field: string | undefined, alias = 'c'): Promise<{ field: string; sql: string }> {
  const name = field ?? DEFAULT_SEGMENT_FIELD;
  const extras = (await storedExtras(store, 'customers')).map((x) => x.name);
  if (!(BY_FIELDS as readonly string[]).includes(name) && !extras.includes(name)) {
    throw new TenureError('USAGE', `--segment-by takes ${[...BY_FIELDS, ...extras].join(', ')}; got "${name}"`);
  }
  return { field: name, sql: `coalesce(NULLIF(CAST(${alias}.${quoteIdent(name)} AS VARCHAR), ''), 'unknown')` };
}

/** A whole-number flag within [min, max]. */
export function wholeNumber(flag: string, text: string | number | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const s = String(text);
  if (!/^[0-9]+$/.test(s) || Number(s) < min || Number(s) > max) throw new TenureError('USAGE', `${flag} must be a whole number from ${min} to ${max}, got "${s}"`);
  return Number(s);
}

/** The base months of a range whose churn window is observed: m + window − 1 ≤ the data's last month. */
export function observedBaseMonths(from: MonthText, to: MonthText, window: number, last: MonthText): { observed: MonthText[]; censored: MonthText[] } {
  const months = monthRange(from, to);
  const ok = (m: MonthText) => parseMonth(addMonths(m, window - 1)) <= parseMonth(last);
  return { observed: months.filter(ok), censored: months.filter((m) => !ok(m)) };
}

export interface BaseChurn {
  readonly month: MonthText;
  /** opening(m). */
  readonly base: number;
  /** Base accounts churning in [m, m + window). */
  readonly churned: number;
}

/**
 * opening(m) and its churn in the window for each month, from the accounts counted by join month
 * and churn month (a small table: months × months), so no per-month scan of the customers.
 */
export async function baseChurnByMonth(store: AnalyticsStore, months: readonly MonthText[], window: number): Promise<BaseChurn[]> {
  const rows = await store.query<{ join_month: string; churn_month: string | null; n: number | bigint }>(
    `SELECT CAST(date_trunc('month', c.join_date) AS DATE) AS join_month, CAST(date_trunc('month', e.churn_date) AS DATE) AS churn_month, count(*) AS n
     FROM customers c LEFT JOIN churn_events e ON e.customer_id = c.customer_id
     GROUP BY 1, 2`,
  );
  const cells = rows.map((r) => ({ join: parseMonth(String(r.join_month).slice(0, 7)), churn: r.churn_month === null ? null : parseMonth(String(r.churn_month).slice(0, 7)), n: Number(r.n) }));
  return months.map((month) => {
    const m = parseMonth(month);
    let base = 0;
    let churned = 0;
    for (const c of cells) {
      if (c.join >= m || (c.churn !== null && c.churn < m)) continue;
      base += c.n;
      if (c.churn !== null && c.churn < m + window) churned += c.n;
    }
    return { month, base, churned };
  });
}

/** The months series from $1 to $2 (first days), as the reports write it. */
export const MONTH_SERIES_SQL = `SELECT CAST(gs AS DATE) AS m FROM generate_series(CAST($1 AS DATE), CAST($2 AS DATE), INTERVAL '1 month') AS series(gs)`;
