import { indicesByGroup, sortedEntries, type Durations, type Entries } from './kaplan-meier.ts';

/**
 * Competing risks: nonparametric cumulative incidence per cause (Aalen–Johansen estimator).
 * A customer leaves for one reason group (price, quality, convenience, incidental,
 * involuntary, …) or is still a customer (censored, cause null). At each distinct time t_j
 * with n_j at risk and d_jk exits for cause k:
 *   CIF_k(t_j) = CIF_k(t_{j−1}) + S(t_j−) · d_jk / n_j,   S = all-cause Kaplan–Meier
 * so Σ_k CIF_k(t) + S(t) = 1. Unlike 1 − KM with the other causes treated as censored, which
 * overstates each cause, this answers "what share of a cohort will have left for price by t".
 * Ties: all exits at t precede censorings at t.
 *
 * Delayed entry (left truncation): with `entries`, row i is at risk over (entries[i],
 * durations[i]] as in kaplanMeier, so n_j = #{i : entry_i < t_j ≤ exit_i} and S is the
 * delayed-entry Kaplan–Meier; the increments S(t_j−) · d_jk / n_j are unchanged (the
 * Aalen–Johansen estimator with left-truncated data, Andersen, Borgan, Gill & Keiding 1993, §IV.4).
 */
export interface CumulativeIncidence {
  readonly times: Float64Array;
  readonly atRisk: Float64Array;
  /** All-cause survival just after each time. */
  readonly survival: Float64Array;
  /** Causes in first-seen order. */
  readonly causes: readonly string[];
  /** Per cause: CIF just after each time. */
  readonly incidence: Readonly<Record<string, Float64Array>>;
  /** Per cause: exits at each time. */
  readonly events: Readonly<Record<string, Float64Array>>;
}

export function cumulativeIncidence(durations: Durations, causes: ArrayLike<string | null>, entries?: Entries): CumulativeIncidence {
  if (durations.length !== causes.length) throw new RangeError('durations and causes must have the same length');
  const causeNames: string[] = [];
  const causeIndex = new Map<string, number>();
  const code = new Int32Array(causes.length); // −1 = censored
  const sizes: number[] = [];
  let censoredCount = 0;
  for (let i = 0; i < causes.length; i++) {
    const t = durations[i] as number;
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`duration ${i} (${t}) must be a non-negative number`);
    const c = causes[i];
    if (c === null || c === undefined) {
      code[i] = -1;
      censoredCount++;
      continue;
    }
    let k = causeIndex.get(c);
    if (k === undefined) {
      k = causeNames.length;
      causeIndex.set(c, k);
      causeNames.push(c);
      sizes.push(0);
    }
    code[i] = k;
    sizes[k] = (sizes[k] as number) + 1;
  }
  const K = causeNames.length;
  // One natively sorted array of times per cause, plus one for censorings.
  const byCause = sizes.map((n) => new Float64Array(n));
  const censoredTimes = new Float64Array(censoredCount);
  const fill = new Int32Array(K);
  let fc = 0;
  for (let i = 0; i < causes.length; i++) {
    const k = code[i] as number;
    if (k < 0) censoredTimes[fc++] = durations[i] as number;
    else {
      const at = fill[k] as number;
      (byCause[k] as Float64Array)[at] = durations[i] as number;
      fill[k] = at + 1;
    }
  }
  for (const a of byCause) a.sort();
  censoredTimes.sort();

  const pos = new Int32Array(K);
  let cpos = 0;
  const times: number[] = [];
  const atRisk: number[] = [];
  const surv: number[] = [];
  const inc: number[][] = causeNames.map(() => []);
  const evs: number[][] = causeNames.map(() => []);
  const cum = new Float64Array(K);
  const entry = entries ? sortedEntries(entries, durations) : new Float64Array(0);
  let epos = 0;
  let s = 1;
  let n = entries ? 0 : causes.length;
  for (;;) {
    let t = cpos < censoredTimes.length ? (censoredTimes[cpos] as number) : Infinity;
    for (let k = 0; k < K; k++) {
      const a = byCause[k] as Float64Array;
      const p = pos[k] as number;
      if (p < a.length && (a[p] as number) < t) t = a[p] as number;
    }
    if (t === Infinity) break;
    while (epos < entry.length && (entry[epos] as number) < t) {
      n++;
      epos++;
    }
    let total = 0;
    let censored = 0;
    while (cpos < censoredTimes.length && censoredTimes[cpos] === t) {
      censored++;
      cpos++;
    }
    for (let k = 0; k < K; k++) {
      const a = byCause[k] as Float64Array;
      const from = pos[k] as number;
      let p = from;
      while (p < a.length && a[p] === t) p++;
      pos[k] = p;
      const d = p - from;
      total += d;
      cum[k] = (cum[k] as number) + (s * d) / n;
      (inc[k] as number[]).push(cum[k] as number);
      (evs[k] as number[]).push(d);
    }
    times.push(t);
    atRisk.push(n);
    s *= 1 - total / n;
    surv.push(s);
    n -= total + censored;
  }
  return {
    times: Float64Array.from(times),
    atRisk: Float64Array.from(atRisk),
    survival: Float64Array.from(surv),
    causes: causeNames,
    incidence: Object.fromEntries(causeNames.map((c, i) => [c, Float64Array.from(inc[i] as number[])])),
    events: Object.fromEntries(causeNames.map((c, i) => [c, Float64Array.from(evs[i] as number[])])),
  };
}

/** One set of cumulative incidences per group (e.g. province or segment), groups in first-seen order; `entries` as in cumulativeIncidence. */
export function cumulativeIncidenceByGroup(
  durations: Durations,
  causes: ArrayLike<string | null>,
  groups: ArrayLike<string>,
  entries?: Entries,
): { group: string; incidence: CumulativeIncidence }[] {
  if (groups.length !== durations.length) throw new RangeError('groups and durations must have the same length');
  const members = indicesByGroup(groups);
  return [...members].map(([group, idx]) => ({
    group,
    incidence: cumulativeIncidence(
      idx.map((i) => durations[i] as number),
      idx.map((i) => causes[i] ?? null),
      entries ? idx.map((i) => entries[i] as number) : undefined,
    ),
  }));
}
