/**
 * `tenure uplift train|evaluate` on a demo operator (its past campaigns): the model learns from
 * every campaign but the latest, is kept in the store, is refused on a campaign it learned from,
 * and is evaluated on the held-out one with figures that agree with their definitions; and the
 * binned figures are the ones SQL's NTILE gives.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binCounts, curveFromBins, rankingOrder } from '../../domain/campaigns/uplift-metrics.ts';
import { writeDemoDataset } from '../demo/write-dataset.ts';
import { runCaptured } from '../../cli/test-support.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset } from '../import/import-dataset.ts';
import { selectRows, type ColumnSet as ModelColumnSet } from '../../model/columns.ts';
import { buildCustomerFeatures, CUSTOMER_FEATURES } from '../churn-model/features.ts';
import { toModelColumns } from '../churn-model/train.ts';
import { evaluateUpliftModel, type UpliftEvaluation } from './evaluate.ts';
import { campaignRecords, memberSample, type CampaignRecord } from './samples.ts';
import { trainUpliftModel, type TrainedUpliftModel } from './train.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-uplift-'));
const data = join(root, 'data');
const path = join(root, 'store.duckdb');
const hash = () => createHash('sha256').update(readFileSync(path)).digest('hex');
let store: DuckDBStore;
let trained: TrainedUpliftModel;
let evaluation: UpliftEvaluation;
let refusals: unknown[];
let before: string;

beforeAll(async () => {
  await writeDemoDataset({ outDir: data, customers: 6000, months: 24, seed: 21, profile: 'mixed' });
  const writer = await DuckDBStore.open(path, { readableDirectories: [data] });
  try {
    await importDataset(writer, data, { prepareAnalytics: false });
    trained = await trainUpliftModel(writer);
    refusals = [
      await trainUpliftModel(writer, { campaigns: ['NOPE'] }).catch((e: unknown) => e),
      await trainUpliftModel(writer, { campaigns: ['RET-2025-01'], offerId: 'CARE' }).catch((e: unknown) => e),
    ];
  } finally {
    await writer.close();
  }
  before = hash();
  // Evaluation is a read command: it runs on a read-only store.
  store = await DuckDBStore.open(path, { access: 'read-only' });
  evaluation = await evaluateUpliftModel(store, { campaignId: 'RET-2025-09', bootstrap: 200 });
}, 300_000);
afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

describe('uplift train', () => {
  it('learns the most common offer from every complete campaign but the latest, and keeps the model', async () => {
    expect(trained.metrics.offer_id).toBe('R10');
    expect(trained.metrics.campaigns).toEqual(['RET-2024-09', 'RET-2025-01', 'RET-2025-05']);
    expect(trained.metrics.held_out).toEqual(['RET-2025-09']);
    expect(trained.metrics.validation).toBe('each of RET-2024-09, RET-2025-01, RET-2025-05 held out in turn');
    for (const l of trained.metrics.learners) {
      expect(l.fold_qini).toHaveLength(3);
      expect(l.validation_qini).toBeCloseTo(l.fold_qini.reduce((a, b) => a + b, 0) / 3, 12);
    }
    expect(trained.metrics.learners.map((l) => l.learner).sort()).toEqual(['s_learner', 't_learner']);
    const best = Math.max(...trained.metrics.learners.map((l) => l.validation_qini));
    expect(trained.metrics.learners.find((l) => l.learner === trained.metrics.learner)?.validation_qini).toBe(best);
    expect(trained.metrics.members.treated).toBeGreaterThan(100);
    expect(trained.metrics.members.control).toBeGreaterThan(80);
    expect(trained.metrics.acceptance_rate).toBeGreaterThan(0);
    expect(trained.metrics.acceptance_rate).toBeLessThan(1);
    const rows = await store.query<{ model_id: string; offer_id: string; campaigns: string }>('SELECT model_id, offer_id, campaigns FROM uplift_models');
    expect(rows).toEqual([{ model_id: trained.modelId, offer_id: 'R10', campaigns: JSON.stringify(trained.metrics.campaigns) }]);
  });

  it('refuses campaigns that cannot teach it, naming them', () => {
    expect(String(refusals[0])).toMatch(/no campaign NOPE/);
    expect(String(refusals[1])).toMatch(/RET-2025-01 has no CARE arm/);
  });

  it('needs the store alone: a read-only store is refused', async () => {
    await expect(trainUpliftModel(store)).rejects.toMatchObject({ code: 'READ_ONLY' });
  });
});

describe('uplift evaluate', () => {
  it('is refused on a campaign the model learned from', async () => {
    await expect(evaluateUpliftModel(store, { campaignId: 'RET-2025-05' })).rejects.toThrow(/learned from campaign RET-2025-05.*RET-2025-09/);
  });

  it('evaluates on the held-out campaign: random scores 0, the curves end at the overall uplift, intervals hold the estimates', () => {
    const e = evaluation;
    expect(e.members.treated + e.members.control).toBe(e.scores.length);
    expect(e.featuresAsOf).toBe('2025-08');
    const last = e.model.curve[e.model.curve.length - 1];
    expect(last?.fraction).toBeCloseTo(1, 12);
    expect(last?.qini).toBeCloseTo(e.overallUplift, 12);
    expect(e.byRisk.curve[e.byRisk.curve.length - 1]?.qini).toBeCloseTo(e.overallUplift, 12);
    expect(e.auucRandom).toBeCloseTo(e.overallUplift / 2, 12);
    for (const f of [e.model, e.byRisk]) {
      expect(f.qiniCi?.[0]).toBeLessThanOrEqual(f.qini);
      expect(f.qiniCi?.[1]).toBeGreaterThanOrEqual(f.qini);
      expect(f.auucCi?.[0]).toBeLessThanOrEqual(f.auuc);
    }
    expect(e.riskSource).toMatch(/no churn model/); // this store has none: the model's own churn estimate
    expect(e.highestRisk.members).toBe(Math.round(0.1 * e.scores.length));
    const h = e.highestRisk;
    expect(h.persuadable + h.sureThing + h.lostCause + h.sleepingDog).toBe(h.members);
    expect(e.netValue.targeted).toBeLessThanOrEqual(e.scores.length);
    expect(e.netValue.costPerTargeted).toBeGreaterThan(1.5); // R10's contact cost plus the expected discount
  });

  it('the figures are the ones SQL NTILE binning gives', async () => {
    const e = evaluation;
    const ids = e.scores.map((s) => s.customerId);
    const uplift = Float64Array.from(e.scores, (s) => s.uplift);
    // Outcomes and arms as the store has them.
    const outcomes = await store.query<{ customer_id: string; treated: number; churned: number }>(
      `SELECT m.customer_id, CASE WHEN m.arm = 'R10' THEN 1 ELSE 0 END AS treated,
              CASE WHEN e.churn_date < DATE '2025-12-01' THEN 1 ELSE 0 END AS churned
       FROM campaign_members m LEFT JOIN churn_events e ON e.customer_id = m.customer_id
       WHERE m.campaign_id = 'RET-2025-09' AND m.arm IN ('control', 'R10')`,
    );
    const byId = new Map(outcomes.map((o) => [o.customer_id, o]));
    const treated = Uint8Array.from(ids, (id) => Number(byId.get(id)?.treated));
    const churned = Uint8Array.from(ids, (id) => Number(byId.get(id)?.churned));
    const ours = binCounts(rankingOrder(uplift, ids), treated, churned, 10);
    await store.stageColumns('uplift_scores_t', { rowCount: ids.length, names: ['customer_id', 'score', 'treated', 'churned'], columns: { customer_id: [...ids], score: uplift, treated: Float64Array.from(treated), churned: Float64Array.from(churned) } });
    const sql = await store.query<{ b: number; treated: number; control: number; treated_churned: number; control_churned: number }>(
      `WITH r AS (SELECT *, ntile(10) OVER (ORDER BY score DESC, customer_id) AS b FROM uplift_scores_t)
       SELECT b, sum(treated) AS treated, sum(1 - treated) AS control, sum(treated * churned) AS treated_churned, sum((1 - treated) * churned) AS control_churned
       FROM r GROUP BY b ORDER BY b`,
    );
    expect(sql.map((r) => ({ treated: Number(r.treated), control: Number(r.control), treatedChurned: Number(r.treated_churned), controlChurned: Number(r.control_churned) }))).toEqual(ours);
    expect(curveFromBins(ours).qini).toBeCloseTo(e.model.qini, 12);
  });

  it('on the command line: a table in English, the members\' scores written to --scores, bad flags refused', async () => {
    const scores = join(root, 'scores.csv');
    const r = await runCaptured(['uplift', 'evaluate', '--db', path, '--campaign', 'RET-2025-09', '--bootstrap', '100', '--scores', scores, '--lang', 'en', '--format', 'table']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/churn risk alone/);
    expect(r.out).toMatch(/highest-risk members \(top 10 %\)/);
    const lines = readFileSync(scores, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('customer_id,uplift,churn_probability');
    expect(lines).toHaveLength(evaluation.scores.length + 1);
    const bins = await runCaptured(['uplift', 'evaluate', '--db', path, '--campaign', 'RET-2025-09', '--bins', '7']);
    expect(bins.code).toBe(2);
    expect(bins.err).toMatch(/--bins must be one of 10, 20, 50, 100/);
    const learned = await runCaptured(['uplift', 'evaluate', '--db', path, '--campaign', 'RET-2024-09', '--json']);
    expect(learned.code).toBe(2);
    expect(learned.err).toMatch(/learned from campaign RET-2024-09/);
  });

  it("builds features for the campaign's members only, the values the whole base gives them", async () => {
    const records = await campaignRecords(store);
    const c = records.find((r) => r.campaignId === 'RET-2025-09') as CampaignRecord;
    const sample = await memberSample(store, c, 'R10');
    const whole = await buildCustomerFeatures(store, sample.asOf, c.horizonMonths);
    const rowOf = new Map((whole.columns.customer_id as string[]).map((id, i) => [id, i]));
    const expected = selectRows(toModelColumns(whole, CUSTOMER_FEATURES), sample.ids.map((id) => rowOf.get(id) as number));
    expect(sample.ids.length).toBeGreaterThan(100);
    const decoded = (set: ModelColumnSet) =>
      set.columns.map((col) => (col.kind === 'numeric' ? Array.from(col.values) : Array.from(col.codes, (k) => (k < 0 ? null : col.vocabulary[k]))));
    expect(decoded(sample.columns)).toEqual(decoded(expected));
  });

  it('leaves the store file as it was', () => {
    expect(hash()).toBe(before);
  });
});
