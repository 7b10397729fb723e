/**
 * The dashboard's sums over the selected months, from the report rows the API sends. Money is
 * added in integer cents (the API sends 2-decimal amounts), never as accumulated floats.
 */
export interface TotalsRow {
  readonly month: string;
  readonly opening: number;
  readonly gross_adds: number;
  readonly pre_churn: number;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly closing: number;
  readonly churn_rate: number | null;
  readonly arpu: number | null;
  readonly revenue_lost: number | null;
  readonly currency: string;
}

export interface ReasonRow {
  readonly month: string;
  readonly reason_code: string;
  readonly reason: string | null;
  readonly churn_type: string;
  readonly count: number;
  readonly revenue_lost: number | null;
  readonly reason_group: string | null;
}

export interface GroupRow {
  readonly month: string;
  readonly reason_group: string | null;
  readonly churn_type: string;
  readonly category: string;
  readonly count: number;
  readonly revenue_lost: number | null;
}

export interface RegionRow {
  readonly month: string;
  readonly region: string;
  readonly opening: number;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly revenue_lost: number | null;
}

export const cents = (amount: number | null | undefined): number => (amount === null || amount === undefined ? 0 : Math.round(amount * 100));

export interface ReasonTotal {
  readonly reason_code: string;
  readonly reason: string | null;
  readonly churn_type: string;
  readonly reason_group: string | null;
  readonly count: number;
  readonly revenue_lost: number;
}

/** Exits and revenue lost by reason code over the months, most exits first (then code). */
export function reasonTotals(rows: readonly ReasonRow[]): ReasonTotal[] {
  const by = new Map<string, { row: ReasonRow; count: number; cents: number }>();
  for (const r of rows) {
    const key = `${r.churn_type}\u0000${r.reason_code}`;
    const acc = by.get(key) ?? { row: r, count: 0, cents: 0 };
    acc.count += r.count;
    acc.cents += cents(r.revenue_lost);
    by.set(key, acc);
  }
  return [...by.values()]
    .map(({ row, count, cents: c }) => ({ reason_code: row.reason_code, reason: row.reason, churn_type: row.churn_type, reason_group: row.reason_group, count, revenue_lost: c / 100 }))
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count || (a.reason_code < b.reason_code ? -1 : a.reason_code > b.reason_code ? 1 : 0));
}

export interface GroupTotal {
  readonly reason_group: string | null;
  readonly churn_type: string;
  readonly category: string;
  readonly count: number;
  readonly share: number | null;
  readonly revenue_lost: number;
}

/** Exits by reason group over the months; share = the group's exits / all exits in the months. */
export function groupTotals(rows: readonly GroupRow[]): GroupTotal[] {
  const by = new Map<string, { row: GroupRow; count: number; cents: number }>();
  let all = 0;
  for (const r of rows) {
    const key = `${r.churn_type}\u0000${r.reason_group ?? ''}`;
    const acc = by.get(key) ?? { row: r, count: 0, cents: 0 };
    acc.count += r.count;
    acc.cents += cents(r.revenue_lost);
    all += r.count;
    by.set(key, acc);
  }
  return [...by.values()]
    .map(({ row, count, cents: c }) => ({ reason_group: row.reason_group, churn_type: row.churn_type, category: row.category, count, share: all === 0 ? null : count / all, revenue_lost: c / 100 }))
    .sort((a, b) => b.count - a.count || String(a.reason_group ?? '').localeCompare(String(b.reason_group ?? '')));
}

export const REGION_LEVELS = ['province', 'city', 'district'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** The level shown under a drill-down path ('' = every province, 'A' = A's cities, 'A/B' = B's districts). */
export function levelBelow(path: string): RegionLevel {
  const depth = path === '' ? 0 : path.split('/').length;
  return REGION_LEVELS[Math.min(depth, 2)] as RegionLevel;
}

export interface RegionTotal {
  /** The full path (province/city/district) as the report names it. */
  readonly region: string;
  /** The last part of the path, as a bar's label. */
  readonly name: string;
  readonly opening: number;
  readonly exits: number;
  readonly churn_rate: number | null;
  readonly revenue_lost: number;
}

/**
 * The regions under `path` summed over the months, most exits first. churn_rate = exits over
 * the months / opening accounts summed over the months (the months' pooled rate).
 */
export function regionTotals(rows: readonly RegionRow[], path: string): RegionTotal[] {
  const prefix = path === '' ? '' : `${path}/`;
  const by = new Map<string, { opening: number; exits: number; cents: number }>();
  for (const r of rows) {
    if (!r.region.startsWith(prefix)) continue;
    const acc = by.get(r.region) ?? { opening: 0, exits: 0, cents: 0 };
    acc.opening += r.opening;
    acc.exits += r.voluntary + r.involuntary;
    acc.cents += cents(r.revenue_lost);
    by.set(r.region, acc);
  }
  return [...by.entries()]
    .map(([region, a]) => ({ region, name: region.slice(prefix.length), opening: a.opening, exits: a.exits, churn_rate: a.opening === 0 ? null : a.exits / a.opening, revenue_lost: a.cents / 100 }))
    .sort((a, b) => b.exits - a.exits || (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
}
