import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from '../../cli/test-support.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset } from '../import/import-dataset.ts';
import { customerId as cid, FixtureFile, type ExpectedReject } from '../import/test-fixture.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot } from '../value/value-snapshot.ts';
import { evaluateCampaigns, keepCampaignArmSums, type CampaignEvaluation } from './evaluate.ts';

/**
 * A hand-made operator: 40 customers billed 100 a month for 2024-01..2024-06 (up to the month
 * before they leave), and three campaigns whose every figure below is worked out by hand.
 *
 * K1 (start 2024-03-01, 3 months: churn window [03-01, 06-01), billing months 03..05):
 *   control C0001–C0020: C0001–C0006 leave 2024-04-10 (in the window); C0007 left 2024-02-10
 *     (before the start: not evaluated, so 19 members); C0008 was contacted anyway (contamination).
 *   O10 C0021–C0040: C0021, C0022 leave 2024-04-10; C0023 leaves 2024-06-15 (after the window).
 *     C0024–C0033 accepted a 10-a-month discount (they bill 90); C0021–C0036 were reached;
 *     C0037–C0040 did not answer; C0040's contact cost 0.50 is given explicitly.
 * K2 (start 2024-03-01, 2 months): an offer that does nothing: nobody leaves in either arm.
 * K3 (start 2024-05-01, 3 months): its window runs to 2024-07, past the data's last month 2024-06.
 */
const root = mkdtempSync(join(tmpdir(), 'tenure-campaign-'));
const db = join(root, 'store.duckdb');
let report: CampaignEvaluation[];

const churnMonth: Record<string, string> = {};
for (let i = 1; i <= 6; i++) churnMonth[cid(i)] = '2024-04-10';
churnMonth[cid(7)] = '2024-02-10';
churnMonth[cid(21)] = '2024-04-10';
churnMonth[cid(22)] = '2024-04-10';
churnMonth[cid(23)] = '2024-06-15';
const accepted = (i: number) => i >= 24 && i <= 33;

function writeDataset(dir: string): void {
  const exp: ExpectedReject[] = [];
  const customers = new FixtureFile('customers', ['customer_id', 'customer_type', 'join_date', 'region', 'marketing_consent'], exp);
  const usage = new FixtureFile('monthly_usage', ['customer_id', 'month', 'revenue'], exp);
  const churn = new FixtureFile('churn_events', ['customer_id', 'churn_date', 'churn_type', 'reason_code'], exp);
  for (let i = 1; i <= 40; i++) {
    const id = cid(i);
    customers.add(`${id},individual,2023-01-15,甘肃/酒泉,true`);
    const leaves = churnMonth[id];
    for (const m of ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06']) {
      if (leaves !== undefined && m >= leaves.slice(0, 7)) break;
      usage.add(`${id},${m},${accepted(i) && m >= '2024-03' ? '90.00' : '100.00'}`);
    }
    if (leaves !== undefined) churn.add(`${id},${leaves},voluntary,101`);
  }
  const offers = new FixtureFile('offers', ['offer_id', 'name', 'kind', 'monthly_discount', 'months', 'unit_cost', 'contact_cost'], exp);
  offers.add('O10,10 off for 6 months,discount,10,6,5,2');
  offers.add('O20,Bonus data,bonus_data,,,,1');
  const campaigns = new FixtureFile('campaigns', ['campaign_id', 'name', 'purpose', 'start_date', 'horizon_months'], exp);
  campaigns.add('K1,Spring retention,retention,2024-03-01,3');
  campaigns.add('K2,Bonus data,retention,2024-03-01,2');
  campaigns.add('K3,Late,retention,2024-05-01,');
  const members = new FixtureFile('campaign_members', ['campaign_id', 'customer_id', 'arm', 'assigned_date', 'contacted_ts', 'response', 'cost'], exp);
  for (let i = 1; i <= 20; i++) members.add(`K1,${cid(i)},control,2024-02-25,${i === 8 ? '2024-03-03 10:00,declined' : ','},`);
  for (let i = 21; i <= 40; i++) {
    const contact = i <= 36 ? `2024-03-0${(i % 9) + 1} 11:00,${accepted(i) ? 'accepted' : 'declined'}` : ',no_answer';
    members.add(`K1,${cid(i)},O10,2024-02-25,${contact},${i === 40 ? '0.50' : ''}`);
  }
  for (let i = 11; i <= 20; i++) members.add(`K2,${cid(i)},control,2024-02-25,,,`);
  for (const i of [23, 34, 35, 36, 37, 38, 39, 40]) members.add(`K2,${cid(i)},O20,2024-02-25,2024-03-02 09:00,accepted,`);
  for (let i = 11; i <= 14; i++) members.add(`K3,${cid(i)},${i % 2 ? 'control' : 'O20'},2024-04-25,,,`);
  for (const f of [customers, usage, churn, offers, campaigns, members]) f.write(dir);
  expect(exp).toEqual([]);
}

beforeAll(async () => {
  writeDataset(root);
  const store = await DuckDBStore.open(db, { readableDirectories: [root] });
  try {
    const imported = await importDataset(store, root, { prepareAnalytics: false });
    expect(imported.rejected).toBe(0);
    // Risk before the start: the ten who accepted the discount were the safest customers.
    const rows = Array.from({ length: 40 }, (_, k) => {
      const i = k + 1;
      const p = accepted(i) ? i / 1000 : 0.3 + i / 100;
      return `('m1', DATE '2024-02-01', '${cid(i)}', ${p}, 0, '[]', current_timestamp)`;
    });
    await store.run(`INSERT INTO churn_scores VALUES ${rows.join(', ')}`);
    report = [...(await evaluateCampaigns(store)).campaigns];
  } finally {
    await store.close();
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const campaign = (id: string) => report.find((c) => c.campaignId === id) as CampaignEvaluation;

describe('campaign evaluation (intention to treat, the contract definitions)', () => {
  it('counts members, churn in the window and revenue per arm by hand', () => {
    const k1 = campaign('K1');
    expect(k1.status).toBe('complete');
    expect(k1.windowMonths).toEqual(['2024-03', '2024-05']);
    expect(k1.churnedBeforeStart).toBe(1);
    const [control, offer] = k1.arms;
    expect(control?.arm).toBe('control');
    expect([control?.members, control?.churned]).toEqual([19, 6]);
    expect(control?.churnRate).toBeCloseTo(6 / 19, 12);
    // Control revenue: 6 leavers billed March only, 13 stayers three months: 4,500 over 19.
    expect(control?.revenuePerMember).toBeCloseTo(4500 / 19, 9);
    expect([offer?.arm, offer?.members, offer?.churned]).toEqual(['O10', 20, 2]);
    // Offer revenue: 2 leavers 100, 10 discounted stayers 270, 8 others 300: 5,300 over 20.
    expect(offer?.revenuePerMember).toBeCloseTo(265, 9);
    expect(offer?.uplift).toBeCloseTo(6 / 19 - 2 / 20, 12);
    expect(offer?.saved).toBeCloseTo((6 / 19 - 2 / 20) * 20, 9);
    expect(offer?.incrementalRevenue).toBeCloseTo((265 - 4500 / 19) * 20, 9);
  });

  it('takes the cost given per member, else contact cost for every contact or response plus unit cost per acceptance', () => {
    const offer = campaign('K1').arms[1];
    // 19 members × 2.00 contact cost, C0040's own 0.50, 10 acceptances × 5.00.
    expect(offer?.cost).toBeCloseTo(19 * 2 + 0.5 + 10 * 5, 9);
    const v = offer?.retainedValue as number;
    expect(v).toBeGreaterThan(0);
    expect(offer?.netValue).toBeCloseTo((offer?.incrementalRevenue as number) + (offer?.saved as number) * v - (offer?.cost as number), 6);
    expect(offer?.roi).toBeCloseTo((offer?.netValue as number) / (offer?.cost as number), 9);
  });

  it('gives Wilson and Newcombe intervals and a verdict; the uplift among those reached divides by the reach gap', () => {
    const [control, offer] = campaign('K1').arms;
    expect(control?.churnRateCi?.[0]).toBeLessThan(6 / 19);
    expect(control?.churnRateCi?.[1]).toBeGreaterThan(6 / 19);
    expect(offer?.upliftCi?.[0]).toBeLessThan(offer?.uplift as number);
    expect(offer?.verdict).toBe(offer?.upliftCi && offer.upliftCi[0] > 0 ? 'retained' : 'no_evidence');
    expect(offer?.reached).toBe(16);
    expect(control?.reached).toBe(1);
    expect(offer?.upliftAmongReached).toBeCloseTo((offer?.uplift as number) / (16 / 20 - 1 / 19), 9);
  });

  it('counts a contacted control member as contamination and leaves it in the control arm', () => {
    expect(campaign('K1').contamination).toBe(1);
    expect(campaign('K1').arms[0]?.members).toBe(19);
  });

  it('shows the ARPU dilution guard: discount handed to accepted members at low risk before the start', () => {
    const d = campaign('K1').arms[1]?.dilution;
    expect(d?.riskScoresAsOf).toBe('2024-02');
    // The ten who accepted were the ten safest of 39 evaluated members: all in the bottom 3 deciles.
    expect(d?.lowRiskAccepted).toBe(10);
    // 10 a month for min(6 offer months, 3 horizon months), ten members.
    expect(d?.lowRiskDiscount).toBeCloseTo(300, 9);
    expect(d?.totalDiscount).toBeCloseTo(300, 9);
  });

  it('reads the risk deciles from the latest scoring run of the month when two models scored it', async () => {
    const { copyFileSync } = await import('node:fs');
    const copy = join(root, 'two-runs.duckdb');
    copyFileSync(db, copy);
    const store = await DuckDBStore.open(copy);
    try {
      // A second model scores 2024-02 later and finds the ten who accepted the riskiest.
      const rows = Array.from({ length: 40 }, (_, k) => `('m2', DATE '2024-02-01', '${cid(k + 1)}', ${accepted(k + 1) ? 0.9 + (k + 1) / 1000 : (k + 1) / 1000}, 0, '[]', current_timestamp + INTERVAL 1 HOUR)`);
      await store.run(`INSERT INTO churn_scores VALUES ${rows.join(', ')}`);
      const k1 = (await evaluateCampaigns(store, { campaignId: 'K1' })).campaigns[0];
      const d = k1?.arms[1]?.dilution;
      expect(d?.riskScoresAsOf).toBe('2024-02');
      expect(d?.lowRiskAccepted).toBe(0);
      expect(d?.lowRiskDiscount).toBe(0);
      expect(d?.totalDiscount).toBeCloseTo(300, 9);
      expect(k1?.arms.map((a) => a.members)).toEqual([19, 20]);
    } finally {
      await store.close();
    }
  });

  it('reads the window sums a writer kept while the data and members are those they were computed from', async () => {
    const { copyFileSync } = await import('node:fs');
    const copy = join(root, 'kept.duckdb');
    copyFileSync(db, copy);
    const store = await DuckDBStore.open(copy);
    const arms = (r: CampaignEvaluation[]) => r.map((c) => [c.campaignId, c.arms.map((a) => [a.arm, a.revenuePerMember, a.retainedValue])]);
    try {
      // Nothing is kept for a window whose last month has no kept value snapshot.
      await store.run('DELETE FROM value_snapshot_runs');
      expect(await keepCampaignArmSums(store)).toEqual([]);
      const sbg = await baseSbg(store);
      for (const month of ['2024-04', '2024-05']) await ensureValueSnapshot(store, month, DEFAULT_VALUE_PARAMETERS, sbg);
      expect((await keepCampaignArmSums(store)).sort()).toEqual(['K1', 'K2']);
      expect(await keepCampaignArmSums(store)).toEqual([]); // current: nothing to redo
      expect(arms([...(await evaluateCampaigns(store)).campaigns])).toEqual(arms(report));
      // The kept rows are what evaluate reads (the bills are not read again)…
      await store.run(`UPDATE campaign_arm_sums SET revenue = 19 * 1000 WHERE campaign_id = 'K1' AND arm = 'control'`);
      expect((await evaluateCampaigns(store, { campaignId: 'K1' })).campaigns[0]?.arms[0]?.revenuePerMember).toBeCloseTo(1000, 9);
      // …until the members change: then they are stale and the bills are read.
      await store.run(`UPDATE campaign_members SET arm = 'O10' WHERE campaign_id = 'K1' AND customer_id = '${cid(20)}'`);
      const changed = (await evaluateCampaigns(store, { campaignId: 'K1' })).campaigns[0];
      expect(changed?.arms[0]?.members).toBe(18);
      expect(changed?.arms[0]?.revenuePerMember).toBeCloseTo((4500 - 300) / 18, 9);
      // The same members again: the kept sums are theirs.
      await store.run(`UPDATE campaign_members SET arm = 'control' WHERE campaign_id = 'K1' AND customer_id = '${cid(20)}'`);
      expect((await evaluateCampaigns(store, { campaignId: 'K1' })).campaigns[0]?.arms[0]?.revenuePerMember).toBeCloseTo(1000, 9);
      // Other bills (a newer import) make them stale too.
      await store.run(`INSERT INTO monthly_usage (customer_id, month, revenue) VALUES ('${cid(7)}', DATE '2024-03-01', 50)`);
      expect((await evaluateCampaigns(store, { campaignId: 'K1' })).campaigns[0]?.arms[0]?.revenuePerMember).toBeCloseTo(4500 / 19, 9);
      // So do contact results (the cost and the guard read them) and the offers.
      await ensureValueSnapshot(store, '2024-05', DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
      expect(await keepCampaignArmSums(store, 'K1')).toEqual(['K1']);
      await store.run(`UPDATE campaign_arm_sums SET cost = 1 WHERE campaign_id = 'K1'`);
      expect((await evaluateCampaigns(store, { campaignId: 'K1' })).campaigns[0]?.arms[1]?.cost).toBe(1);
      await store.run(`UPDATE campaign_members SET response = 'declined' WHERE campaign_id = 'K1' AND customer_id = '${cid(24)}'`);
      expect((await evaluateCampaigns(store, { campaignId: 'K1' })).campaigns[0]?.arms[1]?.cost).toBeCloseTo(19 * 2 + 0.5 + 9 * 5, 9);
      expect(await keepCampaignArmSums(store, 'K1')).toEqual(['K1']);
      await store.run(`UPDATE campaign_arm_sums SET cost = 1 WHERE campaign_id = 'K1'`);
      await store.run(`UPDATE offers SET unit_cost = 6 WHERE offer_id = 'O10'`);
      expect((await evaluateCampaigns(store, { campaignId: 'K1' })).campaigns[0]?.arms[1]?.cost).toBeCloseTo(19 * 2 + 0.5 + 9 * 6, 9);
    } finally {
      await store.close();
    }
  });

  it('an offer that does nothing: the uplift interval includes zero and the verdict says there is no evidence', () => {
    const offer = campaign('K2').arms.find((a) => a.arm === 'O20');
    expect(offer?.uplift).toBe(0);
    expect(offer?.upliftCi?.[0]).toBeLessThan(0);
    expect(offer?.upliftCi?.[1]).toBeGreaterThan(0);
    expect(offer?.verdict).toBe('no_evidence');
  });

  it('a campaign evaluated before its horizon has passed says how many months are open and gives no rates', () => {
    const k3 = campaign('K3');
    expect(k3.status).toBe('open');
    expect(k3.monthsOpen).toBe(1);
    expect(k3.arms.map((a) => [a.arm, a.members, a.churnRate, a.uplift, a.netValue])).toEqual([
      ['control', 2, null, null, null],
      ['O20', 2, null, null, null],
    ]);
  });

  it('tenure campaign evaluate --json prints the CLI contract fields; the control arm has no uplift fields', async () => {
    const run = await runCaptured(['campaign', 'evaluate', 'K1', '--db', db, '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.out) as { campaigns: { campaign_id: string; horizon_months: number; contamination: number; arms: Record<string, unknown>[] }[] };
    expect(out.campaigns.map((c) => [c.campaign_id, c.horizon_months, c.contamination])).toEqual([['K1', 3, 1]]);
    const [control, offer] = out.campaigns[0]?.arms ?? [];
    expect(control).not.toHaveProperty('uplift');
    for (const key of ['arm', 'members', 'churned', 'churn_rate', 'churn_rate_ci', 'uplift', 'uplift_ci', 'saved', 'incremental_revenue', 'cost', 'net_value', 'roi']) {
      expect(offer).toHaveProperty(key);
    }
    expect(offer?.cost).toBe(88.5);
    expect(Array.isArray(offer?.uplift_ci)).toBe(true);
    const missing = await runCaptured(['campaign', 'evaluate', 'K9', '--db', db, '--json']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no campaign K9');
  });
});
