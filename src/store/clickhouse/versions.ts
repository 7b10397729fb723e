import type { ClickHouseStore } from './clickhouse-store.ts';
import type { ClickHouseSession } from './connection.ts';
import { LOAD_STARTED, LOAD_STATE_TABLE, rowsTable, type TableLayout, viewSelect } from './layout.ts';

/**
 * Load versions of the ClickHouse store (layout.ts, version 2): every contract table's rows carry
 * the version of the load that wrote them, the views show each table's current version, and a
 * load switches the tables it wrote in one INSERT per server. One load at a time per store (as
 * one writer at a time on DuckDB): two loads at once could reserve the same version.
 */

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A new version, above every version any server has seen (reserved or current), recorded as reserved on every server. */
export async function reserveVersion(store: ClickHouseStore): Promise<number> {
  let top = 0;
  await store.onEveryServer(async (s) => {
    const r = await s.select(`SELECT max(version) AS v FROM ${LOAD_STATE_TABLE}`);
    top = Math.max(top, Number(r.rows[0]?.[0] ?? 0));
  });
  const version = top + 1;
  await store.onEveryServer((s) => s.run(`INSERT INTO ${LOAD_STATE_TABLE} (tbl, version, at) VALUES ($1, $2, now())`, [LOAD_STARTED, version]));
  return version;
}

/** The current version of a table as the coordinator's views see it (0: never loaded). */
export async function currentVersion(session: ClickHouseSession, table: string): Promise<number> {
  const r = await session.select(`SELECT max(version) AS v FROM ${LOAD_STATE_TABLE} WHERE tbl = $1`, [table]);
  return Number(r.rows[0]?.[0] ?? 0);
}

/**
 * Makes `version` current for the tables: one INSERT (one part, visible at once) per server. A
 * query reads the version on the server that received it, once, so it sees every table of the
 * load old or every one new, on every shard.
 */
export async function switchVersion(store: ClickHouseStore, tables: readonly string[], version: number, onSwitched?: (server: string) => void | Promise<void>): Promise<void> {
  if (tables.length === 0) return;
  const values = tables.map((_, i) => `($${2 * i + 1}, $${2 * i + 2}, now())`).join(', ');
  const params = tables.flatMap((t) => [t, version]);
  await store.onEveryServer(async (s) => {
    await s.run(`INSERT INTO ${LOAD_STATE_TABLE} (tbl, version, at) VALUES ${values}`, params);
    await onSwitched?.(s.where);
  });
}

/** Drops, on one server, the partitions of a table's local rows whose version is not `keep` (a replaced load, or a failed one's rows). */
export async function dropOtherVersions(s: ClickHouseSession, layout: TableLayout, keep: number): Promise<void> {
  const r = await s.select('SELECT DISTINCT partition, partition_id FROM system.parts WHERE database = currentDatabase() AND table = $1 AND active', [layout.local]);
  for (const [partition, id] of r.rows) {
    const version = Number(/^\(?(\d+)/.exec(partition ?? '')?.[1] ?? Number.NaN);
    if (version !== keep) await s.run(`ALTER TABLE ${q(layout.local)} DROP PARTITION ID $1`, [id ?? '']);
  }
}

/** Rows of one version of a table: through the Distributed table (a cluster's sharded table) or one server's local table. */
export async function versionRows(s: ClickHouseSession, layout: TableLayout, cluster: string | undefined, version: number, local = false): Promise<number> {
  const table = local ? layout.local : rowsTable(layout, cluster);
  const r = await s.select(`SELECT count() AS n FROM ${q(table)} WHERE _load = $1`, [version]);
  return Number(r.rows[0]?.[0] ?? 0);
}

/** Recreates a table's view on one server over the given columns (after the table grew columns). */
export async function recreateView(s: ClickHouseSession, layout: TableLayout, database: string, cluster: string | undefined, columns: readonly string[]): Promise<void> {
  await s.run(`DROP TABLE IF EXISTS ${q(layout.name)}`);
  await s.run(`CREATE VIEW ${q(layout.name)} AS ${viewSelect(layout, database, cluster, columns)}`);
}
