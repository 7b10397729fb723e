import { readFileSync, existsSync } from 'node:fs';
import { defaultLifecycleRules, parseLifecycleRules, type LifecycleRules } from '../../domain/lifecycle/rules.ts';
import type { AnalyticsStore, StoreAccess } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { openStore } from '../../store/open.ts';

// The data's span and month checks live in app/data-span.ts; re-exported for the lifecycle modules.
export { checkMonth, dataSpan, type DataSpan } from '../data-span.ts';

/** Rules from a file (`--rules FILE`) or the defaults; a bad file is a usage error naming its problems. */
export function loadRules(path?: string): LifecycleRules {
  if (path === undefined) return defaultLifecycleRules();
  if (!existsSync(path)) throw new TenureError('FILE_NOT_FOUND', `no such rules file: ${path}`, { file: path });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TenureError('BAD_INPUT', `cannot read the rules file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path });
  }
  const { rules, errors } = parseLifecycleRules(text);
  if (!rules) throw new TenureError('SCHEMA', `invalid lifecycle rules: ${errors.join('; ')}`, { file: path });
  return rules;
}

/**
 * Opens the `--db` store read-only for an analytics command, runs fn and closes it. Several
 * such commands can read one store at once; what they derive lives in temporary tables. A
 * missing file is an error (opening it would silently create an empty store).
 */
export async function withStore<T>(db: string | undefined, fn: (store: AnalyticsStore) => Promise<T>): Promise<T> {
  return withOpenStore(db, 'read-only', fn);
}

/** The same for a command that writes derived data (`tenure lifecycle refresh`): it needs the store alone. */
export async function withWritableStore<T>(db: string | undefined, fn: (store: AnalyticsStore) => Promise<T>): Promise<T> {
  return withOpenStore(db, 'read-write', fn);
}

async function withOpenStore<T>(db: string | undefined, access: StoreAccess, fn: (store: AnalyticsStore) => Promise<T>): Promise<T> {
  const store = await openStore(db, { access });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
