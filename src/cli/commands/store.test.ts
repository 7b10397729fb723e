import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runCaptured as run } from '../test-support.ts';
import { PostgresStore } from '../../store/postgres/postgres-store.ts';
import { IN_CI, freshDatabase, testServerProblem } from '../../store/postgres/test-server.ts';

/**
 * `tenure store copy` moves a demo operator's embedded store to PostgreSQL; the read commands
 * that run on PostgreSQL then print exactly what they print on DuckDB.
 */
const problem = await testServerProblem();
const dir = mkdtempSync(join(tmpdir(), 'tenure-store-copy-'));
const duck = join(dir, 'demo.duckdb');
const drops: (() => Promise<void>)[] = [];
let url = '';
let firstCustomer = '';

afterEach(() => {
  process.exitCode = undefined;
});
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(problem !== undefined && !IN_CI)(`tenure store copy and --db postgres://${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(async () => {
    if (problem) throw new Error(problem);
    const data = join(dir, 'data');
    expect((await run(['demo', '--out', data, '--customers', '600', '--months', '18', '--seed', '5'])).code).toBe(0);
    expect((await run(['import', data, '--db', duck, '--json'])).code).toBe(0);
    const db = await freshDatabase();
    drops.push(db.drop);
    url = db.url;
    firstCustomer = readFileSync(join(data, 'customers.csv'), 'utf8').split('\n')[1]?.split(',')[0] ?? '';
    const copied = await run(['store', 'copy', '--db', duck, '--into', url, '--json']);
    expect(copied.code, copied.err).toBe(0);
    const report = JSON.parse(copied.out) as { rows: number; tables: { table: string; rows: number }[] };
    expect(report.tables.find((t) => t.table === 'customers')?.rows).toBe(600);
    expect(report.tables.find((t) => t.table === 'monthly_usage')?.rows).toBeGreaterThan(5000);
  }, 240_000);

  const same = [
    'report churn-totals',
    'report churn-reasons',
    'report churn-regions --level city',
    'lifecycle',
    'lifecycle transitions',
    'value',
    'forecast churn --horizon 3',
    'report churn-check',
    'report churn-competitors',
    'report churn-reason-groups',
    'retention curves',
    'retention fit --cohort join-month',
    'churn-index',
    'winback',
    'customer <first>',
    'segments',
    'segments --by province',
    'lifecycle patterns',
  ];
  it.each(same)('tenure %s: the same JSON from both stores', async (command) => {
    const args = command.split(' ').map((a) => (a === '<first>' ? firstCustomer : a));
    const a = await run([...args, '--db', duck, '--json']);
    const b = await run([...args, '--db', url, '--json']);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    // The store's own location (churn-index names its source) is the one thing that differs.
    expect(b.out.replaceAll(JSON.stringify(new URL(url).toString()).slice(1, -1), '<store>')).toBe(a.out.replaceAll(duck, '<store>'));
  }, 120_000);

  it('refuses a target that already holds data, and leaves it as it was', async () => {
    const again = await run(['store', 'copy', '--db', duck, '--into', url]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds data/);
  });

  it('keeps nothing when the copy fails part-way', async () => {
    const db = await freshDatabase();
    drops.push(db.drop);
    // Migrate the new store, then make one table refuse rows the source has (a CHECK the data
    // breaks) on a table copied after others.
    await (await PostgresStore.open(db.url)).close();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE subscriptions ADD CONSTRAINT no_fees CHECK (monthly_fee < 0)');
      const failed = await run(['store', 'copy', '--db', duck, '--into', db.url]);
      expect(failed.code).toBe(2);
      const counts = await admin.query("SELECT (SELECT count(*) FROM customers)::int AS c, (SELECT count(*) FROM churn_events)::int AS e, (SELECT count(*) FROM reason_codes)::int AS r");
      expect(counts.rows[0]).toEqual({ c: 0, e: 0, r: 14 });
    } finally {
      await admin.end();
    }
  }, 120_000);

  it('never prints the password of --db or --to', async () => {
    const bad = new URL(url);
    bad.username = 'tenure_pw';
    bad.password = 'Sup3r-secret';
    const r = await run(['report', 'churn-totals', '--db', bad.toString(), '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/password authentication failed|not allowed|permission/);
    expect(r.err + r.out).not.toContain('Sup3r-secret');
  });
});
