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
export { refreshChurnBasis, churnBasisSource, derivedTablesCurrent } from './basis.ts';
export { DERIVED_TABLES } from './sql.ts';
export { validateRange, type MonthRangeInput, type ReportRange } from './range.ts';
export type { ReportOptions } from './sql.ts';
