/** Number and text formatting for the contract's strict CSV lexicon (plain decimals, no exponents). */
import { pad2 } from './calendar.ts';

/** Money with exactly two decimals, never negative (the contract's money is ≥ 0). */
export function money(x: number): string {
  const cents = Math.max(0, Math.round(x * 100));
  const whole = Math.floor(cents / 100);
  return `${whole}.${pad2(cents - whole * 100)}`;
}

/**
 * A count of tenths as a plain decimal ("12.3", "12"). Integer-to-text is far cheaper than
 * double-to-text in V8, and this runs for several columns of every usage row.
 */
export function tenths(count: number): string {
  if (count <= 0) return '0';
  const whole = Math.floor(count / 10);
  const frac = count - whole * 10;
  return frac === 0 ? String(whole) : `${whole}.${frac}`;
}

/** A measure rounded to one decimal, as a plain decimal string. */
export function dec1(x: number): string {
  return tenths(Math.round(x * 10));
}

/** RFC 4180 quoting for free text; generated text rarely needs it, but names could. */
export function csvText(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
