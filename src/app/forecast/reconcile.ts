/**
 * Province forecasts that add up to the total (issue 19.6: they summed to 253.4 against 269.9).
 * Each province keeps the shape of its own forecast; per month every province's figures are
 * scaled by total / Σ provinces (proportional top-down reconciliation), and the totals are
 * rounded to cents by largest remainder so the provinces add up to the total to the cent.
 * When every province forecasts 0 but the total does not, the total is split by each
 * province's share of the exits in `weights` (its recent history).
 */
import type { ForecastRow } from './churn-forecast.ts';

export const RECONCILIATION =
  "proportional: per month each province's own forecast (total, voluntary, involuntary, interval) is scaled by the total forecast / the sum of the province forecasts, totals rounded to cents by largest remainder, so the provinces add up to the total";

const cents = (x: number) => Math.round(x * 100);

/** Splits `total` cents over `parts` in proportion, whole cents, adding up exactly (largest remainder). */
export function splitCents(total: number, parts: readonly number[]): number[] {
  const sum = parts.reduce((a, b) => a + Math.max(0, b), 0);
  if (parts.length === 0) return [];
  const raw = parts.map((p) => (sum > 0 ? (Math.max(0, p) / sum) * total : total / parts.length));
  const floor = raw.map(Math.floor);
  let left = total - floor.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floor[i] = (floor[i] as number) + 1;
    left--;
  }
  return floor;
}

export function reconcileToTotal(
  total: readonly ForecastRow[],
  provinces: readonly { province: string; forecast: ForecastRow[]; weight: number }[],
  perChurner: number,
): { province: string; forecast: ForecastRow[] }[] {
  const out = provinces.map((p) => ({ province: p.province, forecast: [] as ForecastRow[] }));
  total.forEach((t, m) => {
    const own = provinces.map((p) => p.forecast[m]?.total ?? 0);
    const ownSum = own.reduce((a, b) => a + b, 0);
    const basis = ownSum > 0 ? own : provinces.map((p) => p.weight);
    const split = splitCents(cents(t.total), basis);
    provinces.forEach((p, k) => {
      const f = p.forecast[m];
      const amount = (split[k] as number) / 100;
      const scale = f && f.total > 0 ? amount / f.total : 0;
      const volShare = f && f.total > 0 ? f.voluntary / f.total : t.total > 0 ? t.voluntary / t.total : 0.5;
      const voluntary = Math.round(amount * volShare * 100) / 100;
      out[k]?.forecast.push({
        month: t.month,
        voluntary,
        involuntary: Math.round((amount - voluntary) * 100) / 100,
        lower: f && scale > 0 ? Math.round(f.lower * scale * 100) / 100 : 0,
        upper: f && scale > 0 ? Math.round(f.upper * scale * 100) / 100 : amount,
        total: amount,
        expected_revenue_lost: Math.round(amount * perChurner * 100) / 100,
      });
    });
  });
  return out;
}
