import { zForLevel } from './normal.ts';

/**
 * Kaplan–Meier survival with Greenwood variance and log-log confidence intervals.
 *
 * Inputs are columns: `durations[i]` (e.g. months of tenure) and `events[i]` (1 = churned at
 * that duration, 0 = still a customer / censored). Ties follow the usual convention: at a
 * time with both, events happen before censorings, so a customer censored at t is at risk at t.
 * The curve has one row per distinct time (event or censoring), so it can be plotted as steps.
 *
 * Delayed entry (left truncation): with `entries`, row i is observed over (entries[i],
 * durations[i]] — it is known to have survived to its entry time and is at risk from just
 * after it, the counting-process convention of R's `Surv(start, stop, event)` (intervals open
 * on the left, closed on the right). The risk set at t is then n(t) = #{i : entry_i < t ≤
 * exit_i}, and S(t) = Π_{tj ≤ t} (1 − d_j / n_j) estimates P(T > t) as a product of conditional
 * survivals (Klein & Moeschberger 2003, §4.6). Without `entries` every row is at risk from −∞.
 */
export interface KaplanMeierCurve {
  readonly times: Float64Array;
  /** Rows at risk at each time: exit ≥ t (and, with entries, entry < t). */
  readonly atRisk: Float64Array;
  readonly events: Float64Array;
  readonly censored: Float64Array;
  /** S(t) just after time t. */
  readonly survival: Float64Array;
  /** Greenwood: Var S(t) = S(t)² Σ_{tj ≤ t} d_j / (n_j (n_j − d_j)). */
  readonly variance: Float64Array;
  /** Log-log interval: S^exp(±z·se), se = √(Σ d/(n(n−d))) / |ln S|; stays within [0, 1]. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly level: number;
  readonly size: number;
}

export type Durations = ArrayLike<number>;
/** 1 = event, 0 = censored. */
export type EventFlags = ArrayLike<number>;
/** Entry (truncation) times: row i is at risk only at times strictly after entries[i]. */
export type Entries = ArrayLike<number>;

/**
 * Entry times of the rows (or of `subset`), natively sorted; throws unless every entry is a
 * finite number ≥ 0 strictly before the row's exit (an interval (entry, exit] must not be empty).
 */
export function sortedEntries(entries: Entries, durations: Durations, subset?: ArrayLike<number>): Float64Array {
  if (entries.length !== durations.length) throw new RangeError('entries and durations must have the same length');
  const size = subset ? subset.length : entries.length;
  const out = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const i = subset ? (subset[k] as number) : k;
    const a = entries[i] as number;
    if (!Number.isFinite(a) || a < 0) throw new RangeError(`entry ${i} (${a}) must be a non-negative number`);
    if (!(a < (durations[i] as number))) throw new RangeError(`entry ${i} (${a}) must be before its exit (${durations[i]})`);
    out[k] = a;
  }
  return out.sort();
}

/**
 * Event and censoring times as two natively sorted typed arrays (no comparator: a million
 * rows sort in a few hundred milliseconds), then merged into distinct-time counts.
 */
export function sortedTimes(
  durations: Durations,
  isEvent: (i: number) => boolean,
  subset?: ArrayLike<number>,
): { events: Float64Array; censored: Float64Array } {
  const size = subset ? subset.length : durations.length;
  const ev = new Float64Array(size);
  const ce = new Float64Array(size);
  let ne = 0;
  let nc = 0;
  for (let k = 0; k < size; k++) {
    const i = subset ? (subset[k] as number) : k;
    const t = durations[i] as number;
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`duration ${i} (${t}) must be a non-negative number`);
    if (isEvent(i)) ev[ne++] = t;
    else ce[nc++] = t;
  }
  return { events: ev.subarray(0, ne).sort(), censored: ce.subarray(0, nc).sort() };
}

export function kaplanMeier(
  durations: Durations,
  events: EventFlags,
  options: { level?: number; subset?: ArrayLike<number>; entries?: Entries } = {},
): KaplanMeierCurve {
  if (durations.length !== events.length) throw new RangeError('durations and events must have the same length');
  const level = options.level ?? 0.95;
  const z = zForLevel(level);
  const sorted = sortedTimes(durations, (i) => (events[i] as number) > 0, options.subset);
  const evT = sorted.events;
  const ceT = sorted.censored;
  const entry = options.entries ? sortedEntries(options.entries, durations, options.subset) : new Float64Array(0);
  const times: number[] = [];
  const atRisk: number[] = [];
  const ev: number[] = [];
  const cens: number[] = [];
  // With entries the risk set fills as rows enter (entry < t) and empties as they exit.
  let n = options.entries ? 0 : evT.length + ceT.length;
  let p = 0;
  let i = 0;
  let j = 0;
  while (i < evT.length || j < ceT.length) {
    const t = Math.min(i < evT.length ? (evT[i] as number) : Infinity, j < ceT.length ? (ceT[j] as number) : Infinity);
    while (p < entry.length && (entry[p] as number) < t) {
      n++;
      p++;
    }
    let d = 0;
    let c = 0;
    while (i < evT.length && evT[i] === t) {
      d++;
      i++;
    }
    while (j < ceT.length && ceT[j] === t) {
      c++;
      j++;
    }
    times.push(t);
    atRisk.push(n);
    ev.push(d);
    cens.push(c);
    n -= d + c;
  }
  const m = times.length;
  const survival = new Float64Array(m);
  const variance = new Float64Array(m);
  const lower = new Float64Array(m);
  const upper = new Float64Array(m);
  let s = 1;
  let greenwood = 0;
  for (let j = 0; j < m; j++) {
    const nj = atRisk[j] as number;
    const dj = ev[j] as number;
    if (dj > 0) {
      s *= 1 - dj / nj;
      greenwood = dj < nj ? greenwood + dj / (nj * (nj - dj)) : Number.POSITIVE_INFINITY;
    }
    survival[j] = s;
    if (s <= 0) {
      variance[j] = 0;
      lower[j] = 0;
      upper[j] = 0;
    } else if (greenwood === 0) {
      variance[j] = 0;
      lower[j] = s;
      upper[j] = s;
    } else {
      variance[j] = s * s * greenwood;
      const se = Math.sqrt(greenwood) / Math.abs(Math.log(s));
      lower[j] = Math.pow(s, Math.exp(z * se));
      upper[j] = Math.pow(s, Math.exp(-z * se));
    }
  }
  return {
    times: Float64Array.from(times),
    atRisk: Float64Array.from(atRisk),
    events: Float64Array.from(ev),
    censored: Float64Array.from(cens),
    survival,
    variance,
    lower,
    upper,
    level,
    size: evT.length + ceT.length,
  };
}

/** S(t) read off a step curve (1 before the first time). */
export function survivalAt(curve: KaplanMeierCurve, t: number): number {
  let s = 1;
  for (let j = 0; j < curve.times.length && (curve.times[j] as number) <= t; j++) s = curve.survival[j] as number;
  return s;
}

/** Smallest time with S(t) ≤ 0.5; null when the curve never gets there. */
export function medianSurvival(curve: KaplanMeierCurve): number | null {
  for (let j = 0; j < curve.times.length; j++) if ((curve.survival[j] as number) <= 0.5) return curve.times[j] as number;
  return null;
}

/** Row indices per group label, groups in order of first appearance. */
export function indicesByGroup(groups: ArrayLike<string>): Map<string, number[]> {
  const members = new Map<string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as string;
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  }
  return members;
}

/** One curve per group (e.g. segment), groups in first-seen order; `entries` as in kaplanMeier. */
export function kaplanMeierByGroup(
  durations: Durations,
  events: EventFlags,
  groups: ArrayLike<string>,
  level = 0.95,
  entries?: Entries,
): { group: string; curve: KaplanMeierCurve }[] {
  const members = indicesByGroup(groups);
  return [...members].map(([group, subset]) => ({ group, curve: kaplanMeier(durations, events, { level, subset, ...(entries ? { entries } : {}) }) }));
}
