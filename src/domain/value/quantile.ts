/**
 * Quantiles with linear interpolation between order statistics (Hyndman & Fan type 7, R's
 * default). Uses selection (expected O(n)) instead of a full sort, so medians and percentile
 * cut-offs over a million customers cost a few milliseconds each.
 */
export function quantile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile probability must be in [0, 1], got ${p}`);
  return quantileInPlace(Float64Array.from(values), p);
}

/** Like `quantile` but reorders `work` (a scratch copy) instead of copying it. */
export function quantileInPlace(work: Float64Array, p: number): number {
  const n = work.length;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = selectKth(work, lo);
  if (lo + 1 >= n || h === lo) return a;
  // After selection every element right of `lo` is ≥ a; the next order statistic is their minimum.
  let b = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < n; i++) if ((work[i] as number) < b) b = work[i] as number;
  return a + (h - lo) * (b - a);
}

/** Sorted-array variant, for callers that already sorted. */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/**
 * Rearranges `a` so that a[k] is the k-th smallest, smaller-or-equal values before it and
 * greater-or-equal after it (Hoare selection with median-of-three pivots); returns a[k].
 */
export function selectKth(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const mid = (left + right) >>> 1;
    // Median of three as pivot, guarding against sorted input.
    const x = a[left] as number;
    const y = a[mid] as number;
    const z = a[right] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k] as number;
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Quantile of `values` within each group, e.g. the 75th-percentile ARPU per segment. */
export function quantileByGroup(values: ArrayLike<number>, groups: ArrayLike<string>, p: number): Map<string, number> {
  const members = new Map<string, number[]>();
  for (let i = 0; i < values.length; i++) {
    const g = groups[i] as string;
    const list = members.get(g);
    if (list) list.push(values[i] as number);
    else members.set(g, [values[i] as number]);
  }
  return new Map([...members].map(([g, v]) => [g, quantile(v, p)]));
}
