import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoDataset } from '../demo/write-dataset.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { scoreCustomers, type ScoreRun } from '../churn-model/score.ts';
import { scoreContext } from '../churn-model/score-context.ts';
import { trainChurnModel } from '../churn-model/train.ts';
import { customer360 } from '../customer/customer360.ts';
import { importDataset } from '../import/import-dataset.ts';
import { baseSbg, customerValue, DEFAULT_VALUE_PARAMETERS } from './customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE } from './value-snapshot.ts';

/**
 * Issue 19.3: the value matrix took each customer's lifetime from its own churn score, so high
 * risk made low value and the riskiest valuable customers landed in quadrant I (不投入, 关系解除),
 * the opposite of the deck's 中高价值高危用户挽留. Value is now the value at stake if the customer
 * stays, independent of its own score; expected loss = probability × value at stake.
 */
describe('value at stake on a scored demo operator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenure-value-at-stake-'));
  let store: DuckDBStore;
  let run: ScoreRun;
  const valueOf = async (asOf: string) => {
    const { key } = await ensureValueSnapshot(store, asOf, DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
    const rows = await store.query<{ customer_id: string; current_value: number }>(
      `SELECT customer_id, current_value FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $1 AND as_of = CAST($2 AS DATE)`,
      [key, `${asOf}-01`],
    );
    return new Map(rows.map((r) => [r.customer_id, Number(r.current_value)]));
  };

  beforeAll(async () => {
    await writeDemoDataset({ outDir: join(dir, 'data'), customers: 2500, months: 24, seed: 5, profile: 'mixed' });
    store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [dir] });
    await importDataset(store, join(dir, 'data'));
    await trainChurnModel(store, { horizon: 3 });
    run = await scoreCustomers(store);
  }, 240_000);

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('regression 19.3: the riskiest high-value customers are not in quadrant I (no investment)', async () => {
    const value = await valueOf(run.asOf);
    const context = await scoreContext(store, run.asOf);
    const values = [...value.values()].sort((a, b) => a - b);
    const median = values[Math.floor(values.length / 2)] as number;
    // High value: above the median value at stake (the matrix's own split); riskiest first.
    const riskyValuable = [...run.scores]
      .filter((s) => (value.get(s.customer_id) ?? 0) > median)
      .sort((a, b) => b.churn_probability - a.churn_probability)
      .slice(0, 50);
    expect(riskyValuable.length).toBe(50);
    const quadrants = riskyValuable.map((s) => context.get(s.customer_id)?.value_quadrant);
    // Above the median value they can only be III or IV: where the seeds invest in keeping them.
    expect(quadrants.filter((q) => q === 'I' || q === 'II')).toEqual([]);
    expect(quadrants.every((q) => q === 'III' || q === 'IV')).toBe(true);
    // And most of the top 100 by expected loss sit in the invested quadrants (the store
    // had 70 of them in quadrant I); those below the median value can only be there by risk.
    const topLoss = [...run.scores].sort((a, b) => b.expected_loss - a.expected_loss).slice(0, 100);
    const invested = topLoss.filter((s) => ['III', 'IV'].includes(context.get(s.customer_id)?.value_quadrant ?? '')).length;
    expect(invested).toBeGreaterThan(50);
  });

  it('regression 19.3: expected loss = churn probability × value at stake (not × the score-shortened value)', async () => {
    const value = await valueOf(run.asOf);
    let checked = 0;
    for (const s of run.scores) {
      const v = value.get(s.customer_id);
      expect(v).toBeDefined();
      expect(s.expected_loss).toBeCloseTo(s.churn_probability * Math.max(0, v as number), 1);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
    // The 360 view shows the stored expected loss and the same value at stake.
    const top = [...run.scores].sort((a, b) => b.expected_loss - a.expected_loss)[0];
    const view = await customer360(store, { customerId: top?.customer_id ?? '' });
    expect(Number(view.churn_score?.expected_loss)).toBeCloseTo(top?.expected_loss ?? NaN, 2);
    expect(view.value?.current_value).toBeCloseTo(value.get(top?.customer_id ?? '') ?? NaN, 1);
  });

  it("regression 19.3: a customer's value does not change when only its churn score changes", async () => {
    const before = await valueOf(run.asOf);
    const report = await customerValue(store, { asOf: run.asOf });
    // Another scoring run of the same month where every probability is turned around.
    await store.run(
      `INSERT INTO churn_scores SELECT model_version || '-flipped', as_of, customer_id, 1 - churn_probability, expected_loss, top_reasons, current_timestamp + INTERVAL 1 SECOND
       FROM churn_scores WHERE as_of = CAST($1 AS DATE)`,
      [`${run.asOf}-01`],
    );
    const after = await valueOf(run.asOf);
    expect(after.size).toBe(before.size);
    for (const [id, v] of before) expect(after.get(id)).toBe(v);
    const again = await customerValue(store, { asOf: run.asOf });
    expect(again.quadrants.map((q) => q.customers)).toEqual(report.quadrants.map((q) => q.customers));
    expect(again.lifetime.source).toMatch(/independent of the customer's own churn score/);
  });
});
