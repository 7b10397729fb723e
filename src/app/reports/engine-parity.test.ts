import { describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { testEngines } from '../../store/postgres/test-server.ts';
import { loadHandChecked } from './test-fixture.ts';
import { churnTotals } from './churn-totals.ts';
import { churnReasons } from './churn-reasons.ts';
import { churnRegions } from './churn-regions.ts';

/** The hand-checked operator's churn reports, computed by every engine: the same JSON, byte for byte. */
const engines = await testEngines();
const run = async (store: AnalyticsStore) => {
  await loadHandChecked(store);
  const range = { from: '2024-01', to: '2024-05' };
  return JSON.stringify({
    totals: await churnTotals(store, range),
    reasons: await churnReasons(store, range),
    regions: await churnRegions(store, range),
  });
};

describe.each(engines.filter((e) => e.name !== 'duckdb'))('churn reports on $name', (engine) => {
  it.skipIf(engine.skip !== undefined)(`give DuckDB's JSON byte for byte${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, async () => {
    const duck = await engines[0]!.open();
    const other = await engine.open();
    try {
      const expected = await run(duck);
      expect(JSON.parse(expected).totals.rows).toHaveLength(5);
      expect(other.engine).toBe('postgres');
      expect(await run(other)).toBe(expected);
    } finally {
      await duck.close();
      await other.close();
    }
  });
});
