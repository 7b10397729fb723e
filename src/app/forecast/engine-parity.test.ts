import { describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { testEngines } from '../../store/postgres/test-server.ts';
import { loadMixedOperator } from '../lifecycle/test-store.ts';
import { forecastChurnFromStore } from './churn-forecast.ts';

/** The churn forecast of a small mixed operator (with its backtest and by province), on every engine: the same JSON, byte for byte. */
const engines = await testEngines();
const run = async (store: AnalyticsStore) => {
  await loadMixedOperator(store);
  return JSON.stringify({
    forecast: await forecastChurnFromStore(store, { horizon: 3 }),
    byProvince: await forecastChurnFromStore(store, { horizon: 2, backtest: 2, byProvince: true }),
  });
};

describe.each(engines.filter((e) => e.name !== 'duckdb'))('churn forecast on $name', (engine) => {
  it.skipIf(engine.skip !== undefined)(`give DuckDB's JSON byte for byte${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, async () => {
    const duck = await engines[0]!.open();
    const other = await engine.open();
    try {
      const expected = await run(duck);
      expect(expected.length).toBeGreaterThan(500);
      expect(await run(other)).toBe(expected);
    } finally {
      await duck.close();
      await other.close();
    }
  });
});
