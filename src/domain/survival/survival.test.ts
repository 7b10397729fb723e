import { describe, expect, it } from 'vitest';
import { cumulativeIncidence, cumulativeIncidenceByGroup } from './cumulative-incidence.ts';
import { kaplanMeier, kaplanMeierByGroup, medianSurvival, survivalAt } from './kaplan-meier.ts';
import { normalQuantile, zForLevel } from './normal.ts';

// Seven customers: churn at 1, 2, 3, 4, 4; censored (still customers) at 2 and 5.
const T = [1, 2, 2, 3, 4, 4, 5];
const E = [1, 1, 0, 1, 1, 1, 0];

describe('Kaplan–Meier', () => {
  it('matches the hand computation, with events before censorings at tied times', () => {
    const km = kaplanMeier(T, E);
    expect(Array.from(km.times)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(km.atRisk)).toEqual([7, 6, 4, 3, 1]);
    expect(Array.from(km.events)).toEqual([1, 1, 1, 2, 0]);
    expect(Array.from(km.censored)).toEqual([0, 1, 0, 0, 1]);
    // S: 6/7; 6/7·5/6 = 5/7; 5/7·3/4 = 15/28; 15/28·1/3 = 5/28; unchanged at the censoring at 5.
    const expected = [6 / 7, 5 / 7, 15 / 28, 5 / 28, 5 / 28];
    km.survival.forEach((s, j) => expect(s).toBeCloseTo(expected[j] as number, 12));
  });

  it('Greenwood variance and log-log interval by hand at t = 3', () => {
    const km = kaplanMeier(T, E);
    // Σ d/(n(n−d)) = 1/(7·6) + 1/(6·5) + 1/(4·3) = 0.1404762; Var = (15/28)² · 0.1404762 = 0.0403152
    expect(km.variance[2]).toBeCloseTo(0.0403152, 6);
    // se(ln −ln S) = √0.1404762 / |ln(15/28)| = 0.374802 / 0.624154 = 0.600495
    // lower = S^exp(1.95996·0.600495) = 0.131988; upper = S^exp(−1.95996·0.600495) = 0.824997
    expect(km.lower[2]).toBeCloseTo(0.131988, 5);
    expect(km.upper[2]).toBeCloseTo(0.824997, 5);
    // At t = 1: S = 6/7, Σ = 1/42 → (0.334054, 0.978561)
    expect(km.lower[0]).toBeCloseTo(0.334054, 5);
    expect(km.upper[0]).toBeCloseTo(0.978561, 5);
  });

  it('handles the curve reaching zero and reading values off the steps', () => {
    const km = kaplanMeier([1, 2, 2], [1, 1, 1]);
    expect(km.survival[0]).toBeCloseTo(2 / 3, 12);
    expect(km.survival[1]).toBe(0);
    expect([km.lower[1], km.upper[1], km.variance[1]]).toEqual([0, 0, 0]);
    const km2 = kaplanMeier(T, E);
    expect(survivalAt(km2, 0.5)).toBe(1);
    expect(survivalAt(km2, 3.5)).toBeCloseTo(15 / 28, 12);
    expect(medianSurvival(km2)).toBe(4);
    expect(medianSurvival(kaplanMeier([1, 2], [0, 0]))).toBeNull();
  });

  it('splits by group', () => {
    const byGroup = kaplanMeierByGroup([1, 2, 3, 1, 5], [1, 0, 1, 0, 1], ['a', 'a', 'a', 'b', 'b']);
    expect(byGroup.map((g) => g.group)).toEqual(['a', 'b']);
    // a: t1 n3 d1 → 2/3; t2 censored; t3 n1 d1 → 0
    expect(Array.from(byGroup[0]?.curve.survival ?? [], (v) => Number(v.toFixed(12)))).toEqual([0.666666666667, 0.666666666667, 0]);
    // b: censored at 1, event at 5 with n = 1 → 0
    expect(Array.from(byGroup[1]?.curve.survival ?? [])).toEqual([1, 0]);
  });

  it('normal quantiles', () => {
    expect(zForLevel(0.95)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.1)).toBeCloseTo(-1.281552, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 6);
  });
});

describe('cumulative incidence (Aalen–Johansen)', () => {
  // Six customers: price at 1, quality and price at 2, still a customer at 3, price at 4, quality at 5.
  const times = [1, 2, 2, 3, 4, 5];
  const causes = ['price', 'quality', 'price', null, 'price', 'quality'];

  it('matches the hand computation', () => {
    const cif = cumulativeIncidence(times, causes);
    expect(cif.causes).toEqual(['price', 'quality']);
    // t1: n6, S−=1 → price 1/6, S=5/6. t2: n5 → price += 5/6·1/5 = 1/6 (1/3), quality 1/6, S = 1/2.
    // t3: censoring only. t4: n2 → price += 1/2·1/2 = 1/4 (7/12), S = 1/4. t5: n1 → quality += 1/4 (5/12), S = 0.
    const price = [1 / 6, 1 / 3, 1 / 3, 7 / 12, 7 / 12];
    const quality = [0, 1 / 6, 1 / 6, 1 / 6, 5 / 12];
    cif.incidence.price?.forEach((v, j) => expect(v).toBeCloseTo(price[j] as number, 12));
    cif.incidence.quality?.forEach((v, j) => expect(v).toBeCloseTo(quality[j] as number, 12));
    // Σ CIF + S = 1 everywhere
    cif.times.forEach((_, j) => {
      expect((cif.incidence.price?.[j] as number) + (cif.incidence.quality?.[j] as number) + (cif.survival[j] as number)).toBeCloseTo(1, 12);
    });
  });

  it('splits by group', () => {
    const byGroup = cumulativeIncidenceByGroup([1, 2, 3, 1], ['price', null, 'quality', 'price'], ['甘肃', '甘肃', '甘肃', '四川']);
    expect(byGroup.map((g) => g.group)).toEqual(['甘肃', '四川']);
    // 甘肃: t1 n3 price 1/3; t2 censored; t3 n1 quality += 2/3 · 1 = 2/3.
    expect(byGroup[0]?.incidence.incidence.quality?.[2]).toBeCloseTo(2 / 3, 12);
    expect(byGroup[1]?.incidence.incidence.price?.[0]).toBe(1);
  });

  it('is below the naive 1 − KM that censors the other causes', () => {
    // Naive for price: 1 − (5/6 · 4/5 · 1/2) = 2/3 at t = 4, but the CIF is 7/12.
    const naive = kaplanMeier(times, causes.map((c) => (c === 'price' ? 1 : 0)));
    expect(1 - (naive.survival[3] as number)).toBeCloseTo(2 / 3, 12);
    expect(cumulativeIncidence(times, causes).incidence.price?.[3]).toBeCloseTo(7 / 12, 12);
  });
});

describe('against a direct reference on random data with many ties', () => {
  let s = 99;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const n = 2000;
  const durations = Array.from({ length: n }, () => Math.floor(next() * 30));
  const reasons = ['price', 'quality', 'incidental', 'involuntary'];
  const causes = durations.map(() => (next() < 0.4 ? null : (reasons[Math.floor(next() * 4)] as string)));
  const events = causes.map((c) => (c === null ? 0 : 1));

  it('Kaplan–Meier equals Π (1 − d/n) over distinct times', () => {
    const km = kaplanMeier(durations, events);
    const times = [...new Set(durations)].sort((a, b) => a - b);
    let surv = 1;
    times.forEach((t, j) => {
      const atRisk = durations.filter((d) => d >= t).length;
      const d = durations.filter((x, i) => x === t && events[i] === 1).length;
      surv *= 1 - d / atRisk;
      expect(km.atRisk[j]).toBe(atRisk);
      expect(km.survival[j]).toBeCloseTo(surv, 12);
    });
  });

  it('cumulative incidences and survival add up to 1, and the all-cause survival is the KM', () => {
    const cif = cumulativeIncidence(durations, causes);
    const km = kaplanMeier(durations, events);
    cif.times.forEach((_, j) => {
      const sum = cif.causes.reduce((acc, c) => acc + (cif.incidence[c]?.[j] as number), 0);
      expect(sum + (cif.survival[j] as number)).toBeCloseTo(1, 12);
      expect(cif.survival[j]).toBeCloseTo(km.survival[j] as number, 12);
    });
  });
});
