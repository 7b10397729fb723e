/**
 * RFC 4180 record reader for small contract files read in-process (e.g. `--surveys FILE`),
 * where every row needs its physical line for error messages. Strict per the data contract:
 * a quote inside an unquoted field or text after a closing quote rejects that record (the
 * reader resynchronises at the next line break), and a record keeps the physical line it
 * starts on, so quoted fields spanning lines advance the count correctly.
 * (Bulk files go through the store's own reader; src/model/table.ts reads labelled tables
 * column-major for the model.)
 */
export interface CsvRecord {
  /** Physical line where the record starts (header = 1). */
  readonly line: number;
  readonly fields: readonly string[];
  /** Set when the record is malformed; fields are then incomplete. */
  readonly error?: string;
}

export function readCsvRecords(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  while (pos < n) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      let field = '';
      if (text[pos] === '"') {
        pos++;
        for (;;) {
          if (pos >= n) {
            error = 'unterminated quoted field';
            break;
          }
          const ch = text[pos] as string;
          if (ch === '"') {
            if (text[pos + 1] === '"') {
              field += '"';
              pos += 2;
              continue;
            }
            pos++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          pos++;
        }
        if (!error && pos < n && text[pos] !== ',' && text[pos] !== '\n' && text[pos] !== '\r') {
          error = 'text after a closing quote';
        }
      } else {
        while (pos < n && text[pos] !== ',' && text[pos] !== '\n' && text[pos] !== '\r') {
          if (text[pos] === '"') error ??= 'quote inside an unquoted field';
          field += text[pos];
          pos++;
        }
      }
      if (error) {
        // Resynchronise at the next line break.
        while (pos < n && text[pos] !== '\n') pos++;
        pos++;
        line++;
        break;
      }
      fields.push(field);
      if (pos >= n) break;
      if (text[pos] === ',') {
        pos++;
        if (pos >= n) fields.push('');
        continue;
      }
      pos += text[pos] === '\r' && text[pos + 1] === '\n' ? 2 : 1;
      line++;
      break;
    }
    if (error) out.push({ line: start, fields, error });
    else if (!(fields.length === 1 && fields[0] === '')) out.push({ line: start, fields });
  }
  return out;
}
