import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { DUCKDB_DIALECT, MIGRATIONS, SCHEMA_VERSION } from '../../store/schema.ts';
import { DEFAULT_POINTS_RULES } from '../../domain/points/rules.ts';
import { seeded } from '../../domain/test-random.ts';
import { importContractFile, importDataset } from '../import/import-dataset.ts';
import { freshDirs } from '../import/test-fixture.ts';
import { earnPoints } from './earn.ts';
import { expirePoints, pointsBalance, pointsExpiring, pointsStatement } from './ledger.ts';

const { root, fresh } = freshDirs('tenure-points-');
const TZ = 'Asia/Shanghai';

function write(dir: string, name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Three customers, two billed months, one accepted offer on a member day, and a points file. */
function writeDataset(dir: string): void {
  write(dir, 'customers.csv', ['customer_id,customer_type,join_date,region', 'C1,individual,2023-03-18,甘肃/酒泉', 'C2,individual,2023-01-10,甘肃/酒泉', 'C3,individual,2023-01-10,甘肃']);
  write(dir, 'monthly_usage.csv', [
    'customer_id,month,revenue,paid,overdue_days',
    'C1,2024-02,10,10,0',
    'C2,2024-02,10,10,0',
    'C3,2024-02,10,10,0',
    'C1,2024-03,99.99,99.99,0',
    'C2,2024-03,50.5,20,0',
    'C3,2024-03,30,30,0',
  ]);
  write(dir, 'churn_events.csv', ['customer_id,churn_date,churn_type,reason_code', 'C3,2024-03-05,voluntary,101']);
  write(dir, 'offers.csv', ['offer_id,name,kind,points', 'O1,300 points,points,300']);
  write(dir, 'campaigns.csv', ['campaign_id,name,purpose,start_date', 'K1,Spring,retention,2024-03-01']);
  write(dir, 'campaign_members.csv', ['campaign_id,customer_id,arm,assigned_date,contacted_ts,response', 'K1,C2,O1,2024-02-20,2024-03-18T10:00:00+08:00,accepted']);
  write(dir, 'points_transactions.csv', [
    'transaction_id,customer_id,ts,kind,points,reason',
    'P1,C2,2024-03-10 10:00,earn,100,welcome',
    'P2,C2,2024-03-11 10:00,redeem,150,too much',
    'P3,C2,2024-03-12 10:00,redeem,60,mug',
    // 16:30 UTC is 00:30 of the next day in Shanghai: after the earn at 00:10 local, so it is covered.
    'P4,C1,2024-03-31T16:30:00Z,redeem,10,after midnight',
    'P5,C1,2024-04-01 00:10,earn,25,',
    'P6,C1,2024-03-31 23:59:59,adjust,5,late',
  ]);
}

const entryCount = async (store: DuckDBStore) => Number((await store.query<{ n: number }>('SELECT count(*) AS n FROM points_entries'))[0]?.n);

describe('points ledger on the store', () => {
  let dir: string;
  let store: DuckDBStore;
  beforeAll(async () => {
    dir = fresh('data');
    writeDataset(dir);
    store = await DuckDBStore.open(join(dir, 'ledger.duckdb'), { readableDirectories: [root] });
  });
  afterAll(async () => store.close());

  it('tenure import loads points_transactions, rejecting a redeem larger than the balance at its ts with file, line and reason', async () => {
    const report = await importDataset(store, dir, { timezone: TZ, prepareAnalytics: false });
    const f = report.files.find((x) => x.file === 'points_transactions');
    expect(f).toMatchObject({ status: 'loaded', read: 6, accepted: 5, rejected: 1, inserted: 5 });
    const rejects = await store.query<{ line: number; column: string; value: string; reason: string }>(
      "SELECT line, \"column\", value, reason FROM import_rejects WHERE run_id = $1 AND file = 'points_transactions'",
      [report.runId],
    );
    expect(rejects).toEqual([
      { line: 3, column: 'points', value: '150', reason: 'insufficient_points: redeem of 150 points exceeds the 100 points available at 2024-03-11 10:00:00' },
    ]);
    expect(await store.query('SELECT transaction_id FROM points_transactions ORDER BY 1')).toEqual(['P1', 'P3', 'P4', 'P5', 'P6'].map((t) => ({ transaction_id: t })));
    const [who] = await store.query("SELECT source, source_ref, kind, points FROM points_entries WHERE transaction_id = 'P3'");
    expect(who).toEqual({ source: 'import', source_ref: 'points_transactions.csv:4', kind: 'redeem', points: -60 });
  });

  it('reads ts without an offset as operator local time and converts an offset, around midnight', async () => {
    // As of 2024-03-31: only the adjust at 23:59:59 local; the Z redeem is 00:30 of April 1 local.
    expect((await pointsBalance(store, 'C1', '2024-03-31')).balance).toBe(5);
    const b = await pointsBalance(store, 'C1', '2024-04-01');
    expect(b.balance).toBe(20);
    // FIFO: the redeem took the 5 of the older adjust lot, then 5 of the earn.
    expect(b.expiring).toEqual([{ date: '2026-04-01', points: 20 }]);
    const redeem = await store.query<{ lot: string; points: number }>(
      `SELECT l.transaction_id AS lot, a.points FROM points_allocations a JOIN points_entries d ON d.entry_id = a.debit_entry_id
       JOIN points_entries l ON l.entry_id = a.lot_entry_id WHERE d.transaction_id = 'P4' ORDER BY l.ts`,
    );
    expect(redeem).toEqual([{ lot: 'P6', points: 5 }, { lot: 'P5', points: 5 }]);
  });

  it('re-importing the same files posts nothing', async () => {
    const before = await entryCount(store);
    const report = await importDataset(store, dir, { timezone: TZ, prepareAnalytics: false });
    expect(report.files.find((x) => x.file === 'points_transactions')).toMatchObject({ accepted: 5, rejected: 1, inserted: 0, updated: 0, unchanged: 5 });
    expect(await entryCount(store)).toBe(before);
  });

  it('a changed row with a known transaction_id reverses the old posting and posts the new one', async () => {
    const file = write(fresh('change'), 'fix-march.csv', ['transaction_id,customer_id,ts,kind,points', 'P3,C2,2024-03-12 10:00,redeem,30']);
    const report = await importContractFile(store, 'points_transactions', file, { timezone: TZ });
    expect(report.files[0]).toMatchObject({ accepted: 1, updated: 1, rejected: 0 });
    const lines = await pointsStatement(store, 'C2', '2024-03-31');
    expect(lines.map((l) => [l.kind, l.points, l.balance, l.source])).toEqual([
      ['earn', 100, 100, 'import'],
      ['redeem', -60, 40, 'import'],
      ['reversal', 60, 100, 'replace'],
      ['redeem', -30, 70, 'import'],
    ]);
    // Posting the same file again changes nothing.
    const again = await importContractFile(store, 'points_transactions', file, { timezone: TZ });
    expect(again.files[0]).toMatchObject({ unchanged: 1, updated: 0 });
    expect((await pointsStatement(store, 'C2', '2024-03-31')).length).toBe(4);
  });

  it('the monthly earning run posts each rule once (known answer), and a re-run posts nothing new', async () => {
    const run = await earnPoints(store, '2024-03', DEFAULT_POINTS_RULES);
    // C1: floor(99.99) = 99 billed, 20 on time, 12 months on 2024-03-18 (member day: ×2 = 400).
    // C2: 50 billed, not paid in full; offer O1 accepted on the 18th (member day: 300 × 2).
    // C3 churned on 2024-03-05: earns nothing for March.
    expect(Object.fromEntries(run.rules.map((r) => [r.rule_id, [r.entries, r.points]]))).toEqual({
      billed: [2, 149],
      on_time: [1, 20],
      tenure_12m: [1, 400],
      tenure_36m: [0, 0],
      tenure_60m: [0, 0],
      offer: [1, 600],
    });
    const before = await entryCount(store);
    const rerun = await earnPoints(store, '2024-03', DEFAULT_POINTS_RULES);
    expect(rerun.entries).toBe(0);
    expect(await entryCount(store)).toBe(before);
    const [milestone] = await store.query("SELECT strftime(ts, '%Y-%m-%d') AS d, strftime(expires_on, '%Y-%m-%d') AS e, source, source_ref FROM points_entries WHERE rule_id = 'tenure_12m'");
    expect(milestone).toEqual({ d: '2024-03-18', e: '2026-03-18', source: 'rule', source_ref: 'tenure_12m' });
    await expect(earnPoints(store, '2024-07', DEFAULT_POINTS_RULES)).rejects.toThrow(/--month 2024-07 is after the data's last month 2024-03/);
  });

  it('expires FIFO by earn date on the boundary day, not the day before, and only once', async () => {
    // C2's earn of 2024-03-10 (70 left after the redeem of 30 took from it, the oldest lot) expires 2026-03-10.
    const c2 = await pointsBalance(store, 'C2', '2026-03-09');
    expect(c2.expiring[0]).toEqual({ date: '2026-03-10', points: 70 });
    expect((await pointsExpiring(store, '2026-03-09', 1)).map((r) => [r.customer_id, r.date, r.points])).toEqual([['C2', '2026-03-10', 70]]);
    expect((await expirePoints(store, '2026-03-09')).lots).toBe(0);
    const run = await expirePoints(store, '2026-03-10');
    expect(run).toMatchObject({ lots: 1, customers: 1, points: 70 });
    expect((await expirePoints(store, '2026-03-10')).lots).toBe(0);
    const after = await pointsBalance(store, 'C2', '2026-03-10');
    expect(after.balance).toBe(650); // the offer's 600 and March's billed 50 are later lots
    expect(after.expiredNotPosted).toBe(0);
    // The day before the boundary the points are still there.
    expect((await pointsBalance(store, 'C2', '2026-03-09')).balance).toBe(720);
    const [e] = await store.query("SELECT strftime(ts, '%Y-%m-%d %H:%M:%S') AS ts, kind, points, source FROM points_entries WHERE kind = 'expire'");
    expect(e).toEqual({ ts: '2026-03-10 00:00:00', kind: 'expire', points: -70, source: 'expiry' });
  });

  it('keeps balance = Σ entries = Σ lots remaining for every customer', async () => {
    const rows = await store.query<{ customer_id: string; entries: number; lots: number }>(
      `SELECT c.customer_id, coalesce((SELECT sum(points) FROM points_entries e WHERE e.customer_id = c.customer_id), 0) AS entries,
              coalesce((SELECT sum(l.points - coalesce((SELECT sum(a.points) FROM points_allocations a WHERE a.lot_entry_id = l.entry_id), 0))
                        FROM points_entries l WHERE l.customer_id = c.customer_id AND l.points > 0 AND l.kind <> 'reversal'), 0) AS lots
       FROM customers c ORDER BY 1`,
    );
    for (const r of rows) expect(Number(r.entries), r.customer_id).toBe(Number(r.lots));
  });
});

/** The ledger's migration, found by what it does: its number may change when branches merge. */
const LEDGER_VERSION = MIGRATIONS.find((m) => m.description.startsWith('loyalty points ledger'))?.version ?? 0;

describe('the ledger migration upgrades a store of the version before it', () => {
  it('adds the ledger tables to a store made before them, keeping its data', async () => {
    const dir = fresh('migrate');
    const path = join(dir, 'old.duckdb');
    const old = await DuckDBStore.open(path, { migrate: false, readableDirectories: [root] });
    try {
      await old.run('CREATE TABLE schema_migrations (version INTEGER, description VARCHAR, applied_at TIMESTAMP)');
      for (const m of MIGRATIONS.filter((x) => x.version < LEDGER_VERSION)) {
        for (const sql of m.statements(DUCKDB_DIALECT)) await old.run(sql);
        if (m.apply) await m.apply(old, DUCKDB_DIALECT);
        await old.run('INSERT INTO schema_migrations VALUES ($1, $2, current_timestamp)', [m.version, m.description]);
      }
      // Version 1 renders today's contract, so drop what the version before did not have.
      await old.run('DROP TABLE IF EXISTS points_transactions');
      await old.run("INSERT INTO customers (customer_id, customer_type, join_date, region) VALUES ('C1', 'individual', DATE '2023-01-01', '甘肃')");
    } finally {
      await old.close();
    }
    const store = await DuckDBStore.open(path, { readableDirectories: [root] });
    try {
      expect(LEDGER_VERSION).toBeGreaterThan(7);
      expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
      const [t] = await store.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('points_transactions', 'points_entries', 'points_allocations')");
      expect(t?.n).toBe(3);
      const file = write(dir, 'p.csv', ['transaction_id,customer_id,ts,kind,points', 'T1,C1,2024-01-01 08:00,earn,10']);
      const report = await importContractFile(store, 'points_transactions', file, { timezone: TZ });
      expect(report.files[0]).toMatchObject({ accepted: 1, rejected: 0 });
      expect((await pointsBalance(store, 'C1', '2024-01-01')).balance).toBe(10);
    } finally {
      await store.close();
    }
  });
});

/**
 * Property on the store (seeded): random earns, redeems and adjustments of a few customers, posted
 * in three files with back-dated rows. After each file: balance = Σ entries = Σ remaining of the
 * lots for every customer, the running balance is never negative at any time, a refused row is
 * an insufficient_points reject, and posting the same file again adds no entry.
 */
describe('ledger properties on the store (seeded)', () => {
  it('balance = Σ entries = Σ lots, never negative, re-posting a file changes nothing', async () => {
    const dir = fresh('property');
    write(dir, 'customers.csv', ['customer_id,customer_type,join_date,region', ...Array.from({ length: 6 }, (_, i) => `K${i},individual,2023-01-01,甘肃`)]);
    write(dir, 'monthly_usage.csv', ['customer_id,month,revenue', 'K0,2024-01,1']);
    write(dir, 'churn_events.csv', ['customer_id,churn_date,churn_type,reason_code']);
    const store = await DuckDBStore.open(join(dir, 'p.duckdb'), { readableDirectories: [root] });
    const rnd = seeded(11);
    try {
      await importDataset(store, dir, { timezone: TZ, prepareAnalytics: false });
      let refused = 0;
      for (let b = 0; b < 3; b++) {
        const lines = ['transaction_id,customer_id,ts,kind,points'];
        for (let i = 0; i < 120; i++) {
          const day = 1 + b * 20 + Math.floor(rnd() * 30);
          const ts = new Date(Date.UTC(2024, 0, day, Math.floor(rnd() * 24), Math.floor(rnd() * 60))).toISOString().slice(0, 16);
          const r = rnd();
          const kind = r < 0.45 ? 'earn' : r < 0.85 ? 'redeem' : 'adjust';
          const points = (kind === 'adjust' && rnd() < 0.5 ? -1 : 1) * (1 + Math.floor(rnd() * 100));
          lines.push(`B${b}-${i},K${Math.floor(rnd() * 6)},${ts},${kind},${points}`);
        }
        const file = write(dir, `batch-${b}.csv`, lines);
        const first = (await importContractFile(store, 'points_transactions', file, { timezone: TZ, pointsExpiryMonths: 1 })).files[0];
        refused += first?.rejected ?? 0;
        const reasons = await store.query<{ code: string }>("SELECT DISTINCT split_part(reason, ':', 1) AS code FROM import_rejects WHERE file = 'points_transactions'");
        expect(reasons.map((r) => r.code).filter((c) => c !== 'insufficient_points')).toEqual([]);
        const rows = await store.query<{ customer_id: string; balance: number; lots: number }>(
          `SELECT c.customer_id,
                  coalesce((SELECT sum(points) FROM points_entries e WHERE e.customer_id = c.customer_id), 0) AS balance,
                  coalesce((SELECT sum(l.points - coalesce((SELECT sum(a.points) FROM points_allocations a WHERE a.lot_entry_id = l.entry_id), 0))
                            FROM points_entries l WHERE l.customer_id = c.customer_id AND l.points > 0 AND l.kind <> 'reversal'), 0) AS lots
           FROM customers c`,
        );
        for (const r of rows) expect(Number(r.balance), r.customer_id).toBe(Number(r.lots));
        const [neg] = await store.query<{ n: number }>(
          `SELECT count(*) AS n FROM (SELECT sum(sum(points)) OVER (PARTITION BY customer_id ORDER BY ts) AS running FROM points_entries GROUP BY customer_id, ts) WHERE running < 0`,
        );
        expect(Number(neg?.n)).toBe(0);
        const [lotNeg] = await store.query<{ n: number }>(
          `SELECT count(*) AS n FROM points_entries l WHERE l.points > 0 AND l.kind <> 'reversal'
             AND l.points < coalesce((SELECT sum(a.points) FROM points_allocations a WHERE a.lot_entry_id = l.entry_id), 0)`,
        );
        expect(Number(lotNeg?.n)).toBe(0);
        const before = await entryCount(store);
        const again = (await importContractFile(store, 'points_transactions', file, { timezone: TZ, pointsExpiryMonths: 1 })).files[0];
        expect(again).toMatchObject({ inserted: 0, updated: 0, rejected: first?.rejected });
        expect(await entryCount(store)).toBe(before);
        await expirePoints(store, `2024-0${b + 2}-15`);
      }
      expect(refused).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});
