import type { AnalyticsStore } from '../../store/port.ts';
import type { PartialCoverage } from '../data-span.ts';
import { churnCompetitors, CHURN_COMPETITORS_COLUMNS, churnReasonGroups, CHURN_REASON_GROUPS_COLUMNS } from './churn-breakdown.ts';
import { churnCheck, CHURN_CHECK_COLUMNS } from './churn-check.ts';
import { churnReasons, CHURN_REASONS_COLUMNS } from './churn-reasons.ts';
import { churnRegions, CHURN_REGIONS_COLUMNS, type RegionLevel } from './churn-regions.ts';
import { churnTotals, CHURN_TOTALS_COLUMNS } from './churn-totals.ts';
import { reportJsonRows, type ReportRow } from './report-json.ts';
import type { ReportOptions } from './sql.ts';

/**
 * The churn reports by name, for a transport that picks one at run time (the HTTP API's
 * `/api/v1/reports/{name}`); each runs the same function as its `tenure report` command and
 * shapes its rows with the same reportJsonRows.
 */
export const CHURN_REPORT_NAMES = ['churn-totals', 'churn-reasons', 'churn-competitors', 'churn-reason-groups', 'churn-check', 'churn-regions'] as const;
export type ChurnReportName = (typeof CHURN_REPORT_NAMES)[number];

export interface ChurnReportQuery {
  readonly from?: string;
  readonly to?: string;
  readonly lang: 'zh' | 'en';
  readonly level?: RegionLevel;
}

type Produced = { rows: readonly ReportRow[]; range: { partial_coverage?: readonly PartialCoverage[] } };

const REPORTS: Record<ChurnReportName, { columns: readonly string[]; run: (store: AnalyticsStore, q: ChurnReportQuery, o: ReportOptions) => Promise<Produced> }> = {
  'churn-totals': { columns: CHURN_TOTALS_COLUMNS, run: (s, q, o) => churnTotals(s, range(q), o) as Promise<Produced> },
  'churn-reasons': { columns: CHURN_REASONS_COLUMNS, run: (s, q, o) => churnReasons(s, { ...range(q), lang: q.lang }, o) as Promise<Produced> },
  'churn-competitors': { columns: CHURN_COMPETITORS_COLUMNS, run: (s, q, o) => churnCompetitors(s, range(q), o) as Promise<Produced> },
  'churn-reason-groups': { columns: CHURN_REASON_GROUPS_COLUMNS, run: (s, q, o) => churnReasonGroups(s, range(q), o) as Promise<Produced> },
  'churn-check': { columns: CHURN_CHECK_COLUMNS, run: (s, q, o) => churnCheck(s, { ...range(q), lang: q.lang }, o) as Promise<Produced> },
  'churn-regions': { columns: CHURN_REGIONS_COLUMNS, run: (s, q, o) => churnRegions(s, { ...range(q), level: q.level ?? 'province' }, o) as Promise<Produced> },
};

function range(q: ChurnReportQuery): { from?: string; to?: string } {
  return { ...(q.from === undefined ? {} : { from: q.from }), ...(q.to === undefined ? {} : { to: q.to }) };
}

/** A churn report's JSON rows, as `tenure report NAME --json` prints them. */
export async function churnReportJson(store: AnalyticsStore, name: ChurnReportName, q: ChurnReportQuery, currency: string, options: ReportOptions = { refreshStale: true }): Promise<Record<string, unknown>[]> {
  const r = REPORTS[name];
  const { rows, range: produced } = await r.run(store, q, options);
  return reportJsonRows(r.columns, rows, currency, produced.partial_coverage ?? []);
}
