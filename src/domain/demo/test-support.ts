/**
 * Test support (not used by the generator): an independent RFC 4180 reader, so tests check
 * the files the way an importer sees them rather than trusting the writer's own helpers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function parseCsv(text: string): string[][] {
  if (!text.includes('"')) {
    // Fast path: without quotes, RFC 4180 is plain line and comma splitting.
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l).split(','));
  }
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly string[][];
  /** Value of column `name` in `row` ('' when blank). */
  get(row: readonly string[], name: string): string;
}

export function readTable(dir: string, file: string): Table {
  const [header = [], ...rows] = parseCsv(readFileSync(join(dir, `${file}.csv`), 'utf8'));
  const index = new Map(header.map((h, i) => [h, i]));
  return {
    header,
    rows,
    get(row, name) {
      const i = index.get(name);
      if (i === undefined) throw new Error(`${file} has no column ${name}`);
      return row[i] ?? '';
    },
  };
}
