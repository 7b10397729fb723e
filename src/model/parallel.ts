import { Worker } from 'node:worker_threads';
import { accumulateHistogram, gatherGradients, type HistogramLayout } from './histogram.ts';

/** One histogram to build: rows[start, end) into hist. */
export interface HistogramJob {
  hist: Float64Array;
  start: number;
  end: number;
}

/**
 * Builds histograms on two threads over shared memory: each job's rows are cut in two, the
 * main thread gathers and accumulates the first part, a worker the second, each over every
 * feature; the main thread then adds the worker's partial histogram to its own. (Cutting the
 * rows rather than the features keeps the kernel's per-row work shared by all features, and
 * lets both threads gather their own gradients.) The worker runs the same gatherGradients and
 * accumulateHistogram (their source is passed in, so there is one kernel and no loader
 * needed for a .ts worker); calls are synchronised with Atomics, which costs microseconds
 * rather than a message round trip. A call takes a batch of jobs (a whole tree level), so
 * the threads meet once per level, not once per node; the worker writes into slots of a
 * shared arena. The cut is fixed by the row counts, so a model is reproducible for a given
 * thread count (one and two threads sum in a different order, so they may differ in the last
 * bits).
 *
 * The worker's half is claimed with a compare-and-swap on CLAIM by whichever thread gets
 * there first: when the main thread has finished its own half and the worker has not
 * picked up the batch (it never started, the machine is out of threads, it is descheduled),
 * the main thread does that half itself. A worker that fails sets FAILED and stops taking
 * jobs. So training never waits on a worker that cannot run; it only loses the speed-up.
 */
const SEQ = 0;
const DONE = 1;
const NJOBS = 2;
const NFEAT = 3;
const CLAIM = 4;
const FAILED = 5;
const HEADER = 6;

/** Upper bound on the worker's output arena (doubles): 32 MB. */
const ARENA_DOUBLES = 1 << 22;
const MAX_SLOTS = 64;

const WORKER_SOURCE = (kernel: string) => `
const { workerData } = require('node:worker_threads');
${kernel}
const { ctrlBuf, binsBuf, rowsBuf, scratchBuf, arenaBuf, gradBuf, hessBuf, offset, binCount, n, jobsAt, stride } = workerData;
const grad = new Float64Array(gradBuf);
const hess = new Float64Array(hessBuf);
const ctrl = new Int32Array(ctrlBuf);
const bins = new Uint8Array(binsBuf);
const rows = new Uint32Array(rowsBuf);
const scratch = new Float64Array(scratchBuf);
const arena = new Float64Array(arenaBuf);
const off = Int32Array.from(offset);
const bc = Int32Array.from(binCount);
// Accumulate into private memory, then copy the result into the shared slot.
const local = new Float64Array(stride);
let seen = 0;
try {
  for (;;) {
    Atomics.wait(ctrl, ${SEQ}, seen);
    seen = Atomics.load(ctrl, ${SEQ});
    if (seen < 0) break;
    if (Atomics.compareExchange(ctrl, ${CLAIM}, seen - 1, seen) !== seen - 1) continue;
    const nf = ctrl[${NFEAT}];
    const features = ctrl.slice(${HEADER}, ${HEADER} + nf);
    const nj = ctrl[${NJOBS}];
    for (let j = 0; j < nj; j++) {
      const start = ctrl[jobsAt + 2 * j];
      const end = ctrl[jobsAt + 2 * j + 1];
      gatherGradients(rows, start, end, grad, hess, scratch);
      accumulateHistogram(local, off, bc, n, bins, rows, start, end, features, scratch);
      arena.set(local, j * stride);
    }
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
  /** Gradients and hessians per row: the arrays every build reads (shared with the worker). */
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  private readonly ctrl: Int32Array;
  private readonly scratch: Float64Array;
  private readonly arena: Float64Array;
  private readonly stride: number;
  private readonly slots: number;
  private readonly jobsAt: number;
  private readonly worker: Worker | undefined;
  private seq = 0;
  /** Batches whose worker half the main thread did itself (tests and diagnostics). */
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
    this.stride = 2 * layout.totalBins;
    this.slots = Math.max(1, Math.min(MAX_SLOTS, Math.floor(ARENA_DOUBLES / this.stride)));
    this.jobsAt = HEADER + nFeatures;
    const ctrlBuf = new SharedArrayBuffer(4 * (this.jobsAt + 2 * this.slots));
    const binsBuf = new SharedArrayBuffer(bins.length);
    const rowsBuf = new SharedArrayBuffer(4 * n);
    const scratchBuf = new SharedArrayBuffer(16 * n);
    const arenaBuf = new SharedArrayBuffer(8 * this.stride * this.slots);
    const gradBuf = new SharedArrayBuffer(8 * n);
    const hessBuf = new SharedArrayBuffer(8 * n);
    this.grad = new Float64Array(gradBuf);
    this.hess = new Float64Array(hessBuf);
    this.ctrl = new Int32Array(ctrlBuf);
    this.bins = new Uint8Array(binsBuf);
    this.bins.set(bins);
    this.rows = new Uint32Array(rowsBuf);
    this.scratch = new Float64Array(scratchBuf);
    this.arena = new Float64Array(arenaBuf);
    const kernel = `const accumulateHistogram = ${kernelSource};\nconst gatherGradients = ${gatherGradients.toString()};`;
    try {
      this.worker = new Worker(WORKER_SOURCE(kernel), {
        eval: true,
        workerData: {
          ctrlBuf,
          binsBuf,
          rowsBuf,
          scratchBuf,
          arenaBuf,
          gradBuf,
          hessBuf,
          offset: Array.from(layout.offset),
          binCount: Array.from(layout.binCount),
          n,
          jobsAt: this.jobsAt,
          stride: this.stride,
        },
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

  /** Histogram of this.rows[start, end) for `features` into `hist`, from this.grad and this.hess. */
  build(hist: Float64Array, start: number, end: number, features: Int32Array): void {
    this.buildMany([{ hist, start, end }], features);
  }

  /** Every job's histogram for `features`; the jobs' row ranges must not overlap. */
  buildMany(jobs: readonly HistogramJob[], features: Int32Array): void {
    for (let s = 0; s < jobs.length; s += this.slots) this.batch(jobs.slice(s, s + this.slots), features);
  }

  private batch(jobs: readonly HistogramJob[], features: Int32Array): void {
    const { layout, rows, bins, scratch, grad, hess } = this;
    const nf = features.length;
    let work = 0;
    for (const j of jobs) work += j.end - j.start;
    /** Both parts of every job on this thread: [start, cut) then [cut, end) when cut is given. */
    const local = (cut: ((j: HistogramJob) => number) | null, part: 'first' | 'second' | 'all') => {
      for (const j of jobs) {
        const c = cut ? cut(j) : j.end;
        const s = part === 'second' ? c : j.start;
        const e = part === 'first' ? c : j.end;
        gatherGradients(rows, s, e, grad, hess, scratch);
        accumulateHistogram(j.hist, layout.offset, layout.binCount, layout.rowCount, bins, rows, s, e, features, scratch);
      }
    };
    if (work * nf < this.minWork || this.worker === undefined || Atomics.load(this.ctrl, FAILED) === 1) {
      local(null, 'all');
      return;
    }
    const cut = (j: HistogramJob) => j.start + ((j.end - j.start) >> 1);
    const ctrl = this.ctrl;
    ctrl[NJOBS] = jobs.length;
    ctrl[NFEAT] = nf;
    ctrl.set(features, HEADER);
    jobs.forEach((j, i) => {
      ctrl[this.jobsAt + 2 * i] = cut(j);
      ctrl[this.jobsAt + 2 * i + 1] = j.end;
    });
    const seq = ++this.seq;
    Atomics.store(ctrl, SEQ, seq);
    Atomics.notify(ctrl, SEQ);
    local(cut, 'first');
    if (Atomics.compareExchange(ctrl, CLAIM, seq - 1, seq) === seq - 1) {
      // The worker has not taken the batch: do its part here.
      this.stolen++;
      this.finishHere(jobs, cut, features);
      return;
    }
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done === seq) break;
      if (Atomics.load(ctrl, FAILED) === 1) {
        // It claimed the batch and then failed: its part may be partly written, so redo it here.
        this.stolen++;
        this.finishHere(jobs, cut, features);
        return;
      }
      Atomics.wait(ctrl, DONE, done, 1000);
    }
    this.addArena(jobs, features);
  }

  /** The worker's parts of the batch, built on this thread into the arena and added. */
  private finishHere(jobs: readonly HistogramJob[], cut: (j: HistogramJob) => number, features: Int32Array): void {
    const { layout, rows, bins, scratch, grad, hess, arena, stride } = this;
    jobs.forEach((j, i) => {
      gatherGradients(rows, cut(j), j.end, grad, hess, scratch);
      accumulateHistogram(arena.subarray(i * stride, (i + 1) * stride), layout.offset, layout.binCount, layout.rowCount, bins, rows, cut(j), j.end, features, scratch);
    });
    this.addArena(jobs, features);
  }

  private addArena(jobs: readonly HistogramJob[], features: Int32Array): void {
    const { layout, arena, stride } = this;
    jobs.forEach((j, i) => {
      const hist = j.hist;
      const base = i * stride;
      for (let k = 0; k < features.length; k++) {
        const f = features[k] as number;
        const off = 2 * (layout.offset[f] as number);
        const end = off + 2 * (layout.binCount[f] as number);
        for (let x = off; x < end; x++) hist[x]! += arena[base + x] as number;
      }
    });
  }

  close(): void {
    Atomics.store(this.ctrl, SEQ, -1);
    Atomics.notify(this.ctrl, SEQ);
    void this.worker?.terminate();
  }
}
