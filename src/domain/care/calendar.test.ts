import { describe, expect, it } from 'vitest';
import { anniversaryIn, occasionPriority, planCustomer, reasonText, type CandidateOccasion } from './calendar.ts';
import { busiestWindow, consentAllows, dayNumber, dayText, DEFAULT_CONTACT_POLICY, fatigueAllows, firstAllowedDay } from './contact-policy.ts';

const P = DEFAULT_CONTACT_POLICY;
const d = dayNumber;

describe('birthdays and anniversaries', () => {
  it('a Feb 29 birthday falls on Feb 28 in a year without one, on Feb 29 in a leap year', () => {
    expect(anniversaryIn('1992-02-29', 2027)).toBe('2027-02-28');
    expect(anniversaryIn('1992-02-29', 2028)).toBe('2028-02-29');
    expect(anniversaryIn('1992-02-29', 2100)).toBe('2100-02-28'); // divisible by 100, not by 400
    expect(anniversaryIn('1992-02-29', 2000)).toBe('2000-02-29');
    expect(anniversaryIn('1985-12-31', 2026)).toBe('2026-12-31');
  });
});

describe('contact policy', () => {
  it('consent: true allows, false forbids, blank forbids unless configured', () => {
    expect(consentAllows(true, P)).toBe(true);
    expect(consentAllows(false, P)).toBe(false);
    expect(consentAllows(null, P)).toBe(false);
    expect(consentAllows(null, { ...P, unknownConsent: 'allow' })).toBe(true);
    expect(consentAllows(false, { ...P, unknownConsent: 'allow' })).toBe(false);
  });

  it('fatigue: 2 contacts in any 30 days; the window is 30 days inclusive of both ends', () => {
    const contacts = [d('2026-01-01'), d('2026-01-20')];
    expect(busiestWindow(contacts, d('2026-01-25'), P)).toBe(2);
    expect(fatigueAllows(contacts, d('2026-01-25'), P)).toBe(false);
    // 2026-01-30 is day 30 of a window starting 01-01: still full. 01-31's window starts 01-02 but
    // a window 01-20..02-18 holds only one contact, so 01-31 is the first free day.
    expect(fatigueAllows(contacts, d('2026-01-30'), P)).toBe(false);
    expect(fatigueAllows(contacts, d('2026-01-31'), P)).toBe(true);
    expect(dayText(firstAllowedDay(contacts, d('2026-01-10'), d('2026-03-01'), P) as number)).toBe('2026-01-31');
    expect(firstAllowedDay(contacts, d('2026-01-10'), d('2026-01-30'), P)).toBeNull();
  });

  it('a contact planned later counts against an earlier one', () => {
    // One contact on 02-10; adding 01-20 is fine (2 in 01-20..02-18), adding 01-25 after that is not.
    expect(fatigueAllows([d('2026-02-10')], d('2026-01-20'), P)).toBe(true);
    expect(fatigueAllows([d('2026-02-10'), d('2026-01-20')], d('2026-01-25'), P)).toBe(false);
  });
});

describe('priority', () => {
  it('weight × (1 + tier/5) × (1 + risk), known answers', () => {
    expect(occasionPriority('contract_expiry', 5, 0.5)).toBe(3); // 1.0 × 2 × 1.5
    expect(occasionPriority('birthday', 0, null)).toBe(0.5);
    expect(occasionPriority('anniversary', 2, 0.25)).toBe(0.7); // 0.4 × 1.4 × 1.25
    expect(occasionPriority('birthday', null, 2)).toBe(1); // risk clamped to 1
  });
});

describe('planning one customer', () => {
  const occ = (occasion: CandidateOccasion['occasion'], date: string, priority: number, index: number): CandidateOccasion => ({ occasion, day: d(date), priority, index });

  it('a contract expiry inside the fatigue window of two campaign contacts is deferred until a window frees up, the reason named', () => {
    const past = [d('2025-12-20'), d('2026-01-02')];
    const plan = planCustomer([occ('contract_expiry', '2026-01-10', 2, 0)], past, true, d('2026-01-30'), P);
    // Windows holding 12-20 and 01-02 cover every day up to 01-18; 01-19's window 12-21..01-19 holds one.
    expect(plan).toEqual([{ index: 0, status: 'deferred', day: d('2026-01-19'), reason: 'fatigue', contactsInWindow: 2 }]);
    expect(reasonText(plan[0]!, d('2026-01-10'), P, 'en')).toBe('contact fatigue: moved to 2026-01-19; 2 contacts in the 30 days to 2026-01-10 (limit 2)');
  });

  it('beyond its allowance or the calendar an occasion is dropped, never silently', () => {
    const past = [d('2026-01-01'), d('2026-01-05')];
    const plan = planCustomer([occ('birthday', '2026-01-10', 1, 0)], past, true, d('2026-01-30'), P);
    expect(plan[0]).toMatchObject({ status: 'dropped', reason: 'fatigue', day: d('2026-01-10'), contactsInWindow: 2 });
  });

  it('the higher priority gets the free slot; the other waits', () => {
    const past = [d('2026-01-01')];
    const plan = planCustomer([occ('birthday', '2026-01-05', 0.5, 0), occ('contract_expiry', '2026-01-08', 2, 1)], past, true, d('2026-02-28'), P);
    expect(plan[1]).toMatchObject({ status: 'planned', day: d('2026-01-08') });
    expect(plan[0]).toMatchObject({ status: 'dropped', reason: 'fatigue' }); // 7-day allowance ends 01-12, the window frees on 01-31
  });

  it('consent false and blank drop every occasion with no_consent; blank allowed when configured', () => {
    const c = [occ('birthday', '2026-01-05', 0.5, 0), occ('anniversary', '2026-01-09', 0.4, 1)];
    expect(planCustomer(c, [], false, d('2026-01-30'), P).map((p) => [p.status, p.reason])).toEqual([['dropped', 'no_consent'], ['dropped', 'no_consent']]);
    expect(planCustomer(c, [], null, d('2026-01-30'), P).map((p) => p.reason)).toEqual(['no_consent', 'no_consent']);
    expect(planCustomer(c, [], null, d('2026-01-30'), { ...P, unknownConsent: 'allow' }).map((p) => p.status)).toEqual(['planned', 'planned']);
  });
});
