import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBStore } from '../duckdb/duckdb-store.ts';
import { StoreError } from '../errors.ts';
import type { ClickHouseStore } from './clickhouse-store.ts';
import type { ClickHouseSession } from './connection.ts';
import { CONTRACT_LAYOUTS, LOAD_COLUMN, type TableLayout } from './layout.ts';
import { currentVersion, dropOtherVersions, recreateView, reserveVersion, switchVersion, versionRows } from './versions.ts';

/**
 * Loading validated data into the ClickHouse store (issue 17, import at scale, first slice).
 *
 * Validation is not repeated here: the rows come from a DuckDB store the ordinary import filled
 * (`tenure import DIR --db scratch.duckdb`), so the same strict checks and the same reject report
 * apply by construction, without touching the import's code. From there each contract table
 * travels in batches (default 50,000 rows: one INSERT each) into staging tables beside the live
 * ones, and is swapped in only when complete:
 *
 * 1. a new load version is reserved on every server (versions.ts); rows of other versions that
 *    a failed load left are dropped (their partitions), the current version's stay;
 * 2. the source's rows go in batches (batchFilters: monthly data a month and a customer range
 *    at a time, so each INSERT is one part per shard), written as CSV in the source's scratch
 *    folder with the new version in `_load`: sharded tables through the Distributed `<name>_all`
 *    (insert_distributed_sync, so each batch is on its shards when the INSERT returns),
 *    reference tables into every server's `<name>_local`;
 * 3. each table's rows of the new version must number the source's, else nothing is switched;
 * 4. every table carried switches to the new version in one INSERT into load_state per server
 *    (the views read it; layout.ts), then the replaced version's partitions are dropped.
 *
 * A load that fails anywhere before step 4 leaves what readers see as it was and is simply run
 * again under a new version: step 1 discards what the failed run wrote, so a retry neither
 * duplicates nor misses a row. Readers never see a half-loaded table, and a query never sees one
 * shard new and another old, nor one table new and another old: its server reads the versions
 * once for the whole query. Two narrow limits remain: between two servers' switches a query sent
 * to the second server still reads the old load (all of it), and a query that started on the
 * second server before its switch and still reads when the old partitions are dropped a moment
 * later can miss them; a table that grew x_ columns has its view recreated just before the switch
 * (a query in that instant fails, it is not answered wrongly).
 *
 * A load replaces each table it carries with the source's rows (the DuckDB store holds the
 * operator's complete data after its import); tables the source does not have are left alone.
 */
export interface LoadOptions {
  /** The tables to carry (default: every contract table the source has). */
  readonly tables?: readonly string[];
  /** Rows per INSERT (10,000–100,000). */
  readonly batchRows?: number;
  /** After each batch (tests make a load fail half-way here). */
  readonly onBatch?: (table: string, rowsSoFar: number) => void | Promise<void>;
  readonly onTable?: (table: string, rows: number, ms: number) => void;
  /** After one server (host:port) has switched to the new load and before the next does (tests read both sides here). */
  readonly onSwitched?: (server: string) => void | Promise<void>;
}

export interface LoadReport {
  readonly tables: readonly { readonly table: string; readonly rows: number; readonly ms: number }[];
  readonly rows: number;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Columns of a DuckDB table: name and DuckDB type, in order. */
async function sourceColumns(source: DuckDBStore, table: string): Promise<{ name: string; type: string }[]> {
  return source.query<{ name: string; type: string }>(
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = CAST($1 AS VARCHAR) ORDER BY ordinal_position`,
    [table],
  );
}

/** How a DuckDB value is written so ClickHouse 18.16's CSV reader takes it: booleans as 1/0, timestamps in whole seconds. */
function exportExpr(name: string, duckType: string): string {
  const t = duckType.toUpperCase();
  if (t === 'BOOLEAN') return `CAST(${q(name)} AS INTEGER)`;
  if (t.startsWith('TIMESTAMP')) return `strftime(${q(name)}, '%Y-%m-%d %H:%M:%S')`;
  return q(name);
}

/** The ClickHouse type of an x_ column the source grew (numeric measures DOUBLE, attributes text). */
function extraType(duckType: string): string {
  return /^(DOUBLE|FLOAT|DECIMAL|BIGINT|INTEGER)/i.test(duckType) ? 'Nullable(Float64)' : 'Nullable(String)';
}

/**
 * The WHERE clauses of a table's batches, each at most `batchRows` rows. A table partitioned by
 * month goes one month at a time, cut into ranges of customer_id (at most one row per customer
 * and month, by its key), so each INSERT writes one part per shard instead of one per month;
 * any other table goes by ranges of DuckDB's rowid.
 */
async function batchFilters(source: DuckDBStore, layout: TableLayout, batchRows: number): Promise<string[]> {
  const t = q(layout.name);
  if (layout.partitionBy.includes('toYYYYMM(month)') && layout.orderBy.join() === 'customer_id,month') {
    const months = (await source.query<{ m: string }>(`SELECT DISTINCT CAST(month AS VARCHAR) AS m FROM ${t} ORDER BY m`)).map((r) => r.m);
    const cuts = (
      await source.query<{ c: string }>(
        `SELECT customer_id AS c FROM (SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS r FROM (SELECT DISTINCT customer_id FROM ${t}) AS d) AS x
         WHERE (r - 1) % ${batchRows} = 0 ORDER BY c`,
      )
    ).map((r) => r.c);
    const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const ranges = cuts.map((c, i) => (i + 1 < cuts.length ? `customer_id >= ${lit(c)} AND customer_id < ${lit(cuts[i + 1] as string)}` : `customer_id >= ${lit(c)}`));
    return months.flatMap((m) => ranges.map((r) => `month = DATE ${lit(m)} AND ${r}`));
  }
  const [b] = await source.query<{ lo: number | null; hi: number | null }>(`SELECT min(rowid) AS lo, max(rowid) AS hi FROM ${t}`);
  const out: string[] = [];
  for (let from = Number(b?.lo ?? 0); from <= Number(b?.hi ?? -1); from += batchRows) out.push(`rowid >= ${from} AND rowid < ${from + batchRows}`);
  return out;
}

async function columnsOn(s: ClickHouseSession, table: string): Promise<Set<string>> {
  const r = await s.select('SELECT name FROM system.columns WHERE database = currentDatabase() AND table = $1', [table]);
  return new Set(r.rows.map((row) => row[0] as string));
}

export async function loadDuckDBIntoClickHouse(source: DuckDBStore, target: ClickHouseStore, options: LoadOptions = {}): Promise<LoadReport> {
  const batchRows = options.batchRows ?? 50_000;
  if (!(Number.isInteger(batchRows) && batchRows >= 1)) throw new RangeError(`batch size ${batchRows} is not a positive integer`);
  if (target.access === 'read-only') throw new StoreError('READ_ONLY', `${target.location} was opened read-only`);
  const cluster = target.target.cluster;
  const version = await reserveVersion(target);
  const report: { table: string; rows: number; ms: number }[] = [];
  const carried: { layout: TableLayout; columns: string[] | null }[] = [];
  for (const layout of CONTRACT_LAYOUTS) {
    if (options.tables !== undefined && !options.tables.includes(layout.name)) continue;
    const cols = await sourceColumns(source, layout.name);
    if (cols.length === 0) continue;
    const started = Date.now();
    const { rows, grew } = await loadTable(source, target, layout, cols, cluster, version, batchRows, options);
    const ms = Date.now() - started;
    report.push({ table: layout.name, rows, ms });
    carried.push({ layout, columns: grew ? cols.map((c) => c.name) : null });
    options.onTable?.(layout.name, rows, ms);
  }
  // 4. switch (views of tables that grew columns first), then drop what the switch replaced
  const regrown = carried.filter((c) => c.columns !== null);
  if (regrown.length > 0) {
    await target.onEveryServer(async (s) => {
      for (const c of regrown) await recreateView(s, c.layout, target.target.database, cluster, c.columns as string[]);
    });
  }
  await switchVersion(target, carried.map((c) => c.layout.name), version, options.onSwitched);
  await target.onEveryServer(async (s) => {
    for (const c of carried) await dropOtherVersions(s, c.layout, version);
  });
  return { tables: report, rows: report.reduce((n, t) => n + t.rows, 0) };
}

async function loadTable(
  source: DuckDBStore,
  target: ClickHouseStore,
  layout: TableLayout,
  cols: { name: string; type: string }[],
  cluster: string | undefined,
  version: number,
  batchRows: number,
  options: LoadOptions,
): Promise<{ rows: number; grew: boolean }> {
  const sharded = layout.sharded && cluster !== undefined;
  const known = new Set(layout.columns.map(([n]) => n));
  // Columns the source has that the contract layout does not: the operator's x_ columns, added
  // to the tables (local and Distributed) on every server; the view gets them at the switch.
  const extras = cols.filter((c) => !known.has(c.name));
  for (const c of extras) {
    if (!c.name.startsWith('x_')) throw new StoreError('STORE_UNREADABLE', `the source's ${layout.name} has a column ${c.name} the ClickHouse store does not know; refusing to drop data`);
  }
  let grew = false;
  await target.onEveryServer(async (s) => {
    const viewHas = await columnsOn(s, layout.name);
    if (extras.some((c) => !viewHas.has(c.name))) grew = true;
    for (const table of sharded ? [layout.local, layout.all] : [layout.local]) {
      const have = await columnsOn(s, table);
      for (const c of extras) if (!have.has(c.name)) await s.run(`ALTER TABLE ${q(table)} ADD COLUMN ${q(c.name)} ${extraType(c.type)}`);
    }
    // 1. only the current version's rows stay (a failed load's are dropped)
    await dropOtherVersions(s, layout, await currentVersion(target.coordinator, layout.name));
  });

  // 2. batches
  const [count] = await source.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(layout.name)}`);
  const expected = Number(count?.n ?? 0);
  const select = [...cols.map((c) => exportExpr(c.name, c.type)), String(version)].join(', ');
  const names = [...cols.map((c) => q(c.name)), q(LOAD_COLUMN)];
  const file = join(source.scratchDirectory(), `clickhouse-load-${layout.name}.csv`);
  let loaded = 0;
  for (const where of expected > 0 ? await batchFilters(source, layout, batchRows) : []) {
    try {
      await source.run(`COPY (SELECT ${select} FROM ${q(layout.name)} WHERE ${where}) TO '${file.replaceAll("'", "''")}' (FORMAT csv, HEADER false, NULLSTR '\\N')`);
      if (sharded) {
        await target.coordinator.insertStream(q(layout.all), names, 'CSV', createReadStream(file));
      } else {
        await target.onEveryServer((s) => s.insertStream(q(layout.local), names, 'CSV', createReadStream(file)));
      }
    } finally {
      rmSync(file, { force: true });
    }
    loaded = Math.min(expected, loaded + batchRows);
    await options.onBatch?.(layout.name, loaded);
  }

  // 3. complete, or nothing is switched
  const counts: number[] = [];
  if (sharded) {
    counts.push(await versionRows(target.coordinator, layout, cluster, version));
  } else {
    await target.onEveryServer(async (s) => {
      counts.push(await versionRows(s, layout, cluster, version, true));
    });
  }
  if (counts.some((n) => n !== expected)) {
    throw new StoreError('STORE_UNREADABLE', `loaded ${counts.join(' / ')} rows of ${layout.name} but the source has ${expected}; readers still see the previous load (run the load again)`);
  }
  return { rows: expected, grew };
}
