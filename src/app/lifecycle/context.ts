import { readFileSync, existsSync } from 'node:fs';
import { defaultLifecycleRules, parseLifecycleRules, type LifecycleRules } from '../../domain/lifecycle/rules.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { DEFAULT_DB, openStore } from '../../store/open.ts';

// The data's span and month checks live in app/data-span.ts; re-exported for the lifecycle modules.
export { checkMonth, dataSpan, type DataSpan } from '../data-span.ts';

/** Rules from a file (`--rules FILE`) or the defaults; a bad file is a usage error naming its problems. */
export function loadRules(path?: string): LifecycleRules {
  if (path === undefined) return defaultLifecycleRules();
  if (!existsSync(path)) throw new TenureError('FILE_NOT_FOUND', `no such rules file: ${path}`, { file: path });
  const { rules, errors } = parseLifecycleRules(readFileSync(path, 'utf8'));
  if (!rules) throw new TenureError('SCHEMA', `invalid lifecycle rules: ${errors.join('; ')}`, { file: path });
  return rules;
}

/**
 * Opens the `--db` store for a read-only analytics command, runs fn and closes it. A missing
 * file is NO_DATA (opening it would silently create an empty store).
 */
export async function withStore<T>(db: string | undefined, fn: (store: AnalyticsStore) => Promise<T>): Promise<T> {
  const target = db && db.length > 0 ? db : process.env.TENURE_DB || DEFAULT_DB;
  if (!/^postgres(ql)?:\/\//.test(target) && target !== ':memory:' && !existsSync(target)) {
    throw new TenureError('NO_DATA', `no store at ${target}; import a data set first (tenure import DIR --db ${target})`);
  }
  const store = await openStore(target);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
