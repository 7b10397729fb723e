import { readFileSync, statSync } from 'node:fs';
import { readCsvRecords } from '../../domain/csv.ts';
import { TenureError } from '../errors.ts';

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
