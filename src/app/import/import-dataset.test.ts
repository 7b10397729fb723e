import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { reasonCode } from '../../contract/rules.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset, type ImportReport } from './import-dataset.ts';
import { customerLine, FixtureFile, HEADERS, usageLine, writeCleanDataset, type ExpectedReject, freshDirs } from './test-fixture.ts';

const { root, fresh } = freshDirs('tenure-import-');

/** Injects one bad row of every kind the contract names, recording where each must be reported. */
function writeDirtyDataset(dir: string): ExpectedReject[] {
  const exp: ExpectedReject[] = [];
  const c = new FixtureFile('customers', HEADERS.customers, exp);
  for (let i = 1; i <= 10; i++) c.add(customerLine(i));
  c.add('C0011,individual,2023-13-01,甘肃,M,,,', { column: 'join_date', code: 'invalid_date' });
  c.add('C0012,person,2023-01-01,甘肃,M,,,', { column: 'customer_type', code: 'invalid_value' });
  c.add('C0013,individual,2023-01-01,,M,,,', { column: 'region', code: 'missing_value' });
  c.add('C0001,business,2023-01-15,甘肃,M,,,', { column: 'customer_id', code: 'duplicate_key' });
  c.add(customerLine(2)); // exact repeat: accepted, changes nothing
  c.add('C0014,individual,2023-01-01,甘肃,m,,,', { column: 'gender', code: 'invalid_value' });
  c.add('C0015,individual,2023-01-01,甘肃/兰州,F,"Li\nSi",,'); // multi-line field: later lines shift
  c.add('C0016,business,2023-01-01,甘肃,F,,-5,', { column: 'employees', code: 'negative' });
  c.add('C0017,individual,2023-01-01,甘肃,F,Wang"x,,', { column: 'name', code: 'quote_in_unquoted_field' });
  c.add('C0018,individual,2023-01-01,甘肃,F', { column: '', code: 'wrong_field_count' });
  c.add('C0019,business,2023-01-01,甘肃,,"Acme, ""Ltd""",12,'); // blank optional gender, doubled quotes: fine
  c.add('C0020,individual,2023-01-01,甘肃,F,"Zhao"x,,', { column: 'name', code: 'text_after_closing_quote' });
  c.add('C0021,individual,2023-1-01,甘肃,F,,1.5,', [
    { column: 'join_date', code: 'not_date' },
    { column: 'employees', code: 'not_integer' },
  ]);
  c.write(dir);

  const u = new FixtureFile('monthly_usage', HEADERS.monthly_usage, exp);
  for (let i = 1; i <= 10; i++) u.add(usageLine(i, '2024-01'));
  u.add('C0001,2024-02,1e5,1,10,5,5,1,5,1,', { column: 'revenue', code: 'not_decimal' });
  u.add('C0002,2024-02,10.1234567,1,10,5,5,1,5,1,', { column: 'revenue', code: 'too_many_decimals' });
  u.add('C0003,2024-02,-1,1,10,5,5,1,5,1,', { column: 'revenue', code: 'negative' });
  u.add('C0004,2024-13,1,1,10,5,5,1,5,1,', { column: 'month', code: 'invalid_month' });
  u.add('C0005,2024-02,1,1,10,11,5,1,5,1,', { column: 'outgoing_minutes', code: 'outgoing_minutes_exceeds_voice_minutes' });
  u.add('C0006,2024-02,1,1,10,5,5,6,5,1,', { column: 'dropped_calls', code: 'dropped_calls_exceeds_calls' });
  u.add('C0007,2024-02,1,1,10,5,5,1,5,6,', { column: 'on_net_contacts', code: 'on_net_contacts_exceeds_distinct_contacts' });
  u.add('C0999,2024-02,1,1,10,5,5,1,5,1,', { column: 'customer_id', code: 'unknown_customer' });
  u.add('C0011,2024-02,1,1,10,5,5,1,5,1,', { column: 'customer_id', code: 'unknown_customer' }); // its customer row was rejected
  u.add('C0001,2024-01,99,1,10,5,5,1,5,1,1.5', { column: 'customer_id/month', code: 'duplicate_key' });
  u.add(usageLine(2, '2024-01')); // exact repeat
  u.add('C0008,2024-02,,1,10,5,5,1,5,1,', { column: 'revenue', code: 'missing_value' });
  u.add('C0009,2024-02,１２,1,10,5,5,1,5,1,', { column: 'revenue', code: 'not_decimal' });
  u.add('C0010,2024-02,"5"x,1,10,5,5,1,5,1,', { column: 'revenue', code: 'text_after_closing_quote' });
  u.add('C0010,2024-03,5,1,10,5,5,1,5,1,abc', { column: 'x_speed', code: 'not_decimal' });
  u.add('C0010,2024-04,5,1,10,5,5,1,5,1,2.5,9', { column: '', code: 'wrong_field_count' });
  u.add('C0015,2024-02,"1,000",1,10,5,5,1,5,1,', { column: 'revenue', code: 'not_decimal' });
  u.add('C0019,2024-02,7.5,1,10,5,5,1,5,1,-2.5'); // negative extras are fine
  u.write(dir);

  const s = new FixtureFile('subscriptions', HEADERS.subscriptions, exp);
  s.add('S1,C0001,P1,voice,2023-01-15,39.00');
  s.add('S2,C0002,P1,phone,2023-01-15,39.00', { column: 'category', code: 'invalid_value' });
  s.add('S3,C0002,P1,voice,2023-01-15,39.0000001', { column: 'monthly_fee', code: 'too_many_decimals' });
  s.add('S4,C0404,P1,voice,2023-01-15,39', { column: 'customer_id', code: 'unknown_customer' });
  s.write(dir);

  const it = new FixtureFile('interactions', HEADERS.interactions, exp);
  it.add('I1,C0001,2024-01-05T10:00:00+00:00,hotline,complaint,false,2');
  it.add('I2,C0001,2024-01-05 10:00,app,inquiry,,6', { column: 'satisfaction', code: 'out_of_range' });
  it.add('I3,C0001,2024-01-05 25:00,app,inquiry,,', { column: 'ts', code: 'invalid_timestamp' });
  it.add('I4,C0001,2024-01-05T10:00,fax,inquiry,,', { column: 'channel', code: 'invalid_value' });
  it.add('I5,C0001,2024-01-05T10:00,app,inquiry,yes,', { column: 'resolved', code: 'not_boolean' });
  it.add('I6,C0001,5 Jan 2024,app,inquiry,,', { column: 'ts', code: 'not_timestamp' });
  it.write(dir);

  const ch = new FixtureFile('churn_events', HEADERS.churn_events, exp);
  ch.add('C0001,2022-12-31,voluntary,101,', { column: 'churn_date', code: 'churn_before_join' });
  ch.add('C0002,2024-05-01,voluntary,335,', { column: 'churn_type', code: 'churn_type_mismatch' });
  ch.add('C0003,2024-05-01,voluntary,999,', { column: 'reason_code', code: 'unknown_reason_code' });
  ch.add('C0004,2024-05-01,voluntary,901,Rival'); // 901 comes from this data set's reason_codes
  ch.add('C0005,2024-05-01,involuntary,335,');
  ch.add('C0999,2024-05-01,involuntary,335,', { column: 'customer_id', code: 'unknown_customer' });
  ch.write(dir);

  const sv = new FixtureFile('surveys', HEADERS.surveys, exp);
  sv.add('all,price,7.5,8,6');
  sv.add('甘肃,price,11,8,6', { column: 'rating', code: 'out_of_range' });
  sv.write(dir);

  const rc = new FixtureFile('reason_codes', HEADERS.reason_codes, exp);
  rc.add('901,voluntary,price,套餐,plan fit');
  rc.add('902,sideways,price,x,y', { column: 'type', code: 'invalid_value' });
  rc.write(dir);
  return exp;
}

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
