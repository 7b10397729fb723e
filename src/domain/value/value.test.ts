import { describe, expect, it } from 'vitest';
import { sbgDerl } from '../retention/sbg.ts';
import { currentValues, derlConstantChurn, monthlyDiscountRate, recentMonthlyMargin } from './current-value.ts';
import { assignQuadrants, medianThresholds, quadrantOf, QUADRANT_STRATEGIES, summarizeMatrix } from './matrix.ts';
import { crossBuyCandidates, growthPotential } from './potential.ts';
import { quantile, quantileByGroup, quantileSorted, selectKth } from './quantile.ts';
import { valueReport } from './report.ts';
import { assignTiers, pareto, TIERS, TIER_LABELS } from './tiers.ts';

describe('current value', () => {
  it('converts an annual discount rate to monthly', () => {
    // 1.1^(1/12) − 1 = 0.0079741404…; twelve months compound back to 10 %.
    expect(monthlyDiscountRate(0.1)).toBeCloseTo(0.0079741404, 9);
    expect(Math.pow(1 + monthlyDiscountRate(0.1), 12)).toBeCloseTo(1.1, 12);
  });

  it('constant-churn DERL by hand and as the homogeneous limit of the sBG DERL', () => {
    // p = 2 %, d = 1 %: 0.98 / (1 − 0.98/1.01) = 0.98 · 1.01 / 0.03 = 32.99333…
    expect(derlConstantChurn(0.02, 0.01)).toBeCloseTo(32.993333, 5);
    expect(sbgDerl({ alpha: 2e6, beta: 98e6 }, 10, 0.01)).toBeCloseTo(32.993333, 3);
    expect(derlConstantChurn(0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('current value = recent margin × remaining lifetime', () => {
    // Latest three months: (120 − 0) + (90 − 30) + (110 − 10) = 280 → 93.33 per month.
    expect(recentMonthlyMargin([100, 120, 90, 110], [20, null, 30, 10])).toBeCloseTo(280 / 3, 12);
    expect(recentMonthlyMargin([], [])).toBe(0);
    expect(Array.from(currentValues([50, -10], [32.993333, 10]))).toEqual([50 * 32.993333, -100]);
  });
});

describe('growth potential', () => {
  it('explains up-buy, cross-buy and referral separately', () => {
    const g = growthPotential({
      // headroom 120 − 80 = 40; × margin 0.5 × take-up 0.3 = 6 per month; × 20 months = 120
      upBuy: { arpu: 80, targetArpu: 120, marginRate: 0.5, takeUpProbability: 0.3 },
      // 0.4 · 30 + 0.1 · 10 = 13 per month; × 20 = 260
      crossBuy: [
        { product: 'vod', adoptionRate: 0.1, monthlyMargin: 10 },
        { product: 'broadband', adoptionRate: 0.4, monthlyMargin: 30 },
      ],
      // 10 contacts × 0.02 = 0.2 referred customers × 500 = 100
      referral: { onNetContacts: 10, referralRate: 0.02, newCustomerValue: 500 },
      remainingLifetime: 20,
    });
    expect(g.upBuy).toEqual({ value: 120, headroom: 40, monthlyMargin: 6 });
    expect(g.crossBuy.value).toBeCloseTo(260, 12);
    expect(g.crossBuy.products.map((p) => p.product)).toEqual(['broadband', 'vod']);
    expect(g.referral.value).toBeCloseTo(100, 12);
    expect(g.total).toBeCloseTo(480, 12);
  });

  it('has no up-buy above the target ARPU', () => {
    const g = growthPotential({
      upBuy: { arpu: 150, targetArpu: 120, marginRate: 0.5, takeUpProbability: 1 },
      crossBuy: [],
      referral: { onNetContacts: 0, referralRate: 0.1, newCustomerValue: 100 },
      remainingLifetime: 20,
    });
    expect(g.total).toBe(0);
  });

  it('finds products similar customers hold that this one lacks', () => {
    const peers = [new Set(['voice', 'broadband']), new Set(['broadband', 'vod']), new Set(['voice']), new Set(['broadband'])];
    const c = crossBuyCandidates(new Set(['voice']), peers, new Map([['broadband', 30], ['vod', 8]]));
    expect(c).toEqual([
      { product: 'broadband', adoptionRate: 0.75, monthlyMargin: 30 },
      { product: 'vod', adoptionRate: 0.25, monthlyMargin: 8 },
    ]);
  });

  it('selection agrees with sorting, duplicates and sorted input included', () => {
    let s = 12345;
    const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const n of [1, 2, 3, 10, 101, 1000]) {
      for (const make of [() => Math.floor(next() * 5), () => next(), (i: number) => i, (i: number) => -i]) {
        const values = Float64Array.from({ length: n }, (_, i) => make(i));
        const sorted = Float64Array.from(values).sort();
        for (const p of [0, 0.1, 0.25, 0.5, 0.77, 0.97, 1]) expect(quantile(values, p)).toBeCloseTo(quantileSorted(sorted, p), 12);
        const k = Math.floor(n / 3);
        expect(selectKth(Float64Array.from(values), k)).toBe(sorted[k]);
      }
    }
  });

  it('segment percentiles (type 7)', () => {
    // (n−1)·0.75 = 3 → the 4th smallest
    expect(quantile([10, 40, 20, 30, 50], 0.75)).toBe(40);
    expect(quantile([1, 2], 0.5)).toBe(1.5);
    expect(quantileByGroup([1, 2, 10, 30], ['a', 'a', 'b', 'b'], 0.5)).toEqual(new Map([['a', 1.5], ['b', 20]]));
  });
});

describe('value matrix', () => {
  const current = [1, 2, 3, 4, 5, 6];
  const potential = [6, 1, 5, 2, 4, 3];

  it('splits at the medians by default (high = strictly above)', () => {
    // medians 3.5 and 3.5: (1,6) II, (2,1) I, (3,5) II, (4,2) III, (5,4) IV, (6,3) III
    expect(medianThresholds(current, potential)).toEqual({ currentValue: 3.5, potential: 3.5 });
    expect(Array.from(assignQuadrants(current, potential, { currentValue: 3.5, potential: 3.5 }))).toEqual([2, 1, 2, 3, 4, 3]);
    expect(quadrantOf(3.5, 3.5, { currentValue: 3.5, potential: 3.5 })).toBe('I');
  });

  it('honours configured thresholds', () => {
    expect(quadrantOf(5, 5, { currentValue: 10, potential: 1 })).toBe('II');
    expect(quadrantOf(50, 0, { currentValue: 10, potential: 1 })).toBe('III');
  });

  it('summarises quadrants with the textbook strategies and budget shares', () => {
    const { quadrants } = summarizeMatrix(current, potential);
    expect(quadrants.map((q) => q.customers)).toEqual([1, 2, 2, 1]);
    // At stake (current + potential): I 3; II 7 + 8 = 15; III 6 + 9 = 15; IV 9.
    // Weighted 0·3, 1·15, 2·15, 4·9 = 0, 15, 30, 36 → shares of 81.
    expect(quadrants.map((q) => q.budgetShare)).toEqual([0, 15 / 81, 30 / 81, 36 / 81]);
    expect(quadrants[0]?.strategy.investment.zh).toBe('不投入');
    expect(QUADRANT_STRATEGIES.IV.investment.en).toBe('top-priority investment');
    expect(QUADRANT_STRATEGIES.II.retention.zh).toBe('关系再造');
  });
});

describe('tiers and Pareto', () => {
  it('assigns six tiers by value percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    // Cut values (type 7): 30.7, 60.4, 80.2, 90.1, 97.03 → 30, 30, 20, 10, 7, 3 customers.
    const { tiers, thresholds } = assignTiers(values);
    expect(thresholds.map((t) => Number(t.toFixed(2)))).toEqual([30.7, 60.4, 80.2, 90.1, 97.03]);
    const counts = TIERS.map((_, k) => tiers.filter((t) => t === k).length);
    expect(counts).toEqual([30, 30, 20, 10, 7, 3]);
    expect(TIER_LABELS.platinum.zh).toBe('白金');
  });

  it('puts equal values in the same tier and rejects bad cut-offs', () => {
    expect(Array.from(assignTiers([5, 5, 5, 5]).tiers)).toEqual([0, 0, 0, 0]);
    expect(() => assignTiers([1, 2], [0.5, 0.4, 0.6, 0.7, 0.8])).toThrow(/increase/);
  });

  it('80/20 report', () => {
    // Total 100: the top customer holds 50 %, the top two 80 %, so 80 % is reached at 20 % of customers.
    const r = pareto([0, 5, 50, 0, 10, 0, 30, 0, 5, 0], [0.1, 0.2, 0.5]);
    expect(r.totalPositiveValue).toBe(100);
    expect(r.topShares.map((s) => s.valueShare)).toEqual([0.5, 0.8, 1]);
    expect(r.fractionForTarget).toBe(0.2);
    // Negative values count as zero.
    expect(pareto([-10, 10], [0.5]).topShares[0]?.valueShare).toBe(1);
  });
});

describe('value report', () => {
  it('combines matrix, tiers and Pareto over the same customers', () => {
    const current = Array.from({ length: 100 }, (_, i) => i + 1);
    const potential = current.map((v) => 101 - v);
    const r = valueReport(current, potential);
    expect(r.customers).toBe(100);
    // Potential falls as current value rises: medians 50.5 split them into II (low/high) and III (high/low) only.
    expect(r.quadrants.map((q) => q.customers)).toEqual([0, 50, 50, 0]);
    expect(r.tiers.map((t) => t.customers)).toEqual([30, 30, 20, 10, 7, 3]);
    // Platinum 98 + 99 + 100 = 297 of Σ 1..100 = 5050.
    expect(r.tiers[5]?.valueShare).toBeCloseTo(297 / 5050, 12);
    expect(r.tiers[0]?.above).toBeNull();
    expect(r.pareto.fractionForTarget).toBeGreaterThan(0.5);
  });
});
