import { describe, expect, it } from 'vitest';
import { decideNextBestAction, fnv1a32, inNbaHoldout, type NbaFacts, type OfferFacts } from './decide.ts';

const offer = (offerId: string, kind: string, cost: number, extra: Partial<OfferFacts> = {}): OfferFacts => ({ offerId, name: offerId, kind, cost, hasUpliftModel: false, running: false, recentlyDeclined: false, ...extra });
const base: NbaFacts = {
  holdout: false,
  holdoutCampaign: '',
  consent: true,
  consentAllows: true,
  recentContacts: 0,
  fatigueAllows: true,
  fatigueWindowDays: 30,
  churnProbability: 0.6,
  riskDecile: 10,
  scoredAsOf: '2025-12',
  quadrant: 'III',
  valueAtStake: 1000,
  upBuy: 10,
  crossBuy: 5,
  categories: ['voice'],
  contractEndsInDays: null,
  birthdayInDays: null,
  offers: [offer('R10', 'discount', 61.5), offer('CARE', 'care_call', 6), offer('RENEW', 'contract_renewal', 20), offer('DATA5G', 'bonus_data', 10), offer('TV', 'free_content', 5)],
};

describe('next best action', () => {
  it('a high-risk valuable customer gets the cheapest retention offer within the expected loss', () => {
    const d = decideNextBestAction(base, 'en');
    expect([d.action, d.offerId]).toEqual(['retention_offer', 'TV']);
    expect(d.why[0]).toBe('churn risk 60.0%, risk decile 10 of 10 (scored 2025-12)');
  });

  it('an offer already running or declined lately is not suggested again; a renewal first when the contract ends soon', () => {
    const offers = base.offers.map((o) => (o.offerId === 'TV' ? { ...o, running: true } : o.offerId === 'CARE' ? { ...o, recentlyDeclined: true } : o));
    expect(decideNextBestAction({ ...base, offers }, 'en').offerId).toBe('DATA5G');
    expect(decideNextBestAction({ ...base, offers, contractEndsInDays: 45 }, 'en').offerId).toBe('RENEW');
    expect(decideNextBestAction({ ...base, offers: [offer('X', 'discount', 5, { hasUpliftModel: true }), ...base.offers] }, 'en').offerId).toBe('X');
  });

  it('no offer costs less than the expected loss → a care note', () => {
    const d = decideNextBestAction({ ...base, valueAtStake: 5, offers: [offer('R10', 'discount', 61.5)] }, 'en');
    expect([d.action, d.offerId]).toEqual(['care_note', null]);
  });

  it('consent false and blank, and the fatigue limit, give a care note without an offer', () => {
    expect(decideNextBestAction({ ...base, consent: false, consentAllows: false }, 'en')).toMatchObject({ action: 'care_note', offerId: null });
    const blank = decideNextBestAction({ ...base, consent: null, consentAllows: false }, 'zh');
    expect(blank.action).toBe('care_note');
    expect(blank.why[0]).toContain('空白');
    const tired = decideNextBestAction({ ...base, recentContacts: 2, fatigueAllows: false }, 'en');
    expect(tired.why[0]).toBe('Already contacted 2 times in the last 30 days (the limit): serve the call, do not pitch.');
  });

  it('growth potential without risk: cross-sell or up-sell by the larger potential', () => {
    const calm = { ...base, churnProbability: 0.02, riskDecile: 2, quadrant: 'IV' as const };
    expect(decideNextBestAction({ ...calm, upBuy: 50, crossBuy: 100 }, 'en')).toMatchObject({ action: 'cross_sell', offerId: 'TV' });
    expect(decideNextBestAction({ ...calm, upBuy: 100, crossBuy: 50 }, 'en')).toMatchObject({ action: 'up_sell', offerId: 'DATA5G' });
    expect(decideNextBestAction({ ...calm, quadrant: 'III' }, 'en').action).toBe('nothing');
    expect(decideNextBestAction({ ...calm, quadrant: 'III', birthdayInDays: 0 }, 'en').action).toBe('care_note');
  });

  it('the holdout gets nothing', () => {
    expect(decideNextBestAction({ ...base, holdout: true, holdoutCampaign: 'NBA-2026-01-retention' }, 'en')).toMatchObject({ action: 'nothing', offerId: null });
  });
});

describe('holdout', () => {
  it('FNV-1a known answers', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
  it('about 10 % of customers per month, and another 10 % the next month', () => {
    const ids = Array.from({ length: 20000 }, (_, i) => `C${String(i).padStart(7, '0')}`);
    const jan = ids.filter((id) => inNbaHoldout(id, '2026-01'));
    const feb = new Set(ids.filter((id) => inNbaHoldout(id, '2026-02')));
    expect(jan.length / ids.length).toBeGreaterThan(0.09);
    expect(jan.length / ids.length).toBeLessThan(0.11);
    expect(jan.filter((id) => feb.has(id)).length / jan.length).toBeLessThan(0.2);
    expect(ids.filter((id) => inNbaHoldout(id, '2026-01'))).toEqual(jan);
  });
});
