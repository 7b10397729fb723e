import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inNbaHoldout } from '../../domain/nba/decide.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { evaluateCampaigns } from '../campaigns/evaluate.ts';
import { CARE_CUSTOMERS as C, careStore } from '../care/test-fixture.ts';
import { addBills, monthlyBills } from '../lifecycle/test-store.ts';
import { nbaContext, nextBestAction, recordNbaOutcome } from './nba.ts';

let store: AnalyticsStore;
beforeAll(async () => {
  store = await careStore();
  // Two more months of bills, so that an NBA campaign of 2025-11 (3 months) is complete.
  await addBills(store, [C.leap, C.refused, C.blank, C.fatigued, C.beforeMidnight, C.atMidnight].flatMap((id) => monthlyBills(id, '2026-01', '2026-02', 100)));
});
afterAll(async () => {
  await store.close();
});

describe('tenure nba', () => {
  it('a churned or unknown customer is a clear error', async () => {
    const ctx = await nbaContext(store);
    await expect(nextBestAction(ctx, C.churned, { date: '2026-01-05' })).rejects.toMatchObject({ code: 'NO_DATA', message: expect.stringMatching(/customer C4 churned on 2025-10-05: no next best action for a churned account/) });
    await expect(nextBestAction(ctx, 'NOBODY', { date: '2026-01-05' })).rejects.toMatchObject({ code: 'NO_DATA', message: expect.stringMatching(/no customer NOBODY in the store/) });
  });

  it('a preloaded context (a server, a loop) answers exactly as a one-shot call', async () => {
    const once = await nbaContext(store);
    const loaded = await nbaContext(store, { preload: true });
    for (const id of [C.leap, C.refused, C.blank, C.fatigued, C.beforeMidnight, C.atMidnight]) {
      const a = await nextBestAction(once, id, { date: '2026-01-10', lang: 'en' });
      const b = await nextBestAction(loaded, id, { date: '2026-01-10', lang: 'en' });
      expect(b.facts, id).toEqual(a.facts);
      expect(b.decision, id).toEqual(a.decision);
      expect(a.facts.valueAtStake, id).not.toBeNull();
    }
  });

  it('consent false and blank give a care note; fatigue is counted as the calendar counts it', async () => {
    const ctx = await nbaContext(store);
    expect((await nextBestAction(ctx, C.refused, { date: '2025-12-15', lang: 'en' })).decision).toMatchObject({ action: 'care_note', offerId: null });
    const blank = await nextBestAction(ctx, C.blank, { date: '2025-12-15', lang: 'en' });
    expect(blank.decision.why[0]).toMatch(/Marketing consent unknown \(blank\)/);
    const tired = await nextBestAction(ctx, C.fatigued, { date: '2026-01-10', lang: 'en' });
    expect([tired.facts.recentContacts, tired.facts.fatigueAllows]).toEqual([2, false]);
    if (!tired.holdout) expect(tired.decision.why[0]).toMatch(/Already contacted 2 times in the last 30 days/);
    const midnight = await nextBestAction(ctx, C.beforeMidnight, { date: '2026-01-10' });
    expect(midnight.facts.recentContacts).toBe(1); // 2025-12-11 23:59:59 is outside 2025-12-12..2026-01-10
    expect((await nextBestAction(ctx, C.atMidnight, { date: '2026-01-10' })).facts.recentContacts).toBe(2);
  });

  it('the outcome goes into the month of its local date: the holdout as control, an offer as its arm, and campaign evaluate measures them', async () => {
    expect(inNbaHoldout(C.fatigued, '2025-11')).toBe(true);
    expect(inNbaHoldout(C.beforeMidnight, '2025-11') || inNbaHoldout(C.atMidnight, '2025-11')).toBe(false);
    const ctx = await nbaContext(store);
    // 2025-10-31 16:30 UTC is 2025-11-01 00:30 in Shanghai: November's campaign.
    const a = await recordNbaOutcome(ctx, { customerId: C.atMidnight, offerId: 'R10', outcome: 'accepted', ts: '2025-10-31T16:30:00Z' });
    expect(a).toMatchObject({ campaignId: 'NBA-2025-11-care', arm: 'R10', ts: '2025-11-01 00:30:00', response: 'accepted', holdout: false, newCampaign: true });
    // 23:59:59 local on Nov 30 is still November.
    const b = await recordNbaOutcome(ctx, { customerId: C.beforeMidnight, offerId: 'R10', outcome: 'declined', ts: '2025-11-30 23:59:59' });
    expect(b).toMatchObject({ campaignId: 'NBA-2025-11-care', arm: 'R10', newCampaign: false });
    const control = await recordNbaOutcome(ctx, { customerId: C.fatigued, outcome: 'not_offered', ts: '2025-11-20 10:00' });
    expect(control).toMatchObject({ campaignId: 'NBA-2025-11-care', arm: 'control', response: null, holdout: true, contamination: false });

    const [campaign] = (await evaluateCampaigns(store, { campaignId: 'NBA-2025-11-care' })).campaigns;
    expect(campaign).toMatchObject({ purpose: 'care', startDate: '2025-11-01', status: 'complete', contamination: 0 });
    const arms = Object.fromEntries((campaign?.arms ?? []).map((x) => [x.arm, x]));
    expect(arms.control).toMatchObject({ members: 1, reached: 0 });
    expect(arms.R10).toMatchObject({ members: 2, reached: 2 });
    const [member] = await store.query<{ assigned_date: string; contacted_ts: string; response: string }>(
      `SELECT strftime(assigned_date, '%Y-%m-%d') AS assigned_date, strftime(contacted_ts, '%Y-%m-%d %H:%M:%S') AS contacted_ts, response FROM campaign_members WHERE campaign_id = 'NBA-2025-11-care' AND customer_id = $1`,
      [C.atMidnight],
    );
    expect(member).toEqual({ assigned_date: '2025-11-01', contacted_ts: '2025-11-01 00:30:00', response: 'accepted' });
    const [log] = await store.query<{ n: number }>('SELECT count(*) AS n FROM nba_outcomes');
    expect(Number(log?.n)).toBe(3);
  });

  it('an assignment is kept once; an unknown offer or outcome is refused', async () => {
    const ctx = await nbaContext(store);
    await expect(recordNbaOutcome(ctx, { customerId: C.atMidnight, offerId: 'NOPE', outcome: 'accepted', ts: '2025-11-05 10:00' })).rejects.toThrow(/unknown offer NOPE/);
    await expect(recordNbaOutcome(ctx, { customerId: C.atMidnight, outcome: 'accepted', ts: '2025-11-05 10:00' })).rejects.toThrow(/--offer is needed/);
    await expect(recordNbaOutcome(ctx, { customerId: C.atMidnight, offerId: 'R10', outcome: 'accepted', ts: '2025-11-31 10:00' })).rejects.toThrow(/--ts must be a timestamp/);
    await expect(recordNbaOutcome(ctx, { customerId: C.churned, offerId: 'R10', outcome: 'accepted', ts: '2025-11-05 10:00' })).rejects.toThrow(/churned on 2025-10-05/);
  });
});
