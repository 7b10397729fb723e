/**
 * The contact policy shared by `tenure care` and `tenure nba`: who may be contacted outbound
 * and how often. Pure: days are whole days since 1970-01-01 in the operator's local calendar
 * (the store keeps timestamps in operator local time, so a contact's day is its local date).
 *
 * - Consent: `marketing_consent` true allows outbound contact, false forbids it; blank
 *   (unknown) forbids it unless the operator configures `unknownConsent: 'allow'` (the data
 *   contract's rule).
 * - Fatigue: at most `maxContacts` outbound contacts in any `windowDays` consecutive days
 *   (default 2 in 30). A new contact on day d is allowed when every window of `windowDays` days
 *   that contains d holds fewer than `maxContacts` contacts already (past or planned), so a
 *   contact planned later in the calendar counts against an earlier one too.
 */
export interface ContactPolicy {
  readonly maxContacts: number;
  readonly windowDays: number;
  readonly unknownConsent: 'deny' | 'allow';
}

export const DEFAULT_CONTACT_POLICY: ContactPolicy = { maxContacts: 2, windowDays: 30, unknownConsent: 'deny' };

export function checkContactPolicy(p: ContactPolicy): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(p.maxContacts) || p.maxContacts < 1) problems.push(`the contact limit must be a whole number >= 1, got ${p.maxContacts}`);
  if (!Number.isSafeInteger(p.windowDays) || p.windowDays < 1 || p.windowDays > 366) problems.push(`the fatigue window must be 1–366 days, got ${p.windowDays}`);
  if (p.unknownConsent !== 'deny' && p.unknownConsent !== 'allow') problems.push(`unknown consent must be deny or allow, got ${String(p.unknownConsent)}`);
  return problems;
}

/** Whether outbound contact is allowed by the customer's marketing consent (null = blank). */
export function consentAllows(consent: boolean | null, policy: ContactPolicy): boolean {
  if (consent === null) return policy.unknownConsent === 'allow';
  return consent;
}

/** Contacts (days) within [from, to], both inclusive. `days` need not be sorted. */
function countBetween(days: readonly number[], from: number, to: number): number {
  let n = 0;
  for (const d of days) if (d >= from && d <= to) n++;
  return n;
}

/** The busiest window of `windowDays` days containing `day`: its contact count. */
export function busiestWindow(days: readonly number[], day: number, policy: ContactPolicy): number {
  let most = 0;
  for (let start = day - policy.windowDays + 1; start <= day; start++) most = Math.max(most, countBetween(days, start, start + policy.windowDays - 1));
  return most;
}

/** Whether one more contact on `day` keeps every window within the limit. */
export function fatigueAllows(days: readonly number[], day: number, policy: ContactPolicy): boolean {
  return busiestWindow(days, day, policy) < policy.maxContacts;
}

/** The first day in [day, latest] on which a contact is allowed, or null. */
export function firstAllowedDay(days: readonly number[], day: number, latest: number, policy: ContactPolicy): number | null {
  for (let d = day; d <= latest; d++) if (fatigueAllows(days, d, policy)) return d;
  return null;
}

/** Contacts in the window of `windowDays` days ending on `day` (the figure an agent is told). */
export function recentContacts(days: readonly number[], day: number, policy: ContactPolicy): number {
  return countBetween(days, day - policy.windowDays + 1, day);
}

const MS_PER_DAY = 86_400_000;

/** 'YYYY-MM-DD' → days since 1970-01-01 (calendar arithmetic, no time zone). */
export function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  return Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY);
}

/** Days since 1970-01-01 → 'YYYY-MM-DD'. */
export function dayText(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}
