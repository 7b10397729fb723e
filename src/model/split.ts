import type { HistogramLayout } from './histogram.ts';

/** Per searched node in searchPair's results: found, feature, gain, threshold, default left, gradient left, hessian left, category count (−1: numeric). */
export const SPLIT_REC = 8;

export interface SplitParams {
  lambda: number;
  minChildWeight: number;
  minSplitGain: number;
  /** Smoothing added to the hessian when categories are ordered by gradient / hessian. */
  catSmooth: number;
  /** Extra L2 on categorical splits, which fit more freely than thresholds. */
  catL2: number;
  /** Largest category subset tried from either end of the ordering. */
  maxCatThreshold: number;
  /** Up to this many categories, try each one against the rest instead. */
  maxCatToOneHot: number;
  /** Categories with a smaller hessian sum in the node always go right. */
  catMinHessian: number;
}

export interface Split {
  feature: number;
  gain: number;
  /** Numeric: bins 1..threshold go left; -1 for categorical. */
  threshold: number;
  defaultLeft: boolean;
  /** Categorical: bins that go left. */
  categories: number[] | null;
  gradLeft: number;
  hessLeft: number;
}

/**
 * Loss reduction of a split under second-order logistic loss with L2 (XGBoost's formula):
 * ½ [G_L²/(H_L+λ) + G_R²/(H_R+λ) − (G_L+G_R)²/(H_L+H_R+λ)].
 */
export function splitGain(gl: number, hl: number, gr: number, hr: number, lambda: number): number {
  const g = gl + gr;
  const h = hl + hr;
  return 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - (g * g) / (h + lambda));
}

/** Leaf weight −G/(H+λ) before shrinkage. */
export function leafWeight(g: number, h: number, lambda: number): number {
  return -g / (h + lambda);
}

export function findBestSplit(
  hist: Float64Array,
  layout: HistogramLayout,
  features: Int32Array,
  categorical: Uint8Array,
  gradSum: number,
  hessSum: number,
  p: SplitParams,
): Split | null {
  let best: Split | null = null;
  let bestGain = Math.max(p.minSplitGain, 1e-12);
  const lambda = p.lambda;
  const mcw = p.minChildWeight;
  const parentScore = (gradSum * gradSum) / (hessSum + lambda);
  for (let fi = 0; fi < features.length; fi++) {
    const f = features[fi] as number;
    const off = 2 * (layout.offset[f] as number);
    const nb = layout.binCount[f] as number;
    if (categorical[f]) {
      const s = categoricalSplit(hist, off, nb, gradSum, hessSum, p);
      if (s && s.gain > bestGain) {
        bestGain = s.gain;
        best = { ...s, feature: f };
      }
      continue;
    }
    const gm = hist[off] as number;
    const hm = hist[off + 1] as number;
    const hasMissing = hm > 0;
    let gl = 0;
    let hl = 0;
    for (let b = 1; b < nb - 1; b++) {
      const hb = hist[off + 2 * b + 1] as number;
      gl += hist[off + 2 * b] as number;
      hl += hb;
      if (hb === 0) continue; // same partition as the previous bin
      // Missing values to the right.
      let hr = hessSum - hl;
      if (hl >= mcw && hr >= mcw) {
        const gr = gradSum - gl;
        const gain = 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore);
        if (gain > bestGain) {
          bestGain = gain;
          best = { feature: f, gain, threshold: b, defaultLeft: hasMissing ? false : hl >= hr, categories: null, gradLeft: gl, hessLeft: hl };
        }
      }
      if (!hasMissing) continue;
      // Missing values to the left.
      const gl2 = gl + gm;
      const hl2 = hl + hm;
      hr = hessSum - hl2;
      if (hl2 >= mcw && hr >= mcw) {
        const gr = gradSum - gl2;
        const gain = 0.5 * ((gl2 * gl2) / (hl2 + lambda) + (gr * gr) / (hr + lambda) - parentScore);
        if (gain > bestGain) {
          bestGain = gain;
          best = { feature: f, gain, threshold: b, defaultLeft: true, categories: null, gradLeft: gl2, hessLeft: hl2 };
        }
      }
    }
    // Missing alone against all present values.
    if (hasMissing) {
      const hr = hessSum - hm;
      if (hm >= mcw && hr >= mcw) {
        const gain = 0.5 * ((gm * gm) / (hm + lambda) + ((gradSum - gm) * (gradSum - gm)) / (hr + lambda) - parentScore);
        if (gain > bestGain) {
          bestGain = gain;
          best = { feature: f, gain, threshold: nb - 1, defaultLeft: false, categories: null, gradLeft: gradSum - gm, hessLeft: hr };
        }
      }
    }
  }
  return best;
}

/**
 * LightGBM-style categorical split: order the categories (missing included, as bin 0) by
 * G/(H + smoothing) and take the best prefix from either end; with few categories, one
 * category against the rest.
 */
export function categoricalSplit(hist: Float64Array, off: number, nb: number, gradSum: number, hessSum: number, p: SplitParams): Omit<Split, 'feature'> | null {
  const lambda = p.lambda + p.catL2;
  const mcw = p.minChildWeight;
  const used: number[] = [];
  for (let b = 0; b < nb; b++) if ((hist[off + 2 * b + 1] as number) >= p.catMinHessian && (hist[off + 2 * b + 1] as number) > 0) used.push(b);
  if (used.length < 2) return null;
  const g = (b: number) => hist[off + 2 * b] as number;
  const h = (b: number) => hist[off + 2 * b + 1] as number;
  const parentScore = (gradSum * gradSum) / (hessSum + lambda);
  let best: Omit<Split, 'feature'> | null = null;
  const consider = (set: number[], gl: number, hl: number) => {
    const hr = hessSum - hl;
    if (hl < mcw || hr < mcw) return;
    const gr = gradSum - gl;
    const gain = 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore);
    if (gain > (best?.gain ?? 0)) {
      best = { gain, threshold: -1, defaultLeft: set.includes(0), categories: [...set].sort((a, b) => a - b), gradLeft: gl, hessLeft: hl };
    }
  };
  if (used.length <= p.maxCatToOneHot) {
    for (const b of used) consider([b], g(b), h(b));
    return best;
  }
  const ratio = (b: number) => g(b) / (h(b) + p.catSmooth);
  used.sort((a, b) => ratio(a) - ratio(b) || a - b);
  const limit = Math.min(p.maxCatThreshold, used.length - 1);
  for (const order of [used, [...used].reverse()]) {
    let gl = 0;
    let hl = 0;
    for (let j = 0; j < limit; j++) {
      const b = order[j] as number;
      gl += g(b);
      hl += h(b);
      consider(order.slice(0, j + 1), gl, hl);
    }
  }
  return best;
}

/**
 * One split-search pair: the larger child's histogram becomes parent − smaller (in place:
 * it holds the parent's), then both children look for their best split; results go to
 * rec (SPLIT_REC doubles per child, left then right) and cats (256 bytes per child).
 * Calls only findBestSplit (and it categoricalSplit), in this module, so the level worker
 * can hold all three as source; kept in one module so that no bundler or test runner
 * rewrites the calls into module imports.
 */
export function searchPair(
  large: Float64Array,
  small: Float64Array,
  layout: HistogramLayout,
  features: Int32Array,
  categorical: Uint8Array,
  p: SplitParams,
  leftIsSmall: boolean,
  sums: Float64Array,
  canLeft: boolean,
  canRight: boolean,
  rec: Float64Array,
  cats: Uint8Array,
  /** Where to record that the subtraction is done (the worker's ctrl word), or null. */
  mark: Int32Array | null,
  markAt: number,
): void {
  // Not twice: a pair taken back from a failed worker that already subtracted skips it.
  if (mark === null || mark[markAt] !== 1) {
    for (let fi = 0; fi < features.length; fi++) {
      const f = features[fi] as number;
      const off = 2 * (layout.offset[f] as number);
      const end = off + 2 * (layout.binCount[f] as number);
      for (let i = off; i < end; i++) large[i] = (large[i] as number) - (small[i] as number);
    }
    if (mark !== null) mark[markAt] = 1;
  }
  for (let side = 0; side < 2; side++) {
    const hist = (side === 0) === leftIsSmall ? small : large;
    const can = side === 0 ? canLeft : canRight;
    const s = can ? findBestSplit(hist, layout, features, categorical, sums[2 * side] as number, sums[2 * side + 1] as number, p) : null;
    const at = 8 * side;
    rec[at] = s ? 1 : 0;
    if (!s) continue;
    rec[at + 1] = s.feature;
    rec[at + 2] = s.gain;
    rec[at + 3] = s.threshold;
    rec[at + 4] = s.defaultLeft ? 1 : 0;
    rec[at + 5] = s.gradLeft;
    rec[at + 6] = s.hessLeft;
    const c = s.categories ?? [];
    rec[at + 7] = s.categories ? c.length : -1;
    for (let k = 0; k < c.length; k++) cats[256 * side + k] = c[k] as number;
  }
}
