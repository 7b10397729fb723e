import { describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { CUSTOMER_FEATURES, buildCustomerFeatures } from './features.ts';

async function fixture(): Promise<DuckDBStore> {
  const s = await DuckDBStore.open(':memory:');
  await s.run(`INSERT INTO customers (customer_id, customer_type, join_date, region, province, birth_date) VALUES
    ('a', 'individual', '2024-01-15', '甘肃/酒泉', '甘肃', '1990-07-01'),
    ('b', 'business',   '2024-03-01', '甘肃',      '甘肃', NULL),
    ('c', 'individual', '2024-02-01', '北京',      '北京', NULL),
    ('d', 'individual', '2024-07-02', '北京',      '北京', NULL)`);
  await s.run(`INSERT INTO monthly_usage (customer_id, month, revenue, cost, voice_minutes, outgoing_minutes, calls, dropped_calls) VALUES
    ('a', '2024-01-01', 20, 5, 200, 100, 40, 0),
    ('a', '2024-05-01', 10, 2, 100, 50, 20, 2),
    ('a', '2024-06-01', 12, 2, 100, 60, 20, 1),
    ('a', '2024-07-01', 99, 0, 999, 999, 99, 99),
    ('b', '2024-06-01', 30, NULL, 0, 0, 0, 0)`);
  await s.run(`INSERT INTO churn_events (customer_id, churn_date, churn_type, reason_code) VALUES
    ('b', '2024-09-30', 'voluntary', '101'),
    ('c', '2024-06-20', 'voluntary', '101')`);
  await s.run(`INSERT INTO interactions (interaction_id, customer_id, ts, kind) VALUES
    ('i1', 'a', '2024-03-10 10:00:00', 'complaint'),
    ('i2', 'a', '2024-07-01 09:00:00', 'complaint')`);
  return s;
}

describe('customer features as of a month', () => {
  it('covers the closing base, reads no future rows, and labels churn within the horizon', async () => {
    const s = await fixture();
    try {
      const f = await buildCustomerFeatures(s, '2024-06', 3);
      // c churned in June and d joins in July: neither is in June's closing base.
      expect(f.columns.customer_id).toEqual(['a', 'b']);
      const col = (name: string) => Array.from(f.columns[name] as Float64Array);
      expect(col('tenure_months')).toEqual([5, 3]); // 2024-01-15 → 2024-06-30: five whole months
      expect(col('age')[0]).toBe(33); // born 1990-07-01, not yet 34 on 2024-06-30
      // July's usage row and July's complaint are in the future and must not leak in.
      expect(col('arpu_3m')[0]).toBe(11); // (10 + 12) / 2
      expect(col('outgoing_ratio')[0]).toBeCloseTo(110 / 200, 12);
      expect(col('dropped_call_rate')[0]).toBeCloseTo(3 / 40, 12);
      expect(col('margin_3m')[1]).toBe(30); // cost blank counts as 0
      expect(col('complaints_3m')).toEqual([0, 0]); // March is outside Apr–Jun; July is future
      expect(col('months_since_complaint')[0]).toBe(3);
      // b churns 2024-09-30: inside Jul–Sep, so churned within 3 months but not within 2.
      expect(col('churned')).toEqual([0, 1]);
      const f2 = await buildCustomerFeatures(s, '2024-06', 2);
      expect(Array.from(f2.columns.churned as Float64Array)).toEqual([0, 0]);
    } finally {
      await s.close();
    }
  });

  it('returns every declared feature column', async () => {
    const s = await fixture();
    try {
      const f = await buildCustomerFeatures(s, '2024-06', 3);
      for (const spec of CUSTOMER_FEATURES) expect(f.names).toContain(spec.name);
    } finally {
      await s.close();
    }
  });

  it('regression: DOUBLE measures add up the same in any order (0.1 + 0.2 + 0.3 against 0.3 + 0.2 + 0.1)', async () => {
    const s = await DuckDBStore.open(':memory:');
    try {
      await s.run(`INSERT INTO customers (customer_id, customer_type, join_date, region, province) VALUES ('x', 'individual', '2023-01-01', '北京', '北京')`);
      // As DOUBLE sums in row order the voice minutes come to 0.6000000000000001 and the
      // outgoing minutes to 0.6: a ratio a last bit below 1.
      await s.run(`INSERT INTO monthly_usage (customer_id, month, revenue, voice_minutes, outgoing_minutes) VALUES
        ('x', '2024-04-01', 10, 0.1, 0.3), ('x', '2024-05-01', 10, 0.2, 0.2), ('x', '2024-06-01', 10, 0.3, 0.1)`);
      const f = await buildCustomerFeatures(s, '2024-06', 3);
      expect(Array.from(f.columns.outgoing_ratio as Float64Array)).toEqual([1]);
    } finally {
      await s.close();
    }
  });
});
