/**
 * `tenure lifecycle transitions` and `tenure lifecycle patterns`: the stage of every customer
 * in every month of a range (staged in SQL, stages-sql.ts), then in SQL the month-to-month
 * transition matrix, the time spent per stage and the textbook's relationship patterns I–IV of
 * the relationships that ended in the range. Same conventions as domain/lifecycle/history.ts
 * (E is absorbing: only the first E month counts; nothing is counted after it).
 */
import { PATTERN_INFO, type RelationshipPattern } from '../../domain/lifecycle/history.ts';
import type { LifecycleRules } from '../../domain/lifecycle/rules.ts';
import { STAGES, type Stage } from '../../domain/lifecycle/stages.ts';
import { addMonths, monthRange, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { dataSpan, resolveMonthRange, type PartialCoverage } from '../data-span.ts';
import { loadRules } from './context.ts';
import { stagePartial } from './lifecycle.ts';
import { ensureStageHistory, HISTORY_TABLE } from './history-store.ts';
import { requireWritable } from '../../store/access.ts';

/**
 * Default range: the latest two months, the month-to-month migration matrix of the latest month
 * (last month's stage → this month's). Longer ranges (--from) add time in stage and patterns
 * over more months; their stages are computed on first use and kept.
 */
export const DEFAULT_TRANSITION_MONTHS = 2;
const MAX_RANGE_MONTHS = 36;

export interface TransitionsInput {
  readonly from?: string;
  readonly to?: string;
  readonly rules?: LifecycleRules;
  readonly rulesFile?: string;
}

export type StageTimeRow = {
  readonly stage: Stage;
  readonly months: number;
  readonly spells: number;
  readonly mean_spell_months: number;
};

export type PatternRow = {
  readonly pattern: RelationshipPattern;
  readonly zh: string;
  readonly en: string;
  /** Relationships that ended in the range, classified from the months observed in it. */
  readonly customers: number;
  /** Of those, relationships that also began in the range (observed from the join month). */
  readonly observed_from_join: number;
};

/**
 * Exits of the range that no pattern classifies, by reason, so patterns + unassigned = exits
 * (issue 19.8). A pattern needs at least one month-end stage before the exit within the range.
 */
export type UnassignedReason = 'joined_and_left_in_one_month' | 'left_in_first_month_of_range';
export const UNASSIGNED_REASONS: Readonly<Record<UnassignedReason, string>> = {
  joined_and_left_in_one_month: 'joined and left in the same month: never a customer at a month end, so no stage before the exit',
  left_in_first_month_of_range: 'left in the first month of the range: no stage observed before the exit within the range (give an earlier --from)',
};

export interface LifecycleTransitions {
  readonly from: MonthText;
  readonly to: MonthText;
  readonly stages: readonly Stage[];
  /** counts[from][to] over consecutive months; the E row is zero (exit is absorbing). */
  readonly counts: number[][];
  readonly probabilities: number[][];
  readonly time_in_stage: StageTimeRow[];
  readonly patterns: PatternRow[];
  /** Accounts with churn_date in the range (the churn reports' voluntary + involuntary). */
  readonly exits: number;
  readonly unassigned: { readonly customers: number; readonly reasons: { reason: UnassignedReason; customers: number; description: string }[] };
  readonly long_stability_months: number;
  /** Months staged on less than a year of bills (empty: complete); see app/data-span.ts. */
  readonly partial_coverage: PartialCoverage[];
}

export async function resolveRange(store: AnalyticsStore, input: { from?: string; to?: string }, defaultMonths: number): Promise<{ months: MonthText[]; first: MonthText; hasScores: boolean; partial: PartialCoverage[] }> {
  const span = await dataSpan(store);
  const { from, to } = resolveMonthRange(input, span, (end) => addMonths(end, -(defaultMonths - 1)));
  const months = monthRange(from, to);
  if (months.length > MAX_RANGE_MONTHS) throw new TenureError('USAGE', `the range ${from}..${to} has ${months.length} months; give at most ${MAX_RANGE_MONTHS}`);
  return { months, first: span.first, hasScores: span.hasScores, partial: stagePartial(span, months) };
}

/** SQL of the per-customer stage sequence (`seq`) from the kept history ($1 rules key, $2..$3 months): each month with the previous month's stage. */
export function stageSequenceSql(): string {
  return `
  staged AS (SELECT * FROM ${HISTORY_TABLE} WHERE rules_key = $1 AND as_of >= CAST($2 AS DATE) AND as_of <= CAST($3 AS DATE)),
  seq AS (
    SELECT customer_id, as_of, stage, join_date,
           lag(stage) OVER (PARTITION BY customer_id ORDER BY as_of) AS prev,
           first_value(stage) OVER (PARTITION BY customer_id ORDER BY as_of) AS first_stage
    FROM staged
  ),
  counted AS (SELECT * FROM seq WHERE prev IS NULL OR prev <> 'E')`;
}

export async function lifecycleTransitions(store: AnalyticsStore, input: TransitionsInput = {}): Promise<LifecycleTransitions> {
  const rules = input.rules ?? loadRules(input.rulesFile);
  const { months, first, hasScores, partial } = await resolveRange(store, input, DEFAULT_TRANSITION_MONTHS);
  const from = months[0] as MonthText;
  const to = months[months.length - 1] as MonthText;
  const long = rules.patterns.longStabilityMonths;
  const { key } = await ensureStageHistory(store, months, { rules, dataFirst: first, hasScores });
  const rows = await store.query<{ kind: string; a: string | null; b: string | null; n: number; m: number }>(
    `WITH ${stageSequenceSql()},
     ended AS (
       SELECT customer_id, min(join_date) AS join_date,
              bool_or(stage = 'B') AS reached_b, count(CASE WHEN stage = 'C' THEN 1 END) AS months_c
       FROM counted WHERE first_stage <> 'E'
       GROUP BY customer_id HAVING bool_or(stage = 'E')
     )
     SELECT 'move' AS kind, prev AS a, stage AS b, count(*) AS n, 0 AS m FROM counted WHERE prev IS NOT NULL GROUP BY prev, stage
     UNION ALL
     SELECT 'time', stage, NULL, count(*), count(CASE WHEN prev IS NULL OR prev <> stage THEN 1 END) FROM counted GROUP BY stage
     UNION ALL
     SELECT 'pattern',
            CASE WHEN months_c >= ${long} THEN 'IV' WHEN months_c > 0 THEN 'III' WHEN reached_b THEN 'II' ELSE 'I' END,
            NULL, count(*), count(CASE WHEN join_date >= DATE '${from}-01' THEN 1 END)
     FROM ended GROUP BY 2
     UNION ALL
     -- Every exit of the range that no pattern took, with why (the classification needs a stage before the exit).
     SELECT 'unassigned',
            CASE WHEN date_trunc('month', c.join_date) = date_trunc('month', e.churn_date) THEN 'joined_and_left_in_one_month'
                 WHEN date_trunc('month', e.churn_date) = DATE '${from}-01' THEN 'left_in_first_month_of_range'
                 ELSE 'other' END,
            NULL, count(*), 0
     FROM churn_events e JOIN customers c ON c.customer_id = e.customer_id
     WHERE e.churn_date >= DATE '${from}-01' AND e.churn_date < DATE '${addMonths(to, 1)}-01'
       AND e.customer_id NOT IN (SELECT customer_id FROM ended)
     GROUP BY 2
     UNION ALL
     SELECT 'exits', NULL, NULL, count(*), 0 FROM churn_events
     WHERE churn_date >= DATE '${from}-01' AND churn_date < DATE '${addMonths(to, 1)}-01'`,
    [key, `${from}-01`, `${to}-01`],
  );
  const idx = (s: string | null) => STAGES.indexOf(s as Stage);
  const counts = STAGES.map(() => STAGES.map(() => 0));
  const months_ = new Map<string, { months: number; spells: number }>();
  const patterns = new Map<string, { n: number; fromJoin: number }>();
  const unassigned = new Map<string, number>();
  let exits = 0;
  for (const r of rows) {
    if (r.kind === 'unassigned') unassigned.set(String(r.a), Number(r.n));
    if (r.kind === 'exits') exits = Number(r.n);
    if (r.kind === 'move' && idx(r.a) >= 0 && idx(r.b) >= 0) (counts[idx(r.a)] as number[])[idx(r.b)] = Number(r.n);
    else if (r.kind === 'time' && r.a !== null) months_.set(r.a, { months: Number(r.n), spells: Number(r.m) });
    else if (r.kind === 'pattern' && r.a !== null) patterns.set(r.a, { n: Number(r.n), fromJoin: Number(r.m) });
  }
  if (unassigned.has('other')) {
    // Not expected (every exit after a month-end stage is classified): say so rather than hide it.
    throw new TenureError('INTERNAL', `${unassigned.get('other')} exits of ${from}..${to} have a stage before the exit but no pattern`);
  }
  const probabilities = counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total > 0 ? Number((c / total).toFixed(6)) : 0));
  });
  return {
    from,
    to,
    stages: STAGES,
    counts,
    probabilities,
    time_in_stage: STAGES.map((stage) => {
      const t = months_.get(stage) ?? { months: 0, spells: 0 };
      return { stage, months: t.months, spells: t.spells, mean_spell_months: t.spells > 0 ? Number((t.months / t.spells).toFixed(4)) : 0 };
    }),
    patterns: (['I', 'II', 'III', 'IV'] as const).map((p) => ({
      pattern: p,
      zh: PATTERN_INFO[p].zh,
      en: PATTERN_INFO[p].en,
      customers: patterns.get(p)?.n ?? 0,
      observed_from_join: patterns.get(p)?.fromJoin ?? 0,
    })),
    exits,
    unassigned: {
      customers: [...unassigned.values()].reduce((a, b) => a + b, 0),
      reasons: (Object.keys(UNASSIGNED_REASONS) as UnassignedReason[]).map((reason) => ({ reason, customers: unassigned.get(reason) ?? 0, description: UNASSIGNED_REASONS[reason] })),
    },
    long_stability_months: long,
    partial_coverage: partial,
  };
}

/** `tenure lifecycle refresh`: stages and keeps the months of a range (default: the latest 12). */
export async function refreshStageHistory(store: AnalyticsStore, input: TransitionsInput & { force?: boolean } = {}): Promise<{ from: MonthText; to: MonthText; staged: MonthText[]; partial_coverage: PartialCoverage[] }> {
  requireWritable(store, 'lifecycle refresh');
  const rules = input.rules ?? loadRules(input.rulesFile);
  const { months, first, hasScores, partial } = await resolveRange(store, input, 12);
  const { staged } = await ensureStageHistory(store, months, { rules, dataFirst: first, hasScores, force: input.force === true });
  return { from: months[0] as MonthText, to: months[months.length - 1] as MonthText, staged, partial_coverage: partial };
}
