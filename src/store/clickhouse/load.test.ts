import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../duckdb/duckdb-store.ts';
import { ClickHouseStore } from './clickhouse-store.ts';
import { loadDuckDBIntoClickHouse } from './load.ts';
import { IN_CI, testCluster, testClusterProblem, testStoreUrl } from './test-cluster.ts';

/**
 * The ClickHouse loader against a real two-shard cluster: a DuckDB store (as the import leaves
 * it) goes over in batches; a load that fails half-way leaves the live tables as they were, and
 * the retry ends with every row exactly once.
 */
const problem = await testClusterProblem();
if (problem && IN_CI) throw new Error(problem);

const CUSTOMERS = 2500;
const MONTHS = 4;
const NASTY = ["o'brien", 'back\\slash', 'comma, "quoted"', 'line\nbreak', '\\N', '', '甘肃/酒泉', 'tab\there'];
/** The texts as a DuckDB list literal (standard SQL quoting: DuckDB reads no backslash escapes). */
const NASTY_LIST = `[${NASTY.map((t) => `'${t.replaceAll("'", "''")}'`).join(', ')}]`;

async function source(): Promise<DuckDBStore> {
  const duck = await DuckDBStore.open(':memory:');
  await duck.run(`INSERT INTO customers (customer_id, customer_type, join_date, region, name, marketing_consent, employees)
    SELECT 'C' || lpad(CAST(i AS VARCHAR), 6, '0'), 'individual', DATE '2022-01-01' + CAST(i % 700 AS INTEGER), '甘肃/酒泉/肃州区',
           CASE WHEN i % 11 = 0 THEN NULL ELSE (${NASTY_LIST})[1 + i % ${NASTY.length}] END, i % 3 = 0, CASE WHEN i % 5 = 0 THEN NULL ELSE i END
    FROM range(${CUSTOMERS}) t(i)`);
  // x_ columns are added by the import as the data brings them; here the test adds one itself.
  await duck.run('ALTER TABLE monthly_usage ADD COLUMN x_score DOUBLE');
  await duck.run(`INSERT INTO monthly_usage (customer_id, month, revenue, data_mb, x_score)
    SELECT 'C' || lpad(CAST(i AS VARCHAR), 6, '0'), CAST(DATE '2024-01-01' + to_months(CAST(m AS INTEGER)) AS DATE), CAST(((i * 7 + m) % 1000) / 100.0 + 0.000001 AS DECIMAL(18,6)),
           CASE WHEN m = 0 THEN NULL ELSE (i % 97) * 1.5 END, CAST(i AS DOUBLE) / 3
    FROM range(${CUSTOMERS}) t(i), range(${MONTHS}) s(m)`);
  await duck.run(`INSERT INTO interactions (interaction_id, customer_id, ts, topic, resolved)
    SELECT 'I' || i, 'C' || lpad(CAST(i AS VARCHAR), 6, '0'), TIMESTAMP '2024-03-01 08:00:00' + to_minutes(CAST(i AS BIGINT)), (${NASTY_LIST})[1 + i % ${NASTY.length}], i % 2 = 0
    FROM range(300) t(i)`);
  await duck.run("INSERT INTO offers (offer_id, name, kind, monthly_discount) VALUES ('O1', '流量包 \"A\"', 'discount', 10.5), ('O2', 'b\\c', 'device', NULL)");
  return duck;
}

describe.skipIf(problem !== undefined)(`ClickHouse loader on the two-shard cluster${problem ? ` (skipped: ${problem})` : ''}`, () => {
  let duck: DuckDBStore;
  let store: ClickHouseStore;
  let url: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    duck = await source();
    const t = testStoreUrl('tenure_clickhouse_load');
    url = t.url;
    drop = t.drop;
    store = await ClickHouseStore.open(url, { create: true });
  });
  afterAll(async () => {
    await duck?.close();
    await store?.close();
    await drop?.();
  });

  /** Figures both engines must agree on, each table's rows in key order as JSON. */
  const SUMS = {
    customers: "SELECT count(*) AS n, count(DISTINCT customer_id) AS k, count(name) AS named, sum(CASE WHEN name = '' THEN 1 ELSE 0 END) AS blank, sum(CASE WHEN marketing_consent = 1 THEN 1 ELSE 0 END) AS consent, sum(employees) AS e FROM customers",
    monthly_usage: 'SELECT count(*) AS n, count(DISTINCT customer_id) AS k, sum(revenue) AS r, count(data_mb) AS d, sum(data_mb) AS dm FROM monthly_usage',
  };

  async function snapshot(s: DuckDBStore | ClickHouseStore): Promise<unknown> {
    const c = (await s.query(SUMS.customers))[0] ?? {};
    const u = (await s.query(SUMS.monthly_usage))[0] ?? {};
    const names = await s.query("SELECT customer_id, name FROM customers WHERE customer_id IN ('C000001', 'C000002', 'C000003', 'C000004', 'C000005', 'C000006', 'C000007', 'C000008', 'C000011') ORDER BY customer_id");
    const topics = await s.query(`SELECT interaction_id, topic, resolved, CAST(ts AS ${s.dialect.types.string}) AS ts FROM interactions ORDER BY interaction_id LIMIT 12`);
    const offers = await s.query(`SELECT offer_id, name, CAST(monthly_discount AS ${s.dialect.types.string}) AS d FROM offers ORDER BY offer_id`);
    const score = await s.query("SELECT x_score FROM monthly_usage WHERE customer_id = 'C000010' AND month = CAST('2024-02-01' AS DATE)");
    return JSON.parse(JSON.stringify({ c, u, names, topics, offers, score }, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : v)));
  }

  it('carries every table over in batches, values exact (NULL and empty text apart, quotes, backslashes, newlines, decimals, timestamps)', async () => {
    const report = await loadDuckDBIntoClickHouse(duck, store, { batchRows: 3000 });
    expect(report.tables.find((t) => t.table === 'monthly_usage')?.rows).toBe(CUSTOMERS * MONTHS);
    expect(await snapshot(store)).toEqual(await snapshot(duck));
    // Reference rows are on every server.
    for (const shard of testCluster()?.shards ?? []) {
      const one = await ClickHouseStore.open(url.replace(/@[^/]+\//, `@${new URL(shard.http).host}/`).replace(/\?cluster=.*$/, ''), { access: 'read-only' });
      try {
        expect((await one.query('SELECT count() AS n FROM offers'))[0]?.n).toBe(2);
      } finally {
        await one.close();
      }
    }
  });

  it('leaves the live tables as they were when a load fails half-way, and the retry lands every row exactly once', async () => {
    const before = await snapshot(store);
    await duck.run("UPDATE monthly_usage SET revenue = revenue + 1 WHERE customer_id < 'C000100'");
    await expect(
      loadDuckDBIntoClickHouse(duck, store, {
        batchRows: 2000,
        onBatch: (table, rows) => {
          if (table === 'monthly_usage' && rows >= 4000) throw new Error('network down half-way');
        },
      }),
    ).rejects.toThrow('network down half-way');
    expect(await snapshot(store)).toEqual(before);
    await loadDuckDBIntoClickHouse(duck, store, { batchRows: 2000 });
    const after = await snapshot(store);
    expect(after).toEqual(await snapshot(duck));
    expect(after).not.toEqual(before);
    const [dups] = await store.query('SELECT count() AS n FROM (SELECT customer_id, month FROM monthly_usage GROUP BY customer_id, month HAVING count() > 1) AS d');
    expect(dups?.n).toBe(0);
    const [left] = await store.query("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND (name LIKE '%\\\\_\\\\_load' OR name LIKE '%\\\\_\\\\_old')");
    expect(left?.n).toBe(0);
  });

  it('switches a load on all shards and tables at once: a reader sees the old totals or the new ones, never a mix', async () => {
    const TOTALS = 'SELECT (SELECT count() FROM customers) AS customers, (SELECT count() FROM monthly_usage) AS rows, (SELECT toString(sum(revenue)) FROM monthly_usage) AS revenue';
    const shards = testCluster()?.shards ?? [];
    /** The totals as a query sent to each server (each one the coordinator of its own query). */
    async function totalsVia(): Promise<unknown[]> {
      const out: unknown[] = [];
      for (const shard of shards) {
        const via = await ClickHouseStore.open(url.replace(/@[^,/]+,[^/]+\//, `@${[new URL(shard.http).host, ...shards.filter((x) => x !== shard).map((x) => new URL(x.http).host)].join(',')}/`), { access: 'read-only' });
        try {
          out.push((await via.query(TOTALS))[0]);
        } finally {
          await via.close();
        }
      }
      return out;
    }
    const [old] = await totalsVia();
    await duck.run("UPDATE monthly_usage SET revenue = revenue + 2 WHERE customer_id >= 'C001000'");
    await duck.run("DELETE FROM customers WHERE customer_id = 'C002499'");
    const [expected] = await duck.query('SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM monthly_usage) AS rows, (SELECT CAST(sum(revenue) AS VARCHAR) AS r FROM monthly_usage) AS revenue');
    const during: unknown[][] = [];
    const switched: unknown[][] = [];
    await loadDuckDBIntoClickHouse(duck, store, {
      batchRows: 2000,
      onBatch: async (table, rows) => {
        if (table === 'monthly_usage' && rows === 4000) during.push(await totalsVia());
      },
      onSwitched: async () => {
        switched.push(await totalsVia());
      },
    });
    // Mid-load: every server still answers the old totals.
    expect(during).toEqual([[old, old]]);
    // After the first server switched: through it, all new (customers and usage, both shards); through the other, all old.
    const fresh = { customers: Number(expected?.customers), rows: Number(expected?.rows), revenue: String(expected?.revenue) };
    expect(switched[0]).toEqual([fresh, old]);
    expect(switched[1]).toEqual([fresh, fresh]);
    expect(fresh).not.toEqual(old);
    // Only the current version's partitions are kept.
    for (const shard of shards) {
      const one = await ClickHouseStore.open(url.replace(/@[^/]+\//, `@${new URL(shard.http).host}/`).replace(/\?cluster=.*$/, ''), { access: 'read-only' });
      try {
        const [v] = await one.query('SELECT uniqExact(_load) AS versions FROM monthly_usage_local');
        expect(v?.versions).toBe(1);
      } finally {
        await one.close();
      }
    }
  });
});
