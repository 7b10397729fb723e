import { describe, expect, it } from 'vitest';
import { assignArms, parseArms, standardizedMeanDifference } from './design.ts';

describe('parseArms', () => {
  it('reads arms and shares that add up to 1 with a control arm', () => {
    expect(parseArms('control:0.2, O10:0.5,O20:0.3')).toEqual([
      { arm: 'control', share: 0.2 },
      { arm: 'O10', share: 0.5 },
      { arm: 'O20', share: 0.3 },
    ]);
  });

  it.each([
    ['O10:1', 'control'],
    ['control:1', 'at least one offer'],
    ['control:0.2,O10:0.7', 'add up to'],
    ['control:0.2,O10:0.4,O10:0.4', 'twice'],
    ['control:0,O10:1', 'above 0'],
    ['control:0.2,O10', 'ARM:SHARE'],
    ['control:0.2,O10:8e-1', 'ARM:SHARE'],
  ])('refuses %s', (text, message) => {
    expect(() => parseArms(text)).toThrow(message);
  });
});

describe('assignArms (stratified, reproducible)', () => {
  const arms = parseArms('control:0.2,A:0.4,B:0.4');
  const members = Array.from({ length: 1000 }, (_, i) => ({ customerId: `C${String(i).padStart(4, '0')}`, stratum: `s${i % 7}` }));

  it('gives the same assignment for the same seed and member set in any order, another for another seed', () => {
    const a = assignArms(members, arms, 5);
    const b = assignArms([...members].reverse(), arms, 5);
    expect([...b].sort()).toEqual([...a].sort());
    const c = assignArms(members, arms, 6);
    expect([...members].filter((m) => a.get(m.customerId) !== c.get(m.customerId)).length).toBeGreaterThan(300);
  });

  it('gives every arm n × share rounded down or up in every stratum', () => {
    const a = assignArms(members, arms, 9);
    expect(a.size).toBe(members.length);
    for (let s = 0; s < 7; s++) {
      const inStratum = members.filter((m) => m.stratum === `s${s}`);
      for (const arm of arms) {
        const n = inStratum.filter((m) => a.get(m.customerId) === arm.arm).length;
        const expected = inStratum.length * arm.share;
        expect(n).toBeGreaterThanOrEqual(Math.floor(expected));
        expect(n).toBeLessThanOrEqual(Math.ceil(expected));
      }
    }
  });

  it('is random within a stratum: a member lands in the control arm about a fifth of the time over seeds', () => {
    let control = 0;
    for (let seed = 0; seed < 400; seed++) if (assignArms(members.slice(0, 50), arms, seed).get('C0007') === 'control') control++;
    expect(control / 400).toBeGreaterThan(0.14);
    expect(control / 400).toBeLessThan(0.26);
  });
});

describe('standardizedMeanDifference (Austin 2009)', () => {
  it('divides the mean difference by the pooled standard deviation', () => {
    expect(standardizedMeanDifference([1, 2, 3], [2, 3, 4])).toBeCloseTo(-1, 12);
    expect(standardizedMeanDifference([1, 2, 3, 4], [1, 2, 3, 4])).toBe(0);
    expect(standardizedMeanDifference([5, 5], [5, 5])).toBe(0);
    expect(standardizedMeanDifference([1], [1, 2])).toBeNull();
  });
});
