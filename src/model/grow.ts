import { type HistogramLayout } from './histogram.ts';
import { builtSide, CUT_MIN_ROWS, LevelRunner, SIDE_ALL, SIDE_LEFT, SIDE_NONE, SIDE_RIGHT, SIDE_SMALLER, type LevelTask, type SplitPair } from './parallel.ts';
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
  readonly categorical: Uint8Array;
  /** Margin and label per row: growTree computes the gradients of a tree's rows from them. */
  readonly margin: Float64Array;
  readonly label: Uint8Array;
  /** The rows of the current tree are rows[0, count); growTree reorders them into leaves. */
  readonly rows: Uint32Array;
  /** Gradients, partitions, histograms and split searches, a tree level at a time. */
  readonly runner: LevelRunner;
  close(): void;
}

/** Row count × features from which a second thread takes half of each level's rows. */
export const PARALLEL_MIN_CELLS = 400_000;

export function growContext(layout: HistogramLayout, bins: Uint8Array, categorical: Uint8Array, split: SplitParams, threads = 2): GrowContext {
  const two = threads > 1 && layout.rowCount * layout.binCount.length >= PARALLEL_MIN_CELLS;
  // Plain split settings (the worker gets a copy).
  const params: SplitParams = {
    lambda: split.lambda,
    minChildWeight: split.minChildWeight,
    minSplitGain: split.minSplitGain,
    catSmooth: split.catSmooth,
    catL2: split.catL2,
    maxCatThreshold: split.maxCatThreshold,
    maxCatToOneHot: split.maxCatToOneHot,
    catMinHessian: split.catMinHessian,
  };
  const runner = new LevelRunner(layout, bins, two, { search: { categorical, params } });
  return {
    layout,
    categorical,
    rows: runner.rows,
    margin: runner.margin,
    label: runner.label,
    runner,
    close: () => runner.close(),
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

interface Planned {
  e: Pending;
  s: Split;
  task: LevelTask;
}

/**
 * Grows one tree on ctx.rows[0, count) (row indices into the context's arrays), first
 * computing those rows' logistic-loss gradients from ctx.margin and ctx.label.
 */
export function growTree(ctx: GrowContext, count: number, features: Int32Array, p: GrowParams): GrownTree {
  const { layout } = ctx;
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
  const takeHist = () => ctx.runner.takeHist();
  const canSplit = (depth: number, h: number) => (p.maxDepth <= 0 || depth < p.maxDepth) && h >= 2 * p.minChildWeight;
  const evaluate = (e: Pending) => {
    e.split = canSplit(e.depth, e.hess) ? findBestSplit(e.hist, layout, features, ctx.categorical, e.grad, e.hess, p) : null;
  };

  const rootHist = takeHist();
  ctx.runner.run([{ start: 0, end: count, feature: 0, lut: null, side: SIDE_ALL, hist: rootHist, gradients: true }], features);
  // The root's sums, from the histogram of its first feature (every row is in one bin).
  let g0 = 0;
  let h0 = 0;
  {
    const f = features[0] as number;
    const off = 2 * (layout.offset[f] as number);
    for (let b = 0, nb = layout.binCount[f] as number; b < nb; b++) {
      g0 += rootHist[off + 2 * b] as number;
      h0 += rootHist[off + 2 * b + 1] as number;
    }
  }
  const root: Pending = { node: addNode(g0, h0), start: 0, end: count, depth: 0, grad: g0, hess: h0, hist: rootHist, split: null };
  evaluate(root);

  const leafRanges: number[] = [];
  const closeLeaf = (e: Pending) => {
    ctx.runner.giveHist(e.hist);
    leafRanges.push(e.node, e.start, e.end);
  };
  /**
   * The task that splits e's rows. When either child may split further, the smaller child
   * gets a fresh histogram built from its rows and the other keeps the parent's buffer, to
   * become parent − that once the level has run (searchAll).
   */
  const plan = (e: Pending, s: Split): Planned => {
    const lut = new Uint8Array(256);
    if (s.categories) for (const b of s.categories) lut[b] = 1;
    else {
      lut[0] = s.defaultLeft ? 1 : 0;
      for (let b = 1; b <= s.threshold; b++) lut[b] = 1;
    }
    const hl = s.hessLeft;
    const hr = e.hess - hl;
    const grows = canSplit(e.depth + 1, hl) || canSplit(e.depth + 1, hr);
    // The side with fewer rows is known once the rows are partitioned, which a task the
    // runner does not cut does itself; a cut one (both parts must agree) goes by the hessian.
    const smallLeft = hl <= hr;
    const side = !grows ? SIDE_NONE : e.end - e.start < CUT_MIN_ROWS ? SIDE_SMALLER : smallLeft ? SIDE_LEFT : SIDE_RIGHT;
    return { e, s, task: { start: e.start, end: e.end, feature: s.feature, lut, side, hist: grows ? takeHist() : null } };
  };
  /**
   * After the level has run: the children, in node order left then right, and when they may
   * split, the search that subtracts the larger child's histogram and finds their splits.
   */
  const children = (x: Planned, mid: number): { kids: [Pending, Pending]; search: SplitPair | null } => {
    const { e, s } = x;
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
    const built = x.task.hist;
    if (built === null) {
      closeLeaf(left); // returns the parent's buffer, which both children share
      leafRanges.push(right.node, right.start, right.end);
      return { kids: [left, right], search: null };
    }
    const smallLeft = builtSide(x.task, mid) === SIDE_LEFT;
    const [small, large] = smallLeft ? [left, right] : [right, left];
    small.hist = built;
    const search: SplitPair = {
      small: small.hist,
      large: large.hist,
      leftIsSmall: smallLeft,
      sums: Float64Array.of(left.grad, left.hess, right.grad, right.hess),
      canLeft: canSplit(left.depth, left.hess),
      canRight: canSplit(right.depth, right.hess),
      left: null,
      right: null,
    };
    return { kids: [left, right], search };
  };
  /** Runs the searches (on both threads when it can) and hands each child its split. */
  const searchAll = (found: { kids: [Pending, Pending]; search: SplitPair | null }[]) => {
    const searches = found.flatMap((f) => (f.search ? [f.search] : []));
    if (searches.length > 0) ctx.runner.searchPairs(searches, features);
    for (const f of found) {
      if (!f.search) continue;
      f.kids[0].split = f.search.left;
      f.kids[1].split = f.search.right;
    }
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
      const x = plan(e, e.split);
      const mid = ctx.runner.run([x.task], features)[0] as number;
      leaves++;
      const found = children(x, mid);
      searchAll([found]);
      if (x.task.hist !== null) open.push(...found.kids);
    }
    for (const e of open) closeLeaf(e);
  } else {
    // Depth-wise, one level at a time: the level's partitions and histograms run as one batch.
    let level: Pending[] = [root];
    while (level.length > 0) {
      const planned: Planned[] = [];
      for (const e of level) {
        if (e.split) planned.push(plan(e, e.split));
        else closeLeaf(e);
      }
      const mids = ctx.runner.run(
        planned.map((x) => x.task),
        features,
      );
      const found = planned.map((x, i) => children(x, mids[i] as number));
      searchAll(found);
      level = found.flatMap((f) => (f.search ? f.kids : []));
    }
  }
  return { tree: buildTree(parts), leafRanges: Int32Array.from(leafRanges) };
}
