import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from '../../cli/test-support.ts';
import { shrunkRate } from '../../domain/campaigns/winback.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset } from '../import/import-dataset.ts';
import { customerId as cid, FixtureFile, type ExpectedReject } from '../import/test-fixture.ts';
import { winback, type WinbackReport } from './winback.ts';

/**
 * 30 accounts billed 2024-01..2024-12 (margin = 10 × i a month), 12 of them leave:
 *   C0001–C0004 price (101) in 2024-06, C0001 and C0002 come back (C0031, C0032) in 2024-08;
 *   C0005–C0007 network quality (205) in 2024-07 to 中国移动; C0005 comes back in 2024-12;
 *   C0008–C0009 credit (335, involuntary) in 2024-09: never candidates;
 *   C0010–C0012 relocation (210) in 2024-11 (1 month before the data ends).
 * Consent: true except C0007 (false).
 */
const root = mkdtempSync(join(tmpdir(), 'tenure-winback-'));
const db = join(root, 's.duckdb');
const exits: Record<number, [string, string, string, string]> = {
  1: ['2024-06-10', 'voluntary', '101', ''],
  2: ['2024-06-10', 'voluntary', '101', ''],
  3: ['2024-06-10', 'voluntary', '101', ''],
  4: ['2024-06-10', 'voluntary', '101', ''],
  5: ['2024-07-10', 'voluntary', '205', '中国移动'],
  6: ['2024-07-10', 'voluntary', '205', '中国移动'],
  7: ['2024-07-10', 'voluntary', '205', '中国移动'],
  8: ['2024-09-10', 'involuntary', '335', ''],
  9: ['2024-09-10', 'involuntary', '335', ''],
  10: ['2024-11-10', 'voluntary', '210', ''],
  11: ['2024-11-10', 'voluntary', '210', ''],
  12: ['2024-11-10', 'voluntary', '210', ''],
};
const returns: Record<number, [number, string]> = { 31: [1, '2024-08-01'], 32: [2, '2024-08-01'], 33: [5, '2024-12-01'] };
let report: WinbackReport;

beforeAll(async () => {
  const exp: ExpectedReject[] = [];
  const customers = new FixtureFile('customers', ['customer_id', 'customer_type', 'join_date', 'region', 'winback_of', 'marketing_consent'], exp);
  const usage = new FixtureFile('monthly_usage', ['customer_id', 'month', 'revenue', 'cost'], exp);
  const churn = new FixtureFile('churn_events', ['customer_id', 'churn_date', 'churn_type', 'reason_code', 'competitor'], exp);
  for (let i = 1; i <= 33; i++) {
    const back = returns[i];
    customers.add(`${cid(i)},individual,${back ? back[1] : '2020-03-15'},甘肃/兰州,${back ? cid(back[0]) : ''},${i === 7 ? 'false' : 'true'}`);
    const exit = exits[i];
    for (let m = 1; m <= 12; m++) {
      const month = `2024-${String(m).padStart(2, '0')}`;
      if (exit && month >= exit[0].slice(0, 7)) break;
      if (back && month < back[1].slice(0, 7)) continue;
      usage.add(`${cid(i)},${month},${(10 * i + 5).toFixed(2)},5`);
    }
    if (exit) churn.add(`${cid(i)},${exit.join(',')}`);
  }
  for (const f of [customers, usage, churn]) f.write(root);
  expect(exp).toEqual([]);
  const store = await DuckDBStore.open(db, { readableDirectories: [root] });
  try {
    expect((await importDataset(store, root, { prepareAnalytics: false })).rejected).toBe(0);
    report = await winback(store, { from: '2024-01', to: '2024-12' });
  } finally {
    await store.close();
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('winback', () => {
  it('counts returns through winback_of by reason group and competitor', () => {
    expect(report.churned).toBe(12);
    expect(report.rate.overall).toEqual({ churned: 12, returned: 3, rate: 3 / 12 });
    expect(report.rate.byReasonGroup).toEqual({
      credit: { churned: 2, returned: 0, rate: 0 },
      incidental: { churned: 3, returned: 0, rate: 0 },
      price: { churned: 4, returned: 2, rate: 0.5 },
      quality: { churned: 3, returned: 1, rate: 1 / 3 },
    });
    expect(report.rate.byCompetitor['中国移动']).toEqual({ churned: 3, returned: 1, rate: 1 / 3 });
  });

  it('gives the return rate within k months only over exits that have had k months', () => {
    const within = Object.fromEntries(report.rate.withinMonths.map((w) => [w.months, [w.churned, w.returned]]));
    // Data ends 2024-12: within 1 month, every exit up to 2024-11 counts; nobody came back that fast.
    expect(within[1]).toEqual([12, 0]);
    // Within 3 months: exits up to 2024-09 (9 of them); C0001 and C0002 returned 2 months after.
    expect(within[3]).toEqual([9, 2]);
    // Within 6 months: exits up to 2024-06 (4 price leavers); 2 returned.
    expect(within[6]).toEqual([4, 2]);
    expect(within[12]).toEqual([0, 0]);
  });

  it('lists not-returned, winnable, mid/high-value accounts with their plan; never credit or fraud exits', () => {
    const ids = report.accounts.map((a) => a.customerId);
    for (const gone of [cid(1), cid(2), cid(5), cid(8), cid(9)]) expect(ids).not.toContain(gone);
    // Value lost grows with i (margin 10 × i), so the bottom third (by value) is cut.
    expect(report.accounts.every((a) => a.valueLost >= report.valueThresholds.mid)).toBe(true);
    expect(ids.length).toBe(report.candidates);
    const c6 = report.accounts.find((a) => a.customerId === cid(6));
    expect(c6?.reasonGroup).toBe('quality');
    expect(c6?.revisitDate).toBe('2024-10-08'); // 90 days after 2024-07-10
    expect(c6?.monthlyMargin).toBeCloseTo(60, 9);
    // Likelihood: the quality × 中国移动 cell (1 of 3) shrunk to quality (1 of 3) shrunk to overall (3 of 12).
    const quality = shrunkRate({ churned: 3, returned: 1 }, 3 / 12);
    expect(c6?.likelihood).toBeCloseTo(shrunkRate({ churned: 3, returned: 1 }, quality), 12);
    expect(report.accounts.map((a) => a.expectedRecovery)).toEqual([...report.accounts.map((a) => a.expectedRecovery)].sort((a, b) => b - a));
  });

  it('tenure winback --json prints the CLI contract shape; an account without consent gets no outbound plan', async () => {
    const run = await runCaptured(['winback', '--db', db, '--from', '2024-01', '--to', '2024-12', '--json', '--lang', 'en', '--top', '0']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.out) as { candidates: number; rate: { overall: number; by_reason_group: Record<string, number> }; accounts: { customer_id: string; plan: string }[] };
    expect(out.rate.overall).toBe(0.25);
    expect(out.rate.by_reason_group.price).toBe(0.5);
    expect(out.candidates).toBe(report.candidates);
    expect(out.accounts.find((a) => a.customer_id === cid(7))?.plan).toContain('no outbound contact');
    expect(out.accounts.find((a) => a.customer_id === cid(6))?.plan).toContain('network has improved');
  });
});
