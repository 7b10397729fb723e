import type { AnalyticsStore } from '../../store/port.ts';
import { fraction, money } from '../../domain/numeric/shown.ts';

/**
 * The latest scoring run's churn scores, a page at a time in customer_id order (keyset
 * paging: `after` is the last customer_id of the previous page), for the API's scores list and
 * its CSV / NDJSON export. No personal data: identifiers and figures only.
 */
export interface ScoreRow {
  readonly customer_id: string;
  readonly model_version: string;
  readonly as_of: string;
  readonly churn_probability: number | null;
  readonly expected_loss: number | null;
}

export const SCORE_COLUMNS = ['customer_id', 'model_version', 'as_of', 'churn_probability', 'expected_loss'] as const;

export async function latestScoresPage(store: AnalyticsStore, page: { after?: string; limit: number }): Promise<ScoreRow[]> {
  const d = store.dialect;
  const rows = await store.query<{ customer_id: string; model_version: string; as_of: string; churn_probability: number | null; expected_loss: string | null }>(
    `WITH latest AS (
       SELECT as_of, max(scored_at) AS scored_at FROM churn_scores WHERE as_of = (SELECT max(as_of) FROM churn_scores) GROUP BY as_of
     )
     SELECT s.customer_id AS customer_id, s.model_version AS model_version, ${d.formatMonth('s.as_of')} AS as_of,
            s.churn_probability AS churn_probability, CAST(s.expected_loss AS VARCHAR) AS expected_loss
     FROM churn_scores AS s JOIN latest AS l ON l.as_of = s.as_of AND l.scored_at = s.scored_at
     WHERE s.customer_id > CAST($1 AS VARCHAR)
     ORDER BY s.customer_id
     LIMIT CAST($2 AS BIGINT)`,
    [page.after ?? '', page.limit],
  );
  return rows.map((r) => ({ customer_id: r.customer_id, model_version: r.model_version, as_of: r.as_of, churn_probability: fraction(r.churn_probability), expected_loss: money(r.expected_loss) }));
}

/** Every row of the latest run, page by page (the export streams these). */
export async function* latestScores(store: AnalyticsStore, pageSize = 5000): AsyncGenerator<ScoreRow[]> {
  let after: string | undefined;
  for (;;) {
    const page = await latestScoresPage(store, { ...(after === undefined ? {} : { after }), limit: pageSize });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]?.customer_id;
  }
}
