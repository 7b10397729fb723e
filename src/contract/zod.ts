import { z } from 'zod';
import { LEXICAL_REASON, MONEY_PATTERN, REASONS, lexicalOf } from './rules.ts';
import { FILES, LEXICAL, isExtraColumn, type ColumnSpec, type FileName, type FileSpec } from './spec.ts';

/**
 * zod schemas of contract rows, derived from spec.ts: for single rows arriving through the API.
 * Bulk import validates in SQL (app/import/sql.ts) from the same rules (rules.ts); a test keeps
 * both in agreement. Input is a row of text cells as in a CSV (blank or missing = unknown).
 */
export type RawRow = Record<string, string | null | undefined>;
export type TypedValue = string | number | boolean | null;

const DECIMAL_RE = new RegExp(LEXICAL.decimal);
const MONEY_RE = new RegExp(MONEY_PATTERN);
const RE: Record<keyof typeof LEXICAL, RegExp> = {
  decimal: DECIMAL_RE,
  integer: new RegExp(LEXICAL.integer),
  date: new RegExp(LEXICAL.date),
  month: new RegExp(LEXICAL.month),
  timestamp: new RegExp(LEXICAL.timestamp),
  boolean: new RegExp(LEXICAL.boolean),
};
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;
/** DECIMAL(18,6) keeps 12 integer digits. */
const MONEY_INTEGER_DIGITS = 12;

function realDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(2000, m, 0)).getUTCDate(); // days of month m in a leap year
  if (d > days) return false;
  return !(m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)));
}

function dateOk(text: string): boolean {
  return realDate(Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10)));
}

const TS_PARTS = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))?$/;

/** Local time text 'YYYY-MM-DD HH:MM:SS[.ffffff]' in `timezone`, or null if not a real instant. */
export function toLocalTimestamp(text: string, timezone: string): string | null {
  const m = TS_PARTS.exec(text);
  if (!m) return null;
  const [, date = '', hh = '', mi = '', ss = '00', frac = '', zone, sign, oh = '0', om = '0'] = m;
  if (!dateOk(date) || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) return null;
  const micros = frac.padEnd(6, '0').slice(0, 6);
  const fracText = Number(micros) === 0 ? '' : `.${micros}`.replace(/0+$/, '');
  if (!zone) return `${date} ${hh}:${mi}:${ss}${fracText}`;
  const offsetMin = zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const utc = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), Number(hh), Number(mi), Number(ss));
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utc - offsetMin * 60_000));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}${fracText}`;
}

/** Typed value of a non-blank cell that passed the lexical rule; null when it does not convert. */
function typed(col: ColumnSpec, text: string, timezone: string): TypedValue {
  switch (col.kind) {
    case 'string':
    case 'enum':
      return text;
    case 'date':
      return dateOk(text) ? text : null;
    case 'month':
      return realDate(2000, Number(text.slice(5, 7)), 1) ? text : null;
    case 'timestamp':
      return toLocalTimestamp(text, timezone);
    case 'boolean':
      return text === 'true';
    case 'integer': {
      const n = BigInt(text);
      return n < BIGINT_MIN || n > BIGINT_MAX ? null : Number(n);
    }
    case 'money': {
      const integerDigits = (text.replace(/^-/, '').split('.')[0] ?? '').replace(/^0+(?=\d)/, '');
      return integerDigits.length > MONEY_INTEGER_DIGITS ? null : text;
    }
    case 'decimal': {
      const n = Number(text);
      return Number.isFinite(n) ? n : null;
    }
  }
}

/** The first broken rule of one cell as `code: explanation`, in the SQL validator's order. */
export function cellReason(col: ColumnSpec, raw: string | null | undefined, timezone = 'Asia/Shanghai'): string | null {
  const text = raw === undefined || raw === null || raw === '' ? null : raw;
  if (text === null) return col.required ? REASONS.missing(col) : null;
  const lex = lexicalOf(col);
  if (lex && !RE[lex].test(text)) return LEXICAL_REASON[lex];
  if (col.kind === 'money' && !MONEY_RE.test(text)) return REASONS.moneyScale;
  const value = typed(col, text, timezone);
  if (value === null) {
    if (col.kind === 'date') return REASONS.invalidDate;
    if (col.kind === 'month') return REASONS.invalidMonth;
    if (col.kind === 'timestamp') return REASONS.invalidTimestamp;
    return REASONS.tooLarge;
  }
  const n = typeof value === 'number' ? value : col.kind === 'money' ? Number(value) : null;
  if (n !== null && col.min !== undefined && n < col.min) return REASONS.below(col);
  if (n !== null && col.max !== undefined && n > col.max) return REASONS.above(col);
  if (col.kind === 'enum' && !(col.values ?? []).includes(text)) return REASONS.enumValue(col);
  return null;
}

export function typedCell(col: ColumnSpec, raw: string | null | undefined, timezone = 'Asia/Shanghai'): TypedValue {
  const text = raw === undefined || raw === null || raw === '' ? null : raw;
  return text === null ? null : typed(col, text, timezone);
}

function extraSpec(file: FileSpec, name: string): ColumnSpec {
  return file.extras === 'numeric' ? { name, kind: 'decimal', required: false } : { name, kind: 'string', required: false };
}

/** zod schema of one contract file's row: raw text cells in, typed values out; issues carry reasons. */
export function rowSchema(file: FileSpec, timezone = 'Asia/Shanghai') {
  const known = new Set(file.columns.map((c) => c.name));
  return z
    .record(z.string(), z.union([z.string(), z.null(), z.undefined()]))
    .transform((row, ctx) => {
      const out: Record<string, TypedValue> = {};
      const bad = new Set<string>();
      for (const key of Object.keys(row)) {
        if (!known.has(key) && !isExtraColumn(key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: `unknown column ${key}` });
        }
      }
      const cols = [...file.columns, ...Object.keys(row).filter(isExtraColumn).map((x) => extraSpec(file, x))];
      for (const col of cols) {
        const reason = cellReason(col, row[col.name], timezone);
        if (reason) {
          bad.add(col.name);
          ctx.addIssue({ code: 'custom', path: [col.name], message: reason });
        } else out[col.name] = typedCell(col, row[col.name], timezone);
      }
      for (const rule of file.notGreater ?? []) {
        const lesser = out[rule.lesser];
        const greater = out[rule.greater];
        if (bad.has(rule.lesser) || bad.has(rule.greater) || typeof lesser !== 'number' || typeof greater !== 'number') continue;
        if (lesser > greater) ctx.addIssue({ code: 'custom', path: [rule.lesser], message: REASONS.notGreater(rule) });
      }
      return out;
    });
}

export const ROW_SCHEMAS = Object.fromEntries(FILES.map((f) => [f.name, rowSchema(f)])) as Record<
  FileName,
  ReturnType<typeof rowSchema>
>;
