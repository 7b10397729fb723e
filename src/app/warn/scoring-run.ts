import type { MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';

// The scoring runs kept in churn_scores (apart from warn.ts, which loads the model and the
// segments: care and nba read the run only).

const isoSecond = (ts: string): string => ts.slice(0, 19).replace(' ', 'T');

export interface ScoringRun {
  readonly asOf: MonthText;
  readonly modelVersion: string;
  readonly scoredAt: string;
}

const runRow = (r: { as_of: string; model_version: string; scored_at: string } | undefined): ScoringRun | null =>
  r ? { asOf: r.as_of, modelVersion: r.model_version, scoredAt: isoSecond(String(r.scored_at)) } : null;

/** The latest scoring run stored for `asOf`, or null. */
export async function scoringRun(store: AnalyticsStore, asOf: MonthText): Promise<ScoringRun | null> {
  const [row] = await store.query<{ as_of: string; model_version: string; scored_at: string }>(
    `SELECT ${store.dialect.formatMonth('as_of')} AS as_of, model_version, max(scored_at) AS scored_at
     FROM churn_scores WHERE as_of = CAST($1 AS DATE) GROUP BY as_of, model_version
     ORDER BY max(scored_at) DESC, model_version DESC LIMIT 1`,
    [`${asOf}-01`],
  );
  return runRow(row);
}

/** The latest scoring run of the latest scored month before `asOf` (any month when null), or null. */
export async function previousScoringRun(store: AnalyticsStore, asOf: MonthText | null): Promise<ScoringRun | null> {
  const [row] = await store.query<{ as_of: string; model_version: string; scored_at: string }>(
    `SELECT ${store.dialect.formatMonth('as_of')} AS as_of, model_version, max(scored_at) AS scored_at
     FROM churn_scores ${asOf === null ? '' : 'WHERE as_of < CAST($1 AS DATE)'} GROUP BY as_of, model_version
     ORDER BY as_of DESC, max(scored_at) DESC, model_version DESC LIMIT 1`,
    asOf === null ? [] : [`${asOf}-01`],
  );
  return runRow(row);
}
