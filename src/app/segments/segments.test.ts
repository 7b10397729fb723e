import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { addBills, addCustomers, addExits, addSubscriptions, memoryStore, monthlyBills } from '../lifecycle/test-store.ts';
import { MONEY_UNITS } from '../lifecycle/stages-sql.ts';
import { MASK_BITS, segmentReport, segmentsSql, segmentTotals } from './segments.ts';
import { DUCKDB_DIALECT } from '../../store/dialect.ts';

/**
 * June 2024 (the same bills in May, so the value at the start of June ranks them):
 *  s1 tv_basic only, leaves 2024-06-20     → basic (and its churn)
 *  s2 tv_basic + tv_hd                      → new-video
 *  s3 broadband, 200,000 MB                 → netizen
 *  s4 tv_basic + broadband, 5,000 MB        → full-service
 *  s5 bundle                                → bundle (the data does not say what it contains)
 *  s6 voice, 2 VOD orders                   → mobile-voice (VOD orders alone are no TV)
 *  s7 tv_basic ended and left in May        → not in June's opening base
 */
let store: AnalyticsStore;
beforeAll(async () => {
  store = await memoryStore();
  const ids = ['s1', 's2', 's3', 's4', 's5', 's6', 's7'];
  await addCustomers(store, ids.map((id) => ({ id, joined: '2023-01-01' })));
  await addExits(store, [
    ['s1', '2024-06-20', 'voluntary', '101'],
    ['s7', '2024-05-10', 'voluntary', '101'],
  ]);
  await addSubscriptions(store, [
    ['s1', 'tv_basic', '2023-01-01', '2024-06-20', 26],
    ['s2', 'tv_basic', '2023-01-01', null, 26],
    ['s2', 'tv_hd', '2023-06-01', null, 10],
    ['s3', 'broadband', '2023-01-01', null, 50],
    ['s4', 'tv_basic', '2023-01-01', null, 26],
    ['s4', 'broadband', '2023-01-01', null, 50],
    ['s5', 'bundle', '2023-01-01', null, 128],
    ['s6', 'voice', '2023-01-01', null, 39],
    ['s7', 'tv_basic', '2023-01-01', '2024-05-10', 26],
  ]);
  await addBills(store, [
    ...['2024-05', '2024-06'].flatMap((month) => [
      { customer: 's1', month, revenue: 26 },
      { customer: 's2', month, revenue: 36 },
      { customer: 's3', month, revenue: 50, dataMb: 200000 },
      { customer: 's4', month, revenue: 76, dataMb: 5000 },
      { customer: 's5', month, revenue: 128 },
      { customer: 's6', month, revenue: 59, vodOrders: 2 },
    ]),
    { customer: 's7', month: '2024-05', revenue: 26 },
  ]);
});
afterAll(async () => store.close());

describe('segment presets in SQL', () => {
  it('place crafted customers in the profile presets with size, ARPU and churn rate', async () => {
    const r = await segmentReport(store, { asOf: '2024-06', months: 1 });
    const june = Object.fromEntries(r.months.map((m) => [m.segment, m]));
    expect(june.all?.size).toBe(6);
    expect(r.profiles).toEqual(['cable', 'mobile']);
    expect(june.basic).toMatchObject({ size: 1, churned: 1, churn_rate: 1, arpu: 26 });
    expect(june['new-video']).toMatchObject({ size: 1, churned: 0, arpu: 36 });
    expect(june.netizen?.size).toBe(1);
    expect(june['full-service']).toMatchObject({ size: 1, arpu: 76 });
    expect(june.bundle?.size).toBe(1);
    expect(june['mobile-voice']?.size).toBe(1);
    expect(june.other?.size).toBe(0);
    // Both partitions add up to the base.
    for (const part of r.partitions) expect(part.reduce((n, name) => n + (june[name]?.size ?? 0), 0)).toBe(6);
    expect(june['tier:platinum']?.size).toBe(1);
  });

  it("regression 19.6: the base is the month's opening and the churn rate the churn reports' (joiners who leave in the month count as exits, not as base)", async () => {
    await addCustomers(store, [{ id: 'j1', joined: '2024-06-05' }]);
    await addExits(store, [['j1', '2024-06-25', 'voluntary', '101']]);
    try {
      const r = await segmentReport(store, { asOf: '2024-06', months: 1 });
      const all = r.months.find((m) => m.segment === 'all');
      // Opening 6 (s1–s6), exits s1 and j1: 2 / 6, as churn-totals; the pre-churn count would be 7.
      expect(all).toMatchObject({ size: 6, churned: 2, churn_rate: Number((2 / 6).toFixed(6)) });
      expect(r.base).toBe('opening');
      expect(r.definition).toMatch(/voluntary \+ involuntary/);
    } finally {
      await store.run(`DELETE FROM churn_events WHERE customer_id = 'j1'`);
      await store.run(`DELETE FROM customers WHERE customer_id = 'j1'`);
    }
  });

  it('regression 19.7: mobile-only accounts have a preset, bundles count by what else is held, and other closes the partition', async () => {
    const other = await memoryStore();
    try {
      await addCustomers(other, [
        { id: 'm1', joined: '2023-01-01' },
        { id: 'm2', joined: '2023-01-01' },
        { id: 'mb', joined: '2023-01-01' },
        { id: 'bz', joined: '2023-01-01', type: 'business' },
        { id: 'cv', joined: '2023-01-01' },
        { id: 'nothing', joined: '2023-01-01' },
      ]);
      await addSubscriptions(other, [
        ['m1', 'voice', '2023-01-01', null, 39],
        ['m2', 'voice', '2023-01-01', null, 59],
        ['m2', 'mobile_data', '2023-01-01', null, 20],
        ['mb', 'voice', '2023-01-01', null, 39],
        ['mb', 'bundle', '2023-01-01', null, 99],
        ['bz', 'bundle', '2023-01-01', null, 1900],
        ['cv', 'voice', '2023-01-01', null, 39],
        ['cv', 'broadband', '2023-01-01', null, 50],
      ]);
      await addBills(other, ['m1', 'm2', 'mb', 'bz', 'cv', 'nothing'].flatMap((c) => monthlyBills(c, '2024-05', '2024-06', 50)));
      const r = await segmentReport(other, { asOf: '2024-06', months: 1 });
      const size = (name: string) => r.months.find((m) => m.segment === name)?.size;
      expect(r.profiles).toEqual(['business', 'converged', 'mobile']);
      expect([size('mobile-voice'), size('mobile-data'), size('business'), size('converged'), size('other')]).toEqual([2, 1, 1, 1, 1]);
      // A mobile or business bundle is not 全业务 (TV + broadband): nobody here holds TV.
      expect(size('full-service')).toBeUndefined();
      expect(r.partitions[0]?.reduce((n, name) => n + (size(name) ?? 0), 0)).toBe(size('all'));
      // Chosen profiles: the mobile presets only; the rest falls in other.
      const mobile = await segmentReport(other, { asOf: '2024-06', months: 1, profiles: ['mobile'] });
      const m = (name: string) => mobile.months.find((x) => x.segment === name)?.size;
      // cv (voice + broadband) is now mobile-voice; the business account's bundle is a bundle.
      expect([m('mobile-voice'), m('mobile-data'), m('bundle'), m('other')]).toEqual([3, 1, 1, 1]);
    } finally {
      await other.close();
    }
  });

  it('evaluates user definitions, including the lifecycle stage', async () => {
    const r = await segmentReport(store, {
      asOf: '2024-06',
      months: 2,
      definitions: [
        { name: 'leaving', description: '', when: { field: 'stage', op: '=', value: 'E' } },
        { name: 'heavy', description: '', when: { field: 'revenue', op: '>=', value: 76 } },
      ],
    });
    const at = (s: string, m: string) => r.months.find((x) => x.segment === s && x.month === m);
    expect(at('leaving', '2024-06')?.size).toBe(1); // s1 churns in June: E at the end of June
    expect(at('heavy', '2024-06')?.size).toBe(2);
    expect(at('all', '2024-05')?.size).toBe(7);
    expect(r.trends.find((t) => t.segment === 'all')?.size_change).toBe(-1);
  });

  it('regression: revenue adds exactly, so the same bills give the same sums in any row order', async () => {
    // As DOUBLEs, 0.1 + 0.2 + 0.3 is 0.6000000000000001 added in that order and 0.6 in the reverse.
    const other = await memoryStore();
    try {
      await addCustomers(other, ['x1', 'x2', 'x3'].map((id) => ({ id, joined: '2023-01-01' })));
      await addBills(other, [0.1, 0.2, 0.3].map((revenue, i) => ({ customer: `x${i + 1}`, month: '2024-06', revenue })));
      const { sql, params } = segmentsSql(DUCKDB_DIALECT, ['2024-06'], [], '2024-01', false);
      const totals = segmentTotals(await other.query(sql, params), 1, 0);
      expect((totals.units[0]?.[0] ?? 0) / MONEY_UNITS).toBe(0.6);
    } finally {
      await other.close();
    }
  });

  it('counts every segment when there are more than one mask word of them, reading only the fields they use', async () => {
    // 2 × MASK_BITS + 5 thresholds on revenue (three mask words), then segments on margin, voice
    // minutes and a category no preset reads: each size checked against the bills counted here.
    const steps = Array.from({ length: 2 * MASK_BITS + 5 }, (_, i) => i);
    const definitions = [
      ...steps.map((i) => ({ name: `rev${i}`, description: '', when: { field: 'revenue' as const, op: '>=' as const, value: i } })),
      { name: 'margin', description: '', when: { field: 'margin' as const, op: '>' as const, value: 40 } },
      { name: 'talkers', description: '', when: { field: 'voice_minutes' as const, op: '>' as const, value: 100 } },
      { name: 'voice', description: '', when: { holds: 'voice' as const } },
    ];
    const other = await memoryStore();
    try {
      await addCustomers(other, ['a', 'b', 'c'].map((id) => ({ id, joined: '2023-01-01' })));
      await addSubscriptions(other, [['a', 'voice', '2023-01-01', null, 39]]);
      await addBills(other, [
        { customer: 'a', month: '2024-06', revenue: 60, cost: 10, voice: 300 },
        { customer: 'b', month: '2024-06', revenue: 45, cost: 10, voice: 50 },
        { customer: 'c', month: '2024-06', revenue: 200, cost: 190 },
      ]);
      const r = await segmentReport(other, { asOf: '2024-06', months: 1, definitions });
      const size = (name: string) => r.months.find((m) => m.segment === name)?.size;
      for (const i of steps) expect(size(`rev${i}`)).toBe([60, 45, 200].filter((v) => v >= i).length);
      expect(size('margin')).toBe(1); // margins 50, 35, 10
      expect(size('talkers')).toBe(1);
      expect(size('voice')).toBe(1);
      expect(r.months.find((m) => m.segment === 'rev50')?.arpu).toBe(130);
      expect(r.months.find((m) => m.segment === `rev${2 * MASK_BITS + 4}`)).toMatchObject({ size: 1, arpu: 200 });
    } finally {
      await other.close();
    }
  });
});
