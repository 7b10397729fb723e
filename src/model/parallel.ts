import { Worker } from 'node:worker_threads';
import { accumulateHistogram, gatherGradients, type HistogramLayout } from './histogram.ts';

/**
 * Builds histograms on two threads: the main thread takes one half of the features, a
 * worker the other half, over shared memory. The worker runs the same accumulateHistogram
 * (its source is passed in, so there is one kernel and no loader needed for a .ts worker);
 * calls are synchronised with Atomics, which costs microseconds rather than a message
 * round trip per node.
 *
 * The worker's half is claimed with a compare-and-swap on CLAIM by whichever thread gets
 * there first: when the main thread has finished its own half and the worker has not
 * picked up the job (it never started, the machine is out of threads, it is descheduled),
 * the main thread does that half itself. A worker that fails sets FAILED and stops taking
 * jobs. So training never waits on a worker that cannot run; it only loses the speed-up.
 */
const SEQ = 0;
const DONE = 1;
const START = 2;
const END = 3;
const NFEAT = 4;
const CLAIM = 5;
const FAILED = 6;
const HEADER = 7;

const WORKER_SOURCE = (kernel: string) => `
const { workerData } = require('node:worker_threads');
${kernel}
const { ctrlBuf, binsBuf, rowsBuf, scratchBuf, histBuf, offset, binCount, n } = workerData;
const ctrl = new Int32Array(ctrlBuf);
const bins = new Uint8Array(binsBuf);
const rows = new Uint32Array(rowsBuf);
const scratch = new Float64Array(scratchBuf);
const hist = new Float64Array(histBuf);
const off = Int32Array.from(offset);
const bc = Int32Array.from(binCount);
let seen = 0;
try {
  for (;;) {
    Atomics.wait(ctrl, ${SEQ}, seen);
    seen = Atomics.load(ctrl, ${SEQ});
    if (seen < 0) break;
    if (Atomics.compareExchange(ctrl, ${CLAIM}, seen - 1, seen) !== seen - 1) continue;
    const nf = ctrl[${NFEAT}];
    const features = ctrl.slice(${HEADER}, ${HEADER} + nf);
    accumulateHistogram(hist, off, bc, n, bins, rows, ctrl[${START}], ctrl[${END}], features, scratch);
    Atomics.store(ctrl, ${DONE}, seen);
    Atomics.notify(ctrl, ${DONE});
  }
} catch (error) {
  Atomics.store(ctrl, ${FAILED}, 1);
  Atomics.notify(ctrl, ${DONE});
  throw error;
}
`;

export class ParallelHistogram {
  readonly rows: Uint32Array;
  readonly bins: Uint8Array;
  private readonly ctrl: Int32Array;
  private readonly scratch: Float64Array;
  private readonly workerHist: Float64Array;
  private readonly worker: Worker | undefined;
  private seq = 0;
  /** Jobs whose worker half the main thread did itself (tests and diagnostics). */
  stolen = 0;

  constructor(
    private readonly layout: HistogramLayout,
    bins: Uint8Array,
    private readonly minWork = 50_000,
    /** Test seam: the source of the worker's kernel (a broken one shows the fallback). */
    kernelSource = accumulateHistogram.toString(),
  ) {
    const n = layout.rowCount;
    const nFeatures = layout.binCount.length;
    const ctrlBuf = new SharedArrayBuffer(4 * (HEADER + nFeatures));
    const binsBuf = new SharedArrayBuffer(bins.length);
    const rowsBuf = new SharedArrayBuffer(4 * n);
    const scratchBuf = new SharedArrayBuffer(16 * n);
    const histBuf = new SharedArrayBuffer(16 * layout.totalBins);
    this.ctrl = new Int32Array(ctrlBuf);
    this.bins = new Uint8Array(binsBuf);
    this.bins.set(bins);
    this.rows = new Uint32Array(rowsBuf);
    this.scratch = new Float64Array(scratchBuf);
    this.workerHist = new Float64Array(histBuf);
    const kernel = `const accumulateHistogram = ${kernelSource};`;
    try {
      this.worker = new Worker(WORKER_SOURCE(kernel), {
        eval: true,
        workerData: { ctrlBuf, binsBuf, rowsBuf, scratchBuf, histBuf, offset: Array.from(layout.offset), binCount: Array.from(layout.binCount), n },
      });
    } catch {
      // No thread to be had (EAGAIN under a process limit): build on this thread alone.
      this.worker = undefined;
      this.ctrl[FAILED] = 1;
      return;
    }
    // A worker that cannot start or dies is not an error for training: the main thread
    // takes over its half (see build). Without a listener, 'error' would end the process.
    const failed = () => {
      Atomics.store(this.ctrl, FAILED, 1);
      Atomics.notify(this.ctrl, DONE);
    };
    this.worker.on('error', failed);
    this.worker.on('exit', failed);
    this.worker.unref();
  }

  /** Histogram of this.rows[start, end) for `features` into `hist`. */
  build(hist: Float64Array, start: number, end: number, grad: Float64Array, hess: Float64Array, features: Int32Array): void {
    const { layout, rows, bins, scratch } = this;
    gatherGradients(rows, start, end, grad, hess, scratch);
    const nf = features.length;
    if ((end - start) * nf < this.minWork || nf < 2 || this.worker === undefined || Atomics.load(this.ctrl, FAILED) === 1) {
      accumulateHistogram(hist, layout.offset, layout.binCount, layout.rowCount, bins, rows, start, end, features, scratch);
      return;
    }
    // Interleave features so both halves get a similar mix of bin counts.
    const mine = new Int32Array(nf - (nf >> 1));
    const theirs = new Int32Array(nf >> 1);
    for (let i = 0; i < nf; i++) {
      if (i & 1) theirs[i >> 1] = features[i] as number;
      else mine[i >> 1] = features[i] as number;
    }
    const ctrl = this.ctrl;
    ctrl[START] = start;
    ctrl[END] = end;
    ctrl[NFEAT] = theirs.length;
    ctrl.set(theirs, HEADER);
    const seq = ++this.seq;
    Atomics.store(ctrl, SEQ, seq);
    Atomics.notify(ctrl, SEQ);
    accumulateHistogram(hist, layout.offset, layout.binCount, layout.rowCount, bins, rows, start, end, mine, scratch);
    if (Atomics.compareExchange(ctrl, CLAIM, seq - 1, seq) === seq - 1) {
      // The worker has not taken the job: do its half here.
      this.stolen++;
      accumulateHistogram(hist, layout.offset, layout.binCount, layout.rowCount, bins, rows, start, end, theirs, scratch);
      return;
    }
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done === seq) break;
      if (Atomics.load(ctrl, FAILED) === 1) {
        // It claimed the job and then failed: its half may be partly written, so redo it here.
        this.stolen++;
        accumulateHistogram(hist, layout.offset, layout.binCount, layout.rowCount, bins, rows, start, end, theirs, scratch);
        return;
      }
      Atomics.wait(ctrl, DONE, done, 1000);
    }
    const wh = this.workerHist;
    for (let i = 0; i < theirs.length; i++) {
      const f = theirs[i] as number;
      const off = 2 * (layout.offset[f] as number);
      hist.set(wh.subarray(off, off + 2 * (layout.binCount[f] as number)), off);
    }
  }

  close(): void {
    Atomics.store(this.ctrl, SEQ, -1);
    Atomics.notify(this.ctrl, SEQ);
    void this.worker?.terminate();
  }
}
