/** Test data for the forecast: a store with 30 months of seasonal, trending churn. */
import { monthRange } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { addBills, addCustomers, addExits, monthlyBills } from '../lifecycle/test-store.ts';

/** 30 months of churn with a trend and a yearly season: seasonal naive lags the trend by a year. */
export function seasonalChurn(): { months: string[]; voluntary: number[]; involuntary: number[] } {
  const months = monthRange('2022-01', '2024-06');
  let s = 11;
  const noise = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 6;
  return {
    months,
    voluntary: months.map((_, t) => Math.round(60 + 1.5 * t + 15 * Math.sin((2 * Math.PI * t) / 12) + noise())),
    involuntary: months.map((_, t) => Math.round(20 + 0.5 * t + 5 * Math.cos((2 * Math.PI * t) / 12) + noise() / 2)),
  };
}

export async function loadSeasonalChurn(store: AnalyticsStore): Promise<ReturnType<typeof seasonalChurn>> {
  const h = seasonalChurn();
  const total = h.voluntary.reduce((a, b) => a + b, 0) + h.involuntary.reduce((a, b) => a + b, 0);
  const ids = Array.from({ length: total + 100 }, (_, i) => `k${i}`);
  await addCustomers(store, ids.map((id, i) => ({ id, joined: '2020-01-01', region: i % 2 === 0 ? '甘肃/酒泉/肃州区' : '四川/成都/武侯区' })));
  const exits: [string, string, 'voluntary' | 'involuntary', string][] = [];
  let next = 0;
  h.months.forEach((m, t) => {
    for (let k = 0; k < (h.voluntary[t] as number); k++) exits.push([`k${next++}`, `${m}-${String(1 + (k % 28)).padStart(2, '0')}`, 'voluntary', '101']);
    for (let k = 0; k < (h.involuntary[t] as number); k++) exits.push([`k${next++}`, `${m}-15`, 'involuntary', '335']);
  });
  await addExits(store, exits);
  await addBills(store, monthlyBills(`k${total + 1}`, '2022-01', '2024-06', 100));
  return h;
}

