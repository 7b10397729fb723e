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

function runJobs(par: ParallelHistogram, f: ReturnType<typeof fixture>): void {
  par.rows.set(Uint32Array.from({ length: N }, (_, i) => i));
  for (const [start, end] of [[0, N], [100, 9_000], [5_000, N]] as const) {
    const hist = new Float64Array(2 * f.layout.totalBins);
    par.build(hist, start, end, f.grad, f.hess, f.features);
    expect(Array.from(hist)).toEqual(Array.from(expected(f, start, end)));
  }
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

  it('finishes on the main thread when the worker cannot run, instead of waiting for it', async () => {
    const f = fixture();
    const broken = '(() => { throw new Error("kernel failed"); })';
    const par = new ParallelHistogram(f.layout, f.bins, 0, broken);
    try {
      runJobs(par, f);
      // Give the failing worker time to start, claim a job and fail, then run again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      runJobs(par, f);
      expect(par.stolen).toBeGreaterThanOrEqual(1);
    } finally {
      par.close();
    }
  });
});
