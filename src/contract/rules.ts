import { LEXICAL, MONEY_SCALE, type ColumnSpec, type NotGreaterRule } from './spec.ts';

/**
 * Row rules of the contract as ordered checks with stable reason codes. The SQL validator
 * (app/import/sql.ts) and the zod schemas (zod.ts) both render these, so both give the same
 * first reason for a bad value. A reason reads `code: explanation`.
 */
export type ReasonCode =
  | 'missing_value'
  | 'not_decimal'
  | 'not_integer'
  | 'not_date'
  | 'not_month'
  | 'not_timestamp'
  | 'not_boolean'
  | 'too_many_decimals'
  | 'invalid_date'
  | 'invalid_month'
  | 'invalid_timestamp'
  | 'out_of_range'
  | 'negative'
  | 'invalid_value';

export function reason(code: string, explanation: string): string {
  return `${code}: ${explanation}`;
}

/** Money with at most MONEY_SCALE decimals. */
export const MONEY_PATTERN = `^-?[0-9]+(\\.[0-9]{1,${MONEY_SCALE}})?$`;

export type LexicalKind = keyof typeof LEXICAL;

/** The lexical rule of a column kind, if it has one. */
export function lexicalOf(col: ColumnSpec): LexicalKind | null {
  switch (col.kind) {
    case 'money':
    case 'decimal':
      return 'decimal';
    case 'integer':
    case 'date':
    case 'month':
    case 'timestamp':
    case 'boolean':
      return col.kind;
    default:
      return null;
  }
}

export const LEXICAL_REASON: Record<LexicalKind, string> = {
  decimal: reason('not_decimal', 'expected a plain decimal -?digits[.digits] (no exponent, separators or NaN)'),
  integer: reason('not_integer', 'expected a whole number -?digits'),
  date: reason('not_date', 'expected a date YYYY-MM-DD'),
  month: reason('not_month', 'expected a month YYYY-MM'),
  timestamp: reason('not_timestamp', 'expected YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH:MM]'),
  boolean: reason('not_boolean', 'expected true or false'),
};

export const REASONS = {
  missing: (col: ColumnSpec) => reason('missing_value', `${col.name} is required`),
  moneyScale: reason('too_many_decimals', `money keeps at most ${MONEY_SCALE} decimals; rounding is refused`),
  invalidDate: reason('invalid_date', 'not a real calendar date'),
  invalidMonth: reason('invalid_month', 'not a real month'),
  invalidTimestamp: reason('invalid_timestamp', 'not a real date and time'),
  tooLarge: reason('out_of_range', 'too large for the column'),
  below: (col: ColumnSpec) =>
    col.min === 0 && col.max === undefined
      ? reason('negative', `${col.name} must be >= 0`)
      : reason('out_of_range', rangeText(col)),
  above: (col: ColumnSpec) => reason('out_of_range', rangeText(col)),
  enumValue: (col: ColumnSpec) => reason('invalid_value', `expected one of ${(col.values ?? []).join(', ')}`),
  notGreater: (rule: NotGreaterRule) => reason(rule.reason.replaceAll(' ', '_'), rule.reason),
} as const;

function rangeText(col: ColumnSpec): string {
  if (col.max === undefined) return `${col.name} must be >= ${col.min}`;
  return `${col.name} must be between ${col.min ?? '-inf'} and ${col.max}`;
}

/** The code part of a reason text. */
export function reasonCode(text: string): string {
  const i = text.indexOf(':');
  return i < 0 ? text : text.slice(0, i);
}
