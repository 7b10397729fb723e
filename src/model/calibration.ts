/**
 * Maps a raw margin to a calibrated probability, fitted on held-out rows. Platt keeps the
 * ranking (a monotone logistic map of the margin); isotonic (pool-adjacent-violators) is
 * free-form monotone, interpolated linearly between block centres.
 */
export type Calibration =
  | { kind: 'none' }
  | { kind: 'platt'; a: number; b: number }
  | { kind: 'isotonic'; x: number[]; y: number[] };

export type CalibrationKind = Calibration['kind'];

export function calibrate(c: Calibration, margin: number): number {
  switch (c.kind) {
    case 'none':
      return 1 / (1 + Math.exp(-margin));
    case 'platt':
      return 1 / (1 + Math.exp(-(c.a * margin + c.b)));
    case 'isotonic':
      return interpolate(c.x, c.y, margin);
  }
}

export function calibrateAll(c: Calibration, margins: Float64Array): Float64Array {
  const out = new Float64Array(margins.length);
  for (let i = 0; i < margins.length; i++) out[i] = calibrate(c, margins[i] as number);
  return out;
}

function interpolate(x: readonly number[], y: readonly number[], v: number): number {
  const n = x.length;
  if (n === 0) return 0.5;
  if (v <= (x[0] as number)) return y[0] as number;
  if (v >= (x[n - 1] as number)) return y[n - 1] as number;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((x[mid] as number) <= v) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo] as number;
  const x1 = x[hi] as number;
  const t = x1 > x0 ? (v - x0) / (x1 - x0) : 0;
  return (y[lo] as number) + t * ((y[hi] as number) - (y[lo] as number));
}

export function fitCalibration(kind: CalibrationKind, margins: Float64Array, label: Uint8Array): Calibration {
  if (kind === 'none') return { kind };
  return kind === 'platt' ? fitPlatt(margins, label) : fitIsotonic(margins, label);
}

/**
 * Pool-adjacent-violators on (score, label) sorted by score; ties in score are pooled first.
 * Returns one point per block at the block's mean score.
 */
export function fitIsotonic(scores: Float64Array, label: Uint8Array): Calibration & { kind: 'isotonic' } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b);
  const sumY: number[] = [];
  const sumX: number[] = [];
  const weight: number[] = [];
  let k = -1;
  for (let i = 0; i < n; i++) {
    const idx = order[i] as number;
    const x = scores[idx] as number;
    const y = label[idx] ? 1 : 0;
    if (k >= 0 && i > 0 && (scores[order[i - 1] as number] as number) === x) {
      sumY[k]! += y;
      sumX[k]! += x;
      weight[k]! += 1;
    } else {
      k++;
      sumY[k] = y;
      sumX[k] = x;
      weight[k] = 1;
    }
    // Merge backwards while the means decrease.
    while (k > 0 && (sumY[k - 1] as number) / (weight[k - 1] as number) >= (sumY[k] as number) / (weight[k] as number)) {
      sumY[k - 1]! += sumY[k] as number;
      sumX[k - 1]! += sumX[k] as number;
      weight[k - 1]! += weight[k] as number;
      k--;
    }
    sumY.length = sumX.length = weight.length = k + 1;
  }
  return {
    kind: 'isotonic',
    x: sumX.map((s, i) => s / (weight[i] as number)),
    y: sumY.map((s, i) => s / (weight[i] as number)),
  };
}

/** Platt scaling: logistic regression of the label on the margin, by Newton's method, with Platt's target smoothing. */
export function fitPlatt(margins: Float64Array, label: Uint8Array): Calibration & { kind: 'platt' } {
  const n = margins.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += label[i] ? 1 : 0;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (n - pos + 2);
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    for (let i = 0; i < n; i++) {
      const m = margins[i] as number;
      const t = label[i] ? hi : lo;
      const p = 1 / (1 + Math.exp(-(a * m + b)));
      const d = p - t;
      const w = Math.max(p * (1 - p), 1e-12);
      ga += d * m;
      gb += d;
      haa += w * m * m;
      hab += w * m;
      hbb += w;
    }
    haa += 1e-9;
    hbb += 1e-9;
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  return { kind: 'platt', a, b };
}
