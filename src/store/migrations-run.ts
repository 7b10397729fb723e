import type { Dialect } from './dialect.ts';
import { StoreError } from './errors.ts';
import type { StoreTx } from './port.ts';
import { SCHEMA_VERSION, type Migration } from './schema.ts';

/**
 * Applying the migrations of schema.ts and checking a store's version: the same on every
 * engine. Each adapter only decides the transactions around it (DuckDB one per migration,
 * PostgreSQL all of them under one advisory lock).
 */
export const SCHEMA_MIGRATIONS_DDL = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER, description VARCHAR, applied_at TIMESTAMP)';

/** The highest applied version; 0 for a store without the version table (a new one). */
export async function storedSchemaVersion(tx: StoreTx, d: Dialect): Promise<number> {
  if ((await tx.query(d.storedTableSql, ['schema_migrations'])).length === 0) return 0;
  const [row] = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return Number(row?.v ?? 0);
}

/** A read-only open of a store another Tenure wrote: says which and what to do. */
export function requireCurrentSchema(location: string, version: number): void {
  if (version === SCHEMA_VERSION) return;
  const which = version < SCHEMA_VERSION ? 'an older' : 'a newer';
  const fix = version < SCHEMA_VERSION ? 'run a command that writes to it first (tenure import DIR, which upgrades the store in place)' : 'use that newer Tenure to read it';
  throw new StoreError('STORE_NEEDS_MIGRATION', `the store ${location} was written by ${which} Tenure (schema version ${version}, this one reads ${SCHEMA_VERSION}); ${fix}`);
}

/** One migration's statements and data steps, then its row in schema_migrations (inside the caller's transaction). */
export async function applyMigration(tx: StoreTx, m: Migration, d: Dialect): Promise<void> {
  for (const stmt of m.statements(d)) await tx.run(stmt);
  if (m.apply) await m.apply(tx, d);
  await tx.run('INSERT INTO schema_migrations VALUES ($1, $2, current_timestamp)', [m.version, m.description]);
}
