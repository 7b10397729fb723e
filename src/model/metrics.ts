/** Binary classification metrics over scores (higher = more likely positive) and 0/1 labels. */

function countPositives(label: ArrayLike<number>): number {
  let p = 0;
  for (let i = 0; i < label.length; i++) p += label[i] ? 1 : 0;
  return p;
}

/** Row indices by descending score; ties keep row order so results are reproducible. */
function descending(scores: ArrayLike<number>): Uint32Array {
  const idx = Uint32Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

/** ROC AUC by the rank-sum (Mann-Whitney) formula; tied scores count one half. NaN with one class. */
export function rocAuc(scores: ArrayLike<number>, label: ArrayLike<number>): number {
  const n = scores.length;
  const pos = countPositives(label);
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  const order = descending(scores);
  // Walk groups of tied scores from the top: each positive-negative pair ordered correctly adds 1.
  let negAbove = 0;
  let sum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    let p = 0;
    let q = 0;
    const s = scores[order[i] as number] as number;
    while (j < n && scores[order[j] as number] === s) {
      if (label[order[j] as number]) p++;
      else q++;
      j++;
    }
    // Positives in this group rank below negAbove negatives and tie with q of them.
    sum += p * (neg - negAbove - q) + 0.5 * p * q;
    negAbove += q;
    i = j;
  }
  return sum / (pos * neg);
}

/** Average precision (area under the precision-recall curve as a step sum over distinct thresholds, as scikit-learn). */
export function averagePrecision(scores: ArrayLike<number>, label: ArrayLike<number>): number {
  const n = scores.length;
  const pos = countPositives(label);
  if (pos === 0) return Number.NaN;
  const order = descending(scores);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let i = 0;
  while (i < n) {
    const s = scores[order[i] as number] as number;
    let groupTp = 0;
    while (i < n && scores[order[i] as number] === s) {
      if (label[order[i] as number]) groupTp++;
      seen++;
      i++;
    }
    tp += groupTp;
    ap += (groupTp / pos) * (tp / seen);
  }
  return ap;
}

export function brierScore(probability: ArrayLike<number>, label: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probability.length; i++) {
    const d = (probability[i] as number) - (label[i] ? 1 : 0);
    s += d * d;
  }
  return s / probability.length;
}

export interface GainsRow {
  decile: number;
  rows: number;
  positives: number;
  /** Positive rate within the decile. */
  rate: number;
  /** Decile rate / overall rate. */
  lift: number;
  cumulativeLift: number;
  /** Share of all positives captured down to this decile. */
  cumulativeCapture: number;
  minScore: number;
  maxScore: number;
}

/**
 * Lift/gains by decile of descending score. Decile d holds rows [round(d·n/10), round((d+1)·n/10))
 * of the ordering; tied scores are ordered by row so the table is reproducible.
 */
export function gainsTable(scores: ArrayLike<number>, label: ArrayLike<number>, groups = 10): GainsRow[] {
  const n = scores.length;
  const pos = countPositives(label);
  const base = pos / n;
  const order = descending(scores);
  const out: GainsRow[] = [];
  let cumRows = 0;
  let cumPos = 0;
  for (let d = 0; d < groups; d++) {
    const from = Math.round((d * n) / groups);
    const to = Math.round(((d + 1) * n) / groups);
    let p = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = from; k < to; k++) {
      const r = order[k] as number;
      if (label[r]) p++;
      const s = scores[r] as number;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const rows = to - from;
    cumRows += rows;
    cumPos += p;
    const rate = rows > 0 ? p / rows : 0;
    out.push({
      decile: d + 1,
      rows,
      positives: p,
      rate,
      lift: base > 0 ? rate / base : Number.NaN,
      cumulativeLift: base > 0 && cumRows > 0 ? cumPos / cumRows / base : Number.NaN,
      cumulativeCapture: pos > 0 ? cumPos / pos : Number.NaN,
      minScore: rows > 0 ? min : Number.NaN,
      maxScore: rows > 0 ? max : Number.NaN,
    });
  }
  return out;
}

/** Positive rate among the top 10 % of scores over the overall positive rate. */
export function topDecileLift(scores: ArrayLike<number>, label: ArrayLike<number>): number {
  return gainsTable(scores, label)[0]?.lift ?? Number.NaN;
}

export interface Evaluation {
  auc: number;
  pr_auc: number;
  lift_top10: number;
  brier: number;
  rows: number;
}

export function evaluateScores(probability: ArrayLike<number>, label: ArrayLike<number>): Evaluation {
  return {
    auc: rocAuc(probability, label),
    pr_auc: averagePrecision(probability, label),
    lift_top10: topDecileLift(probability, label),
    brier: brierScore(probability, label),
    rows: probability.length,
  };
}
