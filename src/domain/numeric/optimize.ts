/**
 * Small derivative-free minimiser shared by the retention fit (sBG) and the forecast
 * (Holt-Winters smoothing parameters). Both objectives are smooth and low-dimensional, so
 * Nelder-Mead with restarts is robust enough, and a Newton polish with numerical
 * derivatives takes the optimum to full precision where the objective is smooth.
 */

export type Objective = (x: readonly number[]) => number;

export interface MinimizeResult {
  readonly x: number[];
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate (default 0.5). */
  readonly step?: number;
  readonly maxIterations?: number;
  /** Stop when the simplex spread in value and position falls below these. */
  readonly fTolerance?: number;
  readonly xTolerance?: number;
}

/** Non-finite objective values count as +Infinity so the simplex moves away from them. */
function safe(f: Objective): Objective {
  return (x) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
}

/**
 * Nelder-Mead (standard coefficients 1, 2, 0.5, 0.5). Vertices live in one Float64Array and
 * are kept ordered by insertion, so an iteration allocates nothing: the forecast backtest
 * runs thousands of these fits.
 */
export function nelderMead(f: Objective, start: readonly number[], options: NelderMeadOptions = {}): MinimizeResult {
  const fn = safe(f);
  const n = start.length;
  const step = options.step ?? 0.5;
  const maxIterations = options.maxIterations ?? 2000 * n;
  const fTol = options.fTolerance ?? 1e-12;
  const xTol = options.xTolerance ?? 1e-10;

  const pts = new Float64Array((n + 1) * n); // vertex i at [i*n, i*n + n)
  const vals = new Float64Array(n + 1);
  const order = Int32Array.from({ length: n + 1 }, (_, i) => i); // vertex indices, best first
  const centroid = new Float64Array(n);
  const trial = new Float64Array(n);
  const trial2 = new Float64Array(n);
  const args: number[] = new Array<number>(n).fill(0);
  const evaluate = (x: Float64Array): number => {
    for (let j = 0; j < n; j++) args[j] = x[j] as number;
    return fn(args);
  };
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j < n; j++) pts[i * n + j] = (start[j] ?? 0) + (i === j + 1 ? step : 0);
    vals[i] = evaluate(pts.subarray(i * n, i * n + n));
  }
  const sortOrder = () => {
    for (let a = 1; a <= n; a++) {
      const v = order[a] as number;
      let b = a - 1;
      while (b >= 0 && (vals[order[b] as number] as number) > (vals[v] as number)) {
        order[b + 1] = order[b] as number;
        b--;
      }
      order[b + 1] = v;
    }
  };
  const replaceWorst = (x: Float64Array, value: number) => {
    const w = order[n] as number;
    pts.set(x, w * n);
    vals[w] = value;
  };
  /** trial = centroid + t (worst − centroid) */
  const along = (t: number, out: Float64Array) => {
    const w = (order[n] as number) * n;
    for (let j = 0; j < n; j++) out[j] = (centroid[j] as number) + t * ((pts[w + j] as number) - (centroid[j] as number));
    return out;
  };

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    sortOrder();
    const bi = (order[0] as number) * n;
    const best = vals[order[0] as number] as number;
    const worst = vals[order[n] as number] as number;
    let spread = 0;
    for (let i = 1; i <= n; i++) {
      const vi = (order[i] as number) * n;
      for (let j = 0; j < n; j++) spread = Math.max(spread, Math.abs((pts[vi + j] as number) - (pts[bi + j] as number)));
    }
    if (Math.abs(worst - best) <= fTol * (Math.abs(best) + fTol) && spread <= xTol) {
      converged = true;
      break;
    }
    centroid.fill(0);
    for (let i = 0; i < n; i++) {
      const vi = (order[i] as number) * n;
      for (let j = 0; j < n; j++) centroid[j] = (centroid[j] as number) + (pts[vi + j] as number) / n;
    }
    const fr = evaluate(along(-1, trial));
    if (fr < best) {
      const fe = evaluate(along(-2, trial2));
      if (fe < fr) replaceWorst(trial2, fe);
      else replaceWorst(trial, fr);
      continue;
    }
    if (fr < (vals[order[n - 1] as number] as number)) {
      replaceWorst(trial, fr);
      continue;
    }
    const fc = evaluate(along(fr < worst ? -0.5 : 0.5, trial2));
    if (fc < Math.min(fr, worst)) {
      replaceWorst(trial2, fc);
      continue;
    }
    // Shrink towards the best point.
    for (let i = 1; i <= n; i++) {
      const vi = (order[i] as number) * n;
      for (let j = 0; j < n; j++) pts[vi + j] = (pts[bi + j] as number) + 0.5 * ((pts[vi + j] as number) - (pts[bi + j] as number));
      vals[order[i] as number] = evaluate(pts.subarray(vi, vi + n));
    }
  }
  sortOrder();
  const b = order[0] as number;
  return { x: Array.from(pts.subarray(b * n, b * n + n)), value: vals[b] as number, iterations, converged };
}

/** Nelder-Mead from several starts; keeps the best, restarting once from it to escape a collapsed simplex. */
export function minimizeWithRestarts(
  f: Objective,
  starts: readonly (readonly number[])[],
  options: NelderMeadOptions = {},
): MinimizeResult {
  let best: MinimizeResult | null = null;
  for (const start of starts) {
    const first = nelderMead(f, start, options);
    const again = nelderMead(f, first.x, { ...options, step: (options.step ?? 0.5) / 10 });
    const r = again.value <= first.value ? again : first;
    if (best === null || r.value < best.value) best = { ...r, iterations: r.iterations + first.iterations };
  }
  if (best === null) throw new RangeError('minimizeWithRestarts needs at least one start');
  return best;
}

/**
 * Newton steps with central-difference gradient and Hessian, with step halving so the value
 * never gets worse. Used to polish an optimum found by Nelder-Mead; returns the input when
 * the Hessian is not positive definite there.
 */
export function newtonPolish(f: Objective, start: readonly number[], maxSteps = 20, h = 1e-4): MinimizeResult {
  const fn = safe(f);
  let x = start.slice();
  let fx = fn(x);
  const n = x.length;
  let steps = 0;
  for (; steps < maxSteps; steps++) {
    const g = new Array<number>(n).fill(0);
    const H: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const at = (d: readonly [number, number][]): number => {
      const p = x.slice();
      for (const [i, v] of d) p[i] = (p[i] ?? 0) + v;
      return fn(p);
    };
    for (let i = 0; i < n; i++) {
      const fp = at([[i, h]]);
      const fm = at([[i, -h]]);
      g[i] = (fp - fm) / (2 * h);
      (H[i] as number[])[i] = (fp - 2 * fx + fm) / (h * h);
      for (let j = 0; j < i; j++) {
        const v = (at([[i, h], [j, h]]) - at([[i, h], [j, -h]]) - at([[i, -h], [j, h]]) + at([[i, -h], [j, -h]])) / (4 * h * h);
        (H[i] as number[])[j] = v;
        (H[j] as number[])[i] = v;
      }
    }
    const dir = solveSpd(H, g);
    if (dir === null) break;
    let t = 1;
    let improved = false;
    while (t > 1e-6) {
      const cand = x.map((v, i) => v - t * (dir[i] ?? 0));
      const fc = fn(cand);
      if (fc <= fx) {
        improved = fc < fx;
        x = cand;
        fx = fc;
        break;
      }
      t /= 2;
    }
    if (!improved || Math.max(...dir.map((d) => Math.abs(d * t))) < 1e-12) break;
  }
  return { x, value: fx, iterations: steps, converged: true };
}

/** Solves H d = g by Cholesky; null when H is not positive definite. */
function solveSpd(H: readonly (readonly number[])[], g: readonly number[]): number[] | null {
  const n = g.length;
  const L: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = H[i]?.[j] ?? 0;
      for (let k = 0; k < j; k++) s -= (L[i]?.[k] ?? 0) * (L[j]?.[k] ?? 0);
      if (i === j) {
        if (!(s > 0)) return null;
        (L[i] as number[])[i] = Math.sqrt(s);
      } else {
        (L[i] as number[])[j] = s / (L[j]?.[j] ?? 1);
      }
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = g[i] ?? 0;
    for (let k = 0; k < i; k++) s -= (L[i]?.[k] ?? 0) * (y[k] ?? 0);
    y[i] = s / (L[i]?.[i] ?? 1);
  }
  const d = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] ?? 0;
    for (let k = i + 1; k < n; k++) s -= (L[k]?.[i] ?? 0) * (d[k] ?? 0);
    d[i] = s / (L[i]?.[i] ?? 1);
  }
  return d;
}
