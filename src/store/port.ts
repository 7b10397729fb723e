/**
 * The AnalyticsStore port. Heavy data stays in the store: use cases send set-shaped SQL and
 * pull back only small results (row objects) or model inputs (columns).
 *
 * Every adapter (store/duckdb today, store/postgres next) must pass the shared suite in
 * store/store-suite.ts. Values come back normalised so callers never see engine types:
 * integers as number (bigint only beyond 2^53), DECIMAL as an exact string, DATE as
 * 'YYYY-MM-DD', TIMESTAMP as ISO text, NULL as null.
 */
export type SqlValue = string | number | bigint | boolean | null;
export type Row = Record<string, SqlValue>;

export interface StoreTx {
  run(sql: string, params?: readonly SqlValue[]): Promise<void>;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

/** A raw CSV/Parquet file read by the engine's own reader into a table of text columns. */
export interface StageFileRequest {
  readonly path: string;
  readonly format: 'csv' | 'parquet';
  /** Header names in file order, already lower-cased; every column is read as text. */
  readonly columns: readonly string[];
  readonly table: string;
}

export interface AnalyticsStore extends StoreTx {
  readonly engine: 'duckdb' | 'postgres';
  /** Where the data lives, for messages (file path or connection string without password). */
  readonly location: string;
  /** Applies pending migrations; safe to call on every open. */
  migrate(): Promise<number>;
  schemaVersion(): Promise<number>;
  /** Runs fn in one transaction: all of it or none of it lands. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Reads a file into `table` (created, all columns text, file order kept in column `_rec`, 0-based). */
  stageFile(tx: StoreTx, request: StageFileRequest): Promise<number>;
  /** Column-wise result for model inputs: numeric columns as Float64Array (NaN for NULL), others as arrays. */
  queryColumns(sql: string, params?: readonly SqlValue[]): Promise<ColumnSet>;
  close(): Promise<void>;
}

export interface ColumnSet {
  readonly rowCount: number;
  readonly names: readonly string[];
  readonly columns: Readonly<Record<string, Float64Array | SqlValue[]>>;
}
