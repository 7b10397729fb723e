import { describe, expect, it } from 'vitest';
import { readCsvRecords } from './csv.ts';
import { parseSurveysCsv } from './surveys-csv.ts';

describe('readCsvRecords', () => {
  it('keeps physical start lines across quoted line breaks and handles CRLF, BOM, "" escapes', () => {
    const recs = readCsvRecords('\ufeffa,b\r\n"x\ny",2\r\n"say ""hi""",3\n');
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(recs[1]?.fields).toEqual(['x\ny', '2']);
    expect(recs[2]?.fields).toEqual(['say "hi"', '3']);
  });

  it('rejects a quote inside an unquoted field and text after a closing quote, then resynchronises', () => {
    const recs = readCsvRecords('a,b\nab"c,1\n"x"y,2\nok,3');
    expect(recs.map((r) => [r.line, r.error ?? null])).toEqual([
      [1, null],
      [2, 'quote inside an unquoted field'],
      [3, 'text after a closing quote'],
      [4, null],
    ]);
    expect(recs[3]?.fields).toEqual(['ok', '3']);
  });
});

describe('parseSurveysCsv', () => {
  it('reads the contract format with free column order and case-insensitive names', () => {
    const p = parseSurveysCsv('Reason,SCOPE,rating,importance,availability,x_wave\ncoverage,all,1,8,7,2024q1\n');
    expect(p.headerErrors).toEqual([]);
    expect(p.rows).toEqual([{ scope: 'all', reason: 'coverage', rating: 1, importance: 8, availability: 7 }]);
  });

  it('names line, column, value and reason for every bad value; accepted + rejected rows = read', () => {
    const text = [
      'scope,reason,rating,importance,availability',
      'all,price,10,3,1',
      'all,quality,1e1,6,3', // exponent
      'all,coverage,11,8,7', // out of range
      'all,,10,4,9', // blank key
      'all,price,10,3,1', // exact repeat: accepted, no change
      'all,price,9,3,1', // same key, other values
      'all,image,10,1', // wrong field count
    ].join('\n');
    const p = parseSurveysCsv(text);
    expect(p.read).toBe(7);
    expect(p.rows.map((r) => r.reason)).toEqual(['price']);
    expect(p.rejected.map((r) => [r.line, r.column, r.value])).toEqual([
      [3, 'rating', '1e1'],
      [4, 'rating', '11'],
      [5, 'reason', ''],
      [7, 'reason', 'price'],
      [8, '', ''],
    ]);
    expect(p.rejected[3]?.reason).toMatch(/duplicate_key/);
  });

  it('reports unknown and missing columns as header errors', () => {
    const p = parseSurveysCsv('scope,reason,rating,weight\n');
    expect(p.headerErrors.join('\n')).toMatch(/unknown column "weight"/);
    expect(p.headerErrors.join('\n')).toMatch(/missing required column "importance"/);
  });
});
