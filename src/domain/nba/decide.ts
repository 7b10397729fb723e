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
 *    among eligible retention offers, first the one with the highest expected net value for this
 *    customer where an uplift model predicts the customer's own uplift (uplift × value at stake
 *    − cost, when above 0; an offer the model says does not pay for itself for this customer is
 *    not suggested at all), then a contract renewal when the contract ends within 90 days, then
 *    the cheapest whose cost is within the expected loss (probability × value at stake); none →
 *    care_note;
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
  /** That model's prediction for this customer (null: no model, or no features for the customer as of its month). */
  readonly customerUplift: CustomerUpliftFacts | null;
  /** Running for the customer now (accepted, months not over). */
  readonly running: boolean;
  /** Declined by the customer in the last 90 days. */
  readonly recentlyDeclined: boolean;
}

export interface CustomerUpliftFacts {
  /** Churn without the offer minus churn with it (positive: the offer keeps this customer). */
  readonly uplift: number;
  readonly churnWithout: number;
  readonly churnWith: number;
  /** The month the customer's features were read as of. */
  readonly asOf: string;
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
    const all = eligible(f, RETENTION_KINDS);
    const stake = Math.max(0, f.valueAtStake ?? 0);
    const expectedLoss = (f.churnProbability ?? 0) * stake;
    // Offers with this customer's own predicted uplift, by expected net value (uplift × value at stake − cost).
    const valued = all
      .filter((o) => o.hasUpliftModel && o.customerUplift !== null)
      .map((o) => ({ o, u: o.customerUplift as CustomerUpliftFacts, net: (o.customerUplift as CustomerUpliftFacts).uplift * stake - o.cost }))
      .sort((a, b) => b.net - a.net || byCost(a.o, b.o));
    const best = valued[0] !== undefined && valued[0].net > 0 ? valued[0] : undefined;
    const unprofitable = valued.filter((v) => v.net <= 0);
    const offers = all.filter((o) => !unprofitable.some((v) => v.o === o));
    const renewal = f.contractEndsInDays !== null && f.contractEndsInDays <= 90 ? offers.filter((o) => o.kind === 'contract_renewal').sort(byCost)[0] : undefined;
    const affordable = offers.filter((o) => o.cost <= expectedLoss).sort(byCost)[0];
    const pick = best?.o ?? renewal ?? affordable;
    const points = (u: number) => (u * 100).toFixed(1);
    const notWorth = unprofitable.map((v) =>
      en
        ? `Not ${v.o.name}: the uplift model predicts it changes this customer's churn by ${points(-v.u.uplift)} points (${pct(v.u.churnWithout)} → ${pct(v.u.churnWith)}), worth ${(v.u.uplift * stake).toFixed(2)}, less than its cost ${v.o.cost.toFixed(2)}.`
        : `不推荐 ${v.o.name}：增益模型预测它使该客户流失概率变化 ${points(-v.u.uplift)} 个百分点（${pct(v.u.churnWithout)} → ${pct(v.u.churnWith)}），价值 ${(v.u.uplift * stake).toFixed(2)}，低于成本 ${v.o.cost.toFixed(2)}。`,
    );
    if (!pick) {
      return done('care_note', null, [
        ...why,
        ...notWorth,
        en ? `No eligible retention offer costs less than the expected loss (${expectedLoss.toFixed(2)}): a care call instead.` : `没有成本低于预期损失（${expectedLoss.toFixed(2)}）的可用挽留优惠：改为关怀沟通。`,
      ]);
    }
    const because =
      best !== undefined && pick === best.o
        ? en
          ? `${pick.name}: the uplift model (features of ${best.u.asOf}) predicts it lowers this customer's churn from ${pct(best.u.churnWithout)} to ${pct(best.u.churnWith)} (${points(best.u.uplift)} points), worth ${(best.u.uplift * stake).toFixed(2)} of the ${stake.toFixed(2)} at stake against its cost ${pick.cost.toFixed(2)}.`
          : `${pick.name}：增益模型（${best.u.asOf} 特征）预测它可使该客户流失概率从 ${pct(best.u.churnWithout)} 降至 ${pct(best.u.churnWith)}（${points(best.u.uplift)} 个百分点），在 ${stake.toFixed(2)} 的客户价值中挽回 ${(best.u.uplift * stake).toFixed(2)}，高于成本 ${pick.cost.toFixed(2)}。`
        : pick === renewal
          ? en ? `The contract ends in ${f.contractEndsInDays} days: offer the renewal ${pick.name}.` : `合约 ${f.contractEndsInDays} 天后到期：推荐续约方案 ${pick.name}。`
          : en ? `${pick.name} is the cheapest eligible retention offer (cost ${pick.cost.toFixed(2)} ≤ expected loss ${expectedLoss.toFixed(2)}).` : `${pick.name} 是最便宜的可用挽留优惠（成本 ${pick.cost.toFixed(2)} ≤ 预期损失 ${expectedLoss.toFixed(2)}）。`;
    return done('retention_offer', pick, [...why, ...notWorth, because]);
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
