import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLICKHOUSE_DIALECT, type Dialect } from '../dialect.ts';
import type { AnalyticsStore, ColumnSet, FileFormat, LoadStagedRequest, ParquetWriteRequest, Row, SqlValue, StageFileRequest, StoreAccess, StoreTx } from '../port.ts';
import { StoreError } from '../errors.ts';
import { sessionAccess } from '../access.ts';
import { checkedColumns } from '../column-set.ts';
import { ClickHouseSession, type SessionOptions, type Settings } from './connection.ts';
import { CLICKHOUSE_MIGRATIONS, CLICKHOUSE_SCHEMA_VERSION, CONTRACT_LAYOUTS, LOAD_COLUMN, SCHEMA_MIGRATIONS_TABLE } from './layout.ts';
import { currentVersion, reserveVersion, switchVersion } from './versions.ts';
import { clickHouseTarget, type ClickHouseTarget } from './target.ts';
import { isNumericType, normalise } from './tsv.ts';

export interface ClickHouseOpenOptions {
  readonly access?: StoreAccess;
  /** Apply pending migrations on a read-write open (default true); a read-only open only checks. */
  readonly migrate?: boolean;
  /** Create the database on every server when missing (import and tests; default false). */
  readonly create?: boolean;
  /** Settings sent with every statement (defaults below win only where not given). */
  readonly settings?: Settings;
  readonly requestTimeoutMs?: number;
}

/**
 * Session settings of every store statement: joins and IN over two Distributed tables run shard
 * by shard on the local tables (both are sharded by customer, so each shard holds all of a
 * customer's rows), and a query that cannot reach a shard fails rather than answering from the
 * others (skip_unavailable_shards is off by default; stated here so it stays off).
 *
 * 18.16 resolves a qualified column of the left table (u.customer_id) in JOIN … ON only when the
 * left side is a subquery: `FROM (SELECT … FROM monthly_usage) AS u JOIN customers AS c ON …`.
 */
const DEFAULT_SETTINGS: Settings = {
  distributed_product_mode: 'local',
  // An INSERT into a Distributed table returns once every shard has its rows (the default queues
  // them for later delivery, so a shard down would lose or delay rows silently).
  insert_distributed_sync: 1,
  skip_unavailable_shards: 0,
  join_use_nulls: 1,
};

function unsupported(what: string): never {
  throw new StoreError('UNSUPPORTED_ENGINE', `the ClickHouse store cannot ${what} yet (issue 17: its first slice has queries, statements, migrations and bulk inserts); use the DuckDB or PostgreSQL store for this command`);
}

/**
 * The AnalyticsStore over ClickHouse (issue 17, first slice), through @clickhouse/client over
 * HTTP: one server session on the coordinator (the first host of the URL) for queries and
 * temporary tables, and one per server for the per-server DDL of migrations.
 *
 * What this slice implements: run/query with values bound by the adapter (literals.ts),
 * results normalised as the port says (tsv.ts), queryColumns, stageColumns (bulk TSV insert
 * into a temporary table), insertRows (bulk TSV insert into a stored table), migrations on every
 * server (layout.ts), sessions. What ClickHouse cannot do as the port promises fails with
 * UNSUPPORTED_ENGINE instead of giving a wrong result: transaction() (ClickHouse has no
 * transactions: writers must use the batch-version loads of the ClickHouse importer), and
 * stageFile/describeFile until the ClickHouse import lands.
 */
export class ClickHouseStore implements AnalyticsStore {
  readonly engine = 'clickhouse' as const;
  readonly dialect: Dialect = CLICKHOUSE_DIALECT;
  private scratch: string | undefined;

  private constructor(
    private readonly session: ClickHouseSession,
    readonly target: ClickHouseTarget,
    readonly access: StoreAccess,
    private readonly options: SessionOptions,
  ) {}

  get location(): string {
    return this.target.redacted;
  }

  static async open(url: string, options: ClickHouseOpenOptions = {}): Promise<ClickHouseStore> {
    const target = clickHouseTarget(url);
    const access = options.access ?? 'read-write';
    const sessionOptions: SessionOptions = {
      settings: { ...DEFAULT_SETTINGS, ...options.settings },
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    };
    if (options.create === true && access === 'read-write') await createDatabase(target, sessionOptions);
    const session = ClickHouseSession.open(target, target.hosts[0] as ClickHouseTarget['hosts'][number], sessionOptions);
    const store = new ClickHouseStore(session, target, access, sessionOptions);
    try {
      await store.checkServer();
      if (access === 'read-only' || options.migrate === false) await store.requireCurrent();
      else await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /** The database exists and, for a cluster, the server knows the cluster with one shard per listed host. */
  private async checkServer(): Promise<void> {
    const db = await this.session.select('SELECT count() AS n FROM system.databases WHERE name = $1', [this.target.database]);
    if (Number(db.rows[0]?.[0] ?? 0) === 0) throw new StoreError('STORE_NOT_FOUND', `the ClickHouse store ${this.location} has no database ${this.target.database} (no Tenure data has been loaded there)`);
    const cluster = this.target.cluster;
    if (cluster === undefined) return;
    const shards = await this.session.select('SELECT count(DISTINCT shard_num) AS n FROM system.clusters WHERE cluster = $1', [cluster]);
    const n = Number(shards.rows[0]?.[0] ?? 0);
    if (n === 0) throw new StoreError('BAD_SETTING', `the ClickHouse server ${this.session.where} has no cluster ${cluster} in its remote_servers`);
    if (n !== this.target.hosts.length) {
      throw new StoreError('BAD_SETTING', `the ClickHouse cluster ${cluster} has ${n} shards but ${this.location} lists ${this.target.hosts.length} hosts: list every shard's HTTP host:port, one server per shard`);
    }
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    this.requireWritableSql(sql);
    await this.session.run(sql, params);
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const result = await this.session.select(sql, params);
    return result.rows.map((fields, r) => {
      const row: Row = {};
      result.names.forEach((name, c) => {
        row[name] = normalise(fields[c] ?? '', result.nulls[r]?.[c] === true, result.types[c] ?? 'String');
      });
      return row as T;
    });
  }

  /** A read-only store writes temporary tables only (the product's promise, as on PostgreSQL). */
  private requireWritableSql(sql: string): void {
    if (this.access !== 'read-only') return;
    const head = sql.trimStart().slice(0, 40).toUpperCase();
    if (/^(INSERT|ALTER|DROP TABLE|CREATE TABLE|CREATE VIEW|CREATE MATERIALIZED|RENAME|TRUNCATE|OPTIMIZE)/.test(head) && !/^DROP TEMPORARY|^CREATE TEMPORARY/.test(head)) {
      throw new StoreError('READ_ONLY', `${this.location} was opened read-only`);
    }
  }

  async schemaVersion(): Promise<number> {
    const exists = await this.session.select(this.dialect.storedTableSql, [SCHEMA_MIGRATIONS_TABLE]);
    if (exists.rows.length === 0) return 0;
    const [row] = await this.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${SCHEMA_MIGRATIONS_TABLE}`);
    return Number(row?.v ?? 0);
  }

  private async requireCurrent(): Promise<void> {
    const version = await this.schemaVersion();
    if (version === CLICKHOUSE_SCHEMA_VERSION) return;
    const which = version < CLICKHOUSE_SCHEMA_VERSION ? 'an older' : 'a newer';
    throw new StoreError('STORE_NEEDS_MIGRATION', `the ClickHouse store ${this.location} was written by ${which} Tenure (ClickHouse schema version ${version}, this one reads ${CLICKHOUSE_SCHEMA_VERSION}); ${version < CLICKHOUSE_SCHEMA_VERSION ? 'open it read-write once (tenure import) to upgrade it' : 'use that newer Tenure'}`);
  }

  /**
   * Pending migrations on every server, each server's statements in order, then the version on
   * every server. No transaction exists to make this atomic: every statement is idempotent (IF NOT
   * EXISTS), so a run that failed half-way is completed by the next open. Two processes migrating
   * one store at once both succeed (the statements and the version rows are idempotent; readers
   * take max(version)).
   */
  async migrate(): Promise<number> {
    if (this.access === 'read-only') {
      await this.requireCurrent();
      return 0;
    }
    const current = await this.schemaVersion();
    const pending = CLICKHOUSE_MIGRATIONS.filter((m) => m.version > current);
    if (pending.length === 0) return 0;
    await this.onEveryServer(async (s) => {
      await s.run(`CREATE TABLE IF NOT EXISTS ${SCHEMA_MIGRATIONS_TABLE} (version UInt32, description String, applied_at DateTime) ENGINE = MergeTree ORDER BY version`);
      for (const m of pending) {
        for (const stmt of m.statements(this.target.database, this.target.cluster)) await s.run(stmt);
      }
    });
    await this.onEveryServer(async (s) => {
      for (const m of pending) await s.run(`INSERT INTO ${SCHEMA_MIGRATIONS_TABLE} VALUES ($1, $2, now())`, [m.version, m.description]);
    });
    return pending.length;
  }

  /** The session on the coordinator (the first host): the store's own, for its loader. */
  get coordinator(): ClickHouseSession {
    return this.session;
  }

  /** fn on a session of each server of the store, one server after the other (DDL that ON CLUSTER would need ZooKeeper for). */
  async onEveryServer(fn: (s: ClickHouseSession) => Promise<void>): Promise<void> {
    for (const host of this.target.hosts) {
      const s = host === this.target.hosts[0] ? this.session : ClickHouseSession.open(this.target, host, this.options);
      try {
        await fn(s);
      } finally {
        if (s !== this.session) await s.close();
      }
    }
  }

  transaction<T>(_fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return Promise.reject(
      new StoreError('UNSUPPORTED_ENGINE', `the ClickHouse store ${this.location} has no transactions: this command writes through one and does not run on ClickHouse yet`),
    );
  }

  stageFile(_tx: StoreTx, _request: StageFileRequest): Promise<number> {
    return Promise.reject(unsupported('stage files through the generic import (the ClickHouse loader is its own)'));
  }

  loadStaged(_tx: StoreTx, _request: LoadStagedRequest): Promise<number> {
    return Promise.reject(unsupported('load staged files through the generic import (the ClickHouse loader is its own)'));
  }

  async unstageFile(table: string): Promise<void> {
    await this.session.run(`DROP TEMPORARY TABLE IF EXISTS ${this.dialect.temporaryTable(table)}`);
  }

  writeParquet(_request: ParquetWriteRequest): Promise<string> {
    return Promise.reject(unsupported('write Parquet files'));
  }

  describeFile(_path: string, _format: FileFormat): Promise<string[]> {
    return Promise.reject(unsupported('describe data files'));
  }

  /** Numeric columns (integers, floats, decimals) as Float64Array with NaN for NULL; the rest as text. */
  async queryColumns(sql: string, params: readonly SqlValue[] = []): Promise<ColumnSet> {
    const result = await this.session.select(sql, params);
    const rowCount = result.rows.length;
    const columns: Record<string, Float64Array | SqlValue[]> = {};
    result.names.forEach((name, c) => {
      if (isNumericType(result.types[c] ?? 'String')) {
        const out = new Float64Array(rowCount);
        for (let i = 0; i < rowCount; i++) {
          const v = result.rows[i]?.[c] ?? '';
          out[i] = result.nulls[i]?.[c] ? Number.NaN : Number(v.replace(/^(-?)inf$/, '$1Infinity'));
        }
        columns[name] = out;
      } else {
        const out = new Array<SqlValue>(rowCount);
        for (let i = 0; i < rowCount; i++) out[i] = result.nulls[i]?.[c] ? null : (result.rows[i]?.[c] ?? '');
        columns[name] = out;
      }
    });
    return { rowCount, names: result.names, columns };
  }

  /** A temporary Memory table of the columns (Float64 with NaN as NULL, String), filled by one TSV insert. */
  async stageColumns(table: string, set: ColumnSet): Promise<number> {
    const cols = checkedColumns(set);
    const numeric = cols.map((c) => c.values instanceof Float64Array);
    const name = this.dialect.temporaryTable(table);
    await this.session.run(`DROP TEMPORARY TABLE IF EXISTS ${name}`);
    await this.session.run(`CREATE TEMPORARY TABLE ${name} (${cols.map((c, i) => `${quote(c.name)} ${numeric[i] ? 'Nullable(Float64)' : 'Nullable(String)'}`).join(', ')}) ENGINE = Memory`);
    await this.insertTsvRows(name, cols.map((c) => quote(c.name)), set.rowCount, (i) => cols.map((c, j) => tsvField(c.values[i], numeric[j] === true)));
    return set.rowCount;
  }

  /**
   * Rows into a stored table in blocks of `batchRows` (10k–100k: one INSERT each, which ClickHouse
   * writes as one part per partition), values given in `columns` order. Not atomic across blocks:
   * the ClickHouse importer makes a load idempotent with its load versions. Rows for a contract
   * table join its current load version (a first version is made current when it has none):
   * through the Distributed table when sharded on a cluster, into every server's table otherwise.
   */
  async insertRows(table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[], batchRows = 50_000): Promise<number> {
    if (this.access === 'read-only') throw new StoreError('READ_ONLY', `${this.location} was opened read-only`);
    if (!(Number.isInteger(batchRows) && batchRows >= 1)) throw new RangeError(`batch size ${batchRows} is not a positive integer`);
    const layout = CONTRACT_LAYOUTS.find((t) => t.name === table);
    let version = 0;
    if (layout) {
      version = await currentVersion(this.session, table);
      if (version === 0) {
        version = await reserveVersion(this);
        await switchVersion(this, [table], version);
      }
    }
    const names = layout ? [...columns, LOAD_COLUMN] : columns;
    const write = async (s: ClickHouseSession, into: string, block: readonly (readonly SqlValue[])[]) =>
      s.insertTsv(
        quote(into),
        names.map(quote),
        tsvLines(block.length, (i) => [...(block[i] ?? []), ...(layout ? [version] : [])].map((v) => tsvField(v, typeof v === 'number'))),
      );
    for (let start = 0; start < rows.length; start += batchRows) {
      const block = rows.slice(start, start + batchRows);
      if (!layout) await write(this.session, table, block);
      else if (layout.sharded && this.target.cluster !== undefined) await write(this.session, layout.all, block);
      else await this.onEveryServer((s) => write(s, layout.local, block));
    }
    return rows.length;
  }

  private async insertTsvRows(table: string, columns: readonly string[], count: number, fields: (i: number) => string[]): Promise<void> {
    await this.session.insertTsv(table, columns, tsvLines(count, fields));
  }

  scratchDirectory(): string {
    this.scratch ??= mkdtempSync(join(tmpdir(), 'tenure-ch-scratch-'));
    return this.scratch;
  }

  /** Another server session on the coordinator (its own temporary tables); no migration. */
  async openSession(access?: StoreAccess): Promise<AnalyticsStore> {
    const granted = sessionAccess(this.location, this.access, access);
    return new ClickHouseStore(ClickHouseSession.open(this.target, this.target.hosts[0] as ClickHouseTarget['hosts'][number], this.options), this.target, granted, this.options);
  }

  async close(): Promise<void> {
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
    this.scratch = undefined;
    await this.session.close();
  }
}

/** CREATE DATABASE IF NOT EXISTS on every server of the target. */
async function createDatabase(target: ClickHouseTarget, options: SessionOptions): Promise<void> {
  for (const host of target.hosts) {
    const s = ClickHouseSession.open(target, host, options, 'default');
    try {
      await s.run(`CREATE DATABASE IF NOT EXISTS ${quote(target.database)}`);
    } finally {
      await s.close();
    }
  }
}

/** TSV text of `count` rows in blocks of 4096 lines. */
function* tsvLines(count: number, fields: (i: number) => string[]): Generator<string> {
  const BLOCK = 4096;
  for (let start = 0; start < count; start += BLOCK) {
    let text = '';
    for (let i = start; i < Math.min(count, start + BLOCK); i++) text += `${fields(i).join('\t')}\n`;
    yield text;
  }
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** One TSV field: \N for NULL (and NaN), text with tab, newline and backslash escaped. */
export function tsvField(v: SqlValue | undefined, numeric: boolean): string {
  if (v === null || v === undefined) return '\\N';
  if (numeric) {
    const n = v as number;
    if (Number.isNaN(n)) return '\\N';
    if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
    return String(v);
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v).replace(/[\\\t\n\r\0]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\0'));
}
