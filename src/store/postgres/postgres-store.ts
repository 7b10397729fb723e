import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, type Writable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { POSTGRES_DIALECT, POSTGRES_SESSION_SQL, type Dialect } from '../dialect.ts';
import { MIGRATIONS, quoteIdent } from '../schema.ts';
import { SCHEMA_MIGRATIONS_DDL, applyMigration, requireCurrentSchema, storedSchemaVersion } from '../migrations-run.ts';
import type { AnalyticsStore, ColumnSet, FileFormat, LoadStagedRequest, ParquetWriteRequest, Row, SqlValue, StageFileRequest, StoreAccess, StoreTx } from '../port.ts';
import { StoreError } from '../errors.ts';
import { connect, postgresTarget, statementError, type ConnectOptions, type PostgresTarget } from './connection.ts';
import { sessionAccess } from '../access.ts';
import { checkedColumns } from '../column-set.ts';
import { FileReader } from './file-reader.ts';

/** Server types read into a Float64Array by queryColumns (int2, int4, int8, float4, float8, numeric, bool). */
const NUMERIC_OIDS = new Set([16, 20, 21, 23, 700, 701, 1700]);

/** A lock number of our own for migrations (pg_advisory_xact_lock), so two processes opening a new store migrate it once. */
const MIGRATION_LOCK = 7_211_935_001;

export interface PostgresOpenOptions {
  readonly access?: StoreAccess;
  /** Apply pending migrations on a read-write open (default true); a read-only open only checks. */
  readonly migrate?: boolean;
  /** Statement timeout in ms (default: TENURE_STATEMENT_TIMEOUT seconds, else 0 = none). */
  readonly statementTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Folders the file reader (file-reader.ts) may read besides the store's scratch folder (import's data folder). */
  readonly readableDirectories?: readonly string[];
}

function statementTimeoutFromEnv(): number {
  const text = process.env.TENURE_STATEMENT_TIMEOUT;
  if (text === undefined || text === '') return 0;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(seconds)) {
    throw new StoreError('BAD_SETTING', `TENURE_STATEMENT_TIMEOUT must be a number of seconds (0 = no limit), got ${JSON.stringify(text)}`);
  }
  return Math.round(seconds * 1000);
}

/** CSV text of one value for COPY … (FORMAT csv): NULL unquoted and empty, text always quoted. */
function csvField(v: SqlValue | undefined, numeric: boolean): string {
  if (v === null || v === undefined) return '';
  if (numeric) return Number.isNaN(v as number) ? '' : String(v);
  return `"${String(v).replaceAll('"', '""')}"`;
}

/**
 * The AnalyticsStore over PostgreSQL 15+. One store is one server session (a dedicated
 * connection): the temporary tables a use case builds live in it, as they do in DuckDB's.
 *
 * 'read-only' here is the product's promise, not the server's: PostgreSQL refuses temporary
 * tables in a read-only transaction, and read commands build theirs, so a read-only open
 * checks the schema without migrating and use cases state their writes (requireWritable).
 * An operator who wants the server to enforce it gives readers a role with SELECT and TEMP
 * privileges only.
 */
/**
 * SQLSTATE class 42 (syntax error, undefined function, type or column) from SQL the app sent:
 * a statement written for DuckDB that the dialect seam does not cover yet (issue 14).
 */
const NOT_PORTED = /^42(601|883|704|846|P18|725)$/;

export class PostgresStore implements AnalyticsStore {
  readonly engine = 'postgres' as const;
  readonly dialect: Dialect = POSTGRES_DIALECT;
  private inTransaction = false;
  private scratch: string | undefined;
  private reader: FileReader | undefined;
  private parquetFiles = 0;

  private constructor(
    private readonly client: pg.Client,
    private readonly target: PostgresTarget,
    readonly access: StoreAccess,
    private readonly readable: readonly string[],
    private readonly connectOptions: ConnectOptions,
  ) {}

  get location(): string {
    return this.target.redacted;
  }

  static async open(url: string, options: PostgresOpenOptions = {}): Promise<PostgresStore> {
    const target = postgresTarget(url);
    const access = options.access ?? 'read-write';
    const connectOptions = {
      statementTimeoutMs: options.statementTimeoutMs ?? statementTimeoutFromEnv(),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
    const client = await connect(target, connectOptions);
    const store = new PostgresStore(client, target, access, options.readableDirectories ?? [], connectOptions);
    try {
      for (const sql of POSTGRES_SESSION_SQL) await store.run(sql);
      if (access === 'read-only') requireCurrentSchema(store.location, await storedSchemaVersion(store, store.dialect));
      else if (options.migrate !== false) await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    await this.exec(sql, params);
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.exec(sql, params)).rows as T[];
  }

  private async exec(sql: string, params: readonly SqlValue[], rowMode?: 'array'): Promise<pg.QueryResult> {
    const values = params.map((p) => (typeof p === 'bigint' ? p.toString() : p));
    try {
      return await this.client.query({ text: sql, values, ...(rowMode ? { rowMode } : {}) });
    } catch (err) {
      if (process.env.TENURE_DEBUG_SQL) process.stderr.write(`-- failed on ${this.location}: ${(err as Error).message}\n${sql}\n`);
      const code = (err as { code?: string }).code ?? '';
      if (NOT_PORTED.test(code)) {
        throw new StoreError('UNSUPPORTED_ENGINE', `this command does not run on the PostgreSQL store yet (its SQL still speaks DuckDB: ${(err as Error).message}); use the DuckDB store, or the commands listed in the README as running on PostgreSQL`);
      }
      throw statementError(err, this.target);
    }
  }

  async schemaVersion(): Promise<number> {
    return storedSchemaVersion(this, this.dialect);
  }

  async migrate(): Promise<number> {
    if (this.access === 'read-only') {
      requireCurrentSchema(this.location, await storedSchemaVersion(this, this.dialect));
      return 0;
    }
    // One transaction for the whole upgrade, under a lock: two processes opening a new store
    // at once migrate it once, and a failed migration leaves the store at its old version.
    return this.transaction(async (tx) => {
      await tx.run(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.run(SCHEMA_MIGRATIONS_DDL);
      const [row] = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      const current = Number(row?.v ?? 0);
      let applied = 0;
      for (const m of MIGRATIONS) {
        if (m.version <= current) continue;
        await applyMigration(tx, m, this.dialect);
        applied++;
      }
      return applied;
    });
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.inTransaction) throw new StoreError('NESTED_TRANSACTION', 'transactions do not nest');
    this.inTransaction = true;
    await this.exec('BEGIN', []);
    try {
      const result = await fn(this);
      await this.exec('COMMIT', []);
      return result;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      this.inTransaction = false;
    }
  }

  async unstageFile(table: string): Promise<void> {
    await this.reader?.drop(table);
    await this.run(`DROP TABLE IF EXISTS pg_temp.${table}`);
  }

  /**
   * The staged rows the file reader kept (stageFile's `keep`), written as the request's columns
   * by DuckDB and sent with COPY … FROM STDIN straight into the stored table, in the caller's
   * transaction: the server parses each value once, and no staging copy of the rows is read
   * again or written twice.
   */
  async loadStaged(_tx: StoreTx, req: LoadStagedRequest): Promise<number> {
    const copy = `COPY ${quoteIdent(req.into)} (${req.columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN (FORMAT csv)`;
    return this.fileReader().load(
      req.table,
      req.columns.map((c) => `${c.expr} AS ${quoteIdent(c.name)}`),
      async (file) => {
        try {
          await pipeline(FileReader.read(file), this.client.query(copyFrom(copy)));
        } catch (err) {
          throw statementError(err, this.target);
        }
      },
      req.into,
    );
  }

  /**
   * DuckDB reads and stages the file on this side (file-reader.ts); its rows, written as CSV a
   * slice at a time, stream into a temporary table with COPY … FROM STDIN.
   */
  async stageFile(_tx: StoreTx, request: StageFileRequest): Promise<number> {
    if (this.inTransaction) throw new StoreError('NESTED_TRANSACTION', 'stageFile must run outside a transaction');
    let copy = '';
    return this.fileReader().stage(
      request,
      async (staged) => {
        await this.run(`DROP TABLE IF EXISTS pg_temp.${request.table}`);
        await this.run(FileReader.tableSql(request.table, staged.columns));
        copy = `COPY ${request.table} (${staged.shipped.map(quoteIdent).join(', ')}) FROM STDIN (FORMAT csv)`;
      },
      async (file) => {
        try {
          await pipeline(FileReader.read(file), this.client.query(copyFrom(copy)));
        } catch (err) {
          throw statementError(err, this.target);
        }
      },
    );
  }

  /**
   * The server writes the rows as CSV (COPY … TO STDOUT) into the file reader's session folder;
   * its DuckDB reads them as text and writes the Parquet file under the request's shape.
   */
  async writeParquet(req: ParquetWriteRequest): Promise<string> {
    if (this.inTransaction) throw new StoreError('NESTED_TRANSACTION', 'writeParquet must run outside a transaction');
    const path = join(this.scratchDirectory(), `export-${process.pid}-${++this.parquetFiles}.parquet`);
    await this.fileReader().writeParquet(req, path, async (csv) => {
      const copy = this.client.query(copyTo(`COPY (${req.select}) TO STDOUT (FORMAT csv)`));
      try {
        await pipeline(copy, createWriteStream(csv, { mode: 0o600 }));
      } catch (err) {
        throw statementError(err, this.target);
      }
    });
    return path;
  }

  async describeFile(path: string, format: FileFormat): Promise<string[]> {
    return this.fileReader().describe(path, format);
  }

  private fileReader(): FileReader {
    this.reader ??= new FileReader([this.scratchDirectory(), ...this.readable]);
    return this.reader;
  }

  /** Rows as arrays; numeric server types into Float64Array (NaN for NULL, booleans 1/0), the rest as text. */
  async queryColumns(sql: string, params: readonly SqlValue[] = []): Promise<ColumnSet> {
    const result = await this.exec(sql, params, 'array');
    const names = result.fields.map((f) => f.name);
    const numeric = result.fields.map((f) => NUMERIC_OIDS.has(f.dataTypeID));
    const rows = result.rows as unknown as SqlValue[][];
    const rowCount = rows.length;
    const columns: Record<string, Float64Array | SqlValue[]> = {};
    names.forEach((name, c) => {
      if (numeric[c]) {
        const out = new Float64Array(rowCount);
        for (let i = 0; i < rowCount; i++) {
          const v = rows[i]?.[c];
          out[i] = v === null || v === undefined ? Number.NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
        }
        columns[name] = out;
      } else {
        const out = new Array<SqlValue>(rowCount);
        for (let i = 0; i < rowCount; i++) {
          const v = rows[i]?.[c];
          out[i] = v === null || v === undefined ? null : String(v);
        }
        columns[name] = out;
      }
    });
    return { rowCount, names, columns };
  }

  /** CREATE TEMP TABLE, then COPY … FROM STDIN in CSV, streamed in blocks of rows. */
  async stageColumns(table: string, set: ColumnSet): Promise<number> {
    if (this.inTransaction) throw new StoreError('NESTED_TRANSACTION', 'stageColumns must run outside a transaction');
    const cols = checkedColumns(set);
    const numeric = cols.map((c) => c.values instanceof Float64Array);
    for (const stmt of this.dialect.createTempTableAs(quoteIdent(table), `SELECT ${cols.map((c, i) => `CAST(NULL AS ${numeric[i] ? this.dialect.double : this.dialect.text}) AS ${quoteIdent(c.name)}`).join(', ')} WITH NO DATA`)) {
      await this.run(stmt);
    }
    const BLOCK = 4096;
    function* lines(): Generator<string> {
      for (let start = 0; start < set.rowCount; start += BLOCK) {
        const end = Math.min(set.rowCount, start + BLOCK);
        let text = '';
        for (let i = start; i < end; i++) {
          text += cols.map((c, j) => csvField(c.values[i], numeric[j] === true)).join(',') + '\n';
        }
        yield text;
      }
    }
    const copy = this.client.query(copyFrom(`COPY ${quoteIdent(table)} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN (FORMAT csv)`));
    try {
      await pipeline(Readable.from(lines()), copy);
    } catch (err) {
      throw statementError(err, this.target);
    }
    return set.rowCount;
  }

  /** Runs a `COPY … FROM STDIN` on this session, fed by `feed` (which resolves when the data has been written). */
  async copyIn(sql: string, feed: (stream: Writable) => Promise<void>): Promise<void> {
    const stream = this.client.query(copyFrom(sql));
    try {
      await feed(stream);
    } catch (err) {
      throw statementError(err, this.target);
    }
  }

  scratchDirectory(): string {
    this.scratch ??= mkdtempSync(join(tmpdir(), 'tenure-pg-scratch-'));
    return this.scratch;
  }

  /** A new server session (connection) to the same database, with this store's timeouts; no migration. */
  async openSession(access?: StoreAccess): Promise<AnalyticsStore> {
    const granted = sessionAccess(this.location, this.access, access);
    const client = await connect(this.target, this.connectOptions);
    const session = new PostgresStore(client, this.target, granted, this.readable, this.connectOptions);
    try {
      for (const sql of POSTGRES_SESSION_SQL) await session.run(sql);
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  async close(): Promise<void> {
    await this.reader?.close();
    this.reader = undefined;
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
    this.scratch = undefined;
    await this.client.end().catch(() => undefined);
  }
}
