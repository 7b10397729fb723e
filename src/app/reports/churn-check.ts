/**
 * 客户流失是否正常 (churn check): per month, the exits by the CRM textbook's six causes, the
 * normal and serious totals, and a verdict on whether the month's churn is normal or serious,
 * judged against the operator's own previous 12 months (domain/churn-causes.ts states the
 * mapping and the rule).
 *
 * - exits, opening and revenue_lost are churn-totals' for the month (the same churners); the six
 *   cause counts add up to exits, normal + serious = exits.
 * - serious_rate = serious exits / opening (the contract's churn-rate base), null when opening
 *   is 0; trailing_mean and trailing_bound are the mean and the one-sided 95 % prediction bound
 *   of the 12 previous months' serious rates, null without all 12 inside the data.
 * - revenue_lost_serious: the serious exits' share of revenue_lost, apportioned to the cent so
 *   that it and the normal exits' part add up to revenue_lost.
 * The months before the range that the verdict compares with are read from the same store (the
 * range only limits the rows shown); the first 12 months of the data have no full year before
 * them (partial_coverage `verdict`).
 */
import type { AnalyticsStore } from '../../store/port.ts';
import { addMonths, monthRange, parseMonth, type MonthText } from '../../domain/month.ts';
import { CHECK_HISTORY_MONTHS, CHURN_CAUSES, checkChurnMonth, causeOf, isSerious, verdictText, type CheckVerdict, type ChurnCause } from '../../domain/churn-causes.ts';
import { dataSpan, partialHistory } from '../data-span.ts';
import { apportionCents, divideHalfUp } from './exact.ts';
import { churnBasisSource } from './basis.ts';
import { breakdownCells } from './churn-breakdown.ts';
import { churnTotalsSql, toTotalsRow } from './churn-totals.ts';
import { rangeParams, resolveRange, type MonthRangeInput, type ReportRange } from './range.ts';
import type { ReportOptions } from './sql.ts';
import { validateLanguage, type ReasonLanguage } from './churn-reasons.ts';

export const CHURN_CHECK_COLUMNS = [
  'month',
  'opening',
  'exits',
  ...CHURN_CAUSES,
  'normal',
  'serious',
  'serious_share',
  'serious_rate',
  'trailing_mean',
  'trailing_bound',
  'verdict',
  'verdict_text',
  'revenue_lost',
  'revenue_lost_serious',
] as const;

export type ChurnCheckRow = {
  readonly month: string;
  readonly opening: number;
  readonly exits: number;
  readonly normal: number;
  readonly serious: number;
  /** serious / exits, 6 places as exact text; null when the month has no exits. */
  readonly serious_share: string | null;
  /** serious / opening, 6 places as exact text; null when opening is 0. */
  readonly serious_rate: string | null;
  /** Mean and 95 % prediction bound of the previous 12 months' serious rates (6 places); null without them. */
  readonly trailing_mean: string | null;
  readonly trailing_bound: string | null;
  readonly verdict: CheckVerdict;
  readonly verdict_text: string;
  /** Money to 2 places as exact text: churn-totals' revenue_lost and the serious exits' part of it. */
  readonly revenue_lost: string;
  readonly revenue_lost_serious: string;
} & { readonly [cause in ChurnCause]: number };

export interface ChurnCheckReport {
  readonly range: ReportRange;
  readonly lang: ReasonLanguage;
  readonly rows: ChurnCheckRow[];
}

export interface ChurnCheckInput extends MonthRangeInput {
  readonly lang?: string;
}

/** A float ratio shown as 6-place text, like the exact ratios beside it. */
const ratioText = (x: number | null): string | null => (x === null ? null : x.toFixed(6));

export async function churnCheck(store: AnalyticsStore, input: ChurnCheckInput, options: ReportOptions = {}): Promise<ChurnCheckReport> {
  const lang = validateLanguage(input.lang);
  const range = await resolveRange(store, input);
  const span = await dataSpan(store);
  const source = options.basis ?? (await churnBasisSource(store, { refreshStale: options.refreshStale === true }));
  // The range plus the year before it that the verdict reads, as far as the data goes back.
  const wanted = addMonths(range.from, -CHECK_HISTORY_MONTHS);
  const from = parseMonth(wanted) < parseMonth(span.first) ? span.first : wanted;
  const extended = { from, to: range.to };
  const totals = (await store.query(churnTotalsSql(store, source), rangeParams(extended))).map(toTotalsRow);
  const cells = await breakdownCells(store, extended, source);

  const causes = new Map<MonthText, Record<ChurnCause, number>>();
  const sixths = new Map<MonthText, { normal: bigint; serious: bigint }>();
  for (const c of cells) {
    const cause = causeOf(c.churnType, c.group);
    const counts = causes.get(c.month) ?? (Object.fromEntries(CHURN_CAUSES.map((k) => [k, 0])) as Record<ChurnCause, number>);
    counts[cause] += Number(c.count);
    causes.set(c.month, counts);
    const money = sixths.get(c.month) ?? { normal: 0n, serious: 0n };
    if (isSerious(cause)) money.serious += c.sixths;
    else money.normal += c.sixths;
    sixths.set(c.month, money);
  }
  const byMonth = new Map(totals.map((t) => [t.month, t]));
  const seriousOf = (m: MonthText) => CHURN_CAUSES.filter(isSerious).reduce((n, k) => n + (causes.get(m)?.[k] ?? 0), 0);
  const seriousRate = (m: MonthText): number | null => {
    const t = byMonth.get(m);
    return t === undefined || t.opening === 0 ? null : seriousOf(m) / t.opening;
  };

  const rows: ChurnCheckRow[] = monthRange(range.from, range.to).map((month) => {
    const t = byMonth.get(month);
    const opening = t?.opening ?? 0;
    const exits = (t?.voluntary ?? 0) + (t?.involuntary ?? 0);
    const counts = causes.get(month) ?? (Object.fromEntries(CHURN_CAUSES.map((k) => [k, 0])) as Record<ChurnCause, number>);
    const serious = seriousOf(month);
    const history = Array.from({ length: CHECK_HISTORY_MONTHS }, (_, i) => addMonths(month, i - CHECK_HISTORY_MONTHS)).map((m) =>
      parseMonth(m) < parseMonth(span.first) ? null : seriousRate(m),
    );
    const result = checkChurnMonth({ serious, opening, history });
    const money = sixths.get(month) ?? { normal: 0n, serious: 0n };
    const [, lostSerious] = apportionCents([money.normal, money.serious]);
    return {
      month,
      opening,
      exits,
      ...counts,
      normal: exits - serious,
      serious,
      serious_share: exits === 0 ? null : divideHalfUp(BigInt(serious), BigInt(exits), 6),
      serious_rate: opening === 0 ? null : divideHalfUp(BigInt(serious), BigInt(opening), 6),
      trailing_mean: ratioText(result.trailingMean),
      trailing_bound: ratioText(result.trailingBound),
      verdict: result.verdict,
      verdict_text: verdictText(result, lang),
      revenue_lost: t?.revenue_lost ?? '0.00',
      revenue_lost_serious: lostSerious as string,
    };
  });
  const verdictCoverage = partialHistory(
    span,
    monthRange(range.from, range.to),
    'verdict',
    CHECK_HISTORY_MONTHS,
    'before',
    `the verdict compares a month with the ${CHECK_HISTORY_MONTHS} months before it`,
  );
  return { range: { ...range, partial_coverage: [...(range.partial_coverage ?? []), ...verdictCoverage] }, lang, rows };
}
