import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoDataset } from '../demo/write-dataset.ts';
import { fitSbgCohorts } from '../../domain/retention/sbg.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset } from '../import/import-dataset.ts';
import { aliveCounts, tenureCounts } from './cohorts.ts';
import { fitCohortsFromStore } from './retention.ts';

/**
 * Issue 19.8: `retention fit --cohort segment` showed segments whose search ended at the bound
 * (α = 162,754, β = 0.000006) as fits, with only a warning; segments that could not be fitted
 * at all vanished. Every segment now has a row, and a bounded or failed fit is not estimable.
 */
describe('segment sBG fits on a demo operator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenure-segment-fits-'));
  let store: DuckDBStore;
  beforeAll(async () => {
    await writeDemoDataset({ outDir: join(dir, 'data'), customers: 3000, months: 24, seed: 3, profile: 'mixed' });
    store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [dir] });
    await importDataset(store, join(dir, 'data'));
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('regression 19.8: fits that ran into the search bound are not estimable, never a result', async () => {
    // The raw fits: some segments of this operator end at the search bound (the reproduction).
    const counts = aliveCounts((await tenureCounts(store, 'segment_join_month')).rows);
    const bySegment = new Map<string, number[][]>();
    for (const [key, c] of counts) bySegment.set(key.split('|')[0] ?? key, [...(bySegment.get(key.split('|')[0] ?? key) ?? []), c]);
    const bounded = [...bySegment].filter(([, list]) => {
      try {
        return !fitSbgCohorts(list).converged;
      } catch {
        return true;
      }
    });
    expect(bounded.length).toBeGreaterThan(0);

    const r = await fitCohortsFromStore(store, 'segment');
    const rows = r.segments ?? [];
    // One row per segment, the unfittable ones included.
    expect(rows.map((x) => x.segment).sort()).toEqual([...bySegment.keys()].sort());
    for (const row of rows) {
      if (row.status === 'fitted') {
        expect(row.reason).toBeNull();
        // Inside the search box, not on its edge (e^±11).
        for (const v of [row.alpha, row.beta]) expect(Math.abs(Math.log(v as number))).toBeLessThan(11);
      } else {
        expect(row.alpha).toBeNull();
        expect(row.beta).toBeNull();
        expect(row.reason).toMatch(/search bound|nobody churned|cohort/);
      }
    }
    expect(rows.filter((x) => x.status === 'not_estimable').map((x) => x.segment).sort()).toEqual(bounded.map(([s]) => s).sort());
  });
});
