import { describe, expect, it } from 'vitest';
import { apportionCents, arpu, churnRate, divideHalfUp, revenueLost, revenueLostSixths, toCount, toMicros } from './exact.ts';

describe('exact report arithmetic', () => {
  it('reads store decimals exactly', () => {
    expect(toMicros('10.01')).toBe(10_010_000n);
    expect(toMicros('0.000001')).toBe(1n);
    expect(toMicros('-2.5')).toBe(-2_500_000n);
    expect(toMicros(null)).toBe(0n);
    expect(toMicros(3)).toBe(3_000_000n);
    expect(() => toMicros('1e5')).toThrow(RangeError);
    expect(() => toMicros('1.0000001')).toThrow(RangeError);
    expect(() => toMicros(0.1)).toThrow(RangeError);
    expect(toCount('12')).toBe(12n);
  });

  it('rounds half-up exactly, including ties a float would get wrong', () => {
    expect(divideHalfUp(1n, 6n, 6)).toBe('0.166667');
    expect(divideHalfUp(5n, 1000n, 2)).toBe('0.01'); // 0.005 → 0.01
    expect(divideHalfUp(4n, 1000n, 2)).toBe('0.00');
    // 1.005 is 1.00499999999999989… as a double, so toFixed(2) gives 1.00; exact is 1.01.
    expect((1.005).toFixed(2)).toBe('1.00');
    expect(divideHalfUp(1005n, 1000n, 2)).toBe('1.01');
    expect(divideHalfUp(7n, 1n, 2)).toBe('7.00');
    expect(divideHalfUp(0n, 3n, 0)).toBe('0');
    expect(divideHalfUp(-5n, 1000n, 2)).toBe('-0.01');
  });

  it('sums means of 1, 2 and 3 bills as (6·S1 + 3·S2 + 2·S3) / 6 before rounding once', () => {
    // Three churners with three bills each: 30.01/3 + 60.01/3 + 14.01/3 = 104.03/3 = 34.6766… → 34.68.
    expect(revenueLost({ s1: null, s2: null, s3: '104.030000' })).toBe('34.68');
    // One bill of 1.00, two bills totalling 0.01 (mean 0.005), three totalling 0.01 (mean 0.00333…):
    // 1.00 + 0.005 + 0.003333… = 1.008333… → 1.01.
    expect(revenueLost({ s1: '1.00', s2: '0.01', s3: '0.01' })).toBe('1.01');
    expect(revenueLost({ s1: null, s2: null, s3: null })).toBe('0.00');
  });

  it('leaves ARPU and churn rate empty when they are undefined', () => {
    expect(arpu('100', 0n, 0n)).toBeNull();
    expect(arpu('191.0025', 8n, 5n)).toBe('29.39'); // 191.0025 / 6.5 = 29.385 exactly
    expect(churnRate(0n, 0n)).toBeNull();
    expect(churnRate(3n, 8n)).toBe('0.375000');
  });
});

describe('apportioning a month’s revenue lost over its parts', () => {
  const cent = 60_000n; // sixths of a micro per cent
  it('adds up to the total rounded once, each part within a cent of its exact amount', () => {
    // Three parts of 0.005 each: rounded alone 0.01 + 0.01 + 0.01 = 0.03, but the total 0.015 shows as 0.02.
    const half = cent / 2n;
    expect(apportionCents([half, half, half])).toEqual(['0.01', '0.01', '0.00']);
    expect(revenueLost({ s1: '0.015', s2: null, s3: null })).toBe('0.02');
    // 10.00333… + 20.00333… + 4.67 (the hand-checked May): total 34.6766… → 34.68; floors give
    // 34.67, and the missing cent goes to the first of the two equal remainders.
    const parts = [revenueLostSixths({ s1: null, s2: null, s3: '30.01' }), revenueLostSixths({ s1: null, s2: null, s3: '60.01' }), revenueLostSixths({ s1: null, s2: null, s3: '14.01' })];
    expect(apportionCents(parts)).toEqual(['10.01', '20.00', '4.67']);
    expect(apportionCents([0n, 0n])).toEqual(['0.00', '0.00']);
    expect(apportionCents([])).toEqual([]);
  });

  it('gives the missing cents to the largest remainders, negative amounts included', () => {
    expect(apportionCents([cent * 3n + 10n, cent + 40_000n, cent * 2n + 30_000n])).toEqual(['0.03', '0.02', '0.02']); // 3.0002 + 1.6667 + 2.5 cents = 7.17 → 7: the cent goes to 1.6667
    expect(apportionCents([-cent / 2n, cent])).toEqual(['0.00', '0.01']); // −0.005 + 0.01 = 0.005 → 0.01: floors −0.01 and 0.01, the cent to −0.005
  });
});
