import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES, MONEY_SCALE, type ColumnSpec, type FileSpec } from '../../contract/spec.ts';
import { reasonCode } from '../../contract/rules.ts';
import { rowSchema, typedCell } from '../../contract/zod.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { scanCsvFile } from './csv-file.ts';
import { fieldChecks, layoutFor } from './layout.ts';
import * as S from './sql.ts';

/**
 * The SQL validator (bulk import) and the zod schemas (single rows) are two renderings of the
 * contract's rules: they must give the same reasons on the same rows. And the import's fast
 * path must never let a row through that the full validator rejects: every such row must fail
 * the cheap SQL checks or be flagged by the byte scanner.
 */
const TZ = 'Asia/Shanghai';

const GOOD: Record<ColumnSpec['kind'], string[]> = {
  string: ['v', ' spaced ', 'quo"te', 'com,ma'],
  enum: [],
  date: ['2024-02-29', '1999-12-31'],
  month: ['2024-12', '2000-01'],
  timestamp: ['2024-01-02T03:04', '2024-01-02 03:04:05.5', '2024-06-30T23:30:00Z', '2024-01-01T00:30:00+09:00', '2024-03-10 08:00-05:00', '2024-12-31T23:59:59.999+14:00'],
  money: ['0', '12.34', '999999999999.123456', '007.10', '-0'],
  decimal: ['0', '12.5', '007.25', '3'],
  integer: ['0', '4', '0042'],
  boolean: ['true', 'false'],
};

const BAD: Record<ColumnSpec['kind'], string[]> = {
  string: [],
  enum: ['Other', 'zzz'],
  date: ['2023-02-29', '2024-13-01', '2024-1-01', '2024/01/01', '20240101', '2024-01-01T00:00'],
  month: ['2024-13', '2024-1', '2024-00', '2024-01-01'],
  timestamp: ['2024-01-02T24:00', '2024-01-02T23:60', '2024-01-02 03:04:60', '2024-01-02 03:04:60+08:00', '2024-02-30 00:00', '2024-01-02T03:04:05.', 'x', '2024-01-02', '2024-01-02T03:04+0800', '2024-01-02t03:04'],
  money: ['1.1234567', '1e2', '-1', '1000000000000', '1,000', '+5', ' 1', '.5', '5.', 'NaN', '１２'],
  decimal: ['1e5', '+1', '1.', '.5', '1,000', 'NaN', 'Infinity', '１', '-5', '0x10', '1 '],
  integer: ['1.0', '-3', '99999999999999999999', '４2', '1e3', ''],
  boolean: ['TRUE', '1', 'yes', 'False'],
};

function baseValue(col: ColumnSpec): string {
  if (col.kind === 'enum') return col.values?.[0] ?? '';
  if (col.kind === 'integer' && col.min === 1) return '3';
  return (GOOD[col.kind] ?? [])[0] ?? 'v';
}

/** A good base row, then one row per (column, good or bad value), then the cross-column rules. */
function rowsFor(file: FileSpec): Record<string, string>[] {
  const base = Object.fromEntries(file.columns.map((c) => [c.name, baseValue(c)]));
  if (file.extras === 'numeric') base.x_extra = '1.5';
  const rows: Record<string, string>[] = [base];
  const cols = [...file.columns, ...(file.extras === 'numeric' ? [{ name: 'x_extra', kind: 'decimal' as const, required: false }] : [])];
  for (const col of cols) {
    const values = [
      ...(col.kind === 'enum' ? (col.values ?? []) : GOOD[col.kind]),
      ...BAD[col.kind],
      '',
      ...(col.max !== undefined ? [String(col.max), String(col.max + 1), `${col.max}.5`] : []),
      ...(col.min !== undefined ? [String(col.min), String(col.min - 1)] : []),
    ];
    for (const v of values) rows.push({ ...base, [col.name]: v });
  }
  for (const rule of file.notGreater ?? []) {
    rows.push({ ...base, [rule.lesser]: '6', [rule.greater]: '5' });
    rows.push({ ...base, [rule.lesser]: '5', [rule.greater]: '5' });
    rows.push({ ...base, [rule.lesser]: '6', [rule.greater]: '' });
    rows.push({ ...base, [rule.lesser]: '6', [rule.greater]: 'x' });
  }
  return rows;
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

const dir = mkdtempSync(join(tmpdir(), 'tenure-agree-'));
let store: DuckDBStore;
beforeAll(async () => {
  store = await DuckDBStore.open(':memory:', { readableDirectories: [dir] });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQL validator and zod schema agree', () => {
  for (const file of FILES) {
    it(`on generated good and bad ${file.name} rows`, async () => {
      const rows = rowsFor(file);
      const columns = Object.keys(rows[0] ?? {});
      const checked = layoutFor(file, columns);
      if (!('layout' in checked)) throw new Error(checked.errors.join('; '));
      const layout = checked.layout;
      const opts = { timezone: TZ, lexicalInSql: false };

      // zod
      const schema = rowSchema(file, TZ);
      const fromZod = new Set<string>();
      rows.forEach((row, i) => {
        const result = schema.safeParse(row);
        if (!result.success) for (const issue of result.error.issues) fromZod.add(`${i}|${String(issue.path[0])}|${issue.message}`);
      });

      // the full SQL validator, over the same rows as text
      for (const sql of [...S.createRejectsSql(store.dialect), ...S.createTextTableSql(store.dialect, 'agree_rows', columns)]) await store.run(sql);
      await store.run(S.insertValuesSql('agree_rows', rows.map((r, i) => [i, ...columns.map((c) => (r[c] === '' ? null : (r[c] ?? null)))])));
      await store.run(S.validateRowsSql(layout, opts, 'agree_rows', S.REJ, store.dialect));
      const rejects = await store.query<{ rec: number; column: string; reason: string }>(`SELECT rec, "column", reason FROM ${S.REJ}`);
      const fromSql = new Set(rejects.map((r) => `${r.rec}|${r.column}|${r.reason}`));
      expect([...fromSql].sort()).toEqual([...fromZod].sort());
      // The generated rows exercise every reason this file can give.
      expect(fromSql.size).toBeGreaterThan(file.columns.length);

      // Fast path: each rejected row fails the cheap SQL checks or is flagged by the scanner.
      const path = join(dir, `${file.name}.csv`);
      writeFileSync(path, [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? '')).join(','))].join('\n') + '\n');
      const scan = await scanCsvFile(path, { checks: fieldChecks(layout), moneyScale: MONEY_SCALE });
      const query = S.stageQuery(layout, opts);
      await store.stageFile(store, { path, format: 'csv', columns, table: S.T, query });
      const notOk = await store.query<{ rec: number }>(`SELECT _pos AS rec FROM ${S.T} WHERE NOT _ok`);
      const caught = new Set([...notOk.map((r) => r.rec), ...(scan.suspects ?? []).map((s) => s.rec)]);
      const rejectedRows = new Set(rejects.map((r) => r.rec));
      for (const rec of rejectedRows) expect(caught.has(rec), `row ${rec} ${JSON.stringify(rows[rec])}`).toBe(true);

      // Typed values of good rows agree too (timestamps converted to operator local time).
      const good = rows.map((_, i) => i).filter((i) => !rejectedRows.has(i));
      const typedCols = layout.present.filter((c) => c.kind !== 'string' && c.kind !== 'enum');
      const sel = typedCols
        .map((c) => {
          const col = S.lit(c.name).replaceAll("'", '"');
          if (c.kind === 'month') return `strftime(${col}, '%Y-%m') AS ${col}`;
          if (c.kind === 'timestamp') return `CAST(${col} AS VARCHAR) AS ${col}`;
          if (c.kind === 'money') return `CAST(${col} AS DOUBLE) AS ${col}`;
          return col;
        })
        .join(', ');
      const typedRows = await store.query(`SELECT _pos AS rec, ${sel} FROM ${S.T} ORDER BY _pos`);
      for (const i of good) {
        const row = rows[i] ?? {};
        for (const c of typedCols) {
          const z = typedCell(c, row[c.name], TZ);
          const expected = c.kind === 'money' && typeof z === 'string' ? Number(z) + 0 : z;
          expect(typedRows[i]?.[c.name], `${file.name} row ${i} ${c.name}=${row[c.name]}`).toEqual(expected);
        }
      }
      expect(good.length).toBeGreaterThan(0);
    });
  }

  it('codes are stable machine codes', () => {
    expect(reasonCode('unknown_customer: customer_id C9 is not in customers')).toBe('unknown_customer');
  });
});
