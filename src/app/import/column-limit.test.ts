import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset } from './import-dataset.ts';
import { MAX_COLUMNS_PER_FILE } from './layout.ts';
import { writeCleanDataset } from './test-fixture.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-columns-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Widens a file of the clean data set to `total` columns with x_ extras holding `value`. */
function widen(dir: string, file: string, total: number, value: string): void {
  const [header = '', ...rows] = readFileSync(join(dir, `${file}.csv`), 'utf8').split('\n');
  const k = total - header.split(',').length;
  const extraNames = Array.from({ length: k }, (_, i) => `,x_wide${i}`).join('');
  const extraValues = `,${value}`.repeat(k);
  writeFileSync(join(dir, `${file}.csv`), [header + extraNames, ...rows.map((r) => (r === '' ? r : r + extraValues))].join('\n'));
}

async function importInto(name: string, prepare: (dir: string) => void) {
  const dir = join(root, name);
  mkdirSync(dir);
  writeCleanDataset(dir, 6);
  prepare(dir);
  const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [dir] });
  try {
    const report = await importDataset(store, dir, { prepareAnalytics: false });
    const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers');
    return { report, customers: Number(row?.n) };
  } finally {
    await store.close();
  }
}

describe('columns per file', () => {
  it('2,000 columns fail with a misleading DuckDB error → a schema error naming the limit, nothing loaded', async () => {
    const { report, customers } = await importInto('wide', (dir) => widen(dir, 'customers', 2000, 'a'));
    const file = report.files.find((f) => f.file === 'customers');
    expect(file?.status).toBe('schema_error');
    expect(file?.errors).toEqual([`2000 columns in the header; a file may have at most ${MAX_COLUMNS_PER_FILE} (contract columns and x_ extras together)`]);
    expect(JSON.stringify(report)).not.toMatch(/expression depth|Parser Error/);
    expect(customers).toBe(0);
  });

  it(`files of exactly ${MAX_COLUMNS_PER_FILE} columns import (text extras in customers, numeric in monthly_usage)`, async () => {
    const { report, customers } = await importInto('at-limit', (dir) => {
      widen(dir, 'customers', MAX_COLUMNS_PER_FILE, 'a');
      widen(dir, 'monthly_usage', MAX_COLUMNS_PER_FILE, '1.5');
    });
    expect(report.files.map((f) => [f.file, f.status, f.rejected])).toEqual([
      ['customers', 'loaded', 0],
      ['monthly_usage', 'loaded', 0],
      ['churn_events', 'loaded', 0],
    ]);
    expect(customers).toBe(6);
  }, 60_000);
});
