import { describe, expect, it } from 'vitest';
import { decideNextBestAction, fnv1a32, inNbaHoldout, type NbaFacts, type OfferFacts } from './decide.ts';

const offer = (offerId: string, kind: string, cost: number, extra: Partial<OfferFacts> = {}): OfferFacts => ({
  offerId,
  name: offerId,
  kind,
  cost,
  hasUpliftModel: false,
  customerUplift: null,
  running: false,
  recentlyDeclined: false,
  ...extra,
});
/** An offer with this customer's own predicted uplift (churn without − with). */
const modelled = (offerId: string, kind: string, cost: number, churnWithout: number, churnWith: number): OfferFacts =>
  offer(offerId, kind, cost, { hasUpliftModel: true, customerUplift: { uplift: churnWithout - churnWith, churnWithout, churnWith, asOf: '2025-12' } });
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
  });

  it("uses the customer's own uplift: the offer of highest expected net value (uplift × value at stake − cost), known answers", () => {
    // Value at stake 1000: X keeps 10 points (worth 100, cost 61.5: net 38.5), Y keeps 5 points (50 − 5 = 45): Y wins.
    const offers = [modelled('X', 'discount', 61.5, 0.6, 0.5), modelled('Y', 'bonus_data', 5, 0.6, 0.55), ...base.offers.filter((o) => o.offerId !== 'R10')];
    const d = decideNextBestAction({ ...base, offers }, 'en');
    expect([d.action, d.offerId]).toEqual(['retention_offer', 'Y']);
    expect(d.why.at(-1)).toBe("Y: the uplift model (features of 2025-12) predicts it lowers this customer's churn from 60.0% to 55.0% (5.0 points), worth 50.00 of the 1000.00 at stake against its cost 5.00.");
    // At a value at stake of 2000, X is worth 200 − 61.5 = 138.5 against Y's 100 − 5 = 95.
    expect(decideNextBestAction({ ...base, valueAtStake: 2000, offers }, 'en').offerId).toBe('X');
    // A model is no longer enough by itself: without the customer's own prediction the offer is just another offer.
    expect(decideNextBestAction({ ...base, offers: [offer('X', 'discount', 5.5, { hasUpliftModel: true }), ...base.offers] }, 'en').offerId).toBe('TV');
  });

  it('an offer the model says does not pay for this customer (a sleeping dog, or uplift worth less than its cost) is not suggested, and the agent is told why', () => {
    const dog = modelled('TV', 'free_content', 5, 0.6, 0.65);
    const d = decideNextBestAction({ ...base, offers: [dog, ...base.offers.filter((o) => o.offerId !== 'TV')] }, 'en');
    // TV would have been the cheapest within the expected loss; the model rules it out: CARE next.
    expect([d.action, d.offerId]).toEqual(['retention_offer', 'CARE']);
    expect(d.why).toContain("Not TV: the uplift model predicts it changes this customer's churn by 5.0 points (60.0% → 65.0%), worth -50.00, less than its cost 5.00.");
    const zh = decideNextBestAction({ ...base, offers: [dog] }, 'zh');
    expect([zh.action, zh.offerId]).toEqual(['care_note', null]);
    expect(zh.why.some((w) => w.startsWith('不推荐 TV：增益模型预测'))).toBe(true);
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
