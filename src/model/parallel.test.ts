import { describe, expect, it } from 'vitest';
import { seeded } from '../domain/test-random.ts';
import { histLength, histogramLayout } from './histogram.ts';
import { LevelRunner, SIDE_ALL, SIDE_LEFT, SIDE_NONE, SIDE_RIGHT, type LevelTask, type SplitPair } from './parallel.ts';
import { findBestSplit } from './split.ts';

const N = 20_000;
const BIN_COUNTS = [255, 17, 64, 2, 200, 33, 128, 9];

function fixture() {
  const rand = seeded(7);
  const layout = histogramLayout(N, BIN_COUNTS);
  const bins = new Uint8Array(N * BIN_COUNTS.length);
  for (let f = 0; f < BIN_COUNTS.length; f++) {
    for (let r = 0; r < N; r++) bins[f * N + r] = Math.floor(rand() * (BIN_COUNTS[f] as number));
  }
  const grad = Float64Array.from({ length: N }, () => rand() - 0.5);
  const hess = Float64Array.from({ length: N }, () => rand() * 0.25);
  const features = Int32Array.from(BIN_COUNTS.keys());
  // A shuffled row order, as after earlier levels.
  const rows = Uint32Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as number, rows[i] as number];
  }
  return { layout, bins, grad, hess, features, rows };
}

type Fixture = ReturnType<typeof fixture>;

/** Bins of feature 0 up to 100 go left. */
const lut = () => Uint8Array.from({ length: 256 }, (_, b) => (b <= 100 ? 1 : 0));

/** A root task over everything, then a level of four nodes with each kind of side. */
function levels(f: Fixture): LevelTask[][] {
  const hist = () => new Float64Array(histLength(f.layout));
  return [
    [{ start: 0, end: N, feature: 0, lut: null, side: SIDE_ALL, hist: hist() }],
    [
      { start: 0, end: 7_000, feature: 0, lut: lut(), side: SIDE_LEFT, hist: hist() },
      { start: 7_000, end: 12_001, feature: 4, lut: lut(), side: SIDE_RIGHT, hist: hist() },
      { start: 12_001, end: 12_003, feature: 1, lut: lut(), side: SIDE_LEFT, hist: hist() },
      { start: 12_003, end: N, feature: 2, lut: lut(), side: SIDE_NONE, hist: null },
    ],
  ];
}

/** What a level must give: stable partitions, and each chosen side's sums. */
function reference(f: Fixture, tasks: LevelTask[], rows: Uint32Array): { rows: Uint32Array; mids: number[]; hists: (Float64Array | null)[] } {
  const out = rows.slice();
  const mids: number[] = [];
  const hists = tasks.map((t) => {
    const range = Array.from(rows.subarray(t.start, t.end));
    const goesLeft = (r: number) => (t.lut ? (t.lut[f.bins[t.feature * N + r] as number] as number) === 1 : true);
    const left = range.filter(goesLeft);
    const right = range.filter((r) => !goesLeft(r));
    out.set([...left, ...right], t.start);
    mids.push(t.lut ? t.start + left.length : t.end);
    if (t.side === SIDE_NONE) return null;
    const picked = t.side === SIDE_LEFT ? left : t.side === SIDE_RIGHT ? right : range;
    const h = new Float64Array(histLength(f.layout));
    for (const r of picked) {
      for (const feat of f.features) {
        const i = 2 * ((f.layout.offset[feat] as number) + (f.bins[feat * N + r] as number));
        h[i]! += f.grad[r] as number;
        h[i + 1]! += f.hess[r] as number;
      }
    }
    return h;
  });
  return { rows: out, mids, hists };
}

function expectClose(actual: Float64Array, want: Float64Array): void {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (want[i] as number)));
  expect(worst).toBeLessThan(1e-9);
}

/** Runs both levels; checks them against the reference; returns rows, mids and histograms. */
function runLevels(runner: LevelRunner, f: Fixture): unknown[] {
  runner.rows.set(f.rows);
  runner.grad.set(f.grad);
  runner.hess.set(f.hess);
  const seen: unknown[] = [];
  for (const tasks of levels(f)) {
    const want = reference(f, tasks, runner.rows);
    const mids = runner.run(tasks, f.features);
    expect(Array.from(mids)).toEqual(want.mids);
    expect(Array.from(runner.rows)).toEqual(Array.from(want.rows));
    tasks.forEach((t, i) => {
      if (t.hist) expectClose(t.hist, want.hists[i] as Float64Array);
    });
    seen.push(Array.from(mids), Array.from(runner.rows), tasks.map((t) => (t.hist ? Array.from(t.hist) : null)));
  }
  return seen;
}

describe('tree levels on two threads', () => {
  it('partition stably and build the chosen sides, bit for bit as on one thread', () => {
    const f = fixture();
    const one = new LevelRunner(f.layout, f.bins, false);
    const two = new LevelRunner(f.layout, f.bins, true, { minWork: 0, steal: false });
    try {
      expect(runLevels(two, f)).toEqual(runLevels(one, f));
      expect(two.stolen).toBe(0); // the worker ran its parts
    } finally {
      one.close();
      two.close();
    }
  });

  it('finishes on the main thread when the worker cannot run, instead of waiting for it, with the same results', async () => {
    const f = fixture();
    const one = new LevelRunner(f.layout, f.bins, false);
    const want = runLevels(one, f);
    one.close();
    const broken = '(() => { throw new Error("kernel failed"); })';
    const runner = new LevelRunner(f.layout, f.bins, true, { minWork: 0, kernelSource: broken });
    try {
      expect(runLevels(runner, f)).toEqual(want);
      // Give the failing worker time to start, claim a level and fail, then run again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(runLevels(runner, f)).toEqual(want);
      expect(runner.stolen).toBeGreaterThanOrEqual(1);
    } finally {
      runner.close();
    }
  });
});

describe('split search on two threads', () => {
  const params = { lambda: 1, minChildWeight: 1, minSplitGain: 0, catSmooth: 10, catL2: 10, maxCatThreshold: 32, maxCatToOneHot: 4, catMinHessian: 1 };

  function pairsFor(f: Fixture, runner: LevelRunner, categorical: Uint8Array) {
    const rand = seeded(11);
    // Parent = histogram of rows [0, N), small child = rows [0, cut): real sums, as in training.
    const pairs: SplitPair[] = [];
    const expected: { left: unknown; right: unknown }[] = [];
    runner.rows.set(f.rows);
    runner.grad.set(f.grad);
    runner.hess.set(f.hess);
    for (let k = 0; k < 6; k++) {
      const cut = 2_000 + Math.floor(rand() * 15_000);
      const large = runner.takeHist();
      const small = runner.takeHist();
      runner.run([{ start: 0, end: N, feature: 0, lut: null, side: SIDE_ALL, hist: large }], f.features);
      runner.run([{ start: 0, end: cut, feature: 0, lut: null, side: SIDE_ALL, hist: small }], f.features);
      const sum = (h: Float64Array) => {
        let g = 0;
        let s = 0;
        for (let b = 0; b < (BIN_COUNTS[0] as number); b++) {
          g += h[2 * b] as number;
          s += h[2 * b + 1] as number;
        }
        return [g, s] as const;
      };
      const [gp, hp] = sum(large);
      const [gs, hs] = sum(small);
      const leftIsSmall = k % 2 === 0;
      const left = leftIsSmall ? [gs, hs] : [gp - gs, hp - hs];
      const right = leftIsSmall ? [gp - gs, hp - hs] : [gs, hs];
      const other = large.slice();
      for (let i = 0; i < other.length; i++) other[i] = (other[i] as number) - (small[i] as number);
      const [lh, rh] = leftIsSmall ? [small, other] : [other, small];
      expected.push({
        left: findBestSplit(lh, f.layout, f.features, categorical, left[0] as number, left[1] as number, params),
        right: k === 5 ? null : findBestSplit(rh, f.layout, f.features, categorical, right[0] as number, right[1] as number, params),
      });
      pairs.push({ small, large, leftIsSmall, sums: Float64Array.of(left[0] as number, left[1] as number, right[0] as number, right[1] as number), canLeft: true, canRight: k !== 5, left: null, right: null });
    }
    return { pairs, expected };
  }

  it('subtracts and finds the same splits as findBestSplit on one thread, with the worker taking pairs', () => {
    const f = fixture();
    const categorical = Uint8Array.from(BIN_COUNTS, (_, i) => (i === 5 ? 1 : 0));
    for (const worker of [false, true]) {
      const runner = new LevelRunner(f.layout, f.bins, worker, { minWork: 0, search: { categorical, params }, steal: false });
      try {
        const { pairs, expected } = pairsFor(f, runner, categorical);
        runner.searchPairs(pairs, f.features);
        expect(pairs.map((p) => ({ left: p.left, right: p.right }))).toEqual(expected);
        expect(pairs.some((p) => p.left?.categories)).toBe(true);
        expect(runner.stolen).toBe(0); // with a worker, it searched half of the pairs
      } finally {
        runner.close();
      }
    }
  });
});

describe('worker kernels', () => {
  it('call only functions of their own module, so their source runs in a worker as it is', async () => {
    // A test runner or bundler rewrites calls to imported functions (e.g. into
    // __vite_ssr_import_1__.f), which a worker built from the source cannot resolve.
    const { explainKernel } = await import('./explain.ts');
    const { numericColumn } = await import('./binning.ts');
    const { runHalf } = await import('./histogram.ts');
    const { searchPair } = await import('./split.ts');
    for (const kernel of [explainKernel, numericColumn, runHalf, searchPair]) expect(kernel.toString()).not.toMatch(/__vite_ssr_import|import\(/);
  });
});
