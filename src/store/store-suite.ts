import { describe, expect, it } from 'vitest';
import type { AnalyticsStore } from './port.ts';
import { SCHEMA_VERSION } from './schema.ts';

/**
 * The shared store suite: every adapter runs it against a real engine (no mocks), as Kysely
 * does with its dialects. `open` must return a fresh, empty, migrated store.
 */
export function storeSuite(engine: string, open: () => Promise<AnalyticsStore>): void {
  describe(`AnalyticsStore contract: ${engine}`, () => {
    it('migrates to the current schema version and is idempotent', async () => {
      const store = await open();
      try {
        expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
        expect(await store.migrate()).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('normalises values: integers as numbers, decimals exact as text, dates as ISO text', async () => {
      const store = await open();
      try {
        const [row] = await store.query(
          "SELECT CAST(42 AS BIGINT) AS n, CAST('0.10' AS DECIMAL(18,6)) + CAST('0.20' AS DECIMAL(18,6)) AS money, DATE '2024-02-29' AS d, NULL AS nothing",
        );
        expect(row).toEqual({ n: 42, money: '0.300000', d: '2024-02-29', nothing: null });
      } finally {
        await store.close();
      }
    });

    it('rolls back a failed transaction completely', async () => {
      const store = await open();
      try {
        await expect(
          store.transaction(async (tx) => {
            await tx.run("INSERT INTO customers (customer_id, customer_type, join_date, region) VALUES ('c1', 'individual', DATE '2024-01-01', '甘肃')");
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        const [row] = await store.query('SELECT count(*) AS n FROM customers');
        expect(row?.n).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('returns numeric columns as Float64Array with NaN for NULL', async () => {
      const store = await open();
      try {
        const set = await store.queryColumns('SELECT * FROM (VALUES (1.5, \'a\'), (NULL, \'b\')) t(x, label)');
        expect(set.rowCount).toBe(2);
        const x = set.columns.x as Float64Array;
        expect(x).toBeInstanceOf(Float64Array);
        expect(x[0]).toBe(1.5);
        expect(Number.isNaN(x[1])).toBe(true);
        expect(set.columns.label).toEqual(['a', 'b']);
      } finally {
        await store.close();
      }
    });
  });
}
