import { describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { buildCustomerFeatures } from './features.ts';
import { discoverExtraFeatures, extraReason, extrasFromSource, extrasToSource, MAX_ATTRIBUTE_CATEGORIES, withCategoryRates, withExtraFeatures, type ExtraFeature } from './extra-features.ts';
import { toModelColumns } from './train.ts';

/** A store with x_ columns in the wide layout, as the import leaves them. */
async function fixture(): Promise<DuckDBStore> {
  const s = await DuckDBStore.open(':memory:');
  await s.run('ALTER TABLE customers ADD COLUMN x_tier VARCHAR');
  await s.run('ALTER TABLE customers ADD COLUMN x_score DOUBLE');
  await s.run('ALTER TABLE customers ADD COLUMN x_note VARCHAR');
  await s.run('ALTER TABLE monthly_usage ADD COLUMN x_outage DOUBLE');
  // a and b, plus enough others that x_note (one value each) has more than the category limit.
  const others = Array.from({ length: MAX_ATTRIBUTE_CATEGORIES }, (_, i) => `('o${i}', 'individual', '2023-01-01', '北京', 'plus', NULL, 'note ${i}')`);
  await s.run(`INSERT INTO customers (customer_id, customer_type, join_date, region, x_tier, x_score, x_note) VALUES
    ('a', 'individual', '2024-01-15', '北京', 'gold', 700, 'call back'),
    ('b', 'individual', '2024-01-15', '北京', NULL, 350.5, 'id 110101199003071234'), ${others.join(', ')}`);
  // a: Jan–Mar 1, 2, 3 (the 3 months before), Apr–Jun 4, 6, NULL, July 99 (after the as-of month).
  await s.run(`INSERT INTO monthly_usage (customer_id, month, revenue, x_outage) VALUES
    ('a', '2024-01-01', 10, 1), ('a', '2024-02-01', 10, 2), ('a', '2024-03-01', 10, 3),
    ('a', '2024-04-01', 10, 4), ('a', '2024-05-01', 10, 6), ('a', '2024-06-01', 10, NULL), ('a', '2024-07-01', 10, 99),
    ('b', '2024-06-01', 10, 0)`);
  return s;
}

describe('x_ features', () => {
  it('are found from the store: measures as 3-month mean and trend, attributes numeric or categorical, identifiers left out', async () => {
    const s = await fixture();
    try {
      const extras = await discoverExtraFeatures(s);
      expect(extras.map((f) => [f.name, f.kind, f.source, f.stat])).toEqual([
        ['x_tier', 'categorical', 'customers', 'value'],
        ['x_score', 'numeric', 'customers', 'value'],
        // x_note: 52 distinct values, over the limit of 50: an identifier or free text, not a feature.
        ['x_outage_3m', 'numeric', 'monthly_usage', 'mean_3m'],
        ['x_outage_trend', 'numeric', 'monthly_usage', 'trend'],
        ['x_outage_last', 'numeric', 'monthly_usage', 'last'],
        ['x_outage_last_change', 'numeric', 'monthly_usage', 'last_change'],
      ]);
    } finally {
      await s.close();
    }
  });

  it('known answers as of June, reading nothing after it', async () => {
    const s = await fixture();
    try {
      const extras = await discoverExtraFeatures(s);
      const f = await buildCustomerFeatures(s, '2024-06', 3, 1000, extras);
      const ids = f.columns.customer_id as readonly string[];
      const at = (id: string) => ids.indexOf(id);
      const num = (name: string, id: string) => (f.columns[name] as Float64Array)[at(id)];
      // Apr–Jun mean of the values present: (4 + 6) / 2 = 5; Jan–Mar 2; trend (5 − 2) / 2. July's 99 is the future.
      expect(num('x_outage_3m', 'a')).toBe(5);
      expect(num('x_outage_trend', 'a')).toBe(1.5);
      // b has June only: no months before to compare with.
      expect(num('x_outage_3m', 'b')).toBe(0);
      expect(num('x_outage_trend', 'b')).toBeNaN();
      expect(num('x_outage_3m', 'o1')).toBeNaN(); // no bills at all
      // The last month's own value: a's June is blank; b's June 0 has no months before it.
      expect(num('x_outage_last', 'a')).toBeNaN();
      expect(num('x_outage_last', 'b')).toBe(0);
      expect(num('x_outage_last_change', 'b')).toBeNaN();
      // As of May: 6 against the mean of Dec–Apr's values (1, 2, 3, 4) = 2.5: (6 − 2.5) / 2.5.
      const may = await buildCustomerFeatures(s, '2024-05', 3, 1000, extras);
      const mayAt = (may.columns.customer_id as readonly string[]).indexOf('a');
      expect((may.columns.x_outage_last as Float64Array)[mayAt]).toBe(6);
      expect((may.columns.x_outage_last_change as Float64Array)[mayAt]).toBeCloseTo(1.4, 12);
      expect(num('x_score', 'b')).toBe(350.5);
      expect((f.columns.x_tier as readonly (string | null)[])[at('a')]).toBe('gold');
      expect((f.columns.x_tier as readonly (string | null)[])[at('b')]).toBeNull();
      // The contract's features are there too, row for row.
      expect((f.columns.arpu_3m as Float64Array)[at('a')]).toBe(10);
      // A sampled snapshot keeps the same customers in both parts.
      // Rows that do not line up with the x_ query's are matched by customer_id.
      const other = await withExtraFeatures(s, { rowCount: 3, names: ['customer_id'], columns: { customer_id: ['b', 'zz', 'a'] } }, '2024-06-01', 1000, extras);
      expect(Array.from(other.columns.x_score as Float64Array)).toEqual([350.5, Number.NaN, 700]);
      expect(other.columns.x_tier).toEqual([null, null, 'gold']);
      const half = await buildCustomerFeatures(s, '2024-06', 3, 500, extras);
      expect(half.rowCount).toBeLessThan(f.rowCount);
      expect(half.names.slice(-6)).toEqual(['x_tier', 'x_score', 'x_outage_3m', 'x_outage_trend', 'x_outage_last', 'x_outage_last_change']);
    } finally {
      await s.close();
    }
  });

  it('reasons give a measure with its typical level and never print an attribute value', async () => {
    const s = await fixture();
    try {
      const extras = await discoverExtraFeatures(s);
      const byName = new Map(extras.map((x) => [x.name, x]));
      const f = await buildCustomerFeatures(s, '2024-06', 3, 1000, extras);
      const label = Uint8Array.from(f.columns.customer_id as readonly string[], (id) => (id === 'a' || id === 'o1' ? 1 : 0));
      const columns = toModelColumns(f, extras);
      const rated = withCategoryRates(extras, [{ columns, label }]) as ExtraFeature[];
      // 52 customers: a (gold, churned) and b (blank) and 50 'plus' of which o1 churned.
      expect(rated[0]?.rates).toEqual({ overall: 2 / 52, byValue: { '': 0, gold: 1, plus: 1 / 50 } });
      const tier = extraReason(rated[0] as ExtraFeature, null);
      expect(tier('gold', 'en')).toBe("x_tier: this customer's group churns at 26× the usual rate");
      expect(tier('gold', 'zh')).toBe('x_tier：该客户所属类别的流失率为一般水平的26倍');
      expect(tier(null, 'en')).toBe('x_tier blank: such accounts churn at 0.0× the usual rate');
      expect(tier('never seen', 'en')).toBe('x_tier (value masked)');
      // The band is the value's place among the scored base: here 350.5 is the lowest of ten.
      const score = extraReason(byName.get('x_score') as ExtraFeature, Float64Array.from([350.5, 400, 450, 500, 550, 600, 650, 700, 750, 800, Number.NaN]));
      expect(score(350.5, 'en')).toBe('x_score in the lowest 10 % of customers');
      expect(score(620, 'en')).toBe('x_score above the median');
      expect(score(900, 'en')).toBe('x_score in the highest 10 % of customers');
      expect(score(350.5, 'zh')).toBe('x_score处于最低的10%');
      for (const text of [tier('gold', 'en'), tier('gold', 'zh'), score(350.5, 'en')]) {
        expect(text).not.toMatch(/gold|350/);
      }
      const outage = extraReason(byName.get('x_outage_3m') as ExtraFeature, Float64Array.from([1, 1, 2, Number.NaN]));
      expect(outage(5, 'en')).toBe('x_outage 5 a month over the last 3 months, 5.0× typical');
      expect(outage(1.2, 'en')).toBe('x_outage 1.2 a month over the last 3 months (typical 1)');
      expect(outage(5, 'zh')).toBe('x_outage近3月月均5，为一般水平的5.0倍');
      const trend = extraReason(byName.get('x_outage_trend') as ExtraFeature, null);
      expect(trend(1.5, 'en')).toBe('x_outage +150% vs the previous 3 months');
      expect(trend(-0.25, 'zh')).toBe('x_outage较前3个月-25%');
      expect(trend(Number.NaN, 'en')).toBe('x_outage: no earlier months to compare');
    } finally {
      await s.close();
    }
  });

  it('round-trip through a stored model, and a damaged list is refused', () => {
    const rated: ExtraFeature[] = [
      { name: 'x_tier', kind: 'categorical', zh: 'x_tier', en: 'x_tier', source: 'customers', column: 'x_tier', stat: 'value', rates: { overall: 0.1, byValue: { a: 0.2 } } },
      { name: 'x_outage_trend', kind: 'numeric', zh: 'x_outage变化', en: 'x_outage change', unit: 'ratio', source: 'monthly_usage', column: 'x_outage', stat: 'trend' },
    ];
    const back = extrasFromSource(JSON.parse(JSON.stringify({ features: [], extras: extrasToSource(rated) })));
    expect(back).toEqual(rated);
    expect(extrasFromSource({ features: [] })).toEqual([]);
    expect(() => extrasFromSource({ extras: [{ name: 'x', kind: 'numeric', source: 'customers', column: 'name', stat: 'value' }] })).toThrow(/not an x_ feature/);
    expect(() => extrasFromSource({ extras: 'x_tier' })).toThrow(/not a list/);
  });
});
