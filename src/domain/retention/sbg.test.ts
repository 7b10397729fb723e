import { describe, expect, it } from 'vitest';
import {
  fitSbg,
  sbgChurnProbabilities,
  sbgDerl,
  sbgLogLikelihood,
  sbgMeanLifetime,
  sbgRestrictedMeanLifetime,
  sbgRetentionRates,
  sbgSurvival,
  validateCohortCounts,
} from './sbg.ts';
import { simulateSbgCohort } from './simulate.ts';
import { seeded } from '../test-random.ts';

// Fader & Hardie (2007), "How to project customer retention", customers alive at years 0..7.
const HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491];
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];
// Published MLEs (paper, Table/Figure of the two segments): High End α = 0.668, β = 3.806
// (LL = −1611.2); Regular α = 0.704, β = 1.182.
const PUBLISHED = { highEnd: { alpha: 0.668, beta: 3.806 }, regular: { alpha: 0.704, beta: 1.182 } };

/** ln Γ by the Lanczos approximation (g = 7), independent of the recursions under test. */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
const lnBeta = (a: number, b: number) => lnGamma(a) + lnGamma(b) - lnGamma(a + b);

/** The paper's closed forms: P(T=t) = B(α+1, β+t−1)/B(α,β), S(t) = B(α, β+t)/B(α,β). */
function closedFormLl(alpha: number, beta: number, counts: readonly number[]): number {
  let ll = 0;
  for (let t = 1; t < counts.length; t++) {
    ll += ((counts[t - 1] as number) - (counts[t] as number)) * (lnBeta(alpha + 1, beta + t - 1) - lnBeta(alpha, beta));
  }
  const T = counts.length - 1;
  return ll + (counts[T] as number) * (lnBeta(alpha, beta + T) - lnBeta(alpha, beta));
}

/** Argmax of the closed-form LL on a 0.001 grid around the optimum (independent of the optimiser). */
function gridArgmax(counts: readonly number[], aRange: [number, number], bRange: [number, number]) {
  let best = { alpha: 0, beta: 0, ll: Number.NEGATIVE_INFINITY };
  for (let a = aRange[0]; a <= aRange[1] + 1e-9; a += 0.001) {
    for (let b = bRange[0]; b <= bRange[1] + 1e-9; b += 0.001) {
      const ll = closedFormLl(a, b, counts);
      if (ll > best.ll) best = { alpha: a, beta: b, ll };
    }
  }
  return best;
}

describe('sBG recursions', () => {
  it('match the Beta-function closed forms', () => {
    const params = { alpha: 0.7, beta: 1.9 };
    const p = sbgChurnProbabilities(params, 10);
    const s = sbgSurvival(params, 10);
    for (let t = 1; t <= 10; t++) {
      expect(p[t - 1]).toBeCloseTo(Math.exp(lnBeta(1.7, 1.9 + t - 1) - lnBeta(0.7, 1.9)), 12);
      expect(s[t]).toBeCloseTo(Math.exp(lnBeta(0.7, 1.9 + t) - lnBeta(0.7, 1.9)), 12);
      // S(t) = 1 − Σ P(T ≤ t)
      expect(s[t]).toBeCloseTo(1 - p.slice(0, t).reduce((a, b) => a + b, 0), 12);
    }
  });

  it('retention rates are S(t)/S(t−1) and rise with t', () => {
    const params = { alpha: 0.668, beta: 3.806 };
    const r = sbgRetentionRates(params, 12);
    const s = sbgSurvival(params, 12);
    // r(1) = β/(α+β) = 3.806/4.474 = 0.85069...
    expect(r[0]).toBeCloseTo(3.806 / 4.474, 12);
    for (let t = 1; t <= 12; t++) expect(r[t - 1]).toBeCloseTo((s[t] as number) / (s[t - 1] as number), 12);
    for (let t = 1; t < 12; t++) expect(r[t] as number).toBeGreaterThan(r[t - 1] as number);
  });

  it('log-likelihood includes the still-alive term and equals the closed form', () => {
    expect(sbgLogLikelihood({ alpha: 0.668, beta: 3.806 }, HIGH_END)).toBeCloseTo(closedFormLl(0.668, 3.806, HIGH_END), 9);
    // The published High End optimum has LL ≈ −1611.16.
    expect(sbgLogLikelihood({ alpha: 0.668, beta: 3.806 }, HIGH_END)).toBeCloseTo(-1611.16, 1);
    // Dropping the 491 survivors would change it a lot: the censored term is 491·ln S(7).
    const s7 = sbgSurvival({ alpha: 0.668, beta: 3.806 }, 7)[7] as number;
    expect(491 * Math.log(s7)).toBeLessThan(-100);
  });
});

describe('fitSbg reproduces Fader & Hardie (2007)', () => {
  for (const [name, counts, published, aRange, bRange] of [
    ['High End', HIGH_END, PUBLISHED.highEnd, [0.64, 0.7], [3.6, 4.0]],
    ['Regular', REGULAR, PUBLISHED.regular, [0.68, 0.73], [1.1, 1.26]],
  ] as const) {
    it(`${name}: α, β to 3 decimals, at the grid optimum of the closed-form likelihood`, () => {
      const fit = fitSbg(counts);
      expect(fit.converged).toBe(true);
      expect(fit.alpha.toFixed(3)).toBe(published.alpha.toFixed(3));
      expect(fit.beta.toFixed(3)).toBe(published.beta.toFixed(3));
      const grid = gridArgmax(counts, [...aRange], [...bRange]);
      expect(Math.abs(fit.alpha - grid.alpha)).toBeLessThanOrEqual(0.0011);
      expect(Math.abs(fit.beta - grid.beta)).toBeLessThanOrEqual(0.0011);
      // The optimiser's optimum is at least as good as the best grid point.
      expect(fit.logLikelihood).toBeGreaterThanOrEqual(grid.ll - 1e-9);
    });
  }

  it('recovers α, β from large simulated cohorts (seeded)', () => {
    for (const [truth, seed] of [
      [{ alpha: 0.7, beta: 1.2 }, 1],
      [{ alpha: 2.5, beta: 6 }, 2],
      [{ alpha: 0.5, beta: 3 }, 3],
    ] as const) {
      const counts = simulateSbgCohort(truth, 200_000, 12, seeded(seed));
      const fit = fitSbg(counts);
      expect(Math.abs(fit.alpha / truth.alpha - 1)).toBeLessThan(0.08);
      expect(Math.abs(fit.beta / truth.beta - 1)).toBeLessThan(0.1);
    }
  });

  it('warns when α, β are not identified or run into the bound', () => {
    expect(fitSbg(HIGH_END).warnings).toEqual([]);
    expect(fitSbg([10, 5]).warnings.join()).toMatch(/only one period/);
    // Halving every period is a homogeneous (geometric) cohort: α, β → ∞ with α/(α+β) → 0.5.
    const geometric = fitSbg([1000, 500, 250, 125, 62, 31]);
    expect(geometric.converged).toBe(false);
    expect(geometric.warnings.join()).toMatch(/homogeneous/);
    expect(geometric.alpha / (geometric.alpha + geometric.beta)).toBeCloseTo(0.5, 2);
  });

  it('rejects counts it cannot fit', () => {
    expect(validateCohortCounts([1000])).toHaveLength(1);
    expect(validateCohortCounts([1000, 900, 950]).join()).toMatch(/must not increase/);
    expect(validateCohortCounts([1000, 1000, 1000]).join()).toMatch(/nobody churned/);
    expect(validateCohortCounts([100, 0]).join()).toMatch(/everybody churned/);
    expect(() => fitSbg([5])).toThrow(RangeError);
  });
});

describe('lifetimes', () => {
  it('mean lifetime exists only for α > 1', () => {
    expect(sbgMeanLifetime({ alpha: 0.668, beta: 3.806 })).toBeNull();
    // E[T] = E[1/θ] = (α+β−1)/(α−1) = (3+4−1)/2 = 3
    expect(sbgMeanLifetime({ alpha: 3, beta: 4 })).toBeCloseTo(3, 12);
  });

  it('restricted mean lifetime sums survival and approaches the mean for long horizons', () => {
    // H = 1: every customer stays one period.
    expect(sbgRestrictedMeanLifetime({ alpha: 3, beta: 4 }, 1)).toBe(1);
    // H = 2: 1 + S(1) = 1 + 4/7
    expect(sbgRestrictedMeanLifetime({ alpha: 3, beta: 4 }, 2)).toBeCloseTo(1 + 4 / 7, 12);
    expect(sbgRestrictedMeanLifetime({ alpha: 3, beta: 4 }, 20_000)).toBeCloseTo(3, 3);
  });

  it('DERL equals the posterior expectation E[(1−θ)/(1−(1−θ)/(1+d))] under Beta(α, β+n−1)', () => {
    // Independent derivation: alive after n−1 renewals ⇒ θ | alive ~ Beta(α, β+n−1); with θ fixed
    // DERL = Σ_k (1−θ)^(k+1) z^k = (1−θ)/(1−(1−θ)z). Integrate numerically (midpoint rule, θ = x²
    // substitution to tame the x^(α−1) singularity).
    const alpha = 0.668;
    const beta = 3.806;
    const d = 0.1;
    for (const renewals of [0, 1, 4]) {
      const b = beta + renewals;
      const N = 400_000;
      let num = 0;
      let den = 0;
      for (let i = 0; i < N; i++) {
        const x = (i + 0.5) / N;
        const theta = x * x;
        const w = Math.pow(theta, alpha - 1) * Math.pow(1 - theta, b - 1) * 2 * x;
        num += w * ((1 - theta) / (1 - (1 - theta) / (1 + d)));
        den += w;
      }
      expect(sbgDerl({ alpha, beta }, renewals, d)).toBeCloseTo(num / den, 3);
    }
  });

  it('DERL tends to the geometric value when everybody has the same churn rate', () => {
    // α, β large with α/(α+β) = 0.2: DERL → 0.8 / (1 − 0.8/1.1) = 2.9333…
    expect(sbgDerl({ alpha: 2e6, beta: 8e6 }, 3, 0.1)).toBeCloseTo(0.8 / (1 - 0.8 / 1.1), 4);
  });
});

describe('sBG fitted to several cohorts at once', () => {
  it('equals the single-cohort fit for one cohort, and pools cohorts seen for different lengths', async () => {
    const { fitSbg, fitSbgCohorts, sbgExpectedCounts } = await import('./sbg.ts');
    const highEnd = [1000, 869, 743, 653, 593, 551, 517, 491];
    const one = fitSbgCohorts([highEnd]);
    const direct = fitSbg(highEnd);
    expect(one.alpha).toBeCloseTo(direct.alpha, 3);
    expect(one.beta).toBeCloseTo(direct.beta, 3);
    // Large cohorts drawn from the expected counts of known α, β, observed for 3..12 periods.
    const truth = { alpha: 0.8, beta: 2.5 };
    const cohorts = [3, 6, 9, 12].map((T) => Array.from(sbgExpectedCounts(truth, 1_000_000, T), (v) => Math.round(v)));
    const pooled = fitSbgCohorts(cohorts);
    expect(pooled.alpha).toBeCloseTo(truth.alpha, 2);
    expect(pooled.beta).toBeCloseTo(truth.beta, 1);
    expect(() => fitSbgCohorts([[100, 100, 100]])).toThrow(/nobody churned/);
  });
});
