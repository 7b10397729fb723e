import { ALL_PERSONAL_DATA } from '../../domain/privacy/masking.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { customer360 } from '../customer/customer360.ts';
import { addBills, addCustomers, addSubscriptions, memoryStore, monthlyBills } from '../lifecycle/test-store.ts';
import { baseSbg, customerValue, DEFAULT_VALUE_PARAMETERS, valueColumns, valueInputsSql } from './customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE, valueAtStakeSql } from './value-snapshot.ts';
import { lifecycleTransitions } from '../lifecycle/transitions.ts';

/**
 * Same province and type (one peer group), same lifetime (no cohort can be fitted: nobody
 * left, so every customer gets the 2 %-a-month fallback; L below). Quarter to 2024-06:
 *   v1 revenue 200 cost 50, voice                 segment individual:mobile
 *   v2 revenue 200 cost 50, voice + broadband     individual:mobile+broadband
 *   v3 revenue  20 cost  5, voice                 individual:mobile
 *   v4 revenue  20 cost  5, voice + broadband     individual:mobile+broadband
 *   v5 revenue   5 cost  5, voice + broadband, joined 2024-05 (new: its value 0 makes referral 0)
 * current value = margin · L: 150L, 150L, 15L, 15L, 0 → median 15L: v1, v2 high.
 * Base margin rate 330/445; broadband held by 3 of 5 peers at fee 50: cross-buy for v1 and v3
 * = 0.6 · 50 · 330/445 = 22.247…·L. Up-buy to the segment's 75th-percentile ARPU
 * (mobile {20, 200} → 155; mobile+broadband {5, 20, 200} → 110) × own margin rate 0.75 × 0.3:
 * v3 (155 − 20)·0.225 = 30.375·L, v4 (110 − 20)·0.225 = 20.25·L, v5 margin rate 0 → 0.
 * potential: v1 22.25L, v2 0, v3 52.62L, v4 20.25L, v5 0 → median 20.25L: v1, v3 high.
 * Quadrants: v1 IV, v2 III, v3 II, v4 and v5 I.
 */
let store: AnalyticsStore;
beforeAll(async () => {
  store = await memoryStore();
  await addCustomers(store, [
    { id: 'v1', joined: '2022-01-01' },
    { id: 'v2', joined: '2022-01-01' },
    { id: 'v3', joined: '2022-01-01' },
    { id: 'v4', joined: '2022-01-01' },
    { id: 'v5', joined: '2024-05-01' },
  ]);
  await addSubscriptions(store, [
    ['v1', 'voice', '2022-01-01', null, 100],
    ['v2', 'voice', '2022-01-01', null, 100],
    ['v2', 'broadband', '2022-01-01', null, 50],
    ['v3', 'voice', '2022-01-01', null, 20],
    ['v4', 'voice', '2022-01-01', null, 20],
    ['v4', 'broadband', '2022-01-01', null, 50],
    ['v5', 'voice', '2024-05-01', null, 5],
    ['v5', 'broadband', '2024-05-01', null, 50],
  ]);
  await addBills(store, [
    ...monthlyBills('v1', '2024-01', '2024-06', 200, { cost: 50 }),
    ...monthlyBills('v2', '2024-01', '2024-06', 200, { cost: 50 }),
    ...monthlyBills('v3', '2024-01', '2024-06', 20, { cost: 5 }),
    ...monthlyBills('v4', '2024-01', '2024-06', 20, { cost: 5 }),
    ...monthlyBills('v5', '2024-05', '2024-06', 5, { cost: 5 }),
  ]);
});
afterAll(async () => store.close());

describe('customer value from the store', () => {
  it('assigns the value-matrix quadrants from current value and growth potential', async () => {
    const r = await customerValue(store, { asOf: '2024-06' });
    expect(r.customers).toBe(5);
    expect(r.quadrants.map((q) => [q.quadrant, q.customers])).toEqual([
      ['I', 2],
      ['II', 1],
      ['III', 1],
      ['IV', 1],
    ]);
    // The mean lifetime L and the totals add per-customer values rounded to millionths (exact
    // sums, the same on every run), so products with L agree to about 1e-5 here, not to the last bit.
    const L = r.lifetime.mean_months;
    expect(r.thresholds.currentValue).toBeCloseTo(15 * L, 4);
    expect(r.thresholds.potential).toBeCloseTo(20.25 * L, 4);
    expect(r.totals.cross_buy).toBeCloseTo(2 * 0.6 * 50 * (330 / 445) * L, 4);
    expect(r.quadrants.find((q) => q.quadrant === 'I')?.budgetShare).toBe(0);
    expect(r.tiers.reduce((n, t) => n + t.customers, 0)).toBe(5);
  });

  it('keeps a snapshot computed in SQL that equals the TypeScript formulas (valueColumns)', async () => {
    const p = DEFAULT_VALUE_PARAMETERS;
    const sbg = await baseSbg(store);
    // One read of the inputs serves both the formulas and the id order: two reads of the same
    // query may return rows in different orders (DuckDB's threads), which paired the wrong rows.
    const cols = await store.queryColumns(valueInputsSql('2024-06', p, true));
    const ts = valueColumns(cols, sbg, p);
    const { key } = await ensureValueSnapshot(store, '2024-06', p, sbg);
    const rows = await store.query<{ current_value: number; potential: number; lifetime: number }>(
      `SELECT current_value, potential, lifetime FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $1 AND as_of = DATE '2024-06-01' ORDER BY customer_id`,
      [key],
    );
    const order = (cols.columns.customer_id as string[]).map((id, i) => [id, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, i]) => i);
    rows.forEach((r, k) => {
      const i = order[k] as number;
      expect(r.current_value).toBeCloseTo(ts.currentValue[i] as number, 6);
      expect(r.potential).toBeCloseTo(ts.potential[i] as number, 6);
      expect(r.lifetime).toBeCloseTo(ts.lifetime[i] as number, 6);
    });
    // The value-at-stake-only SQL (segments' tiers) gives the snapshot's current value exactly.
    const light = await store.query<{ current_value: number }>(`SELECT current_value FROM (${valueAtStakeSql('2024-06', p, sbg)}) ORDER BY customer_id`);
    expect(light.map((x) => x.current_value)).toEqual(rows.map((x) => x.current_value));
  });

  it('shows the same quadrant in the 360 view, with personal data masked', async () => {
    await store.run(`UPDATE customers SET name = '王小明', phone = '13812345678' WHERE customer_id = 'v1'`);
    const v = await customer360(store, { customerId: 'v1', asOf: '2024-06' });
    expect(v.value?.quadrant).toBe('IV');
    expect(v.lifecycle.stage).toBe('C');
    expect(v.lifecycle.history.map((h) => h.month)).toEqual(['2024-06']);
    // Months kept by another view (or `tenure lifecycle refresh`) show up in the history.
    await lifecycleTransitions(store, { from: '2024-03', to: '2024-06' });
    const later = await customer360(store, { customerId: 'v1', asOf: '2024-06' });
    expect(later.lifecycle.history.map((h) => `${h.month} ${h.stage}`)).toEqual(['2024-03 C', '2024-04 C', '2024-05 C', '2024-06 C']);
    expect(v.profile.name).toBe('王**');
    expect(v.profile.phone).toBe('****5678');
    expect(v.usage).toHaveLength(6);
    const shown = await customer360(store, { customerId: 'v1', asOf: '2024-06', rights: ALL_PERSONAL_DATA });
    expect(shown.profile.name).toBe('王小明');
    expect((await customer360(store, { customerId: 'v3', asOf: '2024-06' })).value?.quadrant).toBe('II');
    await expect(customer360(store, { customerId: 'nobody' })).rejects.toThrow(/no customer nobody/);
  });

  it('regression: equal quarters of bills give equal ARPU and margin, whatever the order of the amounts', async () => {
    // 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit as DOUBLE sums in that order.
    const other = await memoryStore();
    try {
      await addCustomers(other, [{ id: 'o1', joined: '2022-01-01' }, { id: 'o2', joined: '2022-01-01' }]);
      const amounts = (a: number[]) => (i: number) => a[i] ?? 0;
      await addBills(other, [
        ...monthlyBills('o1', '2024-04', '2024-06', amounts([0.1, 0.2, 0.3]), { cost: 0.1 }),
        ...monthlyBills('o2', '2024-04', '2024-06', amounts([0.3, 0.2, 0.1]), { cost: 0.1 }),
      ]);
      const rows = await other.query<{ customer_id: string; arpu3: number; margin3: number }>(
        `SELECT customer_id, arpu3, margin3 FROM (${valueInputsSql('2024-06', DEFAULT_VALUE_PARAMETERS, true)}) ORDER BY customer_id`,
      );
      expect(rows).toHaveLength(2);
      expect(rows[0]?.arpu3).toBe(rows[1]?.arpu3);
      expect(rows[0]?.margin3).toBe(rows[1]?.margin3);
      expect(rows[0]?.arpu3).toBeCloseTo(0.2, 12);
    } finally {
      await other.close();
    }
  });

  it('regression: the same customers stored in another order get the same values to the last bit', async () => {
    // Peer-group and base-rate sums of fractional DOUBLEs depended on the order rows were added in.
    const arpus = [0.1, 0.2, 0.3, 0.7, 1.1];
    const snapshot = async (order: number[]) => {
      const s = await memoryStore();
      try {
        const ids = order.map((i) => `w${i}`);
        await addCustomers(s, ids.map((id) => ({ id, joined: '2022-01-01' })));
        await addSubscriptions(s, order.flatMap((i): [string, string, string, string | null, number][] => [
          [`w${i}`, 'voice', '2022-01-01', null, (arpus[i] ?? 0) + 0.05],
          ...(i % 2 ? [[`w${i}`, 'broadband', '2022-01-01', null, 0.1 * i + 0.07] as [string, string, string, string | null, number]] : []),
        ]));
        await addBills(s, order.flatMap((i) => monthlyBills(`w${i}`, '2024-01', '2024-06', arpus[i] ?? 0, { cost: 0.01 * (i + 1) })));
        const r = await customerValue(s, { asOf: '2024-06' });
        const rows = await s.query(`SELECT customer_id, current_value, up_buy, cross_buy, referral, potential FROM ${SNAPSHOT_TABLE} ORDER BY customer_id`);
        return JSON.stringify({ rows, totals: r.totals, lifetime: r.lifetime.mean_months, nv: r.new_customer_value });
      } finally {
        await s.close();
      }
    };
    expect(await snapshot([4, 3, 2, 1, 0])).toBe(await snapshot([0, 1, 2, 3, 4]));
  });
});
