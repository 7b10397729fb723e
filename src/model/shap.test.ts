import { describe, expect, it } from 'vitest';
import type { FeatureBinning } from './binning.ts';
import { Explainer } from './explain.ts';
import { contributionsParallel } from './explain-parallel.ts';
import { trainGbdt } from './gbdt.ts';
import { GbdtModel } from './model.ts';
import { resolveParams } from './params.ts';
import { TreeShapRow, treeExpectedValue } from './shap.ts';
import { syntheticSet } from './synthetic.ts';
import { buildTree, type Tree } from './tree.ts';

/** A depth-3 tree over 3 features in which feature 0 is split twice on one path. */
function tinyTree(): Tree {
  // node: 0 f0≤2 → 1 | 2 ; 1 f1≤1 → 3 | 4 ; 2 f0≤3 → 5 | 6 ; 4 f2≤1 → 7 | 8
  return buildTree({
    left: [1, 3, 5, -1, 7, -1, -1, -1, -1],
    right: [2, 4, 6, -1, 8, -1, -1, -1, -1],
    feature: [0, 1, 0, -1, 2, -1, -1, -1, -1],
    threshold: [2, 1, 3, 0, 1, 0, 0, 0, 0],
    defaultLeft: [0, 0, 0, 0, 0, 0, 0, 0, 0],
    categories: new Array(9).fill(null),
    value: [0, 0, 0, 0.5, 0, -0.7, 1.3, 0.2, -1.1],
    cover: [100, 60, 40, 25, 35, 30, 10, 20, 15],
    gain: [1, 1, 1, 0, 1, 0, 0, 0, 0],
  });
}

/** Shapley values by enumeration with the cover-weighted conditional expectation (Lundberg's Algorithm 1). */
function bruteForce(t: Tree, bins: Uint8Array, n: number, row: number, m: number): number[] {
  const expect = (node: number, s: Set<number>): number => {
    const l = t.left[node]!;
    if (l < 0) return t.value[node]!;
    const f = t.feature[node]!;
    const r = t.right[node]!;
    if (s.has(f)) return t.lut[node * 256 + bins[f * n + row]!] ? expect(l, s) : expect(r, s);
    return (t.cover[l]! * expect(l, s) + t.cover[r]! * expect(r, s)) / t.cover[node]!;
  };
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue;
      const s = new Set<number>();
      for (let j = 0; j < m; j++) if (mask & (1 << j)) s.add(j);
      const w = (fact(s.size) * fact(m - s.size - 1)) / fact(m);
      const without = expect(0, s);
      s.add(i);
      phi[i]! += w * (expect(0, s) - without);
    }
  }
  return phi;
}

describe('TreeSHAP', () => {
  const t = tinyTree();
  const binnings: FeatureBinning[] = ['a', 'b', 'c'].map((name) => ({ kind: 'numeric', name, thresholds: [1, 2, 3, 4] }));
  const model = new GbdtModel({ binnings, baseScore: -0.4, trees: [t], params: resolveParams() });
  // Every combination of bins 1..5 for the three features.
  const rows: number[][] = [];
  for (let a = 1; a <= 5; a++) for (let b = 1; b <= 3; b++) for (let c = 1; c <= 3; c++) rows.push([a, b, c]);
  const n = rows.length;
  const bins = new Uint8Array(3 * n);
  rows.forEach((r, i) => r.forEach((v, f) => (bins[f * n + i] = v)));

  it('matches brute-force Shapley values on a tiny tree (both algorithms)', () => {
    const explainer = new Explainer(model);
    const lundberg = new TreeShapRow(3);
    const phi = new Float64Array(3);
    const phi2 = new Float64Array(3);
    for (let row = 0; row < n; row++) {
      const exact = bruteForce(t, bins, n, row, 3);
      explainer.explainRow(bins, n, row, phi);
      phi2.fill(0);
      lundberg.explain(t, bins, n, row, phi2);
      for (let f = 0; f < 3; f++) {
        expect(phi[f]).toBeCloseTo(exact[f]!, 12);
        expect(phi2[f]).toBeCloseTo(exact[f]!, 12);
      }
    }
    expect(explainer.expectedValue).toBeCloseTo(-0.4 + treeExpectedValue(t), 12);
    expect(treeExpectedValue(t)).toBeCloseTo((25 * 0.5 + 20 * 0.2 + 15 * -1.1 + 30 * -0.7 + 10 * 1.3) / 100, 12);
  });

  it('contributions sum to the margin minus the expected value on a trained model', async () => {
    const { set, label } = syntheticSet(4000, 10, 9);
    const trained = trainGbdt({ train: set, label }, { maxRounds: 40, maxDepth: 5 }).model;
    const b = trained.bin(set);
    const margin = trained.marginBinned(b, set.rowCount);
    const explainer = new Explainer(trained);
    const phi = explainer.contributions(b, set.rowCount);
    for (let r = 0; r < set.rowCount; r += 37) {
      let s = 0;
      for (let f = 0; f < 10; f++) s += phi[r * 10 + f]!;
      expect(s).toBeCloseTo(margin[r]! - explainer.expectedValue, 9);
    }
    // Fewer rows than two kernel blocks: one thread (explain.test.ts covers the worker).
    const parallel = await contributionsParallel(explainer, b, set.rowCount);
    expect(Array.from(parallel)).toEqual(Array.from(phi));
    const importance = explainer.meanAbsContribution(b, set.rowCount);
    // Deep leaf-wise trees use narrower blocks or Lundberg's algorithm: same values.
    const deep = trainGbdt({ train: set, label }, { maxRounds: 5, numLeaves: 200, maxDepth: 0, minChildWeight: 0.01 }).model;
    const deepBins = deep.bin(set);
    const deepMargin = deep.marginBinned(deepBins, set.rowCount);
    const deepExplainer = new Explainer(deep);
    const deepPhi = deepExplainer.contributions(deepBins, set.rowCount);
    const lundberg = new TreeShapRow(64);
    const check = new Float64Array(10);
    for (let r = 0; r < set.rowCount; r += 211) {
      let s = 0;
      for (let f = 0; f < 10; f++) s += deepPhi[r * 10 + f]!;
      expect(s).toBeCloseTo(deepMargin[r]! - deepExplainer.expectedValue, 9);
      check.fill(0);
      for (const t of deep.trees) lundberg.explain(t, deepBins, set.rowCount, r, check);
      for (let f = 0; f < 10; f++) expect(deepPhi[r * 10 + f]!).toBeCloseTo(check[f]!, 9);
    }
    // x0 and x1 drive the synthetic label; noise features x10+ do not exist here, x8/x9 are noise.
    expect(importance[0]!).toBeGreaterThan(importance[9]!);
    expect(trained.gainImportance()[0]!).toBeGreaterThan(trained.gainImportance()[9]!);
  });
});
