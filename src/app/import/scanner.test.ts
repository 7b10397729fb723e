import { describe, expect, it } from 'vitest';
import { CsvScanner, lineOf, splitRecord, type ScanOptions, type ScanResult } from './scanner.ts';

const enc = new TextEncoder();

/** Scans text fed in chunks of `chunk` bytes, so record and CRLF boundaries fall inside chunks. */
function scan(text: string, options: ScanOptions = {}, chunk = 3): ScanResult {
  const bytes = enc.encode(text);
  const s = new CsvScanner(options);
  for (let i = 0; i < bytes.length; i += chunk) s.push(bytes.subarray(i, i + chunk));
  return s.finish();
}

const lines = (r: ScanResult) => Array.from({ length: r.records }, (_, i) => lineOf(r.breakpoints, i));

describe('CsvScanner', () => {
  for (const chunk of [1, 2, 3, 7, 1 << 16]) {
    it(`gives physical lines with multi-line quoted fields (chunk ${chunk})`, () => {
      const r = scan('a,b\n1,"x\ny\nz"\n2,3\n"4\r\n",5\r\n6,7', {}, chunk);
      expect(r.header).toEqual(['a', 'b']);
      expect(r.records).toBe(4);
      expect(lines(r)).toEqual([2, 5, 6, 8]);
      expect(r.structural).toEqual([]);
    });
  }

  it('strips a BOM and handles CRLF without counting CR as a line', () => {
    const r = scan('\uFEFFcustomer_id,month\r\nC1,2024-01\r\nC2,2024-02\r\n');
    expect(r.header).toEqual(['customer_id', 'month']);
    expect(r.records).toBe(2);
    expect(lines(r)).toEqual([2, 3]);
  });

  it('skips blank lines but keeps counting them', () => {
    const r = scan('a,b\n1,2\n\n\n3,4\n');
    expect(r.records).toBe(2);
    expect(lines(r)).toEqual([2, 5]);
  });

  it('rejects wrong field counts with the physical line and leaves later lines right', () => {
    const r = scan('a,b\n1,2\n1,2,3\n"x\ny"\n4,5\n');
    expect(r.records).toBe(2);
    expect(r.structural.map((s) => [s.line, s.reason.split(':')[0]])).toEqual([
      [3, 'wrong_field_count'],
      [4, 'wrong_field_count'],
    ]);
    expect(lines(r)).toEqual([2, 6]);
  });

  it('rejects a quote inside an unquoted field and text after a closing quote', () => {
    const r = scan('a,b\n1,ab"c\n"q"x,2\n3,4\n');
    expect(r.structural.map((s) => [s.line, s.column, s.reason.split(':')[0]])).toEqual([
      [2, 'b', 'quote_in_unquoted_field'],
      [3, 'a', 'text_after_closing_quote'],
    ]);
    expect(r.structural[0]?.value).toBe('1,ab"c');
    expect(r.records).toBe(1);
    expect(lines(r)).toEqual([4]);
  });

  it('reports an unterminated quote at the end of the file', () => {
    const r = scan('a,b\n1,2\n3,"open\nmore\n');
    expect(r.structural.map((s) => [s.line, s.reason.split(':')[0]])).toEqual([[3, 'unterminated_quote']]);
    expect(r.records).toBe(1);
  });

  it('records byte ranges of broken records for the cleaned copy', () => {
    const text = 'a,b\n1,2\n1,2,3\n4,5\n';
    const r = scan(text);
    const [bad] = r.structural;
    expect(text.slice(bad?.start, bad?.end)).toBe('1,2,3\n');
  });

  it('counts decoded field bytes (escaped quotes once, no quotes or terminators)', () => {
    const r = scan('a,b\n"x""y",zz\r\n"",1\n');
    expect(r.fieldBytes).toBe(3 + 2 + 0 + 1);
  });

  it('marks lexically suspect records with their decoded fields', () => {
    const r = scan('m,v\n2024-01,1.5\n2024-1,2\n2024-03,1e5\n2024-04,"7"\n2024-05,-0.25\n', { checks: ['month', 'decimal'] });
    expect(r.suspects).toEqual([
      { rec: 1, fields: ['2024-1', '2'] },
      { rec: 2, fields: ['2024-03', '1e5'] },
    ]);
  });

  it('flags money with more decimals than the scale and full-width digits', () => {
    const r = scan('x,y\n1.1234567,1\n１,2\n1.123456,3\n', { checks: ['money', null], moneyScale: 6 });
    expect(r.suspects?.map((s) => s.rec)).toEqual([0, 1]);
  });

  it('checks timestamps byte by byte', () => {
    const ok = ['2024-01-02T03:04', '2024-01-02 03:04:05', '2024-01-02T03:04:05.123Z', '2024-01-02T03:04:05+08:00', '2024-01-02 03:04-05:30'];
    const bad = ['2024-01-02', '2024-01-02T3:04', '2024-01-02T03:04:05.', '2024-01-02T03:04+8:00', '2024-01-02T03:04Zx', '2024/01/02 03:04'];
    const r = scan(['t', ...ok, ...bad].join('\n') + '\n', { checks: ['timestamp'] });
    expect(r.suspects?.map((s) => s.rec)).toEqual(bad.map((_, i) => ok.length + i));
  });

  it('stops after the header in header-only mode', () => {
    const r = scan('"Customer_ID","x_a"\n1,2\n', { headerOnly: true });
    expect(r.header).toEqual(['Customer_ID', 'x_a']);
    expect(r.records).toBe(0);
  });
});

describe('splitRecord', () => {
  it('decodes quoted fields with escaped quotes and commas', () => {
    const b = enc.encode('"a,b","c""d",e,');
    expect(splitRecord(b, 0, b.length)).toEqual(['a,b', 'c"d', 'e', '']);
  });
});
