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

/** Features packed per row: four features' bins in one 32-bit word (see packBins). */
export const PACK = 4;

/** Doubles in one histogram: (g, h) per bin, plus one spare bin that padding slots write to. */
export function histLength(layout: HistogramLayout): number {
  return 2 * (layout.totalBins + 1);
}

/**
 * Bins re-laid for histogram building: features in groups of four, group g's word for row r
 * at g * n + r holds feature 4g + j's bin in byte j. A row's four bins then cost one load
 * (one cache line for a random row) instead of four. Slots past the last feature hold bin 0.
 */
export function packBins(bins: Uint8Array, n: number, nFeatures: number, out: Uint32Array = new Uint32Array(Math.ceil(nFeatures / PACK) * n)): Uint32Array {
  out.fill(0);
  for (let f = 0; f < nFeatures; f++) {
    const base = (f >> 2) * n;
    const shift = 8 * (f & 3);
    const col = bins.subarray(f * n, (f + 1) * n);
    for (let r = 0; r < n; r++) out[base + r]! |= (col[r] as number) << shift;
  }
  return out;
}

/**
 * Per packed slot (4 per group), twice its feature's first bin index in a histogram, and its
 * bin count; padding slots point at the spare bin at the end.
 */
export function slotLayout(layout: HistogramLayout): { slotOffset: Int32Array; slotBins: Int32Array } {
  const nf = layout.binCount.length;
  const slots = Math.ceil(nf / PACK) * PACK;
  const slotOffset = new Int32Array(slots).fill(2 * layout.totalBins);
  const slotBins = new Int32Array(slots).fill(1);
  for (let f = 0; f < nf; f++) {
    slotOffset[f] = 2 * (layout.offset[f] as number);
    slotBins[f] = layout.binCount[f] as number;
  }
  return { slotOffset, slotBins };
}

/** The packed groups holding at least one of the features, ascending. */
export function groupsOf(features: Int32Array): Int32Array {
  const groups: number[] = [];
  for (const f of Array.from(features).sort((a, b) => a - b)) {
    const g = f >> 2;
    if (groups[groups.length - 1] !== g) groups.push(g);
  }
  return Int32Array.from(groups);
}

/**
 * Accumulates rows[start, end) into `hist` for every feature of the listed packed groups
 * (features of a group that a tree does not use are built too, and ignored), reading the
 * gradients that gatherGradients left in `scratch`. Self-contained (no imports, plain
 * parameters) because the level worker runs this same function's source.
 */
export function accumulateHistogram(
  hist: Float64Array,
  slotOffset: Int32Array,
  slotBins: Int32Array,
  n: number,
  packed: Uint32Array,
  rows: Uint32Array,
  start: number,
  end: number,
  groups: Int32Array,
  scratch: Float64Array,
): void {
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi] as number;
    for (let j = 4 * g; j < 4 * g + 4; j++) {
      const off = slotOffset[j] as number;
      hist.fill(0, off, off + 2 * (slotBins[j] as number));
    }
  }
  // One group per pass: each row's word, gradient pair and index are loaded once for four updates.
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi] as number;
    const o0 = slotOffset[4 * g] as number;
    const o1 = slotOffset[4 * g + 1] as number;
    const o2 = slotOffset[4 * g + 2] as number;
    const o3 = slotOffset[4 * g + 3] as number;
    const base = g * n;
    for (let k = start; k < end; k++) {
      const w = packed[base + (rows[k] as number)] as number;
      const gr = scratch[2 * k] as number;
      const h = scratch[2 * k + 1] as number;
      const i0 = o0 + 2 * (w & 255);
      const i1 = o1 + 2 * ((w >>> 8) & 255);
      const i2 = o2 + 2 * ((w >>> 16) & 255);
      const i3 = o3 + 2 * (w >>> 24);
      hist[i0]! += gr;
      hist[i0 + 1]! += h;
      hist[i1]! += gr;
      hist[i1 + 1]! += h;
      hist[i2]! += gr;
      hist[i2 + 1]! += h;
      hist[i3]! += gr;
      hist[i3 + 1]! += h;
    }
  }
}

/**
 * Runs one half of a level task: optionally compute the rows' gradients, partition
 * rows[start, end) in place with `buffer`, then gather and accumulate the chosen side into
 * hist. Returns the number of rows that went left. Calls only gatherGradients and
 * accumulateHistogram, in this module (so no bundler or test runner rewrites the calls into
 * module imports), because the level worker runs all three from their source.
 */
export function runHalf(
  rows: Uint32Array,
  packed: Uint32Array,
  n: number,
  buffer: Uint32Array,
  grad: Float64Array,
  hess: Float64Array,
  scratch: Float64Array,
  hist: Float64Array,
  slotOffset: Int32Array,
  slotBins: Int32Array,
  groups: Int32Array,
  start: number,
  end: number,
  feature: number,
  lut: Uint8Array | null,
  side: number,
  margin: Float64Array,
  label: Uint8Array,
  gradients: boolean,
): number {
  if (gradients) {
    // Logistic loss: g = p − y, h = p (1 − p), kept away from 0.
    for (let k = start; k < end; k++) {
      const r = rows[k] as number;
      const q = 1 / (1 + Math.exp(-(margin[r] as number)));
      grad[r] = q - (label[r] as number);
      const h = q * (1 - q);
      hess[r] = h > 1e-16 ? h : 1e-16;
    }
  }
  let l = start;
  if (lut !== null) {
    // Branch-free stable partition: every row is written to both sides of `buffer` and only
    // the cursor of its own side moves (no mispredicted branch per row when the split is
    // near even). rows is only written at the end, so a failure part-way leaves it intact.
    const base = (feature >> 2) * n;
    const shift = 8 * (feature & 3);
    const m = end - start;
    let a = 0;
    let b = m;
    for (let k = start; k < end; k++) {
      const row = rows[k] as number;
      const goLeft = lut[((packed[base + row] as number) >>> shift) & 255] as number;
      buffer[a] = row;
      buffer[b] = row;
      a += goLeft;
      b += 1 - goLeft;
    }
    rows.set(buffer.subarray(0, a), start);
    rows.set(buffer.subarray(m, b), start + a);
    l = start + a;
  } else {
    l = end;
  }
  if (side !== 0) {
    // Side 4: whichever side has fewer rows (left on a tie), known only now.
    const built = side === 4 ? (l - start <= end - l ? 1 : 2) : side;
    const s = built === 2 ? l : start;
    const e = built === 1 ? l : end;
    gatherGradients(rows, s, e, grad, hess, scratch);
    accumulateHistogram(hist, slotOffset, slotBins, n, packed, rows, s, e, groups, scratch);
  }
  return l - start;
}
