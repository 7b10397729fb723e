/**
 * `tenure lifecycle`: where every customer stands on the lifecycle in one month, staged in
 * the store (stages-sql.ts), with counts, shares, ARPU and margin per stage and the rule that
 * placed them. E counts every account churned on or before the end of the month (CLI contract).
 */
import { STAGE_INFO, STAGES, type RelationshipStage, type Stage } from '../../domain/lifecycle/stages.ts';
import { rulesRead, type LifecycleRules } from '../../domain/lifecycle/rules.ts';
import { type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { dataSpan, partialHistory, resolveMonth, type DataSpan, type PartialCoverage } from '../data-span.ts';
import { loadRules } from './context.ts';
import { ensureStageHistory, HISTORY_TABLE } from './history-store.ts';
import { exactSumSql, LOOKBACK_MONTHS } from './stages-sql.ts';

export interface StageSummary {
  readonly stage: Stage;
  readonly name: string;
  readonly zh: string;
  readonly relationship: RelationshipStage;
  readonly relationship_zh: string;
  readonly customers: number;
  /** Share of all accounts staged (A–E). */
  readonly share: number;
  /** Share of the live base (A–D); null for E. */
  readonly active_share: number | null;
  /** Revenue billed in the month per customer of the stage. */
  readonly arpu: number | null;
  /** Revenue − cost billed in the month per customer of the stage. */
  readonly margin: number | null;
  /** Mean of the customers' last-3-month ARPU (billed months only). */
  readonly arpu_last3: number | null;
  readonly focus: string;
}

export interface LifecycleSnapshot {
  readonly as_of: MonthText;
  readonly stages: Record<Stage, number>;
  readonly shares: Record<Stage, number>;
  readonly customers: number;
  readonly active_customers: number;
  readonly by_stage: StageSummary[];
  /** Accounts per rule that placed them (rule ids of the rule file). */
  readonly rules: { id: string; stage: Stage; customers: number }[];
  readonly relationship_stages: { relationship: RelationshipStage; zh: string; stage: Stage }[];
  /** True only when a rule reads churn_risk and a scoring run of this very month exists (issue 19.8). */
  readonly churn_scores_used: boolean;
  /** Figures placed on less history than they need (empty: complete); see app/data-span.ts. */
  readonly partial_coverage: PartialCoverage[];
}

export interface LifecycleInput {
  readonly asOf?: string;
  readonly rules?: LifecycleRules;
  readonly rulesFile?: string;
}

const round = (x: number | null, digits = 4): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

export async function resolveAsOf(store: AnalyticsStore, asOf: string | undefined): Promise<{ asOf: MonthText; first: MonthText; last: MonthText; hasScores: boolean; span: DataSpan }> {
  const span = await dataSpan(store);
  const month = resolveMonth('--as-of', asOf, span);
  return { asOf: month, first: span.first, last: span.last, hasScores: span.hasScores, span };
}

/** Months whose stage is placed on less than the year of bills the stage features read. */
export function stagePartial(span: DataSpan, months: readonly MonthText[]): PartialCoverage[] {
  return partialHistory(
    span,
    months,
    'stage',
    LOOKBACK_MONTHS,
    'month',
    `the stage features read ${LOOKBACK_MONTHS} months of bills up to the month (ARPU and usage of the last 3 months against the 3 before, dormancy, the peak quarter)`,
  );
}

/** Whether a scoring run of exactly `month` exists (the only one its stages may read). */
export async function monthHasScores(store: AnalyticsStore, month: MonthText): Promise<boolean> {
  const rows = await store.query('SELECT 1 FROM churn_scores WHERE as_of = CAST($1 AS DATE) LIMIT 1', [`${month}-01`]);
  return rows.length > 0;
}

export async function lifecycleSnapshot(store: AnalyticsStore, input: LifecycleInput = {}): Promise<LifecycleSnapshot> {
  const rules = input.rules ?? loadRules(input.rulesFile);
  const { asOf, first, hasScores, span } = await resolveAsOf(store, input.asOf);
  const { key } = await ensureStageHistory(store, [asOf], { rules, dataFirst: first, hasScores });
  const rows = await store.query<{ stage: string; rule: string; customers: number; revenue: number | null; margin: number | null; arpu3: number | null }>(
    // Exact sums (whole millionths): the same totals on every run, whatever order threads add in.
    `SELECT stage, rule, count(*) AS customers, ${exactSumSql('coalesce(revenue_m, 0)')} AS revenue, ${exactSumSql('coalesce(margin_m, 0)')} AS margin,
            ${exactSumSql('arpu_last3')} / count(arpu_last3) AS arpu3
     FROM ${HISTORY_TABLE} WHERE rules_key = $1 AND as_of = CAST($2 AS DATE) GROUP BY stage, rule ORDER BY stage, rule`,
    [key, `${asOf}-01`],
  );
  const per = new Map<Stage, { n: number; revenue: number; margin: number; arpu3Sum: number; arpu3N: number }>(
    STAGES.map((s) => [s, { n: 0, revenue: 0, margin: 0, arpu3Sum: 0, arpu3N: 0 }]),
  );
  const ruleCounts = new Map<string, number>();
  for (const r of rows) {
    const acc = per.get(r.stage as Stage);
    if (!acc) continue;
    const n = Number(r.customers);
    acc.n += n;
    acc.revenue += Number(r.revenue ?? 0);
    acc.margin += Number(r.margin ?? 0);
    if (r.arpu3 !== null) {
      acc.arpu3Sum += Number(r.arpu3) * n;
      acc.arpu3N += n;
    }
    ruleCounts.set(r.rule, (ruleCounts.get(r.rule) ?? 0) + n);
  }
  const total = [...per.values()].reduce((s, a) => s + a.n, 0);
  const active = total - (per.get('E')?.n ?? 0);
  const stages = Object.fromEntries(STAGES.map((s) => [s, per.get(s)?.n ?? 0])) as Record<Stage, number>;
  const shares = Object.fromEntries(STAGES.map((s) => [s, total > 0 ? round((per.get(s)?.n ?? 0) / total, 6) ?? 0 : 0])) as Record<Stage, number>;
  const by_stage = STAGES.map((s): StageSummary => {
    const a = per.get(s) ?? { n: 0, revenue: 0, margin: 0, arpu3Sum: 0, arpu3N: 0 };
    const info = STAGE_INFO[s];
    return {
      stage: s,
      name: info.en,
      zh: info.zh,
      relationship: info.relationship,
      relationship_zh: info.relationshipZh,
      customers: a.n,
      share: total > 0 ? (round(a.n / total, 6) ?? 0) : 0,
      active_share: s === 'E' ? null : active > 0 ? round(a.n / active, 6) : 0,
      arpu: a.n > 0 ? round(a.revenue / a.n, 2) : null,
      margin: a.n > 0 ? round(a.margin / a.n, 2) : null,
      arpu_last3: a.arpu3N > 0 ? round(a.arpu3Sum / a.arpu3N, 2) : null,
      focus: info.focus,
    };
  });
  const ruleList = [...rules.rules.map((r) => ({ id: r.id, stage: r.stage })), { id: rules.default.id, stage: rules.default.stage }];
  return {
    as_of: asOf,
    stages,
    shares,
    customers: total,
    active_customers: active,
    by_stage,
    rules: ruleList.map((r) => ({ ...r, customers: ruleCounts.get(r.id) ?? 0 })),
    relationship_stages: STAGES.map((s) => ({ relationship: STAGE_INFO[s].relationship, zh: STAGE_INFO[s].relationshipZh, stage: s })),
    churn_scores_used: hasScores && rulesRead(rules, 'churn_risk') && (await monthHasScores(store, asOf)),
    partial_coverage: stagePartial(span, [asOf]),
  };
}
