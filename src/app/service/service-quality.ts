/**
 * `tenure report service-quality` (issue 13.4): network quality against churn, and the seed's
 * claim that 70 % of churn comes from dissatisfaction with service (Harvard Business Review, as
 * quoted by the call-centre seed) made checkable on the operator's own data.
 *
 * - By region and month: churn-regions' opening, voluntary and involuntary (the same figures, so
 *   the regions of a month add up to churn-totals), with the month's dropped-call rate
 *   = Σ dropped_calls / Σ calls over the region's bills that have both, and for each `--measure`
 *   (an operator x_ measure of monthly_usage, such as x_outage_hours) its mean per bill that has
 *   it. The region summary pools the range (customer-months) and gives the Spearman rank
 *   correlation across regions of each measure with the churn rate.
 * - Service-related share: voluntary exits whose reason code's group is service-related
 *   (default quality and convenience: network quality, coverage, customer service, billing) /
 *   all voluntary exits, per month and over the range, with Wilson 95 % intervals, and where the
 *   claimed share (default 0.70) stands against the range's interval.
 * - Churn by dropped-call-rate band: the base is opening(B) for the base month B (the latest
 *   month of the range whose churn window is observed); each base account's dropped-call rate
 *   over its bills of the `lookback` months before B (accounts without calls then form `no_calls`);
 *   churned = churn_date in [B, B + window). One base month, so every account counts once and the
 *   Wilson intervals hold as stated.
 */
import { addMonths, monthRange, type MonthText } from '../../domain/month.ts';
import { claimVerdict, rateEstimate, type ClaimVerdict, type RateEstimate } from '../../domain/service/rates.ts';
import type { AnalyticsStore, SqlValue } from '../../store/port.ts';
import { quoteIdent } from '../../store/schema.ts';
import { storedExtras } from '../../store/wide-extras.ts';
import { TenureError } from '../errors.ts';
import { dataSpan, resolveMonthRange } from '../data-span.ts';
import { churnBasisSource } from '../reports/basis.ts';
import { breakdownCells } from '../reports/churn-breakdown.ts';
import { churnRegions, regionPath, validateLevel, type RegionLevel } from '../reports/churn-regions.ts';
import type { ReportOptions } from '../reports/sql.ts';
import { baseChurnByMonth, observedBaseMonths, wholeNumber } from './common.ts';
import { DEFAULT_CHURN_WINDOW } from './complaints.ts';

export const DEFAULT_SERVICE_GROUPS = ['quality', 'convenience'] as const;
export const DEFAULT_CLAIM = 0.7;
/** Upper edges of the dropped-call-rate bands; 0 is a band of its own. */
export const DEFAULT_BAND_EDGES = [0, 0.01, 0.02, 0.05, 0.1] as const;
export const DEFAULT_QUALITY_LOOKBACK = 3;

export interface ServiceQualityInput {
  readonly from?: string;
  readonly to?: string;
  readonly level?: string;
  readonly measures?: readonly string[];
  readonly serviceGroups?: readonly string[];
  readonly claim?: string | number;
  readonly bands?: string;
  readonly window?: string | number;
  readonly lookback?: string | number;
}

export const SERVICE_QUALITY_COLUMNS = ['month', 'region', 'opening', 'churned', 'churn_rate', 'calls', 'dropped_calls', 'dropped_call_rate'] as const;

export type RegionMonthRow = {
  readonly month: MonthText;
  readonly region: string;
  readonly opening: number;
  readonly churned: number;
  readonly churn_rate: number | null;
  readonly calls: number;
  readonly dropped_calls: number;
  readonly dropped_call_rate: number | null;
  /** Mean per bill of each --measure (null: no bill has it). */
  readonly measures: Readonly<Record<string, number | null>>;
};

export type RegionSummary = Omit<RegionMonthRow, 'month'>;

export interface ServiceShareRow {
  /** null: the whole range. */
  readonly month: MonthText | null;
  readonly voluntary: number;
  readonly service_related: number;
  readonly share: RateEstimate;
}

export interface BandRow {
  readonly band: string;
  /** Lower (exclusive, but 0 for the zero band) and upper (inclusive) dropped-call rate; null for no_calls and the open top band's upper. */
  readonly lower: number | null;
  readonly upper: number | null;
  readonly churn: RateEstimate;
}

export interface ServiceQualityReport {
  readonly from: MonthText;
  readonly to: MonthText;
  readonly level: RegionLevel;
  readonly measures: readonly string[];
  readonly rows: RegionMonthRow[];
  readonly regions: RegionSummary[];
  /** Spearman rank correlation across regions of dropped_call_rate and each measure with churn_rate (null with fewer than 3 regions). */
  readonly correlation_with_churn: Readonly<Record<string, number | null>>;
  readonly service_share: {
    readonly service_groups: readonly string[];
    readonly claim: number;
    readonly verdict: ClaimVerdict;
    readonly months: ServiceShareRow[];
    readonly range: ServiceShareRow;
  };
  readonly bands: {
    /** null when no month of the range has its window observed. */
    readonly base_month: MonthText | null;
    readonly base: string;
    readonly window_months: number;
    readonly lookback_months: number;
    readonly rows: BandRow[];
  };
}

async function validateMeasures(store: AnalyticsStore, measures: readonly string[]): Promise<string[]> {
  const stored = (await storedExtras(store, 'monthly_usage')).filter((x) => x.type === 'number').map((x) => x.name);
  for (const m of measures) {
    if (!stored.includes(m)) {
      throw new TenureError('USAGE', `--measure ${m}: not a measure of monthly_usage; ${stored.length > 0 ? `the data has ${stored.join(', ')}` : 'the data has no x_ measures'}`);
    }
  }
  return [...new Set(measures)];
}

function parseEdges(text: string | undefined): number[] {
  if (text === undefined) return [...DEFAULT_BAND_EDGES];
  const parts = text.split(',').map((p) => p.trim());
  const edges = parts.map(Number);
  if (parts.some((p) => !/^(0|[1-9][0-9]*)?(\.[0-9]+)?$/.test(p) || p === '') || edges.some((e) => e < 0 || e > 1) || edges.some((e, i) => i > 0 && e <= (edges[i - 1] as number))) {
    throw new TenureError('USAGE', `--bands must be increasing rates from 0 to 1 separated by commas (e.g. 0,0.01,0.02,0.05), got "${text}"`);
  }
  return edges;
}

function claimValue(text: string | number | undefined): number {
  if (text === undefined) return DEFAULT_CLAIM;
  const v = Number(text);
  if (!/^(0|1)?(\.[0-9]+)?$/.test(String(text)) || !(v >= 0 && v <= 1)) throw new TenureError('USAGE', `--claim must be a share from 0 to 1, got "${String(text)}"`);
  return v;
}

const num = (v: SqlValue | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/** Spearman's rank correlation (average ranks for ties); null with fewer than 3 pairs or a constant side. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  const pairs = x.map((v, i) => [v, y[i] as number] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pairs.length < 3) return null;
  const ranks = (vals: number[]) => {
    const order = vals.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(vals.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
      for (let k = i; k <= j; k++) r[order[k]?.[1] as number] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const rx = ranks(pairs.map((p) => p[0]));
  const ry = ranks(pairs.map((p) => p[1]));
  const mean = (pairs.length + 1) / 2;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < pairs.length; i++) {
    const dx = (rx[i] as number) - mean;
    const dy = (ry[i] as number) - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

export function usageByRegionSql(level: RegionLevel, measures: readonly string[]): string {
  const m = measures.map((x, i) => `sum(u.${quoteIdent(x)}) AS m${i}_sum, count(u.${quoteIdent(x)}) AS m${i}_n`).join(', ');
  return `
  SELECT u.month, ${regionPath('c', level)} AS area,
         sum(CASE WHEN u.dropped_calls IS NOT NULL THEN u.calls END) AS calls,
         sum(CASE WHEN u.calls IS NOT NULL THEN u.dropped_calls END) AS dropped${m ? `, ${m}` : ''}
  FROM monthly_usage u JOIN customers c ON c.customer_id = u.customer_id
  WHERE u.month >= CAST($1 AS DATE) AND u.month < CAST($2 AS DATE)
  GROUP BY 1, 2`;
}

/** Base accounts of month $1 by dropped-call band over the bills in [$2, $1), churned before $3. */
export function bandSql(edges: readonly number[]): string {
  const cases = edges.map((e, i) => `WHEN q.dropped <= ${e} * q.calls THEN ${i}`).join(' ');
  return `
  WITH q AS (
    SELECT customer_id, sum(CASE WHEN calls IS NOT NULL THEN dropped_calls END) AS dropped, sum(CASE WHEN dropped_calls IS NOT NULL THEN calls END) AS calls
    FROM monthly_usage WHERE month >= CAST($2 AS DATE) AND month < CAST($1 AS DATE)
    GROUP BY 1
  )
  SELECT CASE WHEN q.calls IS NULL OR q.calls = 0 THEN -1 ${cases} ELSE ${edges.length} END AS band,
         count(*) AS base, count(*) FILTER (WHERE e.churn_date < CAST($3 AS DATE)) AS churned
  FROM customers c
  LEFT JOIN churn_events e ON e.customer_id = c.customer_id
  LEFT JOIN q ON q.customer_id = c.customer_id
  WHERE c.join_date < CAST($1 AS DATE) AND (e.churn_date IS NULL OR e.churn_date >= CAST($1 AS DATE))
  GROUP BY 1`;
}

const pct = (x: number) => `${Math.round(x * 10000) / 100}%`;

export function bandLabel(index: number, edges: readonly number[]): { band: string; lower: number | null; upper: number | null } {
  if (index < 0) return { band: 'no_calls', lower: null, upper: null };
  const upper = index < edges.length ? (edges[index] as number) : null;
  const lower = index === 0 ? 0 : (edges[index - 1] as number);
  if (upper === null) return { band: `>${pct(lower)}`, lower, upper };
  if (index === 0) return { band: upper === 0 ? '0%' : `0–${pct(upper)}`, lower, upper };
  return { band: `${pct(lower)}–${pct(upper)}`, lower, upper };
}

export async function serviceQualityReport(store: AnalyticsStore, input: ServiceQualityInput = {}, options: ReportOptions = {}): Promise<ServiceQualityReport> {
  const level = validateLevel(input.level);
  const edges = parseEdges(input.bands);
  const claim = claimValue(input.claim);
  const window = wholeNumber('--window', input.window, DEFAULT_CHURN_WINDOW, 1, 24);
  const lookback = wholeNumber('--lookback', input.lookback, DEFAULT_QUALITY_LOOKBACK, 1, 24);
  const serviceGroups = input.serviceGroups && input.serviceGroups.length > 0 ? [...new Set(input.serviceGroups)] : [...DEFAULT_SERVICE_GROUPS];
  const span = await dataSpan(store);
  const { from, to } = resolveMonthRange(input, span, () => span.first);
  const measures = await validateMeasures(store, input.measures ?? []);
  const source = options.basis ?? (await churnBasisSource(store, { refreshStale: options.refreshStale === true }));

  // By region: churn-regions' counts, joined to the bills' quality figures.
  const regions = await churnRegions(store, { from, to, level }, { basis: source });
  const usage = await store.query(usageByRegionSql(level, measures), [`${from}-01`, `${addMonths(to, 1)}-01`]);
  const usageKey = (month: string, area: string) => `${month}\u0000${area}`;
  const usageBy = new Map(usage.map((u) => [usageKey(String(u.month).slice(0, 7), String(u.area)), u]));
  const rows: RegionMonthRow[] = regions.rows.map((r) => {
    const u = usageBy.get(usageKey(r.month, r.region));
    const calls = num(u?.calls);
    const dropped = num(u?.dropped);
    const churned = r.voluntary + r.involuntary;
    return {
      month: r.month,
      region: r.region,
      opening: r.opening,
      churned,
      churn_rate: r.opening > 0 ? churned / r.opening : null,
      calls,
      dropped_calls: dropped,
      dropped_call_rate: calls > 0 ? dropped / calls : null,
      measures: Object.fromEntries(measures.map((m, i) => [m, num(u?.[`m${i}_n`]) > 0 ? num(u?.[`m${i}_sum`]) / num(u?.[`m${i}_n`]) : null])),
    };
  });
  const summaries = new Map<string, { opening: number; churned: number; calls: number; dropped: number; sums: number[]; ns: number[] }>();
  for (const r of rows) {
    let s = summaries.get(r.region);
    if (!s) summaries.set(r.region, (s = { opening: 0, churned: 0, calls: 0, dropped: 0, sums: measures.map(() => 0), ns: measures.map(() => 0) }));
    s.opening += r.opening;
    s.churned += r.churned;
    s.calls += r.calls;
    s.dropped += r.dropped_calls;
    const u = usageBy.get(usageKey(r.month, r.region));
    measures.forEach((_, i) => {
      s.sums[i] = (s.sums[i] as number) + num(u?.[`m${i}_sum`]);
      s.ns[i] = (s.ns[i] as number) + num(u?.[`m${i}_n`]);
    });
  }
  const regionRows: RegionSummary[] = [...summaries.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([region, s]) => ({
      region,
      opening: s.opening,
      churned: s.churned,
      churn_rate: s.opening > 0 ? s.churned / s.opening : null,
      calls: s.calls,
      dropped_calls: s.dropped,
      dropped_call_rate: s.calls > 0 ? s.dropped / s.calls : null,
      measures: Object.fromEntries(measures.map((m, i) => [m, (s.ns[i] as number) > 0 ? (s.sums[i] as number) / (s.ns[i] as number) : null])),
    }));
  const churnRates = regionRows.map((r) => r.churn_rate ?? Number.NaN);
  const correlation: Record<string, number | null> = { dropped_call_rate: spearman(regionRows.map((r) => r.dropped_call_rate ?? Number.NaN), churnRates) };
  for (const m of measures) correlation[m] = spearman(regionRows.map((r) => r.measures[m] ?? Number.NaN), churnRates);

  // The seed's claim: the share of voluntary exits with a service-related reason group.
  const cells = await breakdownCells(store, { from, to }, source);
  const shareRow = (month: MonthText | null): ServiceShareRow => {
    let voluntary = 0;
    let service = 0;
    for (const c of cells) {
      if (c.churnType !== 'voluntary' || (month !== null && c.month !== month)) continue;
      voluntary += Number(c.count);
      if (c.group !== null && serviceGroups.includes(c.group)) service += Number(c.count);
    }
    return { month, voluntary, service_related: service, share: rateEstimate(service, voluntary) };
  };
  const shareMonths = monthRange(from, to);
  const rangeShare = shareRow(null);

  // Churn by dropped-call band, on the latest base month whose window is observed.
  const { observed } = observedBaseMonths(from, to, window, span.last);
  const baseMonth = observed.length > 0 ? (observed[observed.length - 1] as MonthText) : null;
  let bandRows: BandRow[] = [];
  if (baseMonth !== null) {
    const raw = await store.query(bandSql(edges), [`${baseMonth}-01`, `${addMonths(baseMonth, -lookback)}-01`, `${addMonths(baseMonth, window)}-01`]);
    const got = new Map(raw.map((r) => [num(r.band), r]));
    bandRows = [-1, ...edges.map((_, i) => i), edges.length].map((i) => ({ ...bandLabel(i, edges), churn: rateEstimate(num(got.get(i)?.churned), num(got.get(i)?.base)) }));
    // The bands partition opening(B): a check that costs one small query and catches a broken join.
    const [total] = await baseChurnByMonth(store, [baseMonth], window);
    const sum = bandRows.reduce((n, b) => n + b.churn.n, 0);
    if (total && total.base !== sum) throw new TenureError('INTERNAL', `dropped-call bands hold ${sum} accounts, the opening base of ${baseMonth} is ${total.base}`);
  }

  return {
    from,
    to,
    level,
    measures,
    rows,
    regions: regionRows,
    correlation_with_churn: correlation,
    service_share: {
      service_groups: serviceGroups,
      claim,
      verdict: claimVerdict(claim, rangeShare.share),
      months: shareMonths.map(shareRow),
      range: rangeShare,
    },
    bands: {
      base_month: baseMonth,
      base: `opening(${baseMonth ?? 'B'}): accounts joined before its first day and not churned before it; band by Σ dropped_calls / Σ calls over their bills of the ${lookback} months before it; churned = churn_date in [B, B + ${window} months)`,
      window_months: window,
      lookback_months: lookback,
      rows: bandRows,
    },
  };
}
