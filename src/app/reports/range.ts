import { TenureError } from '../errors.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { addMonths, monthRange, parseMonth, type MonthText } from '../../domain/month.ts';
import { checkMonth, dataSpan, partialHistory, resolveMonthRange, type PartialCoverage } from '../data-span.ts';

/** The month range a report covers, both ends inclusive, as the CLI writes it (`YYYY-MM`). */
export interface MonthRangeInput {
  readonly from?: string;
  readonly to?: string;
}

export interface ReportRange {
  readonly from: MonthText;
  readonly to: MonthText;
  /** Figures of the range computed on less history than they need (empty: complete). */
  readonly partial_coverage?: readonly PartialCoverage[];
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

/** What revenue lost reads (data contract): the bills of the 3 months before the churn month. */
export const REVENUE_LOST_BILLS = 3;

/**
 * The range a report covers: --from and --to must lie inside the data's span
 * (app/data-span.ts: first..last billed month); the default is the whole span. Months whose
 * churners have fewer than 3 billed months before them in the data report a partial revenue
 * lost (partial_coverage). A store without customers has nothing to report (NO_DATA, exit 2).
 */
export async function resolveRange(store: AnalyticsStore, input: MonthRangeInput): Promise<ReportRange> {
  validateRange(input);
  const span = await dataSpan(store);
  const { from, to } = resolveMonthRange(input, span, () => span.first);
  const partial_coverage = partialHistory(
    span,
    monthRange(from, to),
    'revenue_lost',
    REVENUE_LOST_BILLS,
    'before',
    `revenue lost averages the ${REVENUE_LOST_BILLS} bills before the churn month`,
  );
  return { from, to, partial_coverage };
}

/** Dates the report SQL binds: $1 first day of from, $2 first day of to, $3 first day after to, $4 first day of the month before from. */
export function rangeParams(range: ReportRange): [string, string, string, string] {
  return [`${range.from}-01`, `${range.to}-01`, `${addMonths(range.to, 1)}-01`, `${addMonths(range.from, -1)}-01`];
}
