import { zForLevel } from '../survival/normal.ts';

/** A two-sided confidence interval [lower, upper]. */
export type Interval = readonly [lower: number, upper: number];

/**
 * Wilson score interval for a proportion k/n (Wilson 1927; Newcombe 1998, method 3):
 *   centre = (p + z²/2n) / (1 + z²/n),  half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
 * Unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0 and 1,
 * which matters for churn rates of a few percent on small arms.
 */
export function wilsonInterval(k: number, n: number, level = 0.95): Interval {
  if (!(n > 0) || k < 0 || k > n) throw new RangeError(`wilsonInterval needs 0 <= k <= n, n > 0 (got ${k}/${n})`);
  const z = zForLevel(level);
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At k = 0 or k = n the bound is exactly 0 or 1; rounding must not move it past.
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

/**
 * Newcombe's hybrid score interval for a difference of proportions p1 − p2 with independent
 * samples (Newcombe 1998, method 10), built from each proportion's Wilson interval (l, u):
 *   lower = d − √((p1 − l1)² + (u2 − p2)²),  upper = d + √((u1 − p1)² + (p2 − l2)²).
 */
export function newcombeInterval(k1: number, n1: number, k2: number, n2: number, level = 0.95): Interval {
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const [l1, u1] = wilsonInterval(k1, n1, level);
  const [l2, u2] = wilsonInterval(k2, n2, level);
  const d = p1 - p2;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)];
}
