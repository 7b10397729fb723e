/**
 * The AnalyticsStore port. Heavy data stays in the store: use cases send set-shaped SQL and
 * pull back only small results (row objects) or model inputs (columns).
 *
 * Every adapter (store/duckdb today, store/postgres next) must pass the shared suite in
 * store/store-suite.ts. Values come back normalised so callers never see engine types:
 * integers as number (bigint only beyond 2^53), DECIMAL as an exact string, DATE as
 * 'YYYY-MM-DD', TIMESTAMP as ISO text, NULL as null.
 */
import type { Dialect } from './dialect.ts';

export type SqlValue = string | number | bigint | boolean | null;
export type Row = Record<string, SqlValue>;

export interface StoreTx {
  run(sql: string, params?: readonly SqlValue[]): Promise<void>;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

export type FileFormat = 'csv' | 'parquet';

/**
 * What a use case needs from the store. Read commands open it 'read-only', so several processes
 * can read one store at once (DuckDB allows many read-only processes or one writer); only the
 * writer commands (import, model train, score, lifecycle refresh, the future server) open it
 * 'read-write'. Derived data a reader computes lives in the session's temporary tables and
 * goes away with it.
 */
export type StoreAccess = 'read-only' | 'read-write';

/**
 * A raw CSV/Parquet file read by the file reader, which is DuckDB on every store (the DuckDB
 * store's own engine; an in-memory DuckDB beside the PostgreSQL store). The reader exposes every
 * column as text under the given (lower-cased) names; `query` turns that relation into the
 * staged table (by default all columns as they are) and is written in DuckDB's SQL, whatever
 * the store's engine. The staged table gets a first column `_pos BIGINT`: the record's 0-based
 * position among the rows read; its other columns take the query's types (DuckDB's DATE,
 * TIMESTAMP, DECIMAL, DOUBLE, BIGINT, INTEGER, BOOLEAN, VARCHAR, as the store spells them).
 */
export interface StageFileRequest {
  readonly path: string;
  readonly format: FileFormat;
  /** Header names in file order, already lower-cased; every column is read as text. */
  readonly columns: readonly string[];
  readonly table: string;
  /** Builds the SELECT that fills `table` from `source` (a relation of text columns). */
  readonly query?: (source: string) => string;
  /**
   * Aggregates over the staged rows, computed where the file is read, in the same scan that
   * counts them: a DuckDB select list (`sum(_len) AS bytes, …`) over the staged columns and
   * `_pos`; `receive` gets its one row, every value a number (NULL as 0). The PostgreSQL store's
   * server then never scans the staged rows for them.
   */
  readonly summary?: { readonly select: string; readonly receive: (row: Readonly<Record<string, number>>) => void };
  /**
   * Given the summary's row: the staged columns the store itself must hold (`_pos` is always
   * held), or undefined for all of them. A store whose file reader is not its own engine
   * (PostgreSQL) then sends only those, and keeps every column with the reader for loadStaged;
   * a store that reads files itself (DuckDB) holds every column and never asks.
   */
  readonly keep?: (summary: Readonly<Record<string, number>>) => readonly string[] | undefined;
}

/**
 * Every staged row of `table` (stageFile) appended to the stored table `into`: `columns` of it,
 * each from an expression in DuckDB's SQL over the staged columns (the file reader's SQL on
 * every store; never a reference to another table). Runs inside the caller's transaction.
 */
export interface LoadStagedRequest {
  readonly table: string;
  readonly into: string;
  readonly columns: readonly { readonly name: string; readonly expr: string }[];
}

/**
 * A query's rows as a Parquet file, written by DuckDB on every store (its own engine, or the
 * in-memory DuckDB beside PostgreSQL, postgres/file-reader.ts). `select` runs on the store, in
 * the store's SQL, without bound parameters, and yields `columns` in that order. `shape` builds,
 * in DuckDB's SQL whatever the store's engine, the SELECT of the file's columns, types and row
 * order from `source`: a relation of those columns each as text (a DOUBLE as its shortest exact
 * text, a DECIMAL exact, a DATE 'YYYY-MM-DD', NULL as NULL), so both engines write the same file.
 */
export interface ParquetWriteRequest {
  readonly select: string;
  readonly columns: readonly string[];
  readonly shape: (source: string) => string;
}

export interface AnalyticsStore extends StoreTx {
  readonly engine: 'duckdb' | 'postgres' | 'clickhouse';
  /** How this engine spells what differs between engines (dialect.ts); app code builds its SQL with it. */
  readonly dialect: Dialect;
  /** Where the data lives, for messages (file path or connection string without password). */
  readonly location: string;
  /** How it was opened; on 'read-only' only temporary tables can be written. */
  readonly access: StoreAccess;
  /** Applies pending migrations; safe to call on every open. */
  migrate(): Promise<number>;
  schemaVersion(): Promise<number>;
  /** Runs fn in one transaction: all of it or none of it lands. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Reads a file into the temporary `table` (replaced if it exists), with its `_pos` column;
   * returns the row count. Runs outside any transaction.
   */
  stageFile(tx: StoreTx, request: StageFileRequest): Promise<number>;
  /** Drops what stageFile made for `table` (nothing when there is none). */
  unstageFile(table: string): Promise<void>;
  /** Appends the staged rows to a stored table, inside the transaction `tx`; returns the rows appended. */
  loadStaged(tx: StoreTx, request: LoadStagedRequest): Promise<number>;
  /** Writes the request's rows as Parquet into scratchDirectory() and returns the file's path. Runs outside a transaction. */
  writeParquet(request: ParquetWriteRequest): Promise<string>;
  /** Column names of a self-describing file (Parquet), in file order. */
  describeFile(path: string, format: FileFormat): Promise<string[]>;
  /** Column-wise result for model inputs: numeric columns as Float64Array (NaN for NULL), others as text arrays (null for NULL). */
  queryColumns(sql: string, params?: readonly SqlValue[]): Promise<ColumnSet>;
  /**
   * The way back: a temporary table `table` holding the columns (Float64Array → DOUBLE with
   * NaN as NULL, others → VARCHAR), for a following INSERT … SELECT; returns its row count.
   * Runs outside a transaction, like stageFile.
   */
  stageColumns(table: string, set: ColumnSet): Promise<number>;
  /**
   * A private folder (0700) of this session that the engine may read: the import writes its
   * staged copies here, since the engine reaches no other file. Removed on close.
   */
  scratchDirectory(): string;
  /**
   * Another session on the same database (the HTTP server gives one to each request): its own
   * connection, so its own temporary tables and transactions, sharing this store's engine and
   * limits. `access` may narrow this store's ('read-only' on a writable store keeps the
   * product's read-only promise: use cases derive into temporary tables, never shared ones) but
   * never widen it. Closing the session leaves this store open; close sessions before the store.
   */
  openSession(access?: StoreAccess): Promise<AnalyticsStore>;
  close(): Promise<void>;
}

export interface ColumnSet {
  readonly rowCount: number;
  readonly names: readonly string[];
  readonly columns: Readonly<Record<string, Float64Array | SqlValue[]>>;
}
