/**
 * The next best action for an agent (pure): one action from what the store knows of a customer
 * now, with the reasons in an agent's words. The app layer gathers the facts (app/nba).
 *
 * The rules, in order (the first that applies decides):
 * 1. holdout: the customer is in this month's NBA control group → nothing (measured as control);
 * 2. no marketing consent → care_note (serve the call, offer nothing);
 * 3. the contact-fatigue limit is reached → care_note;
 * 4. high churn risk (risk decile ≥ 8 of the latest scoring run, or probability ≥ 0.3 when the
 *    run kept no decile) and worth keeping (value quadrant II, III or IV) → retention_offer:
 *    among eligible retention offers, the one an uplift model was trained for first, then a
 *    contract renewal when the contract ends within 90 days, then the cheapest whose cost is
 *    within the expected loss (probability × value at stake); none → care_note;
 * 5. high risk in quadrant I (little value, little potential) → care_note (no spend);
 * 6. growth potential (quadrant II or IV): cross-selling potential above up-selling → cross_sell
 *    with an eligible free_content offer if any, else up_sell with an eligible bonus_data or
 *    device offer if any (the other one when the first has no offer);
 * 7. a care occasion is near (contract end within 90 days, birthday within 7 days) → care_note;
 * 8. nothing.
 * Eligible: not running for the customer now (accepted, months not over), not declined by the
 * customer in the last 90 days, and of a kind the action uses.
 */
export const NBA_ACTIONS = ['retention_offer', 'cross_sell', 'up_sell', 'care_note', 'nothing'] as const;
export type NbaAction = (typeof NBA_ACTIONS)[number];

/** The campaign purpose (data contract) an action is measured under. */
export const ACTION_PURPOSE: Readonly<Record<NbaAction, 'retention' | 'cross_sell' | 'up_sell' | 'care'>> = {
  retention_offer: 'retention',
  cross_sell: 'cross_sell',
  up_sell: 'up_sell',
  care_note: 'care',
  nothing: 'care',
};

const RETENTION_KINDS = new Set(['discount', 'contract_renewal', 'bonus_data', 'points', 'care_call', 'free_content']);
const CROSS_SELL_KINDS = new Set(['free_content']);
const UP_SELL_KINDS = new Set(['bonus_data', 'device']);
export const HIGH_RISK_DECILE = 8;
export const HIGH_RISK_PROBABILITY = 0.3;

export interface OfferFacts {
  readonly offerId: string;
  readonly name: string;
  readonly kind: string;
  /** monthly_discount × months + unit_cost + contact_cost (blanks 0). */
  readonly cost: number;
  /** An uplift model was trained for this offer (app/uplift). */
  readonly hasUpliftModel: boolean;
  /** Running for the customer now (accepted, months not over). */
  readonly running: boolean;
  /** Declined by the customer in the last 90 days. */
  readonly recentlyDeclined: boolean;
}

export interface NbaFacts {
  readonly holdout: boolean;
  readonly holdoutCampaign: string;
  readonly consent: boolean | null;
  readonly consentAllows: boolean;
  readonly recentContacts: number;
  readonly fatigueAllows: boolean;
  readonly fatigueWindowDays: number;
  readonly churnProbability: number | null;
  readonly riskDecile: number | null;
  readonly scoredAsOf: string | null;
  readonly quadrant: 'I' | 'II' | 'III' | 'IV' | null;
  readonly valueAtStake: number | null;
  readonly upBuy: number | null;
  readonly crossBuy: number | null;
  readonly categories: readonly string[];
  readonly contractEndsInDays: number | null;
  readonly birthdayInDays: number | null;
  readonly offers: readonly OfferFacts[];
}

export interface NbaDecision {
  readonly action: NbaAction;
  readonly offerId: string | null;
  readonly offerName: string | null;
  readonly why: string[];
}

type Lang = 'zh' | 'en';
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

function riskWords(f: NbaFacts, lang: Lang): string {
  if (f.churnProbability === null) return lang === 'en' ? 'not scored by the churn model yet' : '尚无流失评分';
  const decile = f.riskDecile === null ? '' : lang === 'en' ? `, risk decile ${f.riskDecile} of 10` : `，风险第 ${f.riskDecile} 档（共 10 档）`;
  return lang === 'en' ? `churn risk ${pct(f.churnProbability)}${decile} (scored ${f.scoredAsOf ?? '?'})` : `流失概率 ${pct(f.churnProbability)}${decile}（${f.scoredAsOf ?? '?'} 评分）`;
}

function quadrantWords(f: NbaFacts, lang: Lang): string {
  if (f.quadrant === null) return lang === 'en' ? 'no value figure for this month' : '本月无价值数据';
  const en: Record<string, string> = { I: 'low value, low potential', II: 'low value, high potential', III: 'high value, low potential', IV: 'high value, high potential' };
  const zh: Record<string, string> = { I: '低价值、低潜力', II: '低价值、高潜力', III: '高价值、低潜力', IV: '高价值、高潜力' };
  return lang === 'en' ? `value quadrant ${f.quadrant} (${en[f.quadrant]})` : `价值象限 ${f.quadrant}（${zh[f.quadrant]}）`;
}

export function isHighRisk(f: NbaFacts): boolean {
  if (f.riskDecile !== null) return f.riskDecile >= HIGH_RISK_DECILE;
  return f.churnProbability !== null && f.churnProbability >= HIGH_RISK_PROBABILITY;
}

function eligible(f: NbaFacts, kinds: ReadonlySet<string>): OfferFacts[] {
  return f.offers.filter((o) => kinds.has(o.kind) && !o.running && !o.recentlyDeclined);
}

const byCost = (a: OfferFacts, b: OfferFacts) => a.cost - b.cost || (a.offerId < b.offerId ? -1 : 1);

export function decideNextBestAction(f: NbaFacts, lang: Lang): NbaDecision {
  const en = lang === 'en';
  const done = (action: NbaAction, offer: OfferFacts | null, why: string[]): NbaDecision => ({ action, offerId: offer?.offerId ?? null, offerName: offer?.name ?? null, why });
  if (f.holdout) {
    return done('nothing', null, [
      en ? `In this month's NBA control group (${f.holdoutCampaign}): serve the call, offer nothing; it measures what the programme adds.` : `本月 NBA 对照组成员（${f.holdoutCampaign}）：正常服务，不做推荐，用于衡量推荐的效果。`,
    ]);
  }
  if (!f.consentAllows) {
    return done('care_note', null, [
      f.consent === null
        ? en ? 'Marketing consent unknown (blank): treated as no consent; offer nothing unless the customer asks.' : '营销许可未知（空白），按无许可处理：客户未主动询问时不做推荐。'
        : en ? 'No marketing consent: offer nothing unless the customer asks.' : '客户未同意营销：客户未主动询问时不做推荐。',
      riskWords(f, lang),
    ]);
  }
  if (!f.fatigueAllows) {
    return done('care_note', null, [
      en ? `Already contacted ${f.recentContacts} times in the last ${f.fatigueWindowDays} days (the limit): serve the call, do not pitch.` : `近 ${f.fatigueWindowDays} 天已联系 ${f.recentContacts} 次（已达上限）：只做服务，不做推销。`,
      riskWords(f, lang),
    ]);
  }
  const why = [riskWords(f, lang), quadrantWords(f, lang)];
  if (isHighRisk(f)) {
    if (f.quadrant === 'I' || f.quadrant === null) {
      return done('care_note', null, [...why, en ? 'At risk but little value at stake: listen, solve the problem, no offer.' : '有流失风险但价值低：倾听并解决问题，不做优惠。']);
    }
    const offers = eligible(f, RETENTION_KINDS);
    const expectedLoss = (f.churnProbability ?? 0) * Math.max(0, f.valueAtStake ?? 0);
    const modelled = offers.filter((o) => o.hasUpliftModel).sort(byCost)[0];
    const renewal = f.contractEndsInDays !== null && f.contractEndsInDays <= 90 ? offers.filter((o) => o.kind === 'contract_renewal').sort(byCost)[0] : undefined;
    const affordable = offers.filter((o) => o.cost <= expectedLoss).sort(byCost)[0];
    const pick = modelled ?? renewal ?? affordable;
    if (!pick) {
      return done('care_note', null, [...why, en ? `No eligible retention offer costs less than the expected loss (${expectedLoss.toFixed(2)}): a care call instead.` : `没有成本低于预期损失（${expectedLoss.toFixed(2)}）的可用挽留优惠：改为关怀沟通。`]);
    }
    const because =
      pick === modelled
        ? en ? `${pick.name}: an uplift model learned from past campaigns who this offer keeps.` : `${pick.name}：有基于历史活动的增益模型支持此优惠。`
        : pick === renewal
          ? en ? `The contract ends in ${f.contractEndsInDays} days: offer the renewal ${pick.name}.` : `合约 ${f.contractEndsInDays} 天后到期：推荐续约方案 ${pick.name}。`
          : en ? `${pick.name} is the cheapest eligible retention offer (cost ${pick.cost.toFixed(2)} ≤ expected loss ${expectedLoss.toFixed(2)}).` : `${pick.name} 是最便宜的可用挽留优惠（成本 ${pick.cost.toFixed(2)} ≤ 预期损失 ${expectedLoss.toFixed(2)}）。`;
    return done('retention_offer', pick, [...why, because]);
  }
  if (f.quadrant === 'II' || f.quadrant === 'IV') {
    const cross = eligible(f, CROSS_SELL_KINDS).sort(byCost)[0];
    const up = eligible(f, UP_SELL_KINDS).sort(byCost)[0];
    const crossFirst = (f.crossBuy ?? 0) > (f.upBuy ?? 0);
    const held = f.categories.length ? f.categories.join(', ') : en ? 'none' : '无';
    const crossWhy = en ? `Holds ${held}; more to gain from other products (cross-selling potential ${(f.crossBuy ?? 0).toFixed(2)}).` : `已有产品：${held}；交叉销售潜力更大（${(f.crossBuy ?? 0).toFixed(2)}）。`;
    const upWhy = en ? `Spends below similar customers (up-selling potential ${(f.upBuy ?? 0).toFixed(2)}).` : `消费低于同类客户（提升销售潜力 ${(f.upBuy ?? 0).toFixed(2)}）。`;
    if (crossFirst && cross) return done('cross_sell', cross, [...why, crossWhy, en ? `Offer ${cross.name}.` : `推荐 ${cross.name}。`]);
    if (up) return done('up_sell', up, [...why, upWhy, en ? `Offer ${up.name}.` : `推荐 ${up.name}。`]);
    if (cross) return done('cross_sell', cross, [...why, crossWhy, en ? `Offer ${cross.name}.` : `推荐 ${cross.name}。`]);
  }
  if (f.contractEndsInDays !== null && f.contractEndsInDays >= 0 && f.contractEndsInDays <= 90) {
    return done('care_note', null, [...why, en ? `The contract ends in ${f.contractEndsInDays} days: mention the renewal.` : `合约 ${f.contractEndsInDays} 天后到期：提醒续约。`]);
  }
  if (f.birthdayInDays !== null && f.birthdayInDays >= 0 && f.birthdayInDays <= 7) {
    return done('care_note', null, [...why, f.birthdayInDays === 0 ? (en ? 'Birthday today: wish them a happy birthday.' : '今天是客户生日：送上祝福。') : en ? `Birthday in ${f.birthdayInDays} days: wish them well.` : `${f.birthdayInDays} 天后是客户生日：送上祝福。`]);
  }
  return done('nothing', null, [...why, en ? 'Nothing to offer now: a good call is enough.' : '暂无推荐：做好本次服务即可。']);
}

/**
 * The NBA holdout: a deterministic 10 % of customers per month, by the FNV-1a hash of
 * `month|customer_id`, so every process (CLI, server) puts a customer in the same group.
 */
export const NBA_HOLDOUT_SHARE = 0.1;

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function inNbaHoldout(customerId: string, month: string, share = NBA_HOLDOUT_SHARE): boolean {
  return fnv1a32(`${month}|${customerId}`) / 2 ** 32 < share;
}

/** The always-on NBA campaign of a month and purpose, e.g. NBA-2026-01-retention. */
export const nbaCampaignId = (month: string, purpose: string): string => `NBA-${month}-${purpose}`;
