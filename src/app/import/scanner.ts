import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { CLASS_OTHER, checkAutomaton, fieldOk, lexicalClass, LEXICAL_CLASSES, type FieldCheck } from './lexical.ts';

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
  /**
   * Never the record's text: a broken record is whatever personal data the row held, split
   * wrong. Its length and SHA-256 identify it against the source file instead.
   */
  readonly bytes: number;
  readonly sha256: string;
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

export interface ScanLimits {
  /** Longest record in bytes, its line terminator included (an unclosed quote makes one record of the rest of the file). */
  readonly maxRecordBytes: number;
  /** Most fields of the header. */
  readonly maxFields: number;
  /** Most records (good and rejected). */
  readonly maxRecords: number;
}

/** A file past one of the scan limits: no guess is made about the rest of it. */
export class ScanLimitError extends Error {
  constructor(
    message: string,
    /** Physical line where the offending record starts. */
    readonly line: number,
    /** Which limit (its environment variable). */
    readonly limit: string,
  ) {
    super(message);
    this.name = 'ScanLimitError';
  }
}

export interface ScanOptions {
  /** Bounds on the work one file may cause (limits.ts has the defaults). */
  readonly limits?: Partial<ScanLimits>;
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

/** Length and SHA-256 of a record without its line terminator. */
function fingerprint(buf: Uint8Array, a: number, b: number): { bytes: number; sha256: string } {
  let end = b;
  while (end > a && (buf[end - 1] === LF || buf[end - 1] === CR)) end--;
  return { bytes: end - a, sha256: createHash('sha256').update(buf.subarray(a, end)).digest('hex') };
}

/*
 * Where an incomplete record ends, found incrementally. A record split across chunks used to be
 * re-parsed from its start on every chunk, so an unclosed quote or a file without line breaks
 * cost the square of its length. The scanner now keeps such a record's chunks aside and walks
 * only each new chunk with this small machine, which follows the exact path's rules for where a
 * record ends (quotes, escaped quotes, the resynchronisation after a quoting error, CR LF), and
 * parses the record once its end is there: every byte is looked at a bounded number of times.
 */
const TAIL_FIELD_START = 0;
const TAIL_UNQUOTED = 1;
const TAIL_QUOTED = 2;
/** Inside quotes, just after a quote: closing, or the first of an escaped pair. */
const TAIL_QUOTE_SEEN = 3;
/** After a quoting error: the record runs to the next line terminator. */
const TAIL_RESYNC = 4;
/** Just after a CR outside quotes: the record ends here, with the next byte if it is LF. */
const TAIL_CR = 5;
/** The record ended at the end of what was walked: it ends at the start of the next chunk. */
const TAIL_DONE = 6;

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxRecordBytes: 1 << 20,
  // A bound on absurd headers only: files past 500 columns are refused by the layout (layout.ts), as one file's schema error.
  maxFields: 10_000,
  maxRecords: 1_000_000_000,
};

/*
 * The fast path. Almost every record of a real file is one clean line: the right number of
 * fields, well quoted if at all, every checked field lexically valid. Such a record needs no
 * per-field work, only table lookups: a deterministic automaton over byte classes whose state
 * encodes the column, whether the field is quoted, and the state of that column's lexical check
 * (lexical.ts). The scanner runs it from a line's start to its LF; if it ends in an accepting
 * state, the record is counted directly. Anything else (a failed check, a wrong field count, bad
 * quoting, a multi-line field, a lone CR) ends elsewhere, and the record is scanned again by the
 * exact path below (`record`), which decides exactly what it always did.
 *
 * The automaton steps two bytes per lookup: each lookup waits for the previous one, so halving
 * their number is what makes the loop faster, not fewer instructions.
 */
const CLASS_COMMA = LEXICAL_CLASSES;
const CLASS_QUOTE = LEXICAL_CLASSES + 1;
const CLASS_CR = LEXICAL_CLASSES + 2;
/** Classes fit in 4 bits, so two bytes' classes and a state pack into one table index. */
const CLASS_BITS = 4;
const CLASSES = 1 << CLASS_BITS;
const PAIR_BITS = 2 * CLASS_BITS;
/** The rejecting state: every byte leads back to it. */
const REJECT = 0;
/**
 * Beyond this many states (a header of hundreds of checked columns) the pair tables, 768 bytes a
 * state, would outgrow the caches they rely on; such files take the exact path for every record.
 */
const MAX_STATES = 1 << 13;
/**
 * The loop looks for the rejecting state every BLOCK bytes, so a line is abandoned soon after its
 * offending byte: records ended by lone CRs before a distant LF cost their own length, not the distance.
 */
const BLOCK = 64;

const BYTE_CLASS = Uint8Array.from({ length: 256 }, (_, b) =>
  b === COMMA ? CLASS_COMMA : b === QUOTE ? CLASS_QUOTE : b === CR ? CLASS_CR : lexicalClass(b),
);
/** Both bytes' classes at once, indexed by a byte | the next byte << 8: one lookup fewer per pair (64 KB). */
const PAIR_CLASS = Uint8Array.from({ length: 1 << 16 }, (_, ab) => ((BYTE_CLASS[ab & 0xff] as number) << CLASS_BITS) | (BYTE_CLASS[ab >> 8] as number));

/** What a line ending in a given state is: not trusted, a clean record, or a clean record with quoted fields. */
const END_REJECT = 0;
const END_PLAIN = 1;
const END_QUOTED = 2;

interface Machine {
  /** pairs[state << PAIR_BITS | class of a byte << CLASS_BITS | class of the next byte]: the state two bytes on. */
  readonly pairs: Uint16Array;
  /** Per pairs entry, how many of its two bytes are quotes that are not content (opening, closing, first of an escaped pair). */
  readonly pairQuotes: Uint8Array;
  /** The state one byte after the record start, by the byte's class: an odd-length line takes its first byte alone. */
  readonly first: Uint16Array;
  readonly start: number;
  /** Per state, END_*: what a line ending there is. */
  readonly ends: Uint8Array;
  readonly fields: number;
}

/**
 * Builds the record automaton for `fields` columns, or null if it would be too large. Per column
 * it has a field start, the column's check states outside quotes, and inside quotes its check
 * states plus a "quote seen" state per check state (a closing quote, unless another quote
 * follows). The states outside quotes exist twice: before any quoted field in the record
 * (END_PLAIN) and after one (END_QUOTED: its decoded byte count needs the quotes counted).
 */
function buildMachine(checks: readonly (FieldCheck | null)[], fields: number, moneyScale: number): Machine | null {
  const automata = Array.from({ length: fields }, (_, k) => checkAutomaton(checks[k] ?? null, moneyScale));
  let states = 1; // REJECT
  const alloc = (count: number) => (states += count) - count;
  const modes = [0, 1] as const;
  const perField = () => automata.map(() => alloc(1));
  const perCheckState = () => automata.map((a) => alloc(a.accept.length));
  const fieldStart: [number[], number[]] = [perField(), perField()];
  const unquoted: [number[], number[]] = [perCheckState(), perCheckState()];
  const quoted = perCheckState();
  const quoteSeen = perCheckState();
  const crSeen: [number, number] = [alloc(1), alloc(1)];
  const start = alloc(1);
  if (states > MAX_STATES) return null;
  const step = new Uint16Array(states * CLASSES); // one byte at a time; 0 is REJECT
  const stepQuotes = new Uint8Array(states * CLASSES);
  const ends = new Uint8Array(states);
  const on = (from: number, cls: number, to: number) => {
    step[from * CLASSES + cls] = to;
  };
  /** A quote that is no content: it opens a field, or closes it unless another quote follows. */
  const onQuote = (from: number, to: number) => {
    on(from, CLASS_QUOTE, to);
    stepQuotes[from * CLASSES + CLASS_QUOTE] = 1;
  };
  /** A field of column k may end here: a comma leads to the next field; a CR or the LF ends the record if k is last. */
  const fieldEnd = (from: number, mode: 0 | 1, k: number) => {
    if (k + 1 < fields) on(from, CLASS_COMMA, fieldStart[mode][k + 1] as number);
    else {
      on(from, CLASS_CR, crSeen[mode]);
      ends[from] = mode === 0 ? END_PLAIN : END_QUOTED;
    }
  };
  automata.forEach((a, k) => {
    const next = (q: number, cls: number) => a.next[q * LEXICAL_CLASSES + cls] as number;
    /** The check's transitions from check state q, as states `from` and `base + next`. */
    const lexical = (from: number, q: number, base: number) => {
      for (let c = 0; c < LEXICAL_CLASSES; c++) if (next(q, c) >= 0) on(from, c, base + next(q, c));
    };
    for (const mode of modes) {
      // The field start is the check's empty state, kept apart as the only place where a quote
      // opens the field (an unchecked column's one state is re-entered by every byte).
      const field = fieldStart[mode][k] as number;
      const base = unquoted[mode][k] as number;
      lexical(field, 0, base);
      onQuote(field, quoted[k] as number);
      fieldEnd(field, mode, k);
      a.accept.forEach((accepting, q) => {
        lexical(base + q, q, base);
        if (accepting) fieldEnd(base + q, mode, k);
      });
    }
    const inside = quoted[k] as number;
    const seen = quoteSeen[k] as number;
    a.accept.forEach((accepting, q) => {
      // Inside quotes a comma is content, read as any other byte; a CR would make the record span
      // lines, which the exact path counts.
      lexical(inside + q, q, inside);
      if (next(q, CLASS_OTHER) >= 0) on(inside + q, CLASS_COMMA, inside + next(q, CLASS_OTHER));
      if (!accepting) return;
      onQuote(inside + q, seen + q);
      // A second quote is an escaped one: a content byte that only an unchecked column accepts.
      if (next(q, CLASS_OTHER) >= 0) on(seen + q, CLASS_QUOTE, inside + next(q, CLASS_OTHER));
      fieldEnd(seen + q, 1, k);
    });
  });
  for (const mode of modes) ends[crSeen[mode]] = mode === 0 ? END_PLAIN : END_QUOTED;
  // The record starts like its first field, except that an empty line is no record.
  const firstField = fieldStart[0][0] as number;
  step.copyWithin(start * CLASSES, firstField * CLASSES, (firstField + 1) * CLASSES);
  stepQuotes.copyWithin(start * CLASSES, firstField * CLASSES, (firstField + 1) * CLASSES);
  on(start, CLASS_CR, REJECT);
  const pairs = new Uint16Array(states << PAIR_BITS);
  const pairQuotes = new Uint8Array(states << PAIR_BITS);
  for (let s = 0; s < states; s++) {
    for (let c = 0; c < CLASSES; c++) {
      const mid = step[s * CLASSES + c] as number;
      for (let d = 0; d < CLASSES; d++) {
        const at = (s << PAIR_BITS) | (c << CLASS_BITS) | d;
        pairs[at] = step[mid * CLASSES + d] as number;
        pairQuotes[at] = (stepQuotes[s * CLASSES + c] as number) + (stepQuotes[mid * CLASSES + d] as number);
      }
    }
  }
  return { pairs, pairQuotes, first: step.slice(start * CLASSES, (start + 1) * CLASSES), start, ends, fields };
}

/**
 * The scanner works on Buffers only: streams hand them over, Buffer's indexOf is a native byte
 * search (a plain Uint8Array's is about twice as slow), and one array kind keeps every byte load
 * monomorphic. Other byte arrays are viewed as Buffers, not copied.
 */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const EMPTY = Buffer.alloc(0);

/** A plain Uint8Array view, for decoding: Buffer's subarray runs the Buffer constructor in JS, several times slower. */
function plain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Walks `buf` from `from` in tail state `state` (TAIL_*) to where the record ends; returns the
 * offset after its terminator, or -1 with the state reached at the end of buf.
 */
function tailEnd(buf: Buffer, from: number, state: { s: number }): number {
  const n = buf.length;
  let s = state.s;
  if (s === TAIL_DONE) {
    state.s = TAIL_FIELD_START;
    return from;
  }
  let i = from;
  while (i < n) {
    if (s === TAIL_QUOTED) {
      // Native searches over the long stretches: quoted content and the rest of a broken line.
      const q = buf.indexOf(QUOTE, i);
      if (q < 0) {
        i = n;
        break;
      }
      s = TAIL_QUOTE_SEEN;
      i = q + 1;
      continue;
    }
    if (s === TAIL_RESYNC) {
      const lf = buf.indexOf(LF, i);
      const cr = buf.indexOf(CR, i);
      const t = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
      if (t < 0) {
        i = n;
        break;
      }
      if (buf[t] === LF) {
        state.s = TAIL_FIELD_START;
        return t + 1;
      }
      s = TAIL_CR;
      i = t + 1;
      continue;
    }
    const c = buf[i] as number;
    if (s === TAIL_CR) {
      state.s = TAIL_FIELD_START;
      return c === LF ? i + 1 : i;
    }
    if (s === TAIL_QUOTE_SEEN) {
      if (c === QUOTE) s = TAIL_QUOTED;
      else if (c === COMMA) s = TAIL_FIELD_START;
      else if (c !== LF && c !== CR) s = TAIL_RESYNC;
    } else if (c === QUOTE) s = s === TAIL_FIELD_START ? TAIL_QUOTED : TAIL_RESYNC;
    else if (c === COMMA) s = TAIL_FIELD_START;
    else if (c !== LF && c !== CR) s = TAIL_UNQUOTED;
    if (c === LF) {
      state.s = TAIL_FIELD_START;
      return i + 1;
    }
    if (c === CR) s = TAIL_CR;
    i++;
  }
  state.s = s;
  return -1;
}

export class CsvScanner {
  /** A record not yet complete, kept in the chunks it came in (see tailEnd). */
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private readonly tailState = { s: TAIL_FIELD_START };
  /** The bytes before the first complete record while the BOM check waits for 3 bytes. */
  private carry: Buffer = EMPTY;
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
  /** The record automaton, once the header is known. */
  private machine: Machine | null = null;
  /** The first LF at or after the fast path's position in the current buffer, or its length if none; -1 before the first search. */
  private nextLf = -1;
  /** Whether the fast path counts quotes from the start of a record: the last record it walked had quoted fields. */
  private countQuotes = false;
  done = false;

  private readonly limits: ScanLimits;

  constructor(private readonly options: ScanOptions = {}) {
    this.checks = options.checks ?? [];
    this.moneyScale = options.moneyScale ?? 6;
    this.maxSuspects = options.maxSuspects ?? 100_000;
    this.limits = { ...DEFAULT_SCAN_LIMITS, ...options.limits };
  }

  /** Bytes the tail machine has walked: a bound on the work spent on incomplete records (tests read it). */
  tailScanned = 0;
  /** Bytes handed to the record parser, re-parsed ones counted again (tests read it: it was quadratic). */
  parsedBytes = 0;

  push(chunk: Uint8Array): void {
    if (this.done) return;
    let buf = asBuffer(chunk);
    if (!this.sawStart) {
      // Until 3 bytes have come, the BOM check cannot run: the few bytes are carried as they are.
      buf = this.carry.length > 0 ? Buffer.concat([this.carry, buf]) : buf;
      this.carry = EMPTY;
    } else if (this.tailBytes > 0) {
      // The kept record nearly always ends on the chunk's first line: joining only up to its end
      // lets the rest of the chunk be parsed where it is instead of copied behind it.
      const end = tailEnd(buf, 0, this.tailState);
      this.tailScanned += end < 0 ? buf.length : end;
      if (end < 0) {
        this.keepTail(Buffer.from(buf));
        return;
      }
      const head = Buffer.concat([...this.tail, buf.subarray(0, end)]);
      this.tail = [];
      this.tailBytes = 0;
      const used = this.parse(head, false);
      this.base += used;
      buf = used === head.length ? buf.subarray(end) : Buffer.concat([head.subarray(used), buf.subarray(end)]);
    }
    const used = this.parse(buf, false);
    this.base += used;
    if (used === buf.length) return;
    // A copy, so the chunk is neither kept alive nor read after the caller may reuse it.
    const rest = Buffer.from(buf.subarray(used));
    if (!this.sawStart) {
      this.carry = rest;
      return;
    }
    // The rest starts a record the exact path could not finish: walk it once to know the state at its end.
    this.tailState.s = TAIL_FIELD_START;
    const end = tailEnd(rest, 0, this.tailState);
    this.tailScanned += rest.length;
    // A record the exact path left although it ends here (it needed a byte of lookahead): parse it
    // with the next chunk, its end then at offset 0.
    if (end >= 0) this.tailState.s = TAIL_DONE;
    this.keepTail(rest);
  }

  private keepTail(part: Buffer): void {
    this.tail.push(part);
    this.tailBytes += part.length;
    if (this.tailBytes > this.limits.maxRecordBytes) this.recordTooLong(this.line);
  }

  private recordTooLong(line: number): never {
    throw new ScanLimitError(
      `a record longer than ${this.limits.maxRecordBytes} bytes starts at line ${line} (an unclosed quote or missing line breaks?); raise TENURE_IMPORT_MAX_RECORD_BYTES if it is real`,
      line,
      'TENURE_IMPORT_MAX_RECORD_BYTES',
    );
  }

  finish(): ScanResult {
    if (!this.done) {
      const rest = this.tail.length > 0 ? Buffer.concat([...this.tail, this.carry]) : this.carry;
      this.parse(rest, true);
    }
    this.carry = EMPTY;
    this.tail = [];
    this.tailBytes = 0;
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
  private parse(buf: Buffer, final: boolean): number {
    let p = 0;
    const n = buf.length;
    this.parsedBytes += n;
    if (!this.sawStart) {
      if (n < 3 && !final) return 0;
      this.sawStart = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
    }
    this.nextLf = -1;
    while (p < n && !this.done) {
      if (this.machine !== null) {
        p = this.cleanRecords(this.machine, buf, p);
        if (p >= n) break;
      }
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

  /**
   * Counts the clean records from p on with the record automaton; returns where it stopped: at a
   * record for the exact path, a blank line, or a line without LF in this buffer.
   *
   * A record with quoted fields needs its quotes counted for fieldBytes, which the walk does by
   * also summing pairQuotes; that costs the plain walk a fifth more, so it is done only while the
   * records have quoted fields (files are mostly one or the other), and a plain walk that meets
   * one walks it again counting.
   */
  private cleanRecords(machine: Machine, buf: Buffer, p: number): number {
    const { pairs, pairQuotes, first, start, ends } = machine;
    const separators = machine.fields - 1;
    const maxRecordBytes = this.limits.maxRecordBytes;
    const n = buf.length;
    let good = this.good;
    let line = this.line;
    let fieldBytes = this.fieldBytes;
    let counting = this.countQuotes;
    let e = this.nextLf;
    while (true) {
      if (e < p) {
        e = buf.indexOf(LF, p);
        if (e < 0) e = n;
      }
      if (e >= n) break;
      // Both walks take an odd first byte alone, then a pair if needed, then four bytes a round.
      let s = start;
      let quotes = 0;
      if (!counting) {
        let i = p;
        if ((e - i) & 1) s = first[BYTE_CLASS[buf[i++] as number] as number] as number;
        if ((e - i) & 2) {
          s = pairs[(s << PAIR_BITS) | (PAIR_CLASS[(buf[i] as number) | ((buf[i + 1] as number) << 8)] as number)] as number;
          i += 2;
        }
        while (i < e && s !== REJECT) {
          const stop = Math.min(e, i + BLOCK);
          for (; i < stop; i += 4) {
            s = pairs[(s << PAIR_BITS) | (PAIR_CLASS[(buf[i] as number) | ((buf[i + 1] as number) << 8)] as number)] as number;
            s = pairs[(s << PAIR_BITS) | (PAIR_CLASS[(buf[i + 2] as number) | ((buf[i + 3] as number) << 8)] as number)] as number;
          }
        }
        counting = ends[s] === END_QUOTED;
      }
      if (counting) {
        let i = p;
        s = start;
        if ((e - i) & 1) {
          const c = BYTE_CLASS[buf[i++] as number] as number;
          s = first[c] as number;
          if (c === CLASS_QUOTE) quotes++;
        }
        if ((e - i) & 2) {
          const at = (s << PAIR_BITS) | (PAIR_CLASS[(buf[i] as number) | ((buf[i + 1] as number) << 8)] as number);
          s = pairs[at] as number;
          quotes += pairQuotes[at] as number;
          i += 2;
        }
        while (i < e && s !== REJECT) {
          const stop = Math.min(e, i + BLOCK);
          for (; i < stop; i += 4) {
            const at = (s << PAIR_BITS) | (PAIR_CLASS[(buf[i] as number) | ((buf[i + 1] as number) << 8)] as number);
            s = pairs[at] as number;
            const at2 = (s << PAIR_BITS) | (PAIR_CLASS[(buf[i + 2] as number) | ((buf[i + 3] as number) << 8)] as number);
            s = pairs[at2] as number;
            quotes += (pairQuotes[at] as number) + (pairQuotes[at2] as number);
          }
        }
        counting = ends[s] === END_QUOTED;
      }
      if (ends[s] === END_REJECT || e - p > maxRecordBytes) break;
      let bytes = e - p - separators - quotes;
      if (buf[e - 1] === CR) bytes--;
      const delta = line - (good + 2);
      if (delta !== this.lastDelta) {
        this.bpRec.push(good);
        this.bpDelta.push(delta);
        this.lastDelta = delta;
      }
      fieldBytes += bytes;
      good++;
      line++;
      p = e + 1;
    }
    this.nextLf = e;
    this.countQuotes = counting;
    this.good = good;
    this.line = line;
    this.fieldBytes = fieldBytes;
    if (good + this.structural.length > this.limits.maxRecords) this.tooManyRecords();
    return p;
  }

  private tooManyRecords(): never {
    throw new ScanLimitError(
      `more than ${this.limits.maxRecords} records (line ${this.line}); raise TENURE_IMPORT_MAX_ROWS if the file is real`,
      this.line,
      'TENURE_IMPORT_MAX_ROWS',
    );
  }

  /** Scans one record starting at p; returns the offset after its terminator, or -1 if incomplete. */
  private record(buf: Buffer, p: number, final: boolean): number {
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
    if (end - p > this.limits.maxRecordBytes) this.recordTooLong(startLine);
    this.line += lines;
    if (this.header === null) {
      if (fields > this.limits.maxFields && outcome === 'ok') {
        throw new ScanLimitError(
          `the header has ${fields} fields, more than ${this.limits.maxFields}; raise TENURE_IMPORT_MAX_FIELDS if the file is real`,
          startLine,
          'TENURE_IMPORT_MAX_FIELDS',
        );
      }
      this.header = splitRecord(plain(buf), p, i).map((h, k) => (k === 0 ? h.replace(/^\uFEFF/, '') : h));
      if (this.options.headerOnly) this.done = true;
      else this.machine = buildMachine(this.checks, this.header.length, this.moneyScale);
      return end;
    }
    const expected = this.header.length;
    if (outcome === 'ok' && fields !== expected) {
      this.structural.push({
        line: startLine,
        column: '',
        ...fingerprint(plain(buf), p, end),
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
        ...fingerprint(plain(buf), p, end),
        reason: `${outcome}: ${EXPLAIN[outcome]}`,
        start: this.base + p,
        end: this.base + end,
      });
      return end;
    }
    if (this.good + this.structural.length >= this.limits.maxRecords) this.tooManyRecords();
    const delta = startLine - (this.good + 2);
    if (delta !== this.lastDelta) {
      this.bpRec.push(this.good);
      this.bpDelta.push(delta);
      this.lastDelta = delta;
    }
    if (suspect && this.suspects) {
      if (this.suspects.length >= this.maxSuspects) {
        this.suspects = null;
        // With no suspects kept, the checks decide nothing more: an automaton without them keeps
        // a file whose every record fails one (say, a date column in another format) fast.
        this.machine = buildMachine([], this.header.length, this.moneyScale);
      } else this.suspects.push({ rec: this.good, fields: splitRecord(plain(buf), p, i) });
    }
    this.fieldBytes += bytes;
    this.good++;
    return end;
  }
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
