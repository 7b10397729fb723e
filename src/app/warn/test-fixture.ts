import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { derlConstantChurn, monthlyDiscountRate } from '../../domain/value/current-value.ts';
import { sbgDerl, type SbgParameters } from '../../domain/retention/sbg.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { keepScoreContext } from '../churn-model/score-context.ts';
import { importDataset } from '../import/import-dataset.ts';
import { customerId as cid, FixtureFile, type ExpectedReject } from '../import/test-fixture.ts';

/**
 * A small operator whose figures can be computed by hand, for the warn tests.
 * Customers 1…N (N = 240): joined on the 15th of month (i % 9) + 1 of joinYear(i); region by
 * i % 3 (0 甘肃/酒泉, 1 甘肃/兰州, 2 宁夏/银川); marketing consent except every 10th; billed
 * 2023-07 (or the join month)…2024-06 with revenue 20 + 3·(i % 37) and cost 5 (margin 15 + 3·(i % 37)); broadband
 * for even i, basic TV for i % 4 = 0 (so full-service = i % 4 = 0); customers 1–6 left in
 * 2024-02. Two scoring runs: mA as of 2024-05 (customers 7–230) and mB as of 2024-06 (7–240),
 * probabilities pA and pB below; their contexts kept as `tenure score` keeps them.
 */
export const N = 240;
export const FIRST_SCORED = 7;
export const LAST_SCORED_A = 230;
export const REGIONS = ['甘肃/酒泉/肃州区', '甘肃/兰州/城关区', '宁夏/银川/兴庆区'] as const;
export const customerId = cid;
export const pA = (i: number): number => Math.round((((i * 37) % 101) / 101) * 0.9e6 + 0.01e6) / 1e6;
export const pB = (i: number): number => Math.round((((i * 53) % 97) / 97) * 0.9e6 + 0.02e6) / 1e6;
export const margin = (i: number): number => 15 + 3 * (i % 37);
export const revenue = (i: number): number => 20 + 3 * (i % 37);
/** A reason text that a spreadsheet would run as a formula. */
export const FORMULA_REASON = '=HYPERLINK("http://evil.example","open")';
export const reasonsOf = (i: number): string[] => (i === 10 ? [FORMULA_REASON, 'b'] : [`reason ${i % 5}`, `detail ${i}`]);

const months = Array.from({ length: 12 }, (_, k) => {
  const m = 7 + k;
  return m <= 12 ? `2023-${String(m).padStart(2, '0')}` : `2024-${String(m - 12).padStart(2, '0')}`;
});

/** Whole months of tenure at the end of `asOf` (joined on the 15th: no month is cut short). */
export function tenureAt(i: number, asOf: string): number {
  const [y, m] = asOf.split('-').map(Number) as [number, number];
  return y * 12 + m - 1 - (joinYear(i) * 12 + (i % 9));
}

/** 2015 + i % 8, except that i % 8 = 7 joined in 2023 (new customers, in other lifecycle stages). */
export const joinYear = (i: number): number => (i % 8 === 7 ? 2023 : 2015 + (i % 8));

/** Value at stake by hand: margin × the cohorts' discounted lifetime at the tenure (sBG, else 2 % a month). */
export function valueAt(i: number, asOf: string, sbg: SbgParameters | null): number {
  const d = monthlyDiscountRate(0.1);
  return margin(i) * (sbg ? sbgDerl(sbg, tenureAt(i, asOf), d) : derlConstantChurn(0.02, d));
}

export async function insertRun(store: DuckDBStore, model: string, asOf: string, scoredAt: string, ids: readonly number[], p: (i: number) => number): Promise<void> {
  const rows = ids.map((i) => `('${model}', DATE '${asOf}-01', '${cid(i)}', ${p(i)}, 0, '${JSON.stringify(reasonsOf(i)).replaceAll("'", "''")}', TIMESTAMP '${scoredAt}')`);
  await store.run(`INSERT INTO churn_scores VALUES ${rows.join(', ')}`);
  await keepScoreContext(store, { modelVersion: model, asOf });
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, k) => from + k);

/** Writes the data set under `root`/data and imports it into `root`/warn.duckdb with both runs; returns the store path. */
export async function makeWarnStore(root: string): Promise<{ db: string; data: string }> {
  const data = join(root, 'data');
  mkdirSync(data, { recursive: true });
  const exp: ExpectedReject[] = [];
  const customers = new FixtureFile('customers', ['customer_id', 'customer_type', 'join_date', 'region', 'marketing_consent'], exp);
  const usage = new FixtureFile('monthly_usage', ['customer_id', 'month', 'revenue', 'cost'], exp);
  const subs = new FixtureFile('subscriptions', ['subscription_id', 'customer_id', 'product_id', 'category', 'start_date', 'monthly_fee'], exp);
  const churn = new FixtureFile('churn_events', ['customer_id', 'churn_date', 'churn_type', 'reason_code'], exp);
  for (let i = 1; i <= N; i++) {
    const joinMonth = `${joinYear(i)}-${String((i % 9) + 1).padStart(2, '0')}`;
    const joined = `${joinMonth}-15`;
    customers.add(`${cid(i)},individual,${joined},${REGIONS[i % 3]},${i % 10 === 0 ? 'false' : 'true'}`);
    const billed = (i <= 6 ? months.slice(0, 7) : months).filter((m) => m >= joinMonth);
    for (const m of billed) usage.add(`${cid(i)},${m},${revenue(i).toFixed(2)},5`);
    if (i % 2 === 0) subs.add(`S${i}b,${cid(i)},BB100,broadband,${joined},${(revenue(i) / 2).toFixed(2)}`);
    if (i % 4 === 0) subs.add(`S${i}t,${cid(i)},TV1,tv_basic,${joined},${(revenue(i) / 2).toFixed(2)}`);
    if (i <= 6) churn.add(`${cid(i)},2024-02-10,voluntary,101`);
  }
  const offers = new FixtureFile('offers', ['offer_id', 'name', 'kind', 'monthly_discount', 'months'], exp);
  offers.add('O10,10 off,discount,10,3');
  for (const f of [customers, usage, subs, churn, offers]) f.write(data);
  const db = join(root, 'warn.duckdb');
  const store = await DuckDBStore.open(db, { readableDirectories: [data] });
  try {
    const imported = await importDataset(store, data, { prepareAnalytics: false });
    if (imported.rejected !== 0 || exp.length !== 0) throw new Error(`fixture rejected ${imported.rejected} rows`);
    await insertRun(store, 'mA', '2024-05', '2024-06-05 10:00:00', range(FIRST_SCORED, LAST_SCORED_A), pA);
    await insertRun(store, 'mB', '2024-06', '2024-07-05 10:00:00', range(FIRST_SCORED, N), pB);
  } finally {
    await store.close();
  }
  return { db, data };
}
