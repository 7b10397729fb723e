import { describe, expect, it } from 'vitest';
import { Categorical, Rng } from './random.ts';

function moments(draw: () => number, n = 40_000): { mean: number; variance: number } {
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean };
}

describe('seeded samplers', () => {
  it('streams are reproducible and independent', () => {
    const a = new Rng(42, 7);
    const b = new Rng(42, 7);
    const c = new Rng(42, 8);
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs);
    expect(new Rng(2 ** 40, 1).u32()).not.toBe(new Rng(0, 1).u32()); // high seed bits count
  });

  it('uniform, normal, lognormal, Poisson and binomial have the right moments', () => {
    const r = new Rng(1, 1);
    const u = moments(() => r.uniform());
    expect(u.mean).toBeCloseTo(0.5, 2);
    expect(u.variance).toBeCloseTo(1 / 12, 2);
    const z = moments(() => r.normal());
    expect(Math.abs(z.mean)).toBeLessThan(0.02);
    expect(z.variance).toBeCloseTo(1, 1);
    const ln = moments(() => Math.log(r.lognormal(2, 0.5)));
    expect(ln.mean).toBeCloseTo(2, 1);
    for (const lambda of [0.3, 4, 55]) {
      const p = moments(() => r.poisson(lambda));
      expect(p.mean / lambda).toBeGreaterThan(0.97);
      expect(p.mean / lambda).toBeLessThan(1.03);
      expect(p.variance / lambda).toBeGreaterThan(0.9);
      expect(p.variance / lambda).toBeLessThan(1.1);
    }
    for (const [n, p] of [[10, 0.3], [200, 0.02], [500, 0.4]] as const) {
      const b = moments(() => r.binomial(n, p));
      expect(b.mean / (n * p)).toBeGreaterThan(0.96);
      expect(b.mean / (n * p)).toBeLessThan(1.04);
    }
    for (let i = 0; i < 1000; i++) expect(r.binomial(30, 0.9)).toBeLessThanOrEqual(30);
  });

  it('categorical follows its weights', () => {
    const r = new Rng(3, 3);
    const cat = new Categorical(['a', 'b', 'c'] as const, [1, 2, 7]);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 30_000; i++) counts[cat.sample(r)]++;
    expect(counts.a / 30_000).toBeCloseTo(0.1, 1);
    expect(counts.c / 30_000).toBeCloseTo(0.7, 1);
    expect(() => new Categorical(['a'], [0])).toThrow();
  });
});

describe('number text', () => {
  it('writes tenths and money as plain decimals', async () => {
    const { tenths, dec1, money } = await import('./format.ts');
    expect([tenths(0), tenths(7), tenths(10), tenths(123), tenths(-4)]).toEqual(['0', '0.7', '1', '12.3', '0']);
    expect([dec1(0.04), dec1(2.25), dec1(1e7 + 0.06)]).toEqual(['0', '2.3', '10000000.1']);
    expect([money(0), money(1.005), money(12.3), money(-1), money(99.999)]).toEqual(['0.00', '1.00', '12.30', '0.00', '100.00']);
  });
});
