import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoDataset } from '../demo/write-dataset.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { TenureError } from '../errors.ts';
import { importDataset } from '../import/import-dataset.ts';
import { scoreCustomers } from './score.ts';
import { scoreContext } from './score-context.ts';
import { ensureStageHistory } from '../lifecycle/history-store.ts';
import { PREPARED_STAGE_MONTHS } from '../lifecycle/prepare.ts';
import { defaultLifecycleRules } from '../../domain/lifecycle/rules.ts';
import { addMonths, monthRange } from '../../domain/month.ts';
import { CUSTOMER_FEATURES, buildCustomerFeatures } from './features.ts';
import { isExtraFeature } from './extra-features.ts';
import { planSnapshots, toModelColumns, trainChurnModel, type TrainedChurnModel } from './train.ts';
import { refitRounds } from '../../model/gbdt.ts';
import { rocAuc } from '../../model/metrics.ts';

describe('snapshot plan', () => {
  it('holds out the latest month whose horizon is observed; early stopping sees no churner of its validation window in training', () => {
    const plan = planSnapshots('2024-01', '2025-12', 3);
    expect(plan.holdout).toBe('2025-09');
    expect(plan.validation).toBe('2025-06'); // its labels end 2025-09, before the holdout's start
    // Labels of 2025-03 end in 2025-06: none reaches the validation window Jul–Sep 2025.
    // Twelve months up to 2025-03, from the first with six months of bills (2024-06).
    expect(plan.training).toEqual(['2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03']);
    // The stored model: the latest twelve months, labels ending with the data (2025-12).
    expect(plan.refit).toEqual(['2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09']);
    // A longer history stops at twelve.
    expect(planSnapshots('2022-01', '2025-12', 3).training).toEqual(['2024-04', '2024-05', '2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03']);
    expect(planSnapshots('2022-01', '2025-12', 3, undefined, 6).training).toEqual(['2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03']);
  });

  it('keeps six months of history before the first training snapshot, and falls back as the history shortens', () => {
    const plan = planSnapshots('2025-01', '2025-12', 2);
    expect(plan.holdout).toBe('2025-10');
    expect(plan.validation).toBe('2025-08');
    expect(plan.training).toEqual(['2025-06']);
    expect(plan.refit).toEqual(['2025-06', '2025-07', '2025-08', '2025-09', '2025-10']);
    // No month whose labels end by the validation month: the months just before it.
    expect(planSnapshots('2025-02', '2025-12', 2).training).toEqual(['2025-07']);
    // None at all: the validation month itself.
    expect(planSnapshots('2025-03', '2025-12', 2).training).toEqual(['2025-08']);
  });

  it('refuses a holdout whose horizon runs past the data, and too short a history', () => {
    expect(() => planSnapshots('2024-01', '2025-12', 3, '2025-10')).toThrow(/runs past the data/);
    expect(() => planSnapshots('2025-06', '2025-12', 3)).toThrow(TenureError);
    expect(() => planSnapshots('2024-01', '2025-12', 0)).toThrow(/--horizon/);
  });
});

describe('customer-level churn model on the demo operator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenure-churn-model-'));
  let store: DuckDBStore;
  let trained: TrainedChurnModel;

  beforeAll(async () => {
    await writeDemoDataset({ outDir: join(dir, 'data'), customers: 4000, months: 24, seed: 11, profile: 'mixed' });
    store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [dir] });
    await importDataset(store, join(dir, 'data'));
    trained = await trainChurnModel(store, { horizon: 3 });
  }, 240_000);

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('beats the tenure-only baseline clearly on the untouched holdout month', () => {
    const m = trained.metrics;
    expect(m.holdout).toBe('2025-09');
    expect(m.model.auc).toBeGreaterThan(0.7);
    expect(m.model.auc - m.tenure_only_auc).toBeGreaterThan(0.1);
    expect(m.model.lift_top10).toBeGreaterThan(2.5);
    expect(m.model.brier).toBeLessThan(m.holdout_churn_rate); // better than predicting 0 for everyone
    expect(m.train_sample).toBe(1);
  });

  it('stores the model refitted on the latest snapshots with the early-stopping rounds', async () => {
    const m = trained.metrics;
    expect(m.refit_snapshots).toEqual(['2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09']);
    expect(m.early_stopping_trees).toBeGreaterThan(0);
    let refitRows = 0;
    for (const month of m.refit_snapshots) refitRows += (await buildCustomerFeatures(store, month, 3)).rowCount;
    expect(trained.model.trees.length).toBe(refitRounds(m.early_stopping_trees, m.train_rows, refitRows));
    expect(m.trees).toBe(trained.model.trees.length);
    // The refitted model knows the holdout month's churners (it trained on them); the
    // early-stopping fit, evaluated there, did not: its AUC is the lower of the two.
    // The demo carries x_ columns: the model reads the contract's features and those.
    const holdout = await buildCustomerFeatures(store, m.holdout, 3, 1000, trained.features.filter(isExtraFeature));
    const label = Array.from(holdout.columns.churned as Float64Array);
    expect(rocAuc(trained.model.margin(toModelColumns(holdout, trained.features)), label)).toBeGreaterThan(m.model.auc);
  }, 120_000);


  it('records the model with its metrics', async () => {
    const rows = await store.query<{ n: number; v: string }>('SELECT count(*) AS n, max(model_version) AS v FROM churn_models');
    expect(rows[0]?.n).toBe(1);
    expect(rows[0]?.v).toBe(trained.modelVersion);
  });

  it('scores the closing base with probabilities, expected loss and reasons, and stores them', async () => {
    const run = await scoreCustomers(store, { lang: 'en' });
    expect(run.asOf).toBe('2025-12');
    const [base] = await store.query<{ n: number }>(
      `SELECT count(*) AS n FROM customers c WHERE c.join_date < DATE '2026-01-01'
         AND NOT EXISTS (SELECT 1 FROM churn_events e WHERE e.customer_id = c.customer_id AND e.churn_date < DATE '2026-01-01')`,
    );
    expect(run.scores.length).toBe(base?.n);
    for (const s of run.scores) {
      expect(s.churn_probability).toBeGreaterThanOrEqual(0);
      expect(s.churn_probability).toBeLessThanOrEqual(1);
      expect(s.expected_loss).toBeGreaterThanOrEqual(0);
    }
    const risky = [...run.scores].sort((a, b) => b.churn_probability - a.churn_probability).slice(0, 20);
    expect(risky.every((s) => s.top_reasons.length > 0)).toBe(true);
    // Regression: reasons showed the exact age ("age 64 years", the birth year ±1) → its decade.
    const ageReasons = run.scores.flatMap((s) => s.top_reasons.filter((r) => r.startsWith('age ')));
    expect(ageReasons.filter((r) => r !== 'age missing').length).toBeGreaterThan(0);
    for (const r of ageReasons) expect(r).toMatch(/^age (missing|= (<20|90\+|\d0–\d9))$/);
    const [stored] = await store.query<{ n: number }>('SELECT count(*) AS n FROM churn_scores WHERE model_version = $1', [run.modelVersion]);
    expect(stored?.n).toBe(run.scores.length);
    // Scoring the same month again replaces, not duplicates.
    await scoreCustomers(store, { lang: 'en' });
    const [again] = await store.query<{ n: number }>('SELECT count(*) AS n FROM churn_scores WHERE model_version = $1', [run.modelVersion]);
    expect(again?.n).toBe(run.scores.length);
  });

  it('places every scored customer on the lifecycle and the value matrix; scoring leaves the stages as they were (issue 19.8)', async () => {
    const run = await scoreCustomers(store, { lang: 'en' });
    const context = await scoreContext(store, run.asOf);
    for (const s of run.scores) {
      const c = context.get(s.customer_id);
      expect(c?.lifecycle_stage).toMatch(/^[ABCD]$/);
      expect(c?.value_quadrant).toMatch(/^(I|II|III|IV)$/);
    }
    // The default rules read no score, so the months the import kept stay current after scoring:
    // a month's stages do not depend on whether it was scored.
    const months = monthRange(addMonths(run.asOf, -(PREPARED_STAGE_MONTHS - 1)), run.asOf);
    const { staged } = await ensureStageHistory(store, months, { rules: defaultLifecycleRules(), dataFirst: '2024-01', hasScores: true });
    expect(staged).toEqual([]);
  });

  // Last: it stores a second model, which the scoring tests above must not pick up.
  it('samples the same customers into every snapshot when the base exceeds the training row limit', async () => {
    const full = await buildCustomerFeatures(store, '2025-03', 3);
    const half = await buildCustomerFeatures(store, '2025-03', 3, 500);
    const earlier = await buildCustomerFeatures(store, '2025-01', 3, 500);
    const ids = (set: typeof full) => new Set(set.columns.customer_id as readonly string[]);
    const kept = ids(half);
    expect(kept.size).toBeGreaterThan(0.4 * full.rowCount);
    expect(kept.size).toBeLessThan(0.6 * full.rowCount);
    // A customer sampled in January and still active in March is sampled in March too.
    const march = ids(full);
    for (const id of ids(earlier)) if (march.has(id)) expect(kept.has(id)).toBe(true);
    // The sample is defined by MD5 (the low 64 bits, little-endian), not by the engine's own
    // hash, so it stays the same across engine versions: recomputed here without the engine.
    const byMd5 = [...march].filter((id) => createHash('md5').update(id).digest().readBigUInt64LE(8) % 1000n < 500n);
    expect([...kept].sort()).toEqual(byMd5.sort());

    const limit = 6000;
    const small = await trainChurnModel(store, { horizon: 3, maxTrainRows: limit });
    expect(small.metrics.train_sample).toBeLessThan(1);
    expect(small.metrics.train_rows).toBeLessThanOrEqual(limit * 1.1);
    expect(small.metrics.train_rows).toBeGreaterThan(limit * 0.6);
    expect(small.metrics.holdout_rows).toBe(trained.metrics.holdout_rows);
  }, 120_000);
});

describe('scores from explanations', () => {
  it('equal the model probability: SHAP values sum to the margin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenure-score-sum-'));
    const store = await DuckDBStore.open(join(dir, 's.duckdb'), { readableDirectories: [dir] });
    try {
      await writeDemoDataset({ outDir: join(dir, 'data'), customers: 1500, months: 24, seed: 5, profile: 'mobile' });
      await importDataset(store, join(dir, 'data'));
      const { model, features } = await trainChurnModel(store, { horizon: 3 });
      // The demo's x_segment attribute is one of the model's features (extra-features.ts).
      const extras = features.filter(isExtraFeature);
      expect(extras.map((f) => f.name)).toEqual(['x_segment']);
      const run = await scoreCustomers(store);
      const direct = model.probability(toModelColumns(await buildCustomerFeatures(store, run.asOf, 1, 1000, extras), [...CUSTOMER_FEATURES, ...extras]));
      run.scores.forEach((s, i) => expect(s.churn_probability).toBeCloseTo(direct[i] as number, 9));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
