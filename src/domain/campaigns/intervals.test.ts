import { describe, expect, it } from 'vitest';
import { newcombeInterval, wilsonInterval } from './intervals.ts';

// Published values: Newcombe RG (1998a), "Two-sided confidence intervals for the single proportion:
// comparison of seven methods", Stat Med 17:857–872, Table II (method 3, Wilson score, no continuity
// correction); Newcombe RG (1998b), "Interval estimation for the difference between independent
// proportions: comparison of eleven methods", Stat Med 17:873–890, Table II (method 10).
describe('wilsonInterval (Newcombe 1998a, method 3)', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i gives %f to %f', (k, n, lo, hi) => {
    const [l, u] = wilsonInterval(k, n);
    expect(l).toBeCloseTo(lo, 4);
    expect(u).toBeCloseTo(hi, 4);
  });

  it('stays inside [0, 1] and is exact at the ends', () => {
    expect(wilsonInterval(0, 1)[0]).toBe(0);
    expect(wilsonInterval(5, 5)[1]).toBe(1);
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
  });
});

describe('newcombeInterval (Newcombe 1998b, method 10)', () => {
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
  ])('%i/%i − %i/%i gives %f to %f', (k1, n1, k2, n2, lo, hi) => {
    const [l, u] = newcombeInterval(k1, n1, k2, n2);
    expect(l).toBeCloseTo(lo, 4);
    expect(u).toBeCloseTo(hi, 4);
  });

  it('is antisymmetric: swapping the samples mirrors the interval', () => {
    const [l, u] = newcombeInterval(12, 400, 30, 380);
    const [l2, u2] = newcombeInterval(30, 380, 12, 400);
    expect(l2).toBeCloseTo(-u, 12);
    expect(u2).toBeCloseTo(-l, 12);
  });
});
