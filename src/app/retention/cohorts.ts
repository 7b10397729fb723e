/**
 * Retention from the store: cohort alive counts for the sBG model, Kaplan–Meier curves by
 * group and cumulative incidence of exit by reason group, with the counting done in SQL (the
 * result is one row per cohort, month of tenure and outcome, plus one per cohort and entry
 * tenure; never one per customer).
 *
 * Time is in months of tenure, 1-based like the sBG's T: an account that leaves in its join
 * month left in period 1; one still active at the end of the data (the latest month L) has
 * survived L − join month + 1 periods and is censored there.
 *
 * Two populations:
 * - `joiners`: accounts that joined within the data (join month ≥ the first month F), each
 *   observed from its join (entry 0). The sBG cohort fits use these: a join-month cohort is
 *   followed from period 0, so nothing is truncated.
 * - `on-books` (the survival curves): the joiners plus every account already a customer when
 *   the data starts (joined before F, no churn before F's first day: F's opening base). An
 *   older account is in the data only because it survived to F, so counting it from its join
 *   would make retention look better than it is; it enters instead at its tenure then,
 *   entry = F − join month (the periods it is known to have survived), and is at risk from
 *   period entry + 1 on (left truncation, delayed entry). Accounts that left before F are not
 *   counted at all.
 */
import { formatMonth, parseMonth, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import type { Dialect } from '../../store/dialect.ts';
import { dataSpan } from '../data-span.ts';
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
function groupSql(d: Dialect, group: CountGroup): string {
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
      return d.formatMonth('c.join_date');
    case 'segment_join_month':
      return `${groupSql(d, 'segment')} || '|' || ${groupSql(d, 'join_month')}`;
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

/** Accounts of a group by entry: periods survived before observation began (0 for joiners, F − join month for the opening base). */
export interface EntryCountRow {
  readonly grp: string;
  readonly entry: number;
  readonly n: number;
}

export interface TenureCounts {
  readonly first: MonthText;
  readonly last: MonthText;
  /** Exits and censorings by group and period, ordered by group, period, cause. */
  readonly rows: TenureCountRow[];
  /** Entries by group, ordered by group and entry; the same accounts as `rows`. */
  readonly entries: EntryCountRow[];
}

/** Who enters the counts: joiners within the data only, or everyone on the books at some point in it (see the module note). */
export type CountPopulation = 'joiners' | 'on-books';

/** Accounts per group, tenure period and outcome, and per group and entry, counted in SQL. */
export async function tenureCounts(store: AnalyticsStore, group: CountGroup, population: CountPopulation = 'joiners'): Promise<TenureCounts> {
  const span = await dataSpan(store);
  const firstIdx = parseMonth(span.first);
  const lastIdx = parseMonth(span.last);
  const start = `DATE '${span.first}-01'`;
  const end = `DATE '${formatMonth(lastIdx + 1)}-01'`;
  const who =
    population === 'joiners'
      ? `c.join_date >= ${start} AND c.join_date < ${end}`
      : `c.join_date < ${end} AND (e.churn_date IS NULL OR e.churn_date >= ${start})`;
  const needsFamily = group === 'segment' || group === 'segment_join_month';
  const rows = await store.query<{ kind: string; grp: string; t: number; cause: string | null; n: number }>(
    `WITH ${needsFamily ? `families AS (${productFamiliesSql('SELECT customer_id, category FROM subscriptions')}),` : ''}
     accounts AS (
       SELECT ${groupSql(store.dialect, group)} AS grp, ${monthIndexSql('c.join_date')} AS jm,
              CASE WHEN e.churn_date IS NOT NULL AND e.churn_date < ${end}
                   THEN ${monthIndexSql('e.churn_date')} END AS cm,
              ${REASON_GROUP_SQL} AS reason_group
       FROM customers c
       LEFT JOIN churn_events e ON e.customer_id = c.customer_id
       LEFT JOIN reason_codes rc ON rc.code = e.reason_code
       ${needsFamily ? 'LEFT JOIN families f ON f.customer_id = c.customer_id' : ''}
       WHERE ${who}
     )
     SELECT 'exit' AS kind, grp, CASE WHEN cm IS NULL THEN ${lastIdx} - jm + 1 ELSE cm - jm + 1 END AS t,
            CASE WHEN cm IS NULL THEN NULL ELSE reason_group END AS cause, count(*) AS n
     FROM accounts GROUP BY 1, 2, 3, 4
     ${population === 'on-books' ? `UNION ALL SELECT 'entry' AS kind, grp, greatest(${firstIdx} - jm, 0) AS t, NULL AS cause, count(*) AS n FROM accounts GROUP BY 1, 2, 3` : ''}
     ORDER BY 1, 2, 3, 4`,
  );
  const exits: TenureCountRow[] = [];
  const entries: EntryCountRow[] = [];
  for (const r of rows) {
    if (r.kind === 'entry') entries.push({ grp: String(r.grp), entry: Number(r.t), n: Number(r.n) });
    else exits.push({ grp: String(r.grp), t: Number(r.t), cause: r.cause, n: Number(r.n) });
  }
  if (population === 'joiners') {
    // Everyone enters at 0: one entry row per group.
    const sizes = new Map<string, number>();
    for (const r of exits) sizes.set(r.grp, (sizes.get(r.grp) ?? 0) + r.n);
    for (const [grp, n] of sizes) entries.push({ grp, entry: 0, n });
  }
  return { first: span.first, last: span.last, rows: exits, entries };
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

/**
 * Per-customer columns rebuilt from the counts, for the survival estimators (cheap: typed arrays).
 *
 * Entries come counted apart from exits (two small aggregates instead of one by entry × exit),
 * so within a group the k-th smallest entry is put on the row with the k-th smallest exit. The
 * estimators read only each group's sorted entry and exit times, so the curves are exactly those
 * of the true pairing, and this pairing keeps entry < exit on every row: if every account has
 * entry < exit, the k smallest exits belong to k accounts whose k entries are all below the
 * k-th smallest exit. Without `entryRows` every row enters at 0.
 */
export function expand(
  rows: readonly TenureCountRow[],
  entryRows?: readonly EntryCountRow[],
): {
  entries: Float64Array;
  durations: Float64Array;
  events: Uint8Array;
  causes: (string | null)[];
  groups: string[];
} {
  const total = rows.reduce((s, r) => s + r.n, 0);
  const entries = new Float64Array(total);
  const durations = new Float64Array(total);
  const events = new Uint8Array(total);
  const causes: (string | null)[] = new Array<string | null>(total);
  const groups: string[] = new Array<string>(total);
  // Exits sorted by group, then period: rows of one group are contiguous and ascending in t.
  const ordered = [...rows].sort((a, b) => (a.grp < b.grp ? -1 : a.grp > b.grp ? 1 : a.t - b.t));
  let i = 0;
  for (const r of ordered) {
    for (let k = 0; k < r.n; k++, i++) {
      durations[i] = r.t;
      events[i] = r.cause === null ? 0 : 1;
      causes[i] = r.cause;
      groups[i] = r.grp;
    }
  }
  if (entryRows) {
    const byGroup = new Map<string, EntryCountRow[]>();
    for (const e of entryRows) {
      const list = byGroup.get(e.grp);
      if (list) list.push(e);
      else byGroup.set(e.grp, [e]);
    }
    let at = 0;
    while (at < total) {
      const grp = groups[at] as string;
      const list = [...(byGroup.get(grp) ?? [])].sort((a, b) => a.entry - b.entry);
      for (const e of list) for (let k = 0; k < e.n; k++) entries[at++] = e.entry;
      if (at > total || (at < total && groups[at] === grp) || (at > 0 && groups[at - 1] !== grp)) {
        throw new RangeError(`group ${grp}: the entry counts do not add up to its accounts`);
      }
    }
  }
  return { entries, durations, events, causes, groups };
}
