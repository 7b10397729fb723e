import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { addBills, addCustomers, addExits, memoryStore, monthlyBills } from '../lifecycle/test-store.ts';
import { aliveCounts, tenureCounts } from './cohorts.ts';
import { fitCohortsFromStore, fitJoinMonthSbg, retentionCurves } from './retention.ts';

/**
 * Data 2024-01..2024-04. Cohort 2024-01: x1 leaves in its join month (price), x2 in its 3rd
 * month (quality), x3 after the data (censored), x4 stays. Cohort 2024-02: y1 leaves in its
 * join month (involuntary), y2 stays. Joined before the data (not in the sBG cohorts; in the
 * curves at their tenure when the data starts): o1 (2023-05, entry 8, leaves 2024-02 = month
 * 10, price), o2 (2023-06, a business, entry 7, still a customer at month 11), o4 (2023-12,
 * entry 1, leaves 2024-01 = month 2, price). o3 left before the data: in neither.
 */
let store: AnalyticsStore;
beforeAll(async () => {
  store = await memoryStore();
  await addCustomers(store, [
    { id: 'x1', joined: '2024-01-10' },
    { id: 'x2', joined: '2024-01-11' },
    { id: 'x3', joined: '2024-01-12' },
    { id: 'x4', joined: '2024-01-13' },
    { id: 'y1', joined: '2024-02-01' },
    { id: 'y2', joined: '2024-02-02' },
    { id: 'o1', joined: '2023-05-01' },
    { id: 'o2', joined: '2023-06-15', type: 'business' },
    { id: 'o3', joined: '2023-03-10' },
    { id: 'o4', joined: '2023-12-05' },
  ]);
  await addExits(store, [
    ['x1', '2024-01-20', 'voluntary', '101'],
    ['x2', '2024-03-05', 'voluntary', '205'],
    ['x3', '2024-06-01', 'voluntary', '101'],
    ['y1', '2024-02-28', 'involuntary', '335'],
    ['o1', '2024-02-01', 'voluntary', '101'],
    ['o3', '2023-11-20', 'voluntary', '101'],
    ['o4', '2024-01-15', 'voluntary', '101'],
  ]);
  await addBills(store, [...monthlyBills('x4', '2024-01', '2024-04', 10), ...monthlyBills('o1', '2024-01', '2024-01', 10)]);
});
afterAll(async () => store.close());

describe('retention cohorts from the store', () => {
  it('counts each join-month cohort alive after every observed month (the sBG input)', async () => {
    const counts = await tenureCounts(store, 'join_month');
    expect(Object.fromEntries(aliveCounts(counts.rows))).toEqual({ '2024-01': [4, 3, 3, 2, 2], '2024-02': [2, 1, 1, 1] });
    const fit = await fitCohortsFromStore(store, 'join-month');
    expect(fit.cohorts.map((c) => [c.cohort, c.size, c.observed_periods])).toEqual([
      ['2024-01', 4, 4],
      ['2024-02', 2, 3],
    ]);
    expect(fit.fit.alpha).toBeGreaterThan(0);
    expect(fit.pooledCounts[0]).toBe(6);
    // Customer value's lifetimes use the same pooled fit, computed alone.
    expect(await fitJoinMonthSbg(store)).toEqual(fit.fit);
  });

  it('gives Kaplan–Meier survival and cumulative incidence by reason group over the whole base, the opening base entering late', async () => {
    const c = await retentionCurves(store, 'all');
    expect([c.accounts, c.joined_in_window, c.left_truncated]).toEqual([9, 6, 3]);
    const all = c.groups[0];
    expect([all?.customers, all?.joined_in_window, all?.left_truncated, all?.churned, all?.conditional_on_tenure]).toEqual([9, 6, 3, 5, null]);
    // At risk in month t: entry < t ≤ exit. o4 from month 2, o2 from 8, o1 from 9; nobody in 5..7.
    expect(all?.curve.map((r) => r.at_risk)).toEqual([6, 5, 4, 2, 0, 0, 0, 1, 2, 2, 1]);
    // S(1) = 4/6; month 2: o4 leaves of 5 → 8/15; month 3: x2 of 4 → 2/5; month 10: o1 of 2 → 1/5.
    const s = [2 / 3, 8 / 15, 2 / 5, 2 / 5, 2 / 5, 2 / 5, 2 / 5, 2 / 5, 2 / 5, 1 / 5, 1 / 5];
    all?.curve.forEach((r, t) => expect(r.survival).toBeCloseTo(s[t] as number, 6));
    expect(all?.median_months).toBe(3);
    expect(c.causes).toEqual(['involuntary', 'price', 'quality']);
    // Aalen–Johansen: month 1 price 1/6, involuntary 1/6; month 2 price += 2/3 · 1/5 → 3/10;
    // month 3 quality 8/15 · 1/4 = 2/15; month 10 price += 2/5 · 1/2 → 1/2.
    const m3 = c.incidence[2];
    expect(m3?.at_risk).toBe(4);
    expect(m3?.causes.price).toBeCloseTo(3 / 10, 6);
    expect(m3?.causes.involuntary).toBeCloseTo(1 / 6, 6);
    expect(m3?.causes.quality).toBeCloseTo(2 / 15, 6);
    expect(m3?.survival).toBeCloseTo(2 / 5, 6);
    const m10 = c.incidence[9];
    expect(m10?.causes.price).toBeCloseTo(1 / 2, 6);
    expect((m10?.causes.price ?? 0) + (m10?.causes.involuntary ?? 0) + (m10?.causes.quality ?? 0) + (m10?.survival ?? 0)).toBeCloseTo(1, 5); // rounded to 6 places per cause
    expect(c.exits_by_cause.map((e) => [e.cause, e.exits])).toEqual([
      ['price', 3],
      ['involuntary', 1],
      ['quality', 1],
    ]);
    expect(c.exits_by_cause[0]?.incidence_at_12).toBeNull(); // the curves end at month 11
  });

  it('says when a group is observed only from a later tenure (its curve is conditional on reaching it)', async () => {
    const c = await retentionCurves(store, 'customer_type');
    const business = c.groups.find((g) => g.group === 'business');
    expect([business?.customers, business?.left_truncated, business?.conditional_on_tenure]).toEqual([1, 1, 7]);
    expect(business?.curve.map((r) => r.at_risk)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(c.groups.find((g) => g.group === 'individual')?.conditional_on_tenure).toBeNull();
  });
});
