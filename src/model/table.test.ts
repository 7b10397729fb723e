import { describe, expect, it } from 'vitest';
import { TenureError } from '../domain/errors.ts';
import { parseCsv } from './table.ts';

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted headers, escaped quotes, commas and line breaks inside quotes, CRLF', () => {
    const t = parseCsv('\uFEFF"id","note",n\r\n1,"a, ""b""",2\r\n2,"two\nlines",\r\n');
    expect(t.header).toEqual(['id', 'note', 'n']);
    expect(t.rowCount).toBe(2);
    expect(t.columns[1]).toEqual(['a, "b"', 'two\nlines']);
    expect(t.columns[2]).toEqual(['2', '']);
  });

  it('keeps a single space as a value (IBM TotalCharges) and reads a file without a final newline', () => {
    const t = parseCsv('a,b\n1, \n2,3');
    expect(t.columns[1]).toEqual([' ', '3']);
  });

  it('names the line of a record with the wrong number of fields', () => {
    try {
      parseCsv('a,b\n1,2\n3\n', 'f.csv');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TenureError);
      expect((err as TenureError).location).toMatchObject({ file: 'f.csv', line: 3 });
    }
  });

  it('rejects an unterminated quote', () => {
    expect(() => parseCsv('a\n"open\n')).toThrow(/unterminated/);
  });
});
