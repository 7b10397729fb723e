import { describe, expect, it } from 'vitest';
import { competitorTotals, forecastSeries, heatCells, paretoPoints, segmentMonths, type ChurnForecast, type CompetitorRow, type SegmentsReport, type Transitions } from './analytics-data.ts';

const row = (month: string, competitor: string | null, voluntary: number, involuntary: number, revenue_lost: number | null, groups: [string | null, number][] = []): CompetitorRow => ({
  month,
  competitor,
  voluntary,
  involuntary,
  count: voluntary + involuntary,
  revenue_lost,
  top_reason_groups: groups.map(([reason_group, count]) => ({ reason_group, count })),
  currency: 'CNY',
});

describe('analytics sums and curves (known answers)', () => {
  it('pools competitors over the months: share = their voluntary exits / every voluntary exit; money in cents', () => {
    const rows = [
      row('2025-01', 'B', 2, 0, 0.1, [['price', 2]]),
      row('2025-01', 'A', 1, 0, 0.2, [['quality', 1]]),
      row('2025-01', null, 1, 2, 0.3),
      row('2025-02', 'B', 1, 0, 0.2, [['quality', 1]]),
      row('2025-02', 'A', 3, 0, 0.1, [['price', 2], ['quality', 1]]),
      row('2025-02', null, 0, 0, 0),
    ];
    const totals = competitorTotals(rows);
    // A: 4 exits, B: 3; the unrecorded last even with as many exits.
    expect(totals.map((c) => [c.competitor, c.count])).toEqual([
      ['A', 4],
      ['B', 3],
      [null, 3],
    ]);
    // 8 voluntary exits in all: A 4/8, B 3/8, unrecorded 1/8.
    expect(totals.map((c) => c.share_of_voluntary)).toEqual([0.5, 0.375, 0.125]);
    expect(totals[0]?.revenue_lost).toBe(0.3);
    expect(totals[1]?.top_reason_groups).toEqual([
      { reason_group: 'price', count: 2 },
      { reason_group: 'quality', count: 1 },
    ]);
    expect(totals[0]?.top_reason_groups).toEqual([
      { reason_group: 'price', count: 2 },
      { reason_group: 'quality', count: 2 },
    ]);
  });

  it('no voluntary exits: no share (not 0 %, not NaN)', () => {
    expect(competitorTotals([row('2025-01', 'A', 0, 1, null)])[0]?.share_of_voluntary).toBeNull();
  });

  it('the forecast joins the history; the band is upper − lower; the backtest sits on the last history months', () => {
    const f: ChurnForecast = {
      history: [
        { month: '2025-01', voluntary: 5, involuntary: 1 },
        { month: '2025-02', voluntary: 4, involuntary: 0 },
        { month: '2025-03', voluntary: 7, involuntary: 2 },
      ],
      forecast: [
        { month: '2025-04', voluntary: 6, involuntary: 1, lower: 2.5, upper: 11.75, total: 7, expected_revenue_lost: 100 },
        { month: '2025-05', voluntary: 5, involuntary: 1, lower: 1, upper: 12.3, total: 6, expected_revenue_lost: 90 },
      ],
      backtest: { mape: 10, naive_mape: 20, months: 2, beats_naive: true, actual: [4, 9], model: [4.5, 8] , naive: [6, 4] },
      level: 0.95,
      currency: 'CNY',
    };
    const s = forecastSeries(f);
    expect(s.months).toEqual(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05']);
    expect(s.actual).toEqual([6, 4, 9, null, null]);
    expect(s.forecast).toEqual([null, null, 9, 7, 6]);
    expect(s.lower).toEqual([null, null, null, 2.5, 1]);
    expect(s.band).toEqual([null, null, null, 9.25, 11.3]);
    expect(s.backtest).toEqual([null, 4.5, 8, null, null]);
  });

  it('heat map cells are [to, from, count] with the largest count', () => {
    const t: Transitions = { from: '2025-11', to: '2025-12', stages: ['A', 'B'], counts: [[3, 1], [0, 7]], probabilities: [[0.75, 0.25], [0, 1]], time_in_stage: [] };
    expect(heatCells(t)).toEqual({ cells: [[0, 0, 3], [1, 0, 1], [0, 1, 0], [1, 1, 7]], max: 7 });
  });

  it('the Pareto curve runs from (0,0) to (1,1) through the report points and the target point, in order', () => {
    const pts = paretoPoints({ total_positive_value: 10, top_shares: [{ top_fraction: 0.2, value_share: 0.6 }, { top_fraction: 0.1, value_share: 0.4 }], fraction_for_target: 0.35, target: 0.8 });
    expect(pts).toEqual([[0, 0], [0.1, 0.4], [0.2, 0.6], [0.35, 0.8], [1, 1]]);
    expect(paretoPoints({ total_positive_value: 0, top_shares: [], fraction_for_target: null, target: 0.8 })).toEqual([[0, 0], [1, 1]]);
  });

  it("a segment's months in month order", () => {
    const r = { months: [{ segment: 'basic', month: '2025-02', size: 2 }, { segment: 'all', month: '2025-01', size: 9 }, { segment: 'basic', month: '2025-01', size: 1 }] } as unknown as SegmentsReport;
    expect(segmentMonths(r, 'basic').map((m) => m.size)).toEqual([1, 2]);
  });
});
