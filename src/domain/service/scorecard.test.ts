import { describe, expect, it } from 'vitest';
import { complaintsScore, DEFAULT_WEIGHTS, parseWeightsCsv, paymentScore, productsScore, relationshipScore, satisfactionScore, tenureScore, weightsCsv } from './scorecard.ts';

describe('relationship scorecard (known answers)', () => {
  it('scores each component as defined', () => {
    expect(tenureScore(18)).toBe(0.5);
    expect(tenureScore(60)).toBe(1);
    expect(productsScore(2, 3)).toBeCloseTo(2 / 3, 12);
    expect(productsScore(1, 0)).toBeNaN();
    expect(paymentScore(0.5, 45)).toBeCloseTo(0.5, 12); // (0.5 + (1 − 45/90)) / 2
    expect(paymentScore(Number.NaN, 0)).toBe(1);
    expect(paymentScore(Number.NaN, Number.NaN)).toBeNaN();
    expect(paymentScore(1, 200)).toBe(0.5); // overdue capped at 90 days
    expect(complaintsScore(0, 0)).toBe(1);
    expect(complaintsScore(1, 1)).toBeCloseTo(0.25, 12);
    expect(satisfactionScore(4)).toBe(0.75);
    expect(satisfactionScore(Number.NaN)).toBeNaN();
  });

  it('weights the known components and renormalises over them', () => {
    const w = { tenure: 1, products: 0, payment: 3, complaints: 0, satisfaction: 0, referrals: 0 };
    expect(relationshipScore([0.5, 1, 1, 1, 1, Number.NaN], w)).toBeCloseTo(87.5, 12); // (0.5 + 3) / 4
    expect(relationshipScore([0.5, 1, Number.NaN, 1, 1, Number.NaN], w)).toBeCloseTo(50, 12); // payment unknown: tenure alone
    expect(relationshipScore([Number.NaN, 1, Number.NaN, 1, 1, 1], w)).toBeNaN();
    // The default weights: 20·17/36 + 15·2/3 + 25·1 + 20·0.5 + 20·0.75 over 100.
    expect(relationshipScore([17 / 36, 2 / 3, 1, 0.5, 0.75, Number.NaN], DEFAULT_WEIGHTS)).toBeCloseTo(69.444444, 5);
  });
});

describe('weights file', () => {
  it('reads component,weight in either column order; unlisted components weigh 0', () => {
    const { weights, problems } = parseWeightsCsv('Weight,Component\n3,tenure\n1.5,payment\n');
    expect(problems).toEqual([]);
    expect(weights).toEqual({ tenure: 3, products: 0, payment: 1.5, complaints: 0, satisfaction: 0, referrals: 0 });
    expect(parseWeightsCsv(weightsCsv(DEFAULT_WEIGHTS)).weights).toEqual(DEFAULT_WEIGHTS);
  });

  it('names the line and column of every problem', () => {
    const { weights, problems } = parseWeightsCsv('component,weight\ntenure,20\nloyalty,5\npayment,-3\ntenure,4\npayment,1e2\nsatisfaction,"5\n');
    expect(weights).toBeNull();
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'component'],
      [4, 'weight'],
      [5, 'component'],
      [6, 'component'],
      [7, ''],
    ]);
    expect(problems[0]?.reason).toContain('unknown component "loyalty"');
    expect(problems[1]?.reason).toContain('plain decimal >= 0, got "-3"');
    expect(problems[2]?.reason).toContain('already weighted on line 2');
    expect(problems[3]?.reason).toContain('already weighted on line 4'); // payment's first row is line 4, even though its weight was bad
  });

  it('refuses a wrong header, an empty file and all-zero weights', () => {
    expect(parseWeightsCsv('name,weight\ntenure,1\n').problems[0]).toMatchObject({ line: 1, column: 'name' });
    expect(parseWeightsCsv('').problems[0]).toMatchObject({ line: 1 });
    expect(parseWeightsCsv('component,weight\ntenure,0\n').problems[0]?.reason).toContain('every weight is 0');
    expect(parseWeightsCsv('component,weight\ntenure,1,2\n').problems[0]).toMatchObject({ line: 2, column: '', reason: 'expected 2 fields, found 3' });
  });
});
