import type { MonthText } from '../../domain/month.ts';
import { requireWritable } from '../../store/access.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import type { Dialect } from '../../store/dialect.ts';
import { dataSpan } from '../data-span.ts';
import { HISTORY_TABLE } from '../lifecycle/history-store.ts';
import { keepDefaultStagesAndValues } from '../lifecycle/prepare.ts';
import { medianThresholds, type MatrixThresholds } from '../../domain/value/matrix.ts';
import { tierThresholds } from '../../domain/value/tiers.ts';
import { quadrantCaseSql, SNAPSHOT_TABLE, tierCaseSql } from '../value/value-snapshot.ts';
import { expectedLossSql } from './expected-loss.ts';
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
  // The medians by the value module's own function (valueCuts), as the kept context cuts them.
  const cuts = await valueCuts(store, valueKey, asOf);
  const quadrantSql = cuts ? quadrantCaseSql('v.current_value', 'v.potential', doubleSql(store.dialect, cuts.matrix.currentValue), doubleSql(store.dialect, cuts.matrix.potential)) : `CAST(NULL AS ${store.dialect.text})`;
  // Columns rather than row objects: a million customers come back in a fraction of the time.
  const set = await store.queryColumns(
    `WITH v AS (SELECT * FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = CAST($2 AS VARCHAR) AND as_of = CAST($3 AS DATE))
     SELECT h.customer_id, h.stage, ${quadrantSql} AS quadrant
     FROM ${HISTORY_TABLE} h LEFT JOIN v ON v.customer_id = h.customer_id
     WHERE h.rules_key = CAST($1 AS VARCHAR) AND h.as_of = CAST($3 AS DATE)`,
    [stageKey, valueKey, `${asOf}-01`],
  );
  const ids = set.columns.customer_id as readonly (string | null)[];
  const stage = set.columns.stage as readonly (string | null)[];
  const quadrant = set.columns.quadrant as readonly (string | null)[];
  const out = new Map<string, ScoreContext>();
  for (let i = 0; i < set.rowCount; i++) out.set(String(ids[i]), { lifecycle_stage: stage[i] ?? null, value_quadrant: quadrant[i] ?? null });
  return out;
}

/** A scoring run: the scores of one model version as of one month. */
export interface ScoringRunKey {
  readonly modelVersion: string;
  readonly asOf: MonthText;
}

/**
 * Kept per scoring run: where every scored customer stood when scored. customer_value = value at
 * stake (the kept value snapshot of the month, default parameters; 0 for a customer it has not),
 * expected_loss = expectedLossSql of it (the figure churn_scores keeps), lifecycle_stage (default
 * rules), value_quadrant (the base's medians) and value_tier (the base's percentiles) as
 * `tenure value` cuts them,
 * risk_decile: 1 (safest) … 10 of the run's probabilities, ties by customer id; and, so that a
 * list needs no join, the customer's region (path and province) and the run's top reasons.
 */
export const SCORE_CONTEXT_TABLE = 'churn_score_context';

const sqlText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The value matrix's medians and the tier cuts of a month's base, as `tenure value` computes them (domain/value). */
export interface ValueCuts {
  readonly matrix: MatrixThresholds;
  readonly tiers: readonly number[];
}

/**
 * The cut values in TypeScript, by the value module's own functions, rather than by the engine's
 * quantile: on a value shared by many customers (one plan, one tenure) the two interpolations can
 * differ in the last bit and put those customers in another tier than `tenure value` does.
 */
export async function valueCuts(store: AnalyticsStore, valueKey: string, asOf: MonthText): Promise<ValueCuts | null> {
  const set = await store.queryColumns(`SELECT current_value, potential FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $1 AND as_of = CAST($2 AS DATE)`, [valueKey, `${asOf}-01`]);
  const current = set.columns.current_value;
  const potential = set.columns.potential;
  if (set.rowCount === 0 || !(current instanceof Float64Array) || !(potential instanceof Float64Array)) return null;
  return { matrix: medianThresholds(current, potential), tiers: tierThresholds(current) };
}

/** A double as SQL, exactly (the shortest text that reads back as the same double). */
export const doubleSql = (d: Dialect, x: number): string => {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  return `CAST('${String(x)}' AS ${d.double})`;
};

/** The context rows of a run as SQL (the stage history and value snapshot of its month must be kept under these keys). */
export function scoreContextSql(d: Dialect, run: ScoringRunKey, stageKey: string, valueKey: string, cuts: ValueCuts | null): string {
  const month = `DATE ${sqlText(`${run.asOf}-01`)}`;
  const quadrant = cuts ? quadrantCaseSql('v.current_value', 'v.potential', doubleSql(d, cuts.matrix.currentValue), doubleSql(d, cuts.matrix.potential)) : `CAST(NULL AS ${d.text})`;
  // The array in parentheses: PostgreSQL subscripts an ARRAY[…] constructor only so.
  const tier = cuts ? `CASE WHEN v.customer_id IS NULL THEN NULL ELSE ${tierCaseSql('v.current_value', `(${d.arrayOf(cuts.tiers.map((t) => doubleSql(d, t)))})`)} END` : `CAST(NULL AS ${d.text})`;
  return `
    WITH v AS (SELECT customer_id, current_value, potential FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = ${sqlText(valueKey)} AND as_of = ${month}),
    st AS (SELECT customer_id, stage FROM ${HISTORY_TABLE} WHERE rules_key = ${sqlText(stageKey)} AND as_of = ${month})
    SELECT s.model_version, s.as_of, s.customer_id, s.churn_probability,
           CAST(coalesce(v.current_value, 0) AS DECIMAL(18,2)) AS customer_value,
           CAST(${expectedLossSql(d, 's.churn_probability', 'coalesce(v.current_value, 0)')} AS DECIMAL(18,2)) AS expected_loss,
           st.stage AS lifecycle_stage, ${quadrant} AS value_quadrant, ${tier} AS value_tier,
           CAST(ntile(10) OVER (ORDER BY s.churn_probability, s.customer_id) AS INTEGER) AS risk_decile,
           nullif(cu.province, '') AS province, cu.region, s.top_reasons
    FROM churn_scores s
    LEFT JOIN v ON v.customer_id = s.customer_id
    LEFT JOIN st ON st.customer_id = s.customer_id
    LEFT JOIN customers cu ON cu.customer_id = s.customer_id
    WHERE s.model_version = ${sqlText(run.modelVersion)} AND s.as_of = ${month}`;
}

async function contextSql(store: AnalyticsStore, run: ScoringRunKey): Promise<string> {
  const span = await dataSpan(store);
  const { stageKey, valueKey } = await keepDefaultStagesAndValues(store, [run.asOf], { dataFirst: span.first, hasScores: span.hasScores });
  return scoreContextSql(store.dialect, run, stageKey, valueKey, await valueCuts(store, valueKey, run.asOf));
}

/** Keeps (replaces) a run's context; `tenure score` calls it after writing the scores. */
export async function keepScoreContext(store: AnalyticsStore, run: ScoringRunKey): Promise<void> {
  requireWritable(store, 'keeping the scoring context');
  const sql = await contextSql(store, run);
  await store.transaction(async (tx) => {
    await tx.run(`DELETE FROM ${SCORE_CONTEXT_TABLE} WHERE model_version = $1 AND as_of = CAST($2 AS DATE)`, [run.modelVersion, `${run.asOf}-01`]);
    await tx.run(`INSERT INTO ${SCORE_CONTEXT_TABLE} ${sql}`);
  });
}

/**
 * The relation holding a run's context: the kept table, or for a run scored before it was kept,
 * the context computed now (kept by a writer; in a temporary table `temporary` on a read-only
 * store). Read it with `WHERE model_version = … AND as_of = …` either way.
 */
export async function scoreContextOf(store: AnalyticsStore, run: ScoringRunKey, temporary: string): Promise<string> {
  const [kept] = await store.query<{ n: number }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM ${SCORE_CONTEXT_TABLE} WHERE model_version = $1 AND as_of = CAST($2 AS DATE) LIMIT 1) AS k`,
    [run.modelVersion, `${run.asOf}-01`],
  );
  if (Number(kept?.n ?? 0) > 0) return SCORE_CONTEXT_TABLE;
  if (store.access === 'read-write') {
    await keepScoreContext(store, run);
    return SCORE_CONTEXT_TABLE;
  }
  for (const stmt of store.dialect.createTempTableAs(temporary, await contextSql(store, run))) await store.run(stmt);
  return temporary;
}
