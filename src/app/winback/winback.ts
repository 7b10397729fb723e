/**
 * `tenure winback`: churned accounts worth winning back, and how often people came back.
 *
 * - Churned in the window: churn_date in the months [from, to] (default: the data's last 12).
 * - Returned: a later account of the same person exists (customers.winback_of = the old id,
 *   joined on or after the exit).
 * - Value lost: the account's mean monthly margin over its latest 3 bills before the exit month
 *   (revenue − cost, fewer bills if fewer exist; below 0 counts as 0) × the expected discounted
 *   lifetime of the operator's join-month cohorts at the account's tenure (sBG DERL, 10 % a year),
 *   i.e. the value at stake had it stayed, never its own churn score.
 * - Candidates: churned in the window, not returned, a reason group other than credit and fraud,
 *   and value lost in the window's middle or top third (tertiles of the window's churned accounts).
 * - Observed win-back rate: returned / churned, overall, by reason group, by competitor, and
 *   within k months of the exit among accounts that left at least k months before the data ends.
 * - Likelihood: the shrunk rate of the account's reason group × competitor cell over every exit
 *   in the store (domain/campaigns/winback.ts); expected recovery = likelihood × value lost.
 */
import { NOT_WINNABLE_GROUPS, revisitPlan, shrunkRate, type RateCell } from '../../domain/campaigns/winback.ts';
import { addMonths, monthsBetween, type MonthText } from '../../domain/month.ts';
import { sbgDerl } from '../../domain/retention/sbg.ts';
import { derlConstantChurn, monthlyDiscountRate } from '../../domain/value/current-value.ts';
import { quantileSorted } from '../../domain/value/quantile.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { dataSpan, resolveMonthRange } from '../data-span.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';

export const RETURN_HORIZONS = [1, 3, 6, 12] as const;
const FALLBACK_MONTHLY_CHURN = 0.02;

export interface WinbackCandidate {
  readonly customerId: string;
  readonly churnDate: string;
  readonly monthsSinceChurn: number;
  readonly churnType: string;
  readonly reasonCode: string;
  readonly reasonGroup: string;
  readonly reason: { readonly zh: string; readonly en: string };
  readonly competitor: string | null;
  readonly monthlyMargin: number;
  readonly valueLost: number;
  readonly valueTier: 'mid' | 'high';
  /** marketing_consent: null = unknown (no outbound contact unless the operator allows it). */
  readonly consent: boolean | null;
  readonly likelihood: number;
  readonly expectedRecovery: number;
  readonly revisitDate: string;
  readonly plan: { readonly zh: string; readonly en: string };
}

export interface RateRow extends RateCell {
  readonly rate: number | null;
}

export interface WinbackReport {
  readonly from: MonthText;
  readonly to: MonthText;
  readonly dataLastMonth: MonthText;
  readonly churned: number;
  readonly candidates: number;
  readonly valueThresholds: { readonly mid: number; readonly high: number };
  readonly rate: {
    readonly overall: RateRow;
    readonly byReasonGroup: Readonly<Record<string, RateRow>>;
    readonly byCompetitor: Readonly<Record<string, RateRow>>;
    readonly withinMonths: readonly (RateRow & { months: number })[];
  };
  /** The candidates, highest expected recovery first (all of them, or the top N asked for). */
  readonly accounts: readonly WinbackCandidate[];
}

interface ExitRow {
  customer_id: string;
  churn_date: string;
  churn_type: string;
  reason_code: string;
  reason_group: string | null;
  zh: string | null;
  en: string | null;
  competitor: string | null;
  consent: boolean | null;
  tenure_months: number;
  returned_on: string | null;
  margin3: number | null;
  [k: string]: string | number | boolean | null;
}

const rateOf = (c: RateCell): RateRow => ({ ...c, rate: c.churned > 0 ? c.returned / c.churned : null });

function tally(rows: readonly { key: string; returned: boolean }[]): Map<string, RateCell> {
  const out = new Map<string, { churned: number; returned: number }>();
  for (const r of rows) {
    const c = out.get(r.key) ?? { churned: 0, returned: 0 };
    c.churned++;
    if (r.returned) c.returned++;
    out.set(r.key, c);
  }
  return out;
}

export async function winback(store: AnalyticsStore, input: { from?: string; to?: string; top?: number } = {}): Promise<WinbackReport> {
  const span = await dataSpan(store);
  const { from, to } = resolveMonthRange(input, span, (last) => addMonths(last, -11));
  const dialect = store.dialect;
  const exits = await store.query<ExitRow>(
    `WITH back AS (
       SELECT winback_of, min(join_date) AS returned_on FROM customers WHERE winback_of IS NOT NULL GROUP BY winback_of
     ),
     bills AS (
       SELECT u.customer_id, CAST(u.revenue - coalesce(u.cost, 0) AS DOUBLE PRECISION) AS margin,
              row_number() OVER (PARTITION BY u.customer_id ORDER BY u.month DESC) AS k
       FROM monthly_usage u JOIN churn_events e ON e.customer_id = u.customer_id
       WHERE u.month < date_trunc('month', e.churn_date)
     ),
     margin3 AS (SELECT customer_id, avg(margin) AS margin3 FROM bills WHERE k <= 3 GROUP BY customer_id)
     SELECT e.customer_id, ${dialect.formatDate('e.churn_date')} AS churn_date, e.churn_type, e.reason_code,
            rc."group" AS reason_group, rc.zh, rc.en, e.competitor, c.marketing_consent AS consent,
            ${dialect.monthsBetween('c.join_date', 'e.churn_date')} AS tenure_months,
            CASE WHEN b.returned_on >= e.churn_date THEN ${dialect.formatDate('b.returned_on')} END AS returned_on,
            m.margin3
     FROM churn_events e
     JOIN customers c ON c.customer_id = e.customer_id
     LEFT JOIN reason_codes rc ON rc.code = e.reason_code
     LEFT JOIN back b ON b.winback_of = e.customer_id
     LEFT JOIN margin3 m ON m.customer_id = e.customer_id
     ORDER BY e.customer_id`,
  );
  const sbg = await baseSbg(store);
  const d = monthlyDiscountRate(DEFAULT_VALUE_PARAMETERS.annualDiscountRate);
  const lifetime = (tenure: number) => (sbg ? sbgDerl(sbg, Math.max(0, Math.min(1200, tenure)), d) : derlConstantChurn(FALLBACK_MONTHLY_CHURN, d));
  const groupOf = (r: ExitRow) => r.reason_group ?? 'unknown';
  const cellOf = (r: ExitRow) => `${groupOf(r)}|${r.competitor ?? ''}`;

  // Likelihood from every exit in the store; rates and candidates from the window's.
  const all = exits.map((r) => ({ r, returned: r.returned_on !== null }));
  const overallAll = tally(all.map((x) => ({ key: 'all', returned: x.returned }))).get('all') ?? { churned: 0, returned: 0 };
  const groupAll = tally(all.map((x) => ({ key: groupOf(x.r), returned: x.returned })));
  const cellAll = tally(all.map((x) => ({ key: cellOf(x.r), returned: x.returned })));
  const overallRate = overallAll.churned > 0 ? overallAll.returned / overallAll.churned : 0;

  const inWindow = all.filter((x) => {
    const m = x.r.churn_date.slice(0, 7);
    return m >= from && m <= to;
  });
  const valued = inWindow.map((x) => ({ ...x, monthlyMargin: Math.max(0, x.r.margin3 ?? 0), value: Math.max(0, x.r.margin3 ?? 0) * lifetime(Number(x.r.tenure_months)) }));
  const sortedValues = Float64Array.from(valued, (v) => v.value).sort();
  const tertile = (p: number) => (sortedValues.length === 0 ? 0 : quantileSorted(sortedValues, p));
  const thresholds = { mid: tertile(1 / 3), high: tertile(2 / 3) };

  const candidates: WinbackCandidate[] = [];
  for (const v of valued) {
    const group = groupOf(v.r);
    if (v.returned || NOT_WINNABLE_GROUPS.has(group) || v.value <= 0 || v.value < thresholds.mid) continue;
    const groupRate = shrunkRate(groupAll.get(group), overallRate);
    const likelihood = shrunkRate(cellAll.get(cellOf(v.r)), groupRate);
    const plan = revisitPlan(group);
    const revisit = new Date(`${v.r.churn_date}T00:00:00Z`);
    revisit.setUTCDate(revisit.getUTCDate() + plan.afterDays);
    candidates.push({
      customerId: v.r.customer_id,
      churnDate: v.r.churn_date,
      monthsSinceChurn: monthsBetween(v.r.churn_date.slice(0, 7), span.last),
      churnType: v.r.churn_type,
      reasonCode: v.r.reason_code,
      reasonGroup: group,
      reason: { zh: v.r.zh ?? v.r.reason_code, en: v.r.en ?? v.r.reason_code },
      competitor: v.r.competitor,
      monthlyMargin: v.monthlyMargin,
      valueLost: v.value,
      valueTier: v.value >= thresholds.high ? 'high' : 'mid',
      consent: v.r.consent,
      likelihood,
      expectedRecovery: likelihood * v.value,
      revisitDate: revisit.toISOString().slice(0, 10),
      plan: { zh: plan.zh, en: plan.en },
    });
  }
  candidates.sort((a, b) => b.expectedRecovery - a.expectedRecovery || (a.customerId < b.customerId ? -1 : 1));

  const windowRows = (key: (r: ExitRow) => string) => tally(inWindow.map((x) => ({ key: key(x.r), returned: x.returned })));
  const withinMonths = RETURN_HORIZONS.map((k) => {
    // Only exits at least k months before the data's end have had k months to come back.
    const observed = inWindow.filter((x) => monthsBetween(x.r.churn_date.slice(0, 7), span.last) >= k);
    const returned = observed.filter((x) => x.r.returned_on !== null && monthsBetween(x.r.churn_date.slice(0, 7), x.r.returned_on.slice(0, 7)) <= k).length;
    return { months: k, ...rateOf({ churned: observed.length, returned }) };
  });
  const toRecord = (m: Map<string, RateCell>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, c]) => [k, rateOf(c)]));
  if (input.top !== undefined && (!Number.isSafeInteger(input.top) || input.top < 0)) throw new TenureError('USAGE', `--top must be a whole number >= 0, got ${input.top}`);
  return {
    from,
    to,
    dataLastMonth: span.last,
    churned: inWindow.length,
    candidates: candidates.length,
    valueThresholds: thresholds,
    rate: {
      overall: rateOf(windowRows(() => 'all').get('all') ?? { churned: 0, returned: 0 }),
      byReasonGroup: toRecord(windowRows(groupOf)),
      byCompetitor: toRecord(windowRows((r) => r.competitor ?? '(unknown)')),
      withinMonths,
    },
    accounts: input.top === undefined || input.top === 0 ? candidates : candidates.slice(0, input.top),
  };
}
