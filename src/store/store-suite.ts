import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AnalyticsStore } from './port.ts';
import { SCHEMA_VERSION } from './schema.ts';

/**
 * The shared store suite: every adapter runs it against a real engine (no mocks), as Kysely
 * does with its dialects. `open` must return a fresh, empty, migrated store.
 */
export interface SuiteOptions {
  /** Whether the store reads data files (stageFile, describeFile): every adapter does, through DuckDB's reader. */
  readonly readsFiles: boolean;
}

export function storeSuite(engine: string, open: () => Promise<AnalyticsStore>, options: SuiteOptions = { readsFiles: true }): void {
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

    it('normalises timestamps to ISO text and booleans to booleans', async () => {
      const store = await open();
      try {
        const [row] = await store.query("SELECT CAST('2024-03-01 23:59:58.5' AS TIMESTAMP) AS ts, CAST('2024-03-01 00:00:00' AS TIMESTAMP) AS midnight, 1 < 2 AS yes, CAST(9007199254740993 AS BIGINT) AS big");
        expect(row).toEqual({ ts: '2024-03-01 23:59:58.5', midnight: '2024-03-01 00:00:00', yes: true, big: 9007199254740993n });
      } finally {
        await store.close();
      }
    });

    it('binds parameters by position, the same on every engine', async () => {
      const store = await open();
      try {
        const [row] = await store.query('SELECT CAST($1 AS VARCHAR) AS a, CAST($2 AS INTEGER) + 1 AS b, CAST($3 AS DATE) AS c', ["it's", 41, '2024-01-31']);
        expect(row).toEqual({ a: "it's", b: 42, c: '2024-01-31' });
      } finally {
        await store.close();
      }
    });

    it.runIf(options.readsFiles)('stages a CSV as text columns in file order, through the given query', async () => {
      const store = await open();
      const dir = mkdtempSync(join(tmpdir(), 'tenure-stage-'));
      try {
        const path = join(dir, 'x.csv');
        const rows = Array.from({ length: 5000 }, (_, i) => `${i},"v ${i}, ""q""",${i % 3 === 0 ? '' : '0' + i}`);
        writeFileSync(path, `\uFEFFN,Label,pad\r\n"1\n2",x,\r\n${rows.join('\r\n')}\r\n`);
        const n = await store.stageFile(store, {
          path,
          format: 'csv',
          columns: ['n', 'label', 'pad'],
          table: 'suite_stage',
          query: (source) => `SELECT n, label, pad, pad IS NULL AS blank FROM ${source}`,
        });
        expect(n).toBe(5001);
        const got = await store.query('SELECT _pos, n, label, pad, blank FROM suite_stage ORDER BY _pos LIMIT 3');
        expect(got).toEqual([
          { _pos: 0, n: '1\n2', label: 'x', pad: null, blank: true },
          { _pos: 1, n: '0', label: 'v 0, "q"', pad: null, blank: true },
          { _pos: 2, n: '1', label: 'v 1, "q"', pad: '01', blank: false },
        ]);
        // `_pos` is the record's position in the file.
        const [order] = await store.query('SELECT count(*) AS wrong, count(DISTINCT _pos) AS distinct_pos, max(_pos) AS last FROM suite_stage WHERE _pos > 0 AND CAST(n AS BIGINT) <> _pos - 1');
        expect(order).toEqual({ wrong: 0, distinct_pos: 0, last: null });
        const [all] = await store.query('SELECT count(DISTINCT _pos) AS n, min(_pos) AS first, max(_pos) AS last FROM suite_stage');
        expect(all).toEqual({ n: 5001, first: 0, last: 5000 });
        // Typed columns keep their types on the store: a staged date compares as a date.
        await store.stageFile(store, {
          path,
          format: 'csv',
          columns: ['n', 'label', 'pad'],
          table: 'suite_typed',
          query: (source) => `SELECT TRY_CAST(n AS BIGINT) AS k, CAST(TRY_CAST(n AS BIGINT) * 0.5 AS DECIMAL(18,6)) AS half, DATE '2024-01-31' + CAST(TRY_CAST(n AS BIGINT) % 3 AS INTEGER) AS d FROM ${source}`,
        });
        expect(await store.query("SELECT k, half, d, d > DATE '2024-02-01' AS later FROM suite_typed WHERE _pos IN (0, 3) ORDER BY _pos")).toEqual([
          { k: null, half: null, d: null, later: null },
          { k: 2, half: '1.000000', d: '2024-02-02', later: true },
        ]);
        const pq = join(dir, 'x.parquet');
        const writer = await DuckDBInstance.create(':memory:');
        try {
          const c = await writer.connect();
          await c.run(`COPY (SELECT 1 AS "Customer_ID", DATE '2024-01-31' AS d) TO '${pq}' (FORMAT parquet)`);
          c.closeSync();
        } finally {
          writer.closeSync();
        }
        expect(await store.describeFile(pq, 'parquet')).toEqual(['Customer_ID', 'd']);
        await store.stageFile(store, { path: pq, format: 'parquet', columns: ['customer_id', 'd'], table: 'suite_pq' });
        expect(await store.query('SELECT * FROM suite_pq')).toEqual([{ _pos: 0, customer_id: '1', d: '2024-01-31' }]);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
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

    it('stages in-memory columns as a temporary table and reads them back unchanged', async () => {
      const store = await open();
      try {
        // More rows than one DuckDB vector (2048), NaN and null, text that CSV would have to quote.
        const n = 5000;
        const i = Float64Array.from({ length: n }, (_, k) => k);
        const x = Float64Array.from({ length: n }, (_, i) => (i % 7 === 3 ? Number.NaN : i / 3));
        const label = Array.from({ length: n }, (_, i) => (i % 11 === 5 ? null : `客户 "${i}",\n${'é'.repeat(i % 3)}`));
        expect(await store.stageColumns('staged_cols', { rowCount: n, names: ['i', 'x', 'label'], columns: { i, x, label } })).toBe(n);
        const back = await store.queryColumns('SELECT x, label FROM staged_cols ORDER BY i');
        expect(Array.from(back.columns.x as Float64Array)).toEqual(Array.from(x));
        expect(back.columns.label).toEqual(label);
        const [nulls] = await store.query<{ n: number }>('SELECT count(*) AS n FROM staged_cols WHERE x IS NULL');
        expect(Number(nulls?.n)).toBe(Math.floor((n - 4) / 7) + 1);
        // Staging again replaces the table.
        expect(await store.stageColumns('staged_cols', { rowCount: 1, names: ['label'], columns: { label: [''] } })).toBe(1);
        expect(await store.query('SELECT label FROM staged_cols')).toEqual([{ label: '' }]);
        await expect(store.stageColumns('bad', { rowCount: 2, names: ['x'], columns: { x: new Float64Array(1) } })).rejects.toThrow(/1 values, expected 2/);
      } finally {
        await store.close();
      }
    });
  });
}
