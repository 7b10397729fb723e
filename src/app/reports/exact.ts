/**
 * Exact arithmetic for report figures. The store sums money in DECIMAL (exact); the only
 * divisions (a mean of up to 3 bills, ARPU, churn rate) are done here on BigInt rationals
 * and rounded once, half-up, when a figure is shown. No figure ever passes through a float
 * before it is rounded.
 */
import type { SqlValue } from '../../store/port.ts';

/** Money in the store is DECIMAL(18,6): one unit = 10^6 micros. */
export const MICROS_PER_UNIT = 1_000_000n;

/** An exact decimal (as the store returns DECIMAL: text) in micros; null/blank = 0. */
export function toMicros(value: SqlValue | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value * MICROS_PER_UNIT;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`money must come from the store as exact text, got ${value}`);
    return BigInt(value) * MICROS_PER_UNIT;
  }
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(String(value));
  if (!m) throw new RangeError(`not an exact decimal with at most 6 places: ${String(value)}`);
  const micros = BigInt(m[2] ?? '0') * MICROS_PER_UNIT + BigInt((m[3] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -micros : micros;
}

/** A count from the store (integers may arrive as number, bigint or numeric text). */
export function toCount(value: SqlValue | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new RangeError(`not an integer count: ${String(value)}`);
}

/**
 * num/den rounded half-up (half away from zero) to `places` decimals, as fixed-point text.
 * Report figures are never negative, where half-up and half-away-from-zero agree.
 */
export function divideHalfUp(num: bigint, den: bigint, places: number): string {
  if (den === 0n) throw new RangeError('division by zero');
  const negative = num < 0n !== den < 0n && num !== 0n;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  const scale = 10n ** BigInt(places);
  const scaled = (2n * n * scale + d) / (2n * d); // floor(n·scale/d + 1/2)
  const whole = (scaled / scale).toString();
  const frac = places > 0 ? '.' + (scaled % scale).toString().padStart(places, '0') : '';
  return `${negative && scaled !== 0n ? '-' : ''}${whole}${frac}`;
}

/**
 * revenue_lost of a group of churners: Σ over churners of the mean of their latest n ≤ 3
 * bills. With S_n = Σ of the bill totals of churners that have n bills, the sum is
 * S1 + S2/2 + S3/3 = (6·S1 + 3·S2 + 2·S3) / 6, exact, then rounded once to cents.
 */
export interface RevenueBasis {
  /** Σ of bill totals (DECIMAL text) of churners with exactly 1, 2 and 3 counted bills. */
  readonly s1: SqlValue | undefined;
  readonly s2: SqlValue | undefined;
  readonly s3: SqlValue | undefined;
}

export function revenueLost(basis: RevenueBasis): string {
  const sixths = 6n * toMicros(basis.s1) + 3n * toMicros(basis.s2) + 2n * toMicros(basis.s3);
  return divideHalfUp(sixths, 6n * MICROS_PER_UNIT, 2);
}

/** ARPU = Σ revenue / ((opening + closing) / 2), in money units to 2 places; null when no accounts. */
export function arpu(revenue: SqlValue | undefined, opening: bigint, closing: bigint): string | null {
  const accounts = opening + closing;
  if (accounts === 0n) return null;
  return divideHalfUp(2n * toMicros(revenue), accounts * MICROS_PER_UNIT, 2);
}

/** Churn rate as a ratio to 6 places; null when the month opened with no accounts (rate undefined). */
export function churnRate(churned: bigint, opening: bigint): string | null {
  return opening === 0n ? null : divideHalfUp(churned, opening, 6);
}

/** A group's revenue lost in sixths of a micro (what revenueLost rounds): 6·S1 + 3·S2 + 2·S3. */
export function revenueLostSixths(basis: RevenueBasis): bigint {
  return 6n * toMicros(basis.s1) + 3n * toMicros(basis.s2) + 2n * toMicros(basis.s3);
}

/** One cent in sixths of a micro. */
const SIXTHS_PER_CENT = 6n * (MICROS_PER_UNIT / 100n);

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};

/**
 * Exact amounts (in sixths of a micro) shown to the cent so that they add up to their total as
 * the totals report rounds it (half-up, once): each part is rounded down, and the cents still
 * missing go one each to the parts with the largest remainders (earlier parts first on ties;
 * the largest-remainder method). Every part stays within one cent of its exact amount, and a
 * breakdown of a month (by competitor, by reason group) sums to that month's revenue lost.
 */
export function apportionCents(parts: readonly bigint[]): string[] {
  const total = parts.reduce((s, p) => s + p, 0n);
  const target = toMicros(divideHalfUp(total, 6n * MICROS_PER_UNIT, 2)) / (MICROS_PER_UNIT / 100n);
  const floors = parts.map((p) => floorDiv(p, SIXTHS_PER_CENT));
  let missing = target - floors.reduce((s, f) => s + f, 0n);
  const order = parts
    .map((p, i) => ({ i, rest: p - (floors[i] as bigint) * SIXTHS_PER_CENT }))
    .sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1));
  const cents = [...floors];
  for (const { i } of order) {
    if (missing <= 0n) break;
    cents[i] = (cents[i] as bigint) + 1n;
    missing -= 1n;
  }
  return cents.map((c) => divideHalfUp(c, 100n, 2));
}
