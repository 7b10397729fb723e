/**
 * Phase timings for benches (bench/postgres.ts): with TENURE_PROFILE=1 in the environment, each
 * timed phase writes one JSON line to stderr, `{"profile":"<phase>","file":"<file>","s":<wall s>}`;
 * without it, `timedPhase` only runs the work. The import (app/import) and the PostgreSQL file
 * reader (postgres/file-reader.ts) name their phases; the bench sums them per file.
 */

const enabled = (): boolean => process.env.TENURE_PROFILE === '1';

/** Writes one phase's wall seconds (nothing unless TENURE_PROFILE=1). */
export function notePhase(phase: string, file: string, seconds: number): void {
  if (!enabled()) return;
  process.stderr.write(`${JSON.stringify({ profile: phase, file, s: Number(seconds.toFixed(4)) })}\n`);
}

/** Runs `work`, noting its wall seconds as `phase` of `file` (thrown errors pass through, untimed). */
export async function timedPhase<T>(phase: string, file: string, work: () => Promise<T>): Promise<T> {
  if (!enabled()) return work();
  const t0 = performance.now();
  const result = await work();
  notePhase(phase, file, (performance.now() - t0) / 1000);
  return result;
}
