/**
 * The lifecycle feature record (domain/lifecycle/features.ts) for every customer and as-of
 * month, and the compiled stage CASE on top of it, as one SQL statement: staging a million
 * customers runs in the store.
 *
 * Shape of the query: per as-of month, one GROUP BY customer over the year of bills it looks
 * back on, with the 15 sums and counts the features are arithmetic on (quarter means, usage,
 * the month's revenue and margin, the latest active month); the customers with their churn
 * event, product family and churn score; then the segment rank (a window) and the stage CASE
 * over the union of the months. Aggregates per quarter, not a rolling window per bill: a
 * window over every bill costs ten times more on a million customers.
 *
 * Month literals are generated from validated months (`YYYY-MM`), never from free text. The
 * segment rank compares a customer with everyone in the segment, so the relation is always
 * computed for the whole base; callers filter it.
 */
import { formatMonth, parseMonth, type MonthText } from '../../domain/month.ts';
import type { LifecycleRules } from '../../domain/lifecycle/rules.ts';
import { rulesRead } from '../../domain/lifecycle/rules-read.ts';
import { ruleCaseSql, stageCaseSql } from '../../domain/lifecycle/sql.ts';

/** Months of bills one as-of month looks back on (features.ts: quarters of the last 12 months). */
export const LOOKBACK_MONTHS = 12;

export interface StagedSqlOptions {
  readonly rules: LifecycleRules;
  /** As-of months, consecutive, oldest first. */
  readonly months: readonly MonthText[];
  /** First billed month in the store: dormancy never counts months before it. */
  readonly dataFirst: MonthText;
  /** Whether churn_scores has rows (otherwise churn_risk is NULL without a scan). */
  readonly withScores: boolean;
}

/** Month index (year·12 + month − 1) of a DATE expression, in SQL both engines run. */
export function monthIndexSql(dateExpr: string): string {
  return `(CAST(extract(year FROM ${dateExpr}) AS INTEGER) * 12 + CAST(extract(month FROM ${dateExpr}) AS INTEGER) - 1)`;
}

export const dateLiteral = (m: MonthText): string => `DATE '${formatMonth(parseMonth(m))}-01'`;

/** The usage measure of features.ts, NULL when the bill has none of its parts. */
export const USAGE_MEASURE_SQL = `CASE WHEN voice_minutes IS NULL AND data_mb IS NULL AND tv_hours IS NULL THEN NULL
  ELSE coalesce(voice_minutes, 0) + coalesce(data_mb, 0) / 100 + coalesce(tv_hours, 0) * 10 END`;

/**
 * Product family of each customer's subscriptions in `source` (a relation with customer_id and
 * category), the segment key of the ARPU rank: mobile, tv, broadband, bundle or their
 * combinations joined by '+'. Integer flags per customer first, the text after grouping.
 */
export function productFamiliesSql(source: string): string {
  return `SELECT customer_id, concat_ws('+',
      CASE WHEN mobile = 1 THEN 'mobile' END, CASE WHEN tv = 1 THEN 'tv' END,
      CASE WHEN broadband = 1 THEN 'broadband' END, CASE WHEN bundle = 1 THEN 'bundle' END) AS family
    FROM (SELECT customer_id,
                 max(CASE WHEN category = 'voice' OR category = 'mobile_data' THEN 1 ELSE 0 END) AS mobile,
                 max(CASE WHEN category = 'tv_basic' OR category = 'tv_hd' OR category = 'vod' THEN 1 ELSE 0 END) AS tv,
                 max(CASE WHEN category = 'broadband' THEN 1 ELSE 0 END) AS broadband,
                 max(CASE WHEN category = 'bundle' THEN 1 ELSE 0 END) AS bundle
          FROM (${source}) AS held GROUP BY customer_id) AS flags`;
}

/** Product families of the segment key and their subscription categories (SQL list). */
const FAMILIES: readonly (readonly [string, string])[] = [
  ['mobile', "'voice', 'mobile_data'"],
  ['tv', "'tv_basic', 'tv_hd', 'vod'"],
  ['broadband', "'broadband'"],
  ['bundle', "'bundle'"],
];

/**
 * The segment of the ARPU rank in month index `ai`: customer type × the product families held
 * in that month (between the family's first start and last end: a gap between two
 * subscriptions of one family counts as held).
 */
function segmentAt(ai: number): string {
  const parts = FAMILIES.map(([name]) => `CASE WHEN b.s_${name} <= ${ai} AND b.e_${name} >= ${ai} THEN '${name}' END`);
  return `b.customer_type || ':' || coalesce(nullif(concat_ws('+', ${parts.join(', ')}), ''), 'other')`;
}

/**
 * Money in millionths: the stored DECIMAL(18,6) as whole numbers, which DOUBLE adds exactly (below
 * 2^53). Every exact sum uses this unit, DOUBLE measures too (rounded to it per row).
 */
export const MONEY_UNITS = 1000000;

/**
 * A money column in millionths as an integral DOUBLE. Sums and means of these do not depend
 * on the order the engine adds rows in (fractional DOUBLEs do, in the last bit); divide the
 * result by MONEY_UNITS. Exact while a sum stays below 2^53 millionths, about 9 billion.
 */
export const moneyUnitsSql = (expr: string): string => `round(CAST(${expr} AS DOUBLE PRECISION) * ${MONEY_UNITS})`;

/**
 * Sum of a DOUBLE measure (minutes, MB, hours) in whole millionths, each row rounded to 1e-6:
 * the same result in any row order. A plain DOUBLE sum depends on the order the engine adds
 * the rows in, which changes between runs when the aggregation runs on several threads.
 */
export const exactSumSql = (expr: string): string => `(sum(${moneyUnitsSql(expr)}) / ${MONEY_UNITS})`;

/**
 * Per-customer aggregates of the bills one as-of month looks back on (d = months before it):
 * revenue sum and count per quarter q = d / 3 (q = 0..3), usage sum and count for q = 0, 1,
 * revenue and margin of the month itself, and the most recent active month. Plain CASE
 * aggregates: DuckDB runs them faster than FILTER clauses, and the count stays at 15. The
 * quarter of a bill comes from comparing its month with the quarters' first days, and the
 * latest active month is kept as a date and turned into d once per customer: computing a month
 * index for each of a year of bills cost more than the aggregation itself.
 *
 * Revenue and cost are added in millionths, whole numbers that DOUBLE adds exactly (adding the
 * DECIMALs themselves took 14–20 % longer on a million customers), and scaled back per
 * customer. A sum of fractional DOUBLEs depends on the order the engine adds the bills in, so
 * two customers with the same quarter of bills got means a last bit apart and different segment
 * ranks: on the 200k demo's last three months, 33,334 of 591,211 staged rows had a rank up to
 * 0.004 off the exact one. The usage measure (a DOUBLE of minutes, MB and hours) is added the
 * same way, per bill rounded to millionths (the same unit): its sums also came out a last bit
 * apart between runs on the same data (1 of 591,211 staged rows on the 200k demo), and a stage
 * rule compares their ratio with a threshold.
 */
function billAggregates(m: MonthText): string {
  const ai = parseMonth(m);
  const lo = formatMonth(ai - (LOOKBACK_MONTHS - 1));
  const q = [0, 1, 2, 3];
  // q = 0 from the first day of M−2, q = 1 from M−5, q = 2 from M−8, else q = 3 (back to M−11).
  const quarterOf = `CASE ${[0, 1, 2].map((i) => `WHEN month >= ${dateLiteral(formatMonth(ai - 3 * i - 2))} THEN ${i}`).join(' ')} ELSE 3 END`;
  return `
    SELECT customer_id, ${q.map((i) => `rs${i} / ${MONEY_UNITS} AS rs${i}, rn${i}`).join(', ')}, us0 / ${MONEY_UNITS} AS us0, un0, us1 / ${MONEY_UNITS} AS us1, un1,
           revenue_m / ${MONEY_UNITS} AS revenue_m, margin_m / ${MONEY_UNITS} AS margin_m,
           ${ai} - ${monthIndexSql('last_active')} AS last_active_d
    FROM (
      SELECT customer_id,
             ${q.map((i) => `sum(CASE WHEN q = ${i} THEN rev END) AS rs${i}, count(CASE WHEN q = ${i} THEN rev END) AS rn${i}`).join(',\n             ')},
             ${[0, 1].map((i) => `sum(CASE WHEN q = ${i} THEN usg END) AS us${i}, count(CASE WHEN q = ${i} THEN usg END) AS un${i}`).join(',\n             ')},
             sum(CASE WHEN this_month THEN rev END) AS revenue_m,
             sum(CASE WHEN this_month THEN rev - ${moneyUnitsSql('coalesce(cost, 0)')} END) AS margin_m,
             max(CASE WHEN active THEN month END) AS last_active
      FROM (SELECT customer_id, month, ${quarterOf} AS q, month >= ${dateLiteral(m)} AS this_month, cost,
                   ${moneyUnitsSql('revenue')} AS rev,
                   ${moneyUnitsSql('usage_measure')} AS usg,
                   revenue > 0 OR usage_measure > 0 AS active
            FROM (SELECT *, ${USAGE_MEASURE_SQL} AS usage_measure FROM monthly_usage) AS u
            WHERE month >= ${dateLiteral(lo)} AND month <= ${dateLiteral(m)}) AS bills
      GROUP BY customer_id) AS per_customer`;
}

/**
 * Columns of the staged relation: customer_id, k (0 = latest as-of month), as_of (DATE),
 * join_date, churn_date, churn_type, reason_code, province, customer_type, segment, every
 * feature of features.ts, revenue_m and margin_m (billed in the as-of month, NULL when not
 * billed), stage and rule. Each as-of month costs one aggregation of a year of bills.
 */
export function stagedSql(o: StagedSqlOptions): string {
  if (o.months.length === 0) throw new RangeError('no as-of months');
  const last = o.months[o.months.length - 1] as MonthText;
  const lastIdx = parseMonth(last);
  const dataFirstIdx = parseMonth(o.dataFirst);
  const div = (s: string, n: string) => `(${s} / nullif(${n}, 0))`;
  // Scores are joined only when a rule reads them (the defaults do not).
  const withScores = o.withScores && rulesRead(o.rules, 'churn_risk');

  const perMonth = o.months.map((m) => {
    const k = lastIdx - parseMonth(m); // offset of this as-of month from the latest
    const ai = parseMonth(m);
    const next = dateLiteral(formatMonth(ai + 1));
    const quarter = (i: number) => div(`p.rs${i}`, `p.rn${i}`);
    const churned = `(b.churn_date IS NOT NULL AND b.churn_date < ${next})`;
    const risk = withScores ? 'rk.churn_risk' : 'CAST(NULL AS DOUBLE PRECISION)';
    const riskJoin = withScores ? ` LEFT JOIN risk rk ON rk.k = ${k} AND rk.customer_id = b.customer_id` : '';
    return `
    SELECT b.customer_id, ${k} AS k, ${dateLiteral(m)} AS as_of, b.join_date, b.churn_date, b.churn_type, b.reason_code,
           b.province, b.customer_type, ${segmentAt(ai)} AS segment,
           ${ai} - b.join_idx - CASE WHEN extract(day FROM ${next} - 1) < extract(day FROM b.join_date) THEN 1 ELSE 0 END AS tenure_months,
           ${churned} AS churned,
           ${quarter(0)} AS arpu_last3,
           ${quarter(1)} AS arpu_prev3,
           ${div('p.us0', 'p.un0')} AS usage_last3,
           ${div('p.us1', 'p.un1')} AS usage_prev3,
           least(coalesce(p.last_active_d, ${LOOKBACK_MONTHS}), ${ai} - b.join_idx + 1, ${ai - dataFirstIdx + 1}) AS dormant_months,
           greatest(${[0, 1, 2, 3].map(quarter).join(', ')}) AS peak_arpu3,
           ${risk} AS churn_risk,
           p.revenue_m, p.margin_m
    FROM base b LEFT JOIN (${billAggregates(m)}) AS p ON p.customer_id = b.customer_id${riskJoin}
    WHERE b.join_date < ${next}`;
  });

  const asofValues = o.months.map((m) => `(${lastIdx - parseMonth(m)}, ${dateLiteral(m)})`).join(', ');
  const scoreCtes = withScores
    ? `,
  scored_months AS (SELECT * FROM (VALUES ${asofValues}) AS a(k, month)),
  runs AS (SELECT DISTINCT as_of, scored_at FROM churn_scores),
  -- Only a run of the month itself: an earlier month's scores would make the month's stages
  -- depend on which months happen to have been scored (issue 19.8).
  run_of AS (SELECT a.k, max(r.as_of) AS run_as_of FROM scored_months a JOIN runs r ON r.as_of = a.month GROUP BY a.k),
  latest AS (SELECT o.k, o.run_as_of, max(r.scored_at) AS scored_at FROM run_of o JOIN runs r ON r.as_of = o.run_as_of GROUP BY o.k, o.run_as_of),
  risk AS (
    SELECT l.k, s.customer_id, max(s.churn_probability) AS churn_risk
    FROM latest l JOIN churn_scores s ON s.as_of = l.run_as_of AND s.scored_at = l.scored_at
    GROUP BY l.k, s.customer_id)`
    : '';
  return `
  WITH spans AS (
    -- Per customer and product family: first month and last month held (open = far future).
    SELECT customer_id, ${FAMILIES.map(([name, cats]) => `min(CASE WHEN category IN (${cats}) THEN si END) AS s_${name},
           max(CASE WHEN category IN (${cats}) THEN ei END) AS e_${name}`).join(',\n           ')}
    FROM (SELECT customer_id, category, ${monthIndexSql('start_date')} AS si, coalesce(${monthIndexSql('end_date')}, 1000000) AS ei FROM subscriptions) AS s
    GROUP BY customer_id
  ),
  base AS MATERIALIZED (
    SELECT c.customer_id, c.join_date, ${monthIndexSql('c.join_date')} AS join_idx, c.province, c.customer_type,
           ${FAMILIES.map(([name]) => `f.s_${name}, f.e_${name}`).join(', ')},
           e.churn_date, e.churn_type, e.reason_code
    FROM customers c
    LEFT JOIN churn_events e ON e.customer_id = c.customer_id
    LEFT JOIN spans f ON f.customer_id = c.customer_id
    WHERE c.join_date < ${dateLiteral(formatMonth(lastIdx + 1))}
  )${scoreCtes},
  features AS MATERIALIZED (${perMonth.join('\n    UNION ALL')}
  ),
  -- The rank on a narrow relation: a window sorts its whole row, so keep the row small.
  ranks AS (
    SELECT customer_id, k, percent_rank() OVER (PARTITION BY k, segment ORDER BY arpu_last3) AS segment_arpu_rank
    FROM features WHERE NOT churned AND arpu_last3 IS NOT NULL
  ),
  ranked AS (
    SELECT f.*, r.segment_arpu_rank
    FROM features f LEFT JOIN ranks r ON r.customer_id = f.customer_id AND r.k = f.k
  )
  SELECT *, ${stageCaseSql(o.rules)} AS stage, ${ruleCaseSql(o.rules)} AS rule
  FROM ranked`;
}
