import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore, Row, SqlValue } from '../port.ts';
import { DuckDBStore } from '../duckdb/duckdb-store.ts';
import { CLICKHOUSE_DIALECT, DUCKDB_DIALECT, type Dialect } from '../dialect.ts';
import { ClickHouseStore } from './clickhouse-store.ts';
import { IN_CI, testClusterProblem, testStoreUrl } from './test-cluster.ts';

/**
 * The ClickHouse dialect (dialect.ts) against DuckDB's on the same inputs: every function gives
 * the same value on both engines, with known answers checked by hand. The SQL around the dialect
 * is what both engines accept ($n bound values, CAST … AS DATE/VARCHAR/TIMESTAMP/DOUBLE); a set of
 * rows is spelled per engine (VALUES on DuckDB, arrayJoin on ClickHouse, which has no VALUES).
 * Timestamps are whole seconds: ClickHouse 18.16's DateTime has no fraction (see the dialect).
 */
const DATES = ['2024-01-31', '2024-02-29', '2023-12-01', '2024-03-15', '2020-02-29', '1999-12-31'];
const NUMBER_TEXTS = ['1.5', '-2', ' 3 ', 'abc', '', '1e3', '.5', '12a', '+7.25'];
const KEYS = ['C000001', 'C000002', '客户-3', "o'brien", ''];

const roundTo12 = (v: unknown) => Number(Number(v).toPrecision(12));
/** Booleans as 1/0: ClickHouse 18.16 has no boolean type. */
const flag = (v: unknown) => (v === null ? null : Number(v === true ? 1 : v === false ? 0 : v));

/** A relation `t` with one column `x` of the given SQL values (NULL allowed). */
type Rows = (values: readonly string[]) => string;
const DUCK_ROWS: Rows = (values) => `(VALUES ${values.map((v) => `(${v})`).join(', ')}) AS t(x)`;
const CH_ROWS: Rows = (values) => `(SELECT arrayJoin([${values.join(', ')}]) AS x) AS t`;

async function evaluate(store: AnalyticsStore, d: Dialect, rows: Rows): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const one = async (sql: string, params: SqlValue[] = []) => (await store.query<Row>(sql, params))[0]?.v ?? null;
  for (const a of DATES) {
    const date = 'CAST($1 AS DATE)';
    out[`monthStart ${a}`] = await one(`SELECT ${d.monthStart(date)} AS v`, [a]);
    out[`monthStart ts ${a}`] = await one(`SELECT ${d.monthStart('CAST($1 AS TIMESTAMP)')} AS v`, [`${a} 23:59:59`]);
    out[`formatMonth ${a}`] = await one(`SELECT ${d.formatMonth(date)} AS v`, [a]);
    out[`formatDate ${a}`] = await one(`SELECT ${d.formatDate(date)} AS v`, [a]);
    for (const t of ['00:00:00', '23:59:59', '09:05:07']) {
      out[`formatTimestamp ${a} ${t}`] = await one(`SELECT ${d.formatTimestamp('CAST($1 AS TIMESTAMP)')} AS v`, [`${a} ${t}`]);
      out[`formatTimestamp micros ${a} ${t}`] = await one(`SELECT ${d.formatTimestamp('CAST($1 AS TIMESTAMP)', true)} AS v`, [`${a} ${t}`]);
    }
    for (const n of [1, -1, 12, 0, 13]) out[`addMonths ${a} ${n}`] = await one(`SELECT ${d.addMonths(date, '$2')} AS v`, [a, n]);
    for (const n of [1, -1, 366]) out[`addDays ${a} ${n}`] = await one(`SELECT ${d.addDays(date, '$2')} AS v`, [a, n]);
    for (const b of DATES) {
      out[`monthsBetween ${a} ${b}`] = Number(await one(`SELECT ${d.monthsBetween(date, 'CAST($2 AS DATE)')} AS v`, [a, b]));
      out[`daysBetween ${a} ${b}`] = Number(await one(`SELECT ${d.daysBetween(date, 'CAST($2 AS DATE)')} AS v`, [a, b]));
      out[`completeMonthsBetween ${a} ${b}`] = Number(await one(`SELECT ${d.completeMonthsBetween(date, 'CAST($2 AS DATE)')} AS v`, [a, b]));
      out[`completeYearsBetween ${a} ${b}`] = Number(await one(`SELECT ${d.completeYearsBetween(date, 'CAST($2 AS DATE)')} AS v`, [a, b]));
    }
  }
  for (const t of NUMBER_TEXTS) out[`tryDouble ${JSON.stringify(t)}`] = await one(`SELECT ${d.tryDouble('CAST($1 AS VARCHAR)')} AS v`, [t]);
  for (const k of KEYS) {
    out[`hashBucket ${k} 1000`] = Number(await one(`SELECT ${d.hashBucket('CAST($1 AS VARCHAR)', 1000)} AS v`, [k]));
    out[`hashBucket ${k} 2^32`] = Number(await one(`SELECT ${d.hashBucket('CAST($1 AS VARCHAR)', 2 ** 32)} AS v`, [k]));
    for (const m of [1000, 7, 2 ** 32]) out[`md5LowBucket ${k} ${m}`] = Number(await one(`SELECT ${d.md5LowBucket('CAST($1 AS VARCHAR)', m)} AS v`, [k]));
  }
  const xs = ['CAST(1.0 AS DOUBLE)', 'CAST(2.0 AS DOUBLE)', 'CAST(4.0 AS DOUBLE)', 'CAST(10.0 AS DOUBLE)'];
  for (const f of [0, 0.1, 0.5, 0.9, 1]) out[`quantileCont ${f}`] = roundTo12(await one(`SELECT ${d.quantileCont('x', f)} AS v FROM ${rows([...xs, 'NULL'])}`));
  out['quantileCont none'] = await one(`SELECT ${d.quantileCont('x', 0.5)} AS v FROM ${rows(xs)} WHERE x > 100`);
  out['quantilesCont indexed'] = [1, 2, 3].map(() => 0);
  for (const i of [1, 2, 3]) {
    (out['quantilesCont indexed'] as number[])[i - 1] = roundTo12(await one(`SELECT q[${i}] AS v FROM (SELECT ${d.quantilesCont('x', [0.1, 0.5, 0.9])} AS q FROM ${rows(xs)}) AS s`));
  }
  const money = ["CAST('21.97' AS DECIMAL(18,6))", "CAST('11.41' AS DECIMAL(18,6))", "CAST('10.41' AS DECIMAL(18,6))", 'NULL'];
  out['mean decimal'] = Number(await one(`SELECT ${d.mean('x')} AS v FROM ${rows(money)}`));
  out['mean integer'] = Number(await one(`SELECT ${d.mean('x')} AS v FROM ${rows(['CAST(1 AS BIGINT)', 'CAST(2 AS BIGINT)', 'CAST(2 AS BIGINT)'])}`));
  out['mean none'] = await one(`SELECT ${d.mean('x')} AS v FROM ${rows(money)} WHERE x IS NULL`);
  for (const x of ['0.125', '1.005', '2.675', '-0.125', '12345.675', '0.285', '7', 'inf', 'nan']) {
    out[`roundHalfAway ${x}`] = Number(await one(`SELECT ${d.roundHalfAway('CAST(CAST($1 AS VARCHAR) AS DOUBLE)', 2)} AS v`, [x]));
    out[`isFinite ${x}`] = flag(await one(`SELECT ${d.isFinite('CAST(CAST($1 AS VARCHAR) AS DOUBLE)')} AS v`, [x]));
  }
  out['roundHalfAway 0 digits'] = Number(await one(`SELECT ${d.roundHalfAway('CAST(2.5 AS DOUBLE)', 0)} AS v`));
  out['arrayOf indexed'] = Number(await one(`SELECT (${d.arrayOf(['CAST(7 AS DOUBLE)', 'CAST(8 AS DOUBLE)'])})[2] AS v`));
  for (const [text, pattern] of [
    ['甘肃/酒泉/肃州区', "'^甘肃/'"],
    ['abc', "'^[a-c]+$'"],
    ['abd', "'^[a-c]+$'"],
    ['a.b', "'^a\\.b$'"],
    ['axb', "'^a\\.b$'"],
    ["it's", "'^it''s$'"],
  ] as const) {
    out[`regexMatches ${text} ${pattern}`] = flag(await one(`SELECT ${d.regexMatches('CAST($1 AS VARCHAR)', pattern)} AS v`, [text]));
  }
  const casts: [kind: 'date' | 'integer' | 'money' | 'decimal' | 'timestamp', texts: string[]][] = [
    ['date', ['2024-02-29', '2023-02-29', '2023-13-01', '1999-12-31']],
    ['integer', ['42', '-7', '99999999999999999999', '9223372036854775807']],
    ['money', ['12.5', '-0.000001', '999999999999.999999', '1000000000000']],
    ['decimal', ['12.5', '-3', '0.1']],
    ['timestamp', ['2024-01-05 10:00:00', '2024-01-05 23:59:59']],
  ];
  for (const [kind, texts] of casts) {
    for (const t of texts) out[`tryCast ${kind} ${t}`] = await one(`SELECT ${d.tryCast('CAST($1 AS VARCHAR)', d.types[kind])} AS v`, [t]);
  }
  for (const [ts, n] of [['2024-03-31 23:50:00', 20], ['2024-03-01 00:10:00', -1440], ['2024-01-01 00:00:00', -1]] as const) {
    out[`addMinutes ${ts} ${n}`] = await one(`SELECT ${d.formatTimestamp(d.addMinutes('CAST($1 AS TIMESTAMP)', '$2'))} AS v`, [ts, n]);
  }
  out['jsonObjectText'] = await one(`SELECT ${d.jsonObjectText([['x_a', "CAST('1' AS VARCHAR)"], ['x_b', `CAST(NULL AS ${d.types.string})`], ['x_"c"', 'CAST($1 AS VARCHAR)']])} AS v`, ['甘肃 "q" \\ \n']);
  for (const stmt of d.createTempTableAs('dialect_tmp', 'SELECT 1 AS a')) await store.run(stmt);
  for (const stmt of d.createTempTableAs('dialect_tmp', 'SELECT 2 AS a UNION ALL SELECT 3 AS a')) await store.run(stmt);
  out['createTempTableAs replaces'] = Number(await one('SELECT sum(a) AS v FROM dialect_tmp'));
  out['temporary exists'] = Number((await store.query<Row>(d.temporaryTableExistsSql, ['dialect_tmp']))[0]?.n);
  out['temporary missing'] = Number((await store.query<Row>(d.temporaryTableExistsSql, ['no_such_tmp']))[0]?.n);
  out['stored missing'] = (await store.query<Row>(d.storedTableSql, ['no_such_table'])).length;
  return out;
}

function expectKnownAnswers(got: Record<string, unknown>): void {
  expect(got['monthStart 2024-02-29']).toBe('2024-02-01');
  expect(got['monthStart ts 1999-12-31']).toBe('1999-12-01');
  expect(got['formatMonth 2024-01-31']).toBe('2024-01');
  expect(got['formatTimestamp micros 2024-01-31 00:00:00']).toBe('2024-01-31 00:00:00.000000');
  expect(got['addMonths 2024-01-31 1']).toBe('2024-02-29');
  expect(got['addMonths 2020-02-29 12']).toBe('2021-02-28');
  expect(got['addMonths 1999-12-31 13']).toBe('2001-01-31');
  expect(got['addDays 2024-02-29 366']).toBe('2025-03-01');
  expect(got['monthsBetween 2024-01-31 2024-02-29']).toBe(1);
  expect(got['monthsBetween 2024-03-15 2023-12-01']).toBe(-3);
  expect(got['daysBetween 2024-02-29 2020-02-29']).toBe(-1461);
  expect(got['tryDouble "+7.25"']).toBe(7.25);
  expect(got['tryDouble " 3 "']).toBe(3);
  expect(got['tryDouble "12a"']).toBeNull();
  expect(got['hashBucket  2^32']).toBe(3558706393);
  expect(got['md5LowBucket  1000']).toBe(193);
  expect(got['completeMonthsBetween 2024-01-31 2024-02-29']).toBe(1);
  expect(got['completeMonthsBetween 2023-12-01 1999-12-31']).toBe(-287);
  expect(got['completeYearsBetween 2024-01-31 2020-02-29']).toBe(-3);
  expect(got['quantileCont 0.1']).toBe(1.3);
  expect(got['quantileCont 0.5']).toBe(3);
  expect(got['quantileCont none']).toBeNull();
  expect(got['quantilesCont indexed']).toEqual([1.3, 3, 8.2]);
  expect(got['mean decimal']).toBe(14.596666666666666);
  expect(got['mean integer']).toBe(5 / 3);
  expect(got['mean none']).toBeNull();
  expect(got['roundHalfAway 2.675']).toBe(2.68);
  expect(got['roundHalfAway -0.125']).toBe(-0.13);
  expect(got['roundHalfAway 1.005']).toBe(1);
  expect([got['isFinite 7'], got['isFinite inf'], got['isFinite nan']]).toEqual([1, 0, 0]);
  expect(got["regexMatches a.b '^a\\.b$'"]).toBe(1);
  expect(got["regexMatches axb '^a\\.b$'"]).toBe(0);
  expect(got["regexMatches it's '^it''s$'"]).toBe(1);
  expect([got['tryCast date 2023-02-29'], got['tryCast integer 99999999999999999999'], got['tryCast money 1000000000000']]).toEqual([null, null, null]);
  expect(got['tryCast money 12.5']).toBe('12.500000');
  expect(got['addMinutes 2024-03-01 00:10:00 -1440']).toBe('2024-02-29 00:10:00');
  expect(got['jsonObjectText']).toBe(JSON.stringify({ x_a: '1', x_b: null, 'x_"c"': '甘肃 "q" \\ \n' }));
  expect(got['createTempTableAs replaces']).toBe(5);
  expect([got['temporary exists'], got['temporary missing'], got['stored missing']]).toEqual([1, 0, 0]);
}

let duck: Record<string, unknown> = {};

describe('ClickHouse dialect: the DuckDB reference', () => {
  it('gives the known answers on DuckDB', async () => {
    const store = await DuckDBStore.open(':memory:');
    try {
      duck = await evaluate(store, DUCKDB_DIALECT, DUCK_ROWS);
    } finally {
      await store.close();
    }
    for (const k of Object.keys(duck)) if (k.startsWith('isFinite') || k.startsWith('regexMatches')) duck[k] = flag(duck[k]);
    expectKnownAnswers(duck);
  });
});

const problem = await testClusterProblem();
if (problem && IN_CI) throw new Error(problem);

describe.skipIf(problem !== undefined)(`ClickHouse dialect on ClickHouse${problem ? ` (skipped: ${problem})` : ''}`, () => {
  let store: ClickHouseStore;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const t = testStoreUrl('tenure_clickhouse_dialect');
    drop = t.drop;
    store = await ClickHouseStore.open(t.url, { create: true });
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('gives the known answers, and the same answer as DuckDB for every input', async () => {
    const ch = await evaluate(store, CLICKHOUSE_DIALECT, CH_ROWS);
    expectKnownAnswers(ch);
    if (Object.keys(duck).length === 0) {
      const d = await DuckDBStore.open(':memory:');
      try {
        duck = await evaluate(d, DUCKDB_DIALECT, DUCK_ROWS);
      } finally {
        await d.close();
      }
      for (const k of Object.keys(duck)) if (k.startsWith('isFinite') || k.startsWith('regexMatches')) duck[k] = flag(duck[k]);
    }
    expect(ch).toEqual(duck);
  });

  it('refuses a cast it cannot make safely', () => {
    expect(() => CLICKHOUSE_DIALECT.tryCast('x', 'BOOLEAN')).toThrow(/not available on ClickHouse/);
  });
});
