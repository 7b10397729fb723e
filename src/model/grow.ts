import { buildHistogram, subtractHistogram, type HistogramLayout } from './histogram.ts';
import { ParallelHistogram, type HistogramJob } from './parallel.ts';
import { findBestSplit, leafWeight, type Split, type SplitParams } from './split.ts';
import { buildTree, type Tree, type TreeParts } from './tree.ts';

export interface GrowParams extends SplitParams {
  learningRate: number;
  /** Depth limit; ≤ 0 means none (leaf-wise growth only). */
  maxDepth: number;
  /** > 0: leaf-wise growth (best-gain leaf first) up to this many leaves; 0: depth-wise. */
  numLeaves: number;
}

/** Per-training buffers shared by every tree. */
export interface GrowContext {
  readonly layout: HistogramLayout;
  readonly bins: Uint8Array;
  readonly categorical: Uint8Array;
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /** The rows of the current tree are rows[0, count); growTree reorders them into leaves. */
  readonly rows: Uint32Array;
  readonly partitionBuffer: Uint32Array;
  readonly histPool: Float64Array[];
  /** For each job, the histogram of rows[start, end) for the features into its hist. */
  readonly buildHistograms: (jobs: readonly HistogramJob[], features: Int32Array) => void;
  close(): void;
}

/** Row count × features above which a second thread builds half of each histogram. */
export const PARALLEL_MIN_CELLS = 400_000;

export function growContext(layout: HistogramLayout, bins: Uint8Array, categorical: Uint8Array, threads = 2): GrowContext {
  const n = layout.rowCount;
  const common = { layout, categorical, partitionBuffer: new Uint32Array(n), histPool: [] };
  if (threads > 1 && n * layout.binCount.length >= PARALLEL_MIN_CELLS) {
    const par = new ParallelHistogram(layout, bins);
    return {
      ...common,
      bins: par.bins,
      rows: par.rows,
      grad: par.grad,
      hess: par.hess,
      buildHistograms: (jobs, features) => par.buildMany(jobs, features),
      close: () => par.close(),
    };
  }
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const rows = new Uint32Array(n);
  const scratch = new Float64Array(2 * n);
  return {
    ...common,
    bins,
    rows,
    grad,
    hess,
    buildHistograms: (jobs, features) => {
      for (const j of jobs) buildHistogram(j.hist, layout, bins, rows, j.start, j.end, grad, hess, features, scratch);
    },
    close: () => undefined,
  };
}

export interface GrownTree {
  tree: Tree;
  /** Leaf node, start, end triplets over ctx.rows: the rows each leaf received. */
  leafRanges: Int32Array;
}

interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  grad: number;
  hess: number;
  hist: Float64Array;
  split: Split | null;
}

interface Expanded {
  left: Pending;
  right: Pending;
  small: Pending;
  large: Pending;
  job: HistogramJob | null;
}

/** Grows one tree on ctx.rows[0, count) (row indices into the context's arrays). */
export function growTree(ctx: GrowContext, count: number, features: Int32Array, p: GrowParams): GrownTree {
  const { layout, bins, grad, hess, rows } = ctx;
  const parts: TreeParts = { left: [], right: [], feature: [], threshold: [], defaultLeft: [], categories: [], value: [], cover: [], gain: [] };
  const addNode = (g: number, h: number): number => {
    parts.left.push(-1);
    parts.right.push(-1);
    parts.feature.push(-1);
    parts.threshold.push(0);
    parts.defaultLeft.push(0);
    parts.categories.push(null);
    parts.value.push(leafWeight(g, h, p.lambda) * p.learningRate);
    parts.cover.push(h);
    parts.gain.push(0);
    return parts.left.length - 1;
  };
  const takeHist = () => ctx.histPool.pop() ?? new Float64Array(2 * layout.totalBins);
  const canSplit = (depth: number, h: number) => (p.maxDepth <= 0 || depth < p.maxDepth) && h >= 2 * p.minChildWeight;
  const evaluate = (e: Pending) => {
    e.split = canSplit(e.depth, e.hess) ? findBestSplit(e.hist, layout, features, ctx.categorical, e.grad, e.hess, p) : null;
  };

  let g0 = 0;
  let h0 = 0;
  for (let k = 0; k < count; k++) {
    const r = rows[k] as number;
    g0 += grad[r] as number;
    h0 += hess[r] as number;
  }
  const rootHist = takeHist();
  ctx.buildHistograms([{ hist: rootHist, start: 0, end: count }], features);
  const root: Pending = { node: addNode(g0, h0), start: 0, end: count, depth: 0, grad: g0, hess: h0, hist: rootHist, split: null };
  evaluate(root);

  const leafRanges: number[] = [];
  const closeLeaf = (e: Pending) => {
    ctx.histPool.push(e.hist);
    leafRanges.push(e.node, e.start, e.end);
  };
  /**
   * Splits e's rows into two children. When either child may split further, the smaller
   * child gets a fresh histogram to build (returned as a job) and the larger one keeps the
   * parent's buffer, to become parent − smaller once the job is done (see finish).
   */
  const expand = (e: Pending, s: Split): Expanded => {
    const lut = new Uint8Array(256);
    if (s.categories) for (const b of s.categories) lut[b] = 1;
    else {
      lut[0] = s.defaultLeft ? 1 : 0;
      for (let b = 1; b <= s.threshold; b++) lut[b] = 1;
    }
    const mid = partition(rows, e.start, e.end, bins, s.feature * layout.rowCount, lut, ctx.partitionBuffer);
    const gl = s.gradLeft;
    const hl = s.hessLeft;
    const left: Pending = { node: addNode(gl, hl), start: e.start, end: mid, depth: e.depth + 1, grad: gl, hess: hl, hist: e.hist, split: null };
    const right: Pending = { node: addNode(e.grad - gl, e.hess - hl), start: mid, end: e.end, depth: e.depth + 1, grad: e.grad - gl, hess: e.hess - hl, hist: e.hist, split: null };
    parts.left[e.node] = left.node;
    parts.right[e.node] = right.node;
    parts.feature[e.node] = s.feature;
    parts.threshold[e.node] = s.categories ? -1 : s.threshold;
    parts.defaultLeft[e.node] = s.defaultLeft ? 1 : 0;
    parts.categories[e.node] = s.categories;
    parts.value[e.node] = 0;
    parts.gain[e.node] = s.gain;
    if (!canSplit(left.depth, left.hess) && !canSplit(right.depth, right.hess)) return { left, right, small: left, large: right, job: null };
    const [small, large] = mid - e.start <= e.end - mid ? [left, right] : [right, left];
    small.hist = takeHist();
    return { left, right, small, large, job: { hist: small.hist, start: small.start, end: small.end } };
  };
  /** After the smaller child's histogram is built: the larger = parent − smaller, then both look for splits. */
  const finish = (x: Expanded) => {
    subtractHistogram(x.large.hist, x.large.hist, x.small.hist, layout, features);
    evaluate(x.left);
    evaluate(x.right);
  };

  if (p.numLeaves > 0) {
    // Leaf-wise: always split the open leaf with the largest gain.
    const open: Pending[] = [root];
    let leaves = 1;
    while (open.length > 0 && leaves < p.numLeaves) {
      let pick = 0;
      for (let i = 1; i < open.length; i++) if ((open[i]!.split?.gain ?? -1) > (open[pick]!.split?.gain ?? -1)) pick = i;
      const e = open.splice(pick, 1)[0] as Pending;
      if (!e.split) {
        closeLeaf(e);
        break; // the best open leaf cannot split, so none can
      }
      const x = expand(e, e.split);
      leaves++;
      if (x.job) {
        ctx.buildHistograms([x.job], features);
        finish(x);
        open.push(x.left, x.right);
      } else {
        closeLeaf(x.left); // returns the parent's buffer, which both children share
        leafRanges.push(x.right.node, x.right.start, x.right.end);
      }
    }
    for (const e of open) closeLeaf(e);
  } else {
    // Depth-wise, one level at a time: the level's histograms are built in one batch.
    let level: Pending[] = [root];
    while (level.length > 0) {
      const expanded: Expanded[] = [];
      const jobs: HistogramJob[] = [];
      for (const e of level) {
        if (!e.split) {
          closeLeaf(e);
          continue;
        }
        const x = expand(e, e.split);
        if (x.job) {
          jobs.push(x.job);
          expanded.push(x);
        } else {
          closeLeaf(x.left); // returns the parent's buffer, which both children share
          leafRanges.push(x.right.node, x.right.start, x.right.end);
        }
      }
      ctx.buildHistograms(jobs, features);
      for (const x of expanded) finish(x);
      level = expanded.flatMap((x) => [x.left, x.right]);
    }
  }
  return { tree: buildTree(parts), leafRanges: Int32Array.from(leafRanges) };
}

/**
 * Stable partition of rows[start, end) by lut[bin]; returns the first index of the right part.
 * Branch-free: every row is written to both sides and only the cursor of its own side moves,
 * which avoids a mispredicted branch per row when the split is near half and half.
 */
function partition(rows: Uint32Array, start: number, end: number, bins: Uint8Array, base: number, lut: Uint8Array, buffer: Uint32Array): number {
  let l = start;
  let r = 0;
  for (let k = start; k < end; k++) {
    const row = rows[k] as number;
    const goLeft = lut[bins[base + row] as number] as number;
    rows[l] = row;
    buffer[r] = row;
    l += goLeft;
    r += 1 - goLeft;
  }
  rows.set(buffer.subarray(0, r), l);
  return l;
}
