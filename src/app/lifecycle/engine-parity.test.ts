import { describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { testEngines } from '../../store/postgres/test-server.ts';
import { lifecycleSnapshot } from './lifecycle.ts';
import { lifecycleTransitions } from './transitions.ts';
import { loadMixedOperator } from './test-store.ts';

const engines = await testEngines();
const run = async (store: AnalyticsStore) => {
  await loadMixedOperator(store);
  return JSON.stringify({
    snapshot: await lifecycleSnapshot(store, { asOf: '2024-12' }),
    mid: await lifecycleSnapshot(store, { asOf: '2024-07' }),
    transitions: await lifecycleTransitions(store, { from: '2024-06', to: '2024-12' }),
  });
};

/** A small mixed operator (test-store.ts), the same rows on every engine: the lifecycle snapshot and transitions JSON must be identical. */
describe.each(engines.filter((e) => e.name !== 'duckdb'))('lifecycle on $name', (engine) => {
  it.skipIf(engine.skip !== undefined)(`gives DuckDB's JSON byte for byte${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, async () => {
    const duck = await engines[0]!.open();
    const other = await engine.open();
    try {
      const expected = await run(duck);
      expect(JSON.parse(expected).snapshot.stages.C).toBeGreaterThan(0);
      expect(await run(other)).toBe(expected);
    } finally {
      await duck.close();
      await other.close();
    }
  });
});
