/**
 * `tenure forecast churn` (流失人数预测, seed 004): monthly voluntary and involuntary churn for
 * the next N months with prediction intervals, overall and per province, and the revenue the
 * forecast churn takes with it (for the retention budget).
 *
 * - History: the churn-totals and churn-regions reports (app/reports), so a forecast's past
 *   months are exactly the counts `tenure report churn-totals` prints.
 * - Model: per churn type, the seasonal exponential smoothing of domain/forecast combined with
 *   seasonal naive, weighted by their recent one-step errors (combinedForecast).
 * - Bottom-up: when the churn model has scored the base as of the forecast origin (the last
 *   month of history; scores of other months are never used), the sum of customer
 *   monthly hazards is blended with the time-series forecast (blendForecasts, equal weight):
 *   a customer's probability p of churning within the model horizon h becomes a monthly
 *   hazard q = 1 − (1 − p)^(1/h); month j of the forecast expects Σ q (1 − q)^(j−1) exits,
 *   variance Σ π(1 − π) with π that probability, split into types by the recent mix.
 * - Backtest: re-forecasts the last K months one step ahead from the data before each and
 *   compares MAPE with seasonal naive (domain/forecast/backtest.ts).
 */
import { blendForecasts, forecastChurn, type ChurnForecast, type ChurnHistory, type Forecast } from '../../domain/forecast/churn-forecast.ts';
import { zForLevel } from '../../domain/survival/normal.ts';
import { addMonths, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { exactSumSql } from '../lifecycle/stages-sql.ts';
import { churnRegions, churnTotals } from '../reports/index.ts';
import { RECONCILIATION, reconcileToTotal } from './reconcile.ts';
export interface ForecastInput {
  readonly horizon?: number;
  /** Months to backtest; default: 6 when the history allows it, else none. */
  readonly backtest?: number;
  readonly byProvince?: boolean;
  readonly level?: number;
}

export type ForecastRow = {
  readonly month: MonthText;
  readonly voluntary: number;
  readonly involuntary: number;
  readonly lower: number;
  readonly upper: number;
  readonly total: number;
  readonly expected_revenue_lost: number;
};

export interface ProvinceForecast {
  readonly province: string;
  readonly forecast: ForecastRow[];
}

export interface ChurnForecastReport {
  readonly forecast: ForecastRow[];
  readonly backtest: { mape: number | null; naive_mape: number | null; months: number; beats_naive: boolean; actual: number[]; model: number[]; naive: number[] } | null;
  readonly history: { month: MonthText; voluntary: number; involuntary: number }[];
  readonly level: number;
  readonly models: ChurnForecast['models'];
  /** Mean revenue lost per churner over the last 3 history months (money per exit). */
  readonly revenue_lost_per_churner: number;
  /**
   * The churn model's part: only a scoring run as of the forecast origin (the last history
   * month) is used; as_of, model_version and scored_at name it, not_used_reason says why none was.
   */
  readonly bottom_up: {
    used: boolean;
    model_version: string | null;
    as_of: MonthText | null;
    scored_at: string | null;
    not_used_reason: string | null;
    horizon: number | null;
    weight: number;
    customers: number;
  };
  readonly by_province?: ProvinceForecast[];
  /** How the province forecasts were made to add up to the total. */
  readonly reconciliation?: string;
}

const DEFAULT_HORIZON = 6;
const DEFAULT_BACKTEST = 6;
const r2 = (x: number) => Number(x.toFixed(2));
const r4 = (x: number) => Number(x.toFixed(4));

function historyOf(rows: readonly { month: string; voluntary: number; involuntary: number }[]): ChurnHistory {
  return { months: rows.map((r) => r.month), voluntary: rows.map((r) => r.voluntary), involuntary: rows.map((r) => r.involuntary) };
}

interface BottomUp {
  readonly modelVersion: string;
  readonly scoredAt: string;
  readonly asOf: MonthText;
  readonly horizon: number;
  readonly customers: number;
  /** Expected exits and their variance per forecast month. */
  readonly months: Forecast[];
}

/**
 * Sum of customer hazards from the latest scoring run as of the forecast origin `last` (the last
 * month of history), over customers still live at the end of `last`. Scores of any other month
 * describe another base at another time: blending them made one mistyped `score --as-of` move
 * the forecast by 16 %. Without a run of that month there is no bottom-up part, and `skipped`
 * says why (and which months were scored instead).
 */
async function bottomUp(store: AnalyticsStore, last: MonthText, horizon: number): Promise<BottomUp | { skipped: string }> {
  const [run] = await store.query<{ model_version: string; as_of: string; scored_at: string; h: number | null }>(
    `SELECT s.model_version, s.as_of, s.scored_at, (SELECT max(m.horizon) FROM churn_models m WHERE m.model_version = s.model_version) AS h
     FROM (SELECT model_version, as_of, max(scored_at) AS scored_at FROM churn_scores WHERE as_of = CAST($1 AS DATE) GROUP BY model_version, as_of) AS s
     ORDER BY s.scored_at DESC, s.model_version DESC LIMIT 1`,
    [`${last}-01`],
  );
  if (!run) {
    const others = await store.query<{ m: string }>(`SELECT DISTINCT ${store.dialect.formatMonth('as_of')} AS m FROM churn_scores ORDER BY m`);
    const scored = others.map((o) => o.m);
    return {
      skipped:
        `no scoring run as of ${last}, the forecast origin` +
        (scored.length > 0 ? ` (scores exist as of ${scored.join(', ')}, other months, not used)` : '') +
        `; run tenure score --as-of ${last} to blend in the churn model`,
    };
  }
  const h = Math.max(1, Number(run.h ?? 3));
  const cols = Array.from({ length: horizon }, (_, j) => {
    // π_j = q (1 − q)^j, q = 1 − (1 − p)^(1/h)
    const pi = `(q * power(1 - q, ${j}))`;
    // Exact sums of per-customer terms rounded to 1e-6 (exactSumSql): the same on every run.
    return `${exactSumSql(pi)} AS m${j}, ${exactSumSql(`${pi} * (1 - ${pi})`)} AS v${j}`;
  });
  const [row] = await store.query<Record<string, number | null>>(
    `SELECT count(*) AS n, ${cols.join(', ')}
     FROM (SELECT 1 - power(1 - least(greatest(s.churn_probability, 0), 1), 1.0 / ${h}) AS q
           FROM churn_scores s
           LEFT JOIN churn_events e ON e.customer_id = s.customer_id
           WHERE s.model_version = $1 AND s.as_of = CAST($2 AS DATE) AND s.scored_at = CAST($3 AS TIMESTAMP)
             AND (e.churn_date IS NULL OR e.churn_date >= CAST($4 AS DATE))) AS hazards`,
    [run.model_version, run.as_of, run.scored_at, `${addMonths(last, 1)}-01`],
  );
  if (!row || Number(row.n ?? 0) === 0) return { skipped: `the scoring run as of ${last} (${run.model_version}) has no customer live at the end of ${last}` };
  return {
    modelVersion: run.model_version,
    scoredAt: String(run.scored_at),
    asOf: run.as_of.slice(0, 7),
    horizon: h,
    customers: Number(row.n),
    months: Array.from({ length: horizon }, (_, j) => ({ mean: Number(row[`m${j}`] ?? 0), se: Math.sqrt(Number(row[`v${j}`] ?? 0)) })),
  };
}

function rows(fc: ChurnForecast, perChurner: number): ForecastRow[] {
  return fc.forecast.map((f) => {
    const total = Math.max(0, f.voluntary) + Math.max(0, f.involuntary);
    return {
      month: f.month,
      voluntary: r2(Math.max(0, f.voluntary)),
      involuntary: r2(Math.max(0, f.involuntary)),
      lower: r2(f.lower),
      upper: r2(f.upper),
      total: r2(total),
      expected_revenue_lost: r2(total * perChurner),
    };
  });
}

export async function forecastChurnFromStore(store: AnalyticsStore, input: ForecastInput = {}): Promise<ChurnForecastReport> {
  const horizon = input.horizon ?? DEFAULT_HORIZON;
  const level = input.level ?? 0.95;
  const totals = await churnTotals(store, {}, { refreshStale: true });
  const hist = totals.rows;
  if (hist.length < 2) throw new TenureError('NO_DATA', `need at least 2 months of churn history to forecast, the store has ${hist.length}`);
  const backtestMonths = input.backtest ?? (hist.length >= 12 + DEFAULT_BACKTEST ? DEFAULT_BACKTEST : undefined);
  if (backtestMonths !== undefined && hist.length - backtestMonths < 1) {
    throw new TenureError('USAGE', `--backtest ${backtestMonths} needs more than ${backtestMonths} months of history, the store has ${hist.length}`);
  }
  const fc = forecastChurn(historyOf(hist), horizon, { level, ...(backtestMonths !== undefined ? { backtestMonths } : {}) });

  const recent = hist.slice(-3);
  const recentChurners = recent.reduce((s, r) => s + r.voluntary + r.involuntary, 0);
  const recentLost = recent.reduce((s, r) => s + Number(r.revenue_lost), 0);
  const perChurner = recentChurners > 0 ? recentLost / recentChurners : 0;
  const last = hist[hist.length - 1]?.month as MonthText;

  let forecast = rows(fc, perChurner);
  const scoresFound = await bottomUp(store, last, horizon);
  const bu = 'skipped' in scoresFound ? null : scoresFound;
  const weight = bu ? 0.5 : 0;
  if (bu) {
    const z = zForLevel(level);
    const volShare = recentChurners > 0 ? recent.reduce((s, r) => s + r.voluntary, 0) / recentChurners : 0.5;
    const topDown = fc.forecast.map((f) => ({
      mean: Math.max(0, f.voluntary) + Math.max(0, f.involuntary),
      se: (f.upper - f.lower) / (2 * z),
    }));
    const blended = blendForecasts(topDown, bu.months, weight);
    forecast = blended.map((b, i) => {
      const td = fc.forecast[i];
      const tdTotal = (topDown[i]?.mean ?? 0);
      // Split the blended total by the time-series mix of the month, or the recent mix.
      const share = td && tdTotal > 0 ? Math.max(0, td.voluntary) / tdTotal : volShare;
      return {
        month: td?.month ?? addMonths(last, i + 1),
        voluntary: r2(b.mean * share),
        involuntary: r2(b.mean * (1 - share)),
        lower: r2(Math.max(0, b.mean - z * b.se)),
        upper: r2(b.mean + z * b.se),
        total: r2(b.mean),
        expected_revenue_lost: r2(b.mean * perChurner),
      };
    });
  }

  let byProvince: ProvinceForecast[] | undefined;
  if (input.byProvince) {
    const regions = await churnRegions(store, { level: 'province' }, { refreshStale: true });
    const months = hist.map((r) => r.month);
    const series = new Map<string, { v: number[]; i: number[] }>();
    const at = new Map(months.map((m, i) => [m, i]));
    for (const r of regions.rows) {
      let s = series.get(r.region);
      if (!s) {
        s = { v: months.map(() => 0), i: months.map(() => 0) };
        series.set(r.region, s);
      }
      const k = at.get(r.month);
      if (k === undefined) continue;
      s.v[k] = r.voluntary;
      s.i[k] = r.involuntary;
    }
    // Each province's own forecast, then reconciled to the total (reconcile.ts), weighted by its last 12 months of exits.
    const own = [...series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([province, s]) => ({
      province,
      forecast: rows(forecastChurn({ months, voluntary: s.v, involuntary: s.i }, horizon, { level }), perChurner),
      weight: s.v.slice(-12).reduce((a, b) => a + b, 0) + s.i.slice(-12).reduce((a, b) => a + b, 0),
    }));
    byProvince = reconcileToTotal(forecast, own, perChurner);
  }

  const bt = fc.backtest;
  return {
    forecast,
    backtest: bt
      ? {
          mape: bt.mape === null ? null : r4(bt.mape),
          naive_mape: bt.naiveMape === null ? null : r4(bt.naiveMape),
          months: bt.indices.length,
          beats_naive: bt.beatsNaive,
          actual: [...bt.actual],
          model: bt.forecast.map(r2),
          naive: [...bt.naive],
        }
      : null,
    history: hist.map((r) => ({ month: r.month, voluntary: r.voluntary, involuntary: r.involuntary })),
    level,
    models: fc.models,
    revenue_lost_per_churner: r2(perChurner),
    bottom_up: {
      used: bu !== null,
      model_version: bu?.modelVersion ?? null,
      as_of: bu?.asOf ?? null,
      scored_at: bu?.scoredAt ?? null,
      not_used_reason: 'skipped' in scoresFound ? scoresFound.skipped : null,
      horizon: bu?.horizon ?? null,
      weight,
      customers: bu?.customers ?? 0,
    },
    ...(byProvince ? { by_province: byProvince, reconciliation: RECONCILIATION } : {}),
  };
}
