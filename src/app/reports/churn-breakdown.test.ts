import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { addMonths } from '../../domain/month.ts';
import { refreshChurnBasis } from './basis.ts';
import { churnCompetitors, churnReasonGroups } from './churn-breakdown.ts';
import { churnCheck } from './churn-check.ts';
import { churnTotals } from './churn-totals.ts';
import { loadHandChecked } from './test-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-breakdown-'));
let store: DuckDBStore;

/*
 * The hand-checked operator (test-fixture.ts) with competitors: c02 and c03 (May, price codes
 * 101/102) went to 中国移动, c03's written with spaces around it; c06 (Mar, 205 quality) to
 * 中国电信; c05 (Feb, 103) has a blank competitor; c04 (May, 335) and c10 (Jan, 380) none.
 * May's revenue lost: c02 10.00333…, c03 20.00333…, c04 4.67 = 34.68 (churn-totals).
 */
beforeAll(async () => {
  store = await DuckDBStore.open(join(dir, 'hand.duckdb'));
  await loadHandChecked(store);
  await store.run(`UPDATE churn_events SET competitor = CASE customer_id WHEN 'c02' THEN '中国移动' WHEN 'c03' THEN ' 中国移动 '
                                                                         WHEN 'c06' THEN '中国电信' WHEN 'c05' THEN '' END`);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('churn by competitor (hand-checked operator)', () => {
  it('gives every competitor a row per month, blank and missing together as their own row, with hand-computed figures', async () => {
    const report = await churnCompetitors(store, {});
    expect(report.rows).toHaveLength(5 * 3);
    const may = report.rows.filter((r) => r.month === '2024-05');
    expect(may).toEqual([
      // 30.00666… and 4.67 of 34.68: the cent missing after rounding down goes to the larger remainder.
      { month: '2024-05', competitor: '中国移动', voluntary: 2, involuntary: 0, count: 2, share_of_voluntary: '1.000000', revenue_lost: '30.01', top_reason_groups: [{ reason_group: 'price', count: 2 }] },
      { month: '2024-05', competitor: '中国电信', voluntary: 0, involuntary: 0, count: 0, share_of_voluntary: '0.000000', revenue_lost: '0.00', top_reason_groups: [] },
      { month: '2024-05', competitor: null, voluntary: 0, involuntary: 1, count: 1, share_of_voluntary: '0.000000', revenue_lost: '4.67', top_reason_groups: [{ reason_group: 'credit', count: 1 }] },
    ]);
    expect(report.rows.filter((r) => r.month === '2024-03')[0]).toMatchObject({ competitor: '中国电信', voluntary: 1, share_of_voluntary: '1.000000', revenue_lost: '42.50' });
    // The blank competitor of February's exit is the unrecorded row, not dropped.
    expect(report.rows.filter((r) => r.month === '2024-02' && r.count > 0)).toEqual([
      { month: '2024-02', competitor: null, voluntary: 1, involuntary: 0, count: 1, share_of_voluntary: '1.000000', revenue_lost: '0.00', top_reason_groups: [{ reason_group: 'convenience', count: 1 }] },
    ]);
    // January: only an involuntary exit, so no share of voluntary churn.
    expect(report.rows.filter((r) => r.month === '2024-01').map((r) => r.share_of_voluntary)).toEqual([null, null, null]);
  });
});

describe('churn by reason group (hand-checked operator)', () => {
  it('gives every group of reason_codes a row per month with category, cause, count, share and revenue lost', async () => {
    const report = await churnReasonGroups(store, { from: '2024-05', to: '2024-05' });
    expect(report.rows.map((r) => `${r.reason_group}:${r.category}:${r.cause}`)).toEqual([
      'convenience:deliberate:dissatisfied',
      'price:deliberate:poached',
      'quality:deliberate:dissatisfied',
      'social:deliberate:other',
      'technology:deliberate:attracted',
      'incidental:incidental:forced',
      'credit:involuntary:abandoned',
      'fraud:involuntary:abandoned',
      'non_use:involuntary:abandoned',
    ]);
    expect(report.rows.filter((r) => r.count > 0)).toEqual([
      { month: '2024-05', reason_group: 'price', churn_type: 'voluntary', category: 'deliberate', cause: 'poached', count: 2, share: '0.666667', revenue_lost: '30.01' },
      { month: '2024-05', reason_group: 'credit', churn_type: 'involuntary', category: 'involuntary', cause: 'abandoned', count: 1, share: '0.333333', revenue_lost: '4.67' },
    ]);
    expect(report.rows.filter((r) => r.count === 0).every((r) => r.share === '0.000000' && r.revenue_lost === '0.00')).toBe(true);
  });
});

describe('normal or serious churn (hand-checked operator)', () => {
  it('counts exits by cause and gives a verdict only where the textbook or a full year of history can', async () => {
    const report = await churnCheck(store, { lang: 'en' });
    const pick = (m: string) => report.rows.find((r) => r.month === m);
    // Jan: c10 non-use (given up) → no serious cause → normal, history or not.
    expect(pick('2024-01')).toMatchObject({ opening: 6, exits: 1, abandoned: 1, normal: 1, serious: 0, serious_rate: '0.000000', verdict: 'normal' });
    // Feb: c05 customer service → left dissatisfied (serious), and no year before it to compare with.
    expect(pick('2024-02')).toMatchObject({ exits: 1, dissatisfied: 1, serious: 1, serious_share: '1.000000', serious_rate: '0.166667', trailing_mean: null, verdict: 'undetermined' });
    expect(pick('2024-02')?.verdict_text).toMatch(/the data has 1 of the 12 months before this one/);
    expect(pick('2024-03')).toMatchObject({ dissatisfied: 1, serious: 1, verdict: 'undetermined', revenue_lost: '42.50', revenue_lost_serious: '42.50' });
    expect(pick('2024-04')).toMatchObject({ exits: 0, serious_share: null, verdict: 'normal' });
    // May: two poached (price), one given up (credit): normal by the textbook.
    expect(pick('2024-05')).toMatchObject({ opening: 8, exits: 3, poached: 2, abandoned: 1, serious: 0, verdict: 'normal', revenue_lost: '34.68', revenue_lost_serious: '0.00' });
    expect(report.range.partial_coverage?.map((p) => p.figure)).toEqual(['revenue_lost', 'verdict']);
    expect(report.range.partial_coverage?.[1]?.months).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '2024-05']);
    expect((await churnCheck(store, { from: '2024-02', to: '2024-02' })).rows[0]?.verdict_text).toMatch(/^无法判断/);
  });
});

describe('normal or serious churn against the operator’s own year', () => {
  /*
   * 2,000 accounts joined 2022-12, billed 2023-01..2024-03. Each month 5 leave for price (101,
   * poached: normal) and s leave for network quality (205, left dissatisfied: serious):
   * s = 10, 12, 11, 9, 10, 13, 11, 10, 12, 9, 11, 10 in 2023, then 40 in 2024-01 (a spike),
   * 10 in 2024-02 and 13 in 2024-03.
   */
  const serious = [10, 12, 11, 9, 10, 13, 11, 10, 12, 9, 11, 10, 40, 10, 13];
  let year: DuckDBStore;
  beforeAll(async () => {
    year = await DuckDBStore.open(join(dir, 'year.duckdb'));
    await year.run(`INSERT INTO customers (customer_id, customer_type, join_date, region, province)
                    SELECT 'y' || lpad(CAST(i AS VARCHAR), 4, '0'), 'individual', DATE '2022-12-01', '甘肃', '甘肃' FROM range(2000) t(i)`);
    await year.run(`INSERT INTO monthly_usage (customer_id, month, revenue)
                    SELECT customer_id, CAST(DATE '2023-01-01' + INTERVAL (k) MONTH AS DATE), 10 FROM customers CROSS JOIN range(15) t(k)`);
    const exits: string[] = [];
    let next = 0;
    serious.forEach((s, k) => {
      const day = `${addMonths('2023-01', k)}-15`;
      for (let i = 0; i < 5 + s; i++) exits.push(`('y${String(next++).padStart(4, '0')}', DATE '${day}', 'voluntary', '${i < 5 ? '101' : '205'}')`);
    });
    await year.run(`INSERT INTO churn_events (customer_id, churn_date, churn_type, reason_code) VALUES ${exits.join(', ')}`);
  });
  afterAll(async () => year.close());

  it('calls the spike serious, and the month after it normal against a year that now holds the spike', async () => {
    const report = await churnCheck(year, { from: '2023-12', to: '2024-03', lang: 'en' });
    expect(report.rows.map((r) => [r.month, r.verdict])).toEqual([
      ['2023-12', 'undetermined'], // the year before it starts in 2022-12, before the data
      ['2024-01', 'serious'],
      ['2024-02', 'normal'],
      ['2024-03', 'normal'],
    ]);
    const all = await churnCheck(year, { lang: 'en' });
    const rates = (from: number) => all.rows.slice(from, from + 12).map((r) => Number(r.serious_rate));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const jan = all.rows.find((r) => r.month === '2024-01');
    // The trailing mean is the mean of the 12 serious rates shown for the months before.
    expect(Number(jan?.trailing_mean)).toBeCloseTo(mean(rates(0)), 6);
    expect(Number(all.rows.find((r) => r.month === '2024-02')?.trailing_mean)).toBeCloseTo(mean(rates(1)), 6);
    expect(Number(jan?.serious_rate)).toBeGreaterThan(Number(jan?.trailing_bound));
    expect(jan?.verdict_text).toMatch(/^serious: .*above the 95 % upper bound/);
    expect(jan).toMatchObject({ dissatisfied: 40, poached: 5, serious: 40, normal: 5 });
  });

  it('adds up to churn-totals month by month: exits, causes, normal + serious, revenue lost', async () => {
    const totals = await churnTotals(year, {});
    const check = await churnCheck(year, {});
    for (const [i, t] of totals.rows.entries()) {
      const c = check.rows[i];
      expect(c?.month).toBe(t.month);
      expect(c?.exits).toBe(t.voluntary + t.involuntary);
      expect((c?.abandoned ?? 0) + (c?.dissatisfied ?? 0) + (c?.poached ?? 0) + (c?.attracted ?? 0) + (c?.forced ?? 0) + (c?.other ?? 0)).toBe(c?.exits);
      expect((c?.normal ?? 0) + (c?.serious ?? 0)).toBe(c?.exits);
      expect(c?.revenue_lost).toBe(t.revenue_lost);
    }
  });
});

describe('breakdowns from the derived tables', () => {
  it('give the same rows as inline', async () => {
    const inline = { basis: { kind: 'inline' } } as const;
    const table = { basis: { kind: 'table' } } as const;
    await store.transaction((tx) => refreshChurnBasis(store, tx));
    expect(await churnCompetitors(store, {}, table)).toEqual(await churnCompetitors(store, {}, inline));
    expect(await churnReasonGroups(store, {}, table)).toEqual(await churnReasonGroups(store, {}, inline));
    expect(await churnCheck(store, {}, table)).toEqual(await churnCheck(store, {}, inline));
  });
});
