import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latestChurnModel, storedChurnModel } from '../app/churn-model/score.ts';
import { runCaptured } from '../cli/test-support.ts';
import { DuckDBStore } from '../store/duckdb/duckdb-store.ts';
import { trainGbdt } from './gbdt.ts';
import { GbdtModel } from './model.ts';
import { MODEL_LIMITS, treeProblem, validateModelJson } from './model-schema.ts';
import { syntheticSet } from './synthetic.ts';
import { trainTable } from './flat.ts';
import { parseCsv } from './table.ts';
import { leafOf, type TreeJson } from './tree.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-model-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A root split on x (bins 1..1 go left, missing goes left) and two leaves: a valid model. */
function goodTree(): TreeJson {
  return { left: [1, -1, -1], right: [2, -1, -1], feature: [0, -1, -1], threshold: [1, -1, -1], default_left: [1, 0, 0], categories: {}, value: [0, -0.5, 0.5], cover: [10, 5, 5], gain: [1, 0, 0] };
}

function flatModel(tree: TreeJson, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'tenure-gbdt',
    version: 1,
    params: {},
    features: [{ kind: 'numeric', name: 'x', thresholds: [0.5] }],
    base_score: 0,
    calibration: { kind: 'none' },
    trees: [tree],
    source: { label: 'y', positive: 'yes', id: null, columns: [{ name: 'x', type: 'numeric', median: 0, missingTokens: [] }], excluded: [] },
    ...extra,
  };
}

/** A tree that is a chain `depth` splits long: node 2k splits, 2k+1 is a leaf, 2k+2 the next split. */
function chainTree(depth: number): TreeJson {
  const n = 2 * depth + 1;
  const t: TreeJson = { left: [], right: [], feature: [], threshold: [], default_left: [], categories: {}, value: [], cover: [], gain: [] };
  for (let i = 0; i < n; i++) {
    const split = i % 2 === 0 && i < n - 1;
    t.left.push(split ? i + 1 : -1);
    t.right.push(split ? i + 2 : -1);
    t.feature.push(split ? 0 : -1);
    t.threshold.push(split ? 1 : -1);
    t.default_left.push(0);
    t.value.push(split ? 0 : 0.1);
    t.cover.push(1);
    t.gain.push(0);
  }
  return t;
}

async function predictWith(model: unknown) {
  const modelFile = join(dir, `model-${Math.random().toString(36).slice(2)}.json`);
  const table = join(dir, 'table.csv');
  writeFileSync(modelFile, JSON.stringify(model));
  writeFileSync(table, 'x,y\n0.1,yes\n0.9,no\n,no\n');
  return { modelFile, run: await runCaptured(['model', 'predict', '--table', table, '--model', modelFile]) };
}

describe('model files are validated on load', () => {
  it('a valid hand-written model predicts', async () => {
    const { run } = await predictWith(flatModel(goodTree()));
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out.split('\n')[1]).toMatch(/^1,0\.377541,/);
  });

  it('a crafted model whose child points back to the root hung `model predict` → exit 2 naming the file and the node', async () => {
    const cyclic = goodTree();
    // Node 1 becomes a split whose left child is the root: the walk never reached a leaf.
    cyclic.left = [1, 0, -1];
    cyclic.right = [2, 2, -1];
    cyclic.feature = [0, 0, -1];
    cyclic.threshold = [1, 1, -1];
    const { modelFile, run } = await predictWith(flatModel(cyclic));
    expect(run.code).toBe(2);
    expect(run.err).toBe(`tenure: ${modelFile}: not a usable model: trees.0: node 1 points back to node 0 (children must come after their parent)\n`);
  }, 10_000);

  it('an out-of-range feature index is refused (it read another column\'s bins)', async () => {
    const t = goodTree();
    t.feature = [5, -1, -1];
    const { modelFile, run } = await predictWith(flatModel(t));
    expect(run.code).toBe(2);
    expect(run.err).toContain(`${modelFile}: not a usable model: trees.0: node 0 splits on feature 5; the model has 1 (0–0)`);
  });

  it(`depth is bounded: ${MODEL_LIMITS.depth} levels load and predict, ${MODEL_LIMITS.depth + 1} are refused`, async () => {
    expect(treeProblem(chainTree(MODEL_LIMITS.depth), 1)).toBeNull();
    expect(treeProblem(chainTree(MODEL_LIMITS.depth + 1), 1)).toBe(`deeper than ${MODEL_LIMITS.depth} levels`);
    const deep = await predictWith(flatModel(chainTree(MODEL_LIMITS.depth + 1)));
    expect(deep.run.code).toBe(2);
    expect(deep.run.err).toContain(`trees.0: deeper than ${MODEL_LIMITS.depth} levels`);
    expect((await predictWith(flatModel(chainTree(MODEL_LIMITS.depth)))).run.code).toBe(0);
  });

  it('names each other kind of damage', () => {
    const problem = (mutate: (m: Record<string, unknown>, t: TreeJson) => void) => {
      const t = goodTree();
      const m = flatModel(t);
      mutate(m, t);
      try {
        validateModelJson(JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v === Infinity ? '__inf__' : v)).replaceAll('"__inf__"', '1e999')));
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problem(() => {})).toBe('accepted');
    expect(problem((m) => (m.version = 2))).toBe('version: unsupported tenure-gbdt version 2 (this build reads 1)');
    expect(problem((m) => (m.format = 'onnx'))).toBe('format: not a tenure-gbdt model (the "format" field must be "tenure-gbdt")');
    expect(problem((_m, t) => (t.value = [0, Infinity, 0.5]))).toMatch(/^trees\.0\.value\.1: /);
    expect(problem((m) => (m.base_score = Infinity))).toMatch(/^base_score: /);
    expect(problem((_m, t) => (t.gain = [1, 0]))).toBe('trees.0: "gain" has 2 entries but "left" has 3');
    expect(problem((_m, t) => (t.right = [3, -1, -1]))).toBe('trees.0: node 0 points to node 3; the tree has 3 nodes');
    expect(
      problem((_m, t) => {
        t.left = [1, -1, -1];
        t.right = [1, -1, -1];
      }),
    ).toBe('trees.0: node 0 has the same node 1 as both children');
    expect(problem((_m, t) => (t.right = [-1, -1, -1]))).toBe('trees.0: node 0 has one child (left 1, right -1)');
    expect(problem((_m, t) => (t.threshold = [300, -1, -1]))).toMatch(/^trees\.0\.threshold\.0: /);
    expect(problem((_m, t) => (t.categories = { '7': [1] }))).toBe('trees.0: a category split names node 7; the tree has 3 nodes');
    expect(problem((m) => (m.features = [{ kind: 'numeric', name: 'x', thresholds: [2, 1] }]))).toBe('features.0: the cut points of x are not strictly ascending');
    expect(problem((m) => (m.calibration = { kind: 'isotonic', x: [0, 1], y: [0.2] }))).toBe('calibration: 2 x values but 1 y values');
    // Two parents for one node (node 3 under nodes 1 and 2) and an unreachable node.
    const shared: TreeJson = { left: [1, 3, 3, -1, -1], right: [2, 4, 4, -1, -1], feature: [0, 0, 0, -1, -1], threshold: [1, 1, 1, -1, -1], default_left: [0, 0, 0, 0, 0], categories: {}, value: [0, 0, 0, 1, 1], cover: [1, 1, 1, 1, 1], gain: [0, 0, 0, 0, 0] };
    expect(treeProblem(shared, 1)).toBe('node 3 has two parents');
    const orphan = goodTree();
    for (const k of ['left', 'right', 'feature', 'threshold', 'default_left', 'value', 'cover', 'gain'] as const) (orphan[k] as number[]).push(k === 'left' || k === 'right' || k === 'feature' || k === 'threshold' ? -1 : 0);
    expect(treeProblem(orphan, 1)).toBe('node 3 is not reachable from the root');
  });

  it('property: any tree the validator accepts is walked to a leaf (random child and feature indices)', () => {
    const small = fc.integer({ min: -2, max: 9 });
    const tree = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record({ left: fc.array(small, { minLength: n, maxLength: n }), right: fc.array(small, { minLength: n, maxLength: n }), feature: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: n, maxLength: n }) }),
    );
    fc.assert(
      fc.property(tree, fc.uint8Array({ minLength: 2, maxLength: 2 }), ({ left, right, feature }, bins) => {
        const n = left.length;
        const t: TreeJson = { left, right, feature, threshold: Array<number>(n).fill(1), default_left: Array<number>(n).fill(0), categories: {}, value: Array<number>(n).fill(0), cover: Array<number>(n).fill(1), gain: Array<number>(n).fill(0) };
        let model: GbdtModel;
        try {
          model = GbdtModel.fromJSON(flatModel(t, { features: [{ kind: 'numeric', name: 'x', thresholds: [0.5] }, { kind: 'numeric', name: 'z', thresholds: [0.5] }] }));
        } catch {
          return true; // refused: fine
        }
        // Accepted: the walk ends at a leaf (leafOf would spin forever on a cycle).
        const leaf = leafOf(model.trees[0]!, bins, 1, 0);
        return leaf >= 0 && leaf < n && left[leaf] === -1;
      }),
      { numRuns: 2000 },
    );
  });

  it('flat-table training refuses more feature columns than a model file may hold (its model would not load)', () => {
    const k = MODEL_LIMITS.features + 1;
    const header = [...Array.from({ length: k }, (_, c) => `f${c}`), 'y'].join(',');
    const rows = Array.from({ length: 6 }, (_, r) => [...Array.from({ length: k }, (_, c) => String((r * 7 + c) % 5)), r % 2 ? 'yes' : 'no'].join(','));
    expect(() => trainTable(parseCsv([header, ...rows].join('\n'), 'wide.csv'), { label: 'y', file: 'wide.csv' })).toThrow(`${k} feature columns; a model may use at most ${MODEL_LIMITS.features}`);
  });

  it('models the learner writes pass the check (depth-wise and leaf-wise)', () => {
    const { set, label } = syntheticSet(2000, 5, 3);
    for (const params of [{ maxRounds: 20 }, { maxRounds: 20, numLeaves: 31, maxDepth: 0 }]) {
      const json = JSON.parse(JSON.stringify(trainGbdt({ train: set, label }, params).model.toJSON())) as unknown;
      expect(() => validateModelJson(json)).not.toThrow();
    }
  });

  it('a damaged model in the store\'s churn_models table is an error naming the store and the model', async () => {
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'));
    try {
      const cyclic = { ...flatModel(goodTree()), trees: [{ ...goodTree(), left: [1, 0, -1], right: [2, 2, -1], feature: [0, 0, -1] }] };
      await store.run('INSERT INTO churn_models VALUES ($1, current_timestamp, CAST($2 AS DATE), $3, $4, $5)', ['m1', '2025-01-01', 3, '{}', JSON.stringify(cyclic)]);
      await expect(latestChurnModel(store)).rejects.toThrow(
        'the stored churn model is not usable: trees.0: node 1 points back to node 0 (children must come after their parent); train a new one with `tenure model train`',
      );
      await expect(latestChurnModel(store)).rejects.toMatchObject({ code: 'BAD_INPUT', location: { file: `${store.location} (churn_models, model m1)` } });
      // A valid model that reads other features than the customer model computes.
      expect(() => storedChurnModel({ model_version: 'm2', model_json: JSON.stringify(flatModel(goodTree())) }, store.location)).toThrow(
        'the stored churn model reads other features than this version of Tenure computes',
      );
    } finally {
      await store.close();
    }
  });
});
