/**
 * `tenure report complaints` (issue 13.4, the CRM textbook's 客户抱怨管理): complaint volume,
 * resolution and satisfaction by kind, channel, region or segment, and the churn of customers
 * with unresolved complaints against those without.
 *
 * Per month (of the interaction's ts) and group, over complaints (with `--by kind`, over every
 * interaction kind, so complaints sit beside repairs and inquiries):
 * - contacts, customers (distinct), resolved (resolved = true), unresolved (false), open (blank);
 *   resolution_rate = resolved / contacts (an open one is not resolved).
 * - Time to resolve: the contract has no resolution timestamp, only `resolved` at the contact.
 *   What is measured instead: for a contact not resolved then, the calendar days to the same
 *   customer's next contact of the same kind marked resolved, when that follow-up comes within
 *   REPEAT_DAYS (30) days (a later one is more likely a new matter than the same one):
 *   resolved_later counts them, median_days_to_resolve is their median (0 for a follow-up the
 *   same day). A contact without such a follow-up stays unresolved in these figures.
 * - repeat_30d_rate: contacts followed by another of the same kind from the same customer within
 *   30 days / contacts (the usual first-contact-resolution check; the last 30 days of the data
 *   cannot show their repeats yet).
 * - satisfaction: mean rating (1–5) of the rated contacts (rated).
 * The `all` rows (month null in JSON) cover the whole range per group.
 *
 * Churn by complaint status, per base month m of the range: the base is opening(m) (churn-totals'
 * opening); a base account is `unresolved` when it made a complaint in the `lookback` months
 * before m (ts in [m − lookback, m)) that is not resolved (false or open), `resolved` when it
 * complained then and every complaint was resolved, `none` otherwise. Churned = churn_date in
 * [m, m + window). Rates carry Wilson 95 % intervals; unresolved − none carries Newcombe's.
 * The pooled row adds the months' customer-months: an account counts once per base month, so
 * its intervals treat the months as independent (narrower than they should be when they overlap).
 */
import { addMonths, parseMonth, type MonthText } from '../../domain/month.ts';
import { rateDifference, rateEstimate, type RateDifference, type RateEstimate } from '../../domain/service/rates.ts';
import type { AnalyticsStore, SqlValue } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { dataSpan, resolveMonthRange } from '../data-span.ts';
import { regionPath, validateLevel, type RegionLevel } from '../reports/churn-regions.ts';
import { baseChurnByMonth, MONTH_SERIES_SQL, observedBaseMonths, segmentFieldSql, wholeNumber } from './common.ts';

export const COMPLAINTS_BY = ['kind', 'channel', 'region', 'segment'] as const;
export type ComplaintsBy = (typeof COMPLAINTS_BY)[number];

export const COMPLAINTS_COLUMNS = [
  'month',
  'group',
  'contacts',
  'customers',
  'resolved',
  'unresolved',
  'open',
  'resolution_rate',
  'resolved_later',
  'median_days_to_resolve',
  'repeat_30d_rate',
  'rated',
  'satisfaction',
] as const;

export const DEFAULT_CHURN_WINDOW = 3;
export const DEFAULT_COMPLAINT_LOOKBACK = 3;
export const REPEAT_DAYS = 30;

export interface ComplaintsInput {
  readonly from?: string;
  readonly to?: string;
  readonly by?: string;
  readonly level?: string;
  readonly segmentBy?: string;
  readonly window?: string | number;
  readonly lookback?: string | number;
}

export type ComplaintsRow = {
  /** null: the whole range. */
  readonly month: MonthText | null;
  readonly group: string;
  readonly contacts: number;
  readonly customers: number;
  readonly resolved: number;
  readonly unresolved: number;
  readonly open: number;
  readonly resolution_rate: number | null;
  readonly resolved_later: number;
  readonly median_days_to_resolve: number | null;
  readonly repeat_30d_rate: number | null;
  readonly rated: number;
  readonly satisfaction: number | null;
};

export const COMPLAINT_STATUSES = ['unresolved', 'resolved', 'none'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export interface StatusChurn {
  /** The base month, or null for the pooled row. */
  readonly month: MonthText | null;
  readonly groups: Readonly<Record<ComplaintStatus, RateEstimate>>;
  /** churn rate of `unresolved` − churn rate of `none`. */
  readonly unresolved_vs_none: RateDifference;
}

export interface ComplaintsReport {
  readonly from: MonthText;
  readonly to: MonthText;
  readonly by: ComplaintsBy;
  /** The region level (by region) or the segment field (by segment); null otherwise. */
  readonly level: RegionLevel | null;
  readonly segment_field: string | null;
  readonly kinds: 'complaint' | 'all';
  readonly rows: ComplaintsRow[];
  readonly churn: {
    readonly base: string;
    readonly window_months: number;
    readonly lookback_months: number;
    readonly censored_months: MonthText[];
    /** Base months whose lookback starts before the data's first month (their status reads fewer months). */
    readonly partial_lookback_months: MonthText[];
    readonly months: StatusChurn[];
    readonly pooled: StatusChurn | null;
  };
}

function validateBy(by: string | undefined): ComplaintsBy {
  const v = by ?? 'kind';
  if ((COMPLAINTS_BY as readonly string[]).includes(v)) return v as ComplaintsBy;
  throw new TenureError('USAGE', `--by must be one of ${COMPLAINTS_BY.join(', ')}, got "${v}"`);
}

const num = (v: SqlValue | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const ratio = (k: number, n: number): number | null => (n > 0 ? k / n : null);

export function complaintsSql(groupSql: string, allKinds: boolean): string {
  return `
  WITH contacts AS (
    SELECT i.customer_id, i.ts, coalesce(i.kind, 'unknown') AS kind, i.channel, i.resolved, i.satisfaction,
           min(CASE WHEN i.resolved THEN i.ts END) OVER (PARTITION BY i.customer_id, i.kind ORDER BY i.ts ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_resolved_ts,
           lead(i.ts) OVER (PARTITION BY i.customer_id, i.kind ORDER BY i.ts) AS next_ts
    FROM interactions i
    WHERE i.ts >= CAST($1 AS DATE)${allKinds ? '' : ` AND i.kind = 'complaint'`}
  ),
  keyed AS (
    SELECT CAST(date_trunc('month', x.ts) AS DATE) AS month, ${groupSql} AS grp, x.*,
           CASE WHEN x.resolved IS NOT TRUE AND x.next_resolved_ts < x.ts + INTERVAL '${REPEAT_DAYS} days'
                THEN CAST(x.next_resolved_ts AS DATE) - CAST(x.ts AS DATE) END AS days_to_resolve
    FROM contacts x JOIN customers c ON c.customer_id = x.customer_id
    WHERE x.ts < CAST($2 AS DATE)
  )
  SELECT month, grp, GROUPING(month) AS whole_range,
         count(*) AS contacts, count(DISTINCT customer_id) AS customers,
         count(*) FILTER (WHERE resolved) AS resolved,
         count(*) FILTER (WHERE NOT resolved) AS unresolved,
         count(*) FILTER (WHERE resolved IS NULL) AS open,
         count(days_to_resolve) AS resolved_later,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_resolve) AS median_days,
         count(*) FILTER (WHERE next_ts < ts + INTERVAL '${REPEAT_DAYS} days') AS repeats,
         count(satisfaction) AS rated, sum(satisfaction) AS satisfaction_sum
  FROM keyed
  GROUP BY GROUPING SETS ((month, grp), (grp))`;
}

/** Base accounts of each month by complaint status in the lookback, with their churn in the window ($1, $2 base months; $3 first complaint day). */
export function statusChurnSql(lookback: number, window: number): string {
  return `
  WITH months AS (${MONTH_SERIES_SQL}),
  complained AS (
    SELECT customer_id, CAST(date_trunc('month', ts) AS DATE) AS month, max(CASE WHEN resolved THEN 0 ELSE 1 END) AS unresolved
    FROM interactions
    WHERE kind = 'complaint' AND ts >= CAST($3 AS DATE) AND ts < CAST($2 AS DATE) + INTERVAL '1 month'
    GROUP BY 1, 2
  ),
  exposed AS (
    SELECT mo.m, x.customer_id, max(x.unresolved) AS unresolved
    FROM months mo JOIN complained x ON x.month >= mo.m - INTERVAL '${lookback} months' AND x.month < mo.m
    GROUP BY 1, 2
  )
  SELECT x.m AS month, x.unresolved, count(*) AS base,
         count(*) FILTER (WHERE e.churn_date >= x.m AND e.churn_date < x.m + INTERVAL '${window} months') AS churned
  FROM exposed x
  JOIN customers c ON c.customer_id = x.customer_id
  LEFT JOIN churn_events e ON e.customer_id = x.customer_id
  WHERE c.join_date < x.m AND (e.churn_date IS NULL OR e.churn_date >= x.m)
  GROUP BY 1, 2`;
}

function statusChurn(month: MonthText | null, counts: Record<ComplaintStatus, { n: number; k: number }>): StatusChurn {
  const groups = Object.fromEntries(COMPLAINT_STATUSES.map((s) => [s, rateEstimate(counts[s].k, counts[s].n)])) as Record<ComplaintStatus, RateEstimate>;
  return { month, groups, unresolved_vs_none: rateDifference(groups.unresolved, groups.none) };
}

export async function complaintsReport(store: AnalyticsStore, input: ComplaintsInput = {}): Promise<ComplaintsReport> {
  const by = validateBy(input.by);
  const level = by === 'region' ? validateLevel(input.level) : null;
  const window = wholeNumber('--window', input.window, DEFAULT_CHURN_WINDOW, 1, 24);
  const lookback = wholeNumber('--lookback', input.lookback, DEFAULT_COMPLAINT_LOOKBACK, 1, 24);
  const span = await dataSpan(store);
  const { from, to } = resolveMonthRange(input, span, () => span.first);
  const segment = by === 'segment' ? await segmentFieldSql(store, input.segmentBy) : null;
  const groupSql =
    by === 'kind' ? 'x.kind' : by === 'channel' ? `coalesce(x.channel, 'unknown')` : by === 'region' ? regionPath('c', level as RegionLevel) : (segment?.sql as string);

  const raw = await store.query(complaintsSql(groupSql, by === 'kind'), [`${from}-01`, `${addMonths(to, 1)}-01`]);
  const rows: ComplaintsRow[] = raw.map((r) => {
    const contacts = num(r.contacts);
    const rated = num(r.rated);
    return {
      month: Number(r.whole_range) === 1 ? null : String(r.month).slice(0, 7),
      group: String(r.grp),
      contacts,
      customers: num(r.customers),
      resolved: num(r.resolved),
      unresolved: num(r.unresolved),
      open: num(r.open),
      resolution_rate: ratio(num(r.resolved), contacts),
      resolved_later: num(r.resolved_later),
      median_days_to_resolve: r.median_days === null ? null : Number(r.median_days),
      repeat_30d_rate: ratio(num(r.repeats), contacts),
      rated,
      satisfaction: rated > 0 ? num(r.satisfaction_sum) / rated : null,
    };
  });
  const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => (a.month === b.month ? byCode(a.group, b.group) : a.month === null ? 1 : b.month === null ? -1 : byCode(a.month, b.month)));

  const { observed, censored } = observedBaseMonths(from, to, window, span.last);
  const months: StatusChurn[] = [];
  let pooled: StatusChurn | null = null;
  if (observed.length > 0) {
    const first = observed[0] as MonthText;
    const last = observed[observed.length - 1] as MonthText;
    const exposed = await store.query(statusChurnSql(lookback, window), [`${first}-01`, `${last}-01`, `${addMonths(first, -lookback)}-01`]);
    const totals = await baseChurnByMonth(store, observed, window);
    const sum: Record<ComplaintStatus, { n: number; k: number }> = { unresolved: { n: 0, k: 0 }, resolved: { n: 0, k: 0 }, none: { n: 0, k: 0 } };
    for (const t of totals) {
      const cell = (unresolved: number) => exposed.find((r) => String(r.month).slice(0, 7) === t.month && num(r.unresolved) === unresolved);
      const u = { n: num(cell(1)?.base), k: num(cell(1)?.churned) };
      const r = { n: num(cell(0)?.base), k: num(cell(0)?.churned) };
      const counts = { unresolved: u, resolved: r, none: { n: t.base - u.n - r.n, k: t.churned - u.k - r.k } };
      months.push(statusChurn(t.month, counts));
      for (const s of COMPLAINT_STATUSES) {
        sum[s].n += counts[s].n;
        sum[s].k += counts[s].k;
      }
    }
    pooled = statusChurn(null, sum);
  }
  return {
    from,
    to,
    by,
    level,
    segment_field: segment?.field ?? null,
    kinds: by === 'kind' ? 'all' : 'complaint',
    rows,
    churn: {
      base: `opening(m): accounts joined before m's first day and not churned before it (churn-totals' opening); status from the complaints with ts in the ${lookback} months before m; churned = churn_date in [m, m + ${window} months)`,
      window_months: window,
      lookback_months: lookback,
      censored_months: censored,
      partial_lookback_months: observed.filter((m) => parseMonth(addMonths(m, -lookback)) < parseMonth(span.first)),
      months,
      pooled,
    },
  };
}
