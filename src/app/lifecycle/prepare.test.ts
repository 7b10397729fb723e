import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoDataset } from '../demo/write-dataset.ts';
import { defaultLifecycleRules } from '../../domain/lifecycle/rules.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset } from '../import/import-dataset.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot } from '../value/value-snapshot.ts';
import { dataSpan } from './context.ts';
import { ensureStageHistory } from './history-store.ts';
import { lifecycleSnapshot } from './lifecycle.ts';
import { DEFAULT_TRANSITION_MONTHS } from './transitions.ts';
import { addMonths, monthRange } from '../../domain/month.ts';

describe('import keeps the latest months ready for the read commands (unless told not to)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenure-prepare-'));
  beforeAll(async () => {
    await writeDemoDataset({ outDir: join(dir, 'data'), customers: 600, months: 12, seed: 5, profile: 'mixed' });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stages the months transitions shows and values the latest, so the first lifecycle calls stage nothing', async () => {
    const store = await DuckDBStore.open(join(dir, 'prepared.duckdb'), { readableDirectories: [dir] });
    try {
      const report = await importDataset(store, join(dir, 'data'));
      const span = await dataSpan(store);
      const months = monthRange(addMonths(span.last, -(DEFAULT_TRANSITION_MONTHS - 1)), span.last);
      expect(report.analytics?.months).toEqual(months);
      const again = await ensureStageHistory(store, months, { rules: defaultLifecycleRules(), dataFirst: span.first, hasScores: span.hasScores });
      expect(again.staged).toEqual([]);
      const [before] = await store.query<{ at: string }>('SELECT max(computed_at) AS at FROM value_snapshot_runs');
      await ensureValueSnapshot(store, span.last, DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
      const [after] = await store.query<{ at: string }>('SELECT max(computed_at) AS at FROM value_snapshot_runs');
      expect(after?.at).toEqual(before?.at);
      // The kept month is what lifecycle reads: every customer staged once.
      const snap = await lifecycleSnapshot(store);
      const [{ n } = { n: 0 }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers');
      expect(snap.customers).toBe(Number(n));
      // Importing the same files again changes nothing, so what was kept stays current.
      const repeat = await importDataset(store, join(dir, 'data'));
      expect(repeat.files.every((f) => f.inserted === 0 && f.updated === 0)).toBe(true);
      expect((await ensureStageHistory(store, months, { rules: defaultLifecycleRules(), dataFirst: span.first, hasScores: span.hasScores })).staged).toEqual([]);
      // A replaced row keeps every row count but is an import that changed data: stale (an
      // import without preparing, so the kept months are left as they were).
      const [bill] = await store.query<{ customer_id: string; month: string }>(
        `SELECT customer_id, strftime(month, '%Y-%m') AS month FROM monthly_usage WHERE month = DATE '${span.last}-01' LIMIT 1`,
      );
      const changed = join(dir, 'changed');
      mkdirSync(changed, { recursive: true });
      for (const f of ['customers.csv', 'churn_events.csv']) copyFileSync(join(dir, 'data', f), join(changed, f));
      writeFileSync(join(changed, 'monthly_usage.csv'), `customer_id,month,revenue\n${bill?.customer_id},${bill?.month},12345\n`);
      const replaced = await importDataset(store, changed, { prepareAnalytics: false });
      expect(replaced.files.find((f) => f.file === 'monthly_usage')?.updated).toBe(1);
      expect((await ensureStageHistory(store, months, { rules: defaultLifecycleRules(), dataFirst: span.first, hasScores: span.hasScores })).staged).toEqual(months);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('prepares nothing when told not to, and the read commands still build on first use', async () => {
    const store = await DuckDBStore.open(join(dir, 'plain.duckdb'), { readableDirectories: [dir] });
    try {
      const report = await importDataset(store, join(dir, 'data'), { prepareAnalytics: false });
      expect(report.analytics).toBeNull();
      const [{ n } = { n: 0 }] = await store.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM lifecycle_stage_runs) + (SELECT count(*) FROM value_snapshot_runs) AS n',
      );
      expect(Number(n)).toBe(0);
      const snap = await lifecycleSnapshot(store);
      expect(snap.customers).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('reports a failure to prepare without failing the import: the data stays loaded', async () => {
    const store = await DuckDBStore.open(join(dir, 'failing.duckdb'), { readableDirectories: [dir] });
    try {
      const run = store.run.bind(store);
      store.run = async (sql, params) => {
        if (sql.includes('INSERT INTO lifecycle_stage_history')) throw new Error('disk full (simulated)');
        return run(sql, params);
      };
      const report = await importDataset(store, join(dir, 'data'));
      expect(report.analytics).toBeNull();
      expect(report.analyticsError).toMatch(/disk full \(simulated\)/);
      expect(report.files.every((f) => f.status === 'loaded' && f.rejected === 0)).toBe(true);
      const [{ n } = { n: 0 }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers');
      expect(Number(n)).toBe(600);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a scoring run makes stale only its own month, and only for rules that read churn_risk', async () => {
    const store = await DuckDBStore.open(join(dir, 'scored.duckdb'), { readableDirectories: [dir] });
    try {
      await importDataset(store, join(dir, 'data'));
      const span = await dataSpan(store);
      const previous = addMonths(span.last, -1);
      const base = defaultLifecycleRules();
      const defaults = { rules: base, dataFirst: span.first, hasScores: true };
      const risky = { ...base, rules: [{ id: 'D-churn-risk', stage: 'D' as const, description: 'risk', when: { feature: 'churn_risk' as const, op: '>=' as const, value: 0.5 } }, ...base.rules] };
      const opts = { ...defaults, rules: risky };
      await ensureStageHistory(store, [previous, span.last], opts);
      const [c] = await store.query<{ id: string }>('SELECT min(customer_id) AS id FROM customers');
      const score = (month: string) =>
        store.run(`INSERT INTO churn_scores VALUES ('m', DATE '${month}-01', '${c?.id}', 0.9, 0, '[]', current_timestamp)`);
      await score(span.last);
      // The default rules read no score: nothing kept goes stale.
      expect((await ensureStageHistory(store, [previous, span.last], defaults)).staged).toEqual([]);
      expect((await ensureStageHistory(store, [previous], opts)).staged).toEqual([]);
      expect((await ensureStageHistory(store, [span.last], opts)).staged).toEqual([span.last]);
      await score(previous);
      expect((await ensureStageHistory(store, [previous, span.last], opts)).staged).toEqual([previous]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
