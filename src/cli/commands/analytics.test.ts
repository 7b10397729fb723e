import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { loadSeasonalChurn } from '../../app/forecast/test-data.ts';
import { addBills, addCustomers, addSubscriptions, monthlyBills } from '../../app/lifecycle/test-store.ts';
import { runCaptured } from '../test-support.ts';

const run = runCaptured;

const dir = mkdtempSync(join(tmpdir(), 'tenure-analytics-cli-'));
const db = join(dir, 'a.duckdb');

beforeAll(async () => {
  const store = await DuckDBStore.open(db);
  await loadSeasonalChurn(store);
  // A few live customers with bills and products, for the lifecycle, value and segment views.
  await addCustomers(store, [
    { id: 'live1', joined: '2020-01-01' },
    { id: 'live2', joined: '2020-01-01' },
  ]);
  await addBills(store, [...monthlyBills('live1', '2023-01', '2024-06', 80, { cost: 20 }), ...monthlyBills('live2', '2024-03', '2024-06', 30)]);
  await addSubscriptions(store, [
    ['live1', 'tv_basic', '2020-01-01', null, 26],
    ['live1', 'broadband', '2020-01-01', null, 50],
    ['live2', 'tv_basic', '2020-01-01', null, 26],
  ]);
  await store.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

describe('analytics commands', () => {
  it('lifecycle --json prints the contract shape, E counting every churned account', async () => {
    const { code, out } = await run(['lifecycle', '--db', db, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { as_of: string; stages: Record<string, number>; shares: Record<string, number> };
    expect(j.as_of).toBe('2024-06');
    expect(Object.keys(j.stages)).toEqual(['A', 'B', 'C', 'D', 'E']);
    const churned = await (async () => {
      const s = await DuckDBStore.open(db);
      try {
        return Number((await s.query(`SELECT count(*) AS n FROM churn_events WHERE churn_date < DATE '2024-07-01'`))[0]?.n);
      } finally {
        await s.close();
      }
    })();
    expect(j.stages.E).toBe(churned);
    const csv = await run(['lifecycle', '--db', db, '--as-of', '2024-03', '--format', 'csv']);
    expect(csv.out.split('\n')[0]).toBe('stage,name,relationship,customers,share,active_share,arpu,margin,arpu_last3');
  });

  it('lifecycle transitions and patterns print the matrix and the patterns', async () => {
    const t = await run(['lifecycle', 'transitions', '--db', db, '--json']);
    expect(t.code).toBe(0);
    const j = JSON.parse(t.out) as { from: string; to: string; counts: number[][] };
    expect([j.from, j.to]).toEqual(['2024-05', '2024-06']); // the default range: the latest month's transitions
    expect(j.counts).toHaveLength(5);
    const p = await run(['lifecycle', '--db', db, 'patterns', '--from', '2024-01', '--json']);
    expect(p.code).toBe(0);
    expect((JSON.parse(p.out) as { patterns: unknown[] }).patterns).toHaveLength(4);
    // The table says when the range is too short to show pattern IV.
    const short = await run(['lifecycle', '--db', db, 'patterns', '--format', 'table', '--lang', 'en']);
    expect(short.code).toBe(0);
    expect(short.out).toMatch(/from the 2 month\(s\) observed, so IV needs a range of more than 12 months: give --from/);
  });

  it('forecast churn --json prints forecast rows and the backtest next to seasonal naive', async () => {
    const { code, out } = await run(['forecast', 'churn', '--db', db, '--horizon', '4', '--backtest', '6', '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { forecast: Record<string, unknown>[]; backtest: { mape: number; naive_mape: number } };
    expect(j.forecast).toHaveLength(4);
    for (const k of ['month', 'voluntary', 'involuntary', 'lower', 'upper']) expect(j.forecast[0]).toHaveProperty(k);
    expect(typeof j.backtest.mape).toBe('number');
    expect(typeof j.backtest.naive_mape).toBe('number');
  });

  it('value, segments, retention and customer answer with JSON', async () => {
    const v = await run(['value', '--db', db, '--json']);
    expect(v.code).toBe(0);
    expect((JSON.parse(v.out) as { quadrants: unknown[]; tiers: unknown[] }).quadrants).toHaveLength(4);
    const s = await run(['segments', '--db', db, '--json']);
    expect(s.code).toBe(0);
    expect((JSON.parse(s.out) as { trends: { segment: string }[] }).trends.map((t) => t.segment)).toContain('full-service');
    const c = await run(['customer', 'live1', '--db', db, '--json']);
    expect(c.code).toBe(0);
    expect((JSON.parse(c.out) as { lifecycle: { stage: string } }).lifecycle.stage).toBe('C');
    // Everyone joined before the data: no joiners, so the curves run over the opening base
    // entering at its tenure, conditional on the earliest tenure observed.
    const curves = await run(['retention', 'curves', '--db', db, '--by', 'province', '--json']);
    expect(curves.code).toBe(0);
    const cj = JSON.parse(curves.out) as { accounts: number; joined_in_window: number; left_truncated: number; groups: { conditional_on_tenure: number | null }[] };
    expect(cj.joined_in_window).toBe(0);
    expect(cj.left_truncated).toBe(cj.accounts);
    expect(cj.accounts).toBeGreaterThan(0);
    for (const g of cj.groups) expect(g.conditional_on_tenure).toBeGreaterThan(0);
  });

  it('exits 2 on usage errors and missing data', async () => {
    expect((await run(['lifecycle', '--db', join(dir, 'missing.duckdb')])).code).toBe(2);
    const bad = await run(['lifecycle', '--db', db, '--as-of', '2024-13']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--as-of must be a month/);
    expect((await run(['forecast', 'churn', '--db', db, '--horizon', '0'])).code).toBe(2);
    expect((await run(['customer', 'nobody', '--db', db])).code).toBe(2);
    const segs = join(dir, 'segs.json');
    writeFileSync(segs, JSON.stringify([{ name: 'x', when: { field: 'revenue', op: '>', value: 'a' } }]));
    const s = await run(['segments', '--db', db, '--segments', segs]);
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/revenue is a number field/);
  });
});
