import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCleanDataset } from '../../app/import/test-fixture.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { MIGRATIONS, DUCKDB_DIALECT } from '../../store/schema.ts';
import { runCaptured } from '../test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-pii-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** Personal values planted in bad rows; none may appear in any output but the customers table. */
const PII = ['张三丰', '13912345678', 'zsf@example.com', '1985-02-30', '李四娘', '13800001111', 'lisi@example.org', '1990-13-01', '620102198502301234', '王五', '15900002222'];

const HEADER = 'customer_id,customer_type,join_date,region,gender,birth_date,name,phone,email,x_idcard';

function piiDataset(): string {
  const dir = join(root, `ds-${n++}`);
  mkdirSync(dir);
  writeCleanDataset(dir, 6); // usage and churn for C0001..C0006
  const good = Array.from({ length: 6 }, (_, i) => `C000${i + 1},individual,2023-01-15,甘肃/酒泉/肃州区,F,1980-01-0${i + 1},n${i},1390000000${i},c${i}@x.cn,`);
  const bad = [
    // An invalid birth date (a value check on a personal column).
    'C0101,individual,2023-01-15,甘肃,M,1985-02-30,张三丰,13912345678,zsf@example.com,620102198502301234',
    // Wrong number of fields: the whole raw row used to be stored.
    'C0102,individual,2023-01-15,甘肃,F,1990-01-01,李四娘,13800001111,lisi@example.org,extra,fields',
    // A quoting error in a personal field.
    'C0103,individual,2023-01-15,甘肃,M,1990-13-01,王"五,15900002222,w@x.cn,',
  ];
  writeFileSync(join(dir, 'customers.csv'), [HEADER, ...good, ...bad].join('\n') + '\n');
  return dir;
}

/** Every table of the store but customers, as text. */
async function storeText(db: string): Promise<{ text: string; rejects: number }> {
  const store = await DuckDBStore.open(db);
  try {
    const tables = await store.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_name <> 'customers'");
    expect(tables.map((t) => t.t)).toContain('import_rejects');
    let text = '';
    for (const { t } of tables) text += JSON.stringify(await store.query(`SELECT * FROM "${t}"`)) + '\n';
    const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM import_rejects');
    return { text, rejects: Number(row?.n) };
  } finally {
    await store.close();
  }
}

describe('rejects carry no personal data', () => {
  it('rejects PII: no personal value in stdout, stderr, the rejects file or any store table but customers', async () => {
    const dir = piiDataset();
    const db = join(dir, 's.duckdb');
    const rejects = join(dir, 'rejects.csv');
    const outputs: string[] = [];
    for (const format of ['--json', '--format=table', '--format=csv']) {
      const run = await runCaptured(['import', dir, '--db', db, '--rejects', rejects, format]);
      expect(run.code).toBe(1);
      outputs.push(run.out, run.err, readFileSync(rejects, 'utf8'));
      // The rejects are reported all the same: line, column, reason.
      expect(run.err).toMatch(/customers:8:birth_date: invalid_date/);
      expect(run.err).toMatch(/customers:9:\(row\): wrong_field_count: expected 10 fields, found 11 \(row of \d+ bytes, sha256 [0-9a-f]{12}…\)/);
      expect(run.err).toMatch(/customers:10:name: quote_in_unquoted_field/);
    }
    expect(statSync(rejects).mode & 0o777).toBe(0o600);
    const file = readFileSync(rejects, 'utf8');
    expect(file).toMatch(/^customers,8,birth_date,,invalid_date[^\n]*,,$/m);
    expect(file).toMatch(/^customers,9,,,"wrong_field_count: expected 10 fields, found 11",\d+,[0-9a-f]{64}$/m);
    const stored = await storeText(db);
    expect(stored.rejects).toBeGreaterThanOrEqual(3);
    outputs.push(stored.text);
    const all = outputs.join('\n');
    for (const value of PII) expect(all.includes(value), `${value} leaked`).toBe(false);
    // The good rows' personal data is in customers, where it belongs.
    const store = await DuckDBStore.open(db);
    try {
      const [row] = await store.query<{ n: number }>("SELECT count(*) AS n FROM customers WHERE phone LIKE '1390000000%'");
      expect(row?.n).toBe(6);
    } finally {
      await store.close();
    }
  });

  it('birth_date value: an invalid birth date is reported by column and reason, its value withheld', async () => {
    const dir = piiDataset();
    const run = await runCaptured(['import', dir, '--db', join(dir, 's.duckdb'), '--json']);
    const line = run.err.split('\n').find((l) => l.includes(':birth_date:'));
    expect(line).toBe('customers:8:birth_date: invalid_date: not a real calendar date');
  });

  it('stored rejects are purged after the retention (default 30 days, --rejects-retention-days)', async () => {
    const dir = piiDataset();
    const db = join(dir, 's.duckdb');
    expect((await runCaptured(['import', dir, '--db', db])).code).toBe(1);
    const age = async (days: number) => {
      const store = await DuckDBStore.open(db);
      try {
        await store.run(`UPDATE import_runs SET finished_at = finished_at - to_days(${days})`);
      } finally {
        await store.close();
      }
    };
    const runsWithRejects = async () => {
      const store = await DuckDBStore.open(db);
      try {
        const [row] = await store.query<{ n: number }>('SELECT count(DISTINCT run_id) AS n FROM import_rejects');
        return Number(row?.n);
      } finally {
        await store.close();
      }
    };
    await age(20);
    expect((await runCaptured(['import', dir, '--db', db])).code).toBe(1);
    expect(await runsWithRejects()).toBe(2); // 20 days old: kept under the default 30
    await age(20); // now 40 and 20 days old
    expect((await runCaptured(['import', dir, '--db', db])).code).toBe(1);
    expect(await runsWithRejects()).toBe(2); // the 40-day-old run's rejects went
    expect((await runCaptured(['import', dir, '--db', db, '--rejects-retention-days', '0'])).code).toBe(1);
    expect(await runsWithRejects()).toBe(1); // only this run's
    const bad = await runCaptured(['import', dir, '--db', db, '--rejects-retention-days', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/rejects retention .* must be a whole number of days/);
  });

  it('migration 3 scrubs personal values and raw rows stored by earlier versions', async () => {
    const db = join(root, `old-${n++}.duckdb`);
    const store = await DuckDBStore.open(db, { migrate: false });
    try {
      await store.run('CREATE TABLE schema_migrations (version INTEGER, description VARCHAR, applied_at TIMESTAMP)');
      for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
        for (const sql of m.statements(DUCKDB_DIALECT)) await store.run(sql);
        await store.run('INSERT INTO schema_migrations VALUES ($1, $2, current_timestamp)', [m.version, m.description]);
      }
      await store.run(`INSERT INTO import_rejects VALUES
        ('r', 'customers', 9, '', 'C0102,individual,2023-01-15,甘肃,F,1990-01-01,李四娘,13800001111', 'wrong_field_count: expected 10 fields, found 12'),
        ('r', 'customers', 8, 'birth_date', '1985-02-30', 'invalid_date: not a real calendar date'),
        ('r', 'customers', 10, 'name', 'C0103,王"五', 'quote_in_unquoted_field: a quote inside an unquoted field'),
        ('r', 'monthly_usage', 14, 'customer_id', 'C0404', 'unknown_customer: customer_id C0404 is not in customers')`);
      await store.migrate();
      const rows = await store.query<{ line: number; value: string | null }>('SELECT line, value FROM import_rejects ORDER BY line');
      expect(rows).toEqual([
        { line: 8, value: null },
        { line: 9, value: null },
        { line: 10, value: null },
        { line: 14, value: 'C0404' },
      ]);
    } finally {
      await store.close();
    }
  });
});
