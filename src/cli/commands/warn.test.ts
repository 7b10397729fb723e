import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keepSegmentMembers, reportDefinitions, segmentReport } from '../../app/segments/segments.ts';
import { customerId, FORMULA_REASON, makeWarnStore, N } from '../../app/warn/test-fixture.ts';
import { readCsvRecords } from '../../domain/csv.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { runCaptured } from '../test-support.ts';
import { WARN_COLUMNS } from './warn.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-warn-cli-'));
let db = '';
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

beforeAll(async () => {
  ({ db } = await makeWarnStore(root));
}, 120_000);

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface JsonRow {
  rank: number;
  customer_id: string;
  churn_probability: number;
  customer_value: number;
  expected_loss: number;
  value_quadrant: string | null;
  top_reasons: { rank: number; text: string }[];
  recommended_play: string | null;
  change: string | null;
}

async function json(args: string[]): Promise<{ customers: JsonRow[]; [k: string]: unknown }> {
  const r = await runCaptured([...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as { customers: JsonRow[] };
}

describe('tenure warn on the command line', () => {
  it('reads only: a plain list, a segment and an export leave the store file byte for byte as it was', async () => {
    const before = hash(db);
    expect((await runCaptured(['warn', '--db', db, '--top', '10', '--format', 'csv'])).code).toBe(0);
    expect((await runCaptured(['warn', '--db', db, '--segment', 'full-service', '--region', '甘肃', '--json'])).code).toBe(0);
    expect((await runCaptured(['warn', '--db', db, '--out', join(root, 'ro.parquet')])).code).toBe(0);
    expect((await runCaptured(['warn', 'lists', '--db', db, '--json'])).code).toBe(0);
    expect(hash(db)).toBe(before);
    expect(existsSync(`${db}.wal`)).toBe(false);
  });

  it('prints the contract\'s columns first and the quadrant\'s play in the output\'s language', async () => {
    const csv = await runCaptured(['warn', '--db', db, '--top', '3', '--format', 'csv']);
    expect(csv.code, csv.err).toBe(0);
    expect(csv.out.split('\n')[0]).toBe(WARN_COLUMNS.join(','));
    expect(csv.out.startsWith('customer_id,churn_probability,customer_value,expected_loss,')).toBe(true);
    expect(csv.err).toMatch(/3 of 234 matching customers listed \(234 scored as of 2024-06\); change against the scoring as of 2024-05/);
    const zh = await json(['warn', '--db', db, '--top', '40']);
    const en = await json(['warn', '--db', db, '--top', '40', '--lang', 'en']);
    const iv = zh.customers.findIndex((r) => r.value_quadrant === 'IV');
    expect(iv).toBeGreaterThanOrEqual(0);
    expect(zh.customers[iv]?.recommended_play).toBe('重中之重投入：不遗余力地保持、发展客户关系');
    expect(en.customers[iv]?.recommended_play).toBe('top-priority investment: spare no effort to keep and develop the relationship');
    expect(zh.previous_scoring).toMatchObject({ as_of: '2024-05', model_version: 'mA' });
    expect(zh.scoring).toMatchObject({ as_of: '2024-06', model_version: 'mB' });
  });

  it('exports for the contact centre: CSV and Parquet read back as the JSON, 0600, formulas neutralised in the CSV', async () => {
    const all = (await json(['warn', '--db', db])).customers;
    expect(all.length).toBe(N - 6);
    const csvPath = join(root, 'list.csv');
    const parquetPath = join(root, 'list.parquet');
    const wrote = await runCaptured(['warn', '--db', db, '--out', csvPath]);
    expect(wrote.code, wrote.err).toBe(0);
    expect(wrote.out).toBe('');
    expect(wrote.err).toContain(`wrote ${N - 6} customers to ${csvPath}`);
    expect((await runCaptured(['warn', '--db', db, '--out', parquetPath])).code).toBe(0);
    for (const p of [csvPath, parquetPath]) expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const records = readCsvRecords(readFileSync(csvPath, 'utf8'));
    expect(records[0]?.fields).toEqual([...WARN_COLUMNS]);
    const rows = records.slice(1).filter((r) => !(r.fields.length === 1 && r.fields[0] === ''));
    expect(rows.map((r) => r.fields[0])).toEqual(all.map((r) => r.customer_id));
    rows.forEach((r, k) => {
      const j = all[k] as JsonRow;
      expect(Number(r.fields[1])).toBe(j.churn_probability);
      expect(Number(r.fields[2])).toBe(j.customer_value);
      expect(Number(r.fields[3])).toBe(j.expected_loss);
      expect(r.fields[9]).toBe(j.recommended_play ?? '');
      expect(r.fields[10]).toBe(j.change ?? '');
    });
    // Customer 10's first reason starts with "=": a spreadsheet must see text.
    const ten = rows.find((r) => r.fields[0] === customerId(10));
    expect(ten?.fields[8]).toBe(`'${FORMULA_REASON}; b`);
    expect(readFileSync(csvPath, 'utf8')).not.toMatch(/(^|,)=HYPERLINK/m);

    const instance = await DuckDBInstance.create(':memory:');
    try {
      const c = await instance.connect();
      const read = await c.runAndReadAll(`SELECT * FROM read_parquet('${parquetPath}')`);
      expect(read.columnNames()).toEqual([...WARN_COLUMNS]);
      const back = read.getRowObjectsJson() as Record<string, unknown>[];
      expect(back.map((r) => r.customer_id)).toEqual(all.map((r) => r.customer_id));
      back.forEach((r, k) => {
        const j = all[k] as JsonRow;
        expect(Number(r.churn_probability)).toBe(j.churn_probability);
        expect(Number(r.customer_value)).toBe(j.customer_value);
        expect(Number(r.expected_loss)).toBe(j.expected_loss);
        expect(r.top_reasons).toEqual(j.top_reasons.map((x) => x.text));
        expect(r.recommended_play).toBe(j.recommended_play);
        expect(r.change).toBe(j.change);
      });
      const types = await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${parquetPath}'))`);
      expect(Object.fromEntries(types.getRows().map(([n, t]) => [String(n), String(t)]))).toMatchObject({ expected_loss: 'DECIMAL(18,2)', top_reasons: 'VARCHAR[]' });
      c.closeSync();
    } finally {
      instance.closeSync();
    }
  });

  it('--save keeps a dated list that warn lists and warn show give back unchanged, and campaign design can target', async () => {
    const copy = join(root, 'saved.duckdb');
    copyFileSync(db, copy);
    const saved = await json(['warn', '--db', copy, '--top', '50', '--min-probability', '0.2', '--save', 'June risk']);
    expect(saved.saved_list).toMatchObject({ list_id: 'WL1', name: 'June risk', as_of: '2024-06', members: 50, filters: { min_probability: 0.2, top: 50 } });
    const lists = (await runCaptured(['warn', 'lists', '--db', copy, '--json'])).out;
    expect(JSON.parse(lists)).toMatchObject({ lists: [{ list_id: 'WL1', members: 50, previous_as_of: '2024-05' }] });
    const shown = await json(['warn', 'show', 'WL1', '--db', copy]);
    expect(shown.customers).toEqual(saved.customers);
    expect(shown).toMatchObject({ list: { list_id: 'WL1' }, matched: saved.matched, listed: 50, scoring: saved.scoring });
    const top = await json(['warn', 'show', 'WL1', '--db', copy, '--top', '3']);
    expect(top.customers).toEqual(saved.customers.slice(0, 3));
    const missing = await runCaptured(['warn', 'show', 'WL9', '--db', copy]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no saved warning list with id "WL9"; `tenure warn lists` shows the saved lists/);

    const design = await runCaptured(['campaign', 'design', '--db', copy, '--id', 'K1', '--start', '2024-07-01', '--target', 'WL1', '--arms', 'control:0.5,O10:0.5', '--json']);
    expect(design.code, design.err).toBe(0);
    const d = JSON.parse(design.out) as { targets: number; excluded: { no_consent: number }; target_list: { list_id: string } };
    const noConsent = saved.customers.filter((r) => Number(r.customer_id.slice(1)) % 10 === 0).length;
    expect(d).toMatchObject({ targets: 50, excluded: { no_consent: noConsent }, target_list: { list_id: 'WL1', as_of: '2024-06' } });
    const store = await DuckDBStore.open(copy, { access: 'read-only' });
    try {
      const members = (await store.query<{ customer_id: string }>(`SELECT customer_id FROM campaign_members WHERE campaign_id = 'K1' ORDER BY 1`)).map((r) => r.customer_id);
      expect(members).toEqual(saved.customers.map((r) => r.customer_id).filter((id) => Number(id.slice(1)) % 10 !== 0).sort());
    } finally {
      await store.close();
    }
    const neither = await runCaptured(['campaign', 'design', '--db', copy, '--id', 'K2', '--start', '2024-07-01', '--target', 'June risk', '--arms', 'control:0.5,O10:0.5']);
    expect(neither.code).toBe(2);
    expect(neither.err).toMatch(/--target June risk is neither a file nor a saved warning list; saved lists named "June risk" have the ids WL1/);
  });

  it('usage errors exit 2 before anything is read or written', async () => {
    const cases: [string[], RegExp][] = [
      [['--out', join(root, 'list.txt')], /--out .*list\.txt: the file name must end in \.csv or \.parquet/],
      [['--out', join(root, 'no-such-folder', 'l.csv')], /--out: cannot write .*l\.csv: folder .*no-such-folder does not exist/],
      [['--tier', 'diamond'], /--tier must be one or more of low, mid, high, silver, gold, platinum/],
      [['--stage', 'F'], /--stage must be one or more of A, B, C, D, E/],
      [['--min-probability', '1.5'], /--min-probability must be a fraction from 0 to 1/],
      [['--min-value', 'lots'], /--min-value must be an amount/],
      [['--top', '0'], /--top must be a whole number ≥ 1/],
      [['--segments', join(root, 'segs.json')], /no such segments file|--segments FILE gives the definitions/],
      [['--as-of', '2024-04'], /no scoring as of 2024-04 in the store; run `tenure score --as-of 2024-04` first/],
    ];
    for (const [args, message] of cases) {
      const r = await runCaptured(['warn', '--db', db, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.out, args.join(' ')).toBe('');
    }
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp') || f === 'list.txt')).toEqual([]);
  });

  it('a segment filter keeps the accounts tenure segments counts in the month: every segment\'s opening accounts add up to its size', async () => {
    const store = await DuckDBStore.open(db, { access: 'read-only' });
    try {
      const report = await segmentReport(store, { asOf: '2024-06', months: 1 });
      const { definitions } = reportDefinitions();
      let checked = 0;
      for (const d of definitions) {
        const row = report.months.find((m) => m.segment === d.name && m.month === '2024-06');
        if (!row) continue; // a preset of a profile the data has none of
        await keepSegmentMembers(store, { month: '2024-06', name: d.name }, 'seg_members');
        const [opening] = await store.query<{ n: number }>(
          `SELECT count(*) AS n FROM seg_members s JOIN customers c ON c.customer_id = s.customer_id WHERE c.join_date < DATE '2024-06-01'`,
        );
        expect(Number(opening?.n), d.name).toBe(row.size);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(8);
    } finally {
      await store.close();
    }
  });
});
