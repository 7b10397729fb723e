import { describe, expect, it } from 'vitest';
import { calibrate, fitIsotonic, fitPlatt } from './calibration.ts';
import { averagePrecision, brierScore, gainsTable, rocAuc, topDecileLift } from './metrics.ts';

describe('metrics on hand-computed cases', () => {
  it('ROC AUC: plain and with ties counted one half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    // positive 0.9 beats both negatives (2 pairs); positive 0.5 ties both (2 × ½) → 3/4
    expect(rocAuc([0.5, 0.5, 0.5, 0.9], [0, 1, 0, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.3, 0.3], [0, 1])).toBeCloseTo(0.5, 12);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });

  it('average precision as scikit-learn, ties as one threshold', () => {
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(averagePrecision([0.5, 0.5, 0.9], [1, 0, 1])).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
  });

  it('Brier score', () => {
    expect(brierScore([0.9, 0.2], [1, 0])).toBeCloseTo(0.025, 12);
  });

  it('gains table and top-decile lift', () => {
    const scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const label = [1, 0, 1, 0, 0, 0, 0, 1, 0, 0];
    expect(topDecileLift(scores, label)).toBeCloseTo(1 / 0.3, 12);
    const g = gainsTable(scores, label);
    expect(g.map((r) => r.rows)).toEqual(new Array(10).fill(1));
    expect(g[2]?.cumulativeCapture).toBeCloseTo(2 / 3, 12);
    expect(g[9]?.cumulativeLift).toBeCloseTo(1, 12);
  });
});

describe('calibration', () => {
  it('isotonic (PAV) pools violators, ties and equal means', () => {
    const c = fitIsotonic(Float64Array.from([1, 2, 3, 4]), Uint8Array.from([1, 0, 1, 1]));
    expect(c.x).toEqual([1.5, 3.5]);
    expect(c.y).toEqual([0.5, 1]);
    expect(calibrate(c, 0)).toBe(0.5);
    expect(calibrate(c, 2.5)).toBeCloseTo(0.75, 12);
    expect(calibrate(c, 9)).toBe(1);
  });

  it('Platt recovers a logistic relation and keeps the order', () => {
    const n = 4000;
    const m = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      m[i] = -4 + (8 * i) / n;
      // deterministic labels with P(y=1) = sigmoid(2m − 1) via a low-discrepancy sequence
      y[i] = (i * 0.6180339887) % 1 < 1 / (1 + Math.exp(-(2 * (m[i] as number) - 1))) ? 1 : 0;
    }
    const c = fitPlatt(m, y);
    expect(c.a).toBeGreaterThan(1.7);
    expect(c.a).toBeLessThan(2.3);
    expect(c.b).toBeGreaterThan(-1.3);
    expect(c.b).toBeLessThan(-0.7);
  });
});
