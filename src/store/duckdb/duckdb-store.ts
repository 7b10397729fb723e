import { join } from 'node:path';
import { DOUBLE, DuckDBConnection, DuckDBDataChunk, DuckDBTypeId, VARCHAR, type DuckDBResultReader } from './node-api.ts';
import { MIGRATIONS, quoteIdent } from '../schema.ts';
import { SCHEMA_MIGRATIONS_DDL, applyMigration, requireCurrentSchema, storedSchemaVersion } from '../migrations-run.ts';
import { DUCKDB_DIALECT, type Dialect } from '../dialect.ts';
import type { AnalyticsStore, ColumnSet, FileFormat, LoadStagedRequest, ParquetWriteRequest, Row, SqlValue, StageFileRequest, StoreAccess, StoreTx } from '../port.ts';
import { StoreError } from '../errors.ts';
import { engineSettings, type EngineSettings } from './settings.ts';
import { openEngine, type EngineSession } from './engine.ts';
import { checkedColumns } from '../column-set.ts';
import { describeSource, readerSelect, stagedRowsTable, summaryRow } from './file-source.ts';
import { sessionAccess } from '../access.ts';

const INTEGER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);
const NUMERIC_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.BOOLEAN,
]);

let parquetFiles = 0;

function toInteger(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** JSON-converted rows keep DECIMAL/DATE exact as text; integers become numbers when safe. */
function readRows<T extends Row>(reader: DuckDBResultReader): T[] {
  const names = reader.columnNames();
  const integerCols = names.filter((_, i) => INTEGER_TYPES.has(reader.columnType(i).typeId));
  const rows = reader.getRowObjectsJson() as Record<string, SqlValue>[];
  if (integerCols.length > 0) {
    for (const row of rows) {
      for (const c of integerCols) {
        const v = row[c];
        if (typeof v === 'string') row[c] = toInteger(v);
      }
    }
  }
  return rows as T[];
}

class DuckDBTx implements StoreTx {
  constructor(protected readonly connection: DuckDBConnection) {}

  async run(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    await this.connection.run(sql, params.length ? [...params] : undefined);
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params.length ? [...params] : undefined);
    return readRows<T>(reader);
  }
}

export interface DuckDBOpenOptions {
  /** Default 'read-write' (tests and benches); the CLI states it per command (store/open.ts). */
  readonly access?: StoreAccess;
  /** Create the file when it does not exist; default: only when opened read-write. */
  readonly create?: boolean;
  /** Apply pending migrations on a read-write open (default true); a read-only open only checks. */
  readonly migrate?: boolean;
  /** Folders the engine may read besides the store (import's data folder); nothing else is reachable. */
  readonly readableDirectories?: readonly string[];
  readonly settings?: EngineSettings;
}

export class DuckDBStore extends DuckDBTx implements AnalyticsStore {
  readonly engine = 'duckdb' as const;
  readonly dialect: Dialect = DUCKDB_DIALECT;
  private inTransaction = false;

  private constructor(
    private readonly session: EngineSession,
    readonly location: string,
    readonly access: StoreAccess,
  ) {
    super(session.connection);
  }

  /**
   * Opens a DuckDB file (or ':memory:') locked down (engine.ts): no extensions, no file access
   * beyond the store, its temp space and `readableDirectories`, memory and threads bounded.
   * Waits for another process's lock up to the lock timeout. A read-write open migrates; a
   * read-only one refuses a store whose schema is not this build's.
   */
  static async open(path: string, options: DuckDBOpenOptions = {}): Promise<DuckDBStore> {
    const access = path === ':memory:' ? 'read-write' : (options.access ?? 'read-write');
    const session = await openEngine(path, {
      access,
      create: options.create ?? access === 'read-write',
      readableDirectories: options.readableDirectories ?? [],
      settings: options.settings ?? engineSettings(),
    });
    const store = new DuckDBStore(session, path, access);
    try {
      if (access === 'read-only') requireCurrentSchema(store.location, await storedSchemaVersion(store, store.dialect));
      else if (options.migrate !== false) await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /** A folder of this session the engine may read and write (import's staged copies); removed on close. */
  scratchDirectory(): string {
    return this.session.scratchDirectory();
  }

  async schemaVersion(): Promise<number> {
    if (this.access === 'read-only') return storedSchemaVersion(this, this.dialect);
    await this.run(SCHEMA_MIGRATIONS_DDL);
    return storedSchemaVersion(this, this.dialect);
  }

  async migrate(): Promise<number> {
    if (this.access === 'read-only') {
      requireCurrentSchema(this.location, await storedSchemaVersion(this, this.dialect));
      return 0;
    }
    const current = await this.schemaVersion();
    let applied = 0;
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await this.transaction((tx) => applyMigration(tx, m, this.dialect));
      applied++;
    }
    return applied;
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.inTransaction) throw new StoreError('NESTED_TRANSACTION', 'transactions do not nest');
    this.inTransaction = true;
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await fn(this);
      await this.connection.run('COMMIT');
      return result;
    } catch (err) {
      await this.connection.run('ROLLBACK');
      throw err;
    } finally {
      this.inTransaction = false;
    }
  }

  /**
   * The file through DuckDB's reader into a temporary table of its rows, and `table` a view over
   * it with `_pos` first: with insertion order preserved a table's rowid is the record's position,
   * free to read, where numbering rows in the SELECT (row_number() OVER ()) serialises the
   * parallel reader and costs as much again as the read itself.
   */
  async stageFile(tx: StoreTx, req: StageFileRequest): Promise<number> {
    // Inside an open transaction the import's later statements would see the staged rows only there.
    if (this.inTransaction) throw new StoreError('NESTED_TRANSACTION', 'stageFile must run outside a transaction');
    await tx.run('SET preserve_insertion_order = true');
    await this.unstageFile(req.table);
    const rows = stagedRowsTable(req.table);
    await tx.run(`CREATE TEMP TABLE ${rows} AS ${readerSelect(req)}`);
    await tx.run(`CREATE TEMP VIEW ${req.table} AS SELECT rowid AS _pos, * FROM ${rows}`);
    const [row] = await tx.query(`SELECT count(*) AS n${req.summary ? `, ${req.summary.select}` : ''} FROM ${req.table}`);
    req.summary?.receive(summaryRow(row));
    return Number(row?.n ?? 0);
  }

  /** INSERT … SELECT from the staged view: the rows are the engine's own. */
  async loadStaged(tx: StoreTx, req: LoadStagedRequest): Promise<number> {
    const [before] = await tx.query(`SELECT count(*) AS n FROM ${quoteIdent(req.into)}`);
    await tx.run(`INSERT INTO ${quoteIdent(req.into)} (${req.columns.map((c) => quoteIdent(c.name)).join(', ')}) SELECT ${req.columns.map((c) => c.expr).join(', ')} FROM ${req.table}`);
    const [after] = await tx.query(`SELECT count(*) AS n FROM ${quoteIdent(req.into)}`);
    return Number(after?.n ?? 0) - Number(before?.n ?? 0);
  }

  async unstageFile(table: string): Promise<void> {
    await this.run(`DROP VIEW IF EXISTS ${table}`);
    await this.run(`DROP TABLE IF EXISTS ${stagedRowsTable(table)}`);
  }

  /** COPY … TO the scratch folder, the select's columns cast to text under the shape (as the PostgreSQL store hands them over). */
  async writeParquet(req: ParquetWriteRequest): Promise<string> {
    if (this.inTransaction) throw new StoreError('NESTED_TRANSACTION', 'writeParquet must run outside a transaction');
    const path = join(this.scratchDirectory(), `export-${process.pid}-${++parquetFiles}.parquet`);
    const text = req.columns.map((c) => `CAST(q.${quoteIdent(c)} AS VARCHAR) AS ${quoteIdent(c)}`).join(', ');
    await this.run(`COPY (${req.shape(`(SELECT ${text} FROM (${req.select}) AS q)`)}) TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`);
    return path;
  }

  async describeFile(path: string, format: FileFormat): Promise<string[]> {
    const rows = await this.query<{ column_name: string }>(`DESCRIBE SELECT * FROM ${describeSource(path, format)}`);
    return rows.map((r) => r.column_name);
  }

  /**
   * Numeric columns come back as DOUBLE (cast in SQL) and are copied chunk by chunk into a
   * Float64Array; every other column as text (VARCHAR, or cast to it), read item by item.
   * Converting every value through the generic JS converter (BigInt for BIGINT, objects for
   * DECIMAL) cost as much as the query itself on a million rows.
   */
  async queryColumns(sql: string, params: readonly SqlValue[] = []): Promise<ColumnSet> {
    const prepared = await this.connection.prepare(sql);
    const count = prepared.columnCount;
    const names = Array.from({ length: count }, (_, i) => prepared.columnName(i));
    const numeric = Array.from({ length: count }, (_, i) => NUMERIC_TYPES.has(prepared.columnTypeId(i)));
    // Numeric NULLs come back as NaN (the value they take in the Float64Array anyway): a
    // vector without NULLs has no validity mask, and reading one item is then a plain load
    // rather than the driver's per-item BigInt mask test.
    const select = names.map((n, i) =>
      numeric[i] ? `coalesce(CAST(q.${quoteIdent(n)} AS DOUBLE), CAST('NaN' AS DOUBLE))` : `CAST(q.${quoteIdent(n)} AS VARCHAR)`,
    );
    const result = await this.connection.run(`SELECT ${select.join(', ')} FROM (${sql}) AS q`, params.length ? [...params] : undefined);
    const chunks = await result.fetchAllChunks();
    const rowCount = chunks.reduce((n, ch) => n + ch.rowCount, 0);
    const columns: Record<string, Float64Array | SqlValue[]> = {};
    names.forEach((name, c) => {
      const out: Float64Array | SqlValue[] = numeric[c] ? new Float64Array(rowCount) : new Array<SqlValue>(rowCount);
      let at = 0;
      for (const chunk of chunks) {
        const vector = chunk.getColumnVector(c);
        const m = chunk.rowCount;
        if (out instanceof Float64Array) {
          for (let i = 0; i < m; i++) {
            const v = vector.getItem(i);
            out[at + i] = v === null ? Number.NaN : (v as number);
          }
        } else {
          for (let i = 0; i < m; i++) out[at + i] = vector.getItem(i) as string | null;
        }
        at += m;
      }
      columns[name] = out;
    });
    return { rowCount, names, columns };
  }

  /** Through DuckDB's appender, a vector (2048 rows) at a time: no text round trip. */
  async stageColumns(table: string, set: ColumnSet): Promise<number> {
    if (this.inTransaction) throw new StoreError('NESTED_TRANSACTION', 'stageColumns must run outside a transaction');
    const cols = checkedColumns(set);
    const types = cols.map((c) => (c.values instanceof Float64Array ? DOUBLE : VARCHAR));
    await this.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} (${cols.map((c, i) => `${quoteIdent(c.name)} ${types[i] === DOUBLE ? 'DOUBLE' : 'VARCHAR'}`).join(', ')})`);
    const appender = await this.connection.createAppender(table, 'main', 'temp');
    try {
      const VECTOR = 2048;
      for (let start = 0; start < set.rowCount; start += VECTOR) {
        const end = Math.min(set.rowCount, start + VECTOR);
        const chunk = DuckDBDataChunk.create(types, end - start);
        chunk.setColumns(
          cols.map((c) => {
            const v = c.values;
            if (v instanceof Float64Array) return Array.from(v.subarray(start, end), (x) => (Number.isNaN(x) ? null : x));
            return v.slice(start, end).map((x) => (x === null ? null : String(x)));
          }),
        );
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return set.rowCount;
  }

  /**
   * A new connection of this instance: the engine's lock-down and limits are instance-wide, so
   * the session has them too; its temporary tables are its own. Closing it closes the connection
   * only; the scratch folder stays the store's.
   */
  async openSession(access?: StoreAccess): Promise<AnalyticsStore> {
    const granted = sessionAccess(this.location, this.access, access);
    const connection = await this.session.instance.connect();
    const parent = this.session;
    let closed = false;
    const child: EngineSession = {
      instance: parent.instance,
      connection,
      scratchDirectory: () => parent.scratchDirectory(),
      close: () => {
        if (closed) return;
        closed = true;
        connection.closeSync();
      },
    };
    return new DuckDBStore(child, this.location, granted);
  }

  async close(): Promise<void> {
    this.session.close();
  }
}
