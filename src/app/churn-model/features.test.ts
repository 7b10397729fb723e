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

  it("analyst features: levels, the latest bill, every interaction kind, holdings; nothing after the as-of month", async () => {
    const s = await fixture();
    try {
      await s.run(`UPDATE customers SET industry = 'retail', employees = 12 WHERE customer_id = 'b'`);
      await s.run(`UPDATE customers SET city = '酒泉' WHERE customer_id = 'a'`);
      await s.run(`UPDATE monthly_usage SET sms = 10, data_mb = 300, tv_hours = 5, vod_orders = 1, paid = 10 WHERE customer_id = 'a' AND month = '2024-05-01'`);
      await s.run(`UPDATE monthly_usage SET sms = 20, data_mb = 100, tv_hours = 7, vod_orders = 3, paid = 6, care_calls = 2, distinct_contacts = 9 WHERE customer_id = 'a' AND month = '2024-06-01'`);
      await s.run(`UPDATE monthly_usage SET sms = 99, data_mb = 9999, tv_hours = 99, vod_orders = 99, paid = 0 WHERE customer_id = 'a' AND month = '2024-07-01'`);
      await s.run(`INSERT INTO interactions (interaction_id, customer_id, ts, kind, resolved, satisfaction) VALUES
        ('i3', 'a', '2024-05-03 10:00:00', 'inquiry', true, 4),
        ('i4', 'a', '2024-06-10 10:00:00', 'repair', false, 2),
        ('i5', 'a', '2024-06-11 10:00:00', 'offer', NULL, NULL),
        ('i6', 'a', '2024-07-02 10:00:00', 'repair', false, 1),
        ('i7', 'a', '2024-03-02 10:00:00', 'care', true, 5)`);
      await s.run(`INSERT INTO subscriptions (subscription_id, customer_id, product_id, category, start_date, end_date, contract_end_date, monthly_fee) VALUES
        ('s1', 'a', 'P1', 'voice', '2024-01-15', NULL, NULL, 30),
        ('s2', 'a', 'P2', 'vas', '2024-05-10', '2024-06-15', NULL, 5),
        ('s3', 'a', 'P3', 'broadband', '2024-06-20', NULL, '2025-06-20', 50),
        ('s4', 'a', 'P4', 'tv_basic', '2024-07-05', NULL, NULL, 20),
        ('s5', 'a', 'P5', 'vod', '2024-01-15', '2024-08-01', NULL, 8),
        ('s6', 'a', 'P6', 'voice', '2024-01-15', '2024-02-01', '2024-03-31', 25)`);
      const f = await buildCustomerFeatures(s, '2024-06', 3);
      const a = (name: string) => (f.columns[name] as Float64Array)[0];
      // Levels over the bills of Apr–Jun that carry the measure; July never counts.
      expect(a('sms_3m')).toBe(15);
      expect(a('data_mb_3m')).toBe(200);
      expect(a('tv_hours_3m')).toBe(6);
      expect(a('vod_orders_3m')).toBe(2);
      expect(a('voice_minutes_3m')).toBe(100);
      // The as-of month's own bill.
      expect(a('revenue_last')).toBe(12);
      expect(a('paid_share_last')).toBe(0.5);
      expect(a('sms_last')).toBe(20);
      expect(a('care_calls_last')).toBe(2);
      expect(a('call_partners_last')).toBe(9);
      expect(a('outgoing_ratio_last')).toBeCloseTo(0.6, 12);
      // Interactions of Apr–Jun: an inquiry, a repair left unresolved, an offer (outcome blank);
      // the July repair and complaint are in the future, March is outside the window.
      expect(a('contacts_3m')).toBe(3);
      expect(a('inquiries_3m')).toBe(1);
      expect(a('repairs_3m')).toBe(1);
      expect(a('offers_3m')).toBe(1);
      expect(a('care_contacts_3m')).toBe(0);
      expect(a('unresolved_3m')).toBe(1);
      expect(a('unresolved_share_3m')).toBe(0.5); // of the 2 contacts whose outcome is known
      expect(a('satisfaction_3m')).toBe(3);
      expect(a('months_since_contact')).toBe(0);
      // RECENT_FEATURES: June's bill against the mean of the months before it in the window
      // (January and May; July is the future), the as-of month's own contacts.
      expect(a('revenue_last_change')).toBeCloseTo((12 - 15) / 15, 12);
      expect(a('voice_last_change')).toBeCloseTo((100 - 150) / 150, 12);
      expect(a('data_last_change')).toBeCloseTo((100 - 300) / 300, 12); // January has no data_mb
      expect(a('sms_last_change')).toBe(1);
      expect(a('tv_last_change')).toBeCloseTo(0.4, 12);
      expect(a('contacts_1m')).toBe(2); // i4, i5; i6 is July
      expect(a('inquiries_1m')).toBe(0); // i3 is May
      expect(a('unresolved_1m')).toBe(1);
      expect(a('unresolved_6m')).toBe(1);
      expect(a('complaints_1m')).toBe(0);
      expect(a('cancel_requests_1m')).toBe(0);
      expect((f.columns.city as readonly (string | null)[])[0]).toBe('甘肃/酒泉');
      // Holdings at the end of June: voice s1, broadband s3, VOD s5 (its August end is the
      // future); s2 ended in June, s4 starts in July, s6 ended in February.
      expect(a('subs_voice')).toBe(1);
      expect(a('subs_broadband')).toBe(1);
      expect(a('subs_vod')).toBe(1);
      expect(a('subs_vas')).toBe(0);
      expect(a('subs_tv_basic')).toBe(0);
      expect(a('products')).toBe(3);
      expect(a('monthly_fee')).toBe(88);
      expect(a('subs_started_3m')).toBe(2); // s2 and s3
      expect(a('subs_ended_3m')).toBe(1); // s2
      expect(a('months_since_contract_end')).toBe(3); // s6's commitment ended in March
      expect(a('contract_months_left')).toBe(11);
      // Business attributes.
      expect(f.columns.industry?.[1]).toBe('retail');
      expect((f.columns.employees as Float64Array)[1]).toBe(12);
      expect(f.columns.industry?.[0]).toBeNull();
      // A month earlier, June's rows are the future: the same customer reads differently.
      const may = await buildCustomerFeatures(s, '2024-05', 3);
      const m = (name: string) => (may.columns[name] as Float64Array)[0];
      expect(m('sms_last')).toBe(10);
      expect(m('repairs_3m')).toBe(0);
      expect(m('subs_broadband')).toBe(0);
      expect(m('subs_vas')).toBe(1);
      expect(m('subs_ended_3m')).toBe(0);
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
