/**
 * The analytics pages' shapes (the API's bodies, which are the CLI's --json documents) and the
 * few sums and curves the pages draw from them. Money is added in integer cents (the API sends
 * 2-decimal amounts), never as accumulated floats.
 */
import { cents } from './dashboard-data.ts';

// ---------------------------------------------------------------- forecast (/forecast/churn)

export interface ForecastMonth {
  readonly month: string;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly lower: number;
  readonly upper: number;
  readonly total: number;
  readonly expected_revenue_lost: number | null;
}

export interface ChurnForecast {
  readonly forecast: readonly ForecastMonth[];
  readonly backtest: {
    readonly mape: number | null;
    readonly naive_mape: number | null;
    readonly months: number;
    readonly beats_naive: boolean | null;
    readonly actual: readonly number[];
    readonly model: readonly number[];
    readonly naive: readonly number[];
  } | null;
  readonly history: readonly { readonly month: string; readonly voluntary: number; readonly involuntary: number }[];
  readonly level: number;
  readonly currency: string;
}

/**
 * The forecast chart's series on one month axis: the history's exits, then the forecast with its
 * interval (the band drawn as lower + (upper − lower) stacked), and the backtest's one-step
 * predictions over the history's last months.
 */
export function forecastSeries(f: ChurnForecast): {
  months: string[];
  actual: (number | null)[];
  forecast: (number | null)[];
  lower: (number | null)[];
  band: (number | null)[];
  backtest: (number | null)[];
} {
  const months = [...f.history.map((h) => h.month), ...f.forecast.map((p) => p.month)];
  const nh = f.history.length;
  const actual = [...f.history.map((h) => h.voluntary + h.involuntary), ...f.forecast.map(() => null)];
  const forecast = months.map((_, i) => (i < nh ? null : (f.forecast[i - nh]?.total ?? null)));
  // The forecast line starts at the last actual month so the two lines join.
  if (nh > 0 && f.forecast.length > 0) forecast[nh - 1] = actual[nh - 1] ?? null;
  const lower = months.map((_, i) => (i < nh ? null : (f.forecast[i - nh]?.lower ?? null)));
  const band = months.map((_, i) => {
    const p = i < nh ? undefined : f.forecast[i - nh];
    return p ? round2(p.upper - p.lower) : null;
  });
  const bt = f.backtest?.model ?? [];
  const backtest = months.map((_, i) => {
    const j = i - (nh - bt.length);
    return i < nh && j >= 0 ? (bt[j] ?? null) : null;
  });
  return { months, actual, forecast, lower, band, backtest };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

// ---------------------------------------------------------------- churn index (/churn-index)

export interface ChurnIndexReason {
  readonly reason: string;
  readonly pressure: number;
  readonly contribution: number;
  readonly share: number;
  readonly rating: number;
  readonly importance: number;
  readonly availability: number;
}

export interface ChurnIndexScope {
  readonly scope: string;
  readonly index: number;
  readonly reasons: readonly ChurnIndexReason[];
}

export interface ChurnIndexReport {
  readonly scopes: readonly ChurnIndexScope[];
  readonly observed?: {
    readonly from: string;
    readonly to: string;
    readonly scopes: readonly { readonly scope: string; readonly accounts: number; readonly window_churn_rate: number | null }[];
  } | null;
}

// ---------------------------------------------------------------- competitors (/reports/churn-competitors)

export interface CompetitorRow {
  readonly month: string;
  readonly competitor: string | null;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly count: number;
  readonly revenue_lost: number | null;
  readonly top_reason_groups: readonly { readonly reason_group: string | null; readonly count: number }[];
  readonly currency: string;
}

export interface CompetitorTotal {
  /** null: no competitor recorded. */
  readonly competitor: string | null;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly count: number;
  /** The competitor's voluntary exits over the months / all voluntary exits over the months. */
  readonly share_of_voluntary: number | null;
  readonly revenue_lost: number;
  /** Up to three reason groups, most exits first, summed over the months. */
  readonly top_reason_groups: readonly { readonly reason_group: string | null; readonly count: number }[];
}

/**
 * Exits by competitor over the months, named competitors by exits (ties by name), the
 * unrecorded one last. The share pools the months: every exit has a row (the unrecorded
 * competitor included), so the voluntary exits of all rows are the months' voluntary churn.
 */
export function competitorTotals(rows: readonly CompetitorRow[]): CompetitorTotal[] {
  const by = new Map<string | null, { voluntary: number; involuntary: number; count: number; cents: number; groups: Map<string | null, number> }>();
  let allVoluntary = 0;
  for (const r of rows) {
    const acc = by.get(r.competitor) ?? { voluntary: 0, involuntary: 0, count: 0, cents: 0, groups: new Map() };
    acc.voluntary += r.voluntary;
    acc.involuntary += r.involuntary;
    acc.count += r.count;
    acc.cents += cents(r.revenue_lost);
    for (const g of r.top_reason_groups) acc.groups.set(g.reason_group, (acc.groups.get(g.reason_group) ?? 0) + g.count);
    allVoluntary += r.voluntary;
    by.set(r.competitor, acc);
  }
  return [...by.entries()]
    .map(([competitor, a]) => ({
      competitor,
      voluntary: a.voluntary,
      involuntary: a.involuntary,
      count: a.count,
      share_of_voluntary: allVoluntary === 0 ? null : a.voluntary / allVoluntary,
      revenue_lost: a.cents / 100,
      top_reason_groups: [...a.groups.entries()]
        .filter(([, n]) => n > 0)
        .sort((x, y) => y[1] - x[1] || String(x[0] ?? '').localeCompare(String(y[0] ?? '')))
        .slice(0, 3)
        .map(([reason_group, count]) => ({ reason_group, count })),
    }))
    .filter((c) => c.count > 0 || c.competitor !== null)
    .sort((a, b) => (a.competitor === null ? 1 : 0) - (b.competitor === null ? 1 : 0) || b.count - a.count || String(a.competitor).localeCompare(String(b.competitor)));
}

// ---------------------------------------------------------------- lifecycle (/lifecycle, /lifecycle/transitions, /lifecycle/patterns)

export interface LifecycleStage {
  readonly stage: string;
  readonly name: string;
  readonly relationship: string;
  readonly customers: number;
  readonly share: number | null;
  readonly active_share: number | null;
  readonly arpu: number | null;
  readonly margin: number | null;
  readonly arpu_last3: number | null;
  readonly focus: string;
}

export interface LifecycleSnapshot {
  readonly as_of: string;
  readonly customers: number;
  readonly active_customers: number;
  readonly by_stage: readonly LifecycleStage[];
  readonly relationship_stages: readonly { readonly relationship: string; readonly stage: string }[];
  readonly currency: string;
}

export interface Transitions {
  readonly from: string;
  readonly to: string;
  readonly stages: readonly string[];
  readonly counts: readonly (readonly number[])[];
  readonly probabilities: readonly (readonly number[])[];
  readonly time_in_stage: readonly { readonly stage: string; readonly months: number; readonly spells: number; readonly mean_spell_months: number | null }[];
}

export interface Patterns {
  readonly from: string;
  readonly to: string;
  readonly long_stability_months: number;
  readonly exits: number;
  readonly patterns: readonly { readonly pattern: string; readonly customers: number; readonly observed_from_join: number; readonly name: string }[];
  readonly unassigned: { readonly customers: number; readonly reasons: readonly { readonly reason: string; readonly customers: number; readonly description: string }[] };
}

/** The heat map's cells: [to index, from index, count] (ECharts' x, y, value), with the largest count. */
export function heatCells(t: Transitions): { cells: [number, number, number][]; max: number } {
  const cells: [number, number, number][] = [];
  let max = 0;
  t.counts.forEach((row, i) =>
    row.forEach((n, j) => {
      cells.push([j, i, n]);
      if (n > max) max = n;
    }),
  );
  return { cells, max };
}

// ---------------------------------------------------------------- value (/value)

export interface ValueQuadrant {
  readonly quadrant: string;
  readonly customers: number;
  readonly customer_share: number | null;
  readonly current_value: number;
  readonly potential: number;
  readonly budget_share: number | null;
  readonly value: string;
  readonly investment: string;
  readonly retention: string;
}

export interface ValueReport {
  readonly as_of: string;
  readonly currency: string;
  readonly customers: number;
  readonly thresholds: { readonly current_value: number; readonly potential: number };
  readonly quadrants: readonly ValueQuadrant[];
  readonly tiers: readonly { readonly tier: string; readonly name: string; readonly above: number | null; readonly customers: number; readonly value: number; readonly value_share: number | null }[];
  readonly pareto: {
    readonly total_positive_value: number;
    readonly top_shares: readonly { readonly top_fraction: number; readonly value_share: number }[];
    readonly fraction_for_target: number | null;
    readonly target: number;
  };
  readonly totals: { readonly current_value: number; readonly potential: number };
}

/**
 * The Pareto curve's points (share of customers, share of value), from the report's points plus
 * the ends (0, 0) and (1, 1) and the point where the target share is reached, in order.
 */
export function paretoPoints(p: ValueReport['pareto']): [number, number][] {
  const pts = new Map<number, number>([
    [0, 0],
    [1, 1],
  ]);
  for (const s of p.top_shares) pts.set(s.top_fraction, s.value_share);
  if (p.fraction_for_target !== null) pts.set(p.fraction_for_target, p.target);
  return [...pts.entries()].sort((a, b) => a[0] - b[0]);
}

// ---------------------------------------------------------------- segments (/segments)

export interface SegmentMonth {
  readonly segment: string;
  readonly month: string;
  readonly size: number;
  readonly share: number | null;
  readonly arpu: number | null;
  readonly churned: number;
  readonly churn_rate: number | null;
}

export interface SegmentTrend {
  readonly segment: string;
  readonly description: string;
  readonly size: number;
  readonly size_change: number | null;
  readonly arpu: number | null;
  readonly churn_rate: number | null;
  readonly churn_rate_change: number | null;
}

export interface SegmentsReport {
  readonly from: string;
  readonly to: string;
  readonly profiles: readonly string[] | null;
  readonly months: readonly SegmentMonth[];
  readonly trends: readonly SegmentTrend[];
  readonly currency: string;
}

/** One segment's months in order. */
export function segmentMonths(r: SegmentsReport, segment: string): SegmentMonth[] {
  return r.months.filter((m) => m.segment === segment).sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
}
