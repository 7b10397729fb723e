import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBStore } from './duckdb/duckdb-store.ts';
import type { PostgresStore } from './postgres/postgres-store.ts';
import { StoreError } from './errors.ts';
import { DERIVED_TABLE_NAMES, quoteIdent } from './schema.ts';
import { addExtraSql, storedExtras, type WideExtraTable } from './wide-extras.ts';

/**
 * Moves an embedded DuckDB store to a PostgreSQL server store: every table the migrations made
 * (the data, the import log, models, scores, campaigns, lists), with the x_ columns the source
 * grew. Derived tables (the reports' basis, kept stages and values) are not copied: the server
 * store builds them on first use.
 *
 * Each table leaves DuckDB as CSV in the source's private scratch folder and is streamed into
 * PostgreSQL with COPY; every table lands in one transaction, so the target holds all of the
 * source or, after any failure, nothing. The target must be a new store (migrated, no data), on
 * the same schema version as the source.
 */
export interface CopyReport {
  readonly tables: readonly { readonly table: string; readonly rows: number }[];
  readonly rows: number;
}

/** Tables the migrations create that are filled before any data arrives (the default reason codes): replaced, not refused. */
const SEEDED = new Set(['reason_codes']);
// Derived tables are the migrations' too (version 11) but each store builds its own (store-copy.ts).
const NOT_COPIED = new Set(['schema_migrations', ...DERIVED_TABLE_NAMES]);

async function tablesOf(store: DuckDBStore | PostgresStore, schema: string): Promise<Map<string, string[]>> {
  const rows = await store.query<{ t: string; c: string }>(
    `SELECT table_name AS t, column_name AS c FROM information_schema.columns
     WHERE table_schema = ${schema} AND table_catalog = current_database() ORDER BY table_name, ordinal_position`,
  );
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const list = out.get(r.t) ?? [];
    list.push(r.c);
    out.set(r.t, list);
  }
  return out;
}

export async function copyDuckDBToPostgres(source: DuckDBStore, target: PostgresStore, onTable?: (table: string, rows: number) => void): Promise<CopyReport> {
  const [sv, tv] = [await source.schemaVersion(), await target.schemaVersion()];
  if (sv !== tv) {
    throw new StoreError('STORE_NEEDS_MIGRATION', `the source ${source.location} is at schema version ${sv} and the target ${target.location} at ${tv}; open the source with a writer command of this Tenure first`);
  }
  const sourceTables = await tablesOf(source, "'main'");
  const targetTables = await tablesOf(target, 'current_schema()');
  const tables = [...targetTables.keys()].filter((t) => !NOT_COPIED.has(t) && sourceTables.has(t)).sort();
  for (const t of tables) {
    if (SEEDED.has(t)) continue;
    const [row] = await target.query<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${quoteIdent(t)} LIMIT 1) AS x`);
    if (Number(row?.n ?? 0) > 0) {
      throw new StoreError('STORE_NOT_EMPTY', `the target ${target.location} already holds data (table ${t}); copy into a new, empty database`);
    }
  }
  const scratch = source.scratchDirectory();
  const report: { table: string; rows: number }[] = [];
  await target.transaction(async (tx) => {
    for (const t of ['customers', 'monthly_usage'] as WideExtraTable[]) {
      if (!tables.includes(t)) continue;
      const have = new Set((await storedExtras(tx, t)).map((x) => x.name));
      for (const extra of await storedExtras(source, t)) {
        if (!have.has(extra.name)) await tx.run(addExtraSql(t, extra, target.dialect));
      }
    }
    const targetNow = await tablesOf(target, 'current_schema()');
    for (const t of tables) {
      const columns = sourceTables.get(t) ?? [];
      const missing = columns.filter((c) => !(targetNow.get(t) ?? []).includes(c));
      if (missing.length > 0) throw new StoreError('STORE_UNREADABLE', `the target's ${t} has no column ${missing.join(', ')}; refusing to drop data`);
      const cols = columns.map(quoteIdent).join(', ');
      const file = join(scratch, `copy-${t}.csv`);
      try {
        await source.run(`COPY (SELECT ${cols} FROM ${quoteIdent(t)}) TO '${file.replaceAll("'", "''")}' (FORMAT csv, HEADER false)`);
        if (SEEDED.has(t)) await tx.run(`DELETE FROM ${quoteIdent(t)}`);
        await target.copyIn(`COPY ${quoteIdent(t)} (${cols}) FROM STDIN (FORMAT csv)`, (stream) => pipeline(createReadStream(file), stream));
      } finally {
        rmSync(file, { force: true });
      }
      const [row] = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(t)}`);
      const [src] = await source.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(t)}`);
      if (Number(row?.n) !== Number(src?.n)) throw new StoreError('STORE_UNREADABLE', `copied ${row?.n} rows of ${t} but the source has ${src?.n}; nothing was kept`);
      report.push({ table: t, rows: Number(row?.n ?? 0) });
      onTable?.(t, Number(row?.n ?? 0));
    }
  });
  for (const t of tables) await target.run(`ANALYZE ${quoteIdent(t)}`);
  return { tables: report, rows: report.reduce((n, r) => n + r.rows, 0) };
}

