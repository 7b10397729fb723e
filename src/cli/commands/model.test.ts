import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluate, runPredict, runTrain } from './model.ts';
import { runCaptured } from '../test-support.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';

const run = runCaptured;

afterEach(() => {
  process.exitCode = undefined;
});

const DATASETS = resolve(import.meta.dirname, '../../../../shared/datasets');
const HAVE_DATASETS = existsSync(join(DATASETS, 'ibm_telco', 'train.csv'));
const IN_CI = process.env.CI === 'true';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tenure-model-'));
  // A small churn table: id, a numeric column with blanks, a Yes/No flag, a category, the label.
  const lines = ['"id","monthly","paperless","plan","Churn"'];
  for (let i = 0; i < 400; i++) {
    const plan = ['basic', 'plus', 'max'][i % 3] as string;
    const monthly = i % 17 === 0 ? ' ' : String(20 + ((i * 37) % 80));
    const churn = (i * 37) % 80 > 50 || (plan === 'basic' && i % 4 === 0) ? 'Yes' : 'No';
    lines.push(`C${i},${monthly},${i % 2 ? 'Yes' : 'No'},${plan},${churn}`);
  }
  writeFileSync(join(dir, 'small.csv'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'one-class.csv'), lines.map((l, i) => (i === 0 ? l : l.replace(/,(Yes|No)$/, ',No'))).join('\n'));
  writeFileSync(join(dir, 'no-plan.csv'), lines.map((l) => l.split(',').filter((_, c) => c !== 3).join(',')).join('\n'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tenure model (flat-table mode): errors', () => {
  it('train without --table is the customer-level mode: an empty store says what is missing', async () => {
    await (await DuckDBStore.open(join(dir, 'empty.duckdb'))).close();
    const r = await run(['model', 'train', '--db', join(dir, 'empty.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no monthly usage; import a data set first/);
    const bad = await run(['model', 'train', '--db', join(dir, 'empty.duckdb'), '--max-train-rows', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--max-train-rows must be a positive whole number/);
  });

  it('a missing file, a missing label column, one class, an unknown positive value', async () => {
    const out = join(dir, 'm.json');
    const missing = await run(['model', 'train', '--table', join(dir, 'nope.csv'), '--label', 'Churn', '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.csv.*not found/);
    const noLabel = await run(['model', 'train', '--table', join(dir, 'small.csv'), '--label', 'Exited', '--out', out]);
    expect(noLabel.code).toBe(2);
    expect(noLabel.err).toMatch(/label column Exited not found/);
    const oneClass = await run(['model', 'train', '--table', join(dir, 'one-class.csv'), '--label', 'Churn', '--out', out]);
    expect(oneClass.code).toBe(2);
    expect(oneClass.err).toMatch(/one class only/);
    const badPositive = await run(['model', 'train', '--table', join(dir, 'small.csv'), '--label', 'Churn', '--positive', 'True', '--out', out]);
    expect(badPositive.code).toBe(2);
    expect(badPositive.err).toMatch(/positive value "True" does not occur/);
  });

  it('a table lacking a model column, and a file that is not a model', async () => {
    const model = join(dir, 'small.json');
    const trained = await run(['model', 'train', '--table', join(dir, 'small.csv'), '--label', 'Churn', '--id', 'id', '--out', model, '--json']);
    expect(trained.code).toBe(0);
    const mismatch = await run(['model', 'predict', '--table', join(dir, 'no-plan.csv'), '--model', model]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toMatch(/lacks column the model uses: plan/);
    const notModel = await run(['model', 'evaluate', '--table', join(dir, 'small.csv'), '--model', join(dir, 'small.csv'), '--json']);
    expect(notModel.code).toBe(2);
    expect(notModel.err).toMatch(/not JSON/);
  });

  it('infers types, excludes the id, predicts with reasons, evaluates with the contract JSON', async () => {
    const model = join(dir, 'small2.json');
    const summary = runTrain({ table: join(dir, 'small.csv'), label: 'Churn', id: 'id', out: model });
    expect(summary.features).toEqual([
      { name: 'monthly', type: 'numeric' },
      { name: 'paperless', type: 'binary' },
      { name: 'plan', type: 'categorical' },
    ]);
    const rows = runPredict({ table: join(dir, 'small.csv'), model, top: '2' });
    expect(rows[0]?.id).toBe('C0');
    expect(rows[0]?.reasons.split('; ').length).toBeLessThanOrEqual(2);
    const r = await run(['model', 'evaluate', '--table', join(dir, 'small.csv'), '--model', model, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, number>;
    expect(Object.keys(j)).toEqual(['auc', 'pr_auc', 'lift_top10', 'brier', 'rows']);
    expect(j.rows).toBe(400);
  });
});

describe.skipIf(!HAVE_DATASETS && !IN_CI)(`tenure model on the shared IBM telco set (${DATASETS})`, () => {
  it('train → evaluate reaches an AUC floor a broken learner cannot pass', () => {
    expect(HAVE_DATASETS, `data sets missing at ${DATASETS}; CI must provide them`).toBe(true);
    const model = join(dir, 'telco.json');
    const summary = runTrain({ table: join(DATASETS, 'ibm_telco', 'train.csv'), label: 'Churn', positive: 'Yes', id: 'customerID', out: model });
    expect(summary.features.map((f) => f.name)).not.toContain('customerID');
    expect(summary.features.find((f) => f.name === 'TotalCharges')?.type).toBe('numeric');
    const e = runEvaluate({ table: join(DATASETS, 'ibm_telco', 'test.csv'), model });
    expect(e.rows).toBe(1409);
    expect(e.auc).toBeGreaterThanOrEqual(0.83);
    expect(e.pr_auc).toBeGreaterThan(0.6);
    expect(e.lift_top10).toBeGreaterThan(2.5);
    expect(e.brier).toBeLessThan(0.15);
    const rows = runPredict({ table: join(DATASETS, 'ibm_telco', 'test.csv'), model });
    expect(rows).toHaveLength(1409);
    expect(rows[0]?.reasons).toMatch(/\(([+−])\d/);
  });
});

if (!HAVE_DATASETS && !IN_CI) {
  process.stderr.write(`model.test.ts: skipping the shared data-set test: ${DATASETS} is absent\n`);
}
