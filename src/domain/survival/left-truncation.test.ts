import { describe, expect, it } from 'vitest';
import { seeded } from '../test-random.ts';
import { cumulativeIncidence, cumulativeIncidenceByGroup } from './cumulative-incidence.ts';
import { kaplanMeier, kaplanMeierByGroup, survivalAt } from './kaplan-meier.ts';

/**
 * Delayed entry (left truncation): a row is at risk over (entry, exit], R's
 * `Surv(start, stop, event)` convention.
 *
 * Known answer: the `test2` data set of R's survival package (Therneau), tests/survtest.R,
 * `fit3 <- survfit(Surv(start, stop, event) ~ 1, test2)`, which asserts
 *   n.risk  at times 1..9, 14, 17 = 0 2 3 3 4 5 4 4 5 2 1
 *   surv at the event times       = .5, 1/3, 4/15, 1/5, 3/20, 9/100.
 * Reproduced by hand (n = #{start < t ≤ stop}):
 *   t=2: (1,2] (1,8]                         n=2 d=1 → S = 1/2
 *   t=3: (2,3] (2,7] (1,8]                   n=3 d=1 → S = 1/3
 *   t=6: (5,6] (2,7] (1,8] (3,9] (4,9]       n=5 d=1 → S = 4/15
 *   t=7: (2,7] (1,8] (3,9] (4,9]             n=4 d=1 → S = 1/5
 *   t=8: (1,8] (7,9] (3,9] (4,9]             n=4 d=1 → S = 3/20
 *   t=9: (7,9] (3,9] (4,9] (8,14] (8,17]     n=5 d=2 → S = 9/100
 *   t=14: n=2 censored; t=17: n=1 censored.
 */
const START = [1, 2, 5, 2, 1, 7, 3, 4, 8, 8];
const STOP = [2, 3, 6, 7, 8, 9, 9, 9, 14, 17];
const EVENT = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0];

describe('Kaplan–Meier with delayed entry', () => {
  it('matches R survival::survfit(Surv(start, stop, event) ~ 1, test2)', () => {
    const km = kaplanMeier(STOP, EVENT, { entries: START });
    expect(Array.from(km.times)).toEqual([2, 3, 6, 7, 8, 9, 14, 17]);
    // survfit's n.risk at these times (it also lists the entry-only times 1, 4, 5).
    expect(Array.from(km.atRisk)).toEqual([2, 3, 5, 4, 4, 5, 2, 1]);
    expect(Array.from(km.events)).toEqual([1, 1, 1, 1, 1, 2, 0, 0]);
    const expected = [0.5, 1 / 3, 4 / 15, 1 / 5, 3 / 20, 9 / 100, 9 / 100, 9 / 100];
    km.survival.forEach((s, j) => expect(s).toBeCloseTo(expected[j] as number, 12));
    expect(km.size).toBe(10);
    // Greenwood at t = 6: Σ d/(n(n−d)) = 1/(2·1) + 1/(3·2) + 1/(5·4) = 43/60; Var = (4/15)² · 43/60.
    // (survfit's std.err is the se of the cumulative hazard, √(43/60) = 0.846562.)
    expect(km.variance[2]).toBeCloseTo((4 / 15) ** 2 * (43 / 60), 12);
    expect(survivalAt(km, 5)).toBeCloseTo(1 / 3, 12);
    expect(survivalAt(km, 100)).toBeCloseTo(0.09, 12);
  });

  it('ignoring the entries (everyone at risk from the start) gives a different, wrong curve', () => {
    const naive = kaplanMeier(STOP, EVENT);
    // t=2: all 10 at risk → S = 0.9, not 0.5.
    expect(naive.survival[0]).toBeCloseTo(0.9, 12);
  });

  it('is the plain Kaplan–Meier when every entry precedes every time', () => {
    const t = [1, 2, 2, 3, 4, 4, 5];
    const e = [1, 1, 0, 1, 1, 1, 0];
    const plain = kaplanMeier(t, e);
    const delayed = kaplanMeier(t, e, { entries: t.map(() => 0) });
    expect(Array.from(delayed.atRisk)).toEqual(Array.from(plain.atRisk));
    expect(Array.from(delayed.survival)).toEqual(Array.from(plain.survival));
    expect(Array.from(delayed.lower)).toEqual(Array.from(plain.lower));
  });

  it('refuses an entry at or after the exit, and a negative entry', () => {
    expect(() => kaplanMeier([3, 4], [1, 0], { entries: [3, 0] })).toThrow(/entry 0 \(3\) must be before its exit \(3\)/);
    expect(() => kaplanMeier([3, 4], [1, 0], { entries: [0, -1] })).toThrow(/non-negative/);
    expect(() => kaplanMeier([3, 4], [1, 0], { entries: [0] })).toThrow(/same length/);
  });

  it('splits by group with each group\'s own entries', () => {
    const groups = START.map((_, i) => (i < 5 ? 'a' : 'b'));
    const byGroup = kaplanMeierByGroup(STOP, EVENT, groups, 0.95, START);
    const a = byGroup.find((g) => g.group === 'a')?.curve;
    // a: (1,2]e (2,3]e (5,6]e (2,7]e (1,8]e: t2 n2 → 1/2; t3 n3 → 1/3; t6 n3 → 2/9; t7 n2 → 1/9; t8 n1 → 0.
    expect(Array.from(a?.atRisk ?? [])).toEqual([2, 3, 3, 2, 1]);
    expect(Array.from(a?.survival ?? [], (v) => Number(v.toFixed(12)))).toEqual([0.5, 0.333333333333, 0.222222222222, 0.111111111111, 0]);
  });

  it('equals Π (1 − d/n) with n = #{entry < t ≤ exit} on random data with many ties', () => {
    const rnd = seeded(11);
    const n = 3000;
    const entries = Array.from({ length: n }, () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 40)));
    const exits = entries.map((a) => a + 1 + Math.floor(rnd() * 30));
    const events = exits.map(() => (rnd() < 0.6 ? 1 : 0));
    const km = kaplanMeier(exits, events, { entries });
    const times = [...new Set(exits)].sort((x, y) => x - y);
    let s = 1;
    times.forEach((t, j) => {
      let atRisk = 0;
      let d = 0;
      for (let i = 0; i < n; i++) {
        if ((entries[i] as number) < t && (exits[i] as number) >= t) atRisk++;
        if (exits[i] === t && events[i] === 1) d++;
      }
      s *= 1 - d / atRisk;
      expect(km.times[j]).toBe(t);
      expect(km.atRisk[j]).toBe(atRisk);
      expect(km.survival[j]).toBeCloseTo(s, 12);
    });
  });
});

describe('cumulative incidence (Aalen–Johansen) with delayed entry', () => {
  // test2 with a cause per event; censored rows have none.
  const CAUSES = ['a', 'b', 'a', 'a', 'b', 'a', 'b', null, null, null];

  it('matches the hand computation', () => {
    const cif = cumulativeIncidence(STOP, CAUSES, START);
    // t=2: n2, S− = 1, d_a = 1 → CIF_a = 1/2, S = 1/2.
    // t=3: n3, d_b = 1 → CIF_b = 1/2 · 1/3 = 1/6, S = 1/3.
    // t=6: n5, d_a = 1 → CIF_a += 1/3 · 1/5 = 1/15 → 17/30, S = 4/15.
    // t=7: n4, d_a = 1 → CIF_a += 4/15 · 1/4 = 1/15 → 19/30, S = 1/5.
    // t=8: n4, d_b = 1 → CIF_b += 1/5 · 1/4 = 1/20 → 13/60, S = 3/20.
    // t=9: n5, d_a = d_b = 1 → each += 3/20 · 1/5 = 3/100: CIF_a = 199/300, CIF_b = 74/300, S = 27/300.
    expect(Array.from(cif.times)).toEqual([2, 3, 6, 7, 8, 9, 14, 17]);
    expect(Array.from(cif.atRisk)).toEqual([2, 3, 5, 4, 4, 5, 2, 1]);
    const a = [1 / 2, 1 / 2, 17 / 30, 19 / 30, 19 / 30, 199 / 300, 199 / 300, 199 / 300];
    const b = [0, 1 / 6, 1 / 6, 1 / 6, 13 / 60, 74 / 300, 74 / 300, 74 / 300];
    cif.incidence.a?.forEach((v, j) => expect(v).toBeCloseTo(a[j] as number, 12));
    cif.incidence.b?.forEach((v, j) => expect(v).toBeCloseTo(b[j] as number, 12));
    // The all-cause survival is the delayed-entry Kaplan–Meier, and Σ CIF + S = 1.
    const km = kaplanMeier(STOP, EVENT, { entries: START });
    cif.times.forEach((_, j) => {
      expect(cif.survival[j]).toBeCloseTo(km.survival[j] as number, 12);
      expect((cif.incidence.a?.[j] as number) + (cif.incidence.b?.[j] as number) + (cif.survival[j] as number)).toBeCloseTo(1, 12);
    });
  });

  it('splits by group with each group\'s own entries', () => {
    const groups = START.map((_, i) => (i < 5 ? 'x' : 'y'));
    const byGroup = cumulativeIncidenceByGroup(STOP, CAUSES, groups, START);
    const y = byGroup.find((g) => g.group === 'y')?.incidence;
    // y: (7,9]a (3,9]b (4,9]c (8,14]c (8,17]c: t9 n5 → a 1/5, b 1/5, S 3/5.
    expect(y?.incidence.a?.[0]).toBeCloseTo(0.2, 12);
    expect(y?.incidence.b?.[0]).toBeCloseTo(0.2, 12);
    expect(y?.survival[0]).toBeCloseTo(0.6, 12);
  });

  it('refuses an entry at or after the exit', () => {
    expect(() => cumulativeIncidence([2, 5], ['a', null], [2, 0])).toThrow(/before its exit/);
  });
});

/**
 * A base whose true survival is known: monthly churn hazards by tenure for two causes (an
 * early-tenure hazard falling off, contract expiries every 24 months, a floor). Accounts
 * joined up to 180 months before a 24-month data window; those still customers when the
 * window opens enter at their tenure then, joiners at 0, and everyone is followed to the
 * window's end. Tenure t counts months as the retention code does (T = t: left in month t).
 */
describe('simulation: left-truncated curves recover the true survival far beyond the window', () => {
  const WINDOW = 24;
  const MAX_TENURE = 180 + WINDOW;
  const hazA = (t: number) => 0.006 + 0.03 * Math.exp(-(t - 1) / 6) + (t % 24 === 0 ? 0.04 : 0);
  const hazB = (t: number) => 0.004 + (t <= 12 ? 0.01 : 0);
  const trueS = new Float64Array(MAX_TENURE + 1);
  const trueCif = { a: new Float64Array(MAX_TENURE + 1), b: new Float64Array(MAX_TENURE + 1) };
  trueS[0] = 1;
  for (let t = 1; t <= MAX_TENURE; t++) {
    const prev = trueS[t - 1] as number;
    trueCif.a[t] = (trueCif.a[t - 1] as number) + prev * hazA(t);
    trueCif.b[t] = (trueCif.b[t - 1] as number) + prev * hazB(t);
    trueS[t] = prev * (1 - hazA(t) - hazB(t));
  }

  const rnd = seeded(20261207);
  const entries: number[] = [];
  const exits: number[] = [];
  const events: number[] = [];
  const causes: (string | null)[] = [];
  const lifetime = (): { t: number; cause: string } => {
    const u = rnd();
    let t = 1;
    while (t <= MAX_TENURE && u < (trueS[t] as number)) t++; // T > t ⇔ U < S(t)
    const cause = rnd() * (hazA(t) + hazB(t)) < hazA(t) ? 'a' : 'b';
    return { t, cause };
  };
  const observe = (entry: number, horizon: number) => {
    const { t, cause } = lifetime();
    if (t <= entry) return; // left before the window: not in the data
    entries.push(entry);
    if (t <= horizon) {
      exits.push(t);
      events.push(1);
      causes.push(cause);
    } else {
      exits.push(horizon);
      events.push(0);
      causes.push(null);
    }
  };
  // Old base: joined 1..180 months before the window (uniformly), in the data if still a customer.
  for (let i = 0; i < 60_000; i++) {
    const a = 1 + Math.floor(rnd() * 180);
    observe(a, a + WINDOW);
  }
  // Joiners: join month j = 0..23 of the window, followed for WINDOW − j months.
  const joiners: number[] = [];
  for (let i = 0; i < 6_000; i++) {
    const j = Math.floor(rnd() * WINDOW);
    joiners.push(entries.length);
    observe(0, WINDOW - j);
  }
  const checkpoints = [1, 3, 6, 12, 24, 25, 36, 48, 49, 60, 96, 120, 150, 180];

  it('Kaplan–Meier with delayed entry: within sampling error of the truth at every checkpoint up to 180 months', () => {
    const km = kaplanMeier(exits, events, { entries });
    expect(km.size).toBeGreaterThan(20_000);
    for (const t of checkpoints) {
      const j = lastIndexAtOrBefore(km.times, t);
      const est = km.survival[j] as number;
      const se = Math.sqrt(km.variance[j] as number);
      const truth = trueS[t] as number;
      expect(Math.abs(est - truth), `t=${t}: ${est} vs ${truth} (se ${se})`).toBeLessThan(3.5 * se);
      expect(se).toBeLessThan(0.02);
    }
  });

  it('the joiners-only curve stops at the window length; counting the old base from its join is biased', () => {
    const km = kaplanMeier(exits, events, { subset: joiners });
    expect(Math.max(...km.times)).toBeLessThanOrEqual(WINDOW);
    // Its own tenures agree with the truth (no bias, only less data).
    const j12 = lastIndexAtOrBefore(km.times, 12);
    expect(Math.abs((km.survival[j12] as number) - (trueS[12] as number))).toBeLessThan(3.5 * Math.sqrt(km.variance[j12] as number));
    // Ignoring the entries makes survivors look as if they were followed from their join.
    const naive = kaplanMeier(exits, events);
    const j60 = lastIndexAtOrBefore(naive.times, 60);
    const se = Math.sqrt(naive.variance[j60] as number);
    expect((naive.survival[j60] as number) - (trueS[60] as number)).toBeGreaterThan(10 * se);
  });

  it('Aalen–Johansen with delayed entry recovers both causes\' true cumulative incidence', () => {
    const cif = cumulativeIncidence(exits, causes, entries);
    const naive = cumulativeIncidence(exits, causes);
    for (const t of checkpoints) {
      const j = lastIndexAtOrBefore(cif.times, t);
      for (const c of ['a', 'b'] as const) {
        const est = cif.incidence[c]?.[j] as number;
        expect(Math.abs(est - (trueCif[c][t] as number)), `${c} at ${t}`).toBeLessThan(0.02);
      }
    }
    const j120 = lastIndexAtOrBefore(naive.times, 120);
    expect((trueCif.a[120] as number) - (naive.incidence.a?.[j120] as number)).toBeGreaterThan(0.1);
  });
});

function lastIndexAtOrBefore(times: Float64Array, t: number): number {
  let j = -1;
  for (let k = 0; k < times.length && (times[k] as number) <= t; k++) j = k;
  if (j < 0) throw new Error(`no time at or before ${t}`);
  return j;
}
