import { describe, expect, it } from 'vitest';
import type { ColumnSet } from './columns.ts';
import { fitBinning, sortFloat64 } from './binning.ts';
import { binTrainingSet } from './binning-parallel.ts';
import { trainGbdt } from './gbdt.ts';
import { GbdtModel } from './model.ts';
import { splitGain } from './split.ts';
import { syntheticSet } from './synthetic.ts';
import { rocAuc } from './metrics.ts';

const numeric = (name: string, values: number[]): ColumnSet => ({ rowCount: values.length, columns: [{ kind: 'numeric', name, values: Float64Array.from(values) }] });
const stump = { maxRounds: 1, maxDepth: 1, subsample: 1, colsample: 1, minChildWeight: 0.1, lambda: 1 };

describe('gradient-boosted trees: known answers', () => {
  it('a stump on a hand-made set: threshold, leaf values −G/(H+λ)·lr and gain', () => {
    const set = numeric('x', [1, 2, 3, 4, 5, 6]);
    const label = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    const { model } = trainGbdt({ train: set, label }, { ...stump, learningRate: 0.3 });
    // base rate ½ → margin 0, p = ½: g = +½ for negatives, −½ for positives; h = ¼.
    expect(model.baseScore).toBe(0);
    const t = model.trees[0]!;
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(3); // bins 1..3 = x ≤ 3.5
    const b = model.binnings[0]!;
    expect(b.kind === 'numeric' && b.thresholds[2]).toBe(3.5);
    // G_L = 1.5, H_L = 0.75, G_R = −1.5, H_R = 0.75, λ = 1
    expect(t.value[t.left[0]!]).toBeCloseTo((-1.5 / 1.75) * 0.3, 12);
    expect(t.value[t.right[0]!]).toBeCloseTo((1.5 / 1.75) * 0.3, 12);
    expect(t.gain[0]).toBeCloseTo(0.5 * (2.25 / 1.75 + 2.25 / 1.75 - 0 / 2.5), 12);
    expect(t.cover[0]).toBeCloseTo(1.5, 12);
  });

  it('split gain formula', () => {
    expect(splitGain(1.5, 0.75, -1.5, 0.75, 1)).toBeCloseTo(0.5 * (2 * (2.25 / 1.75)), 12);
    expect(splitGain(2, 1, 2, 1, 0)).toBeCloseTo(0.5 * (4 + 4 - 16 / 2), 12); // same ratio both sides: no gain
  });

  it('learns the default direction of missing values toward the side that helps', () => {
    const x = [1, 2, 3, 4, 5, 6, NaN, NaN, NaN];
    for (const [missingLabel, expectLeft] of [[1, false], [0, true]] as const) {
      const label = Uint8Array.from([0, 0, 0, 1, 1, 1, missingLabel, missingLabel, missingLabel]);
      const { model } = trainGbdt({ train: numeric('x', x), label }, { ...stump, learningRate: 1 });
      const t = model.trees[0]!;
      expect(t.threshold[0]).toBe(3);
      expect(t.defaultLeft[0]).toBe(expectLeft ? 1 : 0);
      const m = model.margin(numeric('x', [NaN, 2, 5]));
      expect(Math.sign(m[0]! - model.baseScore)).toBe(missingLabel ? 1 : -1);
    }
  });

  it('finds the predictive subset of a categorical feature', () => {
    const vocabulary = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
    const risky = new Set(['B', 'E', 'G']);
    const n = 1600;
    const codes = new Int32Array(n);
    const label = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      codes[i] = i % 8;
      // 90 % positives in B, E, G; 10 % elsewhere (deterministic pattern)
      label[i] = (Math.floor(i / 8) % 10 < (risky.has(vocabulary[i % 8]!) ? 9 : 1)) ? 1 : 0;
    }
    const set: ColumnSet = { rowCount: n, columns: [{ kind: 'categorical', name: 'plan', codes, vocabulary }] };
    const { model } = trainGbdt({ train: set, label }, { ...stump, learningRate: 1 });
    const t = model.trees[0]!;
    const b = model.binnings[0]!;
    if (b.kind !== 'categorical') throw new Error('expected a categorical binning');
    const left = new Set((t.categories[0] ?? []).map((bin) => b.categories[bin - 1]));
    const side = left.has('B') ? left : new Set(vocabulary.filter((v) => !left.has(v)));
    expect([...side].sort()).toEqual(['B', 'E', 'G']);
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const { set, label } = syntheticSet(3000, 8, 3);
    const params = { maxRounds: 20, subsample: 0.7, colsample: 0.6, seed: 11 };
    const a = JSON.stringify(trainGbdt({ train: set, label }, params).model.toJSON());
    const b = JSON.stringify(trainGbdt({ train: set, label }, params).model.toJSON());
    const c = JSON.stringify(trainGbdt({ train: set, label }, { ...params, seed: 12 }).model.toJSON());
    expect(a === b).toBe(true);
    expect(a === c).toBe(false);
  });

  it('gives the same model on one and two threads, run after run', () => {
    const { set, label } = syntheticSet(25_000, 20, 4);
    const params = { maxRounds: 5, subsample: 0.8, colsample: 0.8 };
    const one = JSON.stringify(trainGbdt({ train: set, label }, { ...params, threads: 1 }).model.toJSON());
    const two = JSON.stringify(trainGbdt({ train: set, label }, { ...params, threads: 2 }).model.toJSON());
    const again = JSON.stringify(trainGbdt({ train: set, label }, { ...params, threads: 2 }).model.toJSON());
    expect(two === one).toBe(true);
    expect(again === two).toBe(true);
  });

  it('saves and loads as versioned JSON with identical predictions', () => {
    const { set, label } = syntheticSet(3000, 6, 5);
    const { model } = trainGbdt({ train: set, label }, { maxRounds: 30, numLeaves: 15, maxDepth: 0 });
    const json = JSON.parse(JSON.stringify(model.toJSON())) as unknown;
    expect(json).toMatchObject({ format: 'tenure-gbdt', version: 1 });
    const loaded = GbdtModel.fromJSON(json);
    const test = syntheticSet(500, 6, 6).set;
    expect(Array.from(loaded.margin(test))).toEqual(Array.from(model.margin(test)));
    expect(() => GbdtModel.fromJSON({ ...(json as object), version: 2 })).toThrow(/version 2/);
  });

  it('leaf-wise growth respects num_leaves; early stopping keeps the best round', () => {
    const { set, label } = syntheticSet(4000, 8, 7);
    const valid = syntheticSet(2000, 8, 8);
    const r = trainGbdt({ train: set, label, valid: { set: valid.set, label: valid.label } }, { numLeaves: 8, maxDepth: 0, learningRate: 0.3, earlyStoppingRounds: 10, maxRounds: 400 });
    for (const t of r.model.trees) expect(t.left.filter((l) => l < 0).length).toBeLessThanOrEqual(8);
    expect(r.rounds).toBeLessThan(400);
    expect(r.model.trees.length).toBe(r.bestRound + 1);
    expect(Math.min(...r.validLoss)).toBe(r.validLoss[r.bestRound]);
    expect(rocAuc(r.model.margin(valid.set), valid.label)).toBeGreaterThan(0.7);
  });

  it('rejects a one-class label', () => {
    expect(() => trainGbdt({ train: numeric('x', [1, 2, 3]), label: Uint8Array.from([1, 1, 1]) })).toThrow(/one class/);
  });
});

describe('binning a large training set on two threads', () => {
  it('gives the one-thread bins and thresholds, with a worker doing part of it', () => {
    const { set } = syntheticSet(260_000, 20, 11); // 5.2M cells: past PARALLEL_BINNING_MIN_CELLS
    const one = binTrainingSet(set, {}, 1);
    const two = binTrainingSet(set, {}, 2, false);
    expect(one.workerColumns).toBe(0);
    expect(two.workerColumns).toBe(10);
    expect(two.binnings).toEqual(one.binnings);
    expect(Buffer.from(two.bins).equals(Buffer.from(one.bins))).toBe(true);
    expect(two.binnings).toEqual(fitBinning(set));
  });
});

describe('sortFloat64 (radix sort for quantile cuts)', () => {
  it('sorts exactly as Float64Array.prototype.sort, signed zeros and infinities included', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const n of [10, 5000, 100_003]) {
      const values = Float64Array.from({ length: n }, (_, i) => {
        const u = rand();
        if (i % 97 === 0) return [-0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-310, -1e-310][i % 6] as number;
        if (u < 0.3) return Math.round((rand() - 0.5) * 20); // many ties
        return (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 4);
      });
      const want = values.slice().sort();
      const got = sortFloat64(values.slice());
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true); // bit for bit, -0 before +0
    }
    const same = new Float64Array(10_000).fill(3.5);
    expect(Array.from(sortFloat64(same.slice()))).toEqual(Array.from(same));
  });
});
