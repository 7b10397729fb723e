import { describe, expect, it } from 'vitest';
import { seeded } from '../domain/test-random.ts';
import { histLength, histogramLayout } from './histogram.ts';
import { LevelRunner, SIDE_ALL, SIDE_LEFT, SIDE_NONE, SIDE_RIGHT, type LevelTask } from './parallel.ts';

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
    const two = new LevelRunner(f.layout, f.bins, true, 0);
    try {
      expect(runLevels(two, f)).toEqual(runLevels(one, f));
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
    const runner = new LevelRunner(f.layout, f.bins, true, 0, broken);
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
