import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeSuite } from '../store-suite.ts';
import { DuckDBStore } from './duckdb-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-duckdb-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The suite stages files it writes under the OS temp folder: the engine may read only that.
storeSuite('duckdb', () => DuckDBStore.open(join(dir, `store-${n++}.duckdb`), { readableDirectories: [tmpdir()] }));

describe('DuckDBStore', () => {
  it('reports an unreadable store file clearly', async () => {
    const path = join(dir, 'not-a-db.duckdb');
    (await import('node:fs')).writeFileSync(path, 'this is not a duckdb file');
    await expect(DuckDBStore.open(path)).rejects.toThrow(/cannot open DuckDB store/);
  });
});

describe('DuckDBStore.stageFile', () => {
  it('refuses to run inside a transaction, where rowids are provisional and not file positions', async () => {
    const store = await DuckDBStore.open(join(dir, `store-${n++}.duckdb`), { readableDirectories: [dir] });
    try {
      const path = join(dir, 'stage.csv');
      (await import('node:fs')).writeFileSync(path, 'a\n1\n2\n');
      const request = { path, format: 'csv' as const, columns: ['a'], table: 'staged' };
      await expect(store.transaction((tx) => store.stageFile(tx, request))).rejects.toThrow(/outside a transaction/);
      expect(await store.stageFile(store, request)).toBe(2);
      expect(await store.query('SELECT _pos AS r, a FROM staged ORDER BY _pos')).toEqual([
        { r: 0, a: '1' },
        { r: 1, a: '2' },
      ]);
    } finally {
      await store.close();
    }
  });
});
