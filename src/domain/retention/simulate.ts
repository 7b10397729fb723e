import type { SbgParameters } from './sbg.ts';

/** Uniform [0, 1) source, e.g. a seeded generator's `next`. */
export type Uniform = () => number;

function standardNormal(u: Uniform): number {
  const a = 1 - u();
  const b = u();
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 via the U^(1/shape) boost. */
export function sampleGamma(shape: number, u: Uniform): number {
  if (shape < 1) return sampleGamma(shape + 1, u) * Math.pow(1 - u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = 1 - u();
    if (w < 1 - 0.0331 * x * x * x * x || Math.log(w) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, u: Uniform): number {
  const x = sampleGamma(alpha, u);
  const y = sampleGamma(beta, u);
  return x / (x + y);
}

/**
 * Alive counts of a simulated sBG cohort: each customer draws θ ~ Beta(α, β) and then churns
 * at the end of each period with probability θ. Returns n_0..n_periods.
 */
export function simulateSbgCohort(params: SbgParameters, size: number, periods: number, u: Uniform): number[] {
  const alive = new Array<number>(periods + 1).fill(0);
  for (let i = 0; i < size; i++) {
    const theta = sampleBeta(params.alpha, params.beta, u);
    alive[0] = (alive[0] ?? 0) + 1;
    for (let t = 1; t <= periods; t++) {
      if (u() < theta) break;
      alive[t] = (alive[t] ?? 0) + 1;
    }
  }
  return alive;
}
