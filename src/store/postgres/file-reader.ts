import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine, type EngineSession } from '../duckdb/engine.ts';
import { engineSettings } from '../duckdb/settings.ts';
import { describeSource, readerSelect } from '../duckdb/file-source.ts';
import type { FileFormat, ParquetWriteRequest, StageFileRequest } from '../port.ts';
import { StoreError } from '../errors.ts';
import { quoteIdent } from '../schema.ts';

/** The reader session's table of the rows being staged (one file at a time). */
const ROWS = 'tenure_reader_rows';
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
   * CSV reader. Returns the rows written.
   */
  async stage(req: StageFileRequest, prepare: (staged: StagedColumns) => Promise<void>, ship: (file: string) => Promise<void>): Promise<number> {
    const session = await this.engine();
    const c = session.connection;
    await c.run('SET preserve_insertion_order = true');
    await c.run(`CREATE OR REPLACE TEMP TABLE ${ROWS} AS ${readerSelect(req)}`);
    try {
      const select = `SELECT rowid AS _pos, * FROM ${ROWS}`;
      const described = await c.runAndReadAll(`DESCRIBE ${select}`);
      const columns = (described.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((r) => ({
        name: r.column_name,
        type: postgresType(r.column_type),
      }));
      // Columns without a value in any row (the import's text of failing rows, mostly) are not
      // written, parsed and sent: count() of a column reads its validity mask only.
      const counted = await c.runAndReadAll(
        `SELECT count(*) AS n, ${columns.map((col, i) => `count(${quoteIdent(col.name)}) AS c${i}`).join(', ')} FROM (${select}) AS s`,
      );
      const [rows = 0, ...counts] = (counted.getRows()[0] ?? []).map(Number);
      const shipped = columns.filter((_, i) => (counts[i] ?? 0) > 0).map((col) => col.name);
      await prepare({ columns, shipped });
      // The slice being sent: resolves to its error, or null (never rejects, so an error waits for its turn).
      let sending: Promise<unknown> = Promise.resolve(null);
      const sent = async () => {
        const failed = await sending;
        sending = Promise.resolve(null);
        if (failed !== null) throw failed;
      };
      try {
        for (let from = 0; from < rows; from += SLICE_ROWS) {
          const file = join(session.scratchDirectory(), `stage-${++this.files}.csv`);
          try {
            const slice = `SELECT rowid AS _pos, * FROM ${ROWS} WHERE rowid >= ${from} AND rowid < ${from + SLICE_ROWS}`;
            await c.run(`COPY (SELECT ${shipped.map(quoteIdent).join(', ')} FROM (${slice}) AS s) TO '${file.replaceAll("'", "''")}' (FORMAT csv, HEADER false)`);
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
      } finally {
        // Never leave a COPY running behind a thrown error.
        await sending;
      }
      return rows;
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${ROWS}`);
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
