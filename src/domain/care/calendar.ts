/**
 * The care calendar's rules (pure): the occasions, their weights and how far each may move,
 * the priority of an occasion for a customer, and the plan that puts each occasion on a day
 * under the contact policy (contact-policy.ts), deferring or dropping it with the reason named.
 */
import { consentAllows, dayText, firstAllowedDay, recentContacts, type ContactPolicy } from './contact-policy.ts';

export const OCCASIONS = ['birthday', 'anniversary', 'milestone', 'contract_expiry', 'discount_end', 'premium_service', 'promotion'] as const;
export type Occasion = (typeof OCCASIONS)[number];

/**
 * Base weight of each occasion (how much the contact matters) and the days it may be moved
 * later when the fatigue limit is reached (a birthday greeting a week late still reads as one;
 * a contract reminder may slide until shortly before the next one).
 */
export const OCCASION_RULES: Readonly<Record<Occasion, { readonly weight: number; readonly maxDeferDays: number }>> = {
  contract_expiry: { weight: 1.0, maxDeferDays: 21 },
  discount_end: { weight: 0.9, maxDeferDays: 10 },
  premium_service: { weight: 0.8, maxDeferDays: 30 },
  milestone: { weight: 0.6, maxDeferDays: 14 },
  birthday: { weight: 0.5, maxDeferDays: 7 },
  anniversary: { weight: 0.4, maxDeferDays: 14 },
  promotion: { weight: 0.3, maxDeferDays: 14 },
};

/** Tenure years that are milestones (the other anniversaries are plain ones). */
export const MILESTONE_YEARS: readonly number[] = [1, 3, 5, 10, 15, 20, 25, 30, 40, 50];

/** Days before a contract's end on which its reminders fall. */
export const CONTRACT_REMINDER_DAYS: readonly number[] = [90, 60, 30];

/** Days before an accepted discount's last day on which its end is announced. */
export const DISCOUNT_END_NOTICE_DAYS = 14;

/**
 * priority = weight(occasion) × (1 + tier index / 5) × (1 + churn probability), rounded to 4
 * decimals: tier index 0 (low) … 5 (platinum), so value at most doubles the weight and risk at
 * most doubles it again; an unvalued customer counts as low, an unscored one as risk 0.
 */
export function occasionPriority(occasion: Occasion, tierIndex: number | null, churnProbability: number | null): number {
  const tier = tierIndex === null ? 0 : Math.min(5, Math.max(0, tierIndex));
  const risk = churnProbability === null || !Number.isFinite(churnProbability) ? 0 : Math.min(1, Math.max(0, churnProbability));
  return Math.round(OCCASION_RULES[occasion].weight * (1 + tier / 5) * (1 + risk) * 10_000) / 10_000;
}

/** A birthday or join anniversary in `year`: Feb 29 falls on Feb 28 in a year without one. */
export function anniversaryIn(date: string, year: number): string {
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const d = month === 2 && day === 29 && !leap ? 28 : day;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export type PlanStatus = 'planned' | 'deferred' | 'dropped';
export type PlanReason = 'no_consent' | 'fatigue' | null;

export interface CandidateOccasion {
  readonly occasion: Occasion;
  /** Day number (contact-policy.ts dayNumber) the occasion falls on. */
  readonly day: number;
  readonly priority: number;
  /** Index back into the caller's rows. */
  readonly index: number;
}

export interface PlannedOccasion {
  readonly index: number;
  readonly status: PlanStatus;
  /** The contact day: the occasion's, a later one when deferred, the occasion's when dropped. */
  readonly day: number;
  readonly reason: PlanReason;
  /** Contacts (past and planned) in the window ending on the occasion's day, when fatigue decided. */
  readonly contactsInWindow: number | null;
}

/**
 * Plans one customer's occasions. Without consent every occasion is dropped (`no_consent`).
 * Otherwise occasions are taken by priority (highest first, then date, then occasion) and each
 * goes on the first day from its own on which the fatigue limit allows one more contact,
 * counting the customer's past contacts and the contacts planned so far: on its own day it is
 * `planned`, on a later one within its deferral allowance and the calendar's last day
 * `deferred`, else `dropped` (`fatigue`).
 */
export function planCustomer(
  candidates: readonly CandidateOccasion[],
  pastContacts: readonly number[],
  consent: boolean | null,
  lastDay: number,
  policy: ContactPolicy,
): PlannedOccasion[] {
  if (!consentAllows(consent, policy)) {
    return candidates.map((c) => ({ index: c.index, status: 'dropped', day: c.day, reason: 'no_consent', contactsInWindow: null }));
  }
  // One occasion and no contact before it (the usual case): nothing can stand in its way.
  const only = candidates.length === 1 && pastContacts.length === 0 ? candidates[0] : undefined;
  if (only && only.day <= lastDay) return [{ index: only.index, status: 'planned', day: only.day, reason: null, contactsInWindow: null }];
  const order = [...candidates].sort((a, b) => b.priority - a.priority || a.day - b.day || a.occasion.localeCompare(b.occasion) || a.index - b.index);
  const contacts = [...pastContacts];
  const out: PlannedOccasion[] = [];
  for (const c of order) {
    const latest = Math.min(lastDay, c.day + OCCASION_RULES[c.occasion].maxDeferDays);
    const day = firstAllowedDay(contacts, c.day, latest, policy);
    if (day === null) {
      out.push({ index: c.index, status: 'dropped', day: c.day, reason: 'fatigue', contactsInWindow: recentContacts(contacts, c.day, policy) });
      continue;
    }
    const deferred = day !== c.day;
    out.push({ index: c.index, status: deferred ? 'deferred' : 'planned', day, reason: deferred ? 'fatigue' : null, contactsInWindow: deferred ? recentContacts(contacts, c.day, policy) : null });
    contacts.push(day);
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Why, in words, for the reason column. */
export function reasonText(p: PlannedOccasion, occasionDay: number, policy: ContactPolicy, lang: 'zh' | 'en'): string {
  if (p.reason === null) return '';
  if (p.reason === 'no_consent') return lang === 'en' ? 'no marketing consent: no outbound contact' : '无营销许可：不外呼';
  const limit = lang === 'en' ? `${p.contactsInWindow ?? 0} contacts in the ${policy.windowDays} days to ${dayText(occasionDay)} (limit ${policy.maxContacts})` : `截至 ${dayText(occasionDay)} 的 ${policy.windowDays} 天内已联系 ${p.contactsInWindow ?? 0} 次（上限 ${policy.maxContacts} 次）`;
  if (p.status === 'deferred') return lang === 'en' ? `contact fatigue: moved to ${dayText(p.day)}; ${limit}` : `接触疲劳：顺延至 ${dayText(p.day)}；${limit}`;
  return lang === 'en' ? `contact fatigue: no free day within the occasion's allowance; ${limit}` : `接触疲劳：可顺延期内无空档，放弃；${limit}`;
}

export interface ScriptFacts {
  readonly occasion: Occasion;
  /** Tenure years (anniversary, milestone). */
  readonly years?: number | null;
  /** Days ahead of the contract's end (contract_expiry). */
  readonly daysAhead?: number | null;
  /** The contract's end, the discount's last day. */
  readonly endDate?: string | null;
  /** The offer's name (discount_end), the promotion's text. */
  readonly name?: string | null;
  readonly segment?: string | null;
}

/** The suggested script an agent or a message reads, in one language. */
export function careScript(f: ScriptFacts, lang: 'zh' | 'en'): string {
  const en = lang === 'en';
  switch (f.occasion) {
    case 'birthday':
      return en ? 'Wish the customer a happy birthday; offer the birthday gift if one applies.' : '祝客户生日快乐；如有生日礼遇一并告知。';
    case 'anniversary':
      return en ? `Thank the customer for ${f.years ?? '?'} year${f.years === 1 ? '' : 's'} with us.` : `感谢客户在网 ${f.years ?? '?'} 周年。`;
    case 'milestone':
      return en ? `Celebrate ${f.years ?? '?'} year${f.years === 1 ? '' : 's'} with us: thank the customer and mention the loyalty benefits of long-standing customers.` : `在网 ${f.years ?? '?'} 周年纪念：致谢并介绍老客户专享权益。`;
    case 'contract_expiry':
      return en
        ? `The contract ends on ${f.endDate ?? '?'} (${f.daysAhead ?? '?'} days): remind the customer and present the renewal options.`
        : `合约将于 ${f.endDate ?? '?'} 到期（还有 ${f.daysAhead ?? '?'} 天）：提醒客户并介绍续约方案。`;
    case 'discount_end':
      return en
        ? `The discount "${f.name ?? '?'}" ends on ${f.endDate ?? '?'}: tell the customer before the bill changes and present what comes next.`
        : `优惠「${f.name ?? '?'}」将于 ${f.endDate ?? '?'} 结束：在账单变化前告知客户并介绍后续方案。`;
    case 'premium_service':
      return en ? 'Quarterly premium service for a top-tier customer: offer a home visit to check the equipment and the service.' : '高价值客户季度尊享服务：预约上门检查设备与服务质量。';
    case 'promotion':
      return en ? `Promotion for the segment ${f.segment ?? '?'}${f.name ? `: ${f.name}` : ''}.` : `面向「${f.segment ?? '?'}」客群的促销通知${f.name ? `：${f.name}` : ''}。`;
  }
}
