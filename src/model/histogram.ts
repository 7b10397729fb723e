/**
 * Gradient histograms: for every feature, (gradient sum, hessian sum) per bin, interleaved
 * in one Float64Array; feature f starts at 2 * offset[f].
 */
export interface HistogramLayout {
  readonly rowCount: number;
  readonly offset: Int32Array;
  readonly binCount: Int32Array;
  readonly totalBins: number;
}

export function histogramLayout(rowCount: number, binCounts: ArrayLike<number>): HistogramLayout {
  const f = binCounts.length;
  const offset = new Int32Array(f);
  const binCount = Int32Array.from(binCounts);
  let total = 0;
  for (let i = 0; i < f; i++) {
    offset[i] = total;
    total += binCount[i] as number;
  }
  return { rowCount, offset, binCount, totalBins: total };
}

/**
 * Copies the gradients of rows[start, end) into `scratch` (interleaved g, h) at the same
 * positions, so several disjoint ranges can be gathered before their histograms are built.
 */
export function gatherGradients(rows: Uint32Array, start: number, end: number, grad: Float64Array, hess: Float64Array, scratch: Float64Array): void {
  for (let k = start; k < end; k++) {
    const r = rows[k] as number;
    scratch[2 * k] = grad[r] as number;
    scratch[2 * k + 1] = hess[r] as number;
  }
}

/**
 * Accumulates rows[start, end) into `hist` for the listed features, reading the gradients
 * that gatherGradients left in `scratch`. Self-contained (no imports, plain parameters)
 * because the histogram worker runs this same function's source.
 */
export function accumulateHistogram(
  hist: Float64Array,
  offset: Int32Array,
  binCount: Int32Array,
  n: number,
  bins: Uint8Array,
  rows: Uint32Array,
  start: number,
  end: number,
  features: Int32Array,
  scratch: Float64Array,
): void {
  const contiguous = start === 0 && end === n;
  const nf = features.length;
  for (let fi = 0; fi < nf; fi++) {
    const f = features[fi] as number;
    const off = 2 * (offset[f] as number);
    hist.fill(0, off, off + 2 * (binCount[f] as number));
  }
  // Four features per pass: each row's gradient pair and index are loaded once for four updates.
  let fi = 0;
  for (; fi + 4 <= nf; fi += 4) {
    const f0 = features[fi] as number;
    const f1 = features[fi + 1] as number;
    const f2 = features[fi + 2] as number;
    const f3 = features[fi + 3] as number;
    const o0 = 2 * (offset[f0] as number);
    const o1 = 2 * (offset[f1] as number);
    const o2 = 2 * (offset[f2] as number);
    const o3 = 2 * (offset[f3] as number);
    const c0 = bins.subarray(f0 * n, f0 * n + n);
    const c1 = bins.subarray(f1 * n, f1 * n + n);
    const c2 = bins.subarray(f2 * n, f2 * n + n);
    const c3 = bins.subarray(f3 * n, f3 * n + n);
    for (let k = start; k < end; k++) {
      const r = contiguous ? k : (rows[k] as number);
      const g = scratch[2 * k] as number;
      const h = scratch[2 * k + 1] as number;
      const i0 = o0 + 2 * (c0[r] as number);
      const i1 = o1 + 2 * (c1[r] as number);
      const i2 = o2 + 2 * (c2[r] as number);
      const i3 = o3 + 2 * (c3[r] as number);
      hist[i0]! += g;
      hist[i0 + 1]! += h;
      hist[i1]! += g;
      hist[i1 + 1]! += h;
      hist[i2]! += g;
      hist[i2 + 1]! += h;
      hist[i3]! += g;
      hist[i3 + 1]! += h;
    }
  }
  for (; fi < nf; fi++) {
    const f = features[fi] as number;
    const off = 2 * (offset[f] as number);
    const col = bins.subarray(f * n, f * n + n);
    for (let k = start; k < end; k++) {
      const r = contiguous ? k : (rows[k] as number);
      const idx = off + 2 * (col[r] as number);
      hist[idx]! += scratch[2 * k] as number;
      hist[idx + 1]! += scratch[2 * k + 1] as number;
    }
  }
}

/** Single-threaded histogram of rows[start, end). */
export function buildHistogram(
  hist: Float64Array,
  layout: HistogramLayout,
  bins: Uint8Array,
  rows: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
  features: Int32Array,
  scratch: Float64Array,
): void {
  gatherGradients(rows, start, end, grad, hess, scratch);
  accumulateHistogram(hist, layout.offset, layout.binCount, layout.rowCount, bins, rows, start, end, features, scratch);
}

/** target = parent − child over the listed features (the sibling's histogram without a pass over its rows). */
export function subtractHistogram(target: Float64Array, parent: Float64Array, child: Float64Array, layout: HistogramLayout, features: Int32Array): void {
  for (let fi = 0; fi < features.length; fi++) {
    const f = features[fi] as number;
    const off = 2 * (layout.offset[f] as number);
    const end = off + 2 * (layout.binCount[f] as number);
    for (let i = off; i < end; i++) target[i] = (parent[i] as number) - (child[i] as number);
  }
}
