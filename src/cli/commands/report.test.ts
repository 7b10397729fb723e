import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { derivedTablesCurrent } from '../../app/reports/basis.ts';
import { loadHandChecked } from '../../app/reports/test-fixture.ts';
import { runCaptured } from '../test-support.ts';
import { addBills, addCustomers, addExits, monthlyBills } from '../../app/lifecycle/test-store.ts';

const run = runCaptured;

const dir = mkdtempSync(join(tmpdir(), 'tenure-report-cli-'));
const db = join(dir, 'hand.duckdb');

beforeAll(async () => {
  const store = await DuckDBStore.open(db);
  await loadHandChecked(store);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

describe('tenure report churn-totals', () => {
  it('prints CSV with the contract header and the hand-checked figures', async () => {
    const { code, out } = await run(['report', 'churn-totals', '--db', db, '--format', 'csv']);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('month,opening,gross_adds,pre_churn,voluntary,involuntary,closing,churn_rate,arpu,revenue_lost');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toBe('2024-01,6,1,7,0,1,6,0.166667,51.33,0.00');
    expect(lines[5]).toBe('2024-05,8,0,8,2,1,5,0.375000,29.39,34.68');
  });

  it('prints JSON rows with numbers, money rounded to two decimals, each row naming its currency', async () => {
    const { code, out } = await run(['report', 'churn-totals', '--db', db, '--from', '2024-04', '--to', '2024-05', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as Record<string, unknown>[];
    expect(rows).toEqual([
      { month: '2024-04', opening: 7, gross_adds: 1, pre_churn: 8, voluntary: 0, involuntary: 0, closing: 8, churn_rate: 0, arpu: 19, revenue_lost: 0, currency: 'CNY', partial: [] },
      { month: '2024-05', opening: 8, gross_adds: 0, pre_churn: 8, voluntary: 2, involuntary: 1, closing: 5, churn_rate: 0.375, arpu: 29.39, revenue_lost: 34.68, currency: 'CNY', partial: [] },
    ]);
  });

  it('shows an undefined churn rate as empty (CSV) and null (JSON)', async () => {
    // One account that joins and leaves in the only billed month: opening 0, closing 0.
    const path = join(dir, 'tiny.duckdb');
    const tiny = await DuckDBStore.open(path);
    await addCustomers(tiny, [{ id: 'x', joined: '2024-01-05' }]);
    await addBills(tiny, monthlyBills('x', '2024-01', '2024-01', 10));
    await addExits(tiny, [['x', '2024-01-20', 'voluntary', '101']]);
    await tiny.close();
    const csv = await run(['report', 'churn-totals', '--db', path, '--format', 'csv']);
    expect(csv.out.trimEnd().split('\n')[1]).toBe('2024-01,0,1,1,1,0,0,,,0.00');
    const json = await run(['report', 'churn-totals', '--db', path, '--json']);
    expect((JSON.parse(json.out) as { churn_rate: unknown }[])[0]?.churn_rate).toBeNull();
  });

  it('says on stderr and per JSON row which months have revenue lost from fewer than 3 prior bills', async () => {
    const { code, out, err } = await run(['report', 'churn-totals', '--db', db, '--json']);
    expect(code).toBe(0);
    expect(err).toContain('partial coverage: revenue_lost for 2024-01..2024-03: revenue lost averages the 3 bills before the churn month');
    const rows = JSON.parse(out) as { month: string; partial: string[] }[];
    expect(rows.map((r) => [r.month, r.partial])).toEqual([
      ['2024-01', ['revenue_lost']],
      ['2024-02', ['revenue_lost']],
      ['2024-03', ['revenue_lost']],
      ['2024-04', []],
      ['2024-05', []],
    ]);
  });

  it('report churn-totals before the data exits 2 naming the span (it printed zero churn)', async () => {
    const { code, out, err } = await run(['report', 'churn-totals', '--db', db, '--from', '2023-01', '--to', '2023-02']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain("--from 2023-01 is before the data's first month 2024-01; the data covers 2024-01..2024-05");
  });

  it('prints an aligned table on request', async () => {
    const { code, out } = await run(['report', 'churn-totals', '--db', db, '--format', 'table', '--from', '2024-05']);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^month\s+opening\s+gross_adds/);
    expect(lines[2]).toMatch(/^2024-05\s+8\s+0\s+8\s+2\s+1\s+5\s+0\.375000\s+29\.39\s+34\.68$/);
  });

  it('defaults to CSV when stdout is not a terminal and to a table when it is', async () => {
    const original = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    try {
      Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
      expect((await run(['report', 'churn-totals', '--db', db, '--from', '2024-05'])).out.split('\n')[0]).toBe(
        'month,opening,gross_adds,pre_churn,voluntary,involuntary,closing,churn_rate,arpu,revenue_lost',
      );
      Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
      expect((await run(['report', 'churn-totals', '--db', db, '--from', '2024-05'])).out.split('\n')[1]).toMatch(/^-+ {2}-+/);
    } finally {
      if (original) Object.defineProperty(process.stdout, 'isTTY', original);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
  });

  it.each([
    [['--from', '2024-1'], /--from must be a month written YYYY-MM/],
    [['--to', '2024-13'], /--to must be a month written YYYY-MM/],
    [['--from', '2024-05', '--to', '2024-04'], /--from 2024-05 is after --to 2024-04/],
  ])('rejects %j with exit 2', async (flags, message) => {
    const { code, out, err } = await run(['report', 'churn-totals', '--db', db, ...flags]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });

  it('read commands also write: a report on a stale store builds its derived tables for itself and leaves the file as it was', async () => {
    const path = join(dir, 'stale.duckdb');
    const setup = await DuckDBStore.open(path);
    await loadHandChecked(setup);
    expect(await derivedTablesCurrent(setup)).toBe(false);
    await setup.close();
    const before = createHash('sha256').update(readFileSync(path)).digest('hex');
    const { code, out } = await run(['report', 'churn-totals', '--db', path, '--format', 'csv', '--from', '2024-05']);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')[1]).toBe('2024-05,8,0,8,2,1,5,0.375000,29.39,34.68');
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(before);
    expect(existsSync(`${path}.wal`)).toBe(false);
    const after = await DuckDBStore.open(path, { access: 'read-only' });
    try {
      expect(await derivedTablesCurrent(after)).toBe(false);
    } finally {
      await after.close();
    }
  });

  it('exits 2 without creating a store when the store file does not exist', async () => {
    const missing = join(dir, 'missing.duckdb');
    const { code, err } = await run(['report', 'churn-totals', '--db', missing]);
    expect(code).toBe(2);
    expect(err).toMatch(/no store at .*missing\.duckdb/);
    expect(existsSync(missing)).toBe(false);
  });

  it('exits 2 with a clear message when the store holds no data', async () => {
    const empty = join(dir, 'empty.duckdb');
    await (await DuckDBStore.open(empty)).close();
    const { code, err } = await run(['report', 'churn-totals', '--db', empty]);
    expect(code).toBe(2);
    expect(err).toMatch(/has no customers yet; import a data set first/);
  });
});

describe('tenure report churn-reasons', () => {
  it('prints the contract header, zh labels by default and en on request', async () => {
    const zh = await run(['report', 'churn-reasons', '--db', db, '--from', '2024-05', '--to', '2024-05', '--format', 'csv']);
    expect(zh.code).toBe(0);
    const lines = zh.out.trimEnd().split('\n');
    expect(lines[0]).toBe('month,reason_code,reason,churn_type,count,revenue_lost,reason_group');
    expect(lines).toContain('2024-05,101,价格,voluntary,1,10.00,price');
    expect(lines).toContain('2024-05,335,信用/欠费,involuntary,1,4.67,credit');
    const en = await run(['report', 'churn-reasons', '--db', db, '--from', '2024-05', '--to', '2024-05', '--lang', 'en', '--json']);
    const rows = JSON.parse(en.out) as { reason_code: string; reason: string; count: number }[];
    expect(rows.find((r) => r.reason_code === '104')).toMatchObject({ reason: 'image, friends and family', count: 0 });
  });

  it('rejects an unknown language with exit 2', async () => {
    expect((await run(['report', 'churn-reasons', '--db', db, '--lang', 'fr'])).code).toBe(2);
  });
});

describe('tenure report churn-competitors, churn-reason-groups, churn-check', () => {
  beforeAll(async () => {
    const store = await DuckDBStore.open(db);
    await store.run(`UPDATE churn_events SET competitor = CASE customer_id WHEN 'c02' THEN '中国移动' WHEN 'c03' THEN '中国移动' WHEN 'c06' THEN '中国电信' END`);
    await store.close();
  });

  it('churn-competitors: CSV with one value a cell, JSON with the reason groups as a list', async () => {
    const csv = await run(['report', 'churn-competitors', '--db', db, '--from', '2024-05', '--to', '2024-05', '--format', 'csv']);
    expect(csv.code, csv.err).toBe(0);
    expect(csv.out.trimEnd().split('\n')).toEqual([
      'month,competitor,voluntary,involuntary,count,share_of_voluntary,revenue_lost,top_reason_groups',
      '2024-05,中国移动,2,0,2,1.000000,30.01,price 2',
      // 中国电信 (March) is not named in this range: no row.
      '2024-05,,0,1,1,0.000000,4.67,credit 1',
    ]);
    const json = JSON.parse((await run(['report', 'churn-competitors', '--db', db, '--from', '2024-05', '--to', '2024-05', '--json'])).out) as Record<string, unknown>[];
    expect(json[0]).toEqual({ month: '2024-05', competitor: '中国移动', voluntary: 2, involuntary: 0, count: 2, share_of_voluntary: 1, revenue_lost: 30.01, top_reason_groups: [{ reason_group: 'price', count: 2 }], currency: 'CNY', partial: [] });
    expect(json[1]).toMatchObject({ competitor: null, revenue_lost: 4.67 });
    const table = await run(['report', 'churn-competitors', '--db', db, '--from', '2024-05', '--to', '2024-05', '--format', 'table', '--lang', 'en']);
    expect(table.out).toMatch(/\(not recorded\)/);
    expect(table.out).toMatch(/revenue_lost \(CNY\)/);
  });

  it('churn-reason-groups: groups with category and cause, adding up to the month', async () => {
    const rows = JSON.parse((await run(['report', 'churn-reason-groups', '--db', db, '--from', '2024-03', '--to', '2024-03', '--json'])).out) as { reason_group: string; cause: string; count: number; share: number; revenue_lost: number }[];
    expect(rows.filter((r) => r.count > 0)).toEqual([expect.objectContaining({ reason_group: 'quality', category: 'deliberate', cause: 'dissatisfied', count: 1, share: 1, revenue_lost: 42.5 })]);
    expect(rows).toHaveLength(9);
  });

  it('churn-check: the verdict in zh-CN by default and English with --lang en; the table states the causes and says the verdicts below', async () => {
    const zh = JSON.parse((await run(['report', 'churn-check', '--db', db, '--json'])).out) as { month: string; verdict: string; verdict_text: string; partial: string[] }[];
    expect(zh.map((r) => r.verdict)).toEqual(['normal', 'undetermined', 'undetermined', 'normal', 'normal']);
    expect(zh[1]?.verdict_text).toMatch(/^无法判断/);
    expect(zh[1]?.partial).toEqual(['revenue_lost', 'verdict']);
    const en = await run(['report', 'churn-check', '--db', db, '--format', 'table', '--lang', 'en']);
    expect(en.code, en.err).toBe(0);
    expect(en.out).toMatch(/dissatisfied = left dissatisfied \(quality, convenience; serious\)/);
    expect(en.out).toMatch(/^2024-05: normal: every exit was given up by the operator, forced to leave or poached/m);
    expect(en.out.split('\n')[0]).not.toMatch(/verdict_text/);
    expect(en.err).toMatch(/partial coverage: verdict for 2024-01\.\.2024-05: the verdict compares a month with the 12 months before it/);
  });
});

describe('tenure report churn-regions', () => {
  it('prints the contract header and region paths at the requested level', async () => {
    const { code, out } = await run(['report', 'churn-regions', '--db', db, '--level', 'city', '--from', '2024-05', '--to', '2024-05', '--format', 'csv']);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toEqual([
      'month,region,opening,voluntary,involuntary,churn_rate,revenue_lost',
      '2024-05,四川,1,0,0,0.000000,0.00',
      '2024-05,四川/成都,1,0,0,0.000000,0.00',
      '2024-05,甘肃/兰州,2,0,1,0.500000,4.67',
      '2024-05,甘肃/酒泉,4,2,0,0.500000,30.01',
    ]);
  });

  it('rejects an unknown level with exit 2', async () => {
    expect((await run(['report', 'churn-regions', '--db', db, '--level', 'county'])).code).toBe(2);
  });
});
