/**
 * Store-backed retention use cases: sBG fits to the operator's own cohorts, Kaplan–Meier
 * curves by group and cumulative incidence by reason group ("when and why customers leave").
 * The sBG fits read the join-month cohorts (followed from their join); the curves read every
 * account on the books in the data, the opening base entering at its tenure (see cohorts.ts).
 */
import { cumulativeIncidence } from '../../domain/survival/cumulative-incidence.ts';
import { kaplanMeierByGroup, medianSurvival } from '../../domain/survival/kaplan-meier.ts';
import { fitSbgCohorts, notEstimableReason, validateCohortCounts, type SbgFit } from '../../domain/retention/sbg.ts';
import type { MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { aliveCounts, expand, tenureCounts, type CohortKind, type CurveGroup, type EntryCountRow, type TenureCountRow } from './cohorts.ts';

export interface CohortFitRow {
  readonly cohort: string;
  readonly size: number;
  readonly observed_periods: number;
  readonly alive: number[];
  /** Own fit when the cohort can be fitted alone (≥ 2 periods, someone churned); else null. */
  readonly alpha: number | null;
  readonly beta: number | null;
}

export interface StoreCohortFit {
  readonly kind: CohortKind;
  readonly first: MonthText;
  readonly last: MonthText;
  /** Pooled fit over every cohort (join months share α, β; per segment: pooled within the segment). */
  readonly fit: SbgFit;
  /** Alive counts of all join-month cohorts added up over the periods every one of them was observed for. */
  readonly pooledCounts: number[];
  readonly cohorts: CohortFitRow[];
  readonly segments?: SegmentFitRow[];
}

/**
 * One segment's sBG fit. `status` says whether α and β were estimated; when not (the search
 * ran into its bound, or the counts cannot be fitted) they are null and `reason` says why:
 * a bounded fit is not a result (issue 19.8).
 */
export interface SegmentFitRow {
  readonly segment: string;
  readonly size: number;
  readonly status: 'fitted' | 'not_estimable';
  readonly alpha: number | null;
  readonly beta: number | null;
  readonly reason: string | null;
}

const r6 = (x: number) => Number(x.toFixed(6));

function ownFit(counts: readonly number[]): { alpha: number | null; beta: number | null } {
  if (validateCohortCounts(counts).length > 0 || counts.length < 3) return { alpha: null, beta: null };
  try {
    const f = fitSbgCohorts([counts]);
    // A bounded fit is no estimate (issue 19.8).
    return notEstimableReason(f) === null ? { alpha: r6(f.alpha), beta: r6(f.beta) } : { alpha: null, beta: null };
  } catch {
    return { alpha: null, beta: null };
  }
}

/** The store's cohorts of `kind` and their pooled sBG fit (one α, β for all of them). */
async function pooledFit(store: AnalyticsStore, kind: CohortKind) {
  const counts = await tenureCounts(store, kind === 'join-month' ? 'join_month' : 'segment_join_month');
  const cohorts = aliveCounts(counts.rows);
  if (cohorts.size === 0) {
    throw new TenureError('NO_DATA', `no accounts joined within the data (${counts.first}..${counts.last}); retention cohorts need joiners`);
  }
  const all = [...cohorts.values()];
  try {
    return { counts, cohorts, all, fit: fitSbgCohorts(all) };
  } catch (err) {
    if (err instanceof RangeError) throw new TenureError('BAD_INPUT', `cannot fit the sBG model to the store's cohorts: ${err.message}`);
    throw err;
  }
}

/**
 * Only the pooled join-month fit, as `fitCohortsFromStore(store, 'join-month').fit`, without
 * each cohort's own fit and the pooled curve: what customer value needs for lifetimes.
 */
export async function fitJoinMonthSbg(store: AnalyticsStore): Promise<SbgFit> {
  return (await pooledFit(store, 'join-month')).fit;
}

export async function fitCohortsFromStore(store: AnalyticsStore, kind: CohortKind): Promise<StoreCohortFit> {
  const { counts, cohorts, all, fit } = await pooledFit(store, kind);
  // The pooled curve shown next to the fit: cohorts summed over the periods all of them cover
  // would be only one period, so sum per period over the cohorts that cover it and rescale.
  const maxT = Math.max(...all.map((c) => c.length - 1));
  const pooledCounts = [all.reduce((s, c) => s + (c[0] as number), 0)];
  let s = 1;
  for (let t = 1; t <= maxT; t++) {
    let atRisk = 0;
    let alive = 0;
    for (const c of all) {
      if (c.length > t) {
        atRisk += c[t - 1] as number;
        alive += c[t] as number;
      }
    }
    if (atRisk === 0) break;
    s *= alive / atRisk;
    pooledCounts.push(Math.round((pooledCounts[0] as number) * s));
  }
  const rows: CohortFitRow[] = [...cohorts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cohort, c]) => ({
      cohort,
      size: c[0] as number,
      observed_periods: c.length - 1,
      alive: c,
      // Per segment the fits are per segment (below); a segment's single join month is too small to fit alone.
      ...(kind === 'join-month' ? ownFit(c) : { alpha: null, beta: null }),
    }));
  let segments: StoreCohortFit['segments'];
  if (kind === 'segment') {
    const bySegment = new Map<string, number[][]>();
    for (const [key, c] of cohorts) {
      const segment = key.split('|')[0] ?? key;
      const list = bySegment.get(segment) ?? [];
      list.push(c);
      bySegment.set(segment, list);
    }
    segments = [...bySegment]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([segment, list]): SegmentFitRow => {
        const size = list.reduce((n, c) => n + (c[0] as number), 0);
        let reason: string | null;
        let f: SbgFit | null = null;
        try {
          f = fitSbgCohorts(list);
          reason = notEstimableReason(f);
        } catch (err) {
          // Every segment gets a row: one that cannot be fitted says why instead of vanishing.
          if (!(err instanceof RangeError)) throw err;
          reason = err.message;
        }
        return f && reason === null
          ? { segment, size, status: 'fitted', alpha: r6(f.alpha), beta: r6(f.beta), reason: null }
          : { segment, size, status: 'not_estimable', alpha: null, beta: null, reason };
      });
  }
  return { kind, first: counts.first, last: counts.last, fit, pooledCounts, cohorts: rows, ...(segments ? { segments } : {}) };
}

export interface CurveRow {
  readonly month: number;
  /** Accounts at risk in month t of tenure: entered before it (entry < t) and not gone before it (exit ≥ t). */
  readonly at_risk: number;
  readonly survival: number;
  readonly lower: number;
  readonly upper: number;
}

export interface GroupCurve {
  readonly group: string;
  /** Accounts in the fit: joined_in_window + left_truncated. */
  readonly customers: number;
  readonly joined_in_window: number;
  /** Accounts already customers when the data starts, entering at their tenure then. */
  readonly left_truncated: number;
  readonly churned: number;
  readonly median_months: number | null;
  /**
   * null when the group has joiners (the curve is P(T > t)); else the tenure k before which
   * nobody of the group is observed, and the curve is P(T > t | T > k).
   */
  readonly conditional_on_tenure: number | null;
  readonly curve: CurveRow[];
}

export interface RetentionCurves {
  readonly by: CurveGroup;
  readonly first: MonthText;
  readonly last: MonthText;
  /** Accounts in the fits: joined_in_window + left_truncated. */
  readonly accounts: number;
  readonly joined_in_window: number;
  readonly left_truncated: number;
  readonly definition: string;
  readonly groups: GroupCurve[];
  /** Cumulative incidence of exit per reason group over all accounts (competing risks). */
  readonly incidence: { month: number; at_risk: number; survival: number; causes: Record<string, number> }[];
  readonly causes: string[];
  /** Share of all exits up to the last month per reason group. */
  readonly exits_by_cause: { cause: string; exits: number; incidence_at_12: number | null; incidence_at_24: number | null; incidence_at_60: number | null }[];
}

export const CURVES_DEFINITION =
  'Kaplan–Meier survival and Aalen–Johansen cumulative incidence by months of tenure (the join month is month 1) over every account on the books in the data: ' +
  'accounts that joined within it enter at tenure 0; accounts already customers when it starts (joined before its first month F, no churn before F) enter at their tenure then, F − join month, ' +
  'and are at risk from the next month on (left truncation, delayed entry: at risk in month t when entry < t ≤ exit month, or the last month when still a customer); accounts that left before F are not counted';

/** Accounts at risk in months 1..maxT (index t): #{entry < t} − #{exit < t}, by a difference array. */
function atRiskByMonth(exits: readonly TenureCountRow[], entries: readonly EntryCountRow[], maxT: number): Float64Array {
  const diff = new Float64Array(maxT + 2);
  for (const e of entries) diff[e.entry + 1] = (diff[e.entry + 1] as number) + e.n;
  for (const r of exits) diff[r.t + 1] = (diff[r.t + 1] as number) - r.n;
  const out = new Float64Array(maxT + 1);
  let n = 0;
  for (let t = 1; t <= maxT; t++) {
    n += diff[t] as number;
    out[t] = n;
  }
  return out;
}

export async function retentionCurves(store: AnalyticsStore, by: CurveGroup): Promise<RetentionCurves> {
  const counts = await tenureCounts(store, by, 'on-books');
  const cols = expand(counts.rows, counts.entries);
  if (cols.durations.length === 0) {
    throw new TenureError('NO_DATA', `no accounts were customers within the data (${counts.first}..${counts.last}); survival curves need accounts`);
  }
  const groups = kaplanMeierByGroup(cols.durations, cols.events, cols.groups, 0.95, cols.entries).sort((a, b) =>
    a.group < b.group ? -1 : a.group > b.group ? 1 : 0,
  );
  let maxT = 0;
  for (const d of cols.durations) if (d > maxT) maxT = d;
  const exitsOf = (grp: string) => counts.rows.filter((r) => r.grp === grp);
  const entriesOf = (grp: string) => counts.entries.filter((e) => e.grp === grp);
  const curveRows = (c: (typeof groups)[number]['curve'], atRisk: Float64Array): CurveRow[] => {
    const out: CurveRow[] = [];
    let j = -1;
    for (let t = 1; t <= maxT; t++) {
      while (j + 1 < c.times.length && (c.times[j + 1] as number) <= t) j++;
      const n = atRisk[t] as number;
      if (j < 0) out.push({ month: t, at_risk: n, survival: 1, lower: 1, upper: 1 });
      else out.push({ month: t, at_risk: n, survival: r6(c.survival[j] as number), lower: r6(c.lower[j] as number), upper: r6(c.upper[j] as number) });
    }
    return out;
  };
  const ci = cumulativeIncidence(cols.durations, cols.causes, cols.entries);
  const allAtRisk = atRiskByMonth(counts.rows, counts.entries, maxT);
  const incidence: RetentionCurves['incidence'] = [];
  let j = -1;
  for (let t = 1; t <= maxT; t++) {
    while (j + 1 < ci.times.length && (ci.times[j + 1] as number) <= t) j++;
    const causes: Record<string, number> = {};
    for (const c of ci.causes) causes[c] = j < 0 ? 0 : r6((ci.incidence[c] as Float64Array)[j] as number);
    incidence.push({ month: t, at_risk: allAtRisk[t] as number, survival: j < 0 ? 1 : r6(ci.survival[j] as number), causes });
  }
  const at = (t: number) => (maxT >= t ? incidence[t - 1] : undefined);
  const exits = new Map<string, number>();
  for (const r of counts.rows) if (r.cause !== null) exits.set(r.cause, (exits.get(r.cause) ?? 0) + r.n);
  const late = (rows: readonly EntryCountRow[]) => rows.reduce((n, e) => n + (e.entry > 0 ? e.n : 0), 0);
  const leftTruncated = late(counts.entries);
  return {
    by,
    first: counts.first,
    last: counts.last,
    accounts: cols.durations.length,
    joined_in_window: cols.durations.length - leftTruncated,
    left_truncated: leftTruncated,
    definition: CURVES_DEFINITION,
    groups: groups.map(({ group, curve }) => {
      const entries = entriesOf(group);
      const groupLate = late(entries);
      const atRisk = atRiskByMonth(exitsOf(group), entries, maxT);
      let firstAtRisk = 1;
      while (firstAtRisk < maxT && (atRisk[firstAtRisk] as number) === 0) firstAtRisk++;
      return {
        group,
        customers: curve.size,
        joined_in_window: curve.size - groupLate,
        left_truncated: groupLate,
        churned: Array.from(curve.events).reduce((a, b) => a + b, 0),
        median_months: medianSurvival(curve),
        conditional_on_tenure: firstAtRisk > 1 ? firstAtRisk - 1 : null,
        curve: curveRows(curve, atRisk),
      };
    }),
    incidence,
    causes: [...ci.causes].sort(),
    exits_by_cause: [...exits]
      .sort((a, b) => b[1] - a[1])
      .map(([cause, n]) => ({
        cause,
        exits: n,
        incidence_at_12: at(12)?.causes[cause] ?? null,
        incidence_at_24: at(24)?.causes[cause] ?? null,
        incidence_at_60: at(60)?.causes[cause] ?? null,
      })),
  };
}
