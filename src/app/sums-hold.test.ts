import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDemoDataset } from './demo/write-dataset.ts';
import type { Profile } from '../domain/demo/products.ts';
import { addMonths } from '../domain/month.ts';
import { DuckDBStore } from '../store/duckdb/duckdb-store.ts';
import { forecastChurnFromStore } from './forecast/churn-forecast.ts';
import { importDataset } from './import/import-dataset.ts';
import { dataSpan } from './lifecycle/context.ts';
import { lifecycleTransitions } from './lifecycle/transitions.ts';
import { churnRegions, churnTotals } from './reports/index.ts';
import { segmentReport } from './segments/segments.ts';
import { complaintsReport } from './service/complaints.ts';
import { serviceQualityReport } from './service/service-quality.ts';
import { customerValue } from './value/customer-value.ts';

/**
 * Issue 19.6–19.8 on whole (small, random) demo operators: the figures that should add up do.
 *   segments of a partition + other = the base (= churn-totals' opening), and the "all" churn
 *   rate is churn-totals' churn rate; segment tiers of month m = tenure value's tiers of m − 1;
 *   provinces = total (churn-regions and the forecast); patterns + unassigned = exits.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function demoStore(o: { seed: number; customers: number; months: number; profile: Profile }): Promise<DuckDBStore> {
  const dir = mkdtempSync(join(tmpdir(), 'tenure-sums-'));
  dirs.push(dir);
  await writeDemoDataset({ outDir: join(dir, 'data'), ...o });
  const store = await DuckDBStore.open(':memory:', { readableDirectories: [dir] });
  await importDataset(store, join(dir, 'data'), { prepareAnalytics: false });
  return store;
}

const cents = (x: number | string) => Math.round(Number(x) * 100);

describe('sums hold on random demo operators (property)', () => {
  it('segments + other = base, provinces = total (regions, forecast, service quality), patterns + unassigned = exits, complaint groups = base', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 100_000 }),
          customers: fc.integer({ min: 150, max: 350 }),
          months: fc.integer({ min: 13, max: 16 }),
          profile: fc.constantFrom<Profile>('mobile', 'cable', 'mixed'),
        }),
        async (o) => {
          const store = await demoStore(o);
          try {
            const span = await dataSpan(store);
            const totals = await churnTotals(store, {});
            const byMonth = new Map(totals.rows.map((r) => [r.month, r]));

            const seg = await segmentReport(store, { months: 2 });
            for (const month of [addMonths(span.last, -1), span.last]) {
              const rows = new Map(seg.months.filter((r) => r.month === month).map((r) => [r.segment, r]));
              const all = rows.get('all');
              const t = byMonth.get(month);
              expect(all?.size).toBe(t?.opening);
              expect(all?.churned).toBe((t?.voluntary ?? 0) + (t?.involuntary ?? 0));
              expect(all?.churn_rate).toBeCloseTo(Number(t?.churn_rate), 6);
              for (const part of seg.partitions) expect(part.reduce((n, name) => n + (rows.get(name)?.size ?? 0), 0)).toBe(all?.size);
            }
            // Tiers are defined once: the segments' tiers of the last month are tenure value's of the month before.
            const value = await customerValue(store, { asOf: addMonths(span.last, -1) });
            const last = new Map(seg.months.filter((r) => r.month === span.last).map((r) => [r.segment, r.size]));
            expect(value.tiers.map((x) => last.get(`tier:${x.tier}`))).toEqual(value.tiers.map((x) => x.customers));

            const regions = await churnRegions(store, { level: 'province' });
            for (const t of totals.rows) {
              const rs = regions.rows.filter((r) => r.month === t.month);
              expect(rs.reduce((n, r) => n + r.opening, 0)).toBe(t.opening);
              expect(rs.reduce((n, r) => n + r.voluntary + r.involuntary, 0)).toBe(t.voluntary + t.involuntary);
            }

            const forecast = await forecastChurnFromStore(store, { horizon: 3, byProvince: true });
            forecast.forecast.forEach((f, m) => {
              const provinces = (forecast.by_province ?? []).reduce((n, p) => n + cents(p.forecast[m]?.total ?? 0), 0);
              expect(provinces).toBe(cents(f.total));
            });

            // Service quality (issue 13.4): its regions are churn-regions', so they add up to churn-totals; the
            // service-related share counts churn-totals' voluntary exits; the dropped-call bands and the
            // complaint-status groups partition the opening base.
            const quality = await serviceQualityReport(store, {});
            for (const t of totals.rows) {
              const rs = quality.rows.filter((r) => r.month === t.month);
              expect(rs.reduce((n, r) => n + r.opening, 0)).toBe(t.opening);
              expect(rs.reduce((n, r) => n + r.churned, 0)).toBe(t.voluntary + t.involuntary);
              expect(quality.service_share.months.find((m) => m.month === t.month)?.voluntary).toBe(t.voluntary);
            }
            expect(quality.service_share.range.voluntary).toBe(totals.rows.reduce((n, r) => n + r.voluntary, 0));
            if (quality.bands.base_month !== null) {
              expect(quality.bands.rows.reduce((n, b) => n + b.churn.n, 0)).toBe(byMonth.get(quality.bands.base_month)?.opening);
            }
            const complaints = await complaintsReport(store, {});
            for (const m of complaints.churn.months) {
              const g = m.groups;
              expect(g.unresolved.n + g.resolved.n + g.none.n).toBe(byMonth.get(m.month as string)?.opening);
            }

            const life = await lifecycleTransitions(store, { from: span.first, to: span.last });
            const exits = totals.rows.reduce((n, r) => n + r.voluntary + r.involuntary, 0);
            expect(life.exits).toBe(exits);
            expect(life.patterns.reduce((n, p) => n + p.customers, 0) + life.unassigned.customers).toBe(exits);
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 3, seed: 19 },
    );
  }, 240_000);
});
