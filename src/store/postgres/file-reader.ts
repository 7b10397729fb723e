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

/**
 * The PostgreSQL store's file reader: a private in-memory DuckDB, locked down like the DuckDB
 * store (duckdb/engine.ts: no extensions, no file but its own session folder and the store's
 * scratch folder). The server never reads a client file: DuckDB reads and types it with the
 * same staging query as on the DuckDB store, writes the rows as CSV into its session folder,
 * and the adapter streams that file into the server with COPY … FROM STDIN.
 */
export interface StagedCsv {
  /** CSV without header, columns in `columns` order; removed by the caller. */
  readonly file: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

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
   * The staged rows (`_pos` first) as a CSV file in the reader's session folder. The rows are read
   * into a table first and numbered by its rowid (insertion order preserved): numbering them in
   * the reading SELECT (row_number() OVER ()) serialises DuckDB's parallel CSV reader.
   */
  async stage(req: StageFileRequest): Promise<StagedCsv> {
    const session = await this.engine();
    const c = session.connection;
    await c.run('SET preserve_insertion_order = true');
    await c.run(`CREATE OR REPLACE TEMP TABLE ${ROWS} AS ${readerSelect(req)}`);
    try {
      return await this.copyOut(session, `SELECT rowid AS _pos, * FROM ${ROWS}`);
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${ROWS}`);
    }
  }

  private async copyOut(session: EngineSession, select: string): Promise<StagedCsv> {
    const c = session.connection;
    const described = await c.runAndReadAll(`DESCRIBE ${select}`);
    const columns = (described.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((r) => ({
      name: r.column_name,
      type: postgresType(r.column_type),
    }));
    const file = join(session.scratchDirectory(), `stage-${++this.files}.csv`);
    try {
      await c.run(`COPY (${select}) TO '${file.replaceAll("'", "''")}' (FORMAT csv, HEADER false)`);
    } catch (err) {
      rmSync(file, { force: true });
      throw err;
    }
    return { file, columns };
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
  static tableSql(table: string, columns: StagedCsv['columns']): string {
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
