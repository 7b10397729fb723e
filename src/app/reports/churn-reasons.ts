/**
 * 以原因代码分析损失的报告 (churn by reason code): per month and reason code, how many
 * accounts left and the revenue they took with them (same revenue_lost rule as the totals).
 *
 * Every code of the store's reason_codes table appears in every month of the range, with
 * count 0 when nobody left for it (as in the deck's layout, and so the CSV pivots cleanly),
 * plus any (code, type) that churn events use without a reason_codes row (label empty), so
 * the counts of a month always sum to voluntary + involuntary of the totals report.
 * Labels come from reason_codes: zh (default) or en.
 */
import type { AnalyticsStore, SqlValue } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { revenueLost, toCount } from './exact.ts';
import { rangeParams, resolveRange, type MonthRangeInput, type ReportRange } from './range.ts';
import { churnBasisSource } from './basis.ts';
import { basisCtes, REVENUE_BASIS_SUMS, reportDialect, type BasisSource, type ReportOptions } from './sql.ts';

/** The contract's columns, then the code's reason group (added after them, as the contract allows). */
export const CHURN_REASONS_COLUMNS = ['month', 'reason_code', 'reason', 'churn_type', 'count', 'revenue_lost', 'reason_group'] as const;

export const REASON_LANGUAGES = ['zh', 'en'] as const;
export type ReasonLanguage = (typeof REASON_LANGUAGES)[number];

export interface ChurnReasonsInput extends MonthRangeInput {
  readonly lang?: string;
}

/** A type alias (not an interface) so rows fit generic record types such as the CLI printer's. */
export type ChurnReasonsRow = {
  readonly month: string;
  readonly reason_code: string;
  /** Label in the requested language; null when the code has no reason_codes row. */
  readonly reason: string | null;
  readonly churn_type: string;
  readonly count: number;
  /** Money to 2 places as exact text. */
  readonly revenue_lost: string;
  /** The code's group in reason_codes (report churn-reason-groups); null without a reason_codes row. */
  readonly reason_group: string | null;
};

export interface ChurnReasonsReport {
  readonly range: ReportRange;
  readonly lang: ReasonLanguage;
  readonly rows: ChurnReasonsRow[];
}

export function validateLanguage(lang: string | undefined): ReasonLanguage {
  const value = lang ?? 'zh';
  if (value === 'zh' || value === 'en') return value;
  throw new TenureError('USAGE', `--lang must be one of ${REASON_LANGUAGES.join(', ')}, got "${value}"`);
}

export function churnReasonsSql(store: AnalyticsStore, lang: ReasonLanguage, source: BasisSource): string {
  const d = reportDialect(store);
  // lang is one of two literals, never user text.
  return `
  WITH ${basisCtes(d, source)},
  by_reason AS (
    SELECT churn_month AS month, reason_code, churn_type, count(*) AS churned, ${REVENUE_BASIS_SUMS}
    FROM churners GROUP BY churn_month, reason_code, churn_type
  ),
  codes AS (
    SELECT code AS reason_code, type AS churn_type FROM reason_codes
    UNION SELECT DISTINCT reason_code, churn_type FROM churners
  ),
  months AS (${d.monthSeries})
  SELECT m.month, k.reason_code, rc.${lang} AS reason, k.churn_type, rc."group" AS reason_group,
         coalesce(b.churned, 0) AS churned, b.s1, b.s2, b.s3
  FROM months m CROSS JOIN codes k
  LEFT JOIN by_reason b ON b.month = m.month AND b.reason_code = k.reason_code AND b.churn_type = k.churn_type
  LEFT JOIN reason_codes rc ON rc.code = k.reason_code
  ORDER BY m.month, CASE k.churn_type WHEN 'voluntary' THEN 0 ELSE 1 END, k.reason_code`;
}

function toReasonsRow(r: Record<string, SqlValue>): ChurnReasonsRow {
  return {
    month: String(r.month).slice(0, 7),
    reason_code: String(r.reason_code),
    reason: r.reason === null || r.reason === undefined ? null : String(r.reason),
    churn_type: String(r.churn_type),
    count: Number(toCount(r.churned)),
    revenue_lost: revenueLost({ s1: r.s1, s2: r.s2, s3: r.s3 }),
    reason_group: r.reason_group === null || r.reason_group === undefined ? null : String(r.reason_group),
  };
}

export async function churnReasons(
  store: AnalyticsStore,
  input: ChurnReasonsInput,
  options: ReportOptions = {},
): Promise<ChurnReasonsReport> {
  const lang = validateLanguage(input.lang);
  const range = await resolveRange(store, input);
  const source = options.basis ?? (await churnBasisSource(store, { refreshStale: options.refreshStale === true }));
  // This query has no pre-range bucket, so it binds $1–$3 only.
  const rows = await store.query(churnReasonsSql(store, lang, source), rangeParams(range).slice(0, 3));
  return { range, lang, rows: rows.map(toReasonsRow) };
}
