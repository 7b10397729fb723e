import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkAutomaton, fieldOk, lexicalClass, LEXICAL_CLASSES, type FieldCheck } from './lexical.ts';
import { CsvScanner, lineOf, splitRecord, type ScanOptions, type ScanResult, type StructuralReject, type SuspectRecord } from './scanner.ts';

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
    // The broken row's text is never kept (it may be personal data): its length and hash identify it.
    expect(r.structural[0]).toMatchObject({ bytes: 6, sha256: createHash('sha256').update('1,ab"c').digest('hex') });
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

/*
 * The oracle: the scanner as it was before the record automaton (commit c8d127d), byte for byte
 * except its name. The property tests below feed it and CsvScanner the same random bytes in the
 * same random chunks and require identical results. It shares splitRecord and fieldOk with the
 * scanner; those were not changed by the automaton.
 */
const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

type Outcome = 'ok' | 'quote_in_unquoted_field' | 'text_after_closing_quote' | 'unterminated_quote';

const EXPLAIN: Record<Exclude<Outcome, 'ok'>, string> = {
  quote_in_unquoted_field: 'a quote inside an unquoted field (RFC 4180 requires the field to be quoted)',
  text_after_closing_quote: 'text after the closing quote of a quoted field',
  unterminated_quote: 'a quoted field is never closed before the end of the file',
};

function fingerprint(buf: Uint8Array, a: number, b: number): { bytes: number; sha256: string } {
  let end = b;
  while (end > a && (buf[end - 1] === LF || buf[end - 1] === CR)) end--;
  return { bytes: end - a, sha256: createHash('sha256').update(buf.subarray(a, end)).digest('hex') };
}

class ReferenceScanner {
  private carry: Uint8Array = new Uint8Array(0);
  /** Absolute offset (decompressed) of carry[0]. */
  private base = 0;
  private line = 1;
  private header: string[] | null = null;
  private good = 0;
  private fieldBytes = 0;
  /** Records follow the header directly unless blank lines or multi-line fields intervene. */
  private lastDelta = 0;
  private readonly bpRec: number[] = [];
  private readonly bpDelta: number[] = [];
  private readonly structural: StructuralReject[] = [];
  private suspects: SuspectRecord[] | null = [];
  private readonly checks: readonly (FieldCheck | null)[];
  private readonly moneyScale: number;
  private readonly maxSuspects: number;
  private sawStart = false;
  done = false;

  constructor(private readonly options: ScanOptions = {}) {
    this.checks = options.checks ?? [];
    this.moneyScale = options.moneyScale ?? 6;
    this.maxSuspects = options.maxSuspects ?? 100_000;
  }

  push(chunk: Uint8Array): void {
    if (this.done) return;
    const buf = this.carry.length === 0 ? chunk : concat(this.carry, chunk);
    const used = this.parse(buf, false);
    this.base += used;
    this.carry = used === buf.length ? new Uint8Array(0) : buf.slice(used);
  }

  finish(): ScanResult {
    if (!this.done) this.parse(this.carry, true);
    this.carry = new Uint8Array(0);
    return {
      header: this.header ?? [],
      records: this.good,
      structural: this.structural,
      suspects: this.suspects,
      breakpoints: { rec: this.bpRec, delta: this.bpDelta },
      fieldBytes: this.fieldBytes,
    };
  }

  /** Parses whole records from buf; returns how many bytes were consumed. */
  private parse(buf: Uint8Array, final: boolean): number {
    let p = 0;
    const n = buf.length;
    if (!this.sawStart) {
      if (n < 3 && !final) return 0;
      this.sawStart = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
    }
    while (p < n && !this.done) {
      // A blank line carries no record; DuckDB skips it as well, so it only advances the line.
      if (buf[p] === LF || buf[p] === CR) {
        if (buf[p] === CR && p + 1 >= n && !final) break;
        p += buf[p] === CR && buf[p + 1] === LF ? 2 : 1;
        this.line++;
        continue;
      }
      const end = this.record(buf, p, final);
      if (end < 0) break;
      p = end;
    }
    return p;
  }

  /** Scans one record starting at p; returns the offset after its terminator, or -1 if incomplete. */
  private record(buf: Uint8Array, p: number, final: boolean): number {
    const n = buf.length;
    const checks = this.header ? this.checks : [];
    let i = p;
    let fields = 0;
    let lines = 0;
    let bytes = 0;
    let suspect = false;
    let outcome: Outcome = 'ok';
    let badField = 0;
    while (true) {
      let a: number;
      let b: number;
      if (buf[i] === QUOTE) {
        let escaped = 0;
        let j = i + 1;
        while (true) {
          if (j >= n) {
            if (!final) return -1;
            outcome = 'unterminated_quote';
            break;
          }
          const c = buf[j];
          if (c === QUOTE) {
            if (j + 1 >= n && !final) return -1;
            if (buf[j + 1] === QUOTE) {
              escaped++;
              j += 2;
              continue;
            }
            break;
          }
          if (c === LF) lines++;
          else if (c === CR) {
            if (j + 1 >= n && !final) return -1;
            if (buf[j + 1] !== LF) lines++;
          }
          j++;
        }
        if (outcome !== 'ok') {
          badField = fields;
          i = n;
          break;
        }
        a = i + 1;
        b = j;
        i = j + 1;
        bytes += b - a - escaped;
        if (i >= n && !final) return -1;
        if (i < n && buf[i] !== COMMA && buf[i] !== LF && buf[i] !== CR) {
          outcome = 'text_after_closing_quote';
          badField = fields;
        }
      } else {
        let j = i;
        while (j < n) {
          const c = buf[j];
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE && outcome === 'ok') {
            outcome = 'quote_in_unquoted_field';
            badField = fields;
          }
          j++;
        }
        if (j >= n && !final) return -1;
        a = i;
        b = j;
        i = j;
        bytes += b - a;
      }
      if (outcome !== 'ok') break;
      const check = checks[fields];
      if (check && !suspect && !fieldOk(check, buf, a, b, this.moneyScale)) suspect = true;
      fields++;
      if (i >= n) break;
      if (buf[i] === COMMA) {
        i++;
        continue;
      }
      break; // at a line terminator
    }
    if (outcome !== 'ok' && i < n) {
      // Resynchronise at the next line end; the whole physical line belongs to the bad record.
      while (i < n && buf[i] !== LF && buf[i] !== CR) i++;
      if (i >= n && !final) return -1;
    }
    // Terminator.
    let end = i;
    if (end < n) {
      if (buf[end] === CR) {
        if (end + 1 >= n && !final) return -1;
        end += buf[end + 1] === LF ? 2 : 1;
      } else end += 1;
      lines++;
    }
    const startLine = this.line;
    this.line += lines;
    if (this.header === null) {
      this.header = splitRecord(buf, p, i).map((h, k) => (k === 0 ? h.replace(/^\uFEFF/, '') : h));
      if (this.options.headerOnly) this.done = true;
      return end;
    }
    const expected = this.header.length;
    if (outcome === 'ok' && fields !== expected) {
      this.structural.push({
        line: startLine,
        column: '',
        ...fingerprint(buf, p, end),
        reason: `wrong_field_count: expected ${expected} fields, found ${fields}`,
        start: this.base + p,
        end: this.base + end,
      });
      return end;
    }
    if (outcome !== 'ok') {
      this.structural.push({
        line: startLine,
        column: this.header[badField] ?? '',
        ...fingerprint(buf, p, end),
        reason: `${outcome}: ${EXPLAIN[outcome]}`,
        start: this.base + p,
        end: this.base + end,
      });
      return end;
    }
    const delta = startLine - (this.good + 2);
    if (delta !== this.lastDelta) {
      this.bpRec.push(this.good);
      this.bpDelta.push(delta);
      this.lastDelta = delta;
    }
    if (suspect && this.suspects) {
      if (this.suspects.length >= this.maxSuspects) this.suspects = null;
      else this.suspects.push({ rec: this.good, fields: splitRecord(buf, p, i) });
    }
    this.fieldBytes += bytes;
    this.good++;
    return end;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Deterministic random numbers (mulberry32), so a failing case replays from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHECKS: readonly (FieldCheck | null)[] = [null, 'decimal', 'money', 'integer', 'date', 'month', 'timestamp'];
/** Bytes that matter to some check or to the CSV structure, plus a multi-byte character. */
const ALPHABET = ['0', '7', '9', '-', '.', ':', 'T', 'Z', ' ', '+', 'x', 'é', ',', '"', '\r', '\n'];

function generator(r: () => number) {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const digits = (lo: number, hi: number) => Array.from({ length: int(lo, hi) }, () => String(int(0, 9))).join('');
  const valid = (check: FieldCheck | null): string => {
    switch (check) {
      case null:
        return pick(['', 'abc', 'C0000001', 'x y', 'é', '1,5', 'say "hi"', 'two\nlines', 'crlf\r\nin', 'cr\rin', '-', '12']);
      case 'integer':
        return (r() < 0.2 ? '-' : '') + digits(1, 6);
      case 'decimal':
      case 'money':
        // Fractions around the money scales tried (0, 2, 6, 40), including beyond the automaton's 32.
        return (r() < 0.2 ? '-' : '') + digits(1, 5) + (r() < 0.6 ? `.${r() < 0.1 ? digits(30, 42) : digits(1, 8)}` : '');
      case 'month':
        return `${digits(4, 4)}-${digits(2, 2)}`;
      case 'date':
        return `${digits(4, 4)}-${digits(2, 2)}-${digits(2, 2)}`;
      case 'timestamp': {
        let v = `${digits(4, 4)}-${digits(2, 2)}-${digits(2, 2)}${pick(['T', ' '])}${digits(2, 2)}:${digits(2, 2)}`;
        if (r() < 0.7) v += `:${digits(2, 2)}${r() < 0.4 ? `.${digits(1, 10)}` : ''}`;
        return v + pick(['', '', 'Z', `+${digits(2, 2)}:${digits(2, 2)}`, `-${digits(2, 2)}:${digits(2, 2)}`]);
      }
    }
  };
  /** A value that usually breaks its check: one byte deleted, replaced or inserted. */
  const mutated = (v: string): string => {
    const at = int(0, v.length);
    switch (int(0, 2)) {
      case 0:
        return v.slice(0, at) + v.slice(at + 1);
      case 1:
        return v.slice(0, at) + pick(ALPHABET) + v.slice(at + 1);
      default:
        return v.slice(0, at) + pick(ALPHABET) + v.slice(at);
    }
  };
  const field = (v: string, noise: number): string => {
    const q = r();
    if (q < 0.6) return v; // unquoted, even if that breaks the record
    if (q < 1 - noise / 2) return `"${v.replaceAll('"', '""')}"`;
    return pick([`"${v}`, `${v}"x`, `"${v}"x`, `a"${v}`, `"${v}""`, `""${v}`]);
  };
  return { int, pick, valid, mutated, field };
}

interface Case {
  readonly text: string;
  readonly options: ScanOptions;
  readonly chunks: readonly number[];
}

/** A random small file, its scan options and how it is cut into chunks. */
function randomCase(seed: number): Case {
  const r = random(seed);
  const g = generator(r);
  const noise = r() * 0.3;
  const columns = g.int(1, 6);
  const checks = Array.from({ length: Math.max(0, columns + g.int(-1, 1)) }, () => g.pick(CHECKS));
  const terminator = () => g.pick(['\n', '\n', '\n', '\r\n', '\r\n', '\r']);
  let text = r() < 0.1 ? '\uFEFF' : '';
  text += Array.from({ length: columns }, (_, k) => (r() < 0.2 ? `"c${k}"` : `c${k}`)).join(',') + terminator();
  const records = g.int(0, 40);
  for (let k = 0; k < records; k++) {
    if (r() < noise / 3) text += terminator(); // a blank line
    const count = r() < noise / 2 ? Math.max(1, columns + g.pick([-1, 1])) : columns;
    const values = Array.from({ length: count }, (_, c) => {
      const v = r() < 0.1 ? '' : g.valid(checks[c] ?? null);
      return g.field(r() < noise ? g.mutated(v) : v, noise);
    });
    text += values.join(',');
    if (k < records - 1 || r() < 0.5) text += terminator();
  }
  if (r() < 0.05) text += '"open\nnever closed';
  const bytes = new TextEncoder().encode(text).length;
  const chunking = g.int(0, 3);
  const chunks: number[] = [];
  for (let at = 0; at < bytes; ) {
    const size = chunking === 0 ? bytes : chunking === 1 ? 1 : chunking === 2 ? g.int(1, 40) : g.pick([2, 3, 7, 64]);
    chunks.push(size);
    at += size;
  }
  const options: ScanOptions = {
    checks,
    moneyScale: g.pick([6, 6, 2, 0, 40]),
    ...(r() < 0.3 ? { maxSuspects: g.int(0, 3) } : {}),
    ...(r() < 0.05 ? { headerOnly: true } : {}),
  };
  return { text, options, chunks };
}

/** Feeds the chunks through one reused buffer, overwritten after each push, as a stream may reuse its memory. */
function scanCase(scanner: { push(chunk: Uint8Array): void; finish(): ScanResult; done: boolean }, c: Case): ScanResult {
  const bytes = new TextEncoder().encode(c.text);
  const scratch = new Uint8Array(Math.max(0, ...c.chunks));
  let at = 0;
  for (const size of c.chunks) {
    if (scanner.done || at >= bytes.length) break;
    const chunk = scratch.subarray(0, Math.min(size, bytes.length - at));
    chunk.set(bytes.subarray(at, at + chunk.length));
    scanner.push(chunk);
    scratch.fill(QUOTE);
    at += size;
  }
  return scanner.finish();
}

describe('CsvScanner against the reference scanner', () => {
  it('gives identical results on random files, checks and chunkings', () => {
    for (let seed = 1; seed <= 4000; seed++) {
      const c = randomCase(seed);
      const expected = scanCase(new ReferenceScanner(c.options), c);
      expect(scanCase(new CsvScanner(c.options), c), `seed ${seed}: ${JSON.stringify(c.text)}`).toEqual(expected);
    }
  });

  it('gives identical results on long runs of clean records in large chunks', () => {
    // As in real files: mostly clean records, some quoted (a few spanning lines), some CRLF, and
    // the odd bad one, so the fast path counts long runs and hands records over mid-chunk; with
    // a low maxSuspects it also runs without checks once suspects overflow.
    const r = random(99);
    const g = generator(r);
    const checks: (FieldCheck | null)[] = [null, 'month', 'money', 'decimal', 'integer', 'timestamp', 'date', null];
    let text = `${checks.map((_, k) => `c${k}`).join(',')}\n`;
    for (let k = 0; k < 20_000; k++) {
      const values = checks.map((check) => g.valid(check));
      const quoted = (v: string) => (/[\r\n",]/.test(v) || r() < 0.05 ? `"${v.replaceAll('"', '""')}"` : v);
      text += (r() < 0.01 ? values.map((v) => g.field(g.mutated(v), 0.3)) : values.map(quoted)).join(',');
      text += r() < 0.02 ? '\r\n' : '\n';
    }
    const bytes = new TextEncoder().encode(text).length;
    for (const size of [1 << 12, 65_537, 1 << 20]) {
      for (const maxSuspects of [100_000, 20]) {
        const c: Case = { text, options: { checks, moneyScale: 6, maxSuspects }, chunks: Array.from({ length: Math.ceil(bytes / size) }, () => size) };
        expect(scanCase(new CsvScanner(c.options), c)).toEqual(scanCase(new ReferenceScanner(c.options), c));
      }
    }
  });

  it('gives identical results for a header too wide for the record automaton', () => {
    const columns = 600;
    const checks = Array.from({ length: columns }, () => 'timestamp' as const);
    const row = (v: string) => Array.from({ length: columns }, () => v).join(',');
    const text = `${Array.from({ length: columns }, (_, k) => `t${k}`).join(',')}\n${row('2024-01-02T03:04')}\n${row('2024-01-02')}\n`;
    const c: Case = { text, options: { checks }, chunks: [1000, 1000, 1 << 20] };
    const result = scanCase(new CsvScanner(c.options), c);
    expect(result).toEqual(scanCase(new ReferenceScanner(c.options), c));
    expect(result.suspects?.map((s) => s.rec)).toEqual([1]);
  });
});

describe('checkAutomaton', () => {
  const accepts = (check: FieldCheck, scale: number, bytes: Uint8Array) => {
    const { accept, next } = checkAutomaton(check, scale);
    let s = 0;
    for (const b of bytes) {
      s = next[s * LEXICAL_CLASSES + lexicalClass(b)] as number;
      if (s < 0) return false;
    }
    return accept[s] as boolean;
  };

  const agree = (check: FieldCheck, scale: number, v: string) => {
    const bytes = new TextEncoder().encode(v);
    const ok = fieldOk(check, bytes, 0, bytes.length, scale);
    const auto = accepts(check, scale, bytes);
    const places = /\.(\d*)$/.exec(v)?.[1]?.length ?? 0;
    // Beyond 32 money decimals the automaton may only be stricter (the exact path then decides).
    if (check === 'money' && places > 32) expect(auto && !ok, `${check} ${scale} ${JSON.stringify(v)}`).toBe(false);
    else expect(auto, `${check} ${scale} ${JSON.stringify(v)}`).toBe(ok);
  };

  it('accepts exactly what fieldOk accepts, on every single-byte edit of valid values', () => {
    const r = random(7);
    const g = generator(r);
    for (const check of CHECKS) {
      if (check === null) continue;
      for (let k = 0; k < 25; k++) {
        const v = g.valid(check);
        const scale = g.pick([6, 2, 0, 40]);
        agree(check, scale, v);
        for (let at = 0; at <= v.length; at++) {
          agree(check, scale, v.slice(0, at) + v.slice(at + 1));
          for (const c of ALPHABET) {
            agree(check, scale, v.slice(0, at) + c + v.slice(at + 1));
            agree(check, scale, v.slice(0, at) + c + v.slice(at));
          }
        }
      }
    }
  });

  it('accepts exactly what fieldOk accepts, on random byte strings', () => {
    const r = random(8);
    const g = generator(r);
    for (let k = 0; k < 20_000; k++) {
      const v = Array.from({ length: g.int(0, 12) }, () => g.pick(ALPHABET)).join('');
      agree(g.pick(CHECKS.filter((c) => c !== null)), g.pick([6, 2, 0, 40]), v);
    }
  });
});
