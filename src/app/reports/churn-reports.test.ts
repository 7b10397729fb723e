import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { TenureError } from '../errors.ts';
import { churnBasisSource, refreshChurnBasis } from './basis.ts';
import { churnReasons } from './churn-reasons.ts';
import { churnRegions } from './churn-regions.ts';
import { churnTotals } from './churn-totals.ts';
import { loadHandChecked } from './test-fixture.ts';
import { addBills, addCustomers, addExits, memoryStore, monthlyBills } from '../lifecycle/test-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-reports-'));
let store: DuckDBStore;

beforeAll(async () => {
  store = await DuckDBStore.open(join(dir, 'hand.duckdb'));
  await loadHandChecked(store);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/*
 * Totals by hand (fixture table in test-fixture.ts).
 * opening(Jan) = joined before 2024-01-01 and not churned before it: c01 c02 c03 c04 c07 c10
 *   = 6 (c11 left 2023-12-20).
 * Jan: adds c06 → 7; churn c10 involuntary → closing 6.
 * Feb: opening 6; adds c05 c12 → 8; churn c05 voluntary (same month it joined) → 7.
 * Mar: opening 7; adds c08 → 8; churn c06 voluntary → 7.
 * Apr: opening 7; adds c09 → 8; no churn → 8.
 * May: opening 8; no adds; churn c02 c03 voluntary, c04 involuntary → 5.
 * churn_rate: 1/6 = 0.1666… → 0.166667; 1/6; 1/7 = 0.142857142… → 0.142857; 0/7; 3/8 = 0.375.
 * Revenue billed: Jan 50+99+20+5+40+80+8+6 (c11's bill after exit counts) = 308.00
 *   Feb 50+10+20+0+45 = 125.00; Mar 50+10+20.01+7+80+25+18 = 210.01
 *   Apr 50+10.01+20+7.01+12.50 (c06 final bill)+25+18 = 142.52; May 50+3+80+25+15.0025+18 = 191.0025
 * ARPU = revenue / ((opening+closing)/2):
 *   Jan 308/6 = 51.333… → 51.33; Feb 125/6.5 = 19.2307… → 19.23; Mar 210.01/7 = 30.0014… → 30.00
 *   Apr 142.52/7.5 = 19.0026… → 19.00; May 191.0025/6.5 = 29.385 exactly → half-up 29.39
 * revenue_lost:
 *   Jan c10: no usage row before Jan (its Jan bill is in the churn month) → 0.00
 *   Feb c05: no usage at all → 0.00
 *   Mar c06: only 2 rows before Mar: (40.00+45.00)/2 = 42.50
 *   May c02: Feb–Apr (Jan 99.00 is a 4th, older row) = 30.01/3 = 10.00333…
 *       c03: Feb–Apr = 60.01/3 = 20.00333…; c04: Feb–Apr = 14.01/3 = 4.67 (May bill excluded)
 *       sum = 104.03/3 = 34.67666… → 34.68 (rounding each mean first would give 34.67)
 */
const EXPECTED_TOTALS = [
  { month: '2024-01', opening: 6, gross_adds: 1, pre_churn: 7, voluntary: 0, involuntary: 1, closing: 6, churn_rate: '0.166667', arpu: '51.33', revenue_lost: '0.00' },
  { month: '2024-02', opening: 6, gross_adds: 2, pre_churn: 8, voluntary: 1, involuntary: 0, closing: 7, churn_rate: '0.166667', arpu: '19.23', revenue_lost: '0.00' },
  { month: '2024-03', opening: 7, gross_adds: 1, pre_churn: 8, voluntary: 1, involuntary: 0, closing: 7, churn_rate: '0.142857', arpu: '30.00', revenue_lost: '42.50' },
  { month: '2024-04', opening: 7, gross_adds: 1, pre_churn: 8, voluntary: 0, involuntary: 0, closing: 8, churn_rate: '0.000000', arpu: '19.00', revenue_lost: '0.00' },
  { month: '2024-05', opening: 8, gross_adds: 0, pre_churn: 8, voluntary: 2, involuntary: 1, closing: 5, churn_rate: '0.375000', arpu: '29.39', revenue_lost: '34.68' },
];

describe('churn totals (hand-checked operator)', () => {
  it('matches the hand-computed totals over the default range (the data: first bill to last bill)', async () => {
    const report = await churnTotals(store, {});
    expect(report.range).toMatchObject({ from: '2024-01', to: '2024-05' });
    expect(report.rows).toEqual(EXPECTED_TOTALS);
  });

  it('says which months have revenue lost from fewer than 3 prior bills (Jan–Mar: the data starts in Jan)', async () => {
    const full = await churnTotals(store, {});
    expect(full.range.partial_coverage).toEqual([
      expect.objectContaining({ figure: 'revenue_lost', months: ['2024-01', '2024-02', '2024-03'], needs_months: 3 }),
    ]);
    expect((await churnTotals(store, { from: '2024-04' })).range.partial_coverage).toEqual([]);
  });

  it('a sub-range carries the earlier history into its opening balance', async () => {
    const report = await churnTotals(store, { from: '2024-03', to: '2024-04' });
    expect(report.rows).toEqual(EXPECTED_TOTALS.slice(2, 4));
  });

  it('report churn-totals after the data is a usage error naming the span (it printed an invented month)', async () => {
    await expect(churnTotals(store, { from: '2024-06', to: '2024-06' })).rejects.toMatchObject({
      code: 'USAGE',
      message: "--from 2024-06 is after the data's last month 2024-05; the data covers 2024-01..2024-05",
    });
  });

  it('report churn-totals before the data is a usage error naming the span (it showed zero churn)', async () => {
    await expect(churnTotals(store, { from: '2020-01', to: '2020-01' })).rejects.toMatchObject({
      code: 'USAGE',
      message: "--from 2020-01 is before the data's first month 2024-01; the data covers 2024-01..2024-05",
    });
    await expect(churnTotals(store, { to: '2023-12' })).rejects.toThrow(/--to 2023-12 is before the data's first month 2024-01/);
    await expect(churnTotals(store, { from: '0001-01', to: '9999-12' })).rejects.toThrow(/the data covers 2024-01\.\.2024-05/);
  });

  it('shows an empty churn rate and ARPU when the month opens and closes with no accounts', async () => {
    // One account that joins and leaves in the only billed month: opening 0, closing 0.
    const tiny = await memoryStore();
    try {
      await addCustomers(tiny, [{ id: 'x', joined: '2024-01-05' }]);
      await addBills(tiny, monthlyBills('x', '2024-01', '2024-01', 10));
      await addExits(tiny, [['x', '2024-01-20', 'voluntary', '101']]);
      const report = await churnTotals(tiny, {});
      expect(report.rows).toEqual([
        { month: '2024-01', opening: 0, gross_adds: 1, pre_churn: 1, voluntary: 1, involuntary: 0, closing: 0, churn_rate: null, arpu: null, revenue_lost: '0.00' },
      ]);
    } finally {
      await tiny.close();
    }
  });

  it('rejects malformed and reversed months as usage errors', async () => {
    await expect(churnTotals(store, { from: '2024-13' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(churnTotals(store, { to: '2024-1' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(churnTotals(store, { from: '2024-05', to: '2024-04' })).rejects.toThrow(/--from 2024-05 is after --to 2024-04/);
  });
});

describe('churn by reason code (hand-checked operator)', () => {
  /*
   * May: 101 c02 → 10.00333… → 10.00; 102 c03 → 20.00; 335 c04 → 4.67. Mar: 205 c06 → 42.50.
   * Feb: 103 c05 → 0.00. Jan: 380 c10 → 0.00. Every other code/month: count 0.
   */
  it('gives every code of reason_codes a row per month with the hand-computed counts and losses', async () => {
    const report = await churnReasons(store, {});
    expect(report.rows).toHaveLength(5 * 14);
    const nonZero = report.rows.filter((r) => r.count > 0);
    expect(nonZero).toEqual([
      { month: '2024-01', reason_code: '380', reason: '未使用', churn_type: 'involuntary', count: 1, revenue_lost: '0.00', reason_group: 'non_use' },
      { month: '2024-02', reason_code: '103', reason: '客户服务', churn_type: 'voluntary', count: 1, revenue_lost: '0.00', reason_group: 'convenience' },
      { month: '2024-03', reason_code: '205', reason: '网络质量', churn_type: 'voluntary', count: 1, revenue_lost: '42.50', reason_group: 'quality' },
      { month: '2024-05', reason_code: '101', reason: '价格', churn_type: 'voluntary', count: 1, revenue_lost: '10.00', reason_group: 'price' },
      { month: '2024-05', reason_code: '102', reason: '竞争对手促销', churn_type: 'voluntary', count: 1, revenue_lost: '20.00', reason_group: 'price' },
      { month: '2024-05', reason_code: '335', reason: '信用/欠费', churn_type: 'involuntary', count: 1, revenue_lost: '4.67', reason_group: 'credit' },
    ]);
    expect(report.rows.filter((r) => r.count === 0).every((r) => r.revenue_lost === '0.00')).toBe(true);
  });

  it('labels in English with lang en, and rejects other languages', async () => {
    const report = await churnReasons(store, { from: '2024-05', to: '2024-05', lang: 'en' });
    expect(report.rows.find((r) => r.reason_code === '102')?.reason).toBe('competitor promotion');
    await expect(churnReasons(store, { lang: 'fr' })).rejects.toBeInstanceOf(TenureError);
  });
});

describe('churn by region (hand-checked operator)', () => {
  /*
   * 甘肃 = c01 c02 c03 c04 c08 c09 c10; 四川 = c05 c06 c07 c11 c12.
   * 甘肃: Jan opening c01 c02 c03 c04 c10 = 5, c10 involuntary → 1/5 = 0.2; Feb 4; Mar 4;
   *   Apr 5 (+c08); May 6 (+c09), c02 c03 voluntary, c04 involuntary → 3/6 = 0.5, lost 34.68.
   * 四川: Jan c07 = 1; Feb 2 (+c06), c05 voluntary → 0.5; Mar 3 (+c12), c06 voluntary →
   *   0.333333, lost 42.50; Apr 2; May 2.
   */
  it('province level matches the hand-computed rows', async () => {
    const report = await churnRegions(store, { level: 'province' });
    expect(report.rows).toEqual([
      { month: '2024-01', region: '四川', opening: 1, voluntary: 0, involuntary: 0, churn_rate: '0.000000', revenue_lost: '0.00' },
      { month: '2024-01', region: '甘肃', opening: 5, voluntary: 0, involuntary: 1, churn_rate: '0.200000', revenue_lost: '0.00' },
      { month: '2024-02', region: '四川', opening: 2, voluntary: 1, involuntary: 0, churn_rate: '0.500000', revenue_lost: '0.00' },
      { month: '2024-02', region: '甘肃', opening: 4, voluntary: 0, involuntary: 0, churn_rate: '0.000000', revenue_lost: '0.00' },
      { month: '2024-03', region: '四川', opening: 3, voluntary: 1, involuntary: 0, churn_rate: '0.333333', revenue_lost: '42.50' },
      { month: '2024-03', region: '甘肃', opening: 4, voluntary: 0, involuntary: 0, churn_rate: '0.000000', revenue_lost: '0.00' },
      { month: '2024-04', region: '四川', opening: 2, voluntary: 0, involuntary: 0, churn_rate: '0.000000', revenue_lost: '0.00' },
      { month: '2024-04', region: '甘肃', opening: 5, voluntary: 0, involuntary: 0, churn_rate: '0.000000', revenue_lost: '0.00' },
      { month: '2024-05', region: '四川', opening: 2, voluntary: 0, involuntary: 0, churn_rate: '0.000000', revenue_lost: '0.00' },
      { month: '2024-05', region: '甘肃', opening: 6, voluntary: 2, involuntary: 1, churn_rate: '0.500000', revenue_lost: '34.68' },
    ]);
  });

  /*
   * May, city level: 甘肃/酒泉 = c01 c02 c03 c09 → opening 4, c02 c03 voluntary → 0.5, lost
   * 10.00333… + 20.00333… = 30.00666… → 30.01 (rounded means would give 30.00);
   * 甘肃/兰州 = c04 c08 (c10 left in Jan) → 2, c04 involuntary, lost 4.67.
   * c12 has only a province: it is shown as 四川 from March (joined in February).
   */
  it('city level keeps the exact sum per region and shows short regions under their own path', async () => {
    const report = await churnRegions(store, { level: 'city', from: '2024-05', to: '2024-05' });
    expect(report.rows).toEqual([
      { month: '2024-05', region: '四川', opening: 1, voluntary: 0, involuntary: 0, churn_rate: '0.000000', revenue_lost: '0.00' },
      { month: '2024-05', region: '四川/成都', opening: 1, voluntary: 0, involuntary: 0, churn_rate: '0.000000', revenue_lost: '0.00' },
      { month: '2024-05', region: '甘肃/兰州', opening: 2, voluntary: 0, involuntary: 1, churn_rate: '0.500000', revenue_lost: '4.67' },
      { month: '2024-05', region: '甘肃/酒泉', opening: 4, voluntary: 2, involuntary: 0, churn_rate: '0.500000', revenue_lost: '30.01' },
    ]);
    const feb = await churnRegions(store, { level: 'city', from: '2024-02', to: '2024-02' });
    expect(feb.rows.map((r) => r.region)).not.toContain('四川'); // opening 0 and no churn: left out
  });

  it('district level shows the full path', async () => {
    const report = await churnRegions(store, { level: 'district', from: '2024-05', to: '2024-05' });
    expect(report.rows.find((r) => r.region === '甘肃/酒泉/肃州区')).toEqual({
      month: '2024-05', region: '甘肃/酒泉/肃州区', opening: 2, voluntary: 1, involuntary: 0, churn_rate: '0.500000', revenue_lost: '10.00',
    });
  });

  it('rejects an unknown level', async () => {
    await expect(churnRegions(store, { level: 'county' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('derived churn basis table', () => {
  it('is used once refreshed, gives the same reports as the inline basis, and goes stale when data changes', async () => {
    const inline = { basis: { kind: 'inline' } as const };
    expect((await churnBasisSource(store)).kind).toBe('inline');
    await store.transaction((tx) => refreshChurnBasis(store, tx));
    expect(await churnBasisSource(store)).toEqual({ kind: 'table' });
    expect((await churnTotals(store, {})).rows).toEqual(EXPECTED_TOTALS);
    expect(await churnReasons(store, {})).toEqual(await churnReasons(store, {}, inline));
    for (const level of ['province', 'city', 'district']) {
      expect(await churnRegions(store, { level })).toEqual(await churnRegions(store, { level }, inline));
    }
    await store.run("INSERT INTO monthly_usage (customer_id, month, revenue) VALUES ('c05', DATE '2024-01-01', 1)");
    expect((await churnBasisSource(store)).kind).toBe('inline');
    await store.run("DELETE FROM monthly_usage WHERE customer_id = 'c05'");
  });
});

describe('a store without data', () => {
  it('says so with NO_DATA', async () => {
    const empty = await DuckDBStore.open(join(dir, 'empty.duckdb'));
    try {
      await expect(churnTotals(empty, {})).rejects.toMatchObject({ code: 'NO_DATA' });
    } finally {
      await empty.close();
    }
  });
});
