import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured as run } from '../test-support.ts';
import { IN_CI, freshDatabase, testServerProblem } from '../../store/postgres/test-server.ts';

/**
 * The churn model, scoring, warning lists, campaigns, uplift and win-back on PostgreSQL: a demo
 * operator's store copied to PostgreSQL before any model exists; then each writer runs on each
 * store on its own (train, score, warn --save, campaign design, uplift train) and every command
 * prints the same JSON on both. What differs by nature is masked: the model ids (they carry the
 * time of training) and the times a run was made.
 */
const problem = await testServerProblem();
const dir = mkdtempSync(join(tmpdir(), 'tenure-store-model-'));
const duck = join(dir, 'demo.duckdb');
const drops: (() => Promise<void>)[] = [];
let url = '';
let firstCustomer = '';
let campaigns: string[] = [];

afterEach(() => {
  process.exitCode = undefined;
});
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

/** The output with what differs by nature masked: model ids, run times, the store's location. */
function masked(out: string, location: string): string {
  return out
    .replaceAll(location, '<store>')
    .replace(/churn-\d{4}-\d{2}-h\d+-\d{4}-\d{2}-[a-z0-9]+/g, '<churn-model>')
    .replace(/uplift-[A-Za-z0-9_.-]+?-(t_learner|s_learner|x_learner|[a-z_]+)-[a-z0-9]+/g, '<uplift-model>')
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?/g, '<time>');
}

async function both(args: string[]): Promise<{ duckdb: string; postgres: string }> {
  const a = await run([...args, '--db', duck, '--json']);
  const b = await run([...args, '--db', url, '--json']);
  expect(a.code, `${args.join(' ')} on DuckDB: ${a.err}`).toBe(0);
  expect(b.code, `${args.join(' ')} on PostgreSQL: ${b.err}`).toBe(0);
  return { duckdb: masked(a.out, duck), postgres: masked(b.out, new URL(url).toString()) };
}

async function same(command: string): Promise<string> {
  const args = command.split(' ').map((a) => (a === '<first>' ? firstCustomer : a === '<campaign1>' ? (campaigns[0] as string) : a === '<campaign2>' ? (campaigns[1] as string) : a));
  const { duckdb, postgres } = await both(args);
  expect(postgres).toBe(duckdb);
  return duckdb;
}

describe.skipIf(problem !== undefined && !IN_CI)(`the model, scores, warnings, campaigns and uplift on --db postgres://${problem ? ` (skipped: ${problem})` : ''}`, () => {
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
    const evaluated = JSON.parse((await run(['campaign', 'evaluate', '--db', duck, '--json'])).out) as { campaigns: { campaign_id: string; status: string }[] };
    campaigns = evaluated.campaigns.filter((c) => c.status === 'complete').map((c) => c.campaign_id);
    expect(campaigns.length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('model train fits the same model on each store: the same training rows, trees and holdout figures', async () => {
    // A sample of the customers (the MD5 rule) first: the same customers on both engines.
    const sampled = JSON.parse(await same('model train --max-train-rows 1000')) as { train_sample: number };
    expect(sampled.train_sample).toBeLessThan(1);
    const report = JSON.parse(await same('model train')) as { trees: number; train_rows: number; model: { auc: number } };
    expect(report.trees).toBeGreaterThan(0);
    expect(report.train_rows).toBeGreaterThan(1000);
    expect(report.model.auc).toBeGreaterThan(0.5);
  }, 240_000);

  it('score gives the same probabilities, expected losses and reasons, and so does a month before', async () => {
    const scores = JSON.parse(await same('score')) as { churn_probability: number; top_reasons: unknown[] }[];
    expect(scores.length).toBeGreaterThan(300);
    expect(scores.some((s) => s.top_reasons.length > 0)).toBe(true);
    await same('score --as-of 2025-11 --top 3');
  }, 240_000);

  const reads = [
    'warn',
    'warn --top 20 --lang en',
    'warn --min-probability 0.2 --min-value 50',
    'warn --stage C,D,E --top 30',
    'warn --quadrant III,IV',
    'warn --tier gold,platinum',
    'warn --segment full-service',
    'warn --region 甘肃 --top 10',
    'warn --as-of 2025-11 --top 10',
    'customer <first>',
    'customer <first> --lang en --show-pii',
    'winback',
    'winback --from 2025-01 --to 2025-06 --top 0',
    'campaign evaluate',
    'campaign evaluate <campaign1>',
  ];
  it.each(reads)('tenure %s: the same JSON from both stores', async (command) => {
    await same(command);
  }, 120_000);

  it('warn --save keeps the same list on each store; lists and show read it back alike', async () => {
    const saved = JSON.parse(await same('warn --top 40 --stage C,D,E --save high-risk')) as { saved_list: { list_id: string; members: number } };
    expect(saved.saved_list.list_id).toMatch(/^WL\d+$/);
    expect(saved.saved_list.members).toBeGreaterThan(0);
    await same('warn lists');
    await same(`warn show ${saved.saved_list.list_id} --top 5`);
    const a = await run(['warn', '--top', '5', '--db', url, '--out', join(dir, 'pg.csv')]);
    const b = await run(['warn', '--top', '5', '--db', duck, '--out', join(dir, 'duck.csv')]);
    expect([a.code, b.code], a.err + b.err).toEqual([0, 0]);
    expect(readFileSync(join(dir, 'pg.csv'), 'utf8')).toBe(readFileSync(join(dir, 'duck.csv'), 'utf8'));
  }, 240_000);

  it('campaign design draws the same assignment on each store, from a saved list and from a file; evaluate reads it alike', async () => {
    expect(await same('campaign design --id PGK1 --start 2026-01-01 --target WL1 --arms control:0.4,R10:0.6 --seed 3')).toContain('PGK1');
    const targets = join(dir, 'targets.csv');
    const listed = JSON.parse((await run(['warn', '--db', duck, '--json'])).out) as { customers: { customer_id: string }[] };
    const ids = listed.customers.map((r) => r.customer_id);
    expect(ids.length).toBeGreaterThan(100);
    writeFileSync(targets, `customer_id\n${ids.join('\n')}\n`);
    await same(`campaign design --id PGK2 --start 2025-10-01 --target ${targets} --arms control:0.5,R10:0.25,DATA5G:0.25 --seed 11`);
    await same('campaign evaluate');
  }, 240_000);

  it('uplift train learns the same model from a campaign on each store, and evaluate scores another alike', async () => {
    await same('uplift train --campaigns <campaign1> --offer R10');
    await same('uplift evaluate --campaign <campaign2> --bootstrap 100');
  }, 240_000);
});
