import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../model/metrics.ts';
import { aucOf, claimVerdict, distributionOf, distributionsByGroup, rateDifference, rateEstimate } from './rates.ts';

describe('rates with intervals (Newcombe 1998 worked examples)', () => {
  it('Wilson: 81/263 is 0.2553–0.3662', () => {
    const r = rateEstimate(81, 263);
    expect(r.rate).toBeCloseTo(81 / 263, 12);
    expect(r.ci?.[0]).toBeCloseTo(0.2553, 4);
    expect(r.ci?.[1]).toBeCloseTo(0.3662, 4);
    expect(rateEstimate(0, 0)).toEqual({ n: 0, k: 0, rate: null, ci: null });
  });

  it('Newcombe hybrid score: 56/70 − 48/80 is 0.0524 to 0.3339', () => {
    const d = rateDifference(rateEstimate(56, 70), rateEstimate(48, 80));
    expect(d.difference).toBeCloseTo(0.2, 12);
    expect(d.ci?.[0]).toBeCloseTo(0.0524, 4);
    expect(d.ci?.[1]).toBeCloseTo(0.3339, 4);
    expect(rateDifference(rateEstimate(1, 2), rateEstimate(0, 0))).toEqual({ difference: null, ci: null });
  });

  it('places a claimed share against the interval', () => {
    expect(claimVerdict(0.7, rateEstimate(30, 100))).toBe('above_data');
    expect(claimVerdict(0.1, rateEstimate(30, 100))).toBe('below_data');
    expect(claimVerdict(0.3, rateEstimate(30, 100))).toBe('consistent');
    expect(claimVerdict(0.7, rateEstimate(0, 0))).toBe('undetermined');
  });
});

describe('distributions', () => {
  it('type-7 quantiles and the mean, NaN left out', () => {
    const d = distributionOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, Number.NaN]);
    expect(d.n).toBe(11);
    expect(d.mean).toBe(6);
    expect(d.quantiles).toEqual([2, 3.5, 6, 8.5, 10]);
    expect(distributionOf([])).toEqual({ n: 0, mean: null, quantiles: [null, null, null, null, null] });
    expect(distributionsByGroup([1, 2, 3], ['b', 'a', 'b']).map((g) => [g.group, g.distribution.mean])).toEqual([['a', 2], ['b', 2]]);
  });
});

describe('AUC', () => {
  it('known answer with ties: P(pos > neg) + ½ P(tie)', () => {
    // positives 3, 2; negatives 2, 1: pairs (3>2, 3>1, 2=2, 2>1) = 3.5 / 4
    expect(aucOf([3, 2, 2, 1], [1, 1, 0, 0])).toBe(0.875);
    expect(aucOf([1, 2], [1, 1])).toBeNull();
    expect(aucOf([Number.NaN, 1, 2], [1, 0, 1])).toBe(1);
  });

  it('equals the model metrics rocAuc on random scores with ties', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { minLength: 2, maxLength: 200 }), (rows) => {
        const s = rows.map((r) => r[0] / 4);
        const y = rows.map((r) => (r[1] ? 1 : 0));
        const expected = rocAuc(s, y);
        const got = aucOf(s, y);
        if (Number.isNaN(expected)) expect(got).toBeNull();
        else expect(got).toBeCloseTo(expected, 12);
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});
