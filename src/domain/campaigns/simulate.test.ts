import { describe, expect, it } from 'vitest';
import { DEFAULT_OFFERS, simulateCampaigns, type CampaignSimOptions } from './simulate.ts';

const options: CampaignSimOptions = {
  seed: 11,
  customers: 3000,
  endMonth: '2025-12',
  months: 12,
  campaigns: 3,
  membersPerCampaign: 600,
  horizonMonths: 3,
  controlShare: 0.25,
  offers: DEFAULT_OFFERS,
  reach: 0.7,
  contamination: 0.02,
};

const rows = (text: string | undefined) => (text ?? '').trim().split('\n').slice(1).map((l) => l.split(','));

describe('simulateCampaigns (planted campaign effects)', () => {
  const sim = simulateCampaigns(options);

  it('is deterministic per seed and differs between seeds', () => {
    expect(simulateCampaigns(options)).toEqual(sim);
    expect(simulateCampaigns({ ...options, seed: 12 }).files.churn_events).not.toEqual(sim.files.churn_events);
  });

  it('plants no effect for an offer that changes no hazard, a positive one for the strong offer', () => {
    for (const p of sim.planted.filter((x) => x.arm === 'NULL')) expect(p.plantedUplift).toBe(0);
    const strong = sim.planted.filter((x) => x.arm === 'STRONG');
    expect(strong.length).toBe(3);
    expect(strong.reduce((a, p) => a + p.plantedUplift * p.members, 0)).toBeGreaterThan(0);
  });

  it('puts every customer in at most one campaign and every member in the planted counts', () => {
    const members = rows(sim.files.campaign_members);
    expect(new Set(members.map((m) => m[1])).size).toBe(members.length);
    expect(members.length).toBe(3 * 600);
    const offerMembers = members.filter((m) => m[2] !== 'control').length;
    expect(sim.planted.reduce((a, p) => a + p.members, 0)).toBe(offerMembers);
  });

  it('bills a member who accepted a discount less during the window only', () => {
    const accepted = rows(sim.files.campaign_members).filter((m) => m[5] === 'accepted');
    const usage = rows(sim.files.monthly_usage);
    const starts = new Map(rows(sim.files.campaigns).map((c) => [c[0], c[3]?.slice(0, 7) as string]));
    let checked = 0;
    for (const [campaign, id] of accepted) {
      const start = starts.get(campaign) as string;
      const bills = new Map(usage.filter((u) => u[0] === id).map((u) => [u[1] as string, Number(u[2])]));
      const before = [...bills].find(([m]) => m < start)?.[1];
      const during = bills.get(start);
      if (before === undefined || during === undefined) continue; // left in the start month
      expect(during).toBeLessThan(before);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
