import { parseMonth, type MonthText } from '../month.ts';
import { STAGES, type Stage } from './stages.ts';

/** One customer's stage in one month (as produced by evaluating the rules per as-of month). */
export interface StageObservation {
  readonly customerId: string;
  readonly month: MonthText;
  readonly stage: Stage;
}

export interface StageTransition {
  readonly customerId: string;
  /** Month in which the new stage was first observed. */
  readonly month: MonthText;
  readonly from: Stage;
  readonly to: Stage;
}

/** Observations grouped per customer in month order. */
function byCustomer(observations: readonly StageObservation[]): Map<string, StageObservation[]> {
  const groups = new Map<string, StageObservation[]>();
  for (const o of observations) {
    const list = groups.get(o.customerId);
    if (list) list.push(o);
    else groups.set(o.customerId, [o]);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => parseMonth(a.month) - parseMonth(b.month));
    for (let i = 1; i < list.length; i++) {
      if ((list[i] as StageObservation).month === (list[i - 1] as StageObservation).month) {
        throw new RangeError(`customer ${(list[i] as StageObservation).customerId} has two stages in ${(list[i] as StageObservation).month}`);
      }
    }
  }
  return groups;
}

/** Stage changes between consecutive observed months of each customer. */
export function stageTransitions(observations: readonly StageObservation[]): StageTransition[] {
  const out: StageTransition[] = [];
  for (const list of byCustomer(observations).values()) {
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1] as StageObservation;
      const cur = list[i] as StageObservation;
      if (prev.stage !== cur.stage) out.push({ customerId: cur.customerId, month: cur.month, from: prev.stage, to: cur.stage });
    }
  }
  return out;
}

export interface StageTime {
  readonly stage: Stage;
  /** Customer-months observed in the stage. */
  readonly months: number;
  /** Uninterrupted runs of the stage. */
  readonly spells: number;
  readonly meanSpellMonths: number;
}

/** Time spent per stage over all customers (E counts only its first month: exit is absorbing). */
export function timeInStage(observations: readonly StageObservation[]): StageTime[] {
  const months = new Map<Stage, number>(STAGES.map((s) => [s, 0]));
  const spells = new Map<Stage, number>(STAGES.map((s) => [s, 0]));
  for (const list of byCustomer(observations).values()) {
    let prev: Stage | null = null;
    for (const o of list) {
      if (prev === 'E') break;
      months.set(o.stage, (months.get(o.stage) ?? 0) + 1);
      if (o.stage !== prev) spells.set(o.stage, (spells.get(o.stage) ?? 0) + 1);
      prev = o.stage;
    }
  }
  return STAGES.map((stage) => {
    const m = months.get(stage) ?? 0;
    const s = spells.get(stage) ?? 0;
    return { stage, months: m, spells: s, meanSpellMonths: s > 0 ? m / s : 0 };
  });
}

export interface TransitionMatrix {
  readonly stages: readonly Stage[];
  /** counts[from][to] over consecutive observed months; rows for E are zero (exit is absorbing). */
  readonly counts: readonly (readonly number[])[];
  /** Row-normalised counts: the month-to-month transition probabilities. */
  readonly probabilities: readonly (readonly number[])[];
}

export function transitionMatrix(observations: readonly StageObservation[]): TransitionMatrix {
  const idx = (s: Stage) => STAGES.indexOf(s);
  const counts = STAGES.map(() => STAGES.map(() => 0));
  for (const list of byCustomer(observations).values()) {
    for (let i = 1; i < list.length; i++) {
      const from = (list[i - 1] as StageObservation).stage;
      if (from === 'E') break;
      const row = counts[idx(from)] as number[];
      const to = idx((list[i] as StageObservation).stage);
      row[to] = (row[to] as number) + 1;
    }
  }
  const probabilities = counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total > 0 ? c / total : 0));
  });
  return { stages: STAGES, counts, probabilities };
}

/** Relationship patterns of the CRM textbook (3.1.3), for relationships that ended. */
export type RelationshipPattern = 'I' | 'II' | 'III' | 'IV';
export const PATTERN_INFO: Readonly<Record<RelationshipPattern, { en: string; zh: string }>> = {
  I: { en: 'early abort: left during exploration', zh: '早期流产型' },
  II: { en: 'mid-way: left during formation, before stability', zh: '中途夭折型' },
  III: { en: 'early exit: left early in stability', zh: '提前退出型' },
  IV: { en: 'long-term: left after a long stability', zh: '长久保持型' },
};

/**
 * Pattern of one relationship from its monthly stages in order; null while it has not ended (no E).
 * I: never reached B or C; II: reached B, never C; III: reached C for fewer than
 * `longStabilityMonths` months; IV: `longStabilityMonths` or more months in C. D months are not progress.
 */
export function relationshipPattern(stages: readonly Stage[], longStabilityMonths: number): RelationshipPattern | null {
  const exit = stages.indexOf('E');
  if (exit < 0) return null;
  let reachedB = false;
  let monthsInC = 0;
  for (let i = 0; i < exit; i++) {
    if (stages[i] === 'B') reachedB = true;
    if (stages[i] === 'C') monthsInC++;
  }
  if (monthsInC >= longStabilityMonths) return 'IV';
  if (monthsInC > 0) return 'III';
  return reachedB ? 'II' : 'I';
}

/** Pattern per ended relationship, and counts per pattern. */
export function relationshipPatterns(
  observations: readonly StageObservation[],
  longStabilityMonths: number,
): { byCustomer: Map<string, RelationshipPattern>; counts: Record<RelationshipPattern, number> } {
  const result = new Map<string, RelationshipPattern>();
  const counts: Record<RelationshipPattern, number> = { I: 0, II: 0, III: 0, IV: 0 };
  for (const [id, list] of byCustomer(observations)) {
    const p = relationshipPattern(list.map((o) => o.stage), longStabilityMonths);
    if (p !== null) {
      result.set(id, p);
      counts[p]++;
    }
  }
  return { byCustomer: result, counts };
}
