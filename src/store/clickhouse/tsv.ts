import type { SqlValue } from '../port.ts';

/**
 * Results read as TabSeparatedWithNamesAndTypes: every value arrives as the server's exact text
 * with its type in the second header line, so the adapter normalises by type as the port asks
 * (integers as number, bigint beyond 2^53; Decimal exact as text; Date and DateTime as text; NULL
 * as null) with no JSON number rounding on the way (18.16's JSON gives Decimals as bare numbers).
 */
export interface TsvResult {
  readonly names: string[];
  readonly types: string[];
  readonly rows: string[][];
  /** Per row and column: whether the field was \N (NULL). */
  readonly nulls: boolean[][];
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', r: '\r', n: '\n', t: '\t', '0': '\0', "'": "'", '\\': '\\', a: '\x07', v: '\v' };

/** One TSV field's text, its escapes undone. */
export function unescapeField(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[++i] as string;
    out += ESCAPES[next] ?? next;
  }
  return out;
}

export function parseTsv(body: string): TsvResult {
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const names = (lines[0] ?? '').split('\t').map(unescapeField);
  const types = (lines[1] ?? '').split('\t').map(unescapeField);
  const rows: string[][] = [];
  const nulls: boolean[][] = [];
  for (let r = 2; r < lines.length; r++) {
    const fields = (lines[r] as string).split('\t');
    nulls.push(fields.map((f) => f === '\\N'));
    rows.push(fields.map(unescapeField));
  }
  if (lines.length === 0) return { names: [], types: [], rows, nulls };
  return { names, types, rows, nulls };
}

/** The type without Nullable(…) / LowCardinality(…). */
export function baseType(type: string): string {
  let t = type;
  for (;;) {
    const m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t);
    if (!m) return t;
    t = m[1] as string;
  }
}

/** Whether values of the type are numbers (queryColumns reads these into a Float64Array). */
export function isNumericType(type: string): boolean {
  return /^(U?Int(8|16|32|64)|Float(32|64)|Decimal(32|64|128)?\(.*\))$/.test(baseType(type));
}

function toInteger(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** One field's value as the port normalises it. */
export function normalise(text: string, isNull: boolean, type: string): SqlValue {
  if (isNull) return null;
  const t = baseType(type);
  if (/^U?Int(8|16|32|64)$/.test(t)) return toInteger(text);
  if (/^Float(32|64)$/.test(t)) return Number(text.replace(/^(-?)inf$/, '$1Infinity').replace(/^-?nan$/, 'NaN'));
  return text;
}
