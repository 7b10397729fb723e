import { quoteIdent } from '../schema.ts';
import type { FileFormat, StageFileRequest } from '../port.ts';

/**
 * DuckDB's reader over a data file as SQL text: a relation of text columns named `columns`, in
 * file order. DuckDB is the file reader of every store: the DuckDB store reads with its own
 * engine, the PostgreSQL store with a private in-memory DuckDB (postgres/file-reader.ts).
 */

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function duckdbFileSource(req: Pick<StageFileRequest, 'path' | 'format' | 'columns'>): string {
  if (req.format === 'parquet') {
    const cols = req.columns.map((c) => `CAST(${quoteIdent(c)} AS VARCHAR) AS ${quoteIdent(c)}`).join(', ');
    return `(SELECT ${cols} FROM read_parquet(${sqlString(req.path)}))`;
  }
  const cols = req.columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
  return `read_csv(${sqlString(req.path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${cols}}, strict_mode = true, null_padding = false)`;
}

/**
 * The request's query over the reader. Staging adds `_pos`, the record's 0-based position, from
 * the rowid of the table this fills with insertion order preserved (duckdb-store.ts, postgres/file-reader.ts).
 */
export function readerSelect(req: StageFileRequest): string {
  const source = duckdbFileSource(req);
  return req.query ? req.query(source) : `SELECT * FROM ${source}`;
}

/** The table under a staged view (duckdb-store.ts): the rows as read, numbered by their rowid. */
export function stagedRowsTable(table: string): string {
  return `${table}__rows`;
}

/** DESCRIBE source of a self-describing file (Parquet) or a CSV's header, every column as text. */
export function describeSource(path: string, format: FileFormat): string {
  return format === 'parquet' ? `read_parquet(${sqlString(path)})` : `read_csv(${sqlString(path)}, all_varchar = true)`;
}

/** A staging summary's row (port.ts StageFileRequest.summary): every value a number, NULL as 0. */
export function summaryRow(row: Readonly<Record<string, unknown>> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(row ?? {})) out[name] = value === null || value === undefined ? 0 : Number(value);
  return out;
}
