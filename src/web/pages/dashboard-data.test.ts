import { describe, expect, it } from 'vitest';
import { groupTotals, levelBelow, reasonTotals, regionTotals } from './dashboard-data.ts';

describe('dashboard sums (known answers)', () => {
  it('adds money in cents: 0.1 + 0.2 + 0.3 is 0.6, not 0.6000000000000001', () => {
    expect(0.1 + 0.2 + 0.3).not.toBe(0.6);
    const rows = [0.1, 0.2, 0.3].map((revenue_lost, i) => ({ month: `2025-0${i + 1}`, reason_code: '101', reason: '价格', churn_type: 'voluntary', count: i + 1, revenue_lost, reason_group: 'price' }));
    const [r] = reasonTotals(rows);
    expect(r).toMatchObject({ reason_code: '101', count: 6, revenue_lost: 0.6 });
  });

  it('ranks reasons by exits, then code, and drops reasons nobody left for', () => {
    const rows = [
      { month: '2025-01', reason_code: '9', reason: null, churn_type: 'voluntary', count: 2, revenue_lost: 1, reason_group: null },
      { month: '2025-01', reason_code: '1', reason: null, churn_type: 'voluntary', count: 2, revenue_lost: 1, reason_group: null },
      { month: '2025-01', reason_code: '5', reason: null, churn_type: 'involuntary', count: 3, revenue_lost: 1, reason_group: null },
      { month: '2025-01', reason_code: '7', reason: null, churn_type: 'voluntary', count: 0, revenue_lost: 0, reason_group: null },
    ];
    expect(reasonTotals(rows).map((r) => r.reason_code)).toEqual(['5', '1', '9']);
  });

  it("a group's share is its exits over all exits in the months", () => {
    const rows = [
      { month: '2025-01', reason_group: 'price', churn_type: 'voluntary', category: 'deliberate', count: 1, revenue_lost: 10 },
      { month: '2025-02', reason_group: 'price', churn_type: 'voluntary', category: 'deliberate', count: 2, revenue_lost: 10 },
      { month: '2025-02', reason_group: 'credit', churn_type: 'involuntary', category: 'involuntary', count: 1, revenue_lost: 5.55 },
    ];
    expect(groupTotals(rows)).toEqual([
      { reason_group: 'price', churn_type: 'voluntary', category: 'deliberate', count: 3, share: 0.75, revenue_lost: 20 },
      { reason_group: 'credit', churn_type: 'involuntary', category: 'involuntary', count: 1, share: 0.25, revenue_lost: 5.55 },
    ]);
  });

  it('drills down province -> city -> district by path prefix, with the pooled churn rate', () => {
    const rows = [
      { month: '2025-01', region: '甘肃/兰州', opening: 100, voluntary: 3, involuntary: 1, revenue_lost: 40 },
      { month: '2025-02', region: '甘肃/兰州', opening: 96, voluntary: 2, involuntary: 0, revenue_lost: 20 },
      { month: '2025-01', region: '甘肃/天水', opening: 50, voluntary: 0, involuntary: 0, revenue_lost: 0 },
      { month: '2025-01', region: '甘肃省外/兰州', opening: 7, voluntary: 7, involuntary: 0, revenue_lost: 0 },
    ];
    expect(levelBelow('')).toBe('province');
    expect(levelBelow('甘肃')).toBe('city');
    expect(levelBelow('甘肃/兰州')).toBe('district');
    const cities = regionTotals(rows, '甘肃');
    expect(cities.map((c) => c.name)).toEqual(['兰州', '天水']);
    expect(cities[0]).toMatchObject({ opening: 196, exits: 6, revenue_lost: 60 });
    expect(cities[0]?.churn_rate).toBeCloseTo(6 / 196, 12);
    expect(cities[1]?.churn_rate).toBe(0);
  });
});
