import { fieldOk, type FieldCheck } from './lexical.ts';

/**
 * Single-pass RFC 4180 scanner over raw bytes. DuckDB's reader loads the data; this scanner
 * supplies what DuckDB does not: physical line numbers, exact structural errors (bad quoting,
 * wrong field count) and a byte-level lexical pre-check that marks suspect records.
 *
 * Memory stays bounded: no per-row objects, only breakpoints where the record-to-line offset
 * changes, plus the (few) bad and suspect records. Records are numbered among the good ones,
 * i.e. in the order the engine reads the file once bad records are removed.
 */
export interface StructuralReject {
  readonly line: number;
  readonly column: string;
  readonly value: string;
  readonly reason: string;
  /** Byte range of the whole record (with its terminator) in the decompressed stream. */
  readonly start: number;
  readonly end: number;
}

export interface SuspectRecord {
  /** Index among good records (0-based), the engine's row order. */
  readonly rec: number;
  readonly fields: readonly string[];
}

export interface ScanResult {
  readonly header: readonly string[];
  /** Good records: what the engine must read. */
  readonly records: number;
  readonly structural: readonly StructuralReject[];
  /** Records whose lexical pre-check failed; null when there were too many to keep. */
  readonly suspects: readonly SuspectRecord[] | null;
  /** Physical line of good record r = r + 2 + delta, delta from the last breakpoint rec <= r. */
  readonly breakpoints: { readonly rec: readonly number[]; readonly delta: readonly number[] };
  /** Decoded bytes of all fields of good records: cross-checked against what the engine read. */
  readonly fieldBytes: number;
}

export interface ScanOptions {
  /** Per column position, the lexical pre-check to apply (null = none). */
  readonly checks?: readonly (FieldCheck | null)[];
  readonly moneyScale?: number;
  readonly maxSuspects?: number;
  /** Stop after the header record (to read column names before a full scan). */
  readonly headerOnly?: boolean;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const VALUE_PREVIEW = 200;
const decoder = new TextDecoder('utf-8');

type Outcome = 'ok' | 'quote_in_unquoted_field' | 'text_after_closing_quote' | 'unterminated_quote';

const EXPLAIN: Record<Exclude<Outcome, 'ok'>, string> = {
  quote_in_unquoted_field: 'a quote inside an unquoted field (RFC 4180 requires the field to be quoted)',
  text_after_closing_quote: 'text after the closing quote of a quoted field',
  unterminated_quote: 'a quoted field is never closed before the end of the file',
};

/** Splits one record's bytes into decoded fields (slow path, only for bad or suspect records). */
export function splitRecord(buf: Uint8Array, a: number, b: number): string[] {
  const fields: string[] = [];
  let i = a;
  while (true) {
    let text = '';
    if (buf[i] === QUOTE) {
      let j = i + 1;
      const parts: string[] = [];
      let from = j;
      while (j < b) {
        if (buf[j] === QUOTE) {
          if (buf[j + 1] === QUOTE) {
            parts.push(decoder.decode(buf.subarray(from, j + 1)));
            j += 2;
            from = j;
            continue;
          }
          break;
        }
        j++;
      }
      parts.push(decoder.decode(buf.subarray(from, Math.min(j, b))));
      text = parts.join('');
      i = j + 1;
      while (i < b && buf[i] !== COMMA) i++; // tolerate text after the quote in this slow path
    } else {
      let j = i;
      while (j < b && buf[j] !== COMMA) j++;
      text = decoder.decode(buf.subarray(i, j));
      i = j;
    }
    fields.push(text);
    if (i >= b || buf[i] !== COMMA) return fields;
    i++;
  }
}

function preview(buf: Uint8Array, a: number, b: number): string {
  let end = b;
  while (end > a && (buf[end - 1] === LF || buf[end - 1] === CR)) end--;
  const text = decoder.decode(buf.subarray(a, Math.min(end, a + VALUE_PREVIEW * 4)));
  return text.length > VALUE_PREVIEW ? `${text.slice(0, VALUE_PREVIEW)}…` : text;
}

export class CsvScanner {
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
        value: preview(buf, p, end),
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
        value: preview(buf, p, end),
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

/** Physical line of good record `rec`, from the breakpoints. */
export function lineOf(breakpoints: ScanResult['breakpoints'], rec: number): number {
  let lo = 0;
  let hi = breakpoints.rec.length - 1;
  let delta = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((breakpoints.rec[mid] ?? 0) <= rec) {
      delta = breakpoints.delta[mid] ?? 0;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return rec + 2 + delta;
}
