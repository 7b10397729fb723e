import { describe, expect, it } from 'vitest';
import { seeded } from '../domain/test-random.ts';
import { accumulateHistogram, gatherGradients, histogramLayout } from './histogram.ts';
import { ParallelHistogram } from './parallel.ts';

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
  return { layout, bins, grad, hess, features };
}

/** The single-thread histogram of rows [start, end) of an identity row order. */
function expected(f: ReturnType<typeof fixture>, start: number, end: number): Float64Array {
  const rows = Uint32Array.from({ length: N }, (_, i) => i);
  const scratch = new Float64Array(2 * N);
  const hist = new Float64Array(2 * f.layout.totalBins);
  gatherGradients(rows, start, end, f.grad, f.hess, scratch);
  accumulateHistogram(hist, f.layout.offset, f.layout.binCount, N, f.bins, rows, start, end, f.features, scratch);
  return hist;
}

/** Two threads sum each bin in two parts, so the last bits may differ from one thread. */
function expectClose(actual: Float64Array, want: Float64Array): void {
  expect(actual.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (want[i] as number)) / Math.max(1, Math.abs(want[i] as number)));
  expect(worst).toBeLessThan(1e-12);
}

const RANGES = [[0, N], [100, 9_000], [5_000, N]] as const;

/** Builds each range alone, then all of [100, 9000) and [9000, N) as one batch; returns the histograms. */
function runJobs(par: ParallelHistogram, f: ReturnType<typeof fixture>): Float64Array[] {
  par.rows.set(Uint32Array.from({ length: N }, (_, i) => i));
  par.grad.set(f.grad);
  par.hess.set(f.hess);
  const out: Float64Array[] = [];
  for (const [start, end] of RANGES) {
    const hist = new Float64Array(2 * f.layout.totalBins);
    par.build(hist, start, end, f.features);
    expectClose(hist, expected(f, start, end));
    out.push(hist);
  }
  const batch = [
    { hist: new Float64Array(2 * f.layout.totalBins), start: 100, end: 9_000 },
    { hist: new Float64Array(2 * f.layout.totalBins), start: 9_000, end: N },
  ];
  par.buildMany(batch, f.features);
  for (const j of batch) {
    expectClose(j.hist, expected(f, j.start, j.end));
    out.push(j.hist);
  }
  return out;
}

describe('two-thread histogram', () => {
  it('gives the single-thread histogram', () => {
    const f = fixture();
    const par = new ParallelHistogram(f.layout, f.bins, 0);
    try {
      runJobs(par, f);
    } finally {
      par.close();
    }
  });

  it('finishes on the main thread when the worker cannot run, instead of waiting for it, with the same sums', async () => {
    const f = fixture();
    const healthy = new ParallelHistogram(f.layout, f.bins, 0);
    let reference: Float64Array[];
    try {
      reference = runJobs(healthy, f);
    } finally {
      healthy.close();
    }
    const broken = '(() => { throw new Error("kernel failed"); })';
    const par = new ParallelHistogram(f.layout, f.bins, 0, broken);
    try {
      const first = runJobs(par, f);
      // Give the failing worker time to start, claim a job and fail, then run again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const second = runJobs(par, f);
      expect(par.stolen).toBeGreaterThanOrEqual(1);
      // The main thread cuts the rows where the worker would have: bit for bit the same.
      for (const got of [first, second]) expect(got.map((h) => Array.from(h))).toEqual(reference.map((h) => Array.from(h)));
    } finally {
      par.close();
    }
  });
});
