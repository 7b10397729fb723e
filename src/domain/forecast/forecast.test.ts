import { describe, expect, it } from 'vitest';
import { monthRange } from '../month.ts';
import { backtest, combinedForecast, combinedForecaster, mape, seasonalNaive, seasonalNaiveForecast, seasonalNaiveWeight, type Forecaster } from './backtest.ts';
import { blendForecasts, forecastChurn, inverseErrorWeight } from './churn-forecast.ts';
import { fitEts, forecastEts, withIntervals } from './ets.ts';
import { seeded } from '../test-random.ts';

function normals(n: number, seed: number): number[] {
  const u = seeded(seed);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

/** Truth: level 200, trend +3 a month, seasonal amplitude 40 (peak in month 3 of each year). */
const truth = (t: number) => 200 + 3 * t + 40 * Math.sin((2 * Math.PI * t) / 12);

describe('exponential smoothing (ETS A,Ad,A)', () => {
  it('recovers a noise-free trend + season almost exactly', () => {
    const y = Array.from({ length: 48 }, (_, t) => truth(t));
    const model = fitEts(y);
    expect(model.kind).toBe('holt-winters-additive');
    const f = forecastEts(model, 12);
    f.forEach((p, h) => expect(Math.abs(p.mean - truth(48 + h))).toBeLessThan(1.5));
  });

  it('forecasts a noisy series near the truth, with intervals that cover it', () => {
    const noise = normals(48, 7);
    const y = Array.from({ length: 48 }, (_, t) => truth(t) + 8 * (noise[t] as number));
    const f = withIntervals(forecastEts(fitEts(y), 12));
    const errors = f.map((p, h) => Math.abs(p.mean - truth(48 + h)));
    // Noise sd 8 against a seasonal swing of ±40 and a trend of 36 a year.
    expect(errors.reduce((a, b) => a + b, 0) / 12).toBeLessThan(10);
    const covered = f.filter((p, h) => p.lower <= truth(48 + h) && truth(48 + h) <= p.upper).length;
    expect(covered).toBeGreaterThanOrEqual(11);
    // The noise is iid around a fixed trend and season, so the one-step interval is about
    // ±1.96·8 (width 31.4), and it cannot narrow with the horizon.
    const width = (h: number) => (f[h]?.upper ?? 0) - (f[h]?.lower ?? 0);
    expect(width(0)).toBeGreaterThan(31.4 * 0.7);
    expect(width(0)).toBeLessThan(31.4 * 1.3);
    expect(width(11)).toBeGreaterThanOrEqual(width(0));
  });

  it('widens the interval with the horizon when the level wanders (random walk + season)', () => {
    const steps = normals(48, 5);
    let walk = 300;
    const y = steps.map((e, t) => {
      walk += 10 * e;
      return walk + 30 * Math.sin((2 * Math.PI * t) / 12);
    });
    const m = fitEts(y);
    expect(m.alpha).toBeGreaterThan(0.5);
    const f = forecastEts(m, 12);
    // Var(h) = σ²(1 + Σ c_j²) with c_j ≥ α: at h = 12 at least 1 + 11·α² times the one-step variance.
    expect((f[11]?.variance ?? 0) / (f[0]?.variance ?? 1)).toBeGreaterThan(1 + 11 * m.alpha * m.alpha - 1e-9);
  });

  it('falls back gracefully on short histories and says so', () => {
    const short = Array.from({ length: 18 }, (_, t) => 100 + 2 * t);
    const m = fitEts(short);
    expect(m.kind).toBe('holt-damped');
    expect(m.note).toMatch(/< 2 seasons/);
    // A straight line stays (nearly) straight: the next value is about 136.
    expect(forecastEts(m, 1)[0]?.mean).toBeCloseTo(136, 0);
    const tiny = fitEts([10, 12, 14]);
    expect(tiny.kind).toBe('mean');
    expect(forecastEts(tiny, 2).map((p) => p.mean)).toEqual([12, 12]);
    expect(() => fitEts([])).toThrow(RangeError);
  });
});

describe('seasonal naive, MAPE and backtest', () => {
  it('seasonal naive by hand', () => {
    const h = Array.from({ length: 24 }, (_, i) => i + 1);
    expect(seasonalNaive(h, 3)).toEqual([13, 14, 15]);
    expect(seasonalNaive(h, 14)[12]).toBe(13); // h = 13 goes back two seasons: index 24 + 12 − 24 = 12 → value 13
    expect(seasonalNaive([5, 6], 2)).toEqual([6, 6]);
  });

  it('MAPE by hand, skipping zero actuals', () => {
    // |100 − 90|/100 = 0.1, |50 − 60|/50 = 0.2 → 15 %
    expect(mape([100, 0, 50], [90, 5, 60])).toEqual({ mape: 15.000000000000002, used: 2, skipped: 1 });
  });

  const noise = normals(48, 11);
  const y = Array.from({ length: 48 }, (_, t) => truth(t) + 5 * (noise[t] as number));

  it('the model beats seasonal naive on a trending seasonal series', () => {
    const r = backtest(y, 6);
    expect(r.indices).toEqual([42, 43, 44, 45, 46, 47]);
    expect(r.beatsNaive).toBe(true);
    // Naive is a year behind the +3/month trend: its error is about 36/300 ≈ 12 %.
    expect(r.naiveMape).toBeGreaterThan(8);
    expect(r.mape).toBeLessThan(5);
  });

  it('fails a deliberately broken model (seasonality shifted by half a year)', () => {
    const broken: Forecaster = (h) => {
      const f = forecastEts(fitEts(h), 7)[6]?.mean ?? 0; // forecasts the wrong month
      return f;
    };
    const r = backtest(y, 6, broken);
    expect(r.beatsNaive).toBe(false);
    expect(r.mape ?? 0).toBeGreaterThan(r.naiveMape ?? 0);
  });

  it('rejects impossible backtests', () => {
    expect(() => backtest([1, 2, 3], 3)).toThrow(/more than 3 months/);
    expect(() => backtest([1, 2, 3], 0)).toThrow(RangeError);
  });
});

describe('the combined forecast (smoothing and seasonal naive, weighted by recent errors)', () => {
  it('seasonal naive variances by hand: σ² (k + 1) a season back, σ² h for the naive fallback', () => {
    const h = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 15];
    const f = seasonalNaiveForecast(h, 13);
    // One season difference: 15 − 10 → σ² = 25; h = 13 reaches two seasons back (k = 1).
    expect(f[0]).toEqual({ mean: 20, variance: 25 });
    expect(f[11]).toEqual({ mean: 15, variance: 25 });
    expect(f[12]).toEqual({ mean: 20, variance: 50 });
    // Shorter than a season and one: last value, σ² = ((5 − 3)² + (4 − 5)²) / 2 = 2.5 per step.
    expect(seasonalNaiveForecast([3, 5, 4], 2)).toEqual([
      { mean: 4, variance: 2.5 },
      { mean: 4, variance: 5 },
    ]);
  });

  it('weights seasonal naive down on a long trending series and evenly when it cannot check', () => {
    const noise = normals(48, 11);
    const y = Array.from({ length: 48 }, (_, t) => truth(t) + 5 * (noise[t] as number));
    expect(seasonalNaiveWeight(y)).toBeLessThan(0.25); // a year behind a +3/month trend
    expect(seasonalNaiveWeight(y.slice(0, 17))).toBe(0.5); // fewer than 12 + 6 months
    // A flat season with noise and no trend: last year's value is as good a guess, so it keeps weight.
    const flat = Array.from({ length: 30 }, (_, t) => 100 + 30 * Math.sin((2 * Math.PI * t) / 12) + 15 * (noise[t] as number));
    expect(seasonalNaiveWeight(flat)).toBeGreaterThan(0.25);
  });

  it('mixes the two forecasts with that weight, means and standard errors alike', () => {
    const noise = normals(30, 5);
    const y = Array.from({ length: 30 }, (_, t) => 100 + 30 * Math.sin((2 * Math.PI * t) / 12) + 10 * (noise[t] as number));
    const w = seasonalNaiveWeight(y);
    const e = forecastEts(fitEts(y), 3);
    const n = seasonalNaiveForecast(y, 3);
    const c = combinedForecast(y, 3);
    for (let i = 0; i < 3; i++) {
      const ei = e[i] as { mean: number; variance: number };
      const ni = n[i] as { mean: number; variance: number };
      expect(c[i]?.mean).toBeCloseTo((1 - w) * ei.mean + w * ni.mean, 10);
      expect(Math.sqrt(c[i]?.variance ?? 0)).toBeCloseTo((1 - w) * Math.sqrt(ei.variance) + w * Math.sqrt(ni.variance), 10);
    }
    expect(combinedForecaster()(y)).toBeCloseTo(Math.max(0, c[0]?.mean ?? 0), 10);
  });
});

describe('churn-count forecast', () => {
  const months = monthRange('2022-01', '2024-12');
  const nv = normals(36, 3);
  const ni = normals(36, 4);
  const voluntary = months.map((_, t) => Math.round(truth(t) + 6 * (nv[t] as number)));
  const involuntary = months.map((_, t) => Math.round(60 + 10 * Math.cos((2 * Math.PI * t) / 12) + 3 * (ni[t] as number)));

  it('forecasts both types with a total interval and a backtest', () => {
    const f = forecastChurn({ months, voluntary, involuntary }, 6, { backtestMonths: 6 });
    expect(f.forecast.map((r) => r.month)).toEqual(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06']);
    for (const [h, r] of f.forecast.entries()) {
      const total = r.voluntary + r.involuntary;
      expect(r.lower).toBeLessThanOrEqual(total);
      expect(r.upper).toBeGreaterThanOrEqual(total);
      expect(Math.abs(r.voluntary - truth(36 + h))).toBeLessThan(20);
    }
    expect(f.models.voluntary.kind).toBe('holt-winters-additive');
    expect(f.backtest?.beatsNaive).toBe(true);
  });

  it('rejects gaps in the months', () => {
    expect(() => forecastChurn({ months: ['2024-01', '2024-03'], voluntary: [1, 2], involuntary: [1, 2] }, 3)).toThrow(/not consecutive/);
  });

  it('blends top-down and bottom-up forecasts with documented weights', () => {
    // w = 0.25: mean 0.25·120 + 0.75·100 = 105; se 0.25·8 + 0.75·12 = 11
    expect(blendForecasts([{ mean: 100, se: 12 }], [{ mean: 120, se: 8 }], 0.25)).toEqual([{ mean: 105, se: 11 }]);
    // Bottom-up error 30 vs top-down 10: bottom-up gets 10 / 40 = 0.25.
    expect(inverseErrorWeight(10, 30)).toBe(0.25);
  });
});
