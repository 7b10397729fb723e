/**
 * ClickHouse store (issue 17) on the two-shard loopback test cluster (scripts/clickhouse-cluster.sh)
 * against DuckDB in the same run: the import, then a few report-shaped queries on both engines
 * (same SQL through each dialect; the answers must be equal; the churn reports themselves do not
 * run on ClickHouse yet), and the disk each engine uses.
 *
 *   bash scripts/clickhouse-cluster.sh
 *   npx tsx bench/clickhouse.ts --data /work/main/bench/out/data-200000x24-s7-mixed [--batch 50000] [--rounds 3] [--keep]
 *   npx tsx bench/clickhouse.ts --store bench/out/analytics-1000000x24-s7-mixed.duckdb [--batch 50000] [--rounds 3] [--keep]
 *
 * With --data, the folder is imported twice: `tenure import DIR` into a new DuckDB store
 * (bench/out/clickhouse-bench.duckdb, --no-prepare: the ClickHouse import keeps no prepared
 * analytics either), and `tenure import DIR --db clickhouse://…` (the same validation into a scratch
 * DuckDB store, then the load); the queries then read the new DuckDB store. With --store, an existing
 * DuckDB store is only loaded (opened read-only, never written). The ClickHouse database is
 * tenure_clickhouse_bench on every shard, dropped at the end unless --keep. Prints a table and
 * writes bench/out/clickhouse.json, with the load average.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.ts';
import { loadDuckDBIntoClickHouse, type LoadReport } from '../src/store/clickhouse/load.ts';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { importIntoClickHouse } from '../src/app/import/clickhouse.ts';
import { testCluster } from '../src/store/clickhouse/test-cluster.ts';
import type { AnalyticsStore, Row } from '../src/store/port.ts';
import type { Dialect } from '../src/store/dialect.ts';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'bench/out/analytics-1000000x24-s7-mixed.duckdb' },
    data: { type: 'string' },
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
  const rounds = Number(args.rounds);
  const batchRows = Number(args.batch);
  const out: Record<string, unknown> = { shards: cluster.shards.length, batchRows, loadBefore: load() };
  const onTable = (table: string, rows: number, ms: number) => console.error(`loaded ${table}: ${rows} rows in ${(ms / 1000).toFixed(1)} s (load ${load().join(' ')})`);
  let path = resolve(args.store);
  let loadStart = 0;
  let report: LoadReport;
  if (args.data !== undefined) {
    // Both imports from the folder: DuckDB first, then ClickHouse (validation into a scratch store, then the load).
    const data = resolve(args.data);
    path = resolve('bench/out/clickhouse-bench.duckdb');
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
    const target = await DuckDBStore.open(path, { create: true, readableDirectories: [data] });
    const t0 = performance.now();
    const duckImport = await importDataset(target, data, { prepareAnalytics: false });
    const duckSeconds = (performance.now() - t0) / 1000;
    await target.close();
    const rowsRead = duckImport.files.reduce((n, f) => n + f.accepted, 0);
    out.duckdbImport = { seconds: duckSeconds, rows: rowsRead, rowsPerSecond: rowsRead / duckSeconds, load: load() };
    console.error(`duckdb import: ${rowsRead} rows in ${duckSeconds.toFixed(1)} s (load ${load().join(' ')})`);
    loadStart = performance.now();
    const run = await importIntoClickHouse(url, data, { readableDirectories: [data], batchRows, onLoadTable: onTable });
    try {
      if (!run.load) throw new Error('the ClickHouse import loaded nothing');
      report = run.load;
    } finally {
      await run.close();
    }
    const total = (performance.now() - loadStart) / 1000;
    const loadOnly = report.tables.reduce((n, t) => n + t.ms, 0) / 1000;
    out.clickhouseImport = { seconds: total, validateSeconds: total - loadOnly, loadSeconds: loadOnly, rows: report.rows, rowsPerSecond: report.rows / total, load: load() };
  }
  out.store = path;
  const duck = await DuckDBStore.open(path, { access: 'read-only' });
  const ch = await ClickHouseStore.open(url, { create: true });
  try {
    if (args.data === undefined) {
      loadStart = performance.now();
      report = await loadDuckDBIntoClickHouse(duck, ch, { batchRows, onTable });
    }
    const loadSeconds = (report!.tables.reduce((n, t) => n + t.ms, 0)) / 1000;
    out.load = { seconds: loadSeconds, rows: report!.rows, rowsPerSecond: report!.rows / loadSeconds, rowsPerSecondPerShard: report!.rows / loadSeconds / cluster.shards.length, tables: report!.tables, loadAfter: load() };

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
  for (const [k, v] of Object.entries({ 'duckdb import': out.duckdbImport, 'clickhouse import': out.clickhouseImport })) {
    if (v) console.log(`${k}: ${JSON.stringify(v)}`);
  }
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
