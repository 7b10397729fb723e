/**
 * Win-back rules: which churned accounts are worth winning back, the revisit plan per reason
 * group, and a likelihood score from the operator's own history. Pure.
 */

/** Reason groups after which winning the person back is not pursued: the operator ended the account. */
export const NOT_WINNABLE_GROUPS: ReadonlySet<string> = new Set(['credit', 'fraud']);

export interface RevisitPlan {
  /** Days after the exit at which to revisit. */
  readonly afterDays: number;
  readonly zh: string;
  readonly en: string;
}

/**
 * Revisit plans by the contract's reason groups (reason_codes.group). A data set's own groups
 * fall back to the general plan. The timing follows why they left: a price leaver is
 * called when the competitor's promotion wears off, a quality leaver once the network has had
 * time to improve, a service leaver soon, by a senior agent.
 */
export const REVISIT_PLANS: Readonly<Record<string, RevisitPlan>> = {
  price: { afterDays: 30, zh: '竞争对手促销期结束前回访，提供有针对性的资费方案', en: 'call before the competitor promotion ends with a matched price plan' },
  quality: { afterDays: 90, zh: '网络改善后回访，告知覆盖/质量改进并提供试用', en: 'revisit once the network has improved: tell what was fixed and offer a trial' },
  convenience: { afterDays: 14, zh: '资深客服致歉回访，解决服务或账单问题', en: 'apology call by a senior agent who resolves the service or billing problem' },
  technology: { afterDays: 180, zh: '下一个换机周期回访，提供新终端/新技术优惠', en: 'revisit at the next device cycle with a new-handset or new-technology offer' },
  social: { afterDays: 60, zh: '回访时提供亲情/群组套餐', en: 'revisit with a family or group plan' },
  incidental: { afterDays: 30, zh: '确认新地址的覆盖与服务后回访', en: 'check service at the new address, then revisit' },
  non_use: { afterDays: 60, zh: '了解需求变化，推荐低月费套餐', en: 'ask what changed and suggest a low-fee plan' },
};
export const GENERAL_PLAN: RevisitPlan = { afterDays: 60, zh: '常规回访，了解流失原因并提供挽回优惠', en: 'general revisit: ask why they left and make a win-back offer' };

export function revisitPlan(group: string): RevisitPlan {
  return REVISIT_PLANS[group] ?? GENERAL_PLAN;
}

export interface RateCell {
  readonly churned: number;
  readonly returned: number;
}

/**
 * Win-back likelihood by empirical Bayes: the returned share of the account's cell (reason
 * group × competitor) shrunk towards the reason group's share, itself shrunk towards the overall
 * share, each with `prior` pseudo-accounts: (returned + prior × parent) / (churned + prior).
 * Small cells say little on their own; large ones speak for themselves.
 */
export function shrunkRate(cell: RateCell | undefined, parentRate: number, prior = 20): number {
  const churned = cell?.churned ?? 0;
  const returned = cell?.returned ?? 0;
  return (returned + prior * parentRate) / (churned + prior);
}
