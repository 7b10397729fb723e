import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FILES, IMPORT_ORDER, type FileName } from '../../contract/spec.ts';
import type { FileFormat } from '../../store/port.ts';
import { TenureError } from '../errors.ts';

export interface DataFile {
  readonly name: FileName;
  readonly path: string;
  readonly format: FileFormat;
  readonly bytes: number;
}

const SUFFIXES: readonly [string, FileFormat][] = [
  ['.csv', 'csv'],
  ['.csv.gz', 'csv'],
  ['.parquet', 'parquet'],
];

/** The contract files of a data-set folder, in import order. File names match case-insensitively. */
export function discoverDataset(dir: string): { files: DataFile[]; ignored: string[] } {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    entries = readdirSync(dir);
  } catch {
    throw new TenureError('FILE_NOT_FOUND', `data set folder not found: ${dir}`, { file: dir });
  }
  const found = new Map<FileName, DataFile[]>();
  const ignored: string[] = [];
  for (const entry of entries) {
    const lower = entry.toLowerCase();
    const match = FILES.flatMap((f) =>
      SUFFIXES.filter(([suffix]) => lower === f.name + suffix).map(([, format]) => ({ name: f.name, format })),
    )[0];
    if (!match) {
      ignored.push(entry);
      continue;
    }
    const path = join(dir, entry);
    const list = found.get(match.name) ?? [];
    // lstat: a dangling symlink or a FIFO is refused when the file is opened (input-file.ts), not here.
    list.push({ name: match.name, path, format: match.format, bytes: lstatSync(path).size });
    found.set(match.name, list);
  }
  const files: DataFile[] = [];
  for (const name of IMPORT_ORDER) {
    const list = found.get(name) ?? [];
    if (list.length > 1) {
      throw new TenureError('USAGE', `${name} is given more than once: ${list.map((f) => f.path).join(', ')}`, { file: name });
    }
    const spec = FILES.find((f) => f.name === name);
    if (list[0]) files.push(list[0]);
    else if (spec?.required) {
      throw new TenureError('FILE_NOT_FOUND', `missing required file ${name} (.csv, .csv.gz or .parquet) in ${dir}`, {
        file: name,
      });
    }
  }
  return { files, ignored };
}

/** Contract files this version does not load yet: named in the import's notes, never silently dropped. */
const NOT_YET_LOADED: readonly string[] = [];

/** One line per folder entry the import did not load, saying why (the store's own files and hidden files are left out). */
export function ignoredNotes(ignored: readonly string[]): string[] {
  const notes: string[] = [];
  const other: string[] = [];
  for (const entry of ignored) {
    const lower = entry.toLowerCase();
    // The store's own files and hidden files (.DS_Store, markers) are not data anyone exported.
    if (/\.duckdb(\.wal)?$/.test(lower) || entry.startsWith('.')) continue;
    const pending = NOT_YET_LOADED.find((name) => SUFFIXES.some(([suffix]) => lower === name + suffix));
    if (pending) notes.push(`${entry}: ${pending} is a contract file that this version of Tenure does not load yet; not loaded`);
    else other.push(entry);
  }
  if (other.length > 0) notes.push(`not a data contract file, not loaded: ${other.join(', ')}`);
  return notes;
}

/**
 * Folders that the symbolic links of a data-set folder point into: with --follow-symlinks the
 * engine must be allowed to read them too (it reaches only the folders it is given).
 */
export function symlinkTargetFolders(dir: string): string[] {
  const out = new Set<string>();
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      if (lstatSync(path).isSymbolicLink()) out.add(dirname(realpathSync(path)));
    } catch {
      // A dangling link is refused by name when the import opens it.
    }
  }
  return [...out];
}

