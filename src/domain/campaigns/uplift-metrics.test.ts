import { describe, expect, it } from 'vitest';
import { binCounts, bootstrapUplift, curveFromBins, differences, ntileBin, percentileInterval, rankingOrder, type UpliftBin } from './uplift-metrics.ts';

const bin = (treated: number, control: number, treatedChurned: number, controlChurned: number): UpliftBin => ({ treated, control, treatedChurned, controlChurned });

describe('Qini and AUUC, known answers on hand-made tables', () => {
  it('balanced bins: the Qini and uplift curves worked out by hand', () => {
    // Totals 40 treated (14 churned) and 40 control (20 churned): overall uplift u = 0.5 − 0.35 = 0.15.
    const s = curveFromBins([bin(10, 10, 1, 6), bin(10, 10, 3, 5), bin(10, 10, 4, 4), bin(10, 10, 6, 5)]);
    expect(s.overallUplift).toBeCloseTo(0.15, 12);
    // q_k = (Y_C,k·N_T,k/N_C,k − Y_T,k)/40 = 5/40, 7/40, 7/40, 6/40.
    expect(s.points.map((p) => p.qini)).toEqual([0.125, 0.175, 0.175, 0.15].map((x) => expect.closeTo(x, 12)));
    // Trapezoids minus the random line 0.15·φ: 0.0109375 + 0.0234375 + 0.0203125 + 0.0078125.
    expect(s.qini).toBeCloseTo(0.0625, 12);
    // Uplift among the top: 0.5, 0.35, 7/30, 0.15; gains × φ: 0.125, 0.175, 0.175, 0.15.
    expect(s.points.map((p) => p.upliftInTop)).toEqual([0.5, 0.35, 7 / 30, 0.15].map((x) => expect.closeTo(x, 12)));
    expect(s.auuc).toBeCloseTo(0.015625 + 0.0375 + 0.04375 + 0.040625, 12);
    expect(s.auucRandom).toBeCloseTo(0.075, 12);
    expect(s.upliftAt30).toBeNull(); // 4 bins: 30 % is not a bin boundary
  });

  it('unbalanced arms and a top bin without control members', () => {
    // 6 treated (1 churned), 4 control (2 churned): u = 1/2 − 1/6 = 1/3.
    const s = curveFromBins([bin(4, 0, 0, 0), bin(2, 4, 1, 2)]);
    expect(s.overallUplift).toBeCloseTo(1 / 3, 12);
    expect(s.points.map((p) => p.fraction)).toEqual([0.4, 1]);
    expect(s.points[0]?.qini).toBe(0); // control term 0 while no control member is in the top
    expect(s.points[0]?.upliftInTop).toBeNull();
    expect(s.points[1]?.qini).toBeCloseTo(1 / 3, 12); // (2·6/4 − 1)/6
    // 0.4·(0 − (1/3)·0.4/2) + 0.6·((1/3)/2 − (1/3)·1.4/2) = −0.02667 − 0.04
    expect(s.qini).toBeCloseTo(-1 / 15, 12);
    expect(s.auuc).toBeCloseTo(0.1, 12);
    expect(s.auucRandom).toBeCloseTo(1 / 6, 12);
  });

  it('random targeting scores 0: every bin a copy of the whole campaign', () => {
    const s = curveFromBins(Array.from({ length: 10 }, () => bin(30, 20, 6, 8)));
    expect(s.qini).toBeCloseTo(0, 12);
    expect(s.auuc).toBeCloseTo(s.auucRandom, 12);
    expect(s.upliftAt30).toBeCloseTo(8 / 20 - 6 / 30, 12);
  });

  it('a perfect ranking beats the reverse ranking of the same members', () => {
    const good = curveFromBins([bin(10, 10, 0, 8), bin(10, 10, 5, 5), bin(10, 10, 8, 8)]);
    const bad = curveFromBins([bin(10, 10, 8, 8), bin(10, 10, 5, 5), bin(10, 10, 0, 8)]);
    expect(good.overallUplift).toBeCloseTo(bad.overallUplift, 12);
    expect(good.qini).toBeGreaterThan(0);
    expect(bad.qini).toBeLessThan(0);
    expect(good.qini).toBeCloseTo(-bad.qini, 12);
  });

  it('refuses a campaign without both arms', () => {
    expect(() => curveFromBins([bin(5, 0, 1, 0)])).toThrow(/treated and control/);
  });
});

describe('binning as SQL NTILE(B) OVER (ORDER BY score DESC, customer_id)', () => {
  it('puts one row more in the first n mod B bins', () => {
    expect(Array.from({ length: 10 }, (_, j) => ntileBin(j, 10, 3))).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(Array.from({ length: 7 }, (_, j) => ntileBin(j, 7, 7))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from({ length: 12 }, (_, j) => ntileBin(j, 12, 4))).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });

  it('ranks by score, highest first, ties by customer id, and counts each bin', () => {
    const ids = ['C5', 'C1', 'C3', 'C2', 'C4', 'C6'];
    const scores = [0.1, 0.9, 0.5, 0.5, 0.7, 0.05];
    const order = rankingOrder(scores, ids);
    expect(Array.from(order, (i) => ids[i])).toEqual(['C1', 'C4', 'C2', 'C3', 'C5', 'C6']);
    const treated = Uint8Array.from([1, 1, 0, 1, 0, 0]);
    const churned = Uint8Array.from([1, 0, 1, 0, 1, 0]);
    expect(binCounts(order, treated, churned, 3)).toEqual([bin(1, 1, 0, 1), bin(1, 1, 0, 1), bin(1, 1, 1, 0)]);
    // A bootstrap copy count is the same as repeating the member.
    const copies = Uint32Array.from([2, 1, 0, 1, 1, 1]);
    expect(binCounts(order, treated, churned, 3, copies)).toEqual([bin(1, 1, 0, 1), bin(2, 0, 1, 0), bin(1, 1, 1, 0)]);
  });
});

describe('bootstrap intervals', () => {
  it('are deterministic for the seed, keep the arms’ sizes, and cover the point estimate', () => {
    const n = 400;
    const treated = Uint8Array.from({ length: n }, (_, i) => i % 2);
    // Persuadables at the top of the score: treated churn less there.
    const churned = Uint8Array.from({ length: n }, (_, i) => (i < 100 ? (treated[i] ? i % 5 === 0 : i % 5 !== 4) : i % 3 === 0) ? 1 : 0);
    const score = Float64Array.from({ length: n }, (_, i) => n - i);
    const reverse = Float64Array.from({ length: n }, (_, i) => i);
    const ids = Array.from({ length: n }, (_, i) => `C${String(i).padStart(4, '0')}`);
    const orders = [rankingOrder(score, ids), rankingOrder(reverse, ids)];
    const a = bootstrapUplift(orders, treated, churned, 10, 200, 3);
    const b = bootstrapUplift(orders, treated, churned, 10, 200, 3);
    expect(a.qini[0]).toEqual(b.qini[0]);
    const point = curveFromBins(binCounts(orders[0] as Int32Array, treated, churned, 10)).qini;
    const ci = percentileInterval(a.qini[0] as Float64Array);
    expect(ci).not.toBeNull();
    expect(ci?.[0]).toBeLessThan(point);
    expect(ci?.[1]).toBeGreaterThan(point);
    expect(ci?.[0]).toBeGreaterThan(0);
    const diff = percentileInterval(differences(a.qini[0] as Float64Array, a.qini[1] as Float64Array));
    expect(diff?.[0]).toBeGreaterThan(0); // the good ranking beats its reverse in every sense
  });

  it('percentile intervals leave undefined replicates out', () => {
    expect(percentileInterval(Float64Array.from([Number.NaN, 1, 2, 3, 4, 5]), 0.5)).toEqual([2, 4]);
    expect(percentileInterval(Float64Array.from([Number.NaN]))).toBeNull();
  });
});
