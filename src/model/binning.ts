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

export function fitBinning(set: ColumnSet, options: Partial<BinningOptions> = {}): FeatureBinning[] {
  const opts = { ...DEFAULT_BINNING, ...options };
  if (opts.maxBins > 255 || opts.maxBins < 3) throw new RangeError('maxBins must be within [3, 255]');
  const rng = new Rng(opts.seed);
  const sample = set.rowCount > opts.sampleSize ? sampleIndices(set.rowCount, opts.sampleSize, rng) : null;
  return set.columns.map((col) => fitColumn(col, sample, opts));
}

function fitColumn(col: FeatureColumn, sample: Uint32Array | null, opts: BinningOptions): FeatureBinning {
  if (col.kind === 'categorical') return fitCategorical(col.name, col.codes, col.vocabulary, opts);
  const src = col.values;
  const m = sample ? sample.length : src.length;
  const values = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < m; i++) {
    const v = sample ? (src[sample[i] as number] as number) : (src[i] as number);
    if (!Number.isNaN(v)) values[k++] = v;
  }
  return { kind: 'numeric', name: col.name, thresholds: quantileThresholds(values.subarray(0, k).sort(), opts.maxBins - 1) };
}

/** Cut points between distinct sorted values so that bins hold about equal counts. */
export function quantileThresholds(sorted: Float64Array, maxNumericBins: number): number[] {
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1]! += 1;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const thresholds: number[] = [];
  if (distinct.length <= maxNumericBins) {
    for (let i = 0; i + 1 < distinct.length; i++) thresholds.push(midpoint(distinct[i] as number, distinct[i + 1] as number));
    return thresholds;
  }
  // Greedy equal-count cuts; re-aim after each cut so heavy values (many zeros) get their own bin
  // without starving the rest of the range.
  let remaining = sorted.length;
  let binsLeft = maxNumericBins;
  let acc = 0;
  for (let i = 0; i + 1 < distinct.length && binsLeft > 1; i++) {
    acc += counts[i] as number;
    if (acc >= remaining / binsLeft) {
      thresholds.push(midpoint(distinct[i] as number, distinct[i + 1] as number));
      remaining -= acc;
      acc = 0;
      binsLeft--;
    }
  }
  return thresholds;
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  return m <= a || m >= b ? a : m;
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
    const dst = out.subarray(f * n, (f + 1) * n);
    if (b.kind === 'numeric') {
      if (col.kind !== 'numeric') throw new Error(`column ${b.name} must be numeric`);
      binNumeric(col.values, Float64Array.from(b.thresholds), dst);
    } else {
      if (col.kind !== 'categorical') throw new Error(`column ${b.name} must be categorical`);
      const map = categoryBinMap(b, col.vocabulary);
      for (let i = 0; i < n; i++) {
        const c = col.codes[i] as number;
        dst[i] = c < 0 ? 0 : (map[c] as number);
      }
    }
  });
  return out;
}

/**
 * Bin of each value: 1 + the number of thresholds below it (0 for missing). A branch-free
 * binary search over the thresholds padded with +Infinity to a power of two: a fixed number
 * of steps whose comparisons feed arithmetic, not jumps, so random values do not cost a
 * mispredicted branch per step.
 */
function binNumeric(values: Float64Array, t: Float64Array, dst: Uint8Array): void {
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
