import type { SqlValue } from '../port.ts';
import { StoreError } from '../errors.ts';

/**
 * Bound values for ClickHouse. The server's HTTP query parameters are not available to us
 * (18.16 answers `@clickhouse/client`'s query_params with "Unknown setting param_…"), so the
 * adapter binds the port's positional parameters ($1, $2, …) itself, as literals escaped by
 * type. Every literal is a complete, parenthesised expression that cannot end a string, start a
 * comment or join a neighbouring token, whatever the value holds.
 *
 * ClickHouse string literals interpret backslash escapes (unlike standard SQL, where only ''
 * escapes): a backslash is written `\\`, a quote `\'`, and every control character and NUL as
 * `\xHH`, so the literal's text is printable ASCII plus the value's own non-ASCII characters.
 */

const HEX = '0123456789abcdef';

/** A ClickHouse string literal of any text (any Unicode, NUL, newlines, quotes, backslashes). */
export function stringLiteral(text: string): string {
  let out = "'";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (code < 0x20 || code === 0x7f) out += `\\x${HEX[code >> 4]}${HEX[code & 15]}`;
    else out += ch;
  }
  return `${out}'`;
}

/** A bound-value problem, named with the parameter's position. */
function bad(position: number, why: string): never {
  throw new StoreError('BAD_SETTING', `ClickHouse store: parameter $${position} ${why}`);
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * The literal of one bound value by its JavaScript type: text as a string literal, a finite number
 * as a numeric literal (integers exactly, others in the shortest form that reads back the same
 * double), a bigint within Int64/UInt64, a boolean as 1/0 (18.16 has no boolean type), NULL.
 * A non-finite number (NaN, ±Infinity, a 1e309 that overflowed) and anything else are refused:
 * no silent NULL, no wrong value. Negative numbers are parenthesised so `x-$1` never becomes a
 * `--` comment.
 */
export function valueLiteral(value: unknown, position = 0): string {
  if (value === null || value === undefined) return 'NULL';
  switch (typeof value) {
    case 'string':
      return stringLiteral(value);
    case 'number':
      if (!Number.isFinite(value)) bad(position, `is ${value}: ClickHouse is given finite numbers only (send NULL, or text the SQL converts)`);
      return numberLiteral(value);
    case 'bigint':
      if (value < INT64_MIN || value > UINT64_MAX) bad(position, `is ${value}, outside Int64 and UInt64`);
      return value < 0n ? `toInt64(${stringLiteral(value.toString())})` : `(${value.toString()})`;
    case 'boolean':
      return value ? '1' : '0';
    default:
      return bad(position, `has a ${typeof value} value, which no ClickHouse literal represents`);
  }
}

/**
 * A finite double exactly: a safe integer as digits; any other value through toFloat64 of its
 * shortest round-trip text (18.16's parser refuses some numeric literals, e.g. 5e-324), and a
 * subnormal or negative zero by its IEEE bytes (toFloat64 reads those as 0).
 */
function numberLiteral(value: number): string {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return `(${String(value)})`;
  if (value !== 0 && Math.abs(value) >= 2.2250738585072014e-308) return `toFloat64(${stringLiteral(String(value))})`;
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return `reinterpretAsFloat64(unhex('${bytes.toString('hex')}'))`;
}

/** A DATE literal from 'YYYY-MM-DD' text, checked first. */
export function dateLiteral(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new StoreError('BAD_SETTING', `ClickHouse store: ${JSON.stringify(text)} is not a date (YYYY-MM-DD)`);
  return `toDate(${stringLiteral(text)})`;
}

/** A Decimal64 literal of the given scale from exact decimal text (never through a double). */
export function decimalLiteral(text: string, scale: number): string {
  if (!/^-?\d{1,18}(\.\d+)?$/.test(text)) throw new StoreError('BAD_SETTING', `ClickHouse store: ${JSON.stringify(text)} is not a decimal number`);
  if (!Number.isInteger(scale) || scale < 0 || scale > 18) throw new RangeError(`decimal scale ${scale} is not an integer in 0 … 18`);
  return `toDecimal64(${stringLiteral(text)}, ${scale})`;
}

/**
 * The SQL with each `$n` outside string literals, quoted identifiers and comments replaced by the
 * literal of params[n-1]. A `$n` without a value is an error, and so is a value no `$n` uses:
 * either is a caller's bug that would otherwise run with the wrong meaning.
 */
export function bindParams(sql: string, params: readonly SqlValue[]): string {
  if (params.length === 0 && !sql.includes('$')) return sql;
  const used = new Array<boolean>(params.length).fill(false);
  let out = '';
  let i = 0;
  const n = sql.length;
  const copyQuoted = (quote: string) => {
    // From the opening quote to the closing one; a backslash escapes the next character and a
    // doubled quote is one quote, as ClickHouse reads them.
    let j = i + 1;
    while (j < n) {
      const c = sql[j];
      if (c === '\\') j += 2;
      else if (c === quote) {
        if (sql[j + 1] === quote) j += 2;
        else break;
      } else j++;
    }
    out += sql.slice(i, j + 1);
    i = j + 1;
  };
  while (i < n) {
    const c = sql[i] as string;
    if (c === "'" || c === '"' || c === '`') copyQuoted(c);
    else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < n && /[0-9]/.test(sql[j] as string)) j++;
      const position = Number(sql.slice(i + 1, j));
      if (position < 1 || position > params.length) throw new StoreError('BAD_SETTING', `ClickHouse store: $${position} has no value (${params.length} given)`);
      used[position - 1] = true;
      out += valueLiteral(params[position - 1], position);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  const unused = used.findIndex((u) => !u);
  if (unused >= 0) throw new StoreError('BAD_SETTING', `ClickHouse store: parameter $${unused + 1} is given but the statement does not use it`);
  return out;
}
