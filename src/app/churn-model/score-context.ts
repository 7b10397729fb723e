import type { AnalyticsStore } from '../../store/port.ts';
import { HISTORY_TABLE } from '../lifecycle/history-store.ts';
import { keepDefaultStagesAndValues } from '../lifecycle/prepare.ts';
import { SNAPSHOT_TABLE } from '../value/value-snapshot.ts';
import { dataMonths } from './train.ts';

export interface ScoreContext {
  readonly lifecycle_stage: string | null;
  readonly value_quadrant: string | null;
}

/**
 * Where each scored customer stands: the lifecycle stage of the month (default rules, fresh
 * scores of the month used only by rule files that read churn_risk) and the value-matrix quadrant against the base's
 * medians, as `tenure lifecycle` and `tenure value` compute them. Both come from the kept
 * tables those commands maintain, joined in SQL.
 */
export async function scoreContext(store: AnalyticsStore, asOf: string): Promise<Map<string, ScoreContext>> {
  const { first } = await dataMonths(store);
  const { stageKey, valueKey } = await keepDefaultStagesAndValues(store, [asOf], { dataFirst: first, hasScores: true });
  // Columns rather than row objects: a million customers come back in a fraction of the time.
  const set = await store.queryColumns(
    `WITH v AS (SELECT * FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $2 AND as_of = CAST($3 AS DATE)),
          t AS (SELECT quantile_cont(current_value, 0.5) AS cm, quantile_cont(potential, 0.5) AS pm FROM v)
     SELECT h.customer_id, h.stage,
            CASE WHEN v.customer_id IS NULL THEN NULL
                 WHEN v.current_value > t.cm THEN CASE WHEN v.potential > t.pm THEN 'IV' ELSE 'III' END
                 ELSE CASE WHEN v.potential > t.pm THEN 'II' ELSE 'I' END END AS quadrant
     FROM ${HISTORY_TABLE} h CROSS JOIN t LEFT JOIN v ON v.customer_id = h.customer_id
     WHERE h.rules_key = $1 AND h.as_of = CAST($3 AS DATE)`,
    [stageKey, valueKey, `${asOf}-01`],
  );
  const ids = set.columns.customer_id as readonly (string | null)[];
  const stage = set.columns.stage as readonly (string | null)[];
  const quadrant = set.columns.quadrant as readonly (string | null)[];
  const out = new Map<string, ScoreContext>();
  for (let i = 0; i < set.rowCount; i++) out.set(String(ids[i]), { lifecycle_stage: stage[i] ?? null, value_quadrant: quadrant[i] ?? null });
  return out;
}
