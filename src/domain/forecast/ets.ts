import { minimizeWithRestarts } from '../numeric/optimize.ts';
import { zForLevel } from '../survival/normal.ts';

/**
 * Exponential smoothing for monthly counts, in the error-correction (ETS) form of Hyndman et
 * al. (2008), "Forecasting with Exponential Smoothing", with additive errors:
 *
 *   ŷ_t = l_{t−1} + φ b_{t−1} + s_{t−m}                    e_t = y_t − ŷ_t
 *   l_t = l_{t−1} + φ b_{t−1} + α e_t    b_t = φ b_{t−1} + β e_t    s_t = s_{t−m} + γ e_t
 *
 * i.e. additive damped-trend Holt–Winters, ETS(A,Ad,A). Parameters minimise the one-step
 * SSE (Nelder–Mead over unconstrained transforms that keep 0 < α < 1, 0 < β < α,
 * 0 < γ < 1 − α, 0.8 ≤ φ ≤ 1). Seasonal states start from the classical decomposition of
 * the first two seasons, so a seasonal model needs at least 2 full seasons; shorter
 * histories fall back to the non-seasonal damped-trend model (Holt) and say so, and fewer
 * than 4 points fall back to the mean.
 *
 * h-step forecast: l_T + φ_h b_T + s_{T+h−m(k+1)}, φ_h = φ + … + φ^h, k = ⌊(h−1)/m⌋.
 * Prediction variance: σ² [1 + Σ_{j=1}^{h−1} (α + β φ_j + γ 1{j mod m = 0})²].
 */
export type EtsKind = 'holt-winters-additive' | 'holt-damped' | 'mean';

export interface EtsModel {
  readonly kind: EtsKind;
  readonly note: string | null;
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
  readonly period: number;
  /** One-step residual variance. */
  readonly sigma2: number;
  readonly level: number;
  readonly trend: number;
  /** Last m seasonal states, oldest first (empty without seasonality). */
  readonly seasonal: readonly number[];
  readonly n: number;
}

export interface PointForecast {
  readonly mean: number;
  readonly variance: number;
}

// Logits are clamped so a parameter heading for 0 or 1 stops the simplex instead of sending it
// wandering towards infinity (logistic(±9) is within 1.3e-4 of the bound).
const logistic = (x: number) => 1 / (1 + Math.exp(-Math.max(-9, Math.min(9, x))));

interface Params {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

function decode(x: readonly number[], seasonal: boolean): Params {
  const alpha = logistic(x[0] ?? 0);
  const beta = alpha * logistic(x[1] ?? 0);
  const gamma = seasonal ? (1 - alpha) * logistic(x[2] ?? 0) : 0;
  const phi = 0.8 + 0.2 * logistic(x[3] ?? 3);
  return { alpha, beta, gamma, phi };
}

interface RunResult {
  sse: number;
  errors: number;
  level: number;
  trend: number;
  seasonal: number[];
}

interface InitialStates {
  readonly level: number;
  readonly trend: number;
  readonly seasonal: readonly number[];
  readonly start: number;
}

function initialStates(y: readonly number[], m: number, seasonal: boolean): InitialStates {
  if (!seasonal) return { level: y[0] as number, trend: (y[1] as number) - (y[0] as number), seasonal: [], start: 1 };
  // Classical: level = mean of season 1, trend = (mean of season 2 − mean of season 1) / m,
  // seasonal = season-1 values minus a linear trend line through the season means.
  const mean = (from: number) => y.slice(from, from + m).reduce((a, b) => a + b, 0) / m;
  const m1 = mean(0);
  const m2 = mean(m);
  const trend = (m2 - m1) / m;
  const s: number[] = [];
  for (let i = 0; i < m; i++) {
    const line1 = m1 + (i - (m - 1) / 2) * trend;
    const line2 = m2 + (i - (m - 1) / 2) * trend;
    s.push(((y[i] as number) - line1 + (y[i + m] as number) - line2) / 2);
  }
  // Level at time −1 so that the first one-step forecast is for y[0].
  return { level: m1 - ((m + 1) / 2) * trend, trend, seasonal: s, start: 0 };
}

/**
 * Seasonal states from a single season (for histories of one to two seasons): level = the
 * season's mean, no trend, seasonal = the season's deviations from its mean. The first season
 * then fits itself, so such a model is judged only on the one-step errors after it.
 */
function oneSeasonStates(y: readonly number[], m: number): InitialStates {
  const mean = y.slice(0, m).reduce((a, b) => a + b, 0) / m;
  return { level: mean, trend: 0, seasonal: y.slice(0, m).map((v) => v - mean), start: m };
}

function run(y: readonly number[], m: number, seasonal: boolean, p: Params, init: InitialStates, scratch?: Float64Array, sseFrom = 0): RunResult {
  let level = init.level;
  let trend = init.trend;
  const s = scratch ?? new Float64Array(init.seasonal.length);
  s.set(init.seasonal);
  let sse = 0;
  let errors = 0;
  for (let t = init.start; t < y.length; t++) {
    const season = seasonal ? (s[t % m] as number) : 0;
    const yhat = level + p.phi * trend + season;
    const e = (y[t] as number) - yhat;
    if (t >= sseFrom) {
      sse += e * e;
      errors++;
    }
    const newLevel = level + p.phi * trend + p.alpha * e;
    trend = p.phi * trend + p.beta * e;
    level = newLevel;
    if (seasonal) s[t % m] = season + p.gamma * e;
  }
  // Rotate so seasonal[0] is the state for the first forecast month (time n).
  if (scratch) return { sse, errors, level, trend, seasonal: [] }; // objective calls need only the SSE
  const rotated = seasonal ? Array.from({ length: m }, (_, i) => s[(y.length + i) % m] as number) : [];
  return { sse, errors, level, trend, seasonal: rotated };
}

export function fitEts(series: readonly number[], period = 12): EtsModel {
  const y = series.map((v) => {
    if (!Number.isFinite(v)) throw new RangeError('series values must be finite numbers');
    return v;
  });
  const n = y.length;
  if (n === 0) throw new RangeError('cannot forecast an empty series');
  if (n < 4) {
    const mean = y.reduce((a, b) => a + b, 0) / n;
    const varSample = n > 1 ? y.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
    return {
      kind: 'mean',
      note: `only ${n} months of history: forecasting the mean (variance: sample variance, at least the Poisson variance)`,
      alpha: 0,
      beta: 0,
      gamma: 0,
      phi: 1,
      period,
      sigma2: Math.max(varSample, mean, 1),
      level: mean,
      trend: 0,
      seasonal: [],
      n,
    };
  }
  const seasonal = n >= 2 * period;
  const init = initialStates(y, period, seasonal);
  const scratch = new Float64Array(init.seasonal.length);
  const objective = (x: readonly number[]) => run(y, period, seasonal, decode(x, seasonal), init, scratch).sse;
  const best = minimizeWithRestarts(objective, STARTS, FIT_OPTIONS);
  const p = decode(best.x, seasonal);
  const r = run(y, period, seasonal, p, init);
  const paramCount = seasonal ? 4 : 3;
  const dof = Math.max(1, r.errors - paramCount);
  const fitted: EtsModel = {
    kind: seasonal ? 'holt-winters-additive' : 'holt-damped',
    note: seasonal
      ? null
      : `only ${n} months of history (< 2 seasons of ${period}): non-seasonal damped-trend model, seasonality not modelled`,
    alpha: p.alpha,
    beta: p.beta,
    gamma: p.gamma,
    phi: p.phi,
    period,
    sigma2: r.sse / dof,
    level: r.level,
    trend: r.trend,
    seasonal: r.seasonal,
    n,
  };
  if (seasonal || n < period + MIN_CHECK_MONTHS) return fitted;
  // One to two seasons: try seasonal states from the first season, and keep the model whose
  // one-step errors after the first season are smaller (the non-seasonal fit saw those months
  // when it chose its parameters, so a tie goes to it).
  const one = oneSeasonStates(y, period);
  const oneScratch = new Float64Array(period);
  const oneObjective = (x: readonly number[]) => run(y, period, true, decode(x, true), one, oneScratch).sse;
  const oneBest = minimizeWithRestarts(oneObjective, STARTS, FIT_OPTIONS);
  const op = decode(oneBest.x, true);
  const or = run(y, period, true, op, one);
  const holtLater = run(y, period, false, p, init, undefined, period).sse;
  if (!(or.sse < holtLater)) return fitted;
  return {
    kind: 'holt-winters-additive',
    note:
      `only ${n} months of history (< 2 seasons of ${period}): seasonal states from the first season, chosen over the ` +
      `non-seasonal model by one-step error on the ${n - period} months after it`,
    alpha: op.alpha,
    beta: op.beta,
    gamma: op.gamma,
    phi: op.phi,
    period,
    sigma2: or.sse / Math.max(1, or.errors - 4),
    level: or.level,
    trend: or.trend,
    seasonal: or.seasonal,
    n,
  };
}

const STARTS = [
  [-1, -1, -1, 3],
  [0, -2, 0, 3],
  [1, -1, -2, 0],
  [-2, -3, -1, 1],
];
// Loose tolerances: smoothing parameters matter to two decimals, and the backtest refits
// the model once per month, so the fit must stay in the milliseconds.
const FIT_OPTIONS = { step: 1, maxIterations: 400, fTolerance: 1e-7, xTolerance: 1e-4 };
/** Months after the first season needed before a one-season seasonal model is considered. */
const MIN_CHECK_MONTHS = 4;

/** Forecasts for h = 1..horizon with their variances. */
export function forecastEts(model: EtsModel, horizon: number): PointForecast[] {
  const out: PointForecast[] = [];
  const m = model.period;
  let phiH = 0;
  let sumC2 = 0;
  for (let h = 1; h <= horizon; h++) {
    phiH += Math.pow(model.phi, h);
    const season = model.seasonal.length > 0 ? (model.seasonal[(h - 1) % m] as number) : 0;
    const mean = model.level + phiH * model.trend + season;
    out.push({ mean, variance: model.sigma2 * (1 + sumC2) });
    // c_h for the next step's variance: α + β φ_h + γ 1{h mod m = 0}
    const c = model.alpha + model.beta * phiH + (model.seasonal.length > 0 && h % m === 0 ? model.gamma : 0);
    sumC2 += c * c;
  }
  return out;
}

export interface IntervalForecast {
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
  readonly variance: number;
}

/** Counts cannot be negative: means and bounds are clipped at 0. */
export function withIntervals(points: readonly PointForecast[], level = 0.95): IntervalForecast[] {
  const z = zForLevel(level);
  return points.map((p) => {
    const se = Math.sqrt(Math.max(0, p.variance));
    return { mean: Math.max(0, p.mean), lower: Math.max(0, p.mean - z * se), upper: Math.max(0, p.mean + z * se), variance: p.variance };
  });
}
