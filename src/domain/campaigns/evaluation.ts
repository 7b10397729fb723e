/**
 * Campaign evaluation by intention to treat, as the data contract defines it ("Campaign
 * definitions"): each offer arm is compared with the control arm as assigned, whether or not a
 * member was reached. Pure: the store sums members, churn, revenue and cost per arm; this module
 * turns those sums into rates, intervals, uplift, money and a verdict.
 */
import { CONTROL_ARM } from '../../contract/spec.ts';
import { newcombeInterval, wilsonInterval, type Interval } from './intervals.ts';

/** Per-arm sums over the evaluated members (members not churned before the campaign's start). */
export interface ArmSums {
  readonly arm: string;
  readonly members: number;
  /** Members with a churn_date inside the window. */
  readonly churned: number;
  /** Members with a contacted_ts (first successful contact). */
  readonly reached: number;
  /** Members with a contact or any response: for the control arm, its contamination. */
  readonly touched: number;
  /** Σ monthly_usage revenue of the arm's members over the window's billing months. */
  readonly revenue: number;
  /** Σ per member of cost if given, else contact_cost × (contact or response) + unit_cost × accepted. */
  readonly cost: number;
  /** Mean customer value after the window of the arm's members still active then; null when unknown. */
  readonly retainedValue: number | null;
}

export type Verdict = 'retained' | 'no_evidence' | 'harmed' | 'no_control' | 'control';

export interface ArmEvaluation {
  readonly arm: string;
  readonly members: number;
  readonly churned: number;
  readonly churnRate: number | null;
  readonly churnRateCi: Interval | null;
  readonly reached: number;
  readonly revenuePerMember: number | null;
  readonly cost: number;
  /** Mean customer value after the window of the arm's members still active then (ArmSums.retainedValue). */
  readonly retainedValue: number | null;
  /** Offer arms only (null for the control arm and when there is no control to compare with). */
  readonly uplift: number | null;
  readonly upliftCi: Interval | null;
  readonly saved: number | null;
  readonly incrementalRevenue: number | null;
  readonly netValue: number | null;
  readonly roi: number | null;
  /**
   * Uplift among those reached (complier average causal effect, Angrist–Imbens–Rubin):
   * ITT uplift / (reach rate of the arm − reach rate of the control). Null when no more of the
   * arm than of the control was reached.
   */
  readonly upliftAmongReached: number | null;
  readonly verdict: Verdict;
}

/** Evaluates every arm of one campaign; the control arm first. */
export function evaluateArms(arms: readonly ArmSums[], level = 0.95): ArmEvaluation[] {
  const control = arms.find((a) => a.arm === CONTROL_ARM && a.members > 0);
  const sorted = [...arms].sort((a, b) => (a.arm === CONTROL_ARM ? -1 : b.arm === CONTROL_ARM ? 1 : a.arm < b.arm ? -1 : a.arm > b.arm ? 1 : 0));
  return sorted.map((a) => evaluateArm(a, a.arm === CONTROL_ARM ? undefined : control, level));
}

function evaluateArm(a: ArmSums, control: ArmSums | undefined, level: number): ArmEvaluation {
  const rate = a.members > 0 ? a.churned / a.members : null;
  const base = {
    arm: a.arm,
    members: a.members,
    churned: a.churned,
    churnRate: rate,
    churnRateCi: a.members > 0 ? wilsonInterval(a.churned, a.members, level) : null,
    reached: a.reached,
    revenuePerMember: a.members > 0 ? a.revenue / a.members : null,
    cost: a.cost,
    retainedValue: a.retainedValue,
  };
  const none = { uplift: null, upliftCi: null, saved: null, incrementalRevenue: null, netValue: null, roi: null, upliftAmongReached: null };
  if (a.arm === CONTROL_ARM) return { ...base, ...none, verdict: 'control' };
  if (!control || a.members === 0 || rate === null) return { ...base, ...none, verdict: 'no_control' };

  const controlRate = control.churned / control.members;
  const uplift = controlRate - rate;
  // Uplift is control minus arm, so its interval is Newcombe's for p(control) − p(arm).
  const upliftCi = newcombeInterval(control.churned, control.members, a.churned, a.members, level);
  const saved = uplift * a.members;
  const incrementalRevenue = (a.revenue / a.members - control.revenue / control.members) * a.members;
  const netValue = a.retainedValue === null ? null : incrementalRevenue + saved * a.retainedValue - a.cost;
  const reachGap = a.reached / a.members - control.reached / control.members;
  return {
    ...base,
    uplift,
    upliftCi,
    saved,
    incrementalRevenue,
    netValue,
    roi: netValue !== null && a.cost > 0 ? netValue / a.cost : null,
    upliftAmongReached: reachGap > 0 ? uplift / reachGap : null,
    verdict: upliftCi[0] > 0 ? 'retained' : upliftCi[1] < 0 ? 'harmed' : 'no_evidence',
  };
}

export const VERDICT_TEXT: Record<Verdict, { zh: string; en: string }> = {
  retained: { zh: '挽留有效：流失率低于对照组（95% 区间不含零）', en: 'the offer retained customers: churn below control (95 % interval excludes zero)' },
  no_evidence: { zh: '没有证据表明该优惠挽留了客户（区间包含零）', en: 'no evidence the offer retained anyone (the interval includes zero)' },
  harmed: { zh: '该优惠反而提高了流失率（区间在零以下）', en: 'the offer increased churn (the interval is below zero)' },
  no_control: { zh: '无对照组，无法衡量效果', en: 'no control group: the effect cannot be measured' },
  control: { zh: '对照组（未接触）', en: 'control group (not contacted)' },
};
