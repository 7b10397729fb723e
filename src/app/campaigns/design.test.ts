import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from '../../cli/test-support.ts';
import { parseArms } from '../../domain/campaigns/design.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { importDataset } from '../import/import-dataset.ts';
import { customerId as cid, FixtureFile, type ExpectedReject } from '../import/test-fixture.ts';
import { designCampaign } from './design.ts';
import { readTargetFile } from './targets.ts';

/**
 * 400 customers billed 2024-01..2024-06; every 10th has no consent (false), every 10th + 5 a blank
 * consent, customers 1–8 left in 2024-02. Offers O10 and O20; scores as of 2024-04.
 */
const root = mkdtempSync(join(tmpdir(), 'tenure-design-'));
const data = join(root, 'data');
const N = 400;
const consentOf = (i: number) => (i % 10 === 0 ? 'false' : i % 10 === 5 ? '' : 'true');

beforeAll(async () => {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(data);
  const exp: ExpectedReject[] = [];
  const customers = new FixtureFile('customers', ['customer_id', 'customer_type', 'join_date', 'region', 'marketing_consent'], exp);
  const usage = new FixtureFile('monthly_usage', ['customer_id', 'month', 'revenue', 'cost'], exp);
  const churn = new FixtureFile('churn_events', ['customer_id', 'churn_date', 'churn_type', 'reason_code'], exp);
  for (let i = 1; i <= N; i++) {
    customers.add(`${cid(i)},individual,20${10 + (i % 13)}-0${(i % 9) + 1}-15,甘肃/酒泉,${consentOf(i)}`);
    const months = i <= 8 ? ['2024-01'] : ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06'];
    for (const m of months) usage.add(`${cid(i)},${m},${(20 + (i % 37) * 3).toFixed(2)},5`);
    if (i <= 8) churn.add(`${cid(i)},2024-02-10,voluntary,101`);
  }
  const offers = new FixtureFile('offers', ['offer_id', 'name', 'kind', 'monthly_discount', 'months'], exp);
  offers.add('O10,10 off,discount,10,3');
  offers.add('O20,bonus data,bonus_data,,');
  for (const f of [customers, usage, churn, offers]) f.write(data);
  writeFileSync(join(data, 'campaigns.csv'), 'campaign_id,name,purpose,start_date\n');
  const store = await DuckDBStore.open(join(root, 'a.duckdb'), { readableDirectories: [data] });
  try {
    expect((await importDataset(store, data, { prepareAnalytics: false })).rejected).toBe(0);
    const rows = Array.from({ length: N }, (_, k) => `('m1', DATE '2024-04-01', '${cid(k + 1)}', ${((k * 37) % 101) / 101}, 0, '[]', current_timestamp)`);
    await store.run(`INSERT INTO churn_scores VALUES ${rows.join(', ')}`);
  } finally {
    await store.close();
  }
  writeFileSync(join(root, 'targets.csv'), 'customer_id,churn_probability\n' + Array.from({ length: N }, (_, k) => `${cid(k + 1)},0.5`).join('\n') + '\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const input = (campaignId: string, seed = 3) => ({
  campaignId,
  startDate: '2024-05-01',
  targets: Array.from({ length: N }, (_, k) => cid(k + 1)),
  arms: parseArms('control:0.2,O10:0.4,O20:0.4'),
  seed,
});

describe('designCampaign', () => {
  it('leaves out customers gone before the start and those without consent (blank = no), from every arm', async () => {
    const store = await DuckDBStore.open(join(root, 'a.duckdb'));
    try {
      const d = await designCampaign(store, input('D1'));
      const noConsent = Array.from({ length: N }, (_, k) => k + 1).filter((i) => i > 8 && consentOf(i) !== 'true').length;
      expect(d.excluded).toEqual({ churnedBeforeStart: 8, noConsent });
      expect(d.members.length).toBe(N - 8 - noConsent);
      const assigned = new Set(d.members.map((m) => m.customer_id));
      for (let i = 1; i <= N; i++) if (consentOf(i) !== 'true' || i <= 8) expect(assigned.has(cid(i))).toBe(false);
      expect(d.riskScoresAsOf).toBe('2024-04');
      expect(d.valueAsOf).toBe('2024-04');
      const counts = Object.fromEntries(d.arms.map((a) => [a.arm, a.members]));
      expect(counts.control).toBeGreaterThanOrEqual(Math.floor(0.2 * d.members.length) - 40); // ±1 per stratum, at most 40 strata
      expect(counts.control).toBeLessThanOrEqual(Math.ceil(0.2 * d.members.length) + 40);
      expect(d.balance.map((b) => [b.arm, b.covariate])).toEqual([
        ['O10', 'churn_probability'],
        ['O10', 'customer_value'],
        ['O10', 'tenure_months'],
        ['O20', 'churn_probability'],
        ['O20', 'customer_value'],
        ['O20', 'tenure_months'],
      ]);
      // Stratified on risk decile: the arms barely differ on risk.
      for (const b of d.balance.filter((x) => x.covariate === 'churn_probability')) expect(Math.abs(b.smd as number)).toBeLessThan(0.1);
      const stored = await store.query<{ arm: string; n: number; assigned: string }>(
        `SELECT arm, count(*) AS n, strftime(min(assigned_date), '%Y-%m-%d') AS assigned FROM campaign_members WHERE campaign_id = 'D1' GROUP BY arm ORDER BY arm`,
      );
      expect(stored).toEqual(d.arms.map((a) => ({ arm: a.arm, n: a.members, assigned: '2024-05-01' })).sort((a, b) => (a.arm < b.arm ? -1 : 1)));
    } finally {
      await store.close();
    }
  });

  it('is kept once and never changed: a second design with the same id is refused', async () => {
    const store = await DuckDBStore.open(join(root, 'a.duckdb'));
    try {
      await expect(designCampaign(store, input('D1', 99))).rejects.toThrow('already exists');
      const [row] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM campaign_members WHERE campaign_id = 'D1'`);
      expect(row?.n).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('refuses unknown offers and target customers not in the store, keeping nothing', async () => {
    const store = await DuckDBStore.open(join(root, 'a.duckdb'));
    try {
      await expect(designCampaign(store, { ...input('D2'), arms: parseArms('control:0.5,O99:0.5') })).rejects.toThrow('unknown offer O99');
      await expect(designCampaign(store, { ...input('D2'), targets: ['C0009', 'X1'] })).rejects.toThrow('not in the store: X1');
      const [row] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM campaigns WHERE campaign_id = 'D2'`);
      expect(row?.n).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('tenure campaign design gives the same members for the same seed on another copy of the store, and writes the members file 0600', async () => {
    const { copyFileSync } = await import('node:fs');
    const copy = join(root, 'b.duckdb');
    copyFileSync(join(root, 'a.duckdb'), copy);
    const args = (db: string, out: string) => ['campaign', 'design', '--db', db, '--id', 'D3', '--start', '2024-05-01', '--target', join(root, 'targets.csv'), '--arms', 'control:0.2,O10:0.8', '--seed', '7', '--out', out, '--json'];
    const one = await runCaptured(args(join(root, 'a.duckdb'), join(root, 'one.csv')));
    expect(one.code).toBe(0);
    const two = await runCaptured(args(copy, join(root, 'two.csv')));
    expect(two.code).toBe(0);
    const file = readFileSync(join(root, 'one.csv'), 'utf8');
    expect(file).toBe(readFileSync(join(root, 'two.csv'), 'utf8'));
    expect(file.split('\n')[0]).toBe('campaign_id,customer_id,arm,assigned_date');
    expect(statSync(join(root, 'one.csv')).mode & 0o777).toBe(0o600);
    const json = JSON.parse(one.out) as { arms: { arm: string; members: number }[] };
    expect(json.arms.reduce((n, a) => n + a.members, 0)).toBe(file.trim().split('\n').length - 1);
  });

  it('reads the latest scoring run of the month when two models scored it: each target once, stratified on that run', async () => {
    const { copyFileSync } = await import('node:fs');
    const copy = join(root, 'two-runs.duckdb');
    copyFileSync(join(root, 'a.duckdb'), copy);
    const store = await DuckDBStore.open(copy);
    try {
      // A second model scores 2024-04 later, with the risk order reversed.
      const rows = Array.from({ length: N }, (_, k) => `('m2', DATE '2024-04-01', '${cid(k + 1)}', ${1 - ((k * 37) % 101) / 101}, 0, '[]', current_timestamp + INTERVAL 1 HOUR)`);
      await store.run(`INSERT INTO churn_scores VALUES ${rows.join(', ')}`);
      const d = await designCampaign(store, input('D5'));
      const noConsent = Array.from({ length: N }, (_, k) => k + 1).filter((i) => i > 8 && consentOf(i) !== 'true').length;
      expect(d.members.length).toBe(N - 8 - noConsent);
      expect(new Set(d.members.map((m) => m.customer_id)).size).toBe(d.members.length);
      expect(d.riskModelVersion).toBe('m2');
      const [stored] = await store.query<{ n: number; ids: number }>(`SELECT count(*) AS n, count(DISTINCT customer_id) AS ids FROM campaign_members WHERE campaign_id = 'D5'`);
      expect(Number(stored?.n)).toBe(d.members.length);
      expect(Number(stored?.ids)).toBe(d.members.length);
    } finally {
      await store.close();
    }
  });

  it('refuses a symlinked --out before anything is kept', async () => {
    writeFileSync(join(root, 'victim.txt'), 'keep me\n');
    symlinkSync(join(root, 'victim.txt'), join(root, 'link.csv'));
    const run = await runCaptured(['campaign', 'design', '--db', join(root, 'a.duckdb'), '--id', 'D4', '--start', '2024-05-01', '--target', join(root, 'targets.csv'), '--arms', 'control:0.5,O10:0.5', '--out', join(root, 'link.csv')]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('symbolic link');
    expect(readFileSync(join(root, 'victim.txt'), 'utf8')).toBe('keep me\n');
    const store = await DuckDBStore.open(join(root, 'a.duckdb'));
    try {
      const [row] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM campaigns WHERE campaign_id = 'D4'`);
      expect(row?.n).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('readTargetFile', () => {
  it('reads the customer_id column of any CSV and names the line of a bad row', () => {
    const f = join(root, 't1.csv');
    writeFileSync(f, 'rank,Customer_ID\n1,C1\n2,C2\n\n');
    expect(readTargetFile(f)).toEqual(['C1', 'C2']);
    writeFileSync(f, 'rank,customer_id\n1,C1\n2,\n');
    expect(() => readTargetFile(f)).toThrow(`${f}:3: customer_id: missing value`);
    writeFileSync(f, 'rank,id\n1,C1\n');
    expect(() => readTargetFile(f)).toThrow('no customer_id column');
    expect(() => readTargetFile(join(root, 'nope.csv'))).toThrow('no such target file');
  });
});
