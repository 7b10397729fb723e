/**
 * `tenure relationship` (issue 13.5, 客户关系评价): the weighted scorecard of every account open
 * at the end of the as-of month M (joined before M + 1's first day, not churned before it), its
 * distribution by segment, and whether it predicts churn.
 *
 * The components' inputs are read as of the end of M (domain/service/scorecard.ts defines the
 * scores): whole months of tenure to M + 1's first day; the categories of the subscriptions
 * active then against the categories any account held then; the bills of the PAYMENT_BILLS
 * months to M (paid against revenue, worst overdue_days); the complaints and ratings of the
 * INTERACTION_MONTHS months to M. Without subscriptions (or interactions) in the store the
 * component is unknown for everyone and its weight drops out.
 *
 * Prediction: the AUC of the score (lower score = likelier to leave) on churn in the `horizon`
 * months after M (churn_date in [M + 1, M + 1 + horizon)), with each component's AUC alone.
 * When M's horizon runs past the data, the scorecard is evaluated at the latest month E whose
 * horizon is observed (evaluated_as_of). Beside it, the stored churn model's holdout AUC (its
 * own holdout month and horizon, which the output names).
 */
import { addMonths, parseMonth, type MonthText } from '../../domain/month.ts';
import {
  COMPONENTS,
  complaintsScore,
  DEFAULT_WEIGHTS,
  INTERACTION_MONTHS,
  PAYMENT_BILLS,
  paymentScore,
  productsScore,
  relationshipScore,
  satisfactionScore,
  tenureScore,
  type Component,
  type Weights,
} from '../../domain/service/scorecard.ts';
import { aucOf, distributionOf, distributionsByGroup, type Distribution } from '../../domain/service/rates.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { dataSpan, resolveMonth } from '../data-span.ts';
import { segmentFieldSql, wholeNumber } from './common.ts';

export const DEFAULT_RELATIONSHIP_HORIZON = 3;
export const DEFAULT_WEAKEST = 20;

export interface RelationshipInput {
  readonly asOf?: string;
  readonly weights?: Weights;
  readonly segmentBy?: string;
  readonly horizon?: string | number;
  /** How many of the weakest relationships to list. */
  readonly weakest?: string | number;
}

export interface ScoredAccounts {
  readonly customerId: (string | null)[];
  readonly segment: (string | null)[];
  /** Component scores, COMPONENTS order, NaN = unknown. */
  readonly components: Float64Array[];
  readonly score: Float64Array;
  /** 1 when churned in the horizon after the month (only meaningful when observed). */
  readonly churned: Float64Array;
}

export interface Prediction {
  readonly evaluated_as_of: MonthText | null;
  readonly horizon: number;
  readonly accounts: number;
  readonly churned: number;
  /** AUC of the score (low score = churn); null when it cannot be evaluated. */
  readonly auc: number | null;
  readonly component_auc: Readonly<Record<Component, number | null>>;
  readonly model: { readonly model_version: string; readonly holdout: MonthText; readonly horizon: number; readonly auc: number } | null;
  /** Why the AUC is missing, when it is. */
  readonly note: string | null;
}

export interface WeakRelationship {
  readonly customer_id: string;
  readonly segment: string;
  readonly score: number;
  readonly components: Readonly<Record<Component, number | null>>;
}

export interface RelationshipReport {
  readonly as_of: MonthText;
  readonly weights: Weights;
  readonly segment_field: string;
  readonly accounts: number;
  readonly overall: Distribution;
  readonly segments: { readonly segment: string; readonly distribution: Distribution }[];
  /** Share of the accounts for which each component is known. */
  readonly coverage: Readonly<Record<Component, number>>;
  readonly weakest: WeakRelationship[];
  readonly prediction: Prediction;
}

export function relationshipInputsSql(segmentSql: string, withIds = true): string {
  // $1 first day after M, $2 first bill month read, $3 first interaction day read, $4 first day after the horizon.
  return `
  WITH base AS (
    SELECT c.customer_id, ${segmentSql} AS segment, c.join_date, e.churn_date
    FROM customers c LEFT JOIN churn_events e ON e.customer_id = c.customer_id
    WHERE c.join_date < CAST($1 AS DATE) AND (e.churn_date IS NULL OR e.churn_date >= CAST($1 AS DATE))
  ),
  held AS (
    SELECT customer_id, count(DISTINCT category) AS held FROM subscriptions
    WHERE start_date < CAST($1 AS DATE) AND (end_date IS NULL OR end_date >= CAST($1 AS DATE))
    GROUP BY 1
  ),
  pay AS (
    SELECT customer_id, sum(CASE WHEN paid IS NOT NULL THEN least(paid, revenue) END) AS paid,
           sum(CASE WHEN paid IS NOT NULL THEN revenue END) AS billed, max(overdue_days) AS overdue
    FROM monthly_usage WHERE month >= CAST($2 AS DATE) AND month < CAST($1 AS DATE)
    GROUP BY 1
  ),
  talk AS (
    SELECT customer_id,
           count(*) FILTER (WHERE kind = 'complaint' AND resolved) AS resolved,
           count(*) FILTER (WHERE kind = 'complaint' AND resolved IS NOT TRUE) AS unresolved,
           avg(satisfaction) AS satisfaction
    FROM interactions WHERE ts >= CAST($3 AS DATE) AND ts < CAST($1 AS DATE)
    GROUP BY 1
  )
  SELECT ${withIds ? 'b.customer_id, b.segment,' : ''}
         CAST((extract(year FROM CAST($1 AS DATE)) - extract(year FROM b.join_date)) * 12
              + extract(month FROM CAST($1 AS DATE)) - extract(month FROM b.join_date)
              - CASE WHEN extract(day FROM b.join_date) > 1 THEN 1 ELSE 0 END AS DOUBLE PRECISION) AS tenure_months,
         CAST(coalesce(h.held, 0) AS DOUBLE PRECISION) AS held,
         CAST(p.paid AS DOUBLE PRECISION) AS paid, CAST(p.billed AS DOUBLE PRECISION) AS billed, CAST(p.overdue AS DOUBLE PRECISION) AS overdue,
         CAST(coalesce(t.resolved, 0) AS DOUBLE PRECISION) AS resolved, CAST(coalesce(t.unresolved, 0) AS DOUBLE PRECISION) AS unresolved,
         CAST(t.satisfaction AS DOUBLE PRECISION) AS satisfaction,
         CAST(CASE WHEN b.churn_date < CAST($4 AS DATE) THEN 1 ELSE 0 END AS DOUBLE PRECISION) AS churned
  FROM base b
  LEFT JOIN held h ON h.customer_id = b.customer_id
  LEFT JOIN pay p ON p.customer_id = b.customer_id
  LEFT JOIN talk t ON t.customer_id = b.customer_id`;
}

async function hasRows(store: AnalyticsStore, table: 'subscriptions' | 'interactions'): Promise<boolean> {
  const [r] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} LIMIT 1) AS t`);
  return Number(r?.n ?? 0) > 0;
}

/** Every open account's components and score as of month M. */
/** withIds false: the evaluation pass, which needs scores and labels only (text columns cost the most to read). */
export async function scoreAccounts(store: AnalyticsStore, asOf: MonthText, weights: Weights, segmentSql: string, horizon: number, withIds = true): Promise<ScoredAccounts> {
  const next = `${addMonths(asOf, 1)}-01`;
  const [withSubscriptions, withInteractions] = [await hasRows(store, 'subscriptions'), await hasRows(store, 'interactions')];
  const [offered] = await store.query<{ n: number }>(
    `SELECT count(DISTINCT category) AS n FROM subscriptions WHERE start_date < CAST($1 AS DATE) AND (end_date IS NULL OR end_date >= CAST($1 AS DATE))`,
    [next],
  );
  const set = await store.queryColumns(relationshipInputsSql(segmentSql, withIds), [
    next,
    `${addMonths(asOf, 1 - PAYMENT_BILLS)}-01`,
    `${addMonths(asOf, 1 - INTERACTION_MONTHS)}-01`,
    `${addMonths(asOf, 1 + horizon)}-01`,
  ]);
  const f = (name: string) => set.columns[name] as Float64Array;
  const n = set.rowCount;
  const components = COMPONENTS.map(() => new Float64Array(n));
  const score = new Float64Array(n);
  const [tenure, held, paid, billed, overdue, resolved, unresolved, satisfaction] = ['tenure_months', 'held', 'paid', 'billed', 'overdue', 'resolved', 'unresolved', 'satisfaction'].map(f) as Float64Array[];
  const offeredCount = withSubscriptions ? Number(offered?.n ?? 0) : 0;
  const row = new Array<number>(COMPONENTS.length);
  for (let i = 0; i < n; i++) {
    const billedI = billed![i] as number;
    const paidShare = Number.isNaN(billedI) ? Number.NaN : billedI > 0 ? (paid![i] as number) / billedI : 1;
    row[0] = tenureScore(tenure![i] as number);
    row[1] = productsScore(held![i] as number, offeredCount);
    row[2] = paymentScore(paidShare, overdue![i] as number);
    row[3] = withInteractions ? complaintsScore(resolved![i] as number, unresolved![i] as number) : Number.NaN;
    row[4] = withInteractions ? satisfactionScore(satisfaction![i] as number) : Number.NaN;
    row[5] = Number.NaN; // referrals: not in the contract
    for (let c = 0; c < COMPONENTS.length; c++) (components[c] as Float64Array)[i] = row[c] as number;
    score[i] = relationshipScore(row, weights);
  }
  return {
    customerId: withIds ? (set.columns.customer_id as (string | null)[]) : [],
    segment: withIds ? (set.columns.segment as (string | null)[]) : [],
    components,
    score,
    churned: f('churned'),
  };
}

/** AUC of "low value = churn" over the accounts whose value is known; null with one class or none. */
export function lowScoreAuc(values: Float64Array, churned: Float64Array): number | null {
  return aucOf(values.map((v) => -v), churned);
}

async function storedModelAuc(store: AnalyticsStore): Promise<Prediction['model']> {
  const [row] = await store.query<{ model_version: string; metrics: string | null }>('SELECT model_version, metrics FROM churn_models ORDER BY created_at DESC LIMIT 1');
  if (!row?.metrics) return null;
  try {
    const m = JSON.parse(row.metrics) as { holdout?: string; horizon?: number; model?: { auc?: number } };
    if (typeof m.model?.auc !== 'number' || typeof m.holdout !== 'string') return null;
    return { model_version: row.model_version, holdout: m.holdout, horizon: Number(m.horizon), auc: m.model.auc };
  } catch {
    return null;
  }
}

/** The `count` lowest scores, ties by customer id, without sorting every account. */
function weakestFirst(scored: ScoredAccounts, count: number): number[] {
  if (count === 0) return [];
  const finite = scored.score.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return [];
  const cut = finite[Math.min(count, finite.length) - 1] as number;
  const id = (i: number) => String(scored.customerId[i]);
  const picked: number[] = [];
  scored.score.forEach((v, i) => {
    if (v <= cut) picked.push(i);
  });
  return picked.sort((a, b) => (scored.score[a] as number) - (scored.score[b] as number) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0)).slice(0, count);
}

const componentRecord = (values: (i: number) => number | null): Record<Component, number | null> =>
  Object.fromEntries(COMPONENTS.map((c, i) => [c, values(i)])) as Record<Component, number | null>;

export async function relationshipReport(store: AnalyticsStore, input: RelationshipInput = {}): Promise<RelationshipReport> {
  const weights = input.weights ?? DEFAULT_WEIGHTS;
  const horizon = wholeNumber('--horizon', input.horizon, DEFAULT_RELATIONSHIP_HORIZON, 1, 24);
  const weakestN = wholeNumber('--weakest', input.weakest, DEFAULT_WEAKEST, 0, 10_000);
  const span = await dataSpan(store);
  const asOf = resolveMonth('--as-of', input.asOf, span);
  const segment = await segmentFieldSql(store, input.segmentBy);
  const scored = await scoreAccounts(store, asOf, weights, segment.sql, horizon);
  const n = scored.score.length;

  const segments = distributionsByGroup(scored.score, scored.segment.map((s) => s ?? 'unknown'));
  const coverage = Object.fromEntries(
    COMPONENTS.map((c, ci) => {
      let known = 0;
      for (const v of scored.components[ci] as Float64Array) if (Number.isFinite(v)) known++;
      return [c, n > 0 ? known / n : 0];
    }),
  ) as Record<Component, number>;

  // The weakest relationships: lowest score first, ties by customer id.
  const order = weakestFirst(scored, weakestN);
  const weakest = order.slice(0, weakestN).map((i) => ({
    customer_id: String(scored.customerId[i]),
    segment: scored.segment[i] ?? 'unknown',
    score: scored.score[i] as number,
    components: componentRecord((c) => {
      const v = (scored.components[c] as Float64Array)[i] as number;
      return Number.isFinite(v) ? v : null;
    }),
  }));

  // Prediction on the month whose horizon is observed.
  const latestObserved = addMonths(span.last, -horizon);
  const evaluatedAsOf = parseMonth(asOf) <= parseMonth(latestObserved) ? asOf : parseMonth(latestObserved) >= parseMonth(span.first) ? latestObserved : null;
  let prediction: Prediction;
  const model = await storedModelAuc(store);
  if (evaluatedAsOf === null) {
    prediction = { evaluated_as_of: null, horizon, accounts: 0, churned: 0, auc: null, component_auc: componentRecord(() => null), model, note: `the data (${span.first}..${span.last}) is shorter than the ${horizon}-month horizon` };
  } else {
    const evaluated = evaluatedAsOf === asOf ? scored : await scoreAccounts(store, evaluatedAsOf, weights, segment.sql, horizon, false);
    let churned = 0;
    for (const v of evaluated.churned) churned += v;
    const auc = lowScoreAuc(evaluated.score, evaluated.churned);
    prediction = {
      evaluated_as_of: evaluatedAsOf,
      horizon,
      accounts: evaluated.score.length,
      churned,
      auc,
      component_auc: componentRecord((c) => lowScoreAuc(evaluated.components[c] as Float64Array, evaluated.churned)),
      model,
      note: auc === null ? `no churn or no stayer in the ${horizon} months after ${evaluatedAsOf}` : null,
    };
  }
  return { as_of: asOf, weights, segment_field: segment.field, accounts: n, overall: distributionOf(scored.score), segments: segments.map((s) => ({ segment: s.group, distribution: s.distribution })), coverage, weakest, prediction };
}
