import type { ColumnSet, FeatureColumn } from './columns.ts';
import { Rng, sampleIndices } from './random.ts';

/**
 * Bin 0 of every feature holds the missing values; numeric bin b ≥ 1 holds the values v with
 * thresholds[b-2] < v ≤ thresholds[b-1]. Categorical bin b ≥ 1 is categories[b-1]; rare
 * categories share one trailing "other" bin. At most 255 bins per feature, so a binned
 * column is a Uint8Array.
 */
export interface NumericBinning {
  readonly kind: 'numeric';
  readonly name: string;
  readonly thresholds: readonly number[];
}

export interface CategoricalBinning {
  readonly kind: 'categorical';
  readonly name: string;
  readonly categories: readonly string[];
  /** Whether rare (and, when predicting, unseen) categories go to bin categories.length + 1. */
  readonly other: boolean;
}

export type FeatureBinning = NumericBinning | CategoricalBinning;

export interface BinningOptions {
  /** Bins per feature including the missing bin (≤ 255). */
  maxBins: number;
  /** Quantiles are exact on at most this many sampled non-missing rows. */
  sampleSize: number;
  /** Categories seen fewer times are grouped into "other". */
  minCategoryCount: number;
  seed: number;
}

export const DEFAULT_BINNING: BinningOptions = { maxBins: 255, sampleSize: 200_000, minCategoryCount: 10, seed: 7 };

export function binCount(b: FeatureBinning): number {
  return b.kind === 'numeric' ? b.thresholds.length + 2 : b.categories.length + (b.other ? 2 : 1);
}

/** The options in force and the rows whose values the quantile cuts come from (null: all). */
export function binningPlan(rowCount: number, options: Partial<BinningOptions> = {}): { opts: BinningOptions; sample: Uint32Array | null } {
  const opts = { ...DEFAULT_BINNING, ...options };
  if (opts.maxBins > 255 || opts.maxBins < 3) throw new RangeError('maxBins must be within [3, 255]');
  const rng = new Rng(opts.seed);
  const sample = rowCount > opts.sampleSize ? sampleIndices(rowCount, opts.sampleSize, rng) : null;
  return { opts, sample };
}

export function fitBinning(set: ColumnSet, options: Partial<BinningOptions> = {}): FeatureBinning[] {
  const { opts, sample } = binningPlan(set.rowCount, options);
  return set.columns.map((col) => fitColumn(col, sample, opts));
}

export function fitColumn(col: FeatureColumn, sample: Uint32Array | null, opts: BinningOptions): FeatureBinning {
  if (col.kind === 'categorical') return fitCategorical(col.name, col.codes, col.vocabulary, opts);
  return { kind: 'numeric', name: col.name, thresholds: numericColumn(col.values, sample, opts.maxBins - 1, null) };
}

/**
 * A numeric column's thresholds from its non-missing values (the sampled rows when a sample
 * is given), and, when `out` is given, every row's bin. Calls only sortFloat64,
 * quantileThresholds and binNumeric, so a worker holding those functions' source can run it.
 */
export function numericColumn(values: Float64Array, sample: Uint32Array | null, maxNumericBins: number, out: Uint8Array | null): number[] {
  const m = sample ? sample.length : values.length;
  const present = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < m; i++) {
    const v = sample ? (values[sample[i] as number] as number) : (values[i] as number);
    if (v === v) present[k++] = v;
  }
  const thresholds = quantileThresholds(sortFloat64(present.subarray(0, k)), maxNumericBins);
  if (out) binNumeric(values, Float64Array.from(thresholds), out);
  return thresholds;
}

/**
 * Sorts finite or infinite doubles (no NaN) ascending in place, -0 before +0 as
 * Float64Array.prototype.sort does: an LSD radix sort on the IEEE bits (negatives' bits
 * flipped, positives' sign bit set, so the unsigned order is the numeric order), 16 bits per
 * pass, skipping passes where every value has the same digit. About twice as fast as the
 * built-in comparison sort on the 10⁵–10⁶ values a column's quantile cuts need.
 * Self-contained (the binning worker runs its source).
 */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 4096) return values.sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1] as number;
    const l = words[2 * i] as number;
    if (h >>> 31) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  const counts = new Uint32Array(4 * 65536);
  for (let i = 0; i < n; i++) {
    const l = lo[i] as number;
    const h = hi[i] as number;
    counts[l & 0xffff]!++;
    counts[65536 + (l >>> 16)]!++;
    counts[131072 + (h & 0xffff)]!++;
    counts[196608 + (h >>> 16)]!++;
  }
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    const shift = (pass & 1) * 16;
    const keyIsHi = pass >= 2;
    let single = false;
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d] as number;
      if (c === n) single = true;
      if (c !== 0) break;
    }
    if (single) continue; // every value has the same digit here
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d] as number;
      counts[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const key = keyIsHi ? (hi[i] as number) : (lo[i] as number);
      const at = counts[base + ((key >>> shift) & 0xffff)]!++;
      lo2[at] = lo[i] as number;
      hi2[at] = hi[i] as number;
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i] as number;
    const l = lo[i] as number;
    if (h >>> 31) {
      words[2 * i + 1] = h & 0x7fffffff;
      words[2 * i] = l;
    } else {
      words[2 * i + 1] = ~h >>> 0;
      words[2 * i] = ~l >>> 0;
    }
  }
  return values;
}

/**
 * Cut points between distinct sorted values so that bins hold about equal counts.
 * Self-contained (the binning worker runs its source).
 */
export function quantileThresholds(sorted: Float64Array, maxNumericBins: number): number[] {
  const mid = (a: number, b: number) => {
    const m = a + (b - a) / 2;
    return m <= a || m >= b ? a : m;
  };
  const n = sorted.length;
  let distinct = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const thresholds: number[] = [];
  if (distinct <= maxNumericBins) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) thresholds.push(mid(sorted[i - 1] as number, sorted[i] as number));
    return thresholds;
  }
  // Greedy equal-count cuts over runs of equal values; re-aim after each cut so heavy values
  // (many zeros) get their own bin without starving the rest of the range.
  let remaining = n;
  let binsLeft = maxNumericBins;
  let acc = 0;
  let i = 0;
  while (i < n && binsLeft > 1) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    if (j >= n) break; // the last distinct value: no cut after it
    acc += j - i;
    if (acc >= remaining / binsLeft) {
      thresholds.push(mid(sorted[i] as number, sorted[j] as number));
      remaining -= acc;
      acc = 0;
      binsLeft--;
    }
    i = j;
  }
  return thresholds;
}

function fitCategorical(name: string, codes: Int32Array, vocabulary: readonly string[], opts: BinningOptions): CategoricalBinning {
  const counts = new Float64Array(vocabulary.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (c >= 0) counts[c]! += 1;
  }
  const order = Array.from(vocabulary.keys()).filter((c) => (counts[c] as number) > 0);
  order.sort((a, b) => (counts[b] as number) - (counts[a] as number) || a - b);
  // Keep room for the missing bin and the "other" bin.
  const maxKept = opts.maxBins - 2;
  const kept = order.filter((c) => (counts[c] as number) >= opts.minCategoryCount).slice(0, maxKept);
  const other = kept.length < order.length;
  return { kind: 'categorical', name, categories: kept.map((c) => vocabulary[c] as string), other };
}

/** Bins a column set with fitted binnings: Uint8Array, column-major (feature f at f * rowCount). */
export function applyBinning(set: ColumnSet, binnings: readonly FeatureBinning[]): Uint8Array {
  const n = set.rowCount;
  const out = new Uint8Array(n * binnings.length);
  binnings.forEach((b, f) => {
    const col = set.columns[f];
    if (!col || col.name !== b.name) throw new Error(`column ${f} is ${col?.name ?? 'absent'}, model expects ${b.name}`);
    binColumnInto(col, b, out.subarray(f * n, (f + 1) * n));
  });
  return out;
}

/** One column's bins under its fitted binning, into dst. */
export function binColumnInto(col: FeatureColumn, b: FeatureBinning, dst: Uint8Array): void {
  if (b.kind === 'numeric') {
    if (col.kind !== 'numeric') throw new Error(`column ${b.name} must be numeric`);
    binNumeric(col.values, Float64Array.from(b.thresholds), dst);
    return;
  }
  if (col.kind !== 'categorical') throw new Error(`column ${b.name} must be categorical`);
  const map = categoryBinMap(b, col.vocabulary);
  for (let i = 0; i < dst.length; i++) {
    const c = col.codes[i] as number;
    dst[i] = c < 0 ? 0 : (map[c] as number);
  }
}

/**
 * Bin of each value: 1 + the number of thresholds below it (0 for missing). A branch-free
 * binary search over the thresholds padded with +Infinity to a power of two: a fixed number
 * of steps whose comparisons feed arithmetic, not jumps, so random values do not cost a
 * mispredicted branch per step.
 */
export function binNumeric(values: Float64Array, t: Float64Array, dst: Uint8Array): void {
  let size = 1;
  while (size < t.length + 1) size *= 2;
  const padded = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
  padded.set(t);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    // Invariant: every threshold before lo is < v; padded[lo + step - 1] decides the next half.
    let lo = 0;
    for (let step = size >> 1; step > 0; step >>= 1) lo += step * +((padded[lo + step - 1] as number) < v);
    dst[i] = v === v ? lo + 1 : 0;
  }
}

/** Bin of each code of `vocabulary`; unseen categories go to "other" or, without one, to missing. */
export function categoryBinMap(b: CategoricalBinning, vocabulary: readonly string[]): Uint8Array {
  const index = new Map(b.categories.map((c, i) => [c, i + 1]));
  const fallback = b.other ? b.categories.length + 1 : 0;
  return Uint8Array.from(vocabulary, (v) => index.get(v) ?? fallback);
}
