import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { reasonCode } from '../../contract/rules.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset, type ImportReport } from './import-dataset.ts';
import { customerLine, FixtureFile, HEADERS, usageLine, writeCleanDataset, writeDirtyDataset, type ExpectedReject, freshDirs } from './test-fixture.ts';

const { root, fresh } = freshDirs('tenure-import-');

async function rejectsOf(store: DuckDBStore, runId: string): Promise<ExpectedReject[]> {
  const rows = await store.query<{ file: string; line: number; column: string; reason: string }>(
    'SELECT file, line, "column", reason FROM import_rejects WHERE run_id = $1',
    [runId],
  );
  return rows.map((r) => [r.file, r.line, r.column, reasonCode(r.reason)] as const);
}

const sortRejects = (list: readonly ExpectedReject[]) => [...list].map((r) => r.join('|')).sort();

function counts(report: ImportReport) {
  return Object.fromEntries(report.files.map((f) => [f.file, [f.read, f.accepted, f.rejected]]));
}

describe('importDataset', () => {
  it('reports every kind of bad row with file, physical line, column and reason; counts add up', async () => {
    const dir = fresh('dirty');
    const expected = writeDirtyDataset(dir);
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      const report = await importDataset(store, dir);
      expect(sortRejects(await rejectsOf(store, report.runId))).toEqual(sortRejects(expected));
      expect(counts(report)).toEqual({
        reason_codes: [2, 1, 1],
        customers: [23, 13, 10],
        subscriptions: [4, 1, 3],
        monthly_usage: [28, 12, 16],
        interactions: [6, 1, 5],
        churn_events: [6, 2, 4],
        surveys: [2, 1, 1],
      });
      for (const f of report.files) expect(f.accepted + f.rejected).toBe(f.read);
      expect(report.rejected).toBe(expected.length - 1); // C0021 counts once for its two bad columns
      // Stored values: derived region parts, x_ extras, local time, exact money.
      const [c15] = await store.query("SELECT name, province, city, district FROM customers WHERE customer_id = 'C0015'");
      expect(c15).toEqual({ name: 'Li\nSi', province: '甘肃', city: '兰州', district: null });
      const [c1] = await store.query("SELECT x_segment FROM customers WHERE customer_id = 'C0001'");
      expect(c1).toEqual({ x_segment: 'seg1' });
      const [c19] = await store.query("SELECT name, employees FROM customers WHERE customer_id = 'C0019'");
      expect(c19).toEqual({ name: 'Acme, "Ltd"', employees: 12 });
      const [i1] = await store.query("SELECT CAST(ts AS VARCHAR) AS ts FROM interactions WHERE interaction_id = 'I1'");
      expect(i1?.ts).toBe('2024-01-05 18:00:00');
      const extras = await store.query('SELECT customer_id, strftime(month, \'%Y-%m\') AS month, x_speed FROM monthly_usage WHERE x_speed IS NOT NULL ORDER BY 1, 2');
      expect(extras.length).toBe(11); // ten clean rows and C0019
      expect(extras).toContainEqual({ customer_id: 'C0019', month: '2024-02', x_speed: -2.5 });
      const [usage] = await store.query("SELECT revenue FROM monthly_usage WHERE customer_id = 'C0001'");
      expect(usage?.revenue).toBe('38.500000');
      const [rc] = await store.query("SELECT count(*) AS n FROM reason_codes WHERE code IN ('101', '901')");
      expect(rc?.n).toBe(2);
      const runs = await store.query('SELECT file, rows_read, accepted, rejected FROM import_runs WHERE run_id = $1', [report.runId]);
      expect(runs.length).toBe(7);
    } finally {
      await store.close();
    }
  });

  it('gives the same rejects when too many suspects force the lexical checks into SQL', async () => {
    const dir = fresh('overflow');
    const expected = writeDirtyDataset(dir);
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      const report = await importDataset(store, dir, { maxSuspects: 0 });
      expect(sortRejects(await rejectsOf(store, report.runId))).toEqual(sortRejects(expected));
    } finally {
      await store.close();
    }
  });

  it('re-importing is a no-op, and a changed row replaces the stored one', async () => {
    const dir = fresh('idem');
    const rows = writeCleanDataset(dir, 40);
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      const first = await importDataset(store, dir);
      expect(first.files.map((f) => [f.file, f.inserted, f.rejected])).toEqual([
        ['customers', rows.customers, 0],
        ['monthly_usage', rows.monthly_usage, 0],
        ['churn_events', rows.churn_events, 0],
      ]);
      const second = await importDataset(store, dir);
      for (const f of second.files) expect([f.inserted, f.updated, f.unchanged]).toEqual([0, 0, f.read]);
      const text = readFileSync(join(dir, 'customers.csv'), 'utf8').replace(customerLine(3), customerLine(3, '四川/成都'));
      writeFileSync(join(dir, 'customers.csv'), text);
      const third = await importDataset(store, dir);
      const customers = third.files.find((f) => f.file === 'customers');
      expect(customers).toMatchObject({ inserted: 0, updated: 1, unchanged: rows.customers - 1 });
      const [c3] = await store.query("SELECT region, province, city FROM customers WHERE customer_id = 'C0003'");
      expect(c3).toEqual({ region: '四川/成都', province: '四川', city: '成都' });
      const [total] = await store.query('SELECT count(*) AS n FROM customers');
      expect(total?.n).toBe(rows.customers);
      // An x_ measure change is a change of the usage row.
      const usage = readFileSync(join(dir, 'monthly_usage.csv'), 'utf8').replace(`${usageLine(4, '2024-02')}\n`, `${usageLine(4, '2024-02').replace(/1\.5$/, '2.5')}\n`);
      writeFileSync(join(dir, 'monthly_usage.csv'), usage);
      const fourth = await importDataset(store, dir);
      expect(fourth.files.find((f) => f.file === 'monthly_usage')).toMatchObject({ updated: 1, inserted: 0 });
      const [x] = await store.query("SELECT x_speed FROM monthly_usage WHERE customer_id = 'C0004' AND month = DATE '2024-02-01'");
      expect(x?.x_speed).toBe(2.5);
      const [nx] = await store.query('SELECT count(x_speed) AS n FROM monthly_usage');
      expect(nx?.n).toBe(rows.monthly_usage);
    } finally {
      await store.close();
    }
  });

  it('reads .csv.gz and Parquet files like CSV; Parquet lines are row number + 1', async () => {
    const dir = fresh('formats');
    const exp: ExpectedReject[] = [];
    writeCleanDataset(dir, 12);
    const usage = new FixtureFile('monthly_usage', HEADERS.monthly_usage, exp);
    for (let i = 1; i <= 12; i++) usage.add(usageLine(i, '2024-01'));
    usage.add('C0001,2024-02,"12\n.5",1,10,5,5,1,5,1,', { column: 'revenue', code: 'not_decimal' });
    usage.add('C0002,2024-02,3,1,10,5,5,1,5,1,', []);
    usage.add('C0003,2024-02,3,1,10,5,5,1,5,1,oops', { column: 'x_speed', code: 'not_decimal' });
    const csvPath = usage.write(dir);
    writeFileSync(`${csvPath}.gz`, gzipSync(readFileSync(csvPath)));
    rmSync(csvPath);
    const custPath = join(dir, 'customers.csv');
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      const gz = await importDataset(store, dir);
      expect(sortRejects(await rejectsOf(store, gz.runId))).toEqual(sortRejects(exp));
      // Parquet: the same customers, typed columns (DATE) included, and one bad row.
      await store.run(
        `COPY (SELECT customer_id AS Customer_ID, customer_type, CAST(join_date AS DATE) AS join_date, region, gender FROM read_csv('${custPath}', all_varchar = true)
               UNION ALL SELECT 'C0100', 'individual', DATE '2023-02-01', '甘肃', 'X') TO '${join(dir, 'customers.parquet')}' (FORMAT parquet)`,
      );
      rmSync(custPath);
      const pq = await importDataset(store, dir);
      const customers = pq.files.find((f) => f.file === 'customers');
      expect(customers).toMatchObject({ read: 13, accepted: 12, rejected: 1 });
      expect(await rejectsOf(store, pq.runId)).toContainEqual(['customers', 14, 'gender', 'invalid_value']);
    } finally {
      await store.close();
    }
  });

  it('handles CR-only line ends, blank lines, a missing final newline and a header-only file', async () => {
    const dir = fresh('endings');
    writeFileSync(join(dir, 'customers.csv'), 'customer_id,customer_type,join_date,region\rC1,individual,2023-01-05,甘肃\rC2,business,2023-02-01,甘肃\r');
    writeFileSync(join(dir, 'monthly_usage.csv'), 'customer_id,month,revenue\n\nC1,2023-01,10\n\n\nC2,2023-01,x\nC1,2023-02,3');
    writeFileSync(join(dir, 'churn_events.csv'), 'customer_id,churn_date,churn_type,reason_code\r\n');
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      const report = await importDataset(store, dir);
      expect(counts(report)).toEqual({ customers: [2, 2, 0], monthly_usage: [3, 2, 1], churn_events: [0, 0, 0] });
      expect(await rejectsOf(store, report.runId)).toEqual([['monthly_usage', 6, 'revenue', 'not_decimal']]);
    } finally {
      await store.close();
    }
  });

  it('a schema error loads nothing of that file and the other files still run', async () => {
    const dir = fresh('schema');
    writeCleanDataset(dir, 5);
    const text = readFileSync(join(dir, 'customers.csv'), 'utf8').replace('customer_id,', 'Customer_ID,colour,').replace(/\n(C\d+),/g, '\n$1,red,');
    writeFileSync(join(dir, 'customers.csv'), text);
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      const report = await importDataset(store, dir);
      const customers = report.files.find((f) => f.file === 'customers');
      expect(customers?.status).toBe('schema_error');
      expect(customers?.errors).toEqual(['unknown column colour (only contract columns and x_ extras are allowed)']);
      const [row] = await store.query('SELECT count(*) AS n FROM customers');
      expect(row?.n).toBe(0);
      const usage = report.files.find((f) => f.file === 'monthly_usage');
      expect(usage).toMatchObject({ status: 'loaded', read: 10, rejected: 10 });
    } finally {
      await store.close();
    }
  });
});
