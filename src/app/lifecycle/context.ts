import { readFileSync, existsSync } from 'node:fs';
import { defaultLifecycleRules, parseLifecycleRules, type LifecycleRules } from '../../domain/lifecycle/rules.ts';
import { TenureError } from '../errors.ts';

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

// Opening the store for a command lives in with-store.ts (which loads no rules, nor zod): re-exported here.
export { withStore, withWritableStore } from './with-store.ts';
