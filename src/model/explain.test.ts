import { describe, expect, it } from 'vitest';
import { EXPLAIN_BLOCK, Explainer } from './explain.ts';
import { contributionsParallel } from './explain-parallel.ts';
import { trainGbdt } from './gbdt.ts';
import { TreeShapRow } from './shap.ts';
import { syntheticSet } from './synthetic.ts';

describe('batch TreeSHAP kernel', () => {
  // Depth-6 trees (the production shape), explained on more rows than two kernel blocks.
  const nf = 12;
  const { set, label } = syntheticSet(3000, nf, 21);
  const model = trainGbdt({ train: set, label }, { maxRounds: 12, maxDepth: 6, learningRate: 0.3 }).model;
  const n = 2 * EXPLAIN_BLOCK + 777;
  const bins = model.bin(syntheticSet(n, nf, 22).set);
  const explainer = new Explainer(model);
  const phi = explainer.contributions(bins, n);

  it('tabulates depth-6 trees and matches Lundberg’s algorithm', () => {
    expect(explainer.kernelTables).not.toBeNull();
    const lundberg = new TreeShapRow(6);
    const check = new Float64Array(nf);
    for (let r = 0; r < n; r += 97) {
      check.fill(0);
      for (const t of model.trees) lundberg.explain(t, bins, n, r, check);
      for (let f = 0; f < nf; f++) expect(Math.abs(phi[r * nf + f]! - check[f]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(check[f]!)));
    }
  });

  it('gives the same bits whatever the row ranges and threads', async () => {
    const part = new Float64Array(n * nf);
    for (const [s, e] of [
      [0, 1],
      [1, 778],
      [778, EXPLAIN_BLOCK + 5],
      [EXPLAIN_BLOCK + 5, n],
    ] as const) {
      explainer.explainRows(bins, n, s, e, part.subarray(s * nf, e * nf));
    }
    expect(Array.from(part)).toEqual(Array.from(phi));
    const one = new Float64Array(nf);
    explainer.explainRow(bins, n, n - 1, one);
    expect(Array.from(one)).toEqual(Array.from(phi.subarray((n - 1) * nf)));
    // n ≥ 2 · EXPLAIN_BLOCK, so the worker takes the second half.
    const parallel = await contributionsParallel(explainer, bins, n);
    expect(Array.from(parallel)).toEqual(Array.from(phi));
  });
});
