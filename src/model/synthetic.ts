import type { ColumnSet } from './columns.ts';
import { Rng } from './random.ts';

/**
 * A reproducible numeric churn-like problem for tests and benchmarks: standard-normal
 * features (the last 5 % missing in every third feature), label drawn from a logistic model
 * with interactions and thresholds so trees of depth > 1 matter.
 */
export function syntheticSet(rows: number, features: number, seed: number): { set: ColumnSet; label: Uint8Array } {
  const rng = new Rng(seed);
  const cols = Array.from({ length: features }, () => new Float64Array(rows));
  const label = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < features; f++) cols[f]![i] = rng.normal();
    const x = (f: number) => (f < features ? (cols[f]![i] as number) : 0);
    const z = 0.8 * x(0) - 0.6 * x(1) + 0.9 * (x(2) > 0.5 ? 1 : 0) * x(3) + 0.5 * x(4) * x(5) - 0.7 * Math.abs(x(6)) + 0.3 * Math.sin(2 * x(7)) - 0.8;
    label[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    for (let f = 0; f < features; f += 3) if (rng.next() < 0.05) cols[f]![i] = Number.NaN;
  }
  return {
    set: { rowCount: rows, columns: cols.map((values, f) => ({ kind: 'numeric' as const, name: `x${f}`, values })) },
    label,
  };
}
