/**
 * Retention from the store: cohort alive counts for the sBG model, Kaplan–Meier curves by
 * group and cumulative incidence of exit by reason group, with the counting done in SQL (the
 * result is one row per cohort, month of tenure and outcome, never one per customer).
 *
 * Time is in months of tenure, 1-based like the sBG's T: an account that leaves in its join
 * month left in period 1; one still active at the end of the data (the latest month L) has
 * survived L − join month + 1 periods and is censored there.
 *
 * Only accounts that joined within the data (join month ≥ the first billed month) count: an
 * older account is in the data only because it survived to the window, and counting it from
 * its join would make retention look better than it is (left truncation).
 */
import { formatMonth, parseMonth, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { dataSpan } from '../lifecycle/context.ts';
import { monthIndexSql, productFamiliesSql } from '../lifecycle/stages-sql.ts';

export const COHORT_KINDS = ['join-month', 'segment'] as const;
export type CohortKind = (typeof COHORT_KINDS)[number];
export const CURVE_GROUPS = ['all', 'segment', 'province', 'customer_type'] as const;
export type CurveGroup = (typeof CURVE_GROUPS)[number];
/** Grouping keys of tenureCounts: a curve group, join-month cohorts, or both for segments. */
export type CountGroup = CurveGroup | 'join_month' | 'segment_join_month';

/** Exit reasons grouped as the product reports them: the voluntary reason group, or `involuntary`. */
export const REASON_GROUP_SQL = `CASE WHEN e.churn_type = 'involuntary' THEN 'involuntary' ELSE coalesce(rc."group", 'unknown') END`;

/** Segment of an account for retention: customer type × the product families it ever held. */
function groupSql(group: CountGroup): string {
  switch (group) {
    case 'all':
      return `'all'`;
    case 'province':
      return `coalesce(nullif(c.province, ''), '?')`;
    case 'customer_type':
      return 'c.customer_type';
    case 'segment':
      return `c.customer_type || ':' || coalesce(nullif(f.family, ''), 'other')`;
    case 'join_month':
      return `strftime(c.join_date, '%Y-%m')`;
    case 'segment_join_month':
      return `${groupSql('segment')} || '|' || ${groupSql('join_month')}`;
  }
}

export interface TenureCountRow {
  readonly grp: string;
  /** Period of exit (event) or last period survived (censored). */
  readonly t: number;
  /** Reason group of the exit; null when censored. */
  readonly cause: string | null;
  readonly n: number;
}

export interface TenureCounts {
  readonly first: MonthText;
  readonly last: MonthText;
  readonly rows: TenureCountRow[];
}

/** Accounts per group, tenure period and outcome, counted in SQL. */
export async function tenureCounts(store: AnalyticsStore, group: CountGroup): Promise<TenureCounts> {
  const span = await dataSpan(store);
  const lastIdx = parseMonth(span.last);
  const needsFamily = group === 'segment' || group === 'segment_join_month';
  const rows = await store.query<{ grp: string; t: number; cause: string | null; n: number }>(
    `WITH ${needsFamily ? `families AS (${productFamiliesSql('SELECT customer_id, category FROM subscriptions')}),` : ''}
     accounts AS (
       SELECT ${groupSql(group)} AS grp, ${monthIndexSql('c.join_date')} AS jm,
              CASE WHEN e.churn_date IS NOT NULL AND e.churn_date < DATE '${formatMonth(lastIdx + 1)}-01'
                   THEN ${monthIndexSql('e.churn_date')} END AS cm,
              ${REASON_GROUP_SQL} AS reason_group
       FROM customers c
       LEFT JOIN churn_events e ON e.customer_id = c.customer_id
       LEFT JOIN reason_codes rc ON rc.code = e.reason_code
       ${needsFamily ? 'LEFT JOIN families f ON f.customer_id = c.customer_id' : ''}
       WHERE c.join_date >= DATE '${span.first}-01' AND c.join_date < DATE '${formatMonth(lastIdx + 1)}-01'
     )
     SELECT grp, CASE WHEN cm IS NULL THEN ${lastIdx} - jm + 1 ELSE cm - jm + 1 END AS t,
            CASE WHEN cm IS NULL THEN NULL ELSE reason_group END AS cause, count(*) AS n
     FROM accounts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  return { first: span.first, last: span.last, rows: rows.map((r) => ({ grp: String(r.grp), t: Number(r.t), cause: r.cause, n: Number(r.n) })) };
}

/**
 * Alive counts n_0 ≥ n_1 ≥ … per cohort: n_t = accounts of the cohort that had not left after
 * t periods, for t up to the cohort's last fully observed period.
 */
export function aliveCounts(rows: readonly TenureCountRow[]): Map<string, number[]> {
  const byGroup = new Map<string, { size: number; exits: Map<number, number>; horizon: number }>();
  for (const r of rows) {
    let g = byGroup.get(r.grp);
    if (!g) {
      g = { size: 0, exits: new Map(), horizon: 0 };
      byGroup.set(r.grp, g);
    }
    g.size += r.n;
    if (r.cause !== null) g.exits.set(r.t, (g.exits.get(r.t) ?? 0) + r.n);
    else g.horizon = Math.max(g.horizon, r.t);
  }
  const out = new Map<string, number[]>();
  for (const [grp, g] of byGroup) {
    // Censored accounts of a cohort all share one horizon when the cohort is a join month; for
    // pooled groups each join month has its own, so the counts run to the longest one and a
    // join month drops out of the risk set when its observation ends (handled by per-cohort fits).
    const horizon = Math.max(g.horizon, ...g.exits.keys());
    const counts = [g.size];
    let alive = g.size;
    for (let t = 1; t <= horizon; t++) {
      alive -= g.exits.get(t) ?? 0;
      counts.push(alive);
    }
    out.set(grp, counts);
  }
  return out;
}

/** Per-customer columns rebuilt from the counts, for the survival estimators (cheap: typed arrays). */
export function expand(rows: readonly TenureCountRow[]): { durations: Float64Array; events: Uint8Array; causes: (string | null)[]; groups: string[] } {
  const total = rows.reduce((s, r) => s + r.n, 0);
  const durations = new Float64Array(total);
  const events = new Uint8Array(total);
  const causes: (string | null)[] = new Array<string | null>(total);
  const groups: string[] = new Array<string>(total);
  let i = 0;
  for (const r of rows) {
    for (let k = 0; k < r.n; k++, i++) {
      durations[i] = r.t;
      events[i] = r.cause === null ? 0 : 1;
      causes[i] = r.cause;
      groups[i] = r.grp;
    }
  }
  return { durations, events, causes, groups };
}
