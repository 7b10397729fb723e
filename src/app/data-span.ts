/**
 * The data's span: the months the store's data describes, defined once here and checked here
 * for every month a user gives (the CLI today, the HTTP API tomorrow call the same use cases).
 *
 * - first = the first billed month (min monthly_usage.month);
 * - last = the last billed month (max monthly_usage.month).
 * Without any bill (a store of customers and churn events only): the first join month to the
 * latest join or churn month.
 *
 * Why bills and not every date: each figure the commands print needs the month's bills (ARPU,
 * revenue lost, lifecycle trends, value, model features). A month after the last bill has no
 * bills yet, so every account looks dormant (lifecycle put 98.7 % of a base in D for such a
 * month); a month before the first bill has no revenue to report. Joins and churns dated
 * outside the billed months (accounts that left before the billing history starts, an export
 * cut a few days into a month) stay in the store and count where a report's opening needs
 * them; they are just not months a command can be asked about.
 *
 * A month outside the span is a usage error naming the span. A month inside it whose figure
 * needs history before it (revenue lost averages the 3 bills before the churn month, the
 * lifecycle stage reads a year of bills, the model's features 6 months) is partial: see
 * partialHistory.
 */
import { formatMonth, parseMonth, type MonthText } from '../domain/month.ts';
import type { AnalyticsStore } from '../store/port.ts';
import { TenureError } from './errors.ts';

export interface DataSpan {
  /** First billed month (or first join month when nothing is billed). */
  readonly first: MonthText;
  /** Last billed month (or the latest join or churn month when nothing is billed). */
  readonly last: MonthText;
  /** Whether the churn model has scored anyone (churn_scores has rows). */
  readonly hasScores: boolean;
}

export async function dataSpan(store: AnalyticsStore): Promise<DataSpan> {
  const [row] = await store.query<{ first_usage: string | null; last_usage: string | null; first_join: string | null; last_join: string | null; last_churn: string | null; scores: number }>(
    `SELECT (SELECT min(month) FROM monthly_usage) AS first_usage,
            (SELECT max(month) FROM monthly_usage) AS last_usage,
            (SELECT min(join_date) FROM customers) AS first_join,
            (SELECT max(join_date) FROM customers) AS last_join,
            (SELECT max(churn_date) FROM churn_events) AS last_churn,
            (SELECT count(*) FROM (SELECT 1 FROM churn_scores LIMIT 1) AS s) AS scores`,
  );
  if (!row?.first_join || !row.last_join) {
    throw new TenureError('NO_DATA', `the store ${store.location} has no customers yet; import a data set first (tenure import DIR)`);
  }
  const month = (d: string) => d.slice(0, 7);
  if (row.first_usage && row.last_usage) return { first: month(row.first_usage), last: month(row.last_usage), hasScores: Number(row.scores) > 0 };
  const lastEvent = [row.last_join, row.last_churn].filter((d): d is string => d !== null).map(month).sort().at(-1) ?? month(row.last_join);
  return { first: month(row.first_join), last: lastEvent, hasScores: Number(row.scores) > 0 };
}

/** `2024-12..2026-11`, the way messages name a span or range. */
export const spanText = (span: { first: MonthText; last: MonthText }): string => `${span.first}..${span.last}`;

/** A month flag's text checked for syntax only (YYYY-MM, month 01–12); undefined stays undefined. */
export function checkMonth(flag: string, text: string | undefined): MonthText | undefined {
  if (text === undefined) return undefined;
  try {
    return formatMonth(parseMonth(text));
  } catch {
    throw new TenureError('USAGE', `${flag} must be a month written YYYY-MM (e.g. 2025-06), got "${text}"`);
  }
}

/** Throws USAGE when `month` lies outside the data, naming the span. */
export function requireInSpan(flag: string, month: MonthText, span: DataSpan): MonthText {
  if (parseMonth(month) < parseMonth(span.first)) {
    throw new TenureError('USAGE', `${flag} ${month} is before the data's first month ${span.first}; the data covers ${spanText(span)}`);
  }
  if (parseMonth(month) > parseMonth(span.last)) {
    throw new TenureError('USAGE', `${flag} ${month} is after the data's last month ${span.last}; the data covers ${spanText(span)}`);
  }
  return month;
}

/** A month flag: syntax, then inside the data; absent means the data's last month. */
export function resolveMonth(flag: string, text: string | undefined, span: DataSpan): MonthText {
  const given = checkMonth(flag, text);
  return given === undefined ? span.last : requireInSpan(flag, given, span);
}

export interface MonthRangeFlags {
  readonly from?: string;
  readonly to?: string;
}

/**
 * A --from/--to pair: each given end checked against the data, from ≤ to. The defaults are
 * `to` = the data's last month and `from` = defaultFrom(to), moved up to the data's first month
 * when that would start before the data (a default never makes an error).
 */
export function resolveMonthRange(input: MonthRangeFlags, span: DataSpan, defaultFrom: (to: MonthText) => MonthText): { from: MonthText; to: MonthText } {
  const givenFrom = checkMonth('--from', input.from);
  const givenTo = checkMonth('--to', input.to);
  if (givenFrom !== undefined && givenTo !== undefined && parseMonth(givenFrom) > parseMonth(givenTo)) {
    throw new TenureError('USAGE', `--from ${givenFrom} is after --to ${givenTo}`);
  }
  if (givenFrom !== undefined) requireInSpan('--from', givenFrom, span);
  if (givenTo !== undefined) requireInSpan('--to', givenTo, span);
  const to = givenTo ?? span.last;
  let from = givenFrom ?? defaultFrom(to);
  if (givenFrom === undefined && parseMonth(from) < parseMonth(span.first)) from = span.first;
  if (parseMonth(from) > parseMonth(to)) throw new TenureError('USAGE', `--from ${from} is after --to ${to}`);
  return { from, to };
}

/**
 * A figure computed on less history than it needs, for some months of an output. Outputs carry
 * a list of these (`partial_coverage` in JSON, one line each on stderr); an empty list means
 * every figure had its full history.
 */
export interface PartialCoverage {
  /** The figure, as the output names it (revenue_lost, stage, features). */
  readonly figure: string;
  /** The output's months whose figure is partial. */
  readonly months: readonly MonthText[];
  /** Months of bills the figure reads, ending with its month (or the month before, see reason). */
  readonly needs_months: number;
  /** Why, in words. */
  readonly reason: string;
}

/**
 * The months among `months` that have fewer than `needs` billed months of history in the data:
 * counted up to and including the month itself (`through: 'month'`) or up to the month before it
 * (`through: 'before'`, e.g. revenue lost reads the bills before the churn month).
 */
export function partialHistory(
  span: DataSpan,
  months: readonly MonthText[],
  figure: string,
  needs: number,
  through: 'month' | 'before',
  why: string,
): PartialCoverage[] {
  const first = parseMonth(span.first);
  const available = (m: MonthText) => parseMonth(m) - first + (through === 'month' ? 1 : 0);
  const partial = months.filter((m) => available(m) < needs);
  if (partial.length === 0) return [];
  const lastPartial = partial[partial.length - 1] as MonthText;
  return [
    {
      figure,
      months: partial,
      needs_months: needs,
      reason: `${why}; the data starts ${span.first}, so ${partial.length === 1 ? lastPartial : `${partial[0]}..${lastPartial}`} ${partial.length === 1 ? 'has' : 'have'} fewer`,
    },
  ];
}

/** One line per partial figure, for stderr: `partial coverage: revenue_lost for 2024-01..2024-03: …`. */
export function describePartial(notes: readonly PartialCoverage[]): string[] {
  return notes.map((n) => `partial coverage: ${n.figure} for ${n.months.length === 1 ? n.months[0] : `${n.months[0]}..${n.months[n.months.length - 1]}`}: ${n.reason}`);
}
