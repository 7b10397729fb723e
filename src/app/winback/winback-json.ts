import { fraction, money } from '../../domain/numeric/shown.ts';
import type { ShownContext } from '../shown.ts';
import type { RateRow, WinbackCandidate, WinbackReport } from './winback.ts';

/** Win-back as JSON: the document `tenure winback --json` prints and the HTTP API sends. */
const rateJson = (r: RateRow) => ({ churned: r.churned, returned: r.returned, rate: fraction(r.rate) });

export function winbackAccountJson(a: WinbackCandidate, lang: 'zh' | 'en') {
  return {
    customer_id: a.customerId,
    churn_date: a.churnDate,
    months_since_churn: a.monthsSinceChurn,
    churn_type: a.churnType,
    reason_code: a.reasonCode,
    reason_group: a.reasonGroup,
    reason: a.reason[lang],
    competitor: a.competitor,
    monthly_margin: money(a.monthlyMargin),
    value_lost: money(a.valueLost),
    value_tier: a.valueTier,
    marketing_consent: a.consent,
    likelihood: fraction(a.likelihood),
    expected_recovery: money(a.expectedRecovery),
    revisit_date: a.revisitDate,
    plan: a.consent === true ? a.plan[lang] : lang === 'zh' ? '无营销许可：不外呼，仅在客户来电时挽回' : 'no marketing consent: no outbound contact; win back only when the customer calls',
  };
}

export function winbackJson(r: WinbackReport, out: ShownContext) {
  const lang = out.lang === 'en' ? 'en' : 'zh';
  return {
    currency: out.currency,
    from: r.from,
    to: r.to,
    data_last_month: r.dataLastMonth,
    churned: r.churned,
    candidates: r.candidates,
    value_thresholds: { mid: money(r.valueThresholds.mid), high: money(r.valueThresholds.high) },
    rate: {
      overall: fraction(r.rate.overall.rate),
      overall_counts: rateJson(r.rate.overall),
      by_reason_group: Object.fromEntries(Object.entries(r.rate.byReasonGroup).map(([k, v]) => [k, fraction(v.rate)])),
      by_reason_group_counts: Object.fromEntries(Object.entries(r.rate.byReasonGroup).map(([k, v]) => [k, rateJson(v)])),
      by_competitor: Object.fromEntries(Object.entries(r.rate.byCompetitor).map(([k, v]) => [k, rateJson(v)])),
      within_months: r.rate.withinMonths.map((w) => ({ months: w.months, ...rateJson(w) })),
    },
    accounts: r.accounts.map((a) => winbackAccountJson(a, lang)),
  };
}
