import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDirs } from '../../app/import/test-fixture.ts';
import { runCaptured } from '../test-support.ts';

const { fresh } = freshDirs('tenure-points-cli-');
let dir = '';
let db = '';

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

beforeAll(async () => {
  dir = fresh('cli');
  db = join(dir, 't.duckdb');
  const data = join(dir, 'data');
  const w = (name: string, lines: string[]) => writeFileSync(join(data, name), `${lines.join('\n')}\n`);
  mkdirSync(data);
  w('customers.csv', ['customer_id,customer_type,join_date,region', 'C1,individual,2023-01-01,甘肃', 'C2,individual,2023-01-01,甘肃']);
  w('monthly_usage.csv', ['customer_id,month,revenue,paid', 'C1,2024-01,10,10', 'C2,2024-01,10,10']);
  w('churn_events.csv', ['customer_id,churn_date,churn_type,reason_code']);
  expect((await runCaptured(['import', data, '--db', db, '--json', '--no-prepare'])).code).toBe(0);
});
afterEach(() => {
  process.exitCode = undefined;
});

describe('tenure points', () => {
  it('post exits 1 with a rejects report naming file, line, column and reason when a redeem exceeds the balance', async () => {
    const file = write('p.csv', ['transaction_id,customer_id,ts,kind,points,reason', 'T1,C1,2024-01-05 10:00,earn,100,welcome', 'T2,C1,2024-01-06 10:00,redeem,250,tv', 'T3,C1,2024-01-07 10:00,redeem,40,mug']);
    const rejects = join(dir, 'rejects.csv');
    const r = await runCaptured(['points', 'post', file, '--db', db, '--json', '--rejects', rejects]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ read: 3, accepted: 2, rejected: 1, rejects: [{ line: 3, column: 'points', value: '250' }] });
    expect(r.err).toContain(`${file}:3:points: insufficient_points: redeem of 250 points exceeds the 100 points available at 2024-01-06 10:00:00`);
    expect(readFileSync(rejects, 'utf8')).toContain('insufficient_points');
    const again = await runCaptured(['points', 'post', file, '--db', db, '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ accepted: 2, rejected: 1, inserted: 0, updated: 0, unchanged: 2 });
  });

  it('balance --json prints exactly customer_id, balance, expiring first', async () => {
    const r = await runCaptured(['points', 'balance', 'C1', '--as-of', '2024-01-31', '--db', db, '--json']);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(json).slice(0, 3)).toEqual(['customer_id', 'balance', 'expiring']);
    expect(json).toMatchObject({ customer_id: 'C1', balance: 60, expiring: [{ date: '2026-01-05', points: 60 }] });
    const before = await runCaptured(['points', 'balance', 'C1', '--as-of', '2024-01-04', '--db', db, '--json']);
    expect(JSON.parse(before.out)).toMatchObject({ balance: 0, expiring: [] });
  });

  it("statement masks the operator's free-text reasons unless --show-pii", async () => {
    const masked = await runCaptured(['points', 'statement', 'C1', '--as-of', '2024-01-31', '--db', db, '--json']);
    expect(masked.code, masked.err).toBe(0);
    const entries = (JSON.parse(masked.out) as { entries: { transaction_id: string | null; reason: string | null }[] }).entries;
    const welcome = entries.find((e) => e.transaction_id === 'T1');
    expect(welcome?.reason).toBe('***');
    expect(masked.out).not.toContain('welcome');
    const shown = await runCaptured(['points', 'statement', 'C1', '--as-of', '2024-01-31', '--db', db, '--json', '--show-pii']);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('"reason": "welcome"');
    expect(shown.err).toMatch(/unmasked \(--show-pii\)/);
  });

  it('statement speaks zh-CN by default and English with --lang en', async () => {
    const zh = await runCaptured(['points', 'statement', 'C1', '--as-of', '2024-01-31', '--db', db, '--format', 'table']);
    expect(zh.out).toContain('兑换');
    const en = await runCaptured(['points', 'statement', 'C1', '--as-of', '2024-01-31', '--db', db, '--format', 'table', '--lang', 'en']);
    expect(en.out).toContain('redeem');
    expect(en.out).not.toContain('兑换');
  });

  it('expire is idempotent and expiring lists what goes soon', async () => {
    const soon = await runCaptured(['points', 'expiring', '--within-days', '10', '--as-of', '2025-12-31', '--db', db, '--json']);
    expect(JSON.parse(soon.out)).toMatchObject({ customers: 1, expiring: [{ customer_id: 'C1', date: '2026-01-05', points: 60, balance: 60 }] });
    const first = await runCaptured(['points', 'expire', '--as-of', '2026-01-05', '--db', db, '--json']);
    expect(JSON.parse(first.out)).toMatchObject({ lots: 1, points: 60 });
    const second = await runCaptured(['points', 'expire', '--as-of', '2026-01-05', '--db', db, '--json']);
    expect(JSON.parse(second.out)).toMatchObject({ lots: 0, points: 0 });
  });

  it('refuses bad flags, unknown customers and a bad rules file with exit 2', async () => {
    expect((await runCaptured(['points', 'balance', 'C1', '--as-of', '2024-02-30', '--db', db])).err).toMatch(/--as-of must be a date YYYY-MM-DD, got "2024-02-30"/);
    expect((await runCaptured(['points', 'balance', 'NOPE', '--db', db])).err).toMatch(/unknown customer NOPE/);
    expect((await runCaptured(['points', 'expiring', '--within-days', '0', '--db', db])).code).toBe(2);
    const rules = write('rules.json', ['{"version":1,"expiry_months":0,"rules":[],"member_days":[]}']);
    const bad = await runCaptured(['points', 'earn', '--month', '2024-01', '--rules', rules, '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/invalid points rules: expiry_months/);
  });
});
