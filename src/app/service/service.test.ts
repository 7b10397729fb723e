import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newcombeInterval, wilsonInterval } from '../../domain/campaigns/intervals.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { runCaptured } from '../../cli/test-support.ts';
import { importDataset } from '../import/import-dataset.ts';
import { churnTotals } from '../reports/index.ts';
import { complaintsReport } from './complaints.ts';
import { relationshipReport } from './relationship.ts';
import { serviceQualityReport } from './service-quality.ts';
import { writeServiceFixture } from './service-fixture.ts';

/** Known answers on the hand-made operator of service-fixture.ts. */
const dir = mkdtempSync(join(tmpdir(), 'tenure-service-'));
const dbPath = join(dir, 'service.duckdb');
let store: DuckDBStore;

beforeAll(async () => {
  writeServiceFixture(join(dir, 'data'));
  const writer = await DuckDBStore.open(dbPath, { readableDirectories: [dir] });
  try {
    const r = await importDataset(writer, join(dir, 'data'), { prepareAnalytics: false });
    expect(r.rejected).toBe(0);
  } finally {
    await writer.close();
  }
  store = await DuckDBStore.open(dbPath, { access: 'read-only' });
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report complaints', () => {
  it('volume, resolution, days to a later resolution, repeats and satisfaction by kind', async () => {
    const r = await complaintsReport(store, { window: 2, lookback: 1 });
    const row = (month: string | null, group: string) => r.rows.find((x) => x.month === month && x.group === group);
    expect(row('2024-01', 'complaint')).toEqual({
      month: '2024-01', group: 'complaint', contacts: 3, customers: 2, resolved: 2, unresolved: 1, open: 0,
      resolution_rate: 2 / 3, resolved_later: 1, median_days_to_resolve: 5, repeat_30d_rate: 1 / 3, rated: 3, satisfaction: 8 / 3,
    });
    expect(row('2024-02', 'complaint')).toMatchObject({ contacts: 1, resolved: 0, open: 1, resolution_rate: 0, resolved_later: 0, median_days_to_resolve: null, satisfaction: null });
    expect(row('2024-02', 'inquiry')).toMatchObject({ contacts: 1, resolved: 1, satisfaction: 5 });
    expect(row(null, 'complaint')).toMatchObject({ contacts: 4, customers: 3, resolved: 2, unresolved: 1, open: 1, resolution_rate: 0.5, repeat_30d_rate: 0.25, satisfaction: 8 / 3 });
  });

  it('complaints only by channel and region', async () => {
    const byChannel = await complaintsReport(store, { by: 'channel' });
    expect(byChannel.rows.filter((x) => x.month === null).map((x) => [x.group, x.contacts])).toEqual([['hall', 1], ['hotline', 2], ['online', 1]]);
    const byRegion = await complaintsReport(store, { by: 'region', level: 'city' });
    expect(byRegion.rows.filter((x) => x.month === null).map((x) => [x.group, x.contacts])).toEqual([['四川/成都', 1], ['甘肃/兰州', 2], ['甘肃/酒泉', 1]]);
    const bySegment = await complaintsReport(store, { by: 'segment' });
    expect(bySegment.rows.filter((x) => x.month === null).map((x) => [x.group, x.contacts])).toEqual([['individual', 4]]);
  });

  it('churn of accounts with unresolved complaints against none, per base month and pooled', async () => {
    const r = await complaintsReport(store, { window: 2, lookback: 1 });
    expect(r.churn.censored_months).toEqual(['2024-06']);
    expect(r.churn.partial_lookback_months).toEqual(['2024-01']);
    const feb = r.churn.months.find((m) => m.month === '2024-02');
    expect([feb?.groups.unresolved.n, feb?.groups.unresolved.k, feb?.groups.resolved.n, feb?.groups.none.n, feb?.groups.none.k]).toEqual([1, 1, 1, 2, 0]);
    const mar = r.churn.months.find((m) => m.month === '2024-03');
    expect([mar?.groups.unresolved.n, mar?.groups.unresolved.k, mar?.groups.resolved.n, mar?.groups.none.n, mar?.groups.none.k]).toEqual([1, 1, 0, 4, 1]);
    const p = r.churn.pooled;
    expect([p?.groups.unresolved.n, p?.groups.unresolved.k, p?.groups.resolved.n, p?.groups.resolved.k, p?.groups.none.n, p?.groups.none.k]).toEqual([2, 2, 1, 0, 17, 3]);
    expect(p?.groups.unresolved.ci).toEqual(wilsonInterval(2, 2));
    expect(p?.unresolved_vs_none.difference).toBeCloseTo(1 - 3 / 17, 12);
    expect(p?.unresolved_vs_none.ci).toEqual(newcombeInterval(2, 2, 3, 17));
    // Every base month's groups partition churn-totals' opening.
    const totals = await churnTotals(store, {});
    for (const m of r.churn.months) {
      const t = totals.rows.find((x) => x.month === m.month);
      expect(m.groups.unresolved.n + m.groups.resolved.n + m.groups.none.n).toBe(t?.opening);
    }
  });
});

describe('report service-quality', () => {
  it('dropped-call rate and x_ measures by region beside churn-regions, and their sums', async () => {
    const r = await serviceQualityReport(store, { measures: ['x_outage_hours'], window: 2, lookback: 1 });
    const jan = (region: string) => r.rows.find((x) => x.month === '2024-01' && x.region === region);
    expect(jan('甘肃')).toMatchObject({ opening: 2, calls: 200, dropped_calls: 10, dropped_call_rate: 0.05, measures: { x_outage_hours: 3 } });
    expect(jan('四川')).toMatchObject({ opening: 2, calls: 200, dropped_calls: 4, dropped_call_rate: 0.02, measures: { x_outage_hours: 2 } });
    const totals = await churnTotals(store, {});
    for (const t of totals.rows) {
      const rows = r.rows.filter((x) => x.month === t.month);
      expect(rows.reduce((n, x) => n + x.opening, 0)).toBe(t.opening);
      expect(rows.reduce((n, x) => n + x.churned, 0)).toBe(t.voluntary + t.involuntary);
    }
    expect(r.regions.find((x) => x.region === '四川')).toMatchObject({ churned: 2, calls: 900, dropped_calls: 15, dropped_call_rate: 15 / 900 }) // a3 6 × 1, a4 3 × 3;
  });

  it('the service-related share of voluntary churn and where the 70 % claim stands', async () => {
    const r = await serviceQualityReport(store, {});
    expect(r.service_share.range).toMatchObject({ voluntary: 2, service_related: 1, share: { rate: 0.5, ci: wilsonInterval(1, 2) } });
    expect(r.service_share.verdict).toBe('consistent');
    expect(r.service_share.months.find((m) => m.month === '2024-03')).toMatchObject({ voluntary: 1, service_related: 1 });
    const price = await serviceQualityReport(store, { serviceGroups: ['price'], claim: 0.99 });
    expect(price.service_share.range.service_related).toBe(1);
  });

  it('churn by dropped-call band on the latest observed base month', async () => {
    const r = await serviceQualityReport(store, { window: 2, lookback: 1 });
    expect(r.bands.base_month).toBe('2024-05');
    const band = (name: string) => r.bands.rows.find((b) => b.band === name)?.churn;
    expect(band('no_calls')).toMatchObject({ n: 1, k: 0 });
    expect(band('0%')).toMatchObject({ n: 1, k: 0 });
    expect(band('0%–1%')).toMatchObject({ n: 1, k: 1 });
    expect(r.bands.rows.reduce((n, b) => n + b.churn.n, 0)).toBe(3);
  });

  it('refuses a measure the data does not have', async () => {
    await expect(serviceQualityReport(store, { measures: ['x_nope'] })).rejects.toThrow('--measure x_nope: not a measure of monthly_usage; the data has x_outage_hours');
    await expect(serviceQualityReport(store, { bands: '0.02,0.01' })).rejects.toThrow('--bands must be increasing');
  });
});

describe('relationship', () => {
  it('scores each open account with the default weights and measures its AUC', async () => {
    const r = await relationshipReport(store, { asOf: '2024-05', horizon: 1 });
    expect(r.accounts).toBe(3);
    const score = (id: string) => r.weakest.find((w) => w.customer_id === id);
    expect(score('a1')?.score).toBeCloseTo(20 * (17 / 36) + 15 * (2 / 3) + 25 + 20 * 0.5 + 20 * 0.75, 9);
    expect(score('a3')?.score).toBeCloseTo(20 * (11 / 36) + 15 / 3 + 25 * ((0.5 + (1 - 40 / 90)) / 2) + 20 + 20, 9);
    expect(score('a5')?.score).toBeCloseTo(((20 * 3) / 36 + 15 / 3 + 20) / 55 * 100, 9);
    expect(score('a5')?.components).toMatchObject({ payment: null, satisfaction: null, referrals: null, complaints: 1 });
    expect(r.weakest.map((w) => w.customer_id)).toEqual(['a5', 'a3', 'a1']);
    expect(r.prediction).toMatchObject({ evaluated_as_of: '2024-05', accounts: 3, churned: 1, auc: 0.5, model: null });
    expect(r.segments.map((s) => [s.segment, s.distribution.n])).toEqual([['business', 1], ['individual', 2]]);
  });

  it('takes the weights as data and evaluates at the latest observed month when the as-of horizon is open', async () => {
    const r = await relationshipReport(store, { weights: { tenure: 1, products: 0, payment: 0, complaints: 0, satisfaction: 0, referrals: 0 }, horizon: 1 });
    expect(r.as_of).toBe('2024-06');
    expect(r.prediction.evaluated_as_of).toBe('2024-05');
    // Tenure alone as of 2024-06 (to 2024-07-01): a1 18 months, a5 4.
    expect(r.weakest.map((w) => [w.customer_id, w.score])).toEqual([['a5', (100 * 4) / 36], ['a1', 50]]);
  });

  it('a bad weights file is named with its line and column (CLI)', async () => {
    const weights = join(dir, 'weights.csv');
    writeFileSync(weights, 'component,weight\ntenure,10\npayment,ten\n');
    const r = await runCaptured(['relationship', '--db', dbPath, '--weights', weights]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${weights}:3:weight: weight must be a plain decimal >= 0, got "ten"`);
    const missing = await runCaptured(['relationship', '--db', dbPath, '--weights', join(dir, 'none.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no such weights file');
  });
});
