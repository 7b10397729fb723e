/**
 * Byte-level lexical checks run by the CSV scanner while it walks every byte anyway.
 *
 * They are a pre-filter, not the judge: a field that fails here marks its record as a
 * suspect, and suspects go through the full SQL validator (sql.ts), which decides and
 * explains. So these checks must never be more lenient than the contract's LEXICAL rules
 * (a false alarm only costs a look; a miss would let e.g. `1e5` through TRY_CAST).
 */
export type FieldCheck = 'decimal' | 'money' | 'integer' | 'date' | 'month' | 'timestamp';

const D0 = 0x30;
const D9 = 0x39;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= D0 && b <= D9;
}

function digitsAt(buf: Uint8Array, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (!isDigit(buf[at + i])) return false;
  return true;
}

/** `-?digits[.digits]`, with at most `maxScale` decimals. */
function decimalOk(buf: Uint8Array, a: number, b: number, maxScale: number): boolean {
  let i = a;
  if (buf[i] === MINUS) i++;
  const intStart = i;
  while (i < b && isDigit(buf[i])) i++;
  if (i === intStart) return false;
  if (i === b) return true;
  if (buf[i] !== DOT) return false;
  i++;
  const fracStart = i;
  while (i < b && isDigit(buf[i])) i++;
  return i === b && i > fracStart && i - fracStart <= maxScale;
}

function integerOk(buf: Uint8Array, a: number, b: number): boolean {
  let i = a;
  if (buf[i] === MINUS) i++;
  if (i === b) return false;
  for (; i < b; i++) if (!isDigit(buf[i])) return false;
  return true;
}

function dateAt(buf: Uint8Array, a: number): boolean {
  return digitsAt(buf, a, 4) && buf[a + 4] === MINUS && digitsAt(buf, a + 5, 2) && buf[a + 7] === MINUS && digitsAt(buf, a + 8, 2);
}

/** `YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,9}]][Z|±HH:MM]` */
function timestampOk(buf: Uint8Array, a: number, b: number): boolean {
  if (b - a < 16 || !dateAt(buf, a)) return false;
  const sep = buf[a + 10];
  if (sep !== 0x54 && sep !== 0x20) return false;
  if (!digitsAt(buf, a + 11, 2) || buf[a + 13] !== COLON || !digitsAt(buf, a + 14, 2)) return false;
  let i = a + 16;
  if (buf[i] === COLON) {
    if (!digitsAt(buf, i + 1, 2)) return false;
    i += 3;
    if (buf[i] === DOT) {
      const fracStart = ++i;
      while (i < b && isDigit(buf[i])) i++;
      if (i === fracStart || i - fracStart > 9) return false;
    }
  }
  if (i === b) return true;
  if (buf[i] === 0x5a) return i + 1 === b; // Z
  if (buf[i] !== 0x2b && buf[i] !== MINUS) return false;
  return b - i === 6 && digitsAt(buf, i + 1, 2) && buf[i + 3] === COLON && digitsAt(buf, i + 4, 2);
}

/** Whether the unquoted field content buf[a, b) is lexically valid (blank counts as valid). */
export function fieldOk(check: FieldCheck, buf: Uint8Array, a: number, b: number, moneyScale: number): boolean {
  if (a === b) return true;
  switch (check) {
    case 'decimal':
      return decimalOk(buf, a, b, Number.POSITIVE_INFINITY);
    case 'money':
      return decimalOk(buf, a, b, moneyScale);
    case 'integer':
      return integerOk(buf, a, b);
    case 'date':
      return b - a === 10 && dateAt(buf, a);
    case 'month':
      return b - a === 7 && digitsAt(buf, a, 4) && buf[a + 4] === MINUS && digitsAt(buf, a + 5, 2);
    case 'timestamp':
      return timestampOk(buf, a, b);
  }
}

/**
 * The same checks as automata over byte classes, so the scanner can run them inside its one
 * table-driven loop instead of calling fieldOk per field. An automaton may be stricter than
 * fieldOk but never more lenient: the scanner only trusts a record its automata accept and
 * sends every other record through the exact path, which calls fieldOk.
 */
export const CLASS_OTHER = 0;
const CLASS_DIGIT = 1;
const CLASS_MINUS = 2;
const CLASS_DOT = 3;
const CLASS_COLON = 4;
const CLASS_T = 5;
const CLASS_SPACE = 6;
const CLASS_Z = 7;
const CLASS_PLUS = 8;
/** Classes 0..LEXICAL_CLASSES-1; the scanner numbers its structural bytes after them. */
export const LEXICAL_CLASSES = 9;

/** The lexical class of a byte (CLASS_OTHER for everything no check treats specially). */
export function lexicalClass(byte: number): number {
  if (byte >= D0 && byte <= D9) return CLASS_DIGIT;
  switch (byte) {
    case MINUS:
      return CLASS_MINUS;
    case DOT:
      return CLASS_DOT;
    case COLON:
      return CLASS_COLON;
    case 0x54: // T
      return CLASS_T;
    case 0x20:
      return CLASS_SPACE;
    case 0x5a: // Z
      return CLASS_Z;
    case 0x2b: // +
      return CLASS_PLUS;
    default:
      return CLASS_OTHER;
  }
}

/**
 * A deterministic automaton over lexical classes. State 0 is the empty field (always accepted,
 * as fieldOk accepts blanks); next[state * LEXICAL_CLASSES + class] is the next state, or -1
 * once no continuation can pass.
 */
export interface CheckAutomaton {
  readonly accept: readonly boolean[];
  readonly next: readonly number[];
}

/**
 * Money decimals the automaton follows; a larger scale only makes it stricter than fieldOk
 * (longer fractions go the exact way), which keeps the table small for any option value.
 */
const AUTOMATON_MAX_SCALE = 32;

const DIGIT_STEP = [CLASS_DIGIT];
const digits = (count: number) => Array.from({ length: count }, () => DIGIT_STEP);
const YEAR_MONTH = [...digits(4), [CLASS_MINUS], ...digits(2)];

class AutomatonBuilder {
  readonly accept: boolean[] = [];
  readonly next: number[] = [];

  state(accepting: boolean): number {
    this.accept.push(accepting);
    for (let c = 0; c < LEXICAL_CLASSES; c++) this.next.push(-1);
    return this.accept.length - 1;
  }

  on(from: number, classes: readonly number[], to: number): void {
    for (const c of classes) this.next[from * LEXICAL_CLASSES + c] = to;
  }

  /** A fixed run of bytes, each of one of the step's classes; only its last state accepts. */
  seq(from: number, steps: readonly (readonly number[])[]): number {
    let at = from;
    steps.forEach((classes, k) => {
      const to = this.state(k === steps.length - 1);
      this.on(at, classes, to);
      at = to;
    });
    return at;
  }

  /** -?digits+ after `from` (integerOk, and the integer part of decimalOk); returns the accepting digits state. */
  signedDigits(from: number): number {
    const sign = this.state(false);
    const int = this.state(true);
    this.on(from, [CLASS_MINUS], sign);
    this.on(from, DIGIT_STEP, int);
    this.on(sign, DIGIT_STEP, int);
    this.on(int, DIGIT_STEP, int);
    return int;
  }

  /** Up to `count` digits after `from`, each state accepting; returns them in order. */
  places(from: number, count: number): number[] {
    const out: number[] = [];
    for (let k = 0, at = from; k < count; k++) {
      const to = this.state(true);
      this.on(at, DIGIT_STEP, to);
      out.push(to);
      at = to;
    }
    return out;
  }
}

/** The automaton of one check (null: any bytes). */
export function checkAutomaton(check: FieldCheck | null, moneyScale: number): CheckAutomaton {
  const m = new AutomatonBuilder();
  const empty = m.state(true);
  const all = Array.from({ length: LEXICAL_CLASSES }, (_, c) => c);
  switch (check) {
    case null:
      m.on(empty, all, empty);
      break;
    case 'integer':
      m.signedDigits(empty);
      break;
    case 'decimal':
    case 'money': {
      const int = m.signedDigits(empty);
      const dot = m.state(false);
      m.on(int, [CLASS_DOT], dot);
      if (check === 'decimal') {
        const frac = m.state(true);
        m.on(dot, DIGIT_STEP, frac);
        m.on(frac, DIGIT_STEP, frac);
      } else {
        // One state per decimal place, as decimalOk counts them (NaN or negative: none allowed).
        const scale = moneyScale >= 0 ? Math.min(AUTOMATON_MAX_SCALE, Math.floor(moneyScale)) : 0;
        m.places(dot, scale);
      }
      break;
    }
    case 'month':
      m.seq(empty, YEAR_MONTH);
      break;
    case 'date':
      m.seq(empty, [...YEAR_MONTH, [CLASS_MINUS], ...digits(2)]);
      break;
    case 'timestamp': {
      // YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,9}]][Z|±HH:MM], as timestampOk.
      const minutes = m.seq(empty, [...YEAR_MONTH, [CLASS_MINUS], ...digits(2), [CLASS_T, CLASS_SPACE], ...digits(2), [CLASS_COLON], ...digits(2)]);
      const seconds = m.seq(minutes, [[CLASS_COLON], ...digits(2)]);
      const dot = m.state(false);
      m.on(seconds, [CLASS_DOT], dot);
      const fraction = m.places(dot, 9);
      const zulu = m.state(true);
      const offsetSign = m.state(false);
      m.seq(offsetSign, [...digits(2), [CLASS_COLON], ...digits(2)]);
      for (const s of [minutes, seconds, ...fraction]) {
        m.on(s, [CLASS_Z], zulu);
        m.on(s, [CLASS_PLUS, CLASS_MINUS], offsetSign);
      }
      break;
    }
  }
  return { accept: m.accept, next: m.next };
}
