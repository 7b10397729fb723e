import type { AnalyticsStore, StoreAccess } from '../../store/port.ts';
import { openStore } from '../../store/open.ts';

// Apart from context.ts (its rules import zod): a command that only opens the store loads no more
// than the store at start (the CLI bundle loads modules on demand, bin/cli-bundle.js).

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
