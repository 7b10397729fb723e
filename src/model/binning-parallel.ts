import { Worker } from 'node:worker_threads';
import { binColumnInto, binningPlan, binNumeric, fitColumn, numericColumn, quantileThresholds, sortFloat64, type BinningOptions, type FeatureBinning } from './binning.ts';
import type { ColumnSet } from './columns.ts';
import { declareFunctions } from './worker-source.ts';

/**
 * Rows × numeric columns from which a worker bins half of the numeric columns. Below it a
 * worker's start and its cold code cost more than it saves (measured: 100k × 20 bins in
 * 0.14 s on one thread, 0.17–0.2 s on two; 1M × 20 in 0.65 s on one, 0.51 s on two).
 */
export const PARALLEL_BINNING_MIN_CELLS = 5_000_000;

/** Most thresholds a column can have (255 bins: missing + 254 numeric bins, 253 cuts). */
const MAX_THRESHOLDS = 255;

const UNCLAIMED = 0;
const CLAIMED = 1;
const DONE = 2;
/** ctrl: FAILED, then one state per worker column. */
const FAILED = 0;
const STATE = 1;

const WORKER_SOURCE = (kernels: string) => `
const { workerData } = require('node:worker_threads');
${kernels}
const { ctrlBuf, valuesBuf, outBuf, thresholdsBuf, sampleBuf, n, count, maxNumericBins } = workerData;
const ctrl = new Int32Array(ctrlBuf);
const values = new Float64Array(valuesBuf);
const out = new Uint8Array(outBuf);
const thresholds = new Float64Array(thresholdsBuf);
const sample = sampleBuf ? new Uint32Array(sampleBuf) : null;
try {
  for (let i = 0; i < count; i++) {
    if (Atomics.compareExchange(ctrl, ${STATE} + i, ${UNCLAIMED}, ${CLAIMED}) !== ${UNCLAIMED}) continue;
    const t = numericColumn(values.subarray(i * n, (i + 1) * n), sample, maxNumericBins, out.subarray(i * n, (i + 1) * n));
    thresholds[i * ${MAX_THRESHOLDS + 1}] = t.length;
    thresholds.set(t, i * ${MAX_THRESHOLDS + 1} + 1);
    Atomics.store(ctrl, ${STATE} + i, ${DONE});
    Atomics.notify(ctrl, ${STATE} + i);
  }
} catch (error) {
  Atomics.store(ctrl, ${FAILED}, 1);
  for (let i = 0; i < count; i++) Atomics.notify(ctrl, ${STATE} + i);
  throw error;
}
`;

/**
 * fitBinning + applyBinning for a training set (workerColumns: how many columns the worker
 * binned, for tests and diagnostics), on two threads when it is large: the main
 * thread bins the categorical and every other numeric column, a short-lived worker the
 * rest, each sorting its columns' (sampled) values for the quantile cuts. Results are the
 * same as on one thread. The worker's columns are claimed one at a time with a
 * compare-and-swap, so when the worker is slow to start, out of threads or failing, the main
 * thread bins them itself instead of waiting.
 */
export function binTrainingSet(
  set: ColumnSet,
  options: Partial<BinningOptions> = {},
  threads = 1,
  /** Test seam: false makes the main thread wait for the worker's columns instead of taking them. */
  steal = true,
): { binnings: FeatureBinning[]; bins: Uint8Array; workerColumns: number } {
  const n = set.rowCount;
  const { opts, sample } = binningPlan(n, options);
  const nf = set.columns.length;
  const numeric = set.columns.flatMap((c, f) => (c.kind === 'numeric' ? [f] : []));
  const useWorker = threads > 1 && numeric.length >= 2 && n * numeric.length >= PARALLEL_BINNING_MIN_CELLS;
  const bins = new Uint8Array(useWorker ? new SharedArrayBuffer(n * nf) : new ArrayBuffer(n * nf));
  const binnings: (FeatureBinning | undefined)[] = new Array<FeatureBinning | undefined>(nf);
  const theirs = useWorker ? numeric.filter((_, i) => i % 2 === 1) : [];
  const theirSet = new Set(theirs);
  const pool = useWorker ? startWorker(set, theirs, n, sample, opts.maxBins - 1) : null;

  const binColumn = (f: number) => {
    const col = set.columns[f]!;
    const b = fitColumn(col, sample, opts);
    binnings[f] = b;
    binColumnInto(col, b, bins.subarray(f * n, (f + 1) * n));
  };
  for (let f = 0; f < nf; f++) if (!theirSet.has(f)) binColumn(f);
  let workerColumns = 0;
  if (pool) {
    const { ctrl, out, thresholds } = pool;
    // Take the worker's columns it has not started from the end of its list, then collect the rest.
    const here = new Set<number>();
    for (let i = theirs.length - 1; steal && i >= 0; i--) {
      if (Atomics.compareExchange(ctrl, STATE + i, UNCLAIMED, CLAIMED) !== UNCLAIMED) break;
      here.add(i);
      binColumn(theirs[i] as number);
    }
    theirs.forEach((f, i) => {
      if (here.has(i)) return;
      for (;;) {
        const state = Atomics.load(ctrl, STATE + i);
        if (state === DONE) break;
        if (Atomics.load(ctrl, FAILED) === 1) break;
        if (steal && state === UNCLAIMED && Atomics.compareExchange(ctrl, STATE + i, UNCLAIMED, CLAIMED) === UNCLAIMED) break;
        Atomics.wait(ctrl, STATE + i, state, 1000);
      }
      if (Atomics.load(ctrl, STATE + i) !== DONE) {
        binColumn(f); // not taken by the worker, or claimed and then the worker failed
        return;
      }
      workerColumns++;
      const at = i * (MAX_THRESHOLDS + 1);
      const t = Array.from(thresholds.subarray(at + 1, at + 1 + (thresholds[at] as number)));
      binnings[f] = { kind: 'numeric', name: set.columns[f]!.name, thresholds: t };
      bins.set(out.subarray(i * n, (i + 1) * n), f * n);
    });
    void pool.worker?.terminate();
  }
  return { binnings: binnings as FeatureBinning[], bins, workerColumns };
}

function startWorker(set: ColumnSet, theirs: number[], n: number, sample: Uint32Array | null, maxNumericBins: number) {
  const count = theirs.length;
  const ctrlBuf = new SharedArrayBuffer(4 * (STATE + count));
  const valuesBuf = new SharedArrayBuffer(8 * n * count);
  const outBuf = new SharedArrayBuffer(n * count);
  const thresholdsBuf = new SharedArrayBuffer(8 * (MAX_THRESHOLDS + 1) * count);
  const values = new Float64Array(valuesBuf);
  theirs.forEach((f, i) => {
    const col = set.columns[f]!;
    if (col.kind === 'numeric') values.set(col.values, i * n);
  });
  let sampleBuf: SharedArrayBuffer | null = null;
  if (sample) {
    sampleBuf = new SharedArrayBuffer(4 * sample.length);
    new Uint32Array(sampleBuf).set(sample);
  }
  const ctrl = new Int32Array(ctrlBuf);
  const kernels = declareFunctions({ sortFloat64, quantileThresholds, binNumeric, numericColumn });
  let worker: Worker | undefined;
  try {
    worker = new Worker(WORKER_SOURCE(kernels), { eval: true, workerData: { ctrlBuf, valuesBuf, outBuf, thresholdsBuf, sampleBuf, n, count, maxNumericBins } });
    const failed = () => {
      Atomics.store(ctrl, FAILED, 1);
      for (let i = 0; i < count; i++) Atomics.notify(ctrl, STATE + i);
    };
    worker.on('error', failed);
    worker.on('exit', failed);
    worker.unref();
  } catch {
    Atomics.store(ctrl, FAILED, 1); // no thread: the main thread claims every column
  }
  return { worker, ctrl, out: new Uint8Array(outBuf), thresholds: new Float64Array(thresholdsBuf) };
}
