import { lstatSync, readFileSync, statSync } from 'node:fs';
import { readCsvRecords } from '../../domain/csv.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { findSavedList, looksLikeListId, namedListsHint, savedListMembers } from '../warn/warn.ts';

/** A target file larger than this is refused: a list of customer ids, even 10M of them, is far smaller. */
export const MAX_TARGET_FILE_BYTES = 512 << 20;

/**
 * Customer ids of a target file for a campaign: a CSV with a `customer_id` column (any other
 * columns, e.g. a `tenure warn` export, are ignored). Bad rows are errors naming file and line.
 */
export function readTargetFile(path: string): string[] {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new TenureError('USAGE', `target ${path} is not a regular file`, { file: path });
    size = st.size;
  } catch (err) {
    if (err instanceof TenureError) throw err;
    throw new TenureError('FILE_NOT_FOUND', `no such target file: ${path}`, { file: path });
  }
  if (size > MAX_TARGET_FILE_BYTES) throw new TenureError('BAD_INPUT', `target file ${path} is ${size} bytes, above the ${MAX_TARGET_FILE_BYTES}-byte limit`, { file: path });
  const records = readCsvRecords(readFileSync(path, 'utf8'));
  const header = records[0];
  if (!header || header.error) throw new TenureError('SCHEMA', `${path}:1: a header row with a customer_id column is needed`, { file: path, line: 1 });
  const column = header.fields.findIndex((f) => f.trim().toLowerCase() === 'customer_id');
  if (column < 0) throw new TenureError('SCHEMA', `${path}:1: no customer_id column (header: ${header.fields.slice(0, 8).join(', ')})`, { file: path, line: 1, column: 'customer_id' });
  const ids: string[] = [];
  for (const r of records.slice(1)) {
    if (r.fields.length === 1 && r.fields[0] === '' && !r.error) continue; // blank line
    const id = r.fields[column];
    if (r.error || id === undefined || id === '') {
      throw new TenureError('BAD_INPUT', `${path}:${r.line}: customer_id: ${r.error ?? 'missing value'}`, { file: path, line: r.line, column: 'customer_id' });
    }
    ids.push(id);
  }
  return ids;
}

/** Where a campaign's targets came from: a file of customer ids, or a saved warning list. */
export type TargetSource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'list'; readonly listId: string; readonly asOf: string };

/**
 * `--target LIST|FILE`: a saved warning list's id (`tenure warn --save`: its frozen members, in
 * rank order) or a CSV file with a customer_id column. A text that is both (a file named WL3
 * beside a list WL3) is refused as ambiguous; one that is neither is a usage error.
 */
export async function resolveTargets(store: AnalyticsStore, target: string): Promise<{ ids: string[]; source: TargetSource }> {
  const list = looksLikeListId(target) ? await findSavedList(store, target) : null;
  let isFile = false;
  try {
    lstatSync(target);
    isFile = true;
  } catch {
    // not a path: maybe a list
  }
  if (list && isFile) {
    throw new TenureError('USAGE', `--target ${target} names both a file and the saved warning list ${list.listId}; write ./${target} for the file`, { file: target });
  }
  if (list) return { ids: await savedListMembers(store, list.listId), source: { kind: 'list', listId: list.listId, asOf: list.asOf } };
  if (isFile) return { ids: readTargetFile(target), source: { kind: 'file', path: target } };
  throw new TenureError(
    'USAGE',
    `--target ${target} is neither a file nor a saved warning list${await namedListsHint(store, target)}; give a CSV with a customer_id column or a list id (\`tenure warn lists\` shows them, \`tenure warn --save NAME\` keeps one)`,
  );
}
