/**
 * 以地理位置分析损失 (churn by region): per month and region at province, city or district
 * level, the opening base, voluntary and involuntary churn, churn rate and revenue lost,
 * with the same definitions as the totals report applied to the accounts of each region.
 *
 * - region is the path down to the level (`甘肃`, `甘肃/酒泉`, `甘肃/酒泉/肃州区`) built from
 *   the customer's derived province/city/district. An account whose region stops above the
 *   level (the contract requires only the province) is shown under its shorter path, so
 *   every account is in exactly one row and the regions of a month sum to the totals.
 * - Rows where a region has nothing to show (opening 0, no churn) are left out; they would
 *   only add zeros.
 * - churn_rate is null when the region opened the month with no accounts.
 * - An account without any region part (the import should not let one through) is shown
 *   under `?`.
 * - Rows are ordered by month, then region by code point.
 */
import type { AnalyticsStore, SqlValue } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { churnRate, revenueLost, toCount } from './exact.ts';
import { rangeParams, resolveRange, type MonthRangeInput, type ReportRange } from './range.ts';
import { churnBasisSource } from './basis.ts';
import { basisCtes, flowsCtes, gridMonths, REVENUE_BASIS_SUMS, reportDialect, type BasisSource, type ReportOptions } from './sql.ts';

export const CHURN_REGIONS_COLUMNS = [
  'month',
  'region',
  'opening',
  'voluntary',
  'involuntary',
  'churn_rate',
  'revenue_lost',
] as const;

export const REGION_LEVELS = ['province', 'city', 'district'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

export interface ChurnRegionsInput extends MonthRangeInput {
  readonly level?: string;
}

/** A type alias (not an interface) so rows fit generic record types such as the CLI printer's. */
export type ChurnRegionsRow = {
  readonly month: string;
  readonly region: string;
  readonly opening: number;
  readonly voluntary: number;
  readonly involuntary: number;
  /** Ratio to 6 places as exact text; null when opening = 0. */
  readonly churn_rate: string | null;
  /** Money to 2 places as exact text. */
  readonly revenue_lost: string;
};

export interface ChurnRegionsReport {
  readonly range: ReportRange;
  readonly level: RegionLevel;
  readonly rows: ChurnRegionsRow[];
}

export function validateLevel(level: string | undefined): RegionLevel {
  const value = level ?? 'province';
  if ((REGION_LEVELS as readonly string[]).includes(value)) return value as RegionLevel;
  throw new TenureError('USAGE', `--level must be one of ${REGION_LEVELS.join(', ')}, got "${value}"`);
}

/** The region path of an account down to `level`, from a table alias with province/city/district. */
export function regionPath(alias: string, level: RegionLevel): string {
  const parts = ['province', 'city', 'district'].slice(0, REGION_LEVELS.indexOf(level) + 1);
  const path = `concat_ws('/', ${parts.map((p) => `NULLIF(${alias}.${p}, '')`).join(', ')})`;
  return `coalesce(NULLIF(${path}, ''), '?')`;
}

export function churnRegionsSql(store: AnalyticsStore, level: RegionLevel, source: BasisSource): string {
  const d = reportDialect(store);
  return `
  WITH ${basisCtes(d, source)},
  ${flowsCtes(d, source, { joins: regionPath('c', level), basis: regionPath('b', level) })},
  areas AS (SELECT area FROM joins UNION SELECT area FROM exits),
  grid AS (SELECT a.area, g.month FROM areas a CROSS JOIN (${gridMonths(d)}) g),
  moves AS (
    SELECT g.area, g.month, coalesce(j.gross_adds, 0) AS gross_adds,
           coalesce(x.voluntary, 0) AS voluntary, coalesce(x.involuntary, 0) AS involuntary
    FROM grid g
    LEFT JOIN joins j ON j.area = g.area AND j.month = g.month
    LEFT JOIN exits x ON x.area = g.area AND x.month = g.month
  ),
  balances AS (
    SELECT area, month, voluntary, involuntary,
           coalesce(sum(gross_adds - voluntary - involuntary)
                    OVER (PARTITION BY area ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS opening
    FROM moves
  ),
  lost AS (
    SELECT ${regionPath('churners', level)} AS area, churn_month AS month, ${REVENUE_BASIS_SUMS}
    FROM churners GROUP BY 1, 2
  )
  SELECT b.month, b.area, b.opening, b.voluntary, b.involuntary, l.s1, l.s2, l.s3
  FROM balances b LEFT JOIN lost l ON l.area = b.area AND l.month = b.month
  WHERE b.month >= CAST($1 AS DATE) AND (b.opening <> 0 OR b.voluntary <> 0 OR b.involuntary <> 0)
  ORDER BY b.month`;
}

function toRegionsRow(r: Record<string, SqlValue>): ChurnRegionsRow {
  const opening = toCount(r.opening);
  const voluntary = toCount(r.voluntary);
  const involuntary = toCount(r.involuntary);
  return {
    month: String(r.month).slice(0, 7),
    region: String(r.area),
    opening: Number(opening),
    voluntary: Number(voluntary),
    involuntary: Number(involuntary),
    churn_rate: churnRate(voluntary + involuntary, opening),
    revenue_lost: revenueLost({ s1: r.s1, s2: r.s2, s3: r.s3 }),
  };
}

export async function churnRegions(
  store: AnalyticsStore,
  input: ChurnRegionsInput,
  options: ReportOptions = {},
): Promise<ChurnRegionsReport> {
  const level = validateLevel(input.level);
  const range = await resolveRange(store, input);
  const source = options.basis ?? (await churnBasisSource(store, { refreshStale: options.refreshStale === true }));
  const rows = await store.query(churnRegionsSql(store, level, source), rangeParams(range));
  // Regions sorted by code point here, not by the engine's collation, so every engine agrees.
  const byMonthRegion = (a: ChurnRegionsRow, b: ChurnRegionsRow): number =>
    a.month === b.month ? (a.region < b.region ? -1 : a.region > b.region ? 1 : 0) : a.month < b.month ? -1 : 1;
  return { range, level, rows: rows.map(toRegionsRow).sort(byMonthRegion) };
}
