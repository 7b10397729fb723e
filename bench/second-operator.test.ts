import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { rocAuc } from '../src/model/metrics.ts';
import { parseCsv } from '../src/model/table.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { cutAtMonth, type TruthRow } from './holdout-cut.ts';
import { writeSecondOperator } from './second-operator.ts';

const LAST = '2026-06';

describe('the second operator and the holdout cut', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenure-second-operator-'));
  let truth: TruthRow[];
  let pTrue: Map<string, number>;

  beforeAll(async () => {
    ({ pTrue } = await writeSecondOperator({ outDir: join(dir, 'full'), customers: 3000, months: 12, seed: 5, lastMonth: LAST }));
    truth = await cutAtMonth(join(dir, 'full'), join(dir, 'data'), join(dir, 'truth.csv'), LAST, 3);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const read = (file: string) => parseCsv(readFileSync(join(dir, 'data', file), 'utf8'), file);
  const column = (t: ReturnType<typeof read>, name: string) => t.columns[t.header.indexOf(name)] as string[];

  it('writes files in the contract that import without a reject, with x_ columns and without optional ones', async () => {
    const store = await DuckDBStore.open(join(dir, 's.duckdb'), { readableDirectories: [dir] });
    try {
      const report = await importDataset(store, join(dir, 'data'), { prepareAnalytics: false });
      expect(report.rejected).toBe(0);
      expect(report.files.every((f) => f.status === 'loaded')).toBe(true);
    } finally {
      await store.close();
    }
    const usage = read('monthly_usage.csv');
    expect(usage.header).toEqual(expect.arrayContaining(['x_app_logins', 'x_outage_hours', 'x_device_age_months']));
    expect(usage.header).not.toContain('roaming_minutes');
    expect(read('customers.csv').header).toEqual(expect.arrayContaining(['x_segment', 'x_handset_tier', 'x_credit_band']));
  });

  it('cuts at the last month: nothing later is left, and the truth is the closing base with its exits', () => {
    expect(column(read('monthly_usage.csv'), 'month').every((m) => m <= LAST)).toBe(true);
    expect(column(read('interactions.csv'), 'ts').every((t) => t < '2026-07-01')).toBe(true);
    expect(column(read('churn_events.csv'), 'churn_date').every((d) => d < '2026-07-01')).toBe(true);
    expect(column(read('customers.csv'), 'join_date').every((d) => d < '2026-07-01')).toBe(true);
    const subs = read('subscriptions.csv');
    expect(column(subs, 'start_date').every((d) => d < '2026-07-01')).toBe(true);
    expect(column(subs, 'end_date').every((d) => d === '' || d < '2026-07-01')).toBe(true);
    // The full files hold exits after the cut; the truth labels exactly those of Jul–Sep.
    const full = parseCsv(readFileSync(join(dir, 'full', 'churn_events.csv'), 'utf8'));
    const dates = new Map((full.columns[0] as string[]).map((id, i) => [id, (full.columns[1] as string[])[i] as string]));
    for (const t of truth) {
      const d = dates.get(t.customer_id);
      expect(t.churned).toBe(d !== undefined && d >= '2026-07-01' && d < '2026-10-01' ? 1 : 0);
    }
    expect(truth.length).toBe(pTrue.size);
  });

  it('knows each customer\'s probability: it matches the exits on average and ranks them far better than chance', () => {
    const p = truth.map((t) => t.p_true as number);
    const y = truth.map((t) => t.churned);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    const expected = p.reduce((a, b) => a + b, 0);
    const observed = y.reduce((a, b) => a + b, 0);
    const sd = Math.sqrt(p.reduce((a, v) => a + v * (1 - v), 0));
    expect(Math.abs(observed - expected)).toBeLessThan(3.5 * sd);
    expect(rocAuc(p, y)).toBeGreaterThan(0.75);
  });

  it('is deterministic for a seed', async () => {
    const again = await writeSecondOperator({ outDir: join(dir, 'again'), customers: 300, months: 12, seed: 5, lastMonth: LAST });
    const first = await writeSecondOperator({ outDir: join(dir, 'first'), customers: 300, months: 12, seed: 5, lastMonth: LAST });
    expect([...again.pTrue]).toEqual([...first.pTrue]);
    for (const f of ['customers.csv', 'monthly_usage.csv', 'interactions.csv', 'subscriptions.csv', 'churn_events.csv']) {
      expect(readFileSync(join(dir, 'again', f), 'utf8')).toBe(readFileSync(join(dir, 'first', f), 'utf8'));
    }
  });
});
