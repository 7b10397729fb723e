import { addMonths, type MonthText } from '../month.ts';
import { zForLevel } from '../survival/normal.ts';
import { backtest, combinedForecast, combinedForecaster, type BacktestResult } from './backtest.ts';
import { fitEts, withIntervals, type EtsModel } from './ets.ts';

/**
 * Churn-count forecast (流失人数预测, seed 004): voluntary and involuntary churn per month for
 * the next N months. Each type gets its own forecast: its exponential-smoothing model (ets.ts)
 * averaged with seasonal naive (combinedForecast, backtest.ts); the interval of the total
 * assumes the two types' forecast errors are independent:
 * Var(total) = Var(voluntary) + Var(involuntary).
 */
export interface ChurnHistory {
  /** Consecutive months, oldest first. */
  readonly months: readonly MonthText[];
  readonly voluntary: readonly number[];
  readonly involuntary: readonly number[];
}

export interface ChurnForecastRow {
  readonly month: MonthText;
  readonly voluntary: number;
  readonly involuntary: number;
  /** Interval of voluntary + involuntary. */
  readonly lower: number;
  readonly upper: number;
  readonly voluntaryLower: number;
  readonly voluntaryUpper: number;
  readonly involuntaryLower: number;
  readonly involuntaryUpper: number;
}

export interface ChurnForecast {
  readonly forecast: readonly ChurnForecastRow[];
  readonly models: { readonly voluntary: ModelInfo; readonly involuntary: ModelInfo };
  readonly level: number;
  /** Backtest of the total (voluntary + involuntary), when asked for. */
  readonly backtest: BacktestResult | null;
}

/** The fitted smoothing model as reported: its kind, why it was chosen, and its parameters. */
export type ModelInfo = Pick<EtsModel, 'kind' | 'note' | 'alpha' | 'beta' | 'gamma' | 'phi'>;

export function validateHistory(h: ChurnHistory): string[] {
  const problems: string[] = [];
  if (h.months.length === 0) problems.push('no months of churn history');
  if (h.voluntary.length !== h.months.length || h.involuntary.length !== h.months.length) problems.push('months, voluntary and involuntary differ in length');
  for (let i = 1; i < h.months.length; i++) {
    if (addMonths(h.months[i - 1] as MonthText, 1) !== h.months[i]) problems.push(`months are not consecutive at ${h.months[i]}`);
  }
  return problems;
}

export function forecastChurn(history: ChurnHistory, horizon: number, options: { level?: number; backtestMonths?: number; period?: number } = {}): ChurnForecast {
  const problems = validateHistory(history);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  if (!(Number.isInteger(horizon) && horizon >= 1)) throw new RangeError(`horizon must be a whole number ≥ 1, got ${horizon}`);
  const level = options.level ?? 0.95;
  const period = options.period ?? 12;
  const z = zForLevel(level);
  const volModel = fitEts(history.voluntary, period);
  const invModel = fitEts(history.involuntary, period);
  const vol = combinedForecast(history.voluntary, horizon, period, volModel);
  const inv = combinedForecast(history.involuntary, horizon, period, invModel);
  const volI = withIntervals(vol, level);
  const invI = withIntervals(inv, level);
  const last = history.months[history.months.length - 1] as MonthText;
  const forecast = vol.map((v, i) => {
    const w = inv[i] as { mean: number; variance: number };
    const total = Math.max(0, v.mean) + Math.max(0, w.mean);
    const se = Math.sqrt(Math.max(0, v.variance) + Math.max(0, w.variance));
    return {
      month: addMonths(last, i + 1),
      voluntary: volI[i]?.mean ?? 0,
      involuntary: invI[i]?.mean ?? 0,
      lower: Math.max(0, total - z * se),
      upper: total + z * se,
      voluntaryLower: volI[i]?.lower ?? 0,
      voluntaryUpper: volI[i]?.upper ?? 0,
      involuntaryLower: invI[i]?.lower ?? 0,
      involuntaryUpper: invI[i]?.upper ?? 0,
    };
  });
  const combined = 'averaged with seasonal naive, equal weights';
  const info = (m: typeof volModel): ModelInfo => ({ kind: m.kind, note: m.note ? `${m.note}; ${combined}` : combined, alpha: m.alpha, beta: m.beta, gamma: m.gamma, phi: m.phi });
  let bt: BacktestResult | null = null;
  if (options.backtestMonths !== undefined) {
    const totals = history.voluntary.map((v, i) => v + (history.involuntary[i] as number));
    // The model forecast of the total is the sum of the two per-type forecasts, as above.
    const oneStep = combinedForecaster(period);
    const model = (h: readonly number[]) => {
      const t = h.length;
      return oneStep(history.voluntary.slice(0, t)) + oneStep(history.involuntary.slice(0, t));
    };
    bt = backtest(totals, options.backtestMonths, model, period);
  }
  return { forecast, models: { voluntary: info(volModel), involuntary: info(invModel) }, level, backtest: bt };
}

/**
 * Combines the top-down time-series forecast with a bottom-up one (the sum of customer churn
 * hazards from the churn model, once it exists):
 *   combined = w · bottomUp + (1 − w) · topDown
 * with w the weight of the bottom-up forecast (default 0.5, or from `inverseErrorWeight`).
 * The combined standard error is the same weighted sum of the two standard errors: the
 * conservative choice that assumes the two errors are perfectly correlated.
 */
export interface Forecast {
  readonly mean: number;
  readonly se: number;
}

export function blendForecasts(topDown: readonly Forecast[], bottomUp: readonly Forecast[], weightBottomUp = 0.5): Forecast[] {
  if (topDown.length !== bottomUp.length) throw new RangeError('forecasts to blend differ in length');
  if (!(weightBottomUp >= 0 && weightBottomUp <= 1)) throw new RangeError(`blend weight must be in [0, 1], got ${weightBottomUp}`);
  const w = weightBottomUp;
  return topDown.map((t, i) => {
    const b = bottomUp[i] as Forecast;
    return { mean: w * b.mean + (1 - w) * t.mean, se: w * b.se + (1 - w) * t.se };
  });
}

/** Weight of the bottom-up forecast from the two backtest errors (e.g. MAPE): inversely proportional to error. */
export function inverseErrorWeight(topDownError: number, bottomUpError: number): number {
  if (!(topDownError >= 0 && bottomUpError >= 0)) throw new RangeError('errors must be ≥ 0');
  if (topDownError + bottomUpError === 0) return 0.5;
  return topDownError / (topDownError + bottomUpError);
}
