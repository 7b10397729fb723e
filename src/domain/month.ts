/**
 * Calendar months as the contract writes them ('YYYY-MM'). Internally a month is an integer
 * index (year * 12 + month - 1) so arithmetic never goes through Date and time zones.
 */
export type MonthText = string;

const MONTH_RE = /^(\d{4})-(\d{2})$/;

export function parseMonth(text: MonthText): number {
  const m = MONTH_RE.exec(text);
  if (!m) throw new RangeError(`not a month (YYYY-MM): ${text}`);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new RangeError(`month out of range: ${text}`);
  return Number(m[1]) * 12 + month - 1;
}

export function formatMonth(index: number): MonthText {
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

export function addMonths(text: MonthText, n: number): MonthText {
  return formatMonth(parseMonth(text) + n);
}

/** Whole months from a to b (b - a); negative when b is earlier. */
export function monthsBetween(a: MonthText, b: MonthText): number {
  return parseMonth(b) - parseMonth(a);
}

/** Inclusive list of months from `from` to `to`. */
export function monthRange(from: MonthText, to: MonthText): MonthText[] {
  const out: MonthText[] = [];
  for (let i = parseMonth(from); i <= parseMonth(to); i++) out.push(formatMonth(i));
  return out;
}

/** First day of a month as a 'YYYY-MM-DD' date. */
export function monthStart(text: MonthText): string {
  return `${formatMonth(parseMonth(text))}-01`;
}

/** The month a 'YYYY-MM-DD' date falls in. */
export function monthOf(date: string): MonthText {
  return date.slice(0, 7);
}

/** Whole months from date a to date b, counting a month only once its day is reached. */
export function wholeMonthsBetweenDates(a: string, b: string): number {
  const months = monthsBetween(monthOf(a), monthOf(b));
  return Number(b.slice(8, 10)) >= Number(a.slice(8, 10)) ? months : months - 1;
}
