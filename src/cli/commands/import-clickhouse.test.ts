import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCaptured as run } from '../test-support.ts';
import { EXIT_DATA_PROBLEMS, EXIT_FATAL } from '../errors.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { ClickHouseStore } from '../../store/clickhouse/clickhouse-store.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { IN_CI, testClusterProblem, testStoreUrl } from '../../store/clickhouse/test-cluster.ts';
import { writeDirtyDataset } from '../../app/import/test-fixture.ts';

/**
 * `tenure import DIR --db clickhouse://…` (issue 17): the folder is validated as on DuckDB (the
 * same JSON, exit code and reject report), then its tables are loaded into the two-shard cluster;
 * a file with a schema error is not loaded and leaves the ClickHouse table as it was.
 */
const problem = await testClusterProblem();
if (problem && IN_CI) throw new Error(problem);
const dir = mkdtempSync(join(tmpdir(), 'tenure-import-ch-'));
const drops: (() => Promise<void>)[] = [];

afterEach(() => {
  process.exitCode = undefined;
});
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

function freshUrl(): string {
  const t = testStoreUrl('tenure_ch_import');
  drops.push(t.drop);
  return t.url;
}

/** Each contract table the fixture fills: row count, distinct keys and a revenue total, as text. */
async function figures(store: AnalyticsStore): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const table of ['customers', 'monthly_usage', 'churn_events', 'subscriptions', 'interactions']) {
    const [r] = await store.query(`SELECT count(*) AS n, count(DISTINCT customer_id) AS k FROM ${table}`);
    out[table] = [Number(r?.n), Number(r?.k)];
  }
  const [rev] = await store.query(`SELECT CAST(sum(revenue) AS ${store.dialect.types.string}) AS s, CAST(min(month) AS ${store.dialect.types.string}) AS m FROM monthly_usage`);
  out.revenue = [rev?.s, rev?.m];
  const ids = await store.query('SELECT customer_id FROM customers ORDER BY customer_id');
  out.ids = ids.map((r) => r.customer_id);
  return JSON.stringify(out);
}

describe.skipIf(problem !== undefined)(`tenure import into ClickHouse${problem ? ` (skipped: ${problem})` : ''}`, () => {
  it('a folder with bad rows of every kind: the same JSON, exit code and rejects as DuckDB, and the same rows on the cluster', async () => {
    const data = join(dir, 'dirty');
    mkdirSync(data);
    writeDirtyDataset(data);
    const duck = join(dir, 'dirty.duckdb');
    const url = freshUrl();
    const ra = join(dir, 'dirty-a.csv');
    const rb = join(dir, 'dirty-b.csv');
    const a = await run(['import', data, '--no-prepare', '--rejects', ra, '--db', duck, '--json']);
    const b = await run(['import', data, '--rejects', rb, '--db', url, '--json']);
    expect(a.code, a.err).toBe(EXIT_DATA_PROBLEMS);
    expect(b.code, b.err).toBe(a.code);
    expect(b.out).toBe(a.out);
    expect(readFileSync(rb, 'utf8')).toBe(readFileSync(ra, 'utf8'));
    expect(b.err).toMatch(/tenure: loaded [\d,]+ rows of .*customers, .*monthly_usage.* into the ClickHouse store clickhouse:\/\//);
    const d = await DuckDBStore.open(duck, { access: 'read-only' });
    const c = await ClickHouseStore.open(url, { access: 'read-only' });
    try {
      const fd = await figures(d);
      expect(await figures(c)).toBe(fd);
      expect(JSON.parse(fd).customers[0]).toBeGreaterThan(10);
    } finally {
      await d.close();
      await c.close();
    }
  }, 300_000);

  it('a file with a schema error exits 2 as on DuckDB and leaves its ClickHouse table as it was; the other files load', async () => {
    const data = join(dir, 'schema');
    mkdirSync(data);
    writeDirtyDataset(data);
    const url = freshUrl();
    expect((await run(['import', data, '--db', url, '--json'])).code).toBe(EXIT_DATA_PROBLEMS);
    const before = await ClickHouseStore.open(url, { access: 'read-only' });
    const [usage] = await before.query('SELECT count() AS n FROM monthly_usage');
    await before.close();
    // A usage file without its required revenue column, and one customer more.
    const usageText = readFileSync(join(data, 'monthly_usage.csv'), 'utf8').replace(/^customer_id,month,revenue,/, 'customer_id,month,revenue_x,');
    writeFileSync(join(data, 'monthly_usage.csv'), usageText);
    writeFileSync(join(data, 'customers.csv'), `${readFileSync(join(data, 'customers.csv'), 'utf8')}C0100,individual,2023-02-01,甘肃,F,,,\n`);
    const duck = await run(['import', data, '--db', join(dir, 'schema.duckdb'), '--json']);
    const second = await run(['import', data, '--db', url, '--json']);
    expect(duck.code).toBe(EXIT_FATAL);
    expect(second.code, second.err).toBe(EXIT_FATAL);
    expect(second.out).toBe(duck.out);
    expect(second.err).toContain('schema error');
    const after = await ClickHouseStore.open(url, { access: 'read-only' });
    try {
      expect((await after.query('SELECT count() AS n FROM monthly_usage'))[0]).toEqual(usage);
      expect((await after.query("SELECT count() AS n FROM customers WHERE customer_id = 'C0100'"))[0]?.n).toBe(1);
    } finally {
      await after.close();
    }
  }, 300_000);

  it('refuses --ops-db beside a DuckDB store and a non-PostgreSQL --ops-db, before reading anything', async () => {
    const data = join(dir, 'ops');
    mkdirSync(data);
    writeDirtyDataset(data);
    const a = await run(['import', data, '--db', join(dir, 'ops.duckdb'), '--ops-db', 'postgres://u@h/db']);
    expect(a.code).toBe(EXIT_FATAL);
    expect(a.err).toContain('--ops-db is only for a ClickHouse store');
    const b = await run(['import', data, '--db', freshUrl(), '--ops-db', 'mysql://h/db']);
    expect(b.code).toBe(EXIT_FATAL);
    expect(b.err).toContain('--ops-db must be a PostgreSQL URL');
  });
});
