import { describe, expect, it } from 'vitest';
import { buildColumns, buildLabel, inferSchema } from './flat-schema.ts';
import { CROSS_FIT_BELOW, crossFitMargins, stratifiedFolds, stratifiedSplit, trainTable } from './flat.ts';
import { fitPlatt } from './calibration.ts';
import { refitRounds } from './gbdt.ts';
import { GbdtModel } from './model.ts';
import { Rng } from './random.ts';
import { parseCsv } from './table.ts';

describe('refit after early stopping', () => {
  it('refitRounds: rounds in proportion to the rows, at least one', () => {
    expect(refitRounds(100, 800, 1000)).toBe(125);
    expect(refitRounds(7, 4000, 5000)).toBe(9); // 8.75 rounds to 9
    expect(refitRounds(40, 1000, 1000)).toBe(40);
    expect(refitRounds(1, 1000, 100)).toBe(1);
    expect(() => refitRounds(0, 10, 10)).toThrow(RangeError);
    expect(() => refitRounds(5, 0, 10)).toThrow(RangeError);
  });

  // A table whose signal is x > 0 plus noise, and a category `rare` that only some
  // validation rows carry: only a model fitted on the validation rows too can know it.
  function table(n: number): { text: string; validRare: number } {
    const rng = new Rng(3);
    const lines = ['id,x,grp,y'];
    const rows: { x: number; y: number }[] = [];
    for (let i = 0; i < n; i++) {
      const x = rng.next() * 2 - 1;
      const y = rng.next() < (x > 0 ? 0.7 : 0.2) ? 1 : 0;
      rows.push({ x, y });
    }
    // The split trainTable makes (same rows, labels, fraction and seed).
    const label = Uint8Array.from(rows, (r) => r.y);
    const { valid } = stratifiedSplit(rows.map((_, i) => i), label, 0.2, 42);
    const rare = new Set(valid.slice(0, 30));
    rows.forEach((r, i) => lines.push(`c${i},${r.x.toFixed(4)},${rare.has(i) ? 'rare' : i % 2 ? 'a' : 'b'},${r.y ? 'Yes' : 'No'}`));
    return { text: lines.join('\n') + '\n', validRare: rare.size };
  }

  it('fits the written model on every row, with the early-stopping rounds scaled by the row ratio', () => {
    const { text } = table(1000);
    const csv = parseCsv(text, 't.csv');
    const { model, summary } = trainTable(csv, { label: 'y', id: 'id', params: { minCategoryCount: 10 } });
    expect(summary.train_rows + summary.valid_rows).toBe(1000);
    expect(summary.trees).toBe(refitRounds(summary.early_stopping_trees, summary.train_rows, 1000));
    expect(summary.trees).toBeGreaterThan(summary.early_stopping_trees);
    // The category seen only in validation rows (30 of them, above the minimum count of 10)
    // is in the written model's binning: the refit read those rows.
    const grp = GbdtModel.fromJSON(model).binnings.find((b) => b.name === 'grp');
    expect(grp?.kind).toBe('categorical');
    expect(grp?.kind === 'categorical' && grp.categories).toContain('rare');
    // The calibration was fitted on held-out margins: probabilities stay inside (0, 1) and
    // their mean is near the base rate.
    const flat = GbdtModel.fromJSON(model);
    expect(flat.calibration.kind).toBe('platt');
    const schema = inferSchema(csv, { label: 'y', id: 'id' });
    const { label } = buildLabel(csv, schema);
    const rate = label.reduce((a, b) => a + b, 0) / label.length;
    const p = flat.probability(buildColumns(csv, schema));
    const mean = p.reduce((a, b) => a + b, 0) / p.length;
    expect(Math.abs(mean - rate)).toBeLessThan(0.05);
  });

  it('stratifiedFolds: disjoint folds covering every row, each class dealt evenly', () => {
    const label = Uint8Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const rows = Array.from({ length: 100 }, (_, i) => i);
    const folds = stratifiedFolds(rows, label, 5, 7);
    expect(folds.map((f) => f.length)).toEqual([20, 20, 20, 20, 20]);
    expect(folds.map((f) => f.filter((r) => label[r]).length)).toEqual([2, 2, 2, 2, 2]);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(rows);
  });

  it('a small table calibrates on out-of-fold margins of every row, a large one on the held-out rows', () => {
    const { text } = table(1000);
    const csv = parseCsv(text, 't.csv');
    const schema = inferSchema(csv, { label: 'y', id: 'id' });
    const { label } = buildLabel(csv, schema);
    const rows = Array.from({ length: 1000 }, (_, i) => i);
    const { summary, model } = trainTable(csv, { label: 'y', id: 'id', params: { minCategoryCount: 10 } });
    // About 45 % positives: some 90 in the 200 held-out rows, under the threshold.
    expect(summary.valid_rows * 0.5).toBeLessThan(CROSS_FIT_BELOW);
    expect(summary.calibration_fit).toBe('cross-fit');
    // Known answer: Platt on the out-of-fold margins of the refit's rounds, all 1000 rows.
    const oof = crossFitMargins(buildColumns(csv, schema), rows, label, summary.trees, { minCategoryCount: 10 }, 42);
    expect(GbdtModel.fromJSON(model).calibration).toEqual(fitPlatt(oof, label));
    const held = trainTable(csv, { label: 'y', id: 'id', params: { minCategoryCount: 10 }, calibrationFit: 'holdout' });
    expect(held.summary.calibration_fit).toBe('holdout');
    expect(GbdtModel.fromJSON(held.model).calibration).not.toEqual(GbdtModel.fromJSON(model).calibration);
  });
});
