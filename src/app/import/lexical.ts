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
