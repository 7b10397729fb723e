/**
 * Observed churn next to the churn index (seed 004 compares the survey-based 流失指数 with
 * what customers actually did): per survey scope, the exits of the last 12 months of data by
 * reason group and the churn rate, and per survey reason its share of the index against the
 * share of voluntary exits in its reason group (domain/churn-index SURVEY_REASON_GROUP).
 *
 * Scopes are matched like the surveys define them: `all`, or a region prefix at any level
 * (`甘肃`, `甘肃/酒泉`). Other scopes (segment names) get no observed figures (null).
 * Counting is in SQL grouped by region path and reason group; the prefix roll-up is in TS.
 */
import { surveyReasonGroup, type ScopeChurnIndex } from '../../domain/churn-index.ts';
import { addMonths, monthRange, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { dataSpan } from '../lifecycle/context.ts';
import { REASON_GROUP_SQL } from '../retention/cohorts.ts';

export interface ObservedReason {
  readonly reason: string;
  readonly group: string;
  /** The reason's share of the scope's index (contribution share). */
  readonly index_share: number;
  readonly observed_exits: number;
  /** Share of the scope's voluntary exits in the reason's group. */
  readonly observed_share: number | null;
}

export interface ObservedScope {
  readonly scope: string;
  readonly index: number;
  /** Accounts on the books during the window (opening at its start + joiners). */
  readonly accounts: number | null;
  readonly voluntary: number | null;
  readonly involuntary: number | null;
  /**
   * (voluntary + involuntary) / accounts over the whole window: a window rate, named so, not the
   * contract's monthly churn_rate (issue 19.6: 0.1348 next to the reports' 0.0131 unlabelled).
   */
  readonly window_churn_rate: number | null;
  readonly exits_by_group: Record<string, number> | null;
  readonly reasons: ObservedReason[];
}

export interface ObservedChurn {
  readonly from: MonthText;
  readonly to: MonthText;
  /** Months in the window (up to 12). */
  readonly months: number;
  readonly base: 'accounts_in_window';
  readonly definition: string;
  readonly scopes: ObservedScope[];
}

const r6 = (x: number) => Number(x.toFixed(6));

export async function observedChurnByScope(store: AnalyticsStore, scopes: readonly ScopeChurnIndex[]): Promise<ObservedChurn | null> {
  const [has] = await store.query<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM customers LIMIT 1) AS c');
  if (Number(has?.n ?? 0) === 0) return null;
  const span = await dataSpan(store);
  const to = span.last;
  const from = addMonths(to, -11) < span.first ? span.first : addMonths(to, -11);
  const start = `${from}-01`;
  const end = `${addMonths(to, 1)}-01`;
  const rows = await store.query<{ region: string | null; grp: string | null; churn_type: string | null; accounts: number; exits: number }>(
    `SELECT c.region, CASE WHEN e.churn_date >= CAST($1 AS DATE) AND e.churn_date < CAST($2 AS DATE) THEN ${REASON_GROUP_SQL} END AS grp,
            CASE WHEN e.churn_date >= CAST($1 AS DATE) AND e.churn_date < CAST($2 AS DATE) THEN e.churn_type END AS churn_type,
            count(*) AS accounts,
            count(CASE WHEN e.churn_date >= CAST($1 AS DATE) AND e.churn_date < CAST($2 AS DATE) THEN 1 END) AS exits
     FROM customers c
     LEFT JOIN churn_events e ON e.customer_id = c.customer_id
     LEFT JOIN reason_codes rc ON rc.code = e.reason_code
     WHERE c.join_date < CAST($2 AS DATE) AND (e.churn_date IS NULL OR e.churn_date >= CAST($1 AS DATE))
     GROUP BY 1, 2, 3
     -- exits_by_group keeps the order groups are first met in: fix it, or the JSON's key order varies between runs.
     ORDER BY 1, 2, 3`,
    [start, end],
  );
  const matches = (scope: string, region: string) => scope === 'all' || region === scope || region.startsWith(`${scope}/`);
  const isRegionScope = (scope: string) => scope === 'all' || rows.some((r) => r.region !== null && matches(scope, r.region));
  const months = monthRange(from, to).length;
  return {
    from,
    to,
    months,
    base: 'accounts_in_window',
    definition: `window_churn_rate = exits (voluntary + involuntary) from ${from} to ${to} (${months} months) / accounts on the books in that window (opening at its start + joiners); not the monthly churn_rate of the churn reports (exits in a month / that month's opening)`,
    scopes: scopes.map((s) => {
      if (!isRegionScope(s.scope)) {
        return { scope: s.scope, index: s.index, accounts: null, voluntary: null, involuntary: null, window_churn_rate: null, exits_by_group: null, reasons: s.reasons.map((r) => ({ reason: r.reason, group: surveyReasonGroup(r.reason), index_share: r6(r.share), observed_exits: 0, observed_share: null })) };
      }
      let accounts = 0;
      let voluntary = 0;
      let involuntary = 0;
      const byGroup: Record<string, number> = {};
      for (const r of rows) {
        if (r.region === null || !matches(s.scope, r.region)) continue;
        accounts += Number(r.accounts);
        const n = Number(r.exits);
        if (r.grp !== null && n > 0) {
          byGroup[r.grp] = (byGroup[r.grp] ?? 0) + n;
          if (r.churn_type === 'involuntary') involuntary += n;
          else voluntary += n;
        }
      }
      return {
        scope: s.scope,
        index: s.index,
        accounts,
        voluntary,
        involuntary,
        window_churn_rate: accounts > 0 ? r6((voluntary + involuntary) / accounts) : null,
        exits_by_group: byGroup,
        reasons: s.reasons.map((r) => {
          const group = surveyReasonGroup(r.reason);
          const exits = byGroup[group] ?? 0;
          return { reason: r.reason, group, index_share: r6(r.share), observed_exits: exits, observed_share: voluntary > 0 ? r6(exits / voluntary) : null };
        }),
      };
    }),
  };
}
