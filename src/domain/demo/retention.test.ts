/**
 * The demo's past retention campaigns (retention.ts): scheduled inside the data, randomized with a
 * control group, contactable customers only, and an effect that really changes treated members'
 * churn and bills, differs by customer and is not simply largest for the riskiest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMonth, parseMonth } from '../month.ts';
import { type DemoDatasetResult } from './index.ts';
import { writeDemoDataset } from '../../app/demo/write-dataset.ts';
import { demoCampaigns, saveChance } from './retention.ts';
import { readTable } from './test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-demo-retention-'));
const withCampaigns = join(root, 'with');
const without = join(root, 'without');
let result: DemoDatasetResult;

beforeAll(async () => {
  const options = { customers: 6000, months: 24, seed: 5, profile: 'mixed' as const, endMonth: '2025-12' };
  result = await writeDemoDataset({ ...options, outDir: withCampaigns, collectMemberTruth: true });
  await writeDemoDataset({ ...options, outDir: without, campaigns: false });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function rowsById(dir: string, file: string): Map<string, string[]> {
  const t = readTable(dir, file);
  const out = new Map<string, string[]>();
  for (const r of t.rows) {
    const id = t.get(r, 'customer_id');
    const list = out.get(id) ?? [];
    list.push(r.join(','));
    out.set(id, list);
  }
  return out;
}

describe('the demo operator’s retention campaigns', () => {
  it('are scheduled every 4 months inside the data, the last window ending before the data does', () => {
    const end = parseMonth('2025-12');
    const long = demoCampaigns(end - 23, end, formatMonth);
    expect(long.map((c) => [c.campaignId, formatMonth(c.startMonth)])).toEqual([
      ['RET-2024-09', '2024-09'],
      ['RET-2025-01', '2025-01'],
      ['RET-2025-05', '2025-05'],
      ['RET-2025-09', '2025-09'],
    ]);
    for (const c of long) {
      expect(c.arms.map((a) => a.arm)).toContain('control');
      expect(c.arms.map((a) => a.arm)).toContain('R10');
      expect(c.arms.reduce((s, a) => s + a.share, 0)).toBeCloseTo(1, 12);
    }
    expect(demoCampaigns(end - 11, end, formatMonth).map((c) => formatMonth(c.startMonth))).toEqual(['2025-09']);
    expect(demoCampaigns(end - 9, end, formatMonth)).toEqual([]);
  });

  it('write campaigns and members the evaluation can use: every arm populated, members counted as planted', () => {
    const campaigns = readTable(withCampaigns, 'campaigns');
    expect(campaigns.rows.map((r) => campaigns.get(r, 'campaign_id'))).toEqual(['RET-2024-09', 'RET-2025-01', 'RET-2025-05', 'RET-2025-09']);
    const members = readTable(withCampaigns, 'campaign_members');
    const count = new Map<string, number>();
    for (const r of members.rows) {
      const key = `${members.get(r, 'campaign_id')}|${members.get(r, 'arm')}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    for (const a of result.planted) {
      expect(a.members, `${a.campaignId}/${a.arm}`).toBeGreaterThan(20);
      expect(count.get(`${a.campaignId}|${a.arm}`)).toBe(a.members);
      if (a.arm === 'control') expect(a.churnedWith).toBe(a.churnedWithout);
    }
    // Offer members not reached answered nothing or were unreachable; control members are rarely touched.
    const responses = new Set(members.rows.map((r) => members.get(r, 'response')));
    for (const r of ['accepted', 'declined', 'no_answer', 'unreachable']) expect(responses).toContain(r);
    const control = members.rows.filter((r) => members.get(r, 'arm') === 'control');
    const touched = control.filter((r) => members.get(r, 'contacted_ts') !== '').length;
    expect(touched / control.length).toBeLessThan(0.06);
  });

  it('target customers who look at risk: members churn far more than the contactable base', () => {
    const churned = new Set(readTable(withCampaigns, 'churn_events').rows.map((r) => r[0]));
    const members = readTable(withCampaigns, 'campaign_members');
    const control = members.rows.filter((r) => members.get(r, 'arm') === 'control' && members.get(r, 'campaign_id') === 'RET-2024-09');
    const controlChurn = control.filter((r) => churned.has(members.get(r, 'customer_id'))).length / control.length;
    const customers = readTable(withCampaigns, 'customers');
    const everyone = customers.rows.filter((r) => customers.get(r, 'join_date') < '2024-09-01').map((r) => customers.get(r, 'customer_id'));
    const baseChurn = everyone.filter((id) => churned.has(id)).length / everyone.length;
    // Control members churned within 16 months of the start (to the data's end) vs everyone in 24+.
    expect(controlChurn).toBeGreaterThan(1.3 * baseChurn);
  });

  it('leave the history of everyone outside the offer arms as it was without campaigns (win-backs aside)', () => {
    const treated = new Set(readTable(withCampaigns, 'campaign_members').rows.filter((r) => r[2] !== 'control').map((r) => r[1] as string));
    const winbacks = new Set<string>();
    for (const dir of [withCampaigns, without]) {
      const c = readTable(dir, 'customers');
      for (const r of c.rows) if (c.get(r, 'winback_of') !== '') winbacks.add(c.get(r, 'customer_id'));
    }
    let compared = 0;
    for (const file of ['customers', 'subscriptions', 'monthly_usage', 'interactions', 'churn_events']) {
      const a = rowsById(withCampaigns, file);
      const b = rowsById(without, file);
      const changed = [...new Set([...a.keys(), ...b.keys()])].filter((id) => JSON.stringify(a.get(id)) !== JSON.stringify(b.get(id)));
      expect(changed.filter((id) => !treated.has(id) && !winbacks.has(id)), file).toEqual([]);
      compared += a.size;
    }
    expect(compared).toBeGreaterThan(6000);
    // …and the offers did change some treated members' churn and bills.
    const usageA = rowsById(withCampaigns, 'monthly_usage');
    const usageB = rowsById(without, 'monthly_usage');
    expect([...treated].filter((id) => JSON.stringify(usageA.get(id)) !== JSON.stringify(usageB.get(id))).length).toBeGreaterThan(50);
  });

  it('give accepted R10 members the discount in their bill: 10 off the start month’s revenue', () => {
    const members = readTable(withCampaigns, 'campaign_members');
    // Members treated in an earlier campaign already have another history: compare first-time treated only.
    const firstTreated = new Map<string, string>();
    for (const r of members.rows) {
      const id = members.get(r, 'customer_id');
      const c = members.get(r, 'campaign_id');
      if (members.get(r, 'arm') !== 'control' && (firstTreated.get(id) ?? '~') > c) firstTreated.set(id, c);
    }
    const first = members.rows.filter((r) => members.get(r, 'arm') === 'R10' && firstTreated.get(members.get(r, 'customer_id')) === members.get(r, 'campaign_id'));
    const accepted = first.filter((r) => members.get(r, 'response') === 'accepted');
    expect(accepted.length).toBeGreaterThan(50);
    const bill = (dir: string) => {
      const u = readTable(dir, 'monthly_usage');
      return new Map(u.rows.map((r) => [`${u.get(r, 'customer_id')}|${u.get(r, 'month')}`, Number(u.get(r, 'revenue'))]));
    };
    const a = bill(withCampaigns);
    const b = bill(without);
    const startBill = (r: readonly string[]) => {
      const key = `${members.get(r, 'customer_id')}|${members.get(r, 'campaign_id').slice(4)}`;
      return { key, x: a.get(key), y: b.get(key) };
    };
    // A saved leaver's bill also stops declining: compare those who had not decided to leave.
    const stayers = new Set((result.memberTruth ?? []).filter((m) => m.leavingStep < 0 && !m.dormant && !m.arrears).map((m) => `${m.campaignId}|${m.customerId}`));
    let discounted = 0;
    let compared = 0;
    for (const r of accepted) {
      const { x, y } = startBill(r);
      if (x === undefined || y === undefined || y < 10 || !stayers.has(`${members.get(r, 'campaign_id')}|${members.get(r, 'customer_id')}`)) continue;
      compared++;
      if (Math.abs(y - x - 10) < 0.005) discounted++;
    }
    expect(compared).toBeGreaterThan(40);
    expect(discounted / compared).toBeGreaterThan(0.95);
    // Members who declined or were not reached got nothing (sleeping dogs aside: the call woke them).
    const dogs = new Set((result.memberTruth ?? []).filter((m) => m.sleepingDog).map((m) => `${m.campaignId}|${m.customerId}`));
    const untouched = first.filter((r) => members.get(r, 'response') !== 'accepted' && !dogs.has(`${members.get(r, 'campaign_id')}|${members.get(r, 'customer_id')}`));
    expect(untouched.length).toBeGreaterThan(40);
    for (const r of untouched) {
      const { key, x, y } = startBill(r);
      expect(x, key).toBe(y);
    }
  });

  it('plant an effect that differs by customer: early leavers are persuadable, the riskiest (late leavers, arrears) lost causes, sleeping dogs leave', () => {
    const truth = (result.memberTruth ?? []).filter((m) => m.arm !== 'control');
    expect(truth.length).toBeGreaterThan(500);
    // Control members are simulated once: with and without are the same history.
    expect((result.memberTruth ?? []).filter((m) => m.arm === 'control' && m.churnedWith !== m.churnedWithout)).toEqual([]);
    const effect = (list: typeof truth) => list.reduce((s, m) => s + Number(m.churnedWithout) - Number(m.churnedWith), 0) / list.length;
    const rate = (list: typeof truth) => list.filter((m) => m.churnedWithout).length / list.length;
    const early = truth.filter((m) => m.leavingStep === 0 || m.leavingStep === 1);
    const late = truth.filter((m) => m.leavingStep >= 2);
    const stayers = truth.filter((m) => m.leavingStep < 0 && !m.sleepingDog && !m.arrears && !m.dormant);
    const arrears = truth.filter((m) => m.arrears || m.dormant);
    const dogs = truth.filter((m) => m.sleepingDog);
    // Late leavers are the riskiest (they show the loudest signals) and the offer barely moves them.
    expect(rate(late)).toBeGreaterThan(rate(early));
    expect(rate(early)).toBeGreaterThan(rate(stayers));
    expect(effect(early)).toBeGreaterThan(0.05);
    expect(effect(late)).toBeLessThan(effect(early) / 2);
    expect(effect(stayers)).toBeLessThan(0.03); // sure things: low risk, little to prevent
    // In arrears or dormant: the loudest signals, no offer cures them.
    expect(arrears.length).toBeGreaterThan(50);
    expect(rate(arrears)).toBeGreaterThan(2 * rate(stayers));
    expect(Math.abs(effect(arrears))).toBeLessThan(0.02);
    expect(dogs.length).toBeGreaterThan(0);
    expect(dogs.length).toBeLessThan(0.05 * truth.length);
    expect(effect(dogs)).toBeLessThan(0);
    // The effect depends on whether the offer answers the reason: a price cut does not fix coverage.
    const addressed = early.filter((m) => m.addressed >= 0.5);
    const unaddressed = early.filter((m) => m.addressed < 0.2);
    expect(effect(addressed)).toBeGreaterThan(effect(unaddressed) + 0.1);
    expect(saveChance('R10', 0, 1)).toBeGreaterThan(0.7); // 101 price, decided last month
    expect(saveChance('R10', 6, 1)).toBe(0); // 206 coverage
    expect(saveChance('R10', 0, 4)).toBe(0); // four months on: gone
  });

  it('R10 retained customers overall; the control arms have no effect by construction', () => {
    const r10 = result.planted.filter((a) => a.arm === 'R10');
    const members = r10.reduce((s, a) => s + a.members, 0);
    const effect = r10.reduce((s, a) => s + a.churnedWithout - a.churnedWith, 0) / members;
    expect(effect).toBeGreaterThan(0.02);
  });
});
