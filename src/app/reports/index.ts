/** The churn reports (seed 004): one use case per report, shared by the CLI and, later, the API. */
export { churnTotals, CHURN_TOTALS_COLUMNS, type ChurnTotalsReport, type ChurnTotalsRow } from './churn-totals.ts';
export {
  churnReasons,
  CHURN_REASONS_COLUMNS,
  REASON_LANGUAGES,
  type ChurnReasonsInput,
  type ChurnReasonsReport,
  type ChurnReasonsRow,
  type ReasonLanguage,
} from './churn-reasons.ts';
export {
  churnRegions,
  CHURN_REGIONS_COLUMNS,
  REGION_LEVELS,
  type ChurnRegionsInput,
  type ChurnRegionsReport,
  type ChurnRegionsRow,
  type RegionLevel,
} from './churn-regions.ts';
export {
  churnCompetitors,
  churnReasonGroups,
  CHURN_COMPETITORS_COLUMNS,
  CHURN_REASON_GROUPS_COLUMNS,
  type ChurnCompetitorsReport,
  type ChurnCompetitorsRow,
  type ChurnReasonGroupsReport,
  type ChurnReasonGroupsRow,
} from './churn-breakdown.ts';
export { churnCheck, CHURN_CHECK_COLUMNS, type ChurnCheckReport, type ChurnCheckRow } from './churn-check.ts';
export { refreshChurnBasis, churnBasisSource, derivedTablesCurrent } from './basis.ts';
export { DERIVED_TABLES } from './sql.ts';
export { validateRange, type MonthRangeInput, type ReportRange } from './range.ts';
export type { ReportOptions } from './sql.ts';
