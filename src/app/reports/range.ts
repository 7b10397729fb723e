import { TenureError } from '../errors.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { addMonths, formatMonth, parseMonth, type MonthText } from '../../domain/month.ts';

/** The month range a report covers, both ends inclusive, as the CLI writes it (`YYYY-MM`). */
export interface MonthRangeInput {
  readonly from?: string;
  readonly to?: string;
}

export interface ReportRange {
  readonly from: MonthText;
  readonly to: MonthText;
}

function checkMonth(flag: string, text: string | undefined): MonthText | undefined {
  if (text === undefined) return undefined;
  try {
    return formatMonth(parseMonth(text));
  } catch {
    throw new TenureError('USAGE', `${flag} must be a month written YYYY-MM (e.g. 2024-03), got "${text}"`);
  }
}

/** Checks --from/--to before anything touches the store. */
export function validateRange(input: MonthRangeInput): MonthRangeInput {
  const from = checkMonth('--from', input.from);
  const to = checkMonth('--to', input.to);
  if (from !== undefined && to !== undefined && parseMonth(from) > parseMonth(to)) {
    throw new TenureError('USAGE', `--from ${from} is after --to ${to}`);
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

interface DataSpan {
  first_usage: string | null;
  last_usage: string | null;
  first_join: string | null;
  last_join: string | null;
  last_churn: string | null;
}

/**
 * Default range: the months the data describes.
 * - from = the first billed month (monthly_usage), or the first join month when nothing is
 *   billed yet. Starting at the first bill (not the first join) keeps a base that joined
 *   years before the billing history from producing years of rows without revenue; the
 *   accounts that joined earlier are counted in the first month's opening.
 * - to = the latest month in which anything happened: a bill, a join or a churn.
 * A store without customers has nothing to report (NO_DATA, exit 2).
 */
export async function resolveRange(store: AnalyticsStore, input: MonthRangeInput): Promise<ReportRange> {
  const given = validateRange(input);
  const [span] = await store.query<DataSpan & Record<string, string | null>>(
    `SELECT (SELECT min(month) FROM monthly_usage) AS first_usage,
            (SELECT max(month) FROM monthly_usage) AS last_usage,
            (SELECT min(join_date) FROM customers) AS first_join,
            (SELECT max(join_date) FROM customers) AS last_join,
            (SELECT max(churn_date) FROM churn_events) AS last_churn`,
  );
  if (!span?.first_join || !span.last_join) {
    throw new TenureError('NO_DATA', `the store ${store.location} has no customers yet; import a data set first (tenure import DIR)`);
  }
  const month = (date: string | null): MonthText | undefined => (date ? date.slice(0, 7) : undefined);
  const lastCandidates = [span.last_usage, span.last_join, span.last_churn]
    .map(month)
    .filter((m): m is MonthText => m !== undefined);
  const dataFrom = month(span.first_usage) ?? (month(span.first_join) as MonthText);
  const dataTo = lastCandidates.reduce((a, b) => (a > b ? a : b));
  const from = given.from ?? (given.to !== undefined && given.to < dataFrom ? given.to : dataFrom);
  const to = given.to ?? (from > dataTo ? from : dataTo);
  if (parseMonth(from) > parseMonth(to)) throw new TenureError('USAGE', `--from ${from} is after --to ${to}`);
  return { from, to };
}

/** Dates the report SQL binds: $1 first day of from, $2 first day of to, $3 first day after to, $4 first day of the month before from. */
export function rangeParams(range: ReportRange): [string, string, string, string] {
  return [`${range.from}-01`, `${range.to}-01`, `${addMonths(range.to, 1)}-01`, `${addMonths(range.from, -1)}-01`];
}
