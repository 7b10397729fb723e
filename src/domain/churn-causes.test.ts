import { describe, expect, it } from 'vitest';
import { DEFAULT_REASON_CODES } from '../contract/spec.ts';
import { CAUSE_DEFINITIONS, causeOf, checkChurnMonth, isSerious, reasonCategory, studentTQuantile, verdictText } from './churn-causes.ts';

describe('the textbook causes of churn on the contract reason groups', () => {
  it('maps every default reason code to the cause the textbook names', () => {
    const byCode = Object.fromEntries(DEFAULT_REASON_CODES.map((r) => [r.code, causeOf(r.type, r.group)]));
    expect(byCode).toEqual({
      '101': 'poached', '102': 'poached', // price, competitor promotion: 被挖走
      '103': 'dissatisfied', '207': 'dissatisfied', '205': 'dissatisfied', '206': 'dissatisfied', // service, billing, network, coverage: 主动离开
      '104': 'other', // image, friends and family: 其他原因
      '105': 'attracted', // new technology, handset: 被吸引
      '210': 'forced', '211': 'forced', '212': 'forced', // relocation, life change, finances: 被迫离开
      '335': 'abandoned', '345': 'abandoned', '380': 'abandoned', // involuntary: 主动放弃
    });
    // The definitions list the groups the mapping uses, and nothing else.
    for (const r of DEFAULT_REASON_CODES) expect(CAUSE_DEFINITIONS[causeOf(r.type, r.group)].groups).toContain(r.group);
  });

  it('puts groups the textbook does not name, and codes without a group, under other (serious)', () => {
    expect(causeOf('voluntary', 'x_my_group')).toBe('other');
    expect(causeOf('voluntary', null)).toBe('other');
    expect(causeOf('involuntary', null)).toBe('abandoned');
    expect(isSerious('other')).toBe(true);
    expect(['abandoned', 'poached', 'forced'].every((c) => !isSerious(c as 'abandoned'))).toBe(true);
    expect(['dissatisfied', 'attracted', 'other'].every((c) => isSerious(c as 'other'))).toBe(true);
  });

  it('splits exits as the churn deck does: deliberate, incidental, involuntary', () => {
    expect(reasonCategory('voluntary', 'price')).toBe('deliberate');
    expect(reasonCategory('voluntary', 'incidental')).toBe('incidental');
    expect(reasonCategory('involuntary', 'credit')).toBe('involuntary');
  });
});

describe('Student t quantile', () => {
  it('matches tabulated values', () => {
    // scipy.stats.t.ppf
    expect(studentTQuantile(0.95, 11)).toBeCloseTo(1.7958848187, 4);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281388520, 4);
    expect(studentTQuantile(0.95, 5)).toBeCloseTo(2.0150483733, 3);
    expect(studentTQuantile(0.99, 30)).toBeCloseTo(2.4572615424, 4);
  });
});

describe('the normal-or-serious verdict', () => {
  // Twelve months of serious churn rates: mean 0.0106667, sd 0.00123091;
  // bound = mean + t(0.95, 11) · sd · √(1 + 1/12) = 0.0129675 (scipy).
  const history = [0.01, 0.012, 0.011, 0.009, 0.01, 0.013, 0.011, 0.01, 0.012, 0.009, 0.011, 0.01];

  it('calls a month above the 95 % prediction bound of the previous 12 serious', () => {
    const above = checkChurnMonth({ serious: 130, opening: 10_000, history });
    expect(above.verdict).toBe('serious');
    expect(above.trailingMean).toBeCloseTo(0.0106666667, 9);
    expect(above.trailingBound).toBeCloseTo(0.0129675127, 6);
    expect(above.seriousRate).toBe(0.013);
    const within = checkChurnMonth({ serious: 129, opening: 10_000, history });
    expect(within.verdict).toBe('normal');
    expect(verdictText(above, 'en')).toMatch(/^serious: .*1\.30% of the opening base, above the 95 % upper bound 1\.30% of the previous 12 months \(mean 1\.07%\)/);
    expect(verdictText(within, 'zh')).toMatch(/^正常：企业自身原因.*1\.29%.*未超过此前 12 个月的 95% 上限 1\.30%/);
  });

  it('is normal without history when no exit has a serious cause (the textbook test)', () => {
    const r = checkChurnMonth({ serious: 0, opening: 500, history: [] });
    expect(r.verdict).toBe('normal');
    expect(verdictText(r, 'zh')).toMatch(/教科书所说的正常范围/);
  });

  it('is undetermined with serious exits but less than a full year of history, or no opening base', () => {
    const short = checkChurnMonth({ serious: 3, opening: 500, history: [null, ...history.slice(1)] });
    expect(short).toMatchObject({ verdict: 'undetermined', undetermined: 'short_history', historyMonths: 11, trailingBound: null });
    expect(verdictText(short, 'en')).toMatch(/the data has 11 of the 12 months/);
    expect(checkChurnMonth({ serious: 3, opening: 500, history: history.slice(1) }).verdict).toBe('undetermined');
    expect(checkChurnMonth({ serious: 1, opening: 0, history })).toMatchObject({ verdict: 'undetermined', undetermined: 'no_opening_base', seriousRate: null });
  });

  it('with a flat history, any rise is serious', () => {
    const flat = Array.from({ length: 12 }, () => 0.02);
    expect(checkChurnMonth({ serious: 21, opening: 1000, history: flat }).verdict).toBe('serious');
    expect(checkChurnMonth({ serious: 20, opening: 1000, history: flat }).verdict).toBe('normal');
  });
});
