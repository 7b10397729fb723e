import { createReadStream, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openEngine, type EngineSession } from '../duckdb/engine.ts';
import { engineSettings } from '../duckdb/settings.ts';
import { describeSource, readerSelect, summaryRow } from '../duckdb/file-source.ts';
import type { FileFormat, ParquetWriteRequest, StageFileRequest } from '../port.ts';
import { StoreError } from '../errors.ts';
import { quoteIdent } from '../schema.ts';
import { notePhase, timedPhase } from '../phase-profile.ts';

/** The reader session's table of the rows staged for the store's temporary `table`. */
function readerTable(table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`a staged table's name must be a plain lower-case identifier, got ${JSON.stringify(table)}`);
  return `tenure_reader_rows_${table}`;
}
/** The reader session's table of rows being written to Parquet. */
const WRITER_ROWS = 'tenure_writer_rows';

function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** What the reader stages, as the server will hold it. */
export interface StagedColumns {
  /** Every column of the staged relation, with its PostgreSQL type. */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** The columns the CSV files hold: those with a value in some row (a column NULL in every row is left to COPY's NULL default). */
  readonly shipped: readonly string[];
}

/** Rows per CSV slice: large enough that a COPY's own cost is nothing, small enough that writing and sending overlap. */
const SLICE_ROWS = 500_000;

/** DuckDB column types of a staged relation as PostgreSQL spells them. */
export function postgresType(duckdbType: string): string {
  const t = duckdbType.toUpperCase();
  if (/^DECIMAL\(\d+,\d+\)$/.test(t)) return t;
  switch (t) {
    case 'VARCHAR':
    case 'NULL':
      return 'VARCHAR';
    case 'BIGINT':
    case 'INTEGER':
    case 'SMALLINT':
    case 'DATE':
    case 'TIMESTAMP':
    case 'BOOLEAN':
      return t;
    case 'TINYINT':
      return 'SMALLINT';
    case 'HUGEINT':
      return 'NUMERIC(38,0)';
    case 'DOUBLE':
      return 'DOUBLE PRECISION';
    case 'FLOAT':
      return 'REAL';
    case 'TIMESTAMP WITH TIME ZONE':
      return 'TIMESTAMPTZ';
    default:
      throw new StoreError('UNSUPPORTED_ENGINE', `a staged column of DuckDB type ${duckdbType} has no PostgreSQL counterpart here`);
  }
}

/**
 * The PostgreSQL store's file reader: a private in-memory DuckDB, locked down like the DuckDB
 * store (duckdb/engine.ts: no extensions, no file but its own session folder and the store's
 * scratch folder). The server never reads a client file: DuckDB reads and types it with the
 * same staging query as on the DuckDB store, writes the rows as CSV files into its session
 * folder, a slice of rows at a time, and the adapter streams each into the server with COPY …
 * FROM STDIN while DuckDB writes the next.
 */
export class FileReader {
  private session: Promise<EngineSession> | undefined;
  private files = 0;

  constructor(private readonly readable: readonly string[]) {}

  private engine(): Promise<EngineSession> {
    this.session ??= openEngine(':memory:', { access: 'read-write', create: true, readableDirectories: this.readable, settings: engineSettings() });
    return this.session;
  }

  async describe(path: string, format: FileFormat): Promise<string[]> {
    const { connection } = await this.engine();
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${describeSource(path, format)}`);
    return (reader.getRowObjectsJson() as { column_name: string }[]).map((r) => r.column_name);
  }

  /**
   * The staged rows (`_pos` first) as CSV files in the reader's session folder, without header,
   * columns in `shipped` order: `prepare` gets the columns first, then `ship` each file in turn
   * (the caller sends it; the file is removed after), while DuckDB writes the next one. The rows
   * are read into a table first and numbered by its rowid (insertion order preserved):
   * numbering them in the reading SELECT (row_number() OVER ()) serialises DuckDB's parallel
   * CSV reader. When the request's `keep` names the columns the server must hold, only those
   * are sent and the rows stay here for `load` until `drop(table)`. Returns the rows read.
   */
  async stage(req: StageFileRequest, prepare: (staged: StagedColumns) => Promise<void>, ship: (file: string) => Promise<void>): Promise<number> {
    const session = await this.engine();
    const c = session.connection;
    const label = basename(req.path).replace(/\..*$/, '');
    const rowsTable = readerTable(req.table);
    await this.drop(req.table);
    await c.run('SET preserve_insertion_order = true');
    await timedPhase('reader: read and type (DuckDB)', label, () => c.run(`CREATE TEMP TABLE ${rowsTable} AS ${readerSelect(req)}`));
    let kept = false;
    try {
      const select = `SELECT rowid AS _pos, * FROM ${rowsTable}`;
      const described = await c.runAndReadAll(`DESCRIBE ${select}`);
      const columns = (described.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((r) => ({
        name: r.column_name,
        type: postgresType(r.column_type),
      }));
      // Columns without a value in any row (the import's text of failing rows, mostly) are not
      // written, parsed and sent: count() of a column reads its validity mask only.
      // The request's summary rides on the same scan (port.ts StageFileRequest.summary).
      const counted = await c.runAndReadAll(
        `SELECT count(*) AS n, ${columns.map((col, i) => `count(${quoteIdent(col.name)}) AS c${i}`).join(', ')}${req.summary ? `, ${req.summary.select}` : ''} FROM (${select}) AS s`,
      );
      const all = (counted.getRows()[0] ?? []).map(Number);
      const [rows = 0, ...counts] = all.slice(0, columns.length + 1);
      const summary = summaryRow(Object.fromEntries(counted.columnNames().slice(columns.length + 1).map((name, i) => [name, all[columns.length + 1 + i]])));
      req.summary?.receive(summary);
      const keep = req.keep?.(summary);
      const held = keep === undefined ? columns : columns.filter((col) => col.name === '_pos' || keep.includes(col.name));
      const shipped = held.filter((col) => (counts[columns.indexOf(col)] ?? 0) > 0).map((col) => col.name);
      await timedPhase('copy: create staging table', label, () => prepare({ columns: held, shipped }));
      await this.send(rowsTable, shipped.map(quoteIdent), rows, ship, label);
      kept = keep !== undefined;
      return rows;
    } finally {
      if (!kept) await c.run(`DROP TABLE IF EXISTS ${rowsTable}`);
    }
  }

  /**
   * The rows of the staged `table` kept by `stage` (its `keep`), as `exprs` (DuckDB's SQL over
   * the staged columns and `_pos`), shipped as CSV files like `stage`'s. Returns the rows sent.
   */
  async load(table: string, exprs: readonly string[], ship: (file: string) => Promise<void>, label = table): Promise<number> {
    const { connection: c } = await this.engine();
    const rowsTable = readerTable(table);
    const exists = await c.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = '${rowsTable}'`);
    if (Number(exists.getRows()[0]?.[0] ?? 0) === 0) throw new Error(`no staged rows of ${table} are kept by the file reader`);
    const counted = await c.runAndReadAll(`SELECT count(*) FROM ${rowsTable}`);
    const rows = Number(counted.getRows()[0]?.[0] ?? 0);
    await this.send(rowsTable, exprs, rows, ship, label);
    return rows;
  }

  /** Drops the rows `stage` kept for `table` (nothing when there are none). */
  async drop(table: string): Promise<void> {
    if (!this.session) return;
    const { connection: c } = await this.engine();
    await c.run(`DROP TABLE IF EXISTS ${readerTable(table)}`);
  }

  /** `exprs` of the rows of the reader table (with `_pos`), written in slices of rows, each shipped while the next is written. */
  private async send(rowsTable: string, exprs: readonly string[], rows: number, ship: (file: string) => Promise<void>, label: string): Promise<void> {
    const session = await this.engine();
    const c = session.connection;
    let writing = 0;
    let waiting = 0;
    // The slice being sent: resolves to its error, or null (never rejects, so an error waits for its turn).
    let sending: Promise<unknown> = Promise.resolve(null);
    const sent = async () => {
      const t0 = performance.now();
      const failed = await sending;
      waiting += performance.now() - t0;
      sending = Promise.resolve(null);
      if (failed !== null) throw failed;
    };
    try {
      for (let from = 0; from < rows; from += SLICE_ROWS) {
        const file = join(session.scratchDirectory(), `stage-${++this.files}.csv`);
        try {
          const slice = `SELECT rowid AS _pos, * FROM ${rowsTable} WHERE rowid >= ${from} AND rowid < ${from + SLICE_ROWS}`;
          const t0 = performance.now();
          await c.run(`COPY (SELECT ${exprs.join(', ')} FROM (${slice}) AS s) TO '${file.replaceAll("'", "''")}' (FORMAT csv, HEADER false)`);
          writing += performance.now() - t0;
        } catch (err) {
          rmSync(file, { force: true });
          throw err;
        }
        // One COPY at a time on the server session: the previous slice must be in before this one goes.
        await sent();
        sending = ship(file).then(
          () => null,
          (err: unknown) => err ?? new Error('COPY failed'),
        );
        void sending.finally(() => rmSync(file, { force: true }));
      }
      await sent();
      notePhase('reader: rows to CSV slices (DuckDB)', label, writing / 1000);
      notePhase('copy: waiting on the server (COPY beyond the CSV writing)', label, waiting / 1000);
    } finally {
      // Never leave a COPY running behind a thrown error.
      await sending;
    }
  }

  /**
   * The Parquet writer: `fill` writes the rows as headerless CSV (NULL unquoted and empty, an
   * empty text quoted, as PostgreSQL's COPY writes them) into a file of this session's folder;
   * they are read back as text and written to `path` under the request's shape.
   */
  async writeParquet(req: ParquetWriteRequest, path: string, fill: (csvFile: string) => Promise<void>): Promise<void> {
    const session = await this.engine();
    const c = session.connection;
    const csv = join(session.scratchDirectory(), `export-${++this.files}.csv`);
    const cols = req.columns.map((n) => `${sqlText(n)}: 'VARCHAR'`).join(', ');
    try {
      await fill(csv);
      await c.run(
        `CREATE OR REPLACE TEMP TABLE ${WRITER_ROWS} AS SELECT * FROM read_csv(${sqlText(csv)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
           columns = {${cols}}, allow_quoted_nulls = false, strict_mode = true, null_padding = false)`,
      );
      await c.run(`COPY (${req.shape(WRITER_ROWS)}) TO ${sqlText(path)} (FORMAT parquet)`);
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${WRITER_ROWS}`).catch(() => undefined);
      rmSync(csv, { force: true });
    }
  }

  /** CREATE TEMP TABLE … of the staged columns (no rows). */
  static tableSql(table: string, columns: StagedColumns['columns']): string {
    return `CREATE TEMP TABLE ${table} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`;
  }

  static read(file: string): NodeJS.ReadableStream {
    return createReadStream(file, { highWaterMark: 1 << 20 });
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session) (await session.catch(() => null))?.close();
  }
}
