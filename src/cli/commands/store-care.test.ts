import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured as run } from '../test-support.ts';
import { IN_CI, freshDatabase, testServerProblem } from '../../store/postgres/test-server.ts';

/**
 * Care, next best action, the points ledger and the service reports on PostgreSQL: a demo
 * operator's DuckDB store is copied into PostgreSQL (`tenure store copy`), then every command
 * prints the same JSON from both stores; the writers (points earn and expire, nba record) run on
 * both and must leave both stores answering alike.
 */
const problem = await testServerProblem();
const dir = mkdtempSync(join(tmpdir(), 'tenure-store-care-'));
const duck = join(dir, 'demo.duckdb');
const drops: (() => Promise<void>)[] = [];
let url = '';
const ids: string[] = [];

afterEach(() => {
  process.exitCode = undefined;
});
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a command on both stores; the JSON must be the same (the store's own name aside). */
async function same(args: readonly string[], normalise: (json: string) => string = (j) => j): Promise<string> {
  const a = await run([...args, '--db', duck, '--json']);
  const b = await run([...args, '--db', url, '--json']);
  expect(a.code, `duckdb: ${a.err}`).toBe(0);
  expect(b.code, `postgres: ${b.err}`).toBe(0);
  const pgName = JSON.stringify(new URL(url).toString()).slice(1, -1);
  expect(normalise(b.out.replaceAll(pgName, '<store>'))).toBe(normalise(a.out.replaceAll(duck, '<store>')));
  return a.out;
}

describe.skipIf(problem !== undefined && !IN_CI)(`care, nba, points and service reports on --db postgres://${problem ? ` (skipped: ${problem})` : ''}`, () => {
  beforeAll(async () => {
    if (problem) throw new Error(problem);
    const data = join(dir, 'data');
    expect((await run(['demo', '--out', data, '--customers', '800', '--months', '24', '--seed', '11'])).code).toBe(0);
    expect((await run(['import', data, '--db', duck, '--json'])).code).toBe(0);
    const db = await freshDatabase();
    drops.push(db.drop);
    url = db.url;
    ids.push(...readFileSync(join(data, 'customers.csv'), 'utf8').split('\n').slice(1, 60).map((l) => l.split(',')[0] ?? '').filter((id) => id !== ''));
    const copied = await run(['store', 'copy', '--db', duck, '--into', url, '--json']);
    expect(copied.code, copied.err).toBe(0);
  }, 240_000);

  const reads = [
    'care',
    'care --lang en --unknown-consent allow',
    'care --from 2025-11-15 --to 2026-11-14 --unknown-consent allow --max-contacts 1 --fatigue-days 45',
    'care --from 2027-02-20 --to 2027-03-05 --unknown-consent allow',
    'care --segment netizen --promotion Double-data --unknown-consent allow --lang en',
    'report complaints',
    'report complaints --by segment --segment-by province --lang en',
    'report complaints --by channel --from 2025-01',
    'report service-quality',
    'report service-quality --level city --from 2025-06 --bands 0,0.02',
    'relationship',
    'relationship --as-of 2025-06 --segment-by province --lang en',
  ];
  it.each(reads)('tenure %s: the same JSON from both stores', async (command) => {
    const out = await same(command.split(' '));
    expect(out.length).toBeGreaterThan(200);
  }, 120_000);

  it('tenure nba: the same answer for many customers, live and churned, on both stores', async () => {
    let answered = 0;
    for (const id of ids.slice(0, 25)) {
      for (const date of ['2026-01-05', '2025-06-30']) {
        const a = await run(['nba', id, '--date', date, '--db', duck, '--json']);
        const b = await run(['nba', id, '--date', date, '--db', url, '--json']);
        expect([b.code, b.out, b.err.replaceAll(url, '<store>')], `${id} ${date}`).toEqual([a.code, a.out, a.err.replaceAll(duck, '<store>')]);
        if (a.code === 0) answered++;
      }
    }
    expect(answered).toBeGreaterThan(20);
  }, 240_000);

  it('points earn, expire and nba record write alike; balances, statements and expiring points read alike', async () => {
    const noRun = (json: string) => json.replace(/"run_id": "[^"]*"/g, '"run_id": "<run>"');
    for (const month of ['2025-01', '2025-02', '2025-06', '2025-12']) await same(['points', 'earn', '--month', month], noRun);
    // Again: nothing new (the monthly run is idempotent) on both.
    expect(JSON.parse(await same(['points', 'earn', '--month', '2025-06'], noRun))).toMatchObject({ entries: 0 });
    await same(['points', 'expire', '--as-of', '2025-12-31'], noRun);
    await same(['points', 'expiring', '--as-of', '2025-06-30', '--within-days', '900']);
    let held = 0;
    for (const id of ids.slice(0, 15)) {
      const balance = JSON.parse(await same(['points', 'balance', id, '--as-of', '2025-12-31'])) as { balance: number };
      held += balance.balance;
      await same(['points', 'statement', id, '--as-of', '2025-12-31']);
    }
    expect(held).toBeGreaterThan(0);
    const noTimes = (json: string) => json.replace(/"recorded_at": "[^"]*"/g, '"recorded_at": "<now>"');
    let recorded = 0;
    const offer = readFileSync(join(dir, 'data', 'offers.csv'), 'utf8').split('\n')[1]?.split(',')[0] ?? '';
    for (const id of ids.slice(30, 45)) {
      const args = ['nba', 'record', id, '--offer', offer, '--outcome', recorded % 2 ? 'declined' : 'not_offered', '--ts', '2025-12-20 10:00'];
      const a = await run([...args, '--db', duck, '--json']);
      const b = await run([...args, '--db', url, '--json']);
      expect([b.code, noTimes(b.out)], id).toEqual([a.code, noTimes(a.out)]);
      if (a.code === 0) recorded++;
    }
    expect(recorded).toBeGreaterThan(0);
  }, 600_000);
});
