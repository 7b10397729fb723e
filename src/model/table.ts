import { TenureError } from '../domain/errors.ts';

/** A CSV file read column-major: `columns[c][r]` is the raw text of row r in column c. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly columns: readonly string[][];
  readonly rowCount: number;
}

/**
 * RFC 4180 reader: comma-separated, optional double-quoted fields with `""` escapes, quoted
 * fields may hold commas and line breaks, records end with CRLF or LF, a UTF-8 BOM and a
 * final line break are ignored. A record with the wrong number of fields is an error that
 * names the line, so a broken file never silently shifts columns.
 */
export function parseCsv(text: string, file = '<csv>'): CsvTable {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  let header: string[] | null = null;
  let columns: string[][] = [];
  let record: string[] = [];
  let recordLine = 1;

  const endRecord = () => {
    if (header === null) {
      header = record;
      columns = header.map(() => []);
    } else if (!(record.length === 1 && record[0] === '')) {
      if (record.length !== header.length) {
        throw new TenureError('BAD_INPUT', `expected ${header.length} fields, found ${record.length}`, { file, line: recordLine });
      }
      for (let c = 0; c < record.length; c++) (columns[c] as string[]).push(record[c] as string);
    }
    record = [];
    recordLine = line;
  };

  while (pos < n) {
    let field: string;
    if (text.charCodeAt(pos) === 34 /* " */) {
      pos++;
      let parts = '';
      let start = pos;
      for (;;) {
        const q = text.indexOf('"', pos);
        if (q < 0) throw new TenureError('BAD_INPUT', 'unterminated quoted field', { file, line: recordLine });
        for (let k = pos; k < q; k++) if (text.charCodeAt(k) === 10) line++;
        if (text.charCodeAt(q + 1) === 34) {
          parts += text.slice(start, q + 1);
          pos = q + 2;
          start = pos;
          continue;
        }
        parts += text.slice(start, q);
        pos = q + 1;
        break;
      }
      field = parts;
      const c = text.charCodeAt(pos);
      if (pos < n && c !== 44 && c !== 10 && c !== 13) {
        throw new TenureError('BAD_INPUT', 'unexpected character after closing quote', { file, line });
      }
    } else {
      let end = pos;
      while (end < n) {
        const c = text.charCodeAt(end);
        if (c === 44 || c === 10 || c === 13) break;
        end++;
      }
      field = text.slice(pos, end);
      pos = end;
    }
    record.push(field);
    if (pos >= n) break;
    const c = text.charCodeAt(pos);
    if (c === 44) {
      pos++;
      if (pos >= n) record.push('');
      continue;
    }
    // Line break: CRLF, LF or a lone CR.
    pos += c === 13 && text.charCodeAt(pos + 1) === 10 ? 2 : 1;
    line++;
    endRecord();
  }
  if (record.length > 0) endRecord();
  if (header === null) throw new TenureError('BAD_INPUT', 'empty file: no header line', { file });
  const h: string[] = header;
  return { header: h, columns, rowCount: columns[0]?.length ?? 0 };
}
