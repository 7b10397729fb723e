import { describe, expect, it } from 'vitest';
import { seeded } from '../test-random.ts';
import { ExactSum, exactSum } from './exact-sum.ts';

describe('exactSum (math.fsum)', () => {
  it('gives the published math.fsum answers', () => {
    // Python documentation and test_math.py: fsum([.1] * 10) == 1.0, where sum() gives 0.9999999999999999.
    expect(exactSum(Array(10).fill(0.1))).toBe(1);
    expect(Array(10).fill(0.1).reduce((a, b) => a + b, 0)).toBe(0.9999999999999999);
    expect(exactSum([1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50])).toBe(1e-100);
    expect(exactSum([2.0 ** 53, -0.5, -(2.0 ** -54)])).toBe(2.0 ** 53 - 1.0);
    expect(exactSum([2.0 ** 53, 1.0, 2.0 ** -100])).toBe(2.0 ** 53 + 2.0);
    expect(exactSum([2.0 ** 53 + 10.0, 1.0, 2.0 ** -100])).toBe(2.0 ** 53 + 12.0);
    expect(exactSum([1.7976931348623157e308, -1.7976931348623157e308])).toBe(0);
    expect(exactSum([])).toBe(0);
    expect(exactSum([1, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
    expect(exactSum([1, Number.NaN])).toBeNaN();
  });

  it('does not depend on the order of the terms', () => {
    const rand = seeded(11);
    for (let trial = 0; trial < 50; trial++) {
      const xs = Array.from({ length: 200 }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 12));
      const reference = exactSum(xs);
      const shuffled = [...xs].sort(() => rand() - 0.5);
      expect(new ExactSum().add(0).value()).toBe(0);
      expect(exactSum(shuffled)).toBe(reference);
      expect(exactSum([...xs].reverse())).toBe(reference);
    }
  });
});
