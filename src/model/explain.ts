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
 * one lookup per subtree. The kernel runs that column-wise over a block of rows (keys for
 * all rows, then one block's lookups for all rows into a feature-major accumulator), which
 * keeps its inner loops short and free of per-row bookkeeping. Trees too deep to tabulate
 * fall back to Lundberg's algorithm (TreeShapRow); both give the same exact values (tested
 * against brute force). Timing: bench/explain.ts.
 */
export interface TreeTable {
  /** The tree's goLeft lookup: lut[node * 256 + bin] = 1 when the row goes left. */
  readonly lut: Uint8Array;
  /**
   * Scratch slots (one Int32 per row each) the tree needs: one per block (its key) and one
   * per upper node (the mask reaching it); rootSlot is the root's.
   */
  readonly slots: number;
  readonly rootSlot: number;
  /**
   * Internal nodes above the blocks, parents first, as 6-tuples (slot, left child's slot,
   * right child's slot, feature, lut offset, bit): they pass the mask of path features the
   * row disagrees with down to the block roots.
   */
  readonly upper: Int32Array;
  /**
   * Internal nodes of the blocks, in groups of up to four nodes of one block: (block, count,
   * then (feature, lut offset, shift) per node). Each node adds its direction (1 = left) to
   * the block's key above the d mask bits.
   */
  readonly inner: Int32Array;
  /**
   * Blocks: maximal subtrees of height ≤ BLOCK_HEIGHT. A block's exact contribution depends
   * only on the mask at its root (d bits) and the directions taken at its internal nodes,
   * so it is tabulated over that key: table[blockTableOffset + key · width + k] is the
   * contribution to feature blockFeatures[blockFeatureOffset + k].
   */
  readonly blockWidth: Int32Array;
  readonly blockFeatureOffset: Int32Array;
  readonly blockFeatures: Int32Array;
  readonly blockTableOffset: Int32Array;
  readonly table: Float64Array;
}

/**
 * Adds the contributions of rows [start, end) for the tabulated trees into out (row-major).
 * Each tree is processed node by node and block by block over all the rows (tight loops
 * over columns of bins, keys and a feature-major accumulator) rather than row by row:
 * that keeps the per-element work to a few loads and makes the table lookups of one block
 * independent of each other. Scratch: keys ≥ max slots × rows, acc ≥ nf × rows. The sums
 * per row and feature run in the same order (tree, block, feature) whatever the row range,
 * so results do not depend on blocking or threads.
 * Self-contained (plain parameters, no imports) because the scoring worker runs its source.
 */
export function explainKernel(tables: readonly TreeTable[], nf: number, keys: Int32Array, acc: Float64Array, bins: Uint8Array, n: number, start: number, end: number, out: Float64Array): void {
  const rows = end - start;
  acc.fill(0, 0, nf * rows);
  for (let ti = 0; ti < tables.length; ti++) {
    const tt = tables[ti] as TreeTable;
    const { lut, upper, inner, blockWidth, blockFeatureOffset, blockFeatures, blockTableOffset, table } = tt;
    keys.fill(0, tt.rootSlot * rows, (tt.rootSlot + 1) * rows);
    for (let k = 0; k < upper.length; k += 6) {
      const sm = (upper[k] as number) * rows;
      const sl = (upper[k + 1] as number) * rows;
      const sr = (upper[k + 2] as number) * rows;
      const col = (upper[k + 3] as number) * n + start;
      const l = upper[k + 4] as number;
      const bit = upper[k + 5] as number;
      for (let r = 0; r < rows; r++) {
        const m = keys[sm + r] as number;
        // Branch-free: go is 1 when the row goes left; the other child gets the bit.
        const go = lut[l + (bins[col + r] as number)] as number;
        keys[sl + r] = m | (bit & (go - 1));
        keys[sr + r] = m | (bit & -go);
      }
    }
    for (let k = 0; k < inner.length; k += 2 + 3 * (inner[k + 1] as number)) {
      const kb = (inner[k] as number) * rows;
      // Up to four nodes of one block per pass over the rows, unrolled.
      const count = inner[k + 1] as number;
      const c0 = (inner[k + 2] as number) * n + start;
      const l0 = inner[k + 3] as number;
      const s0 = inner[k + 4] as number;
      const c1 = count > 1 ? (inner[k + 5] as number) * n + start : 0;
      const l1 = count > 1 ? (inner[k + 6] as number) : 0;
      const s1 = count > 1 ? (inner[k + 7] as number) : 0;
      const c2 = count > 2 ? (inner[k + 8] as number) * n + start : 0;
      const l2 = count > 2 ? (inner[k + 9] as number) : 0;
      const s2 = count > 2 ? (inner[k + 10] as number) : 0;
      const c3 = count > 3 ? (inner[k + 11] as number) * n + start : 0;
      const l3 = count > 3 ? (inner[k + 12] as number) : 0;
      const s3 = count > 3 ? (inner[k + 13] as number) : 0;
      switch (count) {
        case 4:
          for (let r = 0; r < rows; r++) {
            keys[kb + r]! |=
              ((lut[l0 + (bins[c0 + r] as number)] as number) << s0) |
              ((lut[l1 + (bins[c1 + r] as number)] as number) << s1) |
              ((lut[l2 + (bins[c2 + r] as number)] as number) << s2) |
              ((lut[l3 + (bins[c3 + r] as number)] as number) << s3);
          }
          break;
        case 3:
          for (let r = 0; r < rows; r++) {
            keys[kb + r]! |= ((lut[l0 + (bins[c0 + r] as number)] as number) << s0) | ((lut[l1 + (bins[c1 + r] as number)] as number) << s1) | ((lut[l2 + (bins[c2 + r] as number)] as number) << s2);
          }
          break;
        case 2:
          for (let r = 0; r < rows; r++) keys[kb + r]! |= ((lut[l0 + (bins[c0 + r] as number)] as number) << s0) | ((lut[l1 + (bins[c1 + r] as number)] as number) << s1);
          break;
        default:
          for (let r = 0; r < rows; r++) keys[kb + r]! |= (lut[l0 + (bins[c0 + r] as number)] as number) << s0;
      }
    }
    for (let b = 0; b < blockWidth.length; b++) {
      const w = blockWidth[b] as number;
      const kb = b * rows;
      // Up to five features per pass over the rows, unrolled.
      for (let c = 0; c < w; c += 5) {
        const fo = (blockFeatureOffset[b] as number) + c;
        const tb = (blockTableOffset[b] as number) + c;
        const a0 = (blockFeatures[fo] as number) * rows;
        const a1 = c + 1 < w ? (blockFeatures[fo + 1] as number) * rows : 0;
        const a2 = c + 2 < w ? (blockFeatures[fo + 2] as number) * rows : 0;
        const a3 = c + 3 < w ? (blockFeatures[fo + 3] as number) * rows : 0;
        const a4 = c + 4 < w ? (blockFeatures[fo + 4] as number) * rows : 0;
        switch (Math.min(5, w - c)) {
          case 5:
            for (let r = 0; r < rows; r++) {
              const t = tb + (keys[kb + r] as number) * w;
              acc[a0 + r]! += table[t] as number;
              acc[a1 + r]! += table[t + 1] as number;
              acc[a2 + r]! += table[t + 2] as number;
              acc[a3 + r]! += table[t + 3] as number;
              acc[a4 + r]! += table[t + 4] as number;
            }
            break;
          case 4:
            for (let r = 0; r < rows; r++) {
              const t = tb + (keys[kb + r] as number) * w;
              acc[a0 + r]! += table[t] as number;
              acc[a1 + r]! += table[t + 1] as number;
              acc[a2 + r]! += table[t + 2] as number;
              acc[a3 + r]! += table[t + 3] as number;
            }
            break;
          case 3:
            for (let r = 0; r < rows; r++) {
              const t = tb + (keys[kb + r] as number) * w;
              acc[a0 + r]! += table[t] as number;
              acc[a1 + r]! += table[t + 1] as number;
              acc[a2 + r]! += table[t + 2] as number;
            }
            break;
          case 2:
            for (let r = 0; r < rows; r++) {
              const t = tb + (keys[kb + r] as number) * w;
              acc[a0 + r]! += table[t] as number;
              acc[a1 + r]! += table[t + 1] as number;
            }
            break;
          default:
            for (let r = 0; r < rows; r++) acc[a0 + r]! += table[tb + (keys[kb + r] as number) * w] as number;
        }
      }
    }
  }
  for (let r = 0; r < rows; r++) {
    const o = r * nf;
    for (let f = 0; f < nf; f++) out[o + f]! += acc[f * rows + r] as number;
  }
}

/** Tallest block tried; a tree whose keys would get too wide falls back to lower blocks. */
const BLOCK_HEIGHT = 3;

/**
 * Rows per block in batch explanation: the kernel's scratch is about (nf · 8 + slots · 4)
 * bytes per row, and each tree's tables (a few hundred KB, rarely in cache) are read once
 * per block, so larger blocks amortise them better.
 */
export const EXPLAIN_BLOCK = 4096;

/** Largest table key (path bits + block directions) tabulated; deeper trees use Lundberg's algorithm. */
const MAX_TABLE_DEPTH = 12;

export class Explainer {
  readonly expectedValue: number;
  readonly featureCount: number;
  private readonly tables: (TreeTable | null)[];
  private readonly fallback: TreeShapRow;
  private readonly tabulated: TreeTable[];
  /** Kernel scratch for EXPLAIN_BLOCK rows. */
  private readonly keys: Int32Array;
  private readonly acc: Float64Array;

  constructor(readonly model: GbdtModel) {
    this.featureCount = model.binnings.length;
    this.expectedValue = model.baseScore + model.trees.reduce((s, t) => s + treeExpectedValue(t), 0);
    let maxDepth = 1;
    for (const t of model.trees) maxDepth = Math.max(maxDepth, treeDepth(t));
    this.fallback = new TreeShapRow(maxDepth);
    this.tables = model.trees.map((t) => {
      for (let h = BLOCK_HEIGHT; h >= 0; h--) {
        const table = tabulate(t, h);
        if (table) return table;
      }
      return null;
    });
    this.tabulated = this.tables.filter((t): t is TreeTable => t !== null);
    this.keys = new Int32Array(this.kernelSlots * EXPLAIN_BLOCK);
    this.acc = new Float64Array(this.featureCount * EXPLAIN_BLOCK);
  }

  /** Row `row`'s contributions (log-odds) into phi; phi sums to margin − expectedValue. */
  explainRow(bins: Uint8Array, n: number, row: number, phi: Float64Array): void {
    this.explainRows(bins, n, row, row + 1, phi);
  }

  /**
   * Contributions of rows [start, end) into out (row-major, (end − start) × features).
   * Tree-outer, row-inner, so each tree's tables are read once per call; callers pass
   * blocks of EXPLAIN_BLOCK rows (longer ranges are split).
   */
  explainRows(bins: Uint8Array, n: number, start: number, end: number, out: Float64Array): void {
    const nf = this.featureCount;
    out.fill(0, 0, (end - start) * nf);
    for (let s = start; s < end; s += EXPLAIN_BLOCK) {
      const e = Math.min(end, s + EXPLAIN_BLOCK);
      explainKernel(this.tabulated, nf, this.keys, this.acc, bins, n, s, e, out.subarray((s - start) * nf, (e - start) * nf));
    }
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

  /** Scratch slots per row the kernel needs (see TreeTable.slots). */
  get kernelSlots(): number {
    return this.tabulated.reduce((m, t) => Math.max(m, t.slots), 1);
  }

  /** Row-major n × features contribution matrix. */
  contributions(bins: Uint8Array, n: number): Float64Array {
    const out = new Float64Array(n * this.featureCount);
    this.explainRows(bins, n, 0, n, out);
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

  // Scratch slots: blocks first (their keys), then the upper nodes (their masks).
  const slot = new Int32Array(nodes).fill(-1);
  roots.forEach((r, b) => (slot[r] = b));
  upper.forEach((u, k) => (slot[u] = roots.length + k));
  const upperOps: number[] = [];
  for (const u of upper) upperOps.push(slot[u] as number, slot[t.left[u] as number] as number, slot[t.right[u] as number] as number, t.feature[u] as number, u * 256, 1 << (pos[u] as number));
  const innerOps: number[] = [];
  const blockWidth: number[] = [];
  const blockFeatureOffset: number[] = [];
  const blockFeatures: number[] = [];
  const blockTableOffset: number[] = [];
  const chunks: Float64Array[] = [];
  let tableSize = 0;
  for (const [b, r] of roots.entries()) {
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
    const innerIndex = new Int32Array(nodes);
    inner.forEach((i, j) => (innerIndex[i] = j));
    for (let j = 0; j < inner.length; j += 4) {
      const group = inner.slice(j, j + 4);
      innerOps.push(b, group.length);
      group.forEach((i, g) => innerOps.push(t.feature[i] as number, i * 256, d + j + g));
    }
    // Per leaf: where its path features sit among the block's.
    const leafColumns = new Map(leaves.map((l) => [l, (state[l] as PathState).features.map((f) => features.indexOf(f))]));
    const walk = (key: number, out: number, i: number, m: number): void => {
      if (isLeaf(i)) {
        const columns = leafColumns.get(i) as number[];
        const dl = columns.length;
        if (dl === 0) return;
        const lm = m & ((1 << dl) - 1);
        const lt = leafTables.get(i) as Float64Array;
        for (let k = 0; k < dl; k++) table[out + (columns[k] as number)]! += lt[lm * dl + k] as number;
        return;
      }
      const go = (key >> (d + (innerIndex[i] as number))) & 1;
      const bit = 1 << (pos[i] as number);
      walk(key, out, t.left[i] as number, go ? m : m & ~bit);
      walk(key, out, t.right[i] as number, go ? m & ~bit : m);
    };
    // The key's low d bits are the path features the row disagrees with.
    for (let key = 0; key < 1 << keyBits; key++) walk(key, key * w, r, (~key & ((1 << d) - 1)) | (0x3fffffff & ~((1 << d) - 1)));
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
    lut: t.lut,
    slots: roots.length + upper.length,
    rootSlot: slot[0] as number,
    upper: Int32Array.from(upperOps),
    inner: Int32Array.from(innerOps),
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
