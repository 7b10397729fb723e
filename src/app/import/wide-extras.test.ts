import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { DUCKDB_DIALECT, MIGRATIONS, SCHEMA_VERSION } from '../../store/schema.ts';
import { storedExtras } from '../../store/wide-extras.ts';
import { importDataset } from './import-dataset.ts';
import { writeCleanDataset, freshDirs } from './test-fixture.ts';

const { root, fresh } = freshDirs('tenure-xcols-');

const files = (dir: string, f: Record<string, string[]>) => {
  for (const [name, lines] of Object.entries(f)) writeFileSync(join(dir, `${name}.csv`), `${lines.join('\n')}\n`);
};

const outcome = (r: Awaited<ReturnType<typeof importDataset>>, file: string) => {
  const f = r.files.find((x) => x.file === file);
  return f ? { read: f.read, rejected: f.rejected, inserted: f.inserted, updated: f.updated, unchanged: f.unchanged } : null;
};

describe('x_ columns as wide typed columns', () => {
  it('types customer attributes by their values, adds columns on re-import, and leaves absent ones NULL', async () => {
    const dir = fresh('reimport');
    files(dir, {
      customers: [
        'customer_id,customer_type,join_date,region,x_segment,x_score,x_code,x_id_number',
        'C1,individual,2023-01-15,甘肃,gold,12,007,110101199003071234',
        'C2,individual,2023-02-15,甘肃,basic,-2.5,12,110101199003075678',
        'C3,individual,2023-03-15,甘肃,,,,',
      ],
      monthly_usage: ['customer_id,month,revenue,x_outage_hours', 'C1,2024-01,10,1.5', 'C2,2024-01,20,', 'C3,2024-01,30,0'],
      churn_events: ['customer_id,churn_date,churn_type,reason_code'],
    });
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      const first = await importDataset(store, dir, { prepareAnalytics: false });
      expect(first.rejected).toBe(0);
      expect(await storedExtras(store, 'customers')).toEqual([
        { name: 'x_segment', type: 'text' },
        { name: 'x_score', type: 'number' },
        // A leading zero or 18 digits would not survive a number: kept as text.
        { name: 'x_code', type: 'text' },
        { name: 'x_id_number', type: 'text' },
      ]);
      expect(await storedExtras(store, 'monthly_usage')).toEqual([{ name: 'x_outage_hours', type: 'number' }]);
      expect(await store.query('SELECT customer_id, x_segment, x_score, x_code FROM customers ORDER BY 1')).toEqual([
        { customer_id: 'C1', x_segment: 'gold', x_score: 12, x_code: '007' },
        { customer_id: 'C2', x_segment: 'basic', x_score: -2.5, x_code: '12' },
        { customer_id: 'C3', x_segment: null, x_score: null, x_code: null },
      ]);
      const again = await importDataset(store, dir, { prepareAnalytics: false });
      expect(outcome(again, 'customers')).toEqual({ read: 3, rejected: 0, inserted: 0, updated: 0, unchanged: 3 });
      expect(outcome(again, 'monthly_usage')).toEqual({ read: 3, rejected: 0, inserted: 0, updated: 0, unchanged: 3 });

      // The next export: x_code and x_id_number gone, x_score now text, a new attribute and measure.
      files(dir, {
        customers: [
          'customer_id,customer_type,join_date,region,x_segment,x_score,x_tier',
          'C1,individual,2023-01-15,甘肃,gold,12,A',
          'C2,individual,2023-02-15,甘肃,basic,-2.5,B',
          'C3,individual,2023-03-15,甘肃,,,',
          'C4,individual,2023-04-15,甘肃,gold,high,A',
        ],
        monthly_usage: ['customer_id,month,revenue,x_latency_ms', 'C1,2024-01,10,30', 'C2,2024-01,20,', 'C3,2024-01,30,', 'C4,2024-01,5,12.5'],
      });
      const next = await importDataset(store, dir, { prepareAnalytics: false });
      // C1 and C2 lose x_code and x_id_number and gain x_tier; C3 had none of them and has no x_tier.
      expect(outcome(next, 'customers')).toEqual({ read: 4, rejected: 0, inserted: 1, updated: 2, unchanged: 1 });
      // C1 and C3 lose their outage hours (C2 had none and gets no latency): changed.
      expect(outcome(next, 'monthly_usage')).toEqual({ read: 4, rejected: 0, inserted: 1, updated: 2, unchanged: 1 });
      expect((await storedExtras(store, 'customers')).map((x) => `${x.name}:${x.type}`)).toEqual([
        'x_segment:text',
        'x_score:text', // 'high' is not a number: the column is text now, its numbers as they were written
        'x_code:text',
        'x_id_number:text',
        'x_tier:text',
      ]);
      expect(await store.query('SELECT customer_id, x_score, x_code, x_tier FROM customers ORDER BY 1')).toEqual([
        { customer_id: 'C1', x_score: '12', x_code: null, x_tier: 'A' },
        { customer_id: 'C2', x_score: '-2.5', x_code: null, x_tier: 'B' },
        { customer_id: 'C3', x_score: null, x_code: null, x_tier: null },
        { customer_id: 'C4', x_score: 'high', x_code: null, x_tier: 'A' },
      ]);
      expect(await store.query("SELECT customer_id, x_outage_hours, x_latency_ms FROM monthly_usage ORDER BY 1")).toEqual([
        { customer_id: 'C1', x_outage_hours: null, x_latency_ms: 30 },
        { customer_id: 'C2', x_outage_hours: null, x_latency_ms: null },
        { customer_id: 'C3', x_outage_hours: null, x_latency_ms: null },
        { customer_id: 'C4', x_outage_hours: null, x_latency_ms: 12.5 },
      ]);
    } finally {
      await store.close();
    }
  });

  it('rejects a usage x_ value that is not a number with file, line and column, and loads the rest', async () => {
    const dir = fresh('bad');
    files(dir, {
      customers: ['customer_id,customer_type,join_date,region', 'C1,individual,2023-01-15,甘肃'],
      monthly_usage: ['customer_id,month,revenue,x_outage_hours', 'C1,2024-01,10,1.5', 'C1,2024-02,10,lots'],
      churn_events: ['customer_id,churn_date,churn_type,reason_code'],
    });
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      const report = await importDataset(store, dir, { prepareAnalytics: false });
      expect(outcome(report, 'monthly_usage')).toMatchObject({ read: 2, rejected: 1, inserted: 1 });
      const rejects = await store.query('SELECT file, line, "column", value, reason FROM import_rejects WHERE run_id = $1', [report.runId]);
      expect(rejects).toEqual([{ file: 'monthly_usage', line: 3, column: 'x_outage_hours', value: 'lots', reason: expect.stringMatching(/^not_decimal/) }]);
    } finally {
      await store.close();
    }
  });
});

describe('x_ columns kept across exports stay within the column limit', () => {
  it('refuses a file whose new x_ columns would take the table past 500 x_ columns, naming the counts', async () => {
    const dir = fresh('limit');
    const xs = (prefix: string) => Array.from({ length: 300 }, (_, i) => `x_${prefix}${i}`);
    const write = (prefix: string) =>
      files(dir, {
        customers: [`customer_id,customer_type,join_date,region,${xs(prefix).join(',')}`, `C1,individual,2023-01-15,甘肃,${xs(prefix).map((_, i) => i).join(',')}`],
        monthly_usage: ['customer_id,month,revenue', 'C1,2024-01,10'],
        churn_events: ['customer_id,churn_date,churn_type,reason_code'],
      });
    write('a');
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [root] });
    try {
      expect((await importDataset(store, dir, { prepareAnalytics: false })).files.find((f) => f.file === 'customers')?.status).toBe('loaded');
      write('b');
      const next = await importDataset(store, dir, { prepareAnalytics: false });
      const customers = next.files.find((f) => f.file === 'customers');
      expect(customers?.status).toBe('schema_error');
      expect(customers?.errors[0]).toMatch(/customers already has 300 x_ columns, and this file's 300 new ones would make 600; at most 500 x_ columns are kept per table/);
      expect(next.files.find((f) => f.file === 'monthly_usage')?.status).toBe('loaded');
      expect((await storedExtras(store, 'customers')).length).toBe(300);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe('schema version 6 migrates the old layout', () => {
  it('pivots usage_extras and customers.x_attributes into typed columns that the next import of the same files finds unchanged', async () => {
    const dir = fresh('migrate');
    const rows = writeCleanDataset(dir, 12);
    const path = join(dir, 'old.duckdb');
    const old = await DuckDBStore.open(path, { migrate: false, readableDirectories: [root] });
    try {
      // A store as version 4 left it, holding what its import stored for these files.
      await old.run('CREATE TABLE schema_migrations (version INTEGER, description VARCHAR, applied_at TIMESTAMP)');
      for (const m of MIGRATIONS.filter((x) => x.version <= 4)) {
        for (const sql of m.statements(DUCKDB_DIALECT)) await old.run(sql);
        await old.run('INSERT INTO schema_migrations VALUES ($1, $2, current_timestamp)', [m.version, m.description]);
      }
      const csv = (name: string) => `read_csv('${join(dir, `${name}.csv`)}', all_varchar = true)`;
      await old.run(
        `INSERT INTO customers (customer_id, customer_type, join_date, region, gender, name, province, city, district, x_attributes)
         SELECT customer_id, customer_type, CAST(join_date AS DATE), region, gender, name,
                NULLIF(split_part(region, '/', 1), ''), NULLIF(split_part(region, '/', 2), ''), NULLIF(split_part(region, '/', 3), ''),
                CAST(json_object('x_segment', x_segment) AS VARCHAR)
         FROM ${csv('customers')}`,
      );
      await old.run(
        `INSERT INTO monthly_usage (customer_id, month, revenue, cost, voice_minutes, outgoing_minutes, calls, dropped_calls, distinct_contacts, on_net_contacts)
         SELECT customer_id, CAST(month || '-01' AS DATE), CAST(revenue AS DECIMAL(18,6)), CAST(cost AS DECIMAL(18,6)), CAST(voice_minutes AS DOUBLE),
                CAST(outgoing_minutes AS DOUBLE), CAST(calls AS DOUBLE), CAST(dropped_calls AS DOUBLE), CAST(distinct_contacts AS BIGINT), CAST(on_net_contacts AS BIGINT)
         FROM ${csv('monthly_usage')}`,
      );
      await old.run(`INSERT INTO usage_extras SELECT customer_id, CAST(month || '-01' AS DATE), 'x_speed', CAST(x_speed AS DOUBLE) FROM ${csv('monthly_usage')}`);
      await old.run(`INSERT INTO churn_events (customer_id, churn_date, churn_type, reason_code, competitor) SELECT customer_id, CAST(churn_date AS DATE), churn_type, reason_code, NULLIF(competitor, '') FROM ${csv('churn_events')}`);
      // Numbers, text and a key that needs escaping, as an older import could have stored them.
      await old.run(`UPDATE customers SET x_attributes = '{"x_segment":"seg1","x_score":"2.5","x_a/b~c":"q"}' WHERE customer_id = 'C0001'`);
      await old.run(`UPDATE customers SET x_attributes = '{"x_segment":"seg2","x_score":"-3"}' WHERE customer_id = 'C0002'`);
    } finally {
      await old.close();
    }

    const store = await DuckDBStore.open(path, { readableDirectories: [root] });
    try {
      expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
      const [t] = await store.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'usage_extras'");
      expect(t?.n).toBe(0);
      expect(await storedExtras(store, 'monthly_usage')).toEqual([{ name: 'x_speed', type: 'number' }]);
      expect(await storedExtras(store, 'customers')).toEqual([
        { name: 'x_a/b~c', type: 'text' },
        { name: 'x_score', type: 'number' },
        { name: 'x_segment', type: 'text' },
      ]);
      const [c] = await store.query("SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'x_attributes'");
      expect(c?.n).toBe(0);
      expect(await store.query('SELECT customer_id, "x_a/b~c" AS ab, x_score, x_segment FROM customers WHERE customer_id IN (\'C0001\', \'C0002\', \'C0003\') ORDER BY 1')).toEqual([
        { customer_id: 'C0001', ab: 'q', x_score: 2.5, x_segment: 'seg1' },
        { customer_id: 'C0002', ab: null, x_score: -3, x_segment: 'seg2' },
        { customer_id: 'C0003', ab: null, x_score: null, x_segment: 'seg0' },
      ]);
      const [u] = await store.query('SELECT count(*) AS n, count(x_speed) AS x, min(x_speed) AS lo, max(x_speed) AS hi FROM monthly_usage');
      expect(u).toEqual({ n: rows.monthly_usage, x: rows.monthly_usage, lo: 1.5, hi: 1.5 });

      // Restore the two customers edited above; then the same files import as unchanged rows:
      // the migrated rows are what the import itself stores.
      await store.run(`UPDATE customers SET "x_a/b~c" = NULL, x_score = NULL, x_segment = 'seg' || CAST(CAST(substr(customer_id, 2) AS INTEGER) % 3 AS VARCHAR) WHERE customer_id IN ('C0001', 'C0002')`);
      const report = await importDataset(store, dir, { prepareAnalytics: false });
      for (const file of ['customers', 'monthly_usage', 'churn_events']) {
        const f = report.files.find((x) => x.file === file);
        expect(f && [f.file, f.inserted, f.updated, f.rejected]).toEqual([file, 0, 0, 0]);
      }
    } finally {
      await store.close();
    }
  });

  it('migrates a store whose x_ tables are empty (a fresh version-4 store)', async () => {
    const store = await DuckDBStore.open(':memory:', { migrate: false });
    try {
      await store.run('CREATE TABLE schema_migrations (version INTEGER, description VARCHAR, applied_at TIMESTAMP)');
      for (const m of MIGRATIONS.filter((x) => x.version <= 4)) {
        for (const sql of m.statements(DUCKDB_DIALECT)) await store.run(sql);
        await store.run('INSERT INTO schema_migrations VALUES ($1, $2, current_timestamp)', [m.version, m.description]);
      }
      expect(await store.migrate()).toBe(MIGRATIONS.filter((x) => x.version > 4).length);
      expect(await storedExtras(store, 'customers')).toEqual([]);
      expect(await storedExtras(store, 'monthly_usage')).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
