import type { GbdtModel } from './model.ts';
import { TreeShapRow, treeExpectedValue } from './shap.ts';
import { treeDepth, type Tree } from './tree.ts';

/**
 * Batch TreeSHAP. The path-dependent value of one leaf for a coalition S is
 * v · Π_{j∈S} o_j · Π_{j∉S} z_j over the leaf's path features, where z_j is the cover share
 * of the path and o_j ∈ {0, 1} says whether the row follows the path at j. Since o is a bit
 * mask, each leaf's exact Shapley values for all 2^d masks can be tabulated once (d = distinct
 * features on the path, ≤ depth), the "Fast TreeSHAP v2" idea. Going one step further, the
 * leaves of each bottom subtree (height ≤ 3) are tabulated together over (mask at the
 * subtree root, directions inside it); a row then costs one pass over the upper nodes and
 * one lookup per subtree. Trees too deep to tabulate fall back to Lundberg's algorithm
 * (TreeShapRow); both give the same exact values (tested against brute force).
 */
export interface TreeTable {
  readonly tree: Tree;
  /** Per internal node: bit of its feature in the path's distinct-feature list. */
  readonly pos: Int32Array;
  /** Internal nodes above the blocks, parents first: they only pass masks down. */
  readonly upper: Int32Array;
  /**
   * Blocks: maximal subtrees of height ≤ BLOCK_HEIGHT. A block's exact contribution depends
   * only on the mask at its root (d bits) and the directions taken at its internal nodes,
   * so it is tabulated over that key: one lookup and a few adds replace a pass over up to
   * four leaves.
   */
  readonly blockRoot: Int32Array;
  readonly blockRootBits: Int32Array;
  readonly blockNodeOffset: Int32Array;
  readonly blockNodes: Int32Array;
  readonly blockWidth: Int32Array;
  readonly blockFeatureOffset: Int32Array;
  readonly blockFeatures: Int32Array;
  readonly blockTableOffset: Int32Array;
  readonly table: Float64Array;
}

/**
 * Adds the contributions of rows [start, end) for the tabulated trees into out (row-major).
 * Self-contained (plain parameters, no imports) because the scoring worker runs its source.
 */
export function explainKernel(tables: readonly TreeTable[], nf: number, masks: Int32Array, bins: Uint8Array, n: number, start: number, end: number, out: Float64Array): void {
  for (let ti = 0; ti < tables.length; ti++) {
    const tt = tables[ti] as TreeTable;
    const { left, right, feature, lut } = tt.tree;
    const { pos, upper, blockRoot, blockRootBits, blockNodeOffset, blockNodes, blockWidth, blockFeatureOffset, blockFeatures, blockTableOffset, table } = tt;
    const blocks = blockRoot.length;
    for (let row = start; row < end; row++) {
      masks[0] = 0x3fffffff;
      for (let k = 0; k < upper.length; k++) {
        const i = upper[k] as number;
        const m = masks[i] as number;
        const off = ~(1 << (pos[i] as number));
        // Branch-free: go is 1 when the row goes left; the other child loses the bit.
        const go = lut[i * 256 + (bins[(feature[i] as number) * n + row] as number)] as number;
        masks[left[i] as number] = m & (off | -go);
        masks[right[i] as number] = m & (off | (go - 1));
      }
      const o = (row - start) * nf;
      for (let b = 0; b < blocks; b++) {
        const d = blockRootBits[b] as number;
        let key = (masks[blockRoot[b] as number] as number) & ((1 << d) - 1);
        for (let j = blockNodeOffset[b] as number, e = blockNodeOffset[b + 1] as number, shift = d; j < e; j++, shift++) {
          const i = blockNodes[j] as number;
          key |= (lut[i * 256 + (bins[(feature[i] as number) * n + row] as number)] as number) << shift;
        }
        const w = blockWidth[b] as number;
        const base = (blockTableOffset[b] as number) + key * w;
        const fo = blockFeatureOffset[b] as number;
        for (let k = 0; k < w; k++) out[o + (blockFeatures[fo + k] as number)]! += table[base + k] as number;
      }
    }
  }
}

/** Tallest block tried; a tree whose keys would get too wide falls back to lower blocks. */
const BLOCK_HEIGHT = 3;

/** Rows per block in batch explanation. */
export const EXPLAIN_BLOCK = 1024;

/** Largest table key (path bits + block directions) tabulated; deeper trees use Lundberg's algorithm. */
const MAX_TABLE_DEPTH = 12;

export class Explainer {
  readonly expectedValue: number;
  readonly featureCount: number;
  private readonly tables: (TreeTable | null)[];
  private readonly fallback: TreeShapRow;
  private readonly masks: Int32Array;
  private readonly tabulated: TreeTable[];

  constructor(readonly model: GbdtModel) {
    this.featureCount = model.binnings.length;
    this.expectedValue = model.baseScore + model.trees.reduce((s, t) => s + treeExpectedValue(t), 0);
    let maxNodes = 1;
    let maxDepth = 1;
    for (const t of model.trees) {
      maxNodes = Math.max(maxNodes, t.left.length);
      maxDepth = Math.max(maxDepth, treeDepth(t));
    }
    this.masks = new Int32Array(maxNodes);
    this.fallback = new TreeShapRow(maxDepth);
    this.tables = model.trees.map((t) => {
      for (let h = BLOCK_HEIGHT; h >= 0; h--) {
        const table = tabulate(t, h);
        if (table) return table;
      }
      return null;
    });
    this.tabulated = this.tables.filter((t): t is TreeTable => t !== null);
  }

  /** Row `row`'s contributions (log-odds) into phi; phi sums to margin − expectedValue. */
  explainRow(bins: Uint8Array, n: number, row: number, phi: Float64Array): void {
    this.explainRows(bins, n, row, row + 1, phi);
  }

  /**
   * Contributions of rows [start, end) into out (row-major, (end − start) × features).
   * Tree-outer, row-inner, so each tree's table stays in cache while a block of rows uses
   * it; callers pass blocks of about a thousand rows.
   */
  explainRows(bins: Uint8Array, n: number, start: number, end: number, out: Float64Array): void {
    const nf = this.featureCount;
    out.fill(0, 0, (end - start) * nf);
    explainKernel(this.tabulated, nf, this.masks, bins, n, start, end, out);
    for (let ti = 0; ti < this.tables.length; ti++) {
      if (this.tables[ti]) continue;
      const tree = this.model.trees[ti] as Tree;
      for (let row = start; row < end; row++) this.fallback.explain(tree, bins, n, row, out.subarray((row - start) * nf, (row - start + 1) * nf));
    }
  }

  /** Tables of every tree, or null when some tree needs the fallback (for the parallel path). */
  get kernelTables(): TreeTable[] | null {
    return this.tabulated.length === this.tables.length ? this.tabulated : null;
  }

  get maxNodes(): number {
    return this.masks.length;
  }

  /** Row-major n × features contribution matrix. */
  contributions(bins: Uint8Array, n: number): Float64Array {
    const out = new Float64Array(n * this.featureCount);
    for (let s = 0; s < n; s += EXPLAIN_BLOCK) {
      const e = Math.min(n, s + EXPLAIN_BLOCK);
      this.explainRows(bins, n, s, e, out.subarray(s * this.featureCount, e * this.featureCount));
    }
    return out;
  }

  /** Mean |SHAP| per feature over the rows (global importance). */
  meanAbsContribution(bins: Uint8Array, n: number): Float64Array {
    const f = this.featureCount;
    const acc = new Float64Array(f);
    const block = new Float64Array(EXPLAIN_BLOCK * f);
    for (let s = 0; s < n; s += EXPLAIN_BLOCK) {
      const e = Math.min(n, s + EXPLAIN_BLOCK);
      this.explainRows(bins, n, s, e, block);
      for (let i = 0; i < (e - s) * f; i++) acc[i % f]! += Math.abs(block[i] as number);
    }
    for (let k = 0; k < f; k++) acc[k]! /= Math.max(1, n);
    return acc;
  }
}

interface PathState {
  /** Distinct features on the path above the node, in order of first use. */
  features: number[];
  /** Product of cover shares per distinct feature along that path. */
  zero: number[];
}

function tabulate(t: Tree, blockHeight: number): TreeTable | null {
  const nodes = t.left.length;
  const isLeaf = (i: number) => (t.left[i] as number) < 0;
  const pos = new Int32Array(nodes).fill(-1);
  const state: PathState[] = new Array<PathState>(nodes);
  // Path state at every node (children always have larger indices than their parent).
  state[0] = { features: [], zero: [] };
  for (let i = 0; i < nodes; i++) {
    if (isLeaf(i)) continue;
    const { features, zero } = state[i] as PathState;
    const f = t.feature[i] as number;
    let k = features.indexOf(f);
    if (k < 0) k = features.length;
    pos[i] = k;
    const cover = t.cover[i] as number;
    for (const child of [t.left[i] as number, t.right[i] as number]) {
      const share = cover > 0 ? (t.cover[child] as number) / cover : 0;
      const z = [...zero];
      z[k] = (k < zero.length ? (zero[k] as number) : 1) * share;
      state[child] = { features: k < features.length ? features : [...features, f], zero: z };
    }
  }
  const height = new Int32Array(nodes);
  for (let i = nodes - 1; i >= 0; i--) {
    if (!isLeaf(i)) height[i] = 1 + Math.max(height[t.left[i] as number] as number, height[t.right[i] as number] as number);
  }
  const upper: number[] = [];
  const roots: number[] = [];
  for (let i = 0; i < nodes; i++) {
    if ((height[i] as number) > blockHeight) upper.push(i);
    else if (i === 0) roots.push(i);
  }
  for (const i of upper) for (const c of [t.left[i] as number, t.right[i] as number]) if ((height[c] as number) <= blockHeight) roots.push(c);
  roots.sort((a, b) => a - b);

  const blockRootBits: number[] = [];
  const blockNodeOffset: number[] = [0];
  const blockNodes: number[] = [];
  const blockWidth: number[] = [];
  const blockFeatureOffset: number[] = [];
  const blockFeatures: number[] = [];
  const blockTableOffset: number[] = [];
  const chunks: Float64Array[] = [];
  let tableSize = 0;
  for (const r of roots) {
    const rootState = state[r] as PathState;
    const d = rootState.features.length;
    // Internal nodes of the block, breadth first; leaves with their tables.
    const inner: number[] = [];
    const leaves: number[] = [];
    const queue = [r];
    while (queue.length > 0) {
      const i = queue.shift() as number;
      if (isLeaf(i)) leaves.push(i);
      else {
        inner.push(i);
        queue.push(t.left[i] as number, t.right[i] as number);
      }
    }
    const keyBits = d + inner.length;
    if (keyBits > MAX_TABLE_DEPTH) return null;
    const features = [...rootState.features];
    for (const l of leaves) for (const f of (state[l] as PathState).features) if (!features.includes(f)) features.push(f);
    const w = features.length;
    const leafTables = new Map(leaves.map((l) => [l, leafTable(t.value[l] as number, (state[l] as PathState).zero)]));
    const table = new Float64Array((1 << keyBits) * w);
    const innerIndex = new Map(inner.map((i, j) => [i, j]));
    for (let key = 0; key < 1 << keyBits; key++) {
      const out = key * w;
      const walk = (i: number, m: number): void => {
        if (isLeaf(i)) {
          const ls = state[i] as PathState;
          const dl = ls.features.length;
          if (dl === 0) return;
          const lm = m & ((1 << dl) - 1);
          const lt = leafTables.get(i) as Float64Array;
          for (let k = 0; k < dl; k++) table[out + features.indexOf(ls.features[k] as number)]! += lt[lm * dl + k] as number;
          return;
        }
        const go = (key >> (d + (innerIndex.get(i) as number))) & 1;
        const bit = 1 << (pos[i] as number);
        walk(t.left[i] as number, go ? m : m & ~bit);
        walk(t.right[i] as number, go ? m & ~bit : m);
      };
      walk(r, (key & ((1 << d) - 1)) | (0x3fffffff & ~((1 << d) - 1)));
    }
    blockRootBits.push(d);
    blockNodes.push(...inner);
    blockNodeOffset.push(blockNodes.length);
    blockWidth.push(w);
    blockFeatureOffset.push(blockFeatures.length);
    blockFeatures.push(...features);
    blockTableOffset.push(tableSize);
    chunks.push(table);
    tableSize += table.length;
  }
  const table = new Float64Array(tableSize);
  let at = 0;
  for (const c of chunks) {
    table.set(c, at);
    at += c.length;
  }
  return {
    tree: t,
    pos,
    upper: Int32Array.from(upper),
    blockRoot: Int32Array.from(roots),
    blockRootBits: Int32Array.from(blockRootBits),
    blockNodeOffset: Int32Array.from(blockNodeOffset),
    blockNodes: Int32Array.from(blockNodes),
    blockWidth: Int32Array.from(blockWidth),
    blockFeatureOffset: Int32Array.from(blockFeatureOffset),
    blockFeatures: Int32Array.from(blockFeatures),
    blockTableOffset: Int32Array.from(blockTableOffset),
    table,
  };
}

/** Shapley values of the single-leaf game for every on-path mask: table[mask · d + i]. */
function leafTable(value: number, zero: readonly number[]): Float64Array {
  const d = zero.length;
  const out = new Float64Array((1 << d) * d);
  if (d === 0) return out;
  // w[s] = s! (d − s − 1)! / d!
  const w = new Float64Array(d);
  for (let s = 0; s < d; s++) w[s] = 1 / (d * binomial(d - 1, s));
  const poly = new Float64Array(d + 1);
  for (let mask = 0; mask < 1 << d; mask++) {
    for (let i = 0; i < d; i++) {
      poly.fill(0);
      poly[0] = 1;
      let deg = 0;
      for (let j = 0; j < d; j++) {
        if (j === i) continue;
        const z = zero[j] as number;
        if ((mask >> j) & 1) {
          // multiply by (z + t)
          for (let s = deg + 1; s >= 1; s--) poly[s] = (poly[s] as number) * z + (poly[s - 1] as number);
          poly[0] = (poly[0] as number) * z;
          deg++;
        } else {
          for (let s = 0; s <= deg; s++) poly[s] = (poly[s] as number) * z;
        }
      }
      let sum = 0;
      for (let s = 0; s <= deg; s++) sum += (w[s] as number) * (poly[s] as number);
      out[mask * d + i] = value * (((mask >> i) & 1) - (zero[i] as number)) * sum;
    }
  }
  return out;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}
