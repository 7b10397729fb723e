import type { Tree } from './tree.ts';

/**
 * Path-dependent TreeSHAP (Lundberg et al. 2018/2020, Algorithm 2): exact Shapley values of
 * one tree's output for one row, with the node covers (training hessian sums) as the
 * background distribution. phi sums to output(row) − expectedValue(tree).
 */
export class TreeShapRow {
  private readonly feature: Int32Array;
  private readonly zero: Float64Array;
  private readonly one: Float64Array;
  private readonly weight: Float64Array;

  constructor(maxDepth: number) {
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2 + 2;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  /** Adds the row's contributions for `tree` into phi (indexed by feature). */
  explain(tree: Tree, bins: Uint8Array, n: number, row: number, phi: Float64Array): void {
    this.recurse(tree, bins, n, row, phi, 0, 0, 0, 1, 1, -1);
  }

  private recurse(t: Tree, bins: Uint8Array, n: number, row: number, phi: Float64Array, node: number, at: number, depth: number, pZero: number, pOne: number, pFeature: number): void {
    const { feature: pf, zero, one, weight } = this;
    // The path of this call lives at [next, next + depth]; the caller's at [at, at + depth - 1].
    const next = at + depth;
    if (depth > 0) {
      pf.copyWithin(next, at, at + depth);
      zero.copyWithin(next, at, at + depth);
      one.copyWithin(next, at, at + depth);
      weight.copyWithin(next, at, at + depth);
    }
    this.extend(next, depth, pZero, pOne, pFeature);
    const left = t.left[node] as number;
    if (left < 0) {
      const v = t.value[node] as number;
      for (let i = 1; i <= depth; i++) {
        const w = this.unwoundSum(next, depth, i);
        phi[pf[next + i] as number]! += w * ((one[next + i] as number) - (zero[next + i] as number)) * v;
      }
      return;
    }
    const split = t.feature[node] as number;
    const right = t.right[node] as number;
    const goesLeft = t.lut[node * 256 + (bins[split * n + row] as number)] === 1;
    const hot = goesLeft ? left : right;
    const cold = goesLeft ? right : left;
    const cover = t.cover[node] as number;
    const hotZero = cover > 0 ? (t.cover[hot] as number) / cover : 0;
    const coldZero = cover > 0 ? (t.cover[cold] as number) / cover : 0;
    let inZero = 1;
    let inOne = 1;
    let d = depth;
    let k = 0;
    for (; k <= d; k++) if (pf[next + k] === split) break;
    if (k <= d) {
      inZero = zero[next + k] as number;
      inOne = one[next + k] as number;
      this.unwind(next, d, k);
      d--;
    }
    this.recurse(t, bins, n, row, phi, hot, next, d + 1, hotZero * inZero, inOne, split);
    this.recurse(t, bins, n, row, phi, cold, next, d + 1, coldZero * inZero, 0, split);
  }

  private extend(at: number, d: number, z: number, o: number, f: number): void {
    const w = this.weight;
    this.feature[at + d] = f;
    this.zero[at + d] = z;
    this.one[at + d] = o;
    w[at + d] = d === 0 ? 1 : 0;
    for (let i = d - 1; i >= 0; i--) {
      w[at + i + 1]! += (o * (w[at + i] as number) * (i + 1)) / (d + 1);
      w[at + i] = (z * (w[at + i] as number) * (d - i)) / (d + 1);
    }
  }

  private unwind(at: number, d: number, k: number): void {
    const w = this.weight;
    const o = this.one[at + k] as number;
    const z = this.zero[at + k] as number;
    let nextOne = w[at + d] as number;
    for (let i = d - 1; i >= 0; i--) {
      if (o !== 0) {
        const tmp = w[at + i] as number;
        w[at + i] = (nextOne * (d + 1)) / ((i + 1) * o);
        nextOne = tmp - ((w[at + i] as number) * z * (d - i)) / (d + 1);
      } else {
        w[at + i] = ((w[at + i] as number) * (d + 1)) / (z * (d - i));
      }
    }
    for (let i = k; i < d; i++) {
      this.feature[at + i] = this.feature[at + i + 1] as number;
      this.zero[at + i] = this.zero[at + i + 1] as number;
      this.one[at + i] = this.one[at + i + 1] as number;
    }
  }

  private unwoundSum(at: number, d: number, k: number): number {
    const w = this.weight;
    const o = this.one[at + k] as number;
    const z = this.zero[at + k] as number;
    let nextOne = w[at + d] as number;
    let total = 0;
    for (let i = d - 1; i >= 0; i--) {
      if (o !== 0) {
        const tmp = (nextOne * (d + 1)) / ((i + 1) * o);
        total += tmp;
        nextOne = (w[at + i] as number) - (tmp * z * (d - i)) / (d + 1);
      } else {
        total += (w[at + i] as number) / z / ((d - i) / (d + 1));
      }
    }
    return total;
  }
}

/** The tree's output averaged over the training cover: Σ leaf value × cover / root cover. */
export function treeExpectedValue(t: Tree): number {
  const root = t.cover[0] as number;
  if (!(root > 0)) return 0;
  let s = 0;
  for (let i = 0; i < t.left.length; i++) if ((t.left[i] as number) < 0) s += ((t.value[i] as number) * (t.cover[i] as number)) / root;
  return s;
}
