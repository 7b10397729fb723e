/**
 * How well a ranking finds the customers an offer keeps, measured on a randomized campaign
 * (treated members vs control members, outcome = churned in the campaign's window). Pure.
 *
 * Binning (so the same figures come out of SQL at any scale): the members of both arms are
 * ranked together by score, highest first (ties by customer id), and cut into B equal-count
 * bins exactly as `NTILE(B) OVER (ORDER BY score DESC, customer_id)` does (the first n mod B
 * bins hold one member more). Per bin b only four counts are kept: treated n_T,b, control n_C,b,
 * and the churners among them y_T,b, y_C,b. With cumulative sums over bins 1..k (N_T,k, N_C,k,
 * Y_T,k, Y_C,k), N_T = N_T,B, N_C = N_C,B, and φ_k = (N_T,k + N_C,k) / (N_T + N_C) the fraction
 * of members targeted:
 *
 *   Qini curve (Radcliffe 2007), customers kept per treated member if the top φ_k were treated:
 *     q_k = (Y_C,k · N_T,k / N_C,k − Y_T,k) / N_T          (q_0 = 0; the control term is 0 while N_C,k = 0)
 *   so q_B = churn rate(control) − churn rate(treated) = the campaign's overall uplift u.
 *   Qini coefficient = area between the Qini curve and the random-targeting line φ·u, by trapezoids:
 *     Qini = Σ_k (φ_k − φ_{k−1}) · [(q_k + q_{k−1}) / 2 − u · (φ_k + φ_{k−1}) / 2]
 *   Random targeting scores 0; a ranking that puts the persuadables first scores above 0.
 *
 *   Uplift curve (cumulative gain, Rzepakowski & Jaroszewicz 2012):
 *     g_k = (Y_C,k / N_C,k − Y_T,k / N_T,k) · φ_k               (g_0 = 0; 0 while an arm is empty)
 *   AUUC = Σ_k (φ_k − φ_{k−1}) · (g_k + g_{k−1}) / 2; random targeting's AUUC is u / 2.
 *
 *   Uplift in the top 30 % = Y_C,k / N_C,k − Y_T,k / N_T,k at k = 0.3·B (B a multiple of 10).
 *
 * Intervals: a stratified bootstrap (members resampled with replacement within each arm, so
 * every replicate keeps the arms' sizes), the whole ranking-and-binning redone on each replicate,
 * percentile 95 % intervals. Several rankings resampled together give paired intervals for
 * their differences.
 */
import { Rng } from '../demo/random.ts';
import { quantileSorted } from '../value/quantile.ts';
import type { Interval } from './intervals.ts';

export interface UpliftBin {
  treated: number;
  control: number;
  treatedChurned: number;
  controlChurned: number;
}

export interface UpliftCurvePoint {
  /** φ_k: fraction of members targeted (top k bins). */
  readonly fraction: number;
  /** q_k. */
  readonly qini: number;
  /** g_k. */
  readonly gain: number;
  /** Churn rate(control) − churn rate(treated) among the top k bins; null while an arm is empty. */
  readonly upliftInTop: number | null;
}

export interface UpliftSummary {
  readonly qini: number;
  readonly auuc: number;
  /** AUUC of random targeting: u / 2. */
  readonly auucRandom: number;
  /** Uplift among the top 30 % (null when B is not a multiple of 10 or an arm is empty there). */
  readonly upliftAt30: number | null;
  /** u: churn rate(control) − churn rate(treated) over all members. */
  readonly overallUplift: number;
  readonly points: readonly UpliftCurvePoint[];
}

/** The Qini and uplift curves and their areas from the per-bin counts (bins in ranking order). */
export function curveFromBins(bins: readonly UpliftBin[]): UpliftSummary {
  let nt = 0;
  let nc = 0;
  let yt = 0;
  let yc = 0;
  for (const b of bins) {
    nt += b.treated;
    nc += b.control;
    yt += b.treatedChurned;
    yc += b.controlChurned;
  }
  if (nt === 0 || nc === 0) throw new RangeError('uplift curves need treated and control members');
  const total = nt + nc;
  const u = yc / nc - yt / nt;
  const points: UpliftCurvePoint[] = [];
  let NT = 0;
  let NC = 0;
  let YT = 0;
  let YC = 0;
  let qini = 0;
  let auuc = 0;
  let prev = { fraction: 0, qini: 0, gain: 0 };
  for (const b of bins) {
    NT += b.treated;
    NC += b.control;
    YT += b.treatedChurned;
    YC += b.controlChurned;
    const fraction = (NT + NC) / total;
    const q = ((NC > 0 ? (YC * NT) / NC : 0) - YT) / nt;
    const upliftInTop = NT > 0 && NC > 0 ? YC / NC - YT / NT : null;
    const gain = upliftInTop === null ? 0 : upliftInTop * fraction;
    const width = fraction - prev.fraction;
    qini += width * ((q + prev.qini) / 2 - (u * (fraction + prev.fraction)) / 2);
    auuc += (width * (gain + prev.gain)) / 2;
    points.push({ fraction, qini: q, gain, upliftInTop });
    prev = { fraction, qini: q, gain };
  }
  const at30 = bins.length % 10 === 0 ? points[(3 * bins.length) / 10 - 1] : undefined;
  return { qini, auuc, auucRandom: u / 2, upliftAt30: at30?.upliftInTop ?? null, overallUplift: u, points };
}

/**
 * Positions in ranking order: score descending, ties by `tieKeys` ascending (customer ids), so
 * the order is the SQL `ORDER BY score DESC, customer_id`.
 */
export function rankingOrder(scores: ArrayLike<number>, tieKeys: readonly string[]): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => {
    const d = (scores[b] as number) - (scores[a] as number);
    if (d !== 0 && !Number.isNaN(d)) return d;
    const ka = tieKeys[a] as string;
    const kb = tieKeys[b] as string;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** NTILE(B): the bin (0-based) of the j-th of n ranked rows. */
export function ntileBin(j: number, n: number, bins: number): number {
  const q = Math.floor(n / bins);
  const r = n % bins;
  const big = r * (q + 1);
  return j < big ? Math.floor(j / (q + 1)) : r + Math.floor((j - big) / q);
}

/**
 * Per-bin counts of members taken in `order`; `copies[i]` (default 1) is how many times member i
 * is present (a bootstrap replicate), each copy one row of the NTILE.
 */
export function binCounts(order: Int32Array, treated: Uint8Array, churned: Uint8Array, bins: number, copies?: Uint32Array): UpliftBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a whole number >= 1, got ${bins}`);
  let n = 0;
  if (copies) for (const c of copies) n += c;
  else n = order.length;
  const out: UpliftBin[] = Array.from({ length: Math.min(bins, Math.max(1, n)) }, () => ({ treated: 0, control: 0, treatedChurned: 0, controlChurned: 0 }));
  const B = out.length;
  let j = 0;
  for (const i of order) {
    const times = copies ? (copies[i] as number) : 1;
    for (let c = 0; c < times; c++, j++) {
      const b = out[ntileBin(j, n, B)] as UpliftBin;
      if (treated[i]) {
        b.treated++;
        b.treatedChurned += churned[i] as number;
      } else {
        b.control++;
        b.controlChurned += churned[i] as number;
      }
    }
  }
  return out;
}

export interface BootstrapResult {
  /** Per ranking: the replicates' Qini coefficients, AUUCs and top-30 % uplifts (NaN when undefined). */
  readonly qini: Float64Array[];
  readonly auuc: Float64Array[];
  readonly upliftAt30: Float64Array[];
}

/**
 * Stratified bootstrap of several rankings of the same members (paired: one resample serves all
 * rankings). Deterministic for the seed.
 */
export function bootstrapUplift(orders: readonly Int32Array[], treated: Uint8Array, churned: Uint8Array, bins: number, replicates: number, seed: number): BootstrapResult {
  const n = treated.length;
  const treatedIdx: number[] = [];
  const controlIdx: number[] = [];
  for (let i = 0; i < n; i++) (treated[i] ? treatedIdx : controlIdx).push(i);
  const rng = new Rng(seed, 7_707);
  const copies = new Uint32Array(n);
  const result: BootstrapResult = {
    qini: orders.map(() => new Float64Array(replicates)),
    auuc: orders.map(() => new Float64Array(replicates)),
    upliftAt30: orders.map(() => new Float64Array(replicates)),
  };
  for (let r = 0; r < replicates; r++) {
    copies.fill(0);
    for (const arm of [treatedIdx, controlIdx]) for (let k = 0; k < arm.length; k++) copies[arm[rng.int(0, arm.length - 1)] as number]!++;
    orders.forEach((order, o) => {
      const s = curveFromBins(binCounts(order, treated, churned, bins, copies));
      (result.qini[o] as Float64Array)[r] = s.qini;
      (result.auuc[o] as Float64Array)[r] = s.auuc;
      (result.upliftAt30[o] as Float64Array)[r] = s.upliftAt30 ?? Number.NaN;
    });
  }
  return result;
}

/** Percentile interval of replicate values (NaNs left out); null when none is defined. */
export function percentileInterval(values: Float64Array, level = 0.95): Interval | null {
  const kept = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  if (kept.length === 0) return null;
  const tail = (1 - level) / 2;
  return [quantileSorted(kept, tail), quantileSorted(kept, 1 - tail)];
}

/** Element-wise a − b of two replicate series (paired differences). */
export function differences(a: Float64Array, b: Float64Array): Float64Array {
  return Float64Array.from(a, (v, i) => v - (b[i] as number));
}
