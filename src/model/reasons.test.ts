import { describe, expect, it } from 'vitest';
import { seeded } from '../domain/test-random.ts';
import { describeFeature, formatReason, topContributions, topPositive } from './reasons.ts';

describe('reasons in words', () => {
  const dropped = { name: 'dropped_call_rate', label: { en: 'dropped-call rate', zh: '掉话率' }, reference: { value: 0.02, label: { en: 'region average', zh: '地区平均' } } };
  it('compares with a reference value', () => {
    expect(describeFeature(dropped, 0.062)).toBe('dropped-call rate 3.1× region average');
    expect(describeFeature(dropped, 0.062, 'zh')).toBe('掉话率为地区平均的3.1倍');
    expect(describeFeature(dropped, 0.021)).toBe('dropped-call rate 0.021 (region average 0.02)');
  });
  it('fills templates, names categories and missing values', () => {
    expect(describeFeature({ name: 'contract_months_left', template: { en: 'contract ends in {value} days', zh: '合约{value}天后到期' } }, 30)).toBe('contract ends in 30 days');
    expect(describeFeature({ name: 'Contract' }, 'Month-to-month')).toBe('Contract = Month-to-month');
    expect(describeFeature({ name: 'TotalCharges' }, Number.NaN)).toBe('TotalCharges missing');
  });
  it('picks the largest absolute contributions', () => {
    expect(topContributions([0.1, -0.5, 0.3, 0], 2)).toEqual([1, 2]);
    expect(formatReason({ feature: 'x', contribution: -0.5, text: 'x 1' })).toBe('x 1 (−0.50)');
  });
});

describe('topPositive', () => {
  it('picks what sorting every contribution would, restricted to positive ones', () => {
    const rand = seeded(3);
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + Math.floor(rand() * 12);
      // Few distinct values, so ties and zeros are common.
      const phi = Array.from({ length: n + 4 }, () => Math.round((rand() - 0.4) * 6) / 2);
      const offset = 2;
      const row = phi.slice(offset, offset + n);
      for (const k of [0, 1, 3, 20]) {
        const sorted = topContributions(row, n).filter((j) => (row[j] as number) > 0).slice(0, k);
        expect(topPositive(phi, offset, n, k)).toEqual(sorted);
      }
    }
  });
});
