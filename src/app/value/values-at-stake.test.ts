import { expect } from 'vitest';
import { describeEngineParity } from '../../store/engine-parity.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { addBills, addCustomers, addExits, loadMixedOperator } from '../lifecycle/test-store.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from './customer-value.ts';
import { valueAtStakeSql, valuesAtStakeSql } from './value-snapshot.ts';

type Row = { k: number; customer_id: string; current_value: number };

/**
 * valuesAtStakeSql (segments' value tiers, every month in one pass) gives, month by month,
 * exactly the rows of valueAtStakeSql for that month alone, on every engine. Besides the mixed
 * operator: a customer joined on the 31st (tenure in February and in 30-day months), one with
 * two churn events (the first one counts), one without bills in some windows, one whose bills
 * stop (a window of one bill) and one who joins within the range.
 */
async function load(store: AnalyticsStore): Promise<void> {
  await loadMixedOperator(store);
  await addCustomers(store, [
    { id: 'z31', joined: '2023-01-31' },
    { id: 'z2e', joined: '2023-03-15' },
    { id: 'zno', joined: '2023-05-02' },
    { id: 'zst', joined: '2023-02-10' },
    { id: 'zjn', joined: '2024-05-20' },
  ]);
  await addExits(store, [
    ['z2e', '2024-06-12', 'voluntary', '101'],
    ['z2e', '2024-04-03', 'involuntary', '335'],
  ]);
  await addBills(store, [
    ...['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06'].map((month, i) => ({ customer: 'z31', month, revenue: 40 + i, cost: 12.5 })),
    ...['2024-01', '2024-02', '2024-03', '2024-04'].map((month) => ({ customer: 'z2e', month, revenue: 30 })),
    { customer: 'zno', month: '2024-01', revenue: 99.99, cost: 100.01 },
    { customer: 'zst', month: '2024-02', revenue: 17.3 },
    { customer: 'zjn', month: '2024-06', revenue: 55 },
  ]);
}

const MONTHS = ['2024-01', '2024-02', '2024-03', '2024-04', '2024-06', '2024-07', '2024-11'];

await describeEngineParity(
  'value at stake of several months in one pass',
  async (store) => {
    await load(store);
    const sbg = await baseSbg(store);
    const all = await store.query<Row>(`SELECT k, customer_id, current_value FROM (${valuesAtStakeSql(MONTHS, DEFAULT_VALUE_PARAMETERS, sbg)}) AS v ORDER BY k, customer_id`);
    for (const [k, month] of MONTHS.entries()) {
      const one = await store.query<{ customer_id: string; current_value: number }>(
        `SELECT customer_id, current_value FROM (${valueAtStakeSql(month, DEFAULT_VALUE_PARAMETERS, sbg)}) AS v ORDER BY customer_id`,
      );
      expect(one.length).toBeGreaterThan(0);
      expect(all.filter((r) => Number(r.k) === k).map(({ customer_id, current_value }) => ({ customer_id, current_value }))).toEqual(one);
    }
    // Known answers: z31 in February 2024 (joined on the 31st: 12 full months, not 13) is live
    // with the mean margin of its December–February bills; z2e left on 3 April (its first exit).
    const feb = all.filter((r) => Number(r.k) === 1);
    expect(feb.find((r) => r.customer_id === 'z31')?.current_value).toBeGreaterThan(0);
    expect(all.some((r) => r.customer_id === 'z2e' && Number(r.k) === 3)).toBe(false);
    expect(all.some((r) => r.customer_id === 'z2e' && Number(r.k) === 2)).toBe(true);
    expect(all.some((r) => r.customer_id === 'zjn' && Number(r.k) === 3)).toBe(false);
    expect(all.find((r) => r.customer_id === 'zjn' && Number(r.k) === 4)?.current_value).toBeGreaterThan(0);
    expect(all.find((r) => r.customer_id === 'zno' && Number(r.k) === 5)?.current_value).toBe(0);
    return JSON.stringify(all.map((r) => [Number(r.k), r.customer_id, r.current_value]));
  },
  (json) => expect(json.length).toBeGreaterThan(2000),
);
