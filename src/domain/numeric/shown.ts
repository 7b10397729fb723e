import { TenureError } from '../errors.ts';

/**
 * Values as every output shows them, the CLI's and the HTTP API's alike, so that `--json` and
 * the API give the same document: money rounded half-up to 2 decimals, fractions to 6, months
 * as YYYY-MM, dates as YYYY-MM-DD, labels in the output's language.
 */
export type ShownLang = 'zh-CN' | 'en';

/** Picks the word of a zh/en label pair in the output's language. */
export function pick(label: { readonly zh: string; readonly en: string }, lang: ShownLang): string {
  return lang === 'en' ? label.en : label.zh;
}

// ---------------------------------------------------------------------------------------------
// Numbers at the edge. The store keeps money as exact DECIMAL text; outputs show it rounded
// half-up (away from zero, like DuckDB's ROUND) to 2 decimals, as a JSON number.

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/** Rounds exact decimal text half-up to `digits` decimals without going through a float. */
export function roundDecimalText(text: string, digits: number): string {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m) throw new TenureError('INTERNAL', `not a decimal number: "${text}"`);
  const [, sign = '', whole = '0', frac = ''] = m;
  const padded = (frac + '0'.repeat(digits + 1)).slice(0, digits + 1);
  let units = BigInt(whole + padded.slice(0, digits));
  if (Number(padded[digits]) >= 5) units += 1n;
  let out = units.toString().padStart(digits + 1, '0');
  if (digits > 0) out = `${out.slice(0, -digits)}.${out.slice(-digits)}`;
  return units === 0n || sign !== '-' ? out : `-${out}`;
}

/**
 * A decimal value (exact text, bigint or float) rounded half-up to `digits` decimals, as a
 * number. Floats are rounded from their shortest decimal text, so 1.005 gives 1.01 (toFixed
 * would give 1.00 from the binary value just below).
 */
export function roundNumber(v: string | number | bigint, digits: number): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return v;
    // Fast path (a million scores): below 2^31 the scaled float is within 2 ulp (< 5e-7) of the
    // scaled decimal, so away from a tie (1e-6) rounding it gives the decimal's rounding; ties
    // and large values go through the decimal text.
    const scale = 10 ** digits;
    const y = Math.abs(v) * scale;
    if (y < 2 ** 31 && Math.abs(y - Math.floor(y) - 0.5) > 1e-6) return (Math.sign(v) * Math.round(y)) / scale + 0;
    const text = String(v);
    if (/e/i.test(text)) return Math.abs(v) < 1 ? 0 : v;
    return Number(roundDecimalText(text, digits)) + 0;
  }
  return Number(roundDecimalText(v, digits)) + 0;
}

/** Money as shown: rounded half-up to 2 decimals; null stays null. */
export function money(v: string | number | bigint | null | undefined): number | null {
  return v === null || v === undefined ? null : roundNumber(v, 2);
}

/** Probabilities, rates and shares (fractions 0–1): 6 decimals. */
export function fraction(v: number | string | null | undefined): number | null {
  return v === null || v === undefined ? null : roundNumber(v, 6);
}

/** `2025-07-01` (a DATE or a month's first day) → `2025-07`. */
export function monthText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = String(v);
  const m = /^(\d{4}-\d{2})(?:-\d{2})?(?:[ T].*)?$/.exec(text);
  return m ? (m[1] as string) : text;
}

/** A DATE or TIMESTAMP → `YYYY-MM-DD`. */
export function dateText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = String(v);
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(text);
  return m ? (m[1] as string) : text;
}
