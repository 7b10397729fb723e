import { FILES, type FileSpec } from '../../contract/spec.ts';
import { CLICKHOUSE_DIALECT } from '../dialect.ts';

/**
 * The ClickHouse store's tables, translated from the data contract (contract/spec.ts), as
 * src/store/schema.ts does for DuckDB and PostgreSQL, and versioned on a line of their own
 * (CLICKHOUSE_MIGRATIONS): the engine has no transactions and no ALTER for most of what the
 * shared migrations do, so its history starts at the current shape.
 *
 * - A table with a customer_id (customers, subscriptions, monthly_usage, interactions,
 *   churn_events, campaign_members, points_transactions) is sharded by customer: a MergeTree
 *   table `<name>_local` on every server, ORDER BY (customer_id, the rest of its key) and, for
 *   monthly data, PARTITION BY toYYYYMM(month); and a Distributed table `<name>` over them on
 *   every server, sharded by cityHash64(customer_id), so one customer's rows are on one shard and
 *   per-customer joins run shard-locally (the session sets distributed_product_mode = 'local').
 * - A table without one (reason_codes, surveys, offers, campaigns: small reference data) is a
 *   plain MergeTree table `<name>` on every server, holding the same rows everywhere (the loader
 *   writes them to each server), so joins to it need no network.
 * Required columns are not Nullable (MergeTree keys must not be); the others are.
 */
export interface TableLayout {
  readonly name: string;
  /** The table queries read: Distributed over `local` when sharded, else the table itself. */
  readonly sharded: boolean;
  /** The per-server MergeTree table of a cluster (on one server without a cluster, `name` is it). */
  readonly local: string;
  readonly columns: readonly (readonly [name: string, type: string])[];
  readonly orderBy: readonly string[];
  readonly partitionBy?: string;
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
    local: sharded ? `${file.name}_local` : file.name,
    columns,
    orderBy: keyCols.length > 0 ? keyCols : ['tuple()'],
    ...(monthly ? { partitionBy: 'toYYYYMM(month)' } : {}),
  };
}

export const CONTRACT_LAYOUTS: readonly TableLayout[] = FILES.map(contractLayout);

/** DDL on one server: the local MergeTree table, and the Distributed table over the cluster's when sharded. */
export function layoutDdl(t: TableLayout, database: string, cluster: string | undefined): string[] {
  const cols = t.columns.map(([n, type]) => `${q(n)} ${type}`).join(', ');
  const order = t.orderBy.map((c) => (c === 'tuple()' ? c : q(c))).join(', ');
  const mergeTree = (name: string) =>
    `CREATE TABLE IF NOT EXISTS ${q(database)}.${q(name)} (${cols}) ENGINE = MergeTree ${t.partitionBy ? `PARTITION BY ${t.partitionBy} ` : ''}ORDER BY (${order})`;
  // One server without a cluster: the MergeTree table itself under the table's name.
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
    statements: (db, cluster) => CONTRACT_LAYOUTS.flatMap((t) => layoutDdl(t, db, cluster)),
  },
];

export const CLICKHOUSE_SCHEMA_VERSION = CLICKHOUSE_MIGRATIONS[CLICKHOUSE_MIGRATIONS.length - 1]?.version ?? 0;
