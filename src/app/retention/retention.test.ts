import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { addBills, addCustomers, addExits, memoryStore, monthlyBills } from '../lifecycle/test-store.ts';
import { aliveCounts, tenureCounts } from './cohorts.ts';
import { fitCohortsFromStore, fitJoinMonthSbg, retentionCurves } from './retention.ts';

/**
 * Data 2024-01..2024-04. Cohort 2024-01: x1 leaves in its join month (price), x2 in its 3rd
 * month (quality), x3 after the data (censored), x4 stays. Cohort 2024-02: y1 leaves in its
 * join month (involuntary), y2 stays. o1 joined before the data: left out (left truncation).
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
  ]);
  await addExits(store, [
    ['x1', '2024-01-20', 'voluntary', '101'],
    ['x2', '2024-03-05', 'voluntary', '205'],
    ['x3', '2024-06-01', 'voluntary', '101'],
    ['y1', '2024-02-28', 'involuntary', '335'],
    ['o1', '2024-02-01', 'voluntary', '101'],
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

  it('gives Kaplan–Meier survival and cumulative incidence by reason group', async () => {
    const c = await retentionCurves(store, 'all');
    const all = c.groups[0];
    expect(all?.customers).toBe(6);
    expect(all?.churned).toBe(3);
    // S(1) = 1 − 2/6; at month 3, 4 at risk (x2, x3, x4, y2) and one exit: S(3) = 2/3 · 3/4.
    expect(all?.curve[0]?.survival).toBeCloseTo(2 / 3, 6);
    expect(all?.curve[2]?.survival).toBeCloseTo(0.5, 6);
    expect(c.causes).toEqual(['involuntary', 'price', 'quality']);
    const m3 = c.incidence[2];
    expect(m3?.causes.price).toBeCloseTo(1 / 6, 6);
    expect(m3?.causes.involuntary).toBeCloseTo(1 / 6, 6);
    expect(m3?.causes.quality).toBeCloseTo((2 / 3) * (1 / 4), 6);
    expect((m3?.causes.price ?? 0) + (m3?.causes.involuntary ?? 0) + (m3?.causes.quality ?? 0) + (m3?.survival ?? 0)).toBeCloseTo(1, 5); // rounded to 6 places per cause
  });
});
