import { Worker } from 'node:worker_threads';
import { accumulateHistogram, gatherGradients, groupsOf, histLength, packBins, PACK, runHalf, slotLayout, type HistogramLayout } from './histogram.ts';
import { categoricalSplit, findBestSplit, searchPair, SPLIT_REC, type Split, type SplitParams } from './split.ts';
import { declareFunctions } from './worker-source.ts';

/**
 * One node's work in a tree level: optionally partition rows[start, end) by lut[bin of
 * `feature`] (stable: rows going left first), then build the histogram of one side.
 */
export interface LevelTask {
  start: number;
  end: number;
  feature: number;
  /** 1 = the bin goes left; null: no partition (the root). */
  lut: Uint8Array | null;
  /**
   * The rows whose histogram goes into hist: SIDE_NONE, SIDE_LEFT, SIDE_RIGHT, SIDE_ALL, or
   * SIDE_SMALLER (the side with fewer rows, left on a tie; only for a task the runner does
   * not cut, i.e. under CUT_MIN_ROWS rows, since both parts of a cut task must agree).
   */
  side: number;
  hist: Float64Array | null;
  /** First compute the logistic-loss gradients of the task's rows from margin and label (the root of a tree). */
  gradients?: boolean;
}

export const SIDE_NONE = 0;
export const SIDE_LEFT = 1;
export const SIDE_RIGHT = 2;
export const SIDE_ALL = 3;
export const SIDE_SMALLER = 4;

function decodeSplit(rec: Float64Array, cats: Uint8Array): Split | null {
  if (rec[0] !== 1) return null;
  const ncat = rec[7] as number;
  return {
    feature: rec[1] as number,
    gain: rec[2] as number,
    threshold: rec[3] as number,
    defaultLeft: rec[4] === 1,
    categories: ncat < 0 ? null : Array.from(cats.subarray(0, ncat)),
    gradLeft: rec[5] as number,
    hessLeft: rec[6] as number,
  };
}

/** Two children to search, after their level has run. */
export interface SplitPair {
  /** The histogram built from rows, and the parent's buffer that becomes the other child's. */
  small: Float64Array;
  large: Float64Array;
  leftIsSmall: boolean;
  /** Gradient and hessian sums: left, right. */
  sums: Float64Array;
  canLeft: boolean;
  canRight: boolean;
  /** Filled in: the best split of the left and the right child (null: none or not searched). */
  left: Split | null;
  right: Split | null;
}

const SEQ = 0;
const DONE = 1;
const NTASKS = 2;
const NGROUPS = 3;
const CLAIM = 4;
const FAILED = 5;
/** What the posted batch is: KIND_LEVEL (level tasks) or KIND_SPLITS (split searches). */
const KIND = 6;
const HEADER = 7;
const KIND_LEVEL = 0;
const KIND_SPLITS = 1;
/** Per split-search pair in ctrl: large slot, small slot, left is small, can split left, can split right, subtracted. */
const PAIR_INTS = 6;

/** Per part in ctrl: start, end, feature, side, has lut, left count (written back), gradients, slot, shared histogram slot to build into directly (−1: the arena). */
const TASK_INTS = 9;
/** Tasks with at least this many rows are cut in two parts; smaller ones run whole on one thread. */
export const CUT_MIN_ROWS = 8192;

/** Which side a task's histogram holds, once it has run with partition point mid. */
export function builtSide(task: LevelTask, mid: number): number {
  if (task.side !== SIDE_SMALLER) return task.side;
  return mid - task.start <= task.end - mid ? SIDE_LEFT : SIDE_RIGHT;
}

/** Polls of the shared word before a thread sleeps in Atomics.wait (well under a millisecond). */
const SPIN = 100_000;

/** Upper bound on the second part's histogram arena (doubles): 32 MB. */
const ARENA_DOUBLES = 1 << 22;
const MAX_SLOTS = 64;
/** Shared histogram buffers for split search: enough for the widest level of a depth-6 tree and its children. */
const MAX_HIST_SLOTS = 128;

export interface LevelRunnerOptions {
  /** Below this many row × feature updates in a level, the main thread runs both parts. */
  minWork?: number;
  /** Test seam: the source of the worker's histogram kernel (a broken one shows the fallback). */
  kernelSource?: string;
  /** Lets the worker search splits too (searchPairs), with these split settings. */
  search?: { categorical: Uint8Array; params: SplitParams };
  /** Test seam: false makes the main thread wait for the worker's share instead of taking it back. */
  steal?: boolean;
}

const WORKER_SOURCE = (kernels: string) => `
const { workerData } = require('node:worker_threads');
${kernels}
const { ctrlBuf, packedBuf, rowsBuf, arenaBuf, lutBuf, gradBuf, hessBuf, marginBuf, labelBuf, histBuf, slotOffset, slotBins, n, tasksAt, stride, search } = workerData;
const hists = new Float64Array(histBuf);
const margin = new Float64Array(marginBuf);
const label = new Uint8Array(labelBuf);
const ctrl = new Int32Array(ctrlBuf);
const packed = new Uint32Array(packedBuf);
const rows = new Uint32Array(rowsBuf);
const arena = new Float64Array(arenaBuf);
const luts = new Uint8Array(lutBuf);
const grad = new Float64Array(gradBuf);
const hess = new Float64Array(hessBuf);
const off = Int32Array.from(slotOffset);
const bc = Int32Array.from(slotBins);
const buffer = new Uint32Array(2 * n);
const scratch = new Float64Array(2 * n);
// Accumulate into private memory, then copy the result into the shared slot.
const local = new Float64Array(stride);
const searchState = search
  ? {
      recs: new Float64Array(search.recBuf),
      cats: new Uint8Array(search.catsBuf),
      sums: new Float64Array(search.sumsBuf),
      layout: { rowCount: n, offset: Int32Array.from(search.offset), binCount: Int32Array.from(search.binCount), totalBins: search.totalBins },
      categorical: Uint8Array.from(search.categorical),
      params: search.params,
    }
  : null;
let seen = 0;
try {
  for (;;) {
    // Spin a little before sleeping: levels come microseconds apart while a tree grows, and
    // waking from Atomics.wait takes longer than the main thread's part of a small level.
    for (let spin = 0; spin < ${SPIN} && Atomics.load(ctrl, ${SEQ}) === seen; spin++);
    Atomics.wait(ctrl, ${SEQ}, seen);
    seen = Atomics.load(ctrl, ${SEQ});
    if (seen < 0) break;
    if (Atomics.compareExchange(ctrl, ${CLAIM}, seen - 1, seen) !== seen - 1) continue;
    if (ctrl[${KIND}] === ${KIND_SPLITS}) {
      const { recs, cats, sums, layout, categorical, params } = searchState;
      const features = ctrl.slice(${HEADER}, ${HEADER} + ctrl[${NGROUPS}]);
      const np = ctrl[${NTASKS}];
      for (let j = 0; j < np; j++) {
        const at = tasksAt + ${PAIR_INTS} * j;
        const large = hists.subarray(ctrl[at] * stride, (ctrl[at] + 1) * stride);
        const small = hists.subarray(ctrl[at + 1] * stride, (ctrl[at + 1] + 1) * stride);
        searchPair(large, small, layout, features, categorical, params, ctrl[at + 2] === 1, sums.subarray(4 * j, 4 * j + 4), ctrl[at + 3] === 1, ctrl[at + 4] === 1, recs.subarray(${2 * 8} * j, ${2 * 8} * (j + 1)), cats.subarray(512 * j, 512 * (j + 1)), ctrl, at + 5);
      }
      Atomics.store(ctrl, ${DONE}, seen);
      Atomics.notify(ctrl, ${DONE});
      continue;
    }
    const groups = ctrl.slice(${HEADER}, ${HEADER} + ctrl[${NGROUPS}]);
    const nt = ctrl[${NTASKS}];
    for (let j = 0; j < nt; j++) {
      const at = tasksAt + ${TASK_INTS} * j;
      const side = ctrl[at + 3];
      const slot = ctrl[at + 7];
      const lut = ctrl[at + 4] ? luts.subarray(256 * slot, 256 * slot + 256) : null;
      const direct = ctrl[at + 8];
      const target = direct >= 0 ? hists.subarray(direct * stride, (direct + 1) * stride) : local;
      ctrl[at + 5] = runHalf(rows, packed, n, buffer, grad, hess, scratch, target, off, bc, groups, ctrl[at], ctrl[at + 1], ctrl[at + 2], lut, side, margin, label, ctrl[at + 6] === 1);
      if (side !== 0 && direct < 0) arena.set(local, slot * stride);
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

/** A task's rows run by one thread: all of them, or one of its two halves when cut. */
interface Part {
  slot: number;
  start: number;
  end: number;
  cut: boolean;
  /** Rows of the part that went left (written when run). */
  left: number;
  /** Built straight into the task's (shared) histogram rather than into the arena. */
  direct?: boolean;
}

/**
 * Grows trees a level at a time on up to two threads over shared memory.
 *
 * run(): every node of the level is a task (gradients at the root, partition, histogram of
 * one child). Tasks of CUT_MIN_ROWS rows or more are cut in two at the middle: the main
 * thread runs the first part, a worker the second, each partitioning its part and building
 * its part's histogram over every feature; the main thread then joins them (moves the second
 * part's left rows before the first part's right rows, adds the second part's histogram).
 * Smaller tasks run whole, on whichever thread has fewer rows so far. Cutting rows rather
 * than features keeps the kernel's per-row work shared by all features and lets both threads
 * partition and gather.
 *
 * searchPairs(): each pair of children gets the larger child's histogram by subtraction and
 * both children's best splits; pairs whose buffers are shared alternate between the threads.
 *
 * Without a worker (one thread, small work, no thread to be had) the main thread runs every
 * part the same way, so a model does not depend on the thread count. The worker runs the same
 * kernels from their source (declareFunctions), synchronised with Atomics twice per level.
 * Its share of a batch is claimed with a compare-and-swap on CLAIM by whichever thread gets
 * there first: when the main thread has finished its share and the worker has not picked
 * the batch up (it never started, the machine is out of threads, it is descheduled), the
 * main thread does that share itself. A worker that fails sets FAILED and stops taking work.
 * So training never waits on a worker that cannot run; it only loses the speed-up.
 */
export class LevelRunner {
  readonly rows: Uint32Array;
  /** The training bins re-laid four features per word (packBins): what partitions and histograms read. */
  readonly packed: Uint32Array;
  private readonly slotOffset: Int32Array;
  private readonly slotBins: Int32Array;
  /** Gradients and hessians per row: what every histogram reads (shared with the worker). */
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /** Margin and 0/1 label per row: what a task with `gradients` reads. */
  readonly margin: Float64Array;
  readonly label: Uint8Array;
  private readonly ctrl: Int32Array;
  private readonly luts: Uint8Array;
  private readonly arena: Float64Array;
  private readonly buffer: Uint32Array;
  private readonly scratch: Float64Array;
  private readonly stride: number;
  private readonly slots: number;
  private readonly tasksAt: number;
  private readonly worker: Worker | undefined;
  /** Shared histogram buffers (slot i at i * stride): the worker builds whole tasks' histograms and searches splits in them. */
  private readonly hists: Float64Array | null = null;
  private readonly freeHists: number[] = [];
  private readonly histSlot = new Map<Float64Array, number>();
  private readonly looseHists: Float64Array[] = [];
  private readonly recs: Float64Array | null = null;
  private readonly cats: Uint8Array | null = null;
  private readonly pairSums: Float64Array | null = null;
  private readonly search: LevelRunnerOptions['search'];
  private seq = 0;
  /** Batches whose worker share the main thread did itself although a worker exists (tests and diagnostics). */
  stolen = 0;

  private readonly minWork: number;
  private readonly steal: boolean;

  constructor(
    private readonly layout: HistogramLayout,
    bins: Uint8Array,
    /** false: no worker, the main thread runs both parts. */
    useWorker: boolean,
    options: LevelRunnerOptions = {},
  ) {
    this.minWork = options.minWork ?? 50_000;
    this.steal = options.steal ?? true;
    this.search = options.search;
    const kernelSource = options.kernelSource ?? accumulateHistogram;
    const n = layout.rowCount;
    const nFeatures = layout.binCount.length;
    this.stride = histLength(layout);
    this.slots = Math.max(1, Math.min(MAX_SLOTS, Math.floor(ARENA_DOUBLES / this.stride)));
    this.tasksAt = HEADER + nFeatures;
    const shared = (bytes: number) => (useWorker ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const ctrlBuf = shared(4 * (this.tasksAt + TASK_INTS * this.slots));
    const groupCount = Math.ceil(nFeatures / PACK);
    const packedBuf = shared(4 * groupCount * n);
    const rowsBuf = shared(4 * n);
    const arenaBuf = shared(8 * this.stride * this.slots);
    const lutBuf = shared(256 * this.slots);
    const gradBuf = shared(8 * n);
    const hessBuf = shared(8 * n);
    const marginBuf = shared(8 * n);
    const labelBuf = shared(n);
    this.ctrl = new Int32Array(ctrlBuf);
    this.packed = packBins(bins, n, nFeatures, new Uint32Array(packedBuf));
    ({ slotOffset: this.slotOffset, slotBins: this.slotBins } = slotLayout(layout));
    this.rows = new Uint32Array(rowsBuf);
    this.arena = new Float64Array(arenaBuf);
    this.luts = new Uint8Array(lutBuf);
    this.grad = new Float64Array(gradBuf);
    this.hess = new Float64Array(hessBuf);
    this.margin = new Float64Array(marginBuf);
    this.label = new Uint8Array(labelBuf);
    this.buffer = new Uint32Array(2 * n);
    this.scratch = new Float64Array(2 * n);
    if (!useWorker) {
      this.worker = undefined;
      return;
    }
    // Shared histogram buffers: the worker builds whole tasks' histograms and searches splits in them.
    const histSlots = Math.max(0, Math.min(MAX_HIST_SLOTS, Math.floor(ARENA_DOUBLES / this.stride)));
    const histBuf = new SharedArrayBuffer(8 * this.stride * histSlots);
    this.hists = new Float64Array(histBuf);
    for (let i = histSlots - 1; i >= 0; i--) this.freeHists.push(i);
    let search: Record<string, unknown> | null = null;
    if (this.search) {
      const recBuf = new SharedArrayBuffer(8 * 2 * SPLIT_REC * this.slots);
      const catsBuf = new SharedArrayBuffer(512 * this.slots);
      const sumsBuf = new SharedArrayBuffer(8 * 4 * this.slots);
      this.recs = new Float64Array(recBuf);
      this.cats = new Uint8Array(catsBuf);
      this.pairSums = new Float64Array(sumsBuf);
      search = {
        recBuf,
        catsBuf,
        sumsBuf,
        offset: Array.from(layout.offset),
        binCount: Array.from(layout.binCount),
        totalBins: layout.totalBins,
        categorical: Array.from(this.search.categorical),
        params: this.search.params,
      };
    }
    const kernels = declareFunctions({ accumulateHistogram: kernelSource, gatherGradients, runHalf, categoricalSplit, findBestSplit, searchPair });
    try {
      this.worker = new Worker(WORKER_SOURCE(kernels), {
        eval: true,
        workerData: {
          ctrlBuf,
          packedBuf,
          rowsBuf,
          arenaBuf,
          lutBuf,
          gradBuf,
          hessBuf,
          marginBuf,
          labelBuf,
          slotOffset: Array.from(this.slotOffset),
          slotBins: Array.from(this.slotBins),
          n,
          tasksAt: this.tasksAt,
          stride: this.stride,
          histBuf,
          search,
        },
      });
    } catch {
      // No thread to be had (EAGAIN under a process limit): run on this thread alone.
      this.worker = undefined;
      return;
    }
    // A worker that cannot start or dies is not an error for training: the main thread
    // takes over its part (see batch). Without a listener, 'error' would end the process.
    const failed = () => {
      Atomics.store(this.ctrl, FAILED, 1);
      Atomics.notify(this.ctrl, DONE);
    };
    this.worker.on('error', failed);
    this.worker.on('exit', failed);
    this.worker.unref();
  }

  /**
   * Runs the tasks (disjoint row ranges) for `features`; returns, per task, the first row
   * index of the right part (end for a task without partition).
   */
  run(tasks: readonly LevelTask[], features: Int32Array): Int32Array {
    const mids = new Int32Array(tasks.length);
    for (let s = 0; s < tasks.length; s += this.slots) {
      const chunk = tasks.slice(s, s + this.slots);
      mids.set(this.batch(chunk, features), s);
    }
    return mids;
  }

  private batch(tasks: readonly LevelTask[], features: Int32Array): Int32Array {
    const { ctrl, stride, arena } = this;
    const groups = groupsOf(features);
    // Parts: tasks of CUT_MIN_ROWS rows or more are cut at the middle, the first part for the
    // main thread and the second for the worker; smaller tasks run whole, on whichever
    // thread has fewer rows so far. Which thread runs a part never changes its result.
    const mine: Part[] = [];
    const theirs: Part[] = [];
    let mineRows = 0;
    let theirRows = 0;
    tasks.forEach((t, slot) => {
      const rowsIn = t.end - t.start;
      if (rowsIn >= CUT_MIN_ROWS) {
        const cut = t.start + (rowsIn >> 1);
        mine.push({ slot, start: t.start, end: cut, cut: true, left: 0 });
        theirs.push({ slot, start: cut, end: t.end, cut: true, left: 0 });
        mineRows += cut - t.start;
        theirRows += t.end - cut;
      } else if (mineRows <= theirRows) {
        mine.push({ slot, start: t.start, end: t.end, cut: false, left: 0 });
        mineRows += rowsIn;
      } else {
        // A whole task's histogram goes straight into its buffer when the worker can reach it.
        const direct = t.side !== SIDE_NONE && t.hist !== null && this.histSlot.has(t.hist);
        theirs.push({ slot, start: t.start, end: t.end, cut: false, left: 0, direct });
        theirRows += rowsIn;
      }
    });
    const run = (part: Part, hist: Float64Array) => {
      const t = tasks[part.slot] as LevelTask;
      const { layout } = this;
      part.left = runHalf(this.rows, this.packed, layout.rowCount, this.buffer, this.grad, this.hess, this.scratch, hist, this.slotOffset, this.slotBins, groups, part.start, part.end, t.feature, t.lut, t.side, this.margin, this.label, t.gradients === true);
    };
    const runMine = () => {
      for (const part of mine) run(part, tasks[part.slot]?.hist ?? arena);
    };
    const runTheirsHere = () => {
      for (const part of theirs) run(part, part.direct ? (tasks[part.slot]?.hist as Float64Array) : arena.subarray(part.slot * stride, (part.slot + 1) * stride));
    };
    let work = 0;
    for (const t of tasks) work += (t.end - t.start) * (t.side === SIDE_NONE ? 1 : PACK * groups.length);
    const useWorker = theirs.length > 0 && this.workerUsable() && work >= this.minWork;
    if (!useWorker) {
      runMine();
      runTheirsHere();
    } else {
      this.dispatch(
        () => {
          ctrl[KIND] = KIND_LEVEL;
          ctrl[NTASKS] = theirs.length;
          ctrl[NGROUPS] = groups.length;
          ctrl.set(groups, HEADER);
          theirs.forEach((part, i) => {
            const t = tasks[part.slot] as LevelTask;
            const at = this.tasksAt + TASK_INTS * i;
            ctrl[at] = part.start;
            ctrl[at + 1] = part.end;
            ctrl[at + 2] = t.feature;
            ctrl[at + 3] = t.side;
            ctrl[at + 4] = t.lut ? 1 : 0;
            ctrl[at + 6] = t.gradients ? 1 : 0;
            ctrl[at + 7] = part.slot;
            ctrl[at + 8] = part.direct ? (this.histSlot.get(t.hist as Float64Array) as number) : -1;
            if (t.lut) this.luts.set(t.lut, 256 * part.slot);
          });
        },
        runMine,
        // If the worker failed part-way through a level: each of its parts' rows is either
        // untouched or already partitioned (rows are written only once a partition is
        // complete), and a stable partition of a partitioned range leaves it as it is; so
        // running its parts again here gives what it would have given.
        runTheirsHere,
        () =>
          theirs.forEach((part, i) => {
            part.left = ctrl[this.tasksAt + TASK_INTS * i + 5] as number;
          }),
      );
    }
    return this.join(tasks, mine, theirs, features);
  }

  private workerUsable(): boolean {
    return this.worker !== undefined && Atomics.load(this.ctrl, FAILED) !== 1;
  }

  /**
   * Posts a batch (post writes ctrl), runs the main thread's share (mine), then either takes
   * the worker's share back when the worker has not claimed it or has failed (theirsHere), or
   * waits for it and reads its results (collect).
   */
  private dispatch(post: () => void, mine: () => void, theirsHere: () => void, collect: () => void): void {
    const ctrl = this.ctrl;
    post();
    const seq = ++this.seq;
    Atomics.store(ctrl, SEQ, seq);
    Atomics.notify(ctrl, SEQ);
    mine();
    if (this.steal && Atomics.compareExchange(ctrl, CLAIM, seq - 1, seq) === seq - 1) {
      // The worker has not taken the batch: do its share here.
      this.stolen++;
      theirsHere();
      return;
    }
    for (let spin = 0; ; spin++) {
      const done = Atomics.load(ctrl, DONE);
      if (done === seq) break;
      if (Atomics.load(ctrl, FAILED) === 1) {
        // It claimed the batch and then failed: redo its share here.
        this.stolen++;
        theirsHere();
        return;
      }
      if (spin >= SPIN) Atomics.wait(ctrl, DONE, done, 1000);
    }
    collect();
  }

  /** A histogram buffer: a shared one the worker can search in while any is free. */
  takeHist(): Float64Array {
    const slot = this.freeHists.pop();
    if (slot !== undefined && this.hists) {
      const h = this.hists.subarray(slot * this.stride, (slot + 1) * this.stride);
      this.histSlot.set(h, slot);
      return h;
    }
    return this.looseHists.pop() ?? new Float64Array(this.stride);
  }

  giveHist(h: Float64Array): void {
    const slot = this.histSlot.get(h);
    if (slot === undefined) {
      this.looseHists.push(h);
      return;
    }
    this.histSlot.delete(h);
    this.freeHists.push(slot);
  }

  /**
   * For each pair: the larger child's histogram = parent − smaller, then each child's best
   * split (when it may split). Pairs whose buffers are shared alternate between the threads.
   */
  searchPairs(pairs: readonly SplitPair[], features: Int32Array): void {
    const search = this.search;
    if (!search) throw new Error('searchPairs needs a runner made with split settings');
    for (let s = 0; s < pairs.length; s += this.slots) this.searchBatch(pairs.slice(s, s + this.slots), features, search);
  }

  private searchBatch(pairs: readonly SplitPair[], features: Int32Array, search: NonNullable<LevelRunnerOptions['search']>): void {
    const { layout } = this;
    const rec = new Float64Array(2 * SPLIT_REC);
    const cats = new Uint8Array(512);
    const sums = new Float64Array(4);
    /** mark/markAt: the worker's record of having subtracted, for a pair taken back from it. */
    const here = (pair: SplitPair, mark: Int32Array | null = null, markAt = 0) => {
      sums.set(pair.sums);
      searchPair(pair.large, pair.small, layout, features, search.categorical, search.params, pair.leftIsSmall, sums, pair.canLeft, pair.canRight, rec, cats, mark, markAt);
      pair.left = decodeSplit(rec, cats);
      pair.right = decodeSplit(rec.subarray(SPLIT_REC), cats.subarray(256));
    };
    const shared = (pair: SplitPair) => this.histSlot.has(pair.large) && this.histSlot.has(pair.small);
    const mine: SplitPair[] = [];
    const theirs: SplitPair[] = [];
    for (const pair of pairs) (shared(pair) && mine.length > theirs.length ? theirs : mine).push(pair);
    if (theirs.length === 0 || !this.workerUsable() || !this.recs || !this.cats || !this.pairSums) {
      for (const pair of pairs) here(pair);
      return;
    }
    const { ctrl, recs, cats: allCats, pairSums } = this;
    this.dispatch(
      () => {
        ctrl[KIND] = KIND_SPLITS;
        ctrl[NTASKS] = theirs.length;
        ctrl[NGROUPS] = features.length;
        ctrl.set(features, HEADER);
        theirs.forEach((pair, j) => {
          const at = this.tasksAt + PAIR_INTS * j;
          ctrl[at] = this.histSlot.get(pair.large) as number;
          ctrl[at + 1] = this.histSlot.get(pair.small) as number;
          ctrl[at + 2] = pair.leftIsSmall ? 1 : 0;
          ctrl[at + 3] = pair.canLeft ? 1 : 0;
          ctrl[at + 4] = pair.canRight ? 1 : 0;
          ctrl[at + 5] = 0;
          pairSums.set(pair.sums, 4 * j);
        });
      },
      () => {
        for (const pair of mine) here(pair);
      },
      () =>
        theirs.forEach((pair, j) => {
          here(pair, ctrl, this.tasksAt + PAIR_INTS * j + 5);
        }),
      () =>
        theirs.forEach((pair, j) => {
          const base = 2 * SPLIT_REC * j;
          pair.left = decodeSplit(recs.subarray(base, base + SPLIT_REC), allCats.subarray(512 * j, 512 * j + 256));
          pair.right = decodeSplit(recs.subarray(base + SPLIT_REC, base + 2 * SPLIT_REC), allCats.subarray(512 * j + 256, 512 * j + 512));
        }),
    );
  }

  /**
   * The level's result from its parts: a cut task's second-part left rows move before its
   * first-part right rows and the second part's histogram is added; a whole task run into
   * the arena has its histogram copied.
   */
  private join(tasks: readonly LevelTask[], mine: readonly Part[], theirs: readonly Part[], features: Int32Array): Int32Array {
    const { rows, buffer, arena, stride, layout } = this;
    const mids = new Int32Array(tasks.length);
    const firstLeft = new Int32Array(tasks.length);
    for (const part of mine) {
      firstLeft[part.slot] = part.left;
      mids[part.slot] = part.start + part.left;
    }
    for (const part of theirs) {
      const t = tasks[part.slot] as LevelTask;
      const slot = part.slot;
      if (!part.cut) {
        mids[slot] = part.start + part.left;
        if (t.side !== SIDE_NONE && t.hist && !part.direct) t.hist.set(arena.subarray(slot * stride, (slot + 1) * stride));
        continue;
      }
      // [start, start+l1) L1 | [start+l1, cut) R1 | [cut, cut+l2) L2 | [cut+l2, end) R2 → L1 L2 R1 R2.
      const cut = part.start;
      const l1 = firstLeft[slot] as number;
      const l2 = part.left;
      const r1 = cut - (t.start + l1);
      if (r1 > 0 && l2 > 0) {
        buffer.set(rows.subarray(t.start + l1, cut));
        rows.copyWithin(t.start + l1, cut, cut + l2);
        rows.set(buffer.subarray(0, r1), t.start + l1 + l2);
      }
      mids[slot] = t.start + l1 + l2;
      if (t.side !== SIDE_NONE && t.hist) {
        const hist = t.hist;
        const base = slot * stride;
        for (let k = 0; k < features.length; k++) {
          const f = features[k] as number;
          const off = 2 * (layout.offset[f] as number);
          const end = off + 2 * (layout.binCount[f] as number);
          for (let x = off; x < end; x++) hist[x]! += arena[base + x] as number;
        }
      }
    }
    return mids;
  }

  close(): void {
    Atomics.store(this.ctrl, SEQ, -1);
    Atomics.notify(this.ctrl, SEQ);
    void this.worker?.terminate();
  }
}
