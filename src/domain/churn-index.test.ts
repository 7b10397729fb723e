import { describe, expect, it } from 'vitest';
import { compareChurnIndex, computeChurnIndex, reasonPressure, type SurveyRow } from './churn-index.ts';

// Seed 004's example table: reason, rating, importance, availability.
const DECK: SurveyRow[] = [
  { scope: 'all', reason: 'price', rating: 10, importance: 3, availability: 1 },
  { scope: 'all', reason: 'quality', rating: 10, importance: 6, availability: 3 },
  { scope: 'all', reason: 'coverage', rating: 1, importance: 8, availability: 7 },
  { scope: 'all', reason: 'customer_service', rating: 10, importance: 4, availability: 9 },
  { scope: 'all', reason: 'image', rating: 10, importance: 1, availability: 4 },
  { scope: 'all', reason: 'new_technology', rating: 10, importance: 7, availability: 3 },
];

describe('churn index', () => {
  it('reproduces the deck example by hand', () => {
    // Every reason rated 10 has pressure (10−10)·…/1000 = 0. Coverage: (10−1)·8·7/1000 = 504/1000 = 0.504.
    // Σ importance = 3+6+8+4+1+7 = 29; index = 8·0.504/29·100 = 403.2/29 = 13.9034…
    const [all] = computeChurnIndex(DECK);
    expect(all?.scope).toBe('all');
    expect(all?.index).toBeCloseTo(403.2 / 29, 10);
    expect(all?.index).toBeCloseTo(13.9034, 4);
    expect(all?.reasons[0]).toMatchObject({ reason: 'coverage', share: 1 });
    expect(all?.reasons[0]?.pressure).toBeCloseTo(0.504, 12);
    expect(all?.reasons.slice(1).every((r) => r.pressure === 0 && r.contribution === 0)).toBe(true);
  });

  it('ranks by contribution, not by pressure', () => {
    // a: pressure (10−5)·2·10/1000 = 0.1, weight 2 → 0.2; b: (10−8)·10·5/1000 = 0.1, weight 10 → 1.0
    // Σ importance 12: index = (0.2 + 1.0)/12·100 = 10; contributions 1.667 and 8.333.
    const [s] = computeChurnIndex([
      { scope: 'x', reason: 'a', rating: 5, importance: 2, availability: 10 },
      { scope: 'x', reason: 'b', rating: 8, importance: 10, availability: 5 },
    ]);
    expect(s?.index).toBeCloseTo(10, 12);
    expect(s?.reasons.map((r) => r.reason)).toEqual(['b', 'a']);
    expect(s?.reasons[0]?.contribution).toBeCloseTo(100 / 12, 12);
    expect(s?.reasons[1]?.share).toBeCloseTo(1 / 6, 12);
  });

  it('bounds: worst case is 100, zero importance gives 0, scopes are separate and all comes first', () => {
    expect(reasonPressure(0, 10, 10)).toBe(1);
    const res = computeChurnIndex([
      { scope: '甘肃', reason: 'price', rating: 0, importance: 10, availability: 10 },
      { scope: 'all', reason: 'price', rating: 0, importance: 0, availability: 10 },
    ]);
    expect(res.map((s) => [s.scope, s.index])).toEqual([
      ['all', 0],
      ['甘肃', 100],
    ]);
    expect(() => computeChurnIndex([...DECK, DECK[0] as SurveyRow])).toThrow(/repeated/);
    expect(() => computeChurnIndex([{ ...(DECK[0] as SurveyRow), rating: 11 }])).toThrow(/outside/);
  });

  it('reports the change since the previous survey', () => {
    // Coverage improves from rating 1 to 6: pressure (10−6)·8·7/1000 = 0.224, change −0.28;
    // index 8·0.224/29·100 = 179.2/29 = 6.1793, change (179.2 − 403.2)/29 = −7.7241.
    const now = DECK.map((r) => (r.reason === 'coverage' ? { ...r, rating: 6 } : r));
    const [change] = compareChurnIndex(computeChurnIndex(now), computeChurnIndex(DECK));
    expect(change?.change).toBeCloseTo(-224 / 29, 10);
    expect(change?.reasons[0]?.reason).toBe('coverage');
    expect(change?.reasons[0]?.change).toBeCloseTo(-0.28, 12);
  });
});
