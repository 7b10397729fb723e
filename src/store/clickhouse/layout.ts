import { FILES, type FileSpec } from '../../contract/spec.ts';
import { CLICKHOUSE_DIALECT } from '../dialect.ts';

/**
 * The ClickHouse store's tables, translated from the data contract (contract/spec.ts), as
 * src/store/schema.ts does for DuckDB and PostgreSQL, and versioned on a line of their own
 * (CLICKHOUSE_MIGRATIONS): the engine has no transactions and no ALTER for most of what the
 * shared migrations do, so its history starts at the current shape.
 *
 * Every contract table is three things on every server (version 2 of this line):
 * - `<name>_local`, a MergeTree table holding the rows of every load version (column `_load`),
 *   PARTITION BY (_load, toYYYYMM(month)) for monthly data and by _load otherwise, so a load's
 *   rows are whole partitions and an old version is dropped partition by partition. A table with
 *   a customer_id (customers, subscriptions, monthly_usage, interactions, churn_events,
 *   campaign_members, points_transactions) is sharded by customer: each server holds its share,
 *   ORDER BY (customer_id, the rest of its key). A table without one (reason_codes, surveys,
 *   offers, campaigns: small reference data) holds the same rows on every server (the loader
 *   writes them to each), so joins to it need no network.
 * - `<name>_all`, for a sharded table of a cluster: a Distributed table over the servers'
 *   `<name>_local`, sharded by cityHash64(customer_id), so one customer's rows are on one shard
 *   and per-customer joins run shard-locally (the session sets distributed_product_mode = 'local').
 * - `<name>`, the view every query reads: the contract columns of the rows whose `_load` is the
 *   table's current version in LOAD_STATE_TABLE. That version is a scalar subquery, which
 *   ClickHouse evaluates once on the server that received the query and sends to the shards as
 *   a constant: a query reads one version on every shard. A load writes a new version beside the
 *   current one and switches every table it carried in one INSERT per server (load.ts), so a
 *   reader sees the old rows or the new ones, never one shard of each.
 * Required columns are not Nullable (MergeTree keys must not be); the others are.
 */
export interface TableLayout {
  readonly name: string;
  /** Whether rows are spread over the shards by customer (else every server holds them all). */
  readonly sharded: boolean;
  /** The per-server MergeTree table, rows of every load version. */
  readonly local: string;
  /** The Distributed table over the servers' `local` tables (used only when sharded on a cluster). */
  readonly all: string;
  readonly columns: readonly (readonly [name: string, type: string])[];
  readonly orderBy: readonly string[];
  readonly partitionBy: string;
}

const DERIVED_COLUMNS: Partial<Record<FileSpec['name'], string[]>> = {
  customers: ['province', 'city', 'district'],
};

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

function notNull(type: string): string {
  return /^Nullable\((.*)\)$/.exec(type)?.[1] ?? type;
}

export function contractLayout(file: FileSpec): TableLayout {
  const required = new Set(file.columns.filter((c) => c.required).map((c) => c.name));
  const columns: [string, string][] = file.columns.map((c) => {
    const type = CLICKHOUSE_DIALECT.types[c.kind];
    return [c.name, required.has(c.name) ? notNull(type) : type];
  });
  for (const d of DERIVED_COLUMNS[file.name] ?? []) columns.push([d, 'Nullable(String)']);
  const sharded = required.has('customer_id');
  const keyCols = [...(sharded ? ['customer_id'] : []), ...file.key.filter((k) => k !== 'customer_id' && required.has(k))];
  const monthly = required.has('month') && file.columns.find((c) => c.name === 'month')?.kind === 'month';
  return {
    name: file.name,
    sharded,
    local: `${file.name}_local`,
    all: `${file.name}_all`,
    columns,
    orderBy: keyCols.length > 0 ? keyCols : ['tuple()'],
    partitionBy: monthly ? '(_load, toYYYYMM(month))' : '_load',
  };
}

export const CONTRACT_LAYOUTS: readonly TableLayout[] = FILES.map(contractLayout);

/** The column of a row's load version in every `_local` table (never in the views). */
export const LOAD_COLUMN = '_load';
/** Per server: which load version of each table the views show (`tbl`, `version`; the largest counts). */
export const LOAD_STATE_TABLE = 'load_state';
/** The `tbl` of the rows that reserve a load's version before it writes anything (load.ts). */
export const LOAD_STARTED = '*started';

/** The table a query reaches the rows of every version through: the Distributed table on a cluster, else the local table. */
export function rowsTable(t: TableLayout, cluster: string | undefined): string {
  return t.sharded && cluster !== undefined ? t.all : t.local;
}

/** The view's SELECT: the table's columns of its current version. */
export function viewSelect(t: TableLayout, database: string, cluster: string | undefined, columns: readonly string[] = t.columns.map(([n]) => n)): string {
  const current = `(SELECT max(version) FROM ${q(database)}.${LOAD_STATE_TABLE} WHERE tbl = '${t.name}')`;
  return `SELECT ${columns.map(q).join(', ')} FROM ${q(database)}.${q(rowsTable(t, cluster))} WHERE ${LOAD_COLUMN} = ${current}`;
}

/**
 * DDL on one server (version 2): drops what version 1 made under the names (its Distributed or
 * reference table `<name>`, its `<name>_local` without load versions; a version-1 store is loaded
 * again), then creates the local table, the Distributed table when sharded on a cluster, and the view.
 */
export function layoutDdl(t: TableLayout, database: string, cluster: string | undefined): string[] {
  const cols = [...t.columns, [LOAD_COLUMN, 'UInt32'] as const].map(([n, type]) => `${q(n)} ${type}`).join(', ');
  const order = t.orderBy.map((c) => (c === 'tuple()' ? c : q(c))).join(', ');
  const db = q(database);
  const out = [
    `DROP TABLE IF EXISTS ${db}.${q(t.name)}`,
    `DROP TABLE IF EXISTS ${db}.${q(t.local)}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${q(t.local)} (${cols}) ENGINE = MergeTree PARTITION BY ${t.partitionBy} ORDER BY (${order})`,
  ];
  if (t.sharded && cluster !== undefined) {
    out.push(`CREATE TABLE IF NOT EXISTS ${db}.${q(t.all)} AS ${db}.${q(t.local)} ENGINE = Distributed(${cluster}, ${database}, ${t.local}, cityHash64(customer_id))`);
  }
  out.push(`CREATE VIEW IF NOT EXISTS ${db}.${q(t.name)} AS ${viewSelect(t, database, cluster)}`);
  return out;
}

/** Version 1's DDL on one server, as released (no load versions): kept so the history replays as it ran. */
function layoutDdlV1(t: TableLayout, database: string, cluster: string | undefined): string[] {
  const cols = t.columns.map(([n, type]) => `${q(n)} ${type}`).join(', ');
  const order = t.orderBy.map((c) => (c === 'tuple()' ? c : q(c))).join(', ');
  const monthly = t.partitionBy.includes('toYYYYMM(month)');
  const mergeTree = (name: string) =>
    `CREATE TABLE IF NOT EXISTS ${q(database)}.${q(name)} (${cols}) ENGINE = MergeTree ${monthly ? 'PARTITION BY toYYYYMM(month) ' : ''}ORDER BY (${order})`;
  if (!t.sharded || !cluster) return [mergeTree(t.name)];
  return [
    mergeTree(t.local),
    `CREATE TABLE IF NOT EXISTS ${q(database)}.${q(t.name)} AS ${q(database)}.${q(t.local)} ENGINE = Distributed(${cluster}, ${database}, ${t.local}, cityHash64(customer_id))`,
  ];
}

export interface ClickHouseMigration {
  readonly version: number;
  readonly description: string;
  /** Statements run on every server of the store, in order; each must be idempotent (IF NOT EXISTS), since a failed run is repeated. */
  readonly statements: (database: string, cluster: string | undefined) => string[];
}

export const SCHEMA_MIGRATIONS_TABLE = 'schema_migrations';

export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    description: 'contract tables: MergeTree per shard ordered by customer (monthly data partitioned by month), Distributed by cityHash64(customer_id); reference tables on every server',
    statements: (db, cluster) => CONTRACT_LAYOUTS.flatMap((t) => layoutDdlV1(t, db, cluster)),
  },
  {
    version: 2,
    description: 'load versions: every contract table keeps its rows in <name>_local with a _load version (partitioned by it), and <name> is a view of the current version in load_state, switched in one write per server',
    statements: (db, cluster) => [
      `CREATE TABLE IF NOT EXISTS ${q(db)}.${LOAD_STATE_TABLE} (tbl String, version UInt32, at DateTime) ENGINE = MergeTree ORDER BY (tbl, version)`,
      ...CONTRACT_LAYOUTS.flatMap((t) => layoutDdl(t, db, cluster)),
    ],
  },
];

export const CLICKHOUSE_SCHEMA_VERSION = CLICKHOUSE_MIGRATIONS[CLICKHOUSE_MIGRATIONS.length - 1]?.version ?? 0;
