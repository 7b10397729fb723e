/**
 * What the lifecycle rules look at: one record per customer per as-of month. Every field is a
 * column of one set-shaped SQL query per as-of month M over customers, monthly_usage and
 * churn_events (window aggregates), so the store can produce it for a million customers:
 *
 *   tenure_months      whole months from join_date to the end of M
 *   churned            churn_date on or before the end of M
 *   arpu_last3         mean revenue of M−2..M (billed months only; null if none)
 *   arpu_prev3         mean revenue of M−5..M−3 (null if none)
 *   usage_last3/prev3  the same for a usage measure (voice_minutes + data_mb/100 + tv_hours·10 by default:
 *                      whatever the operator's products measure; null when no usage measure exists)
 *   dormant_months     consecutive months up to M with no revenue and no usage (0 if M was active),
 *                      looked for within the last 12 months and never counting months before the
 *                      join month or before the store's first billed month
 *   peak_arpu3         the customer's highest mean revenue over the four aligned quarters of the
 *                      last 12 months (M−2..M, M−5..M−3, M−8..M−6, M−11..M−9): one scan of a
 *                      year of bills, where a rolling peak over all history would need a window
 *                      over every bill ever (seconds, not milliseconds, on a million customers)
 *   segment_arpu_rank  percentile rank (0–1) of arpu_last3 among active customers of the same segment in M;
 *                      the segment is customer_type × product family held in M (mobile, tv,
 *                      broadband, combinations), so a cable-TV household is ranked among
 *                      cable-TV households, not against mobile plans
 *   churn_risk         churn probability from the model, null until a model is trained
 *
 * Names match the SQL column names so the rules can later be compiled to a SQL CASE.
 */
export interface LifecycleFeatures {
  readonly tenure_months: number;
  readonly churned: boolean;
  readonly arpu_last3: number | null;
  readonly arpu_prev3: number | null;
  readonly usage_last3: number | null;
  readonly usage_prev3: number | null;
  readonly dormant_months: number;
  readonly peak_arpu3: number | null;
  readonly segment_arpu_rank: number | null;
  readonly churn_risk: number | null;
}

export const NUMERIC_FEATURES = [
  'tenure_months',
  'arpu_last3',
  'arpu_prev3',
  'usage_last3',
  'usage_prev3',
  'dormant_months',
  'peak_arpu3',
  'segment_arpu_rank',
  'churn_risk',
] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

export const BOOLEAN_FEATURES = ['churned'] as const;
export type BooleanFeature = (typeof BOOLEAN_FEATURES)[number];
