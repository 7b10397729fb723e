import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMonth, parseMonth } from '../../domain/month.ts';
import { seeded } from '../../domain/test-random.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { addBills, addCustomers, addExits, memoryStore, monthlyBills, type CustomerSpec } from '../lifecycle/test-store.ts';
import { tenureCounts } from './cohorts.ts';
import { retentionCurves } from './retention.ts';

/**
 * End to end through the store: an operator whose true survival by tenure is known. Monthly
 * churn hazard h(t) for month t of tenure (the join month is month 1). Accounts joined up to
 * 120 months before a 24-month data window (2024-01..2025-12) and during it; the export holds
 * every account, including those that left before the window. The curves must match the true
 * S(t) = Π (1 − h(u)) within sampling error up to 120 months, five times the window. (The
 * exact entry convention, F − join month, is pinned by the hand-made store in
 * retention.test.ts: an entry one month off fails there; here its bias is about 2 standard
 * errors at 120 months. Counting the old base from its join fails here by far.)
 */
const FIRST = parseMonth('2024-01');
const LAST = parseMonth('2025-12');
const BACK = 120;
const hazard = (t: number) => 0.01 + 0.05 * Math.exp(-(t - 1) / 4) + (t % 12 === 0 ? 0.03 : 0);
const MAX_T = BACK + LAST - FIRST + 1;
const trueS = new Float64Array(MAX_T + 1);
trueS[0] = 1;
for (let t = 1; t <= MAX_T; t++) trueS[t] = (trueS[t - 1] as number) * (1 - hazard(t));

let store: AnalyticsStore;
let inData = 0;
let leftBefore = 0;
beforeAll(async () => {
  store = await memoryStore();
  const rnd = seeded(424242);
  const customers: CustomerSpec[] = [];
  const exits: [string, string, 'voluntary' | 'involuntary', string][] = [];
  const day = () => String(1 + Math.floor(rnd() * 28)).padStart(2, '0');
  const add = (id: string, jm: number) => {
    const u = rnd();
    let t = 1;
    while (t <= MAX_T && u < (trueS[t] as number)) t++; // T > t ⇔ U < S(t)
    customers.push({ id, joined: `${formatMonth(jm)}-${day()}` });
    const cm = jm + t - 1; // the month of tenure t
    if (cm <= LAST + 6) exits.push([id, `${formatMonth(cm)}-${day()}`, t % 3 === 0 ? 'involuntary' : 'voluntary', t % 3 === 0 ? '335' : '101']);
    if (cm < FIRST) leftBefore++;
    else inData++;
  };
  for (let i = 0; i < 14_000; i++) add(`o${i}`, FIRST - 1 - Math.floor(rnd() * BACK));
  for (let i = 0; i < 3_000; i++) add(`n${i}`, FIRST + Math.floor(rnd() * (LAST - FIRST + 1)));
  await addCustomers(store, customers);
  for (let i = 0; i < exits.length; i += 2000) await addExits(store, exits.slice(i, i + 2000));
  // Bills set the data's span.
  await addBills(store, monthlyBills('o0', formatMonth(FIRST), formatMonth(LAST), 10));
}, 60_000);
afterAll(async () => store.close());

describe('survival curves on a store whose true survival is known', () => {
  it('enter every account on the books when the data starts, and none that left before', async () => {
    const c = await retentionCurves(store, 'all');
    expect(leftBefore).toBeGreaterThan(1000);
    expect(c.accounts).toBe(inData);
    expect(c.joined_in_window).toBe(3000);
    expect(c.left_truncated).toBe(inData - 3000);
  });

  it('match the true survival within sampling error at tenures far beyond the window', async () => {
    const curve = (await retentionCurves(store, 'all')).groups[0]?.curve ?? [];
    expect(curve.length).toBe(MAX_T);
    for (const t of [1, 2, 3, 6, 12, 13, 24, 36, 48, 60, 72, 96, 120]) {
      const row = curve[t - 1];
      const se = ((row?.upper ?? 0) - (row?.lower ?? 0)) / (2 * 1.96);
      const truth = trueS[t] as number;
      expect(Math.abs((row?.survival ?? 0) - truth), `S(${t}) = ${row?.survival} vs ${truth} (se ${se})`).toBeLessThan(3.5 * se + 1e-6);
      expect(se).toBeLessThan(0.02);
    }
  });

  it('the joiners alone reach only the window\'s 24 months', async () => {
    const joiners = await tenureCounts(store, 'all', 'joiners');
    expect(Math.max(...joiners.rows.map((r) => r.t))).toBeLessThanOrEqual(24);
    expect(joiners.rows.reduce((n, r) => n + r.n, 0)).toBe(3000);
  });
});
