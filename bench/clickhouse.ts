/**
 * ClickHouse store, first slice (issue 17): loading a DuckDB store the import filled into the
 * two-shard loopback test cluster (scripts/clickhouse-cluster.sh), then a few report-shaped
 * queries on both engines in the same run (same SQL through each dialect; the answers must be
 * equal), and the disk each engine uses.
 *
 *   bash scripts/clickhouse-cluster.sh
 *   npx tsx bench/clickhouse.ts --store bench/out/analytics-1000000x24-s7-mixed.duckdb [--batch 50000] [--rounds 3] [--keep]
 *
 * The DuckDB store is opened read-only (never written). The ClickHouse database is
 * tenure_clickhouse_bench on every shard, dropped at the end unless --keep. Prints a table and
 * writes bench/out/clickhouse.json, with the load average.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.ts';
import { loadDuckDBIntoClickHouse } from '../src/store/clickhouse/load.ts';
import { testCluster } from '../src/store/clickhouse/test-cluster.ts';
import type { AnalyticsStore, Row } from '../src/store/port.ts';
import type { Dialect } from '../src/store/dialect.ts';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'bench/out/analytics-1000000x24-s7-mixed.duckdb' },
    batch: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});

const load = () => loadavg().map((x) => Number(x.toFixed(2)));
const DB = 'tenure_clickhouse_bench';

/** Report-shaped queries, written once over the dialect: what a churn report and a value summary ask. */
const QUERIES: Record<string, (d: Dialect) => string> = {
  'usage totals': () => 'SELECT count(*) AS n, count(DISTINCT customer_id) AS customers, sum(revenue) AS revenue FROM monthly_usage',
  'churn by month and type': (d) =>
    `SELECT ${d.formatMonth(d.monthStart('churn_date'))} AS m, churn_type, count(*) AS n FROM churn_events GROUP BY m, churn_type ORDER BY m, churn_type`,
  'revenue of churners by month (join)': (d) =>
    `SELECT ${d.formatMonth('u.month')} AS m, count(*) AS n, sum(u.revenue) AS revenue
     FROM (SELECT customer_id, month, revenue FROM monthly_usage) AS u INNER JOIN churn_events AS c ON c.customer_id = u.customer_id
     GROUP BY m ORDER BY m`,
  'ARPU quartiles per customer': (d) =>
    `SELECT ${d.roundHalfAway('q[1]', 6)} AS q1, ${d.roundHalfAway('q[2]', 6)} AS q2, ${d.roundHalfAway('q[3]', 6)} AS q3
     FROM (SELECT ${d.quantilesCont('arpu', [0.25, 0.5, 0.75])} AS q FROM (SELECT customer_id, ${d.mean('revenue')} AS arpu FROM monthly_usage GROUP BY customer_id) AS a) AS s`,
};

async function timeQuery(store: AnalyticsStore, sql: string, rounds: number): Promise<{ ms: number; rows: Row[] }> {
  const times: number[] = [];
  let rows: Row[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    rows = await store.query(sql);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, rows };
}

const norm = (rows: Row[]) => JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));

async function main(): Promise<void> {
  const cluster = testCluster();
  if (!cluster) throw new Error('no ClickHouse test cluster: run `bash scripts/clickhouse-cluster.sh` first');
  const hosts = cluster.shards.map((s) => new URL(s.http).host).join(',');
  const url = `clickhouse://default@${hosts}/${DB}?cluster=${cluster.cluster}`;
  const path = resolve(args.store);
  const duck = await DuckDBStore.open(path, { access: 'read-only' });
  const ch = await ClickHouseStore.open(url, { create: true });
  const rounds = Number(args.rounds);
  const out: Record<string, unknown> = { store: path, shards: cluster.shards.length, batchRows: Number(args.batch), loadBefore: load() };
  try {
    const t0 = performance.now();
    const report = await loadDuckDBIntoClickHouse(duck, ch, {
      batchRows: Number(args.batch),
      onTable: (table, rows, ms) => console.error(`loaded ${table}: ${rows} rows in ${(ms / 1000).toFixed(1)} s (load ${load().join(' ')})`),
    });
    const loadSeconds = (performance.now() - t0) / 1000;
    out.load = { seconds: loadSeconds, rows: report.rows, rowsPerSecond: report.rows / loadSeconds, rowsPerSecondPerShard: report.rows / loadSeconds / cluster.shards.length, tables: report.tables, loadAfter: load() };

    const queries: Record<string, unknown>[] = [];
    for (const [name, sql] of Object.entries(QUERIES)) {
      const d = await timeQuery(duck, sql(duck.dialect), rounds);
      const c = await timeQuery(ch, sql(ch.dialect), rounds);
      queries.push({ query: name, duckdbMs: Math.round(d.ms), clickhouseMs: Math.round(c.ms), ratio: Number((c.ms / d.ms).toFixed(2)), sameAnswer: norm(d.rows) === norm(c.rows), load: load() });
      if (norm(d.rows) !== norm(c.rows)) console.error(`${name}: answers differ\n  duckdb     ${norm(d.rows).slice(0, 400)}\n  clickhouse ${norm(c.rows).slice(0, 400)}`);
    }
    out.queries = queries;

    let chBytes = 0;
    for (const s of cluster.shards) {
      const client = createClient({ url: s.http, request_timeout: 600_000 });
      try {
        const r = await (await client.query({ query: `SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = '${DB}' AND active`, format: 'JSONEachRow' })).json<{ b: string }>();
        chBytes += Number(r[0]?.b ?? 0);
      } finally {
        await client.close();
      }
    }
    out.disk = { duckdbFileBytes: statSync(path).size, clickhouseBytesAllShards: chBytes };
  } finally {
    await duck.close();
    await ch.close();
    if (!args.keep) {
      for (const s of cluster.shards) {
        const client = createClient({ url: s.http, request_timeout: 600_000 });
        await client.command({ query: `DROP DATABASE IF EXISTS ${DB}` }).finally(() => client.close());
      }
    }
  }
  const l = out.load as { seconds: number; rows: number; rowsPerSecondPerShard: number };
  console.log(`load: ${l.rows} rows in ${l.seconds.toFixed(1)} s, ${Math.round(l.rowsPerSecondPerShard)} rows/s per shard (${cluster.shards.length} shards; load ${JSON.stringify(out.loadBefore)} -> ${JSON.stringify((out.load as { loadAfter: number[] }).loadAfter)})`);
  console.log('query'.padEnd(40), 'duckdb ms'.padStart(10), 'clickhouse ms'.padStart(14), 'ratio'.padStart(7), 'same'.padStart(6));
  for (const q of out.queries as { query: string; duckdbMs: number; clickhouseMs: number; ratio: number; sameAnswer: boolean }[]) {
    console.log(q.query.padEnd(40), String(q.duckdbMs).padStart(10), String(q.clickhouseMs).padStart(14), String(q.ratio).padStart(7), String(q.sameAnswer).padStart(6));
  }
  console.log('disk:', JSON.stringify(out.disk));
  mkdirSync(resolve('bench/out'), { recursive: true });
  writeFileSync(resolve('bench/out/clickhouse.json'), `${JSON.stringify(out, null, 2)}\n`);
}

await main();
