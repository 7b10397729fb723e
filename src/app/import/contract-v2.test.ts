import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reasonCode } from '../../contract/rules.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { SCHEMA_VERSION } from '../../store/schema.ts';
import { ignoredNotes } from './discover.ts';
import { importDataset } from './import-dataset.ts';
import { customerId, FixtureFile, HEADERS, usageLine, writeCleanDataset, type ExpectedReject, freshDirs } from './test-fixture.ts';

const { fresh } = freshDirs('tenure-v2-');

const V2_CUSTOMERS = ['customer_id', 'customer_type', 'join_date', 'region', 'marketing_consent'];
const OFFERS = ['offer_id', 'name', 'kind', 'monthly_discount', 'months', 'unit_cost', 'contact_cost', 'points', 'commitment_months'];
const CAMPAIGNS = ['campaign_id', 'name', 'purpose', 'start_date', 'end_date', 'horizon_months'];
const MEMBERS = ['campaign_id', 'customer_id', 'arm', 'assigned_date', 'contacted_ts', 'channel', 'response', 'cost'];

/** A v2 data set: consent on customers, offers, campaigns and members, one bad row of each v2 kind. */
function writeV2Dataset(dir: string): ExpectedReject[] {
  const exp: ExpectedReject[] = [];
  const c = new FixtureFile('customers', V2_CUSTOMERS, exp);
  for (let i = 1; i <= 6; i++) c.add(`${customerId(i)},individual,2023-01-15,甘肃/酒泉,${['true', 'false', ''][i % 3]}`);
  c.add(`${customerId(7)},individual,2023-01-15,甘肃,yes`, { column: 'marketing_consent', code: 'not_boolean' });
  c.write(dir);
  const u = new FixtureFile('monthly_usage', HEADERS.monthly_usage, exp);
  for (let i = 1; i <= 6; i++) u.add(usageLine(i, '2024-01'));
  u.write(dir);
  new FixtureFile('churn_events', HEADERS.churn_events, exp).write(dir);

  const o = new FixtureFile('offers', OFFERS, exp);
  o.add('O10,10% off for 6 months,discount,5.00,6,,0.50,,12');
  o.add('O20,Free HD box,device,,,120,1.20,,24');
  o.add('O30,Bonus,coupon,,,,,,', { column: 'kind', code: 'invalid_value' });
  o.add('O40,Bonus,points,,,,,-5,', { column: 'points', code: 'negative' });
  o.write(dir);

  const k = new FixtureFile('campaigns', CAMPAIGNS, exp);
  k.add('K1,Spring retention,retention,2024-03-01,2024-03-31,3');
  k.add('K2,Win-back,winback,2024-03-01,,');
  k.add('K3,Backwards,care,2024-03-01,2024-02-01,', { column: 'end_date', code: 'end_before_start' });
  k.add('K4,No horizon,care,2024-03-01,,0', { column: 'horizon_months', code: 'out_of_range' });
  k.write(dir);

  const m = new FixtureFile('campaign_members', MEMBERS, exp);
  m.add(`K1,${customerId(1)},control,2024-02-20,,,,`);
  m.add(`K1,${customerId(2)},O10,2024-02-20,2024-03-02T09:30:00+08:00,hotline,accepted,`);
  m.add(`K1,${customerId(3)},O20,2024-02-20,,sms,no_answer,0.10`);
  // A control member who was contacted anyway: accepted, counted later as contamination.
  m.add(`K1,${customerId(4)},control,2024-02-20,2024-03-05 10:00,hall,declined,`);
  m.add(`K9,${customerId(5)},control,2024-02-20,,,,`, { column: 'campaign_id', code: 'unknown_campaign' });
  m.add(`K1,${customerId(5)},O99,2024-02-20,,,,`, { column: 'arm', code: 'unknown_arm' });
  m.add(`K1,${customerId(6)},control,2024-03-02,,,,`, { column: 'assigned_date', code: 'assigned_after_start' });
  m.add(`K1,C9999,control,2024-02-20,,,,`, { column: 'customer_id', code: 'unknown_customer' });
  m.add(`K2,${customerId(1)},O10,2024-02-20,,fax,,`, { column: 'channel', code: 'invalid_value' });
  m.add(`K2,${customerId(2)},O10,2024-02-20,,,maybe,`, { column: 'response', code: 'invalid_value' });
  m.add(`K1,${customerId(2)},O20,2024-02-20,,,,`, { column: 'campaign_id/customer_id', code: 'duplicate_key' });
  m.write(dir);
  return exp;
}

async function rejectsOf(store: DuckDBStore, runId: string): Promise<string[]> {
  const rows = await store.query<{ file: string; line: number; column: string; reason: string }>(
    'SELECT file, line, "column", reason FROM import_rejects WHERE run_id = $1',
    [runId],
  );
  return rows.map((r) => [r.file, r.line, r.column, reasonCode(r.reason)].join('|')).sort();
}

describe('data contract v2 files', () => {
  it('imports consent, offers, campaigns and members, rejecting each bad v2 row with line, column and reason', async () => {
    const dir = fresh('v2');
    const expected = writeV2Dataset(dir);
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [dir] });
    try {
      const report = await importDataset(store, dir, { prepareAnalytics: false });
      expect(await rejectsOf(store, report.runId)).toEqual(expected.map((r) => r.join('|')).sort());
      const counts = Object.fromEntries(report.files.map((f) => [f.file, [f.read, f.accepted, f.rejected]]));
      expect(counts).toMatchObject({ offers: [4, 2, 2], campaigns: [4, 2, 2], campaign_members: [11, 4, 7] });
      expect(report.ignored.filter((f) => !f.startsWith('store.duckdb'))).toEqual([]);

      const consent = await store.query<{ customer_id: string; marketing_consent: boolean | null }>(
        'SELECT customer_id, marketing_consent FROM customers ORDER BY customer_id',
      );
      expect(consent.map((r) => r.marketing_consent)).toEqual([false, null, true, false, null, true]);

      const members = await store.query<{ customer_id: string; arm: string; contacted: string | null; cost: string | null }>(
        `SELECT customer_id, arm, strftime(contacted_ts, '%Y-%m-%d %H:%M') AS contacted, CAST(cost AS VARCHAR) AS cost
         FROM campaign_members ORDER BY customer_id`,
      );
      expect(members).toEqual([
        { customer_id: 'C0001', arm: 'control', contacted: null, cost: null },
        // +08:00 is the operator's own zone (Asia/Shanghai by default): the local time is kept.
        { customer_id: 'C0002', arm: 'O10', contacted: '2024-03-02 09:30', cost: null },
        { customer_id: 'C0003', arm: 'O20', contacted: null, cost: '0.100000' },
        { customer_id: 'C0004', arm: 'control', contacted: '2024-03-05 10:00', cost: null },
      ]);
      const offers = await store.query<{ offer_id: string; monthly_discount: string | null; commitment_months: number | null }>(
        'SELECT offer_id, CAST(monthly_discount AS VARCHAR) AS monthly_discount, commitment_months FROM offers ORDER BY offer_id',
      );
      expect(offers).toEqual([
        { offer_id: 'O10', monthly_discount: '5.000000', commitment_months: 12 },
        { offer_id: 'O20', monthly_discount: null, commitment_months: 24 },
      ]);

      // Re-importing the same files is a no-op.
      const again = await importDataset(store, dir, { prepareAnalytics: false });
      const members2 = again.files.find((f) => f.file === 'campaign_members');
      expect([members2?.inserted, members2?.updated, members2?.unchanged]).toEqual([0, 0, 4]);
    } finally {
      await store.close();
    }
  });

  it('a v1 data set stays valid: no v2 file is required and consent is left unknown', async () => {
    const dir = fresh('v1');
    writeCleanDataset(dir, 5);
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'), { readableDirectories: [dir] });
    try {
      const report = await importDataset(store, dir, { prepareAnalytics: false });
      expect(report.rejected).toBe(0);
      expect(report.files.map((f) => f.file)).toEqual(['customers', 'monthly_usage', 'churn_events']);
      const [row] = await store.query<{ n: number; unknown: number }>(
        'SELECT count(*) AS n, count(*) FILTER (WHERE marketing_consent IS NULL) AS unknown FROM customers',
      );
      expect(row).toEqual({ n: 5, unknown: 5 });
    } finally {
      await store.close();
    }
  });

  it('migrates a store made before contract v2 (schema version 2) and then imports v2 files into it', async () => {
    const dir = fresh('old');
    const path = join(dir, 'old.duckdb');
    const old = await DuckDBStore.open(path);
    // What a version-2 store looked like: no consent column, no v2 tables.
    await old.run('ALTER TABLE customers DROP COLUMN marketing_consent');
    for (const t of ['offers', 'campaigns', 'campaign_members']) await old.run(`DROP TABLE ${t}`);
    await old.run('DELETE FROM schema_migrations WHERE version > 2');
    await old.close();

    writeV2Dataset(dir);
    const store = await DuckDBStore.open(path, { readableDirectories: [dir] });
    try {
      expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
      const report = await importDataset(store, dir, { prepareAnalytics: false });
      expect(report.files.find((f) => f.file === 'campaign_members')?.accepted).toBe(4);
      const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers WHERE marketing_consent');
      expect(row?.n).toBe(2);
    } finally {
      await store.close();
    }
  });
});

describe('ignoredNotes', () => {
  it('names every folder entry the import did not load, and why, leaving out the store file', () => {
    expect(ignoredNotes(['README.txt', 'customer.csv', 'store.duckdb', 'store.duckdb.wal', '.complete'])).toEqual([
      'not a data contract file, not loaded: README.txt, customer.csv',
    ]);
    expect(ignoredNotes([])).toEqual([]);
  });
});
