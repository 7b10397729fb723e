import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { memoryStore } from '../lifecycle/test-store.ts';
import { loadSeasonalChurn, type seasonalChurn } from './test-data.ts';
import { forecastChurnFromStore } from './churn-forecast.ts';

let store: AnalyticsStore;
let history: ReturnType<typeof seasonalChurn>;
beforeAll(async () => {
  store = await memoryStore();
  history = await loadSeasonalChurn(store);
});
afterAll(async () => store.close());

describe('churn forecast from the store', () => {
  it('forecasts the next months from the report counts, with intervals, revenue lost and a backtest', async () => {
    const r = await forecastChurnFromStore(store, { horizon: 3, backtest: 6 });
    expect(r.history.map((x) => x.voluntary)).toEqual(history.voluntary);
    expect(r.history.map((x) => x.involuntary)).toEqual(history.involuntary);
    expect(r.forecast.map((f) => f.month)).toEqual(['2024-07', '2024-08', '2024-09']);
    for (const f of r.forecast) {
      expect(Object.keys(f).sort()).toEqual(['expected_revenue_lost', 'involuntary', 'lower', 'month', 'total', 'upper', 'voluntary']);
      expect(f.lower).toBeLessThanOrEqual(f.total);
      expect(f.upper).toBeGreaterThanOrEqual(f.total);
    }
    expect(r.models.voluntary.kind).toBe('holt-winters-additive');
    expect(r.backtest?.months).toBe(6);
    expect(r.backtest?.mape).not.toBeNull();
    // The trend makes last year's value a poor guess; the seasonal model tracks it.
    expect(r.backtest?.beats_naive).toBe(true);
    expect(r.bottom_up.used).toBe(false);
  });

  it('blends in the churn model when scores exist, and forecasts per province', async () => {
    await store.run(`INSERT INTO churn_models VALUES ('m1', current_timestamp, DATE '2024-06-01', 3, '{}', '{}')`);
    // Every live customer has a 3-month probability of 1 − 0.9³: monthly hazard 0.1.
    await store.run(`INSERT INTO churn_scores SELECT 'm1', DATE '2024-06-01', c.customer_id, 1 - 0.9 * 0.9 * 0.9, 0, '[]', TIMESTAMP '2024-07-01 00:00:00'
                     FROM customers c LEFT JOIN churn_events e ON e.customer_id = c.customer_id WHERE e.customer_id IS NULL`);
    const live = Number((await store.query(`SELECT count(*) AS n FROM churn_scores`))[0]?.n);
    const plain = await forecastChurnFromStore(store, { horizon: 2, byProvince: true });
    expect(plain.bottom_up).toMatchObject({ used: true, customers: live, weight: 0.5 });
    // Month 1 bottom-up: 0.1 · live; month 2: 0.1 · 0.9 · live; blended half and half with the series.
    await store.run('DELETE FROM churn_scores');
    const topDown = await forecastChurnFromStore(store, { horizon: 2 });
    expect(plain.forecast[0]?.total).toBeCloseTo(0.5 * 0.1 * live + 0.5 * (topDown.forecast[0]?.total ?? 0), 1);
    expect(plain.forecast[1]?.total).toBeCloseTo(0.5 * 0.09 * live + 0.5 * (topDown.forecast[1]?.total ?? 0), 1);
    expect(plain.by_province?.map((p) => p.province)).toEqual(['四川', '甘肃']);
  });

  it('the forecast after a mistyped scoring run uses only the scores as of its origin (a run as of a later month moved it by −16 %)', async () => {
    await store.run(`INSERT INTO churn_models VALUES ('m2', current_timestamp, DATE '2024-06-01', 3, '{}', '{}')`);
    const live = `FROM customers c LEFT JOIN churn_events e ON e.customer_id = c.customer_id WHERE e.customer_id IS NULL`;
    await store.run(`INSERT INTO churn_scores SELECT 'm2', DATE '2024-06-01', c.customer_id, 0.2, 0, '[]', TIMESTAMP '2024-07-01 00:00:00' ${live}`);
    try {
      const right = await forecastChurnFromStore(store, { horizon: 2 });
      expect(right.bottom_up).toMatchObject({ used: true, as_of: '2024-06', model_version: 'm2', not_used_reason: null });
      expect(right.bottom_up.scored_at).toMatch(/^2024-07-01/);
      // The mistyped run: a later month, scored later, with other probabilities. The old code took it.
      await store.run(`INSERT INTO churn_scores SELECT 'm2', DATE '2024-09-01', c.customer_id, 0.9, 0, '[]', TIMESTAMP '2024-07-02 00:00:00' ${live}`);
      const after = await forecastChurnFromStore(store, { horizon: 2 });
      expect(after.forecast).toEqual(right.forecast);
      expect(after.bottom_up).toEqual(right.bottom_up);
      // Only runs of other months: no blending, and the report says why and which months were scored.
      await store.run(`DELETE FROM churn_scores WHERE as_of = DATE '2024-06-01'`);
      const none = await forecastChurnFromStore(store, { horizon: 2 });
      expect(none.bottom_up).toMatchObject({ used: false, as_of: null, model_version: null, scored_at: null, weight: 0 });
      expect(none.bottom_up.not_used_reason).toBe('no scoring run as of 2024-06, the forecast origin (scores exist as of 2024-09, other months, not used); run tenure score --as-of 2024-06 to blend in the churn model');
      await store.run('DELETE FROM churn_scores');
      const plain = await forecastChurnFromStore(store, { horizon: 2 });
      expect(none.forecast).toEqual(plain.forecast);
      expect(plain.bottom_up.not_used_reason).toBe('no scoring run as of 2024-06, the forecast origin; run tenure score --as-of 2024-06 to blend in the churn model');
    } finally {
      await store.run('DELETE FROM churn_scores');
    }
  });
});
