import { describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { testEngines } from '../../store/postgres/test-server.ts';
import { loadMixedOperator } from '../lifecycle/test-store.ts';
import { customerValue } from './customer-value.ts';

/** The value report of a small mixed operator, computed by every engine: the same JSON, byte for byte. */
const engines = await testEngines();
const run = async (store: AnalyticsStore) => {
  await loadMixedOperator(store);
  return JSON.stringify({ dec: await customerValue(store, { asOf: '2024-12' }), jul: await customerValue(store, { asOf: '2024-07' }) });
};

describe.each(engines.filter((e) => e.name !== 'duckdb'))('value on $name', (engine) => {
  it.skipIf(engine.skip !== undefined)(`gives DuckDB's JSON byte for byte${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, async () => {
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
