import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeSuite } from '../store-suite.ts';
import { DuckDBStore } from './duckdb-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-duckdb-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeSuite('duckdb', () => DuckDBStore.open(join(dir, `store-${n++}.duckdb`)));

describe('DuckDBStore', () => {
  it('reports an unreadable store file clearly', async () => {
    const path = join(dir, 'not-a-db.duckdb');
    (await import('node:fs')).writeFileSync(path, 'this is not a duckdb file');
    await expect(DuckDBStore.open(path)).rejects.toThrow(/cannot open DuckDB store/);
  });
});
