import type { MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';

/**
 * The latest scoring run in the store (the latest scored month, then the latest scored_at, then
 * the model version), as care and nba read it: warn's previousScoringRun(store, null) written
 * with the store's dialect, so that it runs on every engine.
 */
export async function latestScoringRun(store: AnalyticsStore): Promise<{ readonly asOf: MonthText; readonly modelVersion: string } | null> {
  const [row] = await store.query<{ as_of: string; model_version: string }>(
    `SELECT ${store.dialect.formatMonth('as_of')} AS as_of, model_version
     FROM churn_scores GROUP BY as_of, model_version
     ORDER BY as_of DESC, max(scored_at) DESC, model_version DESC LIMIT 1`,
  );
  return row ? { asOf: row.as_of as MonthText, modelVersion: row.model_version } : null;
}
