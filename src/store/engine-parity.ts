/**
 * Test support: the same use case on every engine must print the same JSON, byte for byte. Each
 * engine gets a fresh store, `run` loads it and returns the JSON; DuckDB's is the reference and
 * `check` asserts it is not trivially empty. PostgreSQL skips with the reason outside CI when its
 * test server is missing and fails in CI (test-server.ts).
 */
import { describe, expect, it } from 'vitest';
import type { AnalyticsStore } from './port.ts';
import { testEngines } from './postgres/test-server.ts';

export async function describeEngineParity(title: string, run: (store: AnalyticsStore) => Promise<string>, check: (duckdbJson: string) => void): Promise<void> {
  const engines = await testEngines();
  const reference = engines.find((e) => e.name === 'duckdb');
  if (!reference) throw new Error('no DuckDB engine');
  describe.each(engines.filter((e) => e !== reference))(`${title} on $name`, (engine) => {
    it.skipIf(engine.skip !== undefined)(`gives DuckDB's JSON byte for byte${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, async () => {
      const duck = await reference.open();
      const other = await engine.open();
      try {
        const expected = await run(duck);
        check(expected);
        expect(other.engine).toBe(engine.name);
        expect(await run(other)).toBe(expected);
      } finally {
        await duck.close();
        await other.close();
      }
    });
  });
}
