import { fitEts, forecastEts } from './ets.ts';

/** A one-step forecaster: history in, forecast of the next value out. */
export type Forecaster = (history: readonly number[]) => number;

/** Seasonal naive: the value one season ago; the last value when the history is shorter than a season. */
export function seasonalNaive(history: readonly number[], horizon: number, period = 12): number[] {
  const n = history.length;
  if (n === 0) throw new RangeError('cannot forecast an empty series');
  return Array.from({ length: horizon }, (_, i) => {
    const h = i + 1;
    if (n < period) return history[n - 1] as number;
    const back = period * Math.ceil(h / period);
    return history[n + h - 1 - back] as number;
  });
}

export const seasonalNaiveForecaster = (period = 12): Forecaster => (history) => seasonalNaive(history, 1, period)[0] as number;
export const etsForecaster = (period = 12): Forecaster => (history) => Math.max(0, forecastEts(fitEts(history, period), 1)[0]?.mean ?? 0);

/**
 * Mean absolute percentage error in percent, over months with a positive actual (a zero
 * actual makes the percentage undefined; such months are skipped and counted).
 */
export function mape(actual: readonly number[], forecast: readonly number[]): { mape: number | null; used: number; skipped: number } {
  let sum = 0;
  let used = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    if (a > 0) {
      sum += Math.abs(a - (forecast[i] as number)) / a;
      used++;
    }
  }
  return { mape: used > 0 ? (sum / used) * 100 : null, used, skipped: actual.length - used };
}

export interface BacktestResult {
  /** Index of each re-forecast month in the series. */
  readonly indices: readonly number[];
  readonly actual: readonly number[];
  readonly forecast: readonly number[];
  readonly naive: readonly number[];
  readonly mape: number | null;
  readonly naiveMape: number | null;
  /** Model MAPE strictly below the seasonal-naive MAPE. */
  readonly beatsNaive: boolean;
}

/**
 * Re-forecasts each of the last k values from the data before it (one step ahead, model
 * refitted each time) and compares MAPE with the seasonal-naive baseline on the same months.
 */
export function backtest(series: readonly number[], k: number, model: Forecaster = etsForecaster(), period = 12): BacktestResult {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`backtest needs k ≥ 1 months, got ${k}`);
  if (series.length - k < 1) throw new RangeError(`backtest of ${k} months needs more than ${k} months of history, got ${series.length}`);
  const indices: number[] = [];
  const actual: number[] = [];
  const forecast: number[] = [];
  const naive: number[] = [];
  for (let t = series.length - k; t < series.length; t++) {
    const history = series.slice(0, t);
    indices.push(t);
    actual.push(series[t] as number);
    forecast.push(model(history));
    naive.push(seasonalNaiveForecaster(period)(history));
  }
  const m = mape(actual, forecast).mape;
  const nm = mape(actual, naive).mape;
  return { indices, actual, forecast, naive, mape: m, naiveMape: nm, beatsNaive: m !== null && nm !== null && m < nm };
}
