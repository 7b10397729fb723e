import { fraction } from '../../domain/numeric/shown.ts';
import type { RateEstimate } from '../../domain/service/rates.ts';
import { COMPLAINT_STATUSES, type ComplaintsReport, type StatusChurn } from './complaints.ts';
import type { BandRow, RegionMonthRow, ServiceQualityReport, ServiceShareRow } from './service-quality.ts';

/** `tenure report complaints --json` and `tenure report service-quality --json`, as the HTTP API sends them too. */

const round = (x: number | null, places: number): number | null => (x === null ? null : Math.round(x * 10 ** places) / 10 ** places);
const interval = (ci: readonly [number, number] | null) => (ci === null ? null : [round(ci[0], 6), round(ci[1], 6)]);

const rateJson = (r: RateEstimate) => ({ accounts: r.n, churned: r.k, churn_rate: fraction(r.rate), churn_rate_ci: interval(r.ci) });

function statusJson(s: StatusChurn) {
  return {
    month: s.month,
    ...Object.fromEntries(COMPLAINT_STATUSES.map((g) => [g, rateJson(s.groups[g])])),
    difference: round(s.unresolved_vs_none.difference, 6),
    difference_ci: interval(s.unresolved_vs_none.ci),
  };
}

export function complaintsJson(r: ComplaintsReport) {
  const rows = r.rows.map((x) => ({
    ...x,
    resolution_rate: fraction(x.resolution_rate),
    repeat_30d_rate: fraction(x.repeat_30d_rate),
    satisfaction: round(x.satisfaction, 4),
  }));
  return {
      from: r.from,
      to: r.to,
      by: r.by,
      level: r.level,
      segment_field: r.segment_field,
      kinds: r.kinds,
      time_to_resolve:
        'the contract has no resolution timestamp: for a contact not resolved at the contact, the calendar days to the same customer’s next contact of the same kind marked resolved, when it comes within 30 days',
      rows,
      churn_by_complaint_status: {
        base: r.churn.base,
        window_months: r.churn.window_months,
        lookback_months: r.churn.lookback_months,
        censored_months: r.churn.censored_months,
        partial_lookback_months: r.churn.partial_lookback_months,
        months: r.churn.months.map(statusJson),
        pooled: r.churn.pooled === null ? null : statusJson(r.churn.pooled),
      },
    };
}

export function regionJson(r: RegionMonthRow | Omit<RegionMonthRow, 'month'>) {
  const { measures, ...rest } = r;
  return {
    ...rest,
    churn_rate: fraction(r.churn_rate),
    dropped_call_rate: fraction(r.dropped_call_rate),
    ...Object.fromEntries(Object.entries(measures).map(([k, v]) => [k, round(v, 6)])),
  };
}

const shareJson = (s: ServiceShareRow) => ({ month: s.month, voluntary: s.voluntary, service_related: s.service_related, share: fraction(s.share.rate), share_ci: interval(s.share.ci) });
const bandJson = (b: BandRow) => ({ band: b.band, lower: b.lower, upper: b.upper, ...rateJson(b.churn) });

export function serviceQualityJson(r: ServiceQualityReport) {
  const rows = r.rows.map(regionJson);
  return {
      from: r.from,
      to: r.to,
      level: r.level,
      measures: r.measures,
      rows,
      regions: r.regions.map(regionJson),
      correlation_with_churn: Object.fromEntries(Object.entries(r.correlation_with_churn).map(([k, v]) => [k, round(v, 6)])),
      service_share: {
        service_groups: r.service_share.service_groups,
        claim: r.service_share.claim,
        verdict: r.service_share.verdict,
        range: shareJson(r.service_share.range),
        months: r.service_share.months.map(shareJson),
      },
      dropped_call_bands: { ...r.bands, rows: r.bands.rows.map(bandJson) },
    };
}
