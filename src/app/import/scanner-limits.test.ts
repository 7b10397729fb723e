import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TenureError } from '../errors.ts';
import { scanCsvFile } from './csv-file.ts';
import { CsvScanner, lineOf, ScanLimitError, type ScanOptions, type ScanResult } from './scanner.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-scan-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Feeds `bytes` in chunks of `size`, as a file stream does; returns the result and the scanner. */
function feed(bytes: Uint8Array, size: number, options: ScanOptions = {}): { result: ScanResult; scanner: CsvScanner } {
  const scanner = new CsvScanner(options);
  for (let at = 0; at < bytes.length && !scanner.done; at += size) scanner.push(bytes.subarray(at, at + size));
  return { result: scanner.finish(), scanner };
}

const unlimited = { maxRecordBytes: Number.MAX_SAFE_INTEGER };

describe('scanner work is linear in the input', () => {
  const MB = 1 << 20;
  const chunk = 64 << 10;
  // The property that was quadratic: how many bytes are walked while a record is incomplete.
  // Before, each chunk re-parsed the whole pending record from its start: for 8 MiB in 64 KiB
  // chunks that is about 128 × 4 MiB = 512 MiB walked; now each byte is walked once.
  for (const [name, make] of [
    ['unclosed quote', (n: number) => Buffer.concat([Buffer.from('a,b\n1,"'), Buffer.alloc(n, 'x\n')])],
    ['no line breaks', (n: number) => Buffer.concat([Buffer.from('a,b\n'), Buffer.alloc(n, 'x')])],
    ['a comma-only line', (n: number) => Buffer.concat([Buffer.from('a,b\n'), Buffer.alloc(n, ',')])],
  ] as const) {
    it(`quadratic scan (${name}): bytes walked on the incomplete record stay within the input size`, () => {
      for (const size of [2 * MB, 8 * MB]) {
        const bytes = make(size);
        const { result, scanner } = feed(bytes, chunk, { limits: unlimited });
        expect(scanner.tailScanned).toBeLessThanOrEqual(bytes.length);
        expect(scanner.parsedBytes).toBeLessThanOrEqual(2 * bytes.length);
        expect(scanner.tailScanned).toBeGreaterThan(size - chunk);
        expect(result.structural.length + result.records).toBe(1);
      }
    });
  }

  it('a normal file walks only each chunk boundary line on the tail path', () => {
    const line = '12345,2024-01,38.50,"quoted, field",x\n';
    const bytes = Buffer.from('a,b,c,d,e\n' + line.repeat(200_000));
    const { result, scanner } = feed(bytes, chunk);
    expect(result.records).toBe(200_000);
    expect(scanner.tailScanned).toBeLessThan((bytes.length / chunk + 1) * 2 * line.length);
    expect(scanner.parsedBytes).toBeLessThan(bytes.length + (bytes.length / chunk + 1) * 2 * line.length);
  });
});

describe('scan limits name the line and the limit', () => {
  const limitError = (f: () => unknown): ScanLimitError => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(ScanLimitError);
      return err as ScanLimitError;
    }
    throw new Error('expected a limit error');
  };

  it('a record longer than maxRecordBytes, across chunks or inside one', () => {
    const text = Buffer.from('a,b\n1,2\n3,4\n5,"' + 'x'.repeat(5000));
    for (const size of [100, 1 << 20]) {
      const err = limitError(() => feed(text, size, { limits: { maxRecordBytes: 1000 } }));
      expect(err.line).toBe(4);
      expect(err.limit).toBe('TENURE_IMPORT_MAX_RECORD_BYTES');
      expect(err.message).toMatch(/longer than 1000 bytes starts at line 4/);
    }
    // A complete long record inside one chunk.
    const long = Buffer.from(`a,b\n1,${'y'.repeat(3000)}\n2,3\n`);
    expect(limitError(() => feed(long, 1 << 20, { limits: { maxRecordBytes: 1000 } })).line).toBe(2);
    expect(feed(long, 1 << 20, { limits: { maxRecordBytes: 4000 } }).result.records).toBe(2);
  });

  it('a header with more fields than maxFields', () => {
    const text = Buffer.from(`${Array.from({ length: 50 }, (_, i) => `c${i}`).join(',')}\n`);
    const err = limitError(() => feed(text, 7, { limits: { maxFields: 40 } }));
    expect(err.message).toMatch(/the header has 50 fields, more than 40/);
    expect(err.limit).toBe('TENURE_IMPORT_MAX_FIELDS');
    expect(feed(text, 7, { limits: { maxFields: 50 } }).result.header).toHaveLength(50);
  });

  it('more records than maxRecords', () => {
    const text = Buffer.from('a,b\n' + '1,2\n'.repeat(100));
    expect(limitError(() => feed(text, 1 << 20, { limits: { maxRecords: 99 } })).limit).toBe('TENURE_IMPORT_MAX_ROWS');
    expect(limitError(() => feed(text, 3, { limits: { maxRecords: 99 } })).limit).toBe('TENURE_IMPORT_MAX_ROWS');
    expect(feed(text, 3, { limits: { maxRecords: 100 } }).result.records).toBe(100);
  });

  it('gz bomb: a .csv.gz is refused once it expands past the ratio or the byte cap, naming the file', async () => {
    // 80 MiB of one repeated row compress to well under 1 MiB: a ratio no export has.
    const bomb = join(root, 'bomb.csv.gz');
    writeFileSync(bomb, gzipSync(Buffer.concat([Buffer.from('a,b\n'), Buffer.alloc(80 << 20, '1,2\n')]), { level: 9 }));
    await expect(scanCsvFile(bomb, {})).rejects.toThrow(/decompresses more than 200 times its compressed size .*decompression bomb/);
    const small = join(root, 'small.csv.gz');
    writeFileSync(small, gzipSync(Buffer.from('a,b\n' + '1,2\n'.repeat(10_000))));
    const err = await scanCsvFile(small, { limits: { maxGzipBytes: 20_000 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenureError);
    expect((err as TenureError).location.file).toBe(small);
    expect((err as TenureError).message).toMatch(/decompresses to more than 20000 bytes; raise TENURE_IMPORT_MAX_GZIP_BYTES/);
    expect((await scanCsvFile(small, {})).records).toBe(10_000);
  });
});

/**
 * A plain RFC 4180 reader, written for clarity: the whole input as one string, one state
 * machine. On well-formed files (every field quoted or not, the right field count, LF or CRLF
 * ends) the scanner must find the same header, the same records on the same lines.
 */
function reference(text: string): { header: string[]; rows: { line: number; fields: string[] }[] } {
  const records: { line: number; fields: string[] }[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\n' || text[i] === '\r') {
      i += text.startsWith('\r\n', i) ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    while (true) {
      let value = '';
      if (text[i] === '"') {
        i++;
        while (!(text[i] === '"' && text[i + 1] !== '"')) {
          if (text[i] === '"') i++;
          if (text[i] === '\n') line++;
          value += text[i];
          i++;
        }
        i++;
      } else {
        while (i < text.length && !',\r\n'.includes(text[i] as string)) value += text[i++];
      }
      fields.push(value);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (i < text.length) {
      i += text.startsWith('\r\n', i) ? 2 : 1;
      line++;
    }
    records.push({ line: start, fields });
  }
  const [header, ...rows] = records;
  return { header: header?.fields ?? [], rows };
}

const field = fc.oneof(
  fc.stringMatching(/^[a-z0-9 .-]{0,6}$/),
  fc.string({ maxLength: 6, unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', '中', ' ') }).map((s) => `"${s.replaceAll('"', '""')}"`),
);

describe('fuzz: the scanner on arbitrary and on well-formed input', () => {
  it('never throws anything but a limit error, always finishes, and accounts for every byte range it rejects', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 8, max: 400 }),
        (bytes, size, maxRecordBytes) => {
          try {
            const { result } = feed(bytes, size, { limits: { maxRecordBytes }, checks: ['integer', 'date', null] });
            for (const r of result.structural) expect(r.end).toBeGreaterThan(r.start);
            expect(result.records).toBeGreaterThanOrEqual(0);
          } catch (err) {
            if (!(err instanceof ScanLimitError)) throw err;
          }
        },
      ),
      { seed: 18, numRuns: 3000 },
    );
  });

  it('agrees with a plain reference parser on well-formed files, however they are chunked', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((columns) =>
          fc.tuple(
            fc.array(fc.array(field, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 30 }),
            fc.constantFrom('\n', '\r\n'),
            fc.integer({ min: 1, max: 50 }),
            fc.boolean(),
          ),
        ),
        ([rows, eol, size, finalEol]) => {
          const text = rows.map((r) => r.join(',')).join(eol) + (finalEol ? eol : '');
          const expected = reference(text);
          // Records the reference reads as blank lines (a single empty field) carry no record in either.
          const { result } = feed(Buffer.from(text), size);
          expect(result.header).toEqual(expected.header);
          const got = Array.from({ length: result.records }, (_, r) => lineOf(result.breakpoints, r));
          const want = expected.rows.filter((r) => r.fields.length === expected.header.length).map((r) => r.line);
          expect(got).toEqual(want);
          expect(result.structural.map((s) => s.line)).toEqual(expected.rows.filter((r) => r.fields.length !== expected.header.length).map((r) => r.line));
          const decoded = expected.rows.filter((r) => r.fields.length === expected.header.length).reduce((n, r) => n + r.fields.reduce((m, f) => m + Buffer.byteLength(f), 0), 0);
          expect(result.fieldBytes).toBe(decoded);
        },
      ),
      { seed: 4180, numRuns: 1500 },
    );
  });
});
