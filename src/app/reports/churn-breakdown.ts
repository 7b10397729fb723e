/**
 * Churn broken down by where customers went and why (seed 004's 以原因代码分析损失, issue 12.7):
 * - churn-competitors: per month and competitor (churn_events.competitor; blank or missing is
 *   its own row, competitor null), the exits, their share of the month's voluntary churn, the
 *   revenue they took and their top reason groups;
 * - churn-reason-groups: per month and reason group (the reason codes' `group`), with the churn
 *   deck's category (deliberate / incidental / involuntary) and the textbook cause it maps to.
 *
 * Both read one aggregate of the range's churners (the same churners, definitions and revenue
 * basis as churn-totals) by month × churn type × reason group × competitor, so a month's rows
 * add up to churn-totals exactly: counts to voluntary + involuntary, and revenue_lost to the
 * cent, because a month's total is shown as churn-totals rounds it and its parts are rounded
 * by the largest-remainder method (exact.ts apportionCents), each within a cent of its exact
 * amount.
 */
import type { AnalyticsStore, SqlValue } from '../../store/port.ts';
import { monthRange, type MonthText } from '../../domain/month.ts';
import { causeOf, reasonCategory, type ChurnCause, type ReasonCategory } from '../../domain/churn-causes.ts';
import { apportionCents, divideHalfUp, revenueLostSixths, toCount } from './exact.ts';
import { churnBasisSource } from './basis.ts';
import { rangeParams, resolveRange, type MonthRangeInput, type ReportRange } from './range.ts';
import { basisCtes, REVENUE_BASIS_SUMS, reportDialect, type BasisSource, type ReportOptions } from './sql.ts';

/** Exits of one month × churn type × reason group × competitor. */
export interface BreakdownCell {
  readonly month: MonthText;
  readonly churnType: 'voluntary' | 'involuntary';
  /** The reason code's group; null when the code has no reason_codes row. */
  readonly group: string | null;
  /** Trimmed competitor; null when blank or missing. */
  readonly competitor: string | null;
  readonly count: bigint;
  /** Revenue lost in sixths of a micro (exact.ts revenueLostSixths). */
  readonly sixths: bigint;
}

export function breakdownSql(store: AnalyticsStore, source: BasisSource): string {
  const d = reportDialect(store);
  return `
  WITH ${basisCtes(d, source)}
  SELECT x.churn_month AS month, x.churn_type, rc."group" AS reason_group,
         NULLIF(trim(e.competitor), '') AS competitor, count(*) AS churned, ${REVENUE_BASIS_SUMS}
  FROM churners x
  LEFT JOIN reason_codes rc ON rc.code = x.reason_code
  LEFT JOIN churn_events e ON e.customer_id = x.customer_id
  WHERE x.churn_month <= CAST($2 AS DATE) -- already so (churners end before $3); binds $2 as the other reports do
  GROUP BY 1, 2, 3, 4`;
}

/** The range's exits by month × type × group × competitor ($1–$3 of rangeParams). */
export async function breakdownCells(store: AnalyticsStore, range: { from: MonthText; to: MonthText }, source: BasisSource): Promise<BreakdownCell[]> {
  const rows = await store.query(breakdownSql(store, source), rangeParams({ from: range.from, to: range.to }).slice(0, 3));
  return rows.map((r: Record<string, SqlValue>) => ({
    month: String(r.month).slice(0, 7),
    churnType: String(r.churn_type) === 'involuntary' ? 'involuntary' : 'voluntary',
    group: r.reason_group === null || r.reason_group === undefined ? null : String(r.reason_group),
    competitor: r.competitor === null || r.competitor === undefined ? null : String(r.competitor),
    count: toCount(r.churned),
    sixths: revenueLostSixths({ s1: r.s1, s2: r.s2, s3: r.s3 }),
  }));
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// By competitor

export const CHURN_COMPETITORS_COLUMNS = [
  'month',
  'competitor',
  'voluntary',
  'involuntary',
  'count',
  'share_of_voluntary',
  'revenue_lost',
  'top_reason_groups',
] as const;

/** How many reason groups a competitor row lists. */
export const TOP_REASON_GROUPS = 3;

export type ReasonGroupCount = { readonly reason_group: string | null; readonly count: number };

/** A type alias (not an interface) so rows fit generic record types such as the CLI printer's. */
export type ChurnCompetitorsRow = {
  readonly month: string;
  /** null: no competitor recorded (blank or missing). */
  readonly competitor: string | null;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly count: number;
  /** voluntary / the month's voluntary exits, 6 places as exact text; null when the month has none. */
  readonly share_of_voluntary: string | null;
  /** Money to 2 places as exact text; the month's rows add up to churn-totals' revenue_lost. */
  readonly revenue_lost: string;
  /** The reason groups of these exits, most frequent first (ties by name), at most TOP_REASON_GROUPS. */
  readonly top_reason_groups: readonly ReasonGroupCount[];
};

export interface ChurnCompetitorsReport {
  readonly range: ReportRange;
  readonly rows: ChurnCompetitorsRow[];
}

interface Tally {
  voluntary: bigint;
  involuntary: bigint;
  sixths: bigint;
  groups: Map<string | null, bigint>;
}

const newTally = (): Tally => ({ voluntary: 0n, involuntary: 0n, sixths: 0n, groups: new Map() });

function add(t: Tally, c: BreakdownCell): void {
  if (c.churnType === 'voluntary') t.voluntary += c.count;
  else t.involuntary += c.count;
  t.sixths += c.sixths;
  t.groups.set(c.group, (t.groups.get(c.group) ?? 0n) + c.count);
}

function topGroups(groups: Map<string | null, bigint>): ReasonGroupCount[] {
  return [...groups.entries()]
    .filter(([, n]) => n > 0n)
    .sort(([ga, a], [gb, b]) => (a === b ? byCodePoint(ga ?? '\u{10FFFF}', gb ?? '\u{10FFFF}') : a > b ? -1 : 1))
    .slice(0, TOP_REASON_GROUPS)
    .map(([reason_group, n]) => ({ reason_group, count: Number(n) }));
}

/**
 * Every competitor named in the range has a row in every month (count 0 when nobody went there
 * that month), and so has the unrecorded competitor (null): a month's rows list the named
 * competitors by exits, most first (ties by name), then the unrecorded one.
 */
export function competitorRows(cells: readonly BreakdownCell[], months: readonly MonthText[]): ChurnCompetitorsRow[] {
  const names = [...new Set(cells.map((c) => c.competitor).filter((c): c is string => c !== null))].sort(byCodePoint);
  const out: ChurnCompetitorsRow[] = [];
  for (const month of months) {
    const tallies = new Map<string | null, Tally>([...names, null].map((n) => [n, newTally()]));
    for (const c of cells) if (c.month === month) add(tallies.get(c.competitor) as Tally, c);
    const monthVoluntary = [...tallies.values()].reduce((s, t) => s + t.voluntary, 0n);
    const exits = (n: string | null) => {
      const t = tallies.get(n) as Tally;
      return t.voluntary + t.involuntary;
    };
    const named = [...names].sort((a, b) => (exits(a) === exits(b) ? byCodePoint(a, b) : exits(a) > exits(b) ? -1 : 1));
    const ordered: (string | null)[] = [...named, null];
    const money = apportionCents(ordered.map((n) => (tallies.get(n) as Tally).sixths));
    ordered.forEach((name, i) => {
      const t = tallies.get(name) as Tally;
      out.push({
        month,
        competitor: name,
        voluntary: Number(t.voluntary),
        involuntary: Number(t.involuntary),
        count: Number(t.voluntary + t.involuntary),
        share_of_voluntary: monthVoluntary === 0n ? null : divideHalfUp(t.voluntary, monthVoluntary, 6),
        revenue_lost: money[i] as string,
        top_reason_groups: topGroups(t.groups),
      });
    });
  }
  return out;
}

export async function churnCompetitors(store: AnalyticsStore, input: MonthRangeInput, options: ReportOptions = {}): Promise<ChurnCompetitorsReport> {
  const range = await resolveRange(store, input);
  const source = options.basis ?? (await churnBasisSource(store, { refreshStale: options.refreshStale === true }));
  const cells = await breakdownCells(store, range, source);
  return { range, rows: competitorRows(cells, monthRange(range.from, range.to)) };
}

// ---------------------------------------------------------------------------------------------
// By reason group

export const CHURN_REASON_GROUPS_COLUMNS = ['month', 'reason_group', 'churn_type', 'category', 'cause', 'count', 'share', 'revenue_lost'] as const;

export type ChurnReasonGroupsRow = {
  readonly month: string;
  /** The reason codes' group; null for exits whose code has no reason_codes row. */
  readonly reason_group: string | null;
  readonly churn_type: 'voluntary' | 'involuntary';
  /** The churn deck's split: deliberate (蓄意), incidental (无意), involuntary (非自愿). */
  readonly category: ReasonCategory;
  /** The textbook's cause (domain/churn-causes.ts), which churn-check judges. */
  readonly cause: ChurnCause;
  readonly count: number;
  /** count / the month's exits, 6 places as exact text; null when the month has none. */
  readonly share: string | null;
  /** Money to 2 places as exact text; the month's rows add up to churn-totals' revenue_lost. */
  readonly revenue_lost: string;
};

export interface ChurnReasonGroupsReport {
  readonly range: ReportRange;
  readonly rows: ChurnReasonGroupsRow[];
}

const CATEGORY_ORDER: Readonly<Record<ReasonCategory, number>> = { deliberate: 0, incidental: 1, involuntary: 2 };

/**
 * Every (group, type) of reason_codes has a row in every month, count 0 when nobody left for it
 * (as churn-reasons does for codes), plus any the range's exits use without a reason_codes row.
 * Ordered by category (deliberate, incidental, involuntary), then group by code point.
 */
export function reasonGroupRows(cells: readonly BreakdownCell[], months: readonly MonthText[], knownGroups: readonly { group: string | null; churnType: 'voluntary' | 'involuntary' }[]): ChurnReasonGroupsRow[] {
  const key = (g: string | null, t: string) => `${t}\u0000${g ?? ''}\u0000${g === null ? 1 : 0}`;
  const keys = new Map<string, { group: string | null; churnType: 'voluntary' | 'involuntary' }>();
  for (const k of [...knownGroups, ...cells.map((c) => ({ group: c.group, churnType: c.churnType }))]) keys.set(key(k.group, k.churnType), k);
  const ordered = [...keys.values()].sort((a, b) => {
    const ca = CATEGORY_ORDER[reasonCategory(a.churnType, a.group)];
    const cb = CATEGORY_ORDER[reasonCategory(b.churnType, b.group)];
    if (ca !== cb) return ca - cb;
    if (a.group === null || b.group === null) return a.group === b.group ? 0 : a.group === null ? 1 : -1;
    return byCodePoint(a.group, b.group);
  });
  const out: ChurnReasonGroupsRow[] = [];
  for (const month of months) {
    const counts = new Map<string, { count: bigint; sixths: bigint }>();
    let exits = 0n;
    for (const c of cells) {
      if (c.month !== month) continue;
      const k = key(c.group, c.churnType);
      const t = counts.get(k) ?? { count: 0n, sixths: 0n };
      t.count += c.count;
      t.sixths += c.sixths;
      counts.set(k, t);
      exits += c.count;
    }
    const money = apportionCents(ordered.map((g) => counts.get(key(g.group, g.churnType))?.sixths ?? 0n));
    ordered.forEach((g, i) => {
      const n = counts.get(key(g.group, g.churnType))?.count ?? 0n;
      out.push({
        month,
        reason_group: g.group,
        churn_type: g.churnType,
        category: reasonCategory(g.churnType, g.group),
        cause: causeOf(g.churnType, g.group),
        count: Number(n),
        share: exits === 0n ? null : divideHalfUp(n, exits, 6),
        revenue_lost: money[i] as string,
      });
    });
  }
  return out;
}

export async function churnReasonGroups(store: AnalyticsStore, input: MonthRangeInput, options: ReportOptions = {}): Promise<ChurnReasonGroupsReport> {
  const range = await resolveRange(store, input);
  const source = options.basis ?? (await churnBasisSource(store, { refreshStale: options.refreshStale === true }));
  const cells = await breakdownCells(store, range, source);
  const known = await store.query<{ grp: string | null; type: string }>(`SELECT DISTINCT "group" AS grp, type FROM reason_codes`);
  const knownGroups = known.map((k) => ({ group: k.grp ?? null, churnType: k.type === 'involuntary' ? ('involuntary' as const) : ('voluntary' as const) }));
  return { range, rows: reasonGroupRows(cells, monthRange(range.from, range.to), knownGroups) };
}
