import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore, Row } from './port.ts';
import { DuckDBStore } from './duckdb/duckdb-store.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { IN_CI, freshDatabase, testServerProblem } from './postgres/test-server.ts';
import { DUCKDB_DIALECT, POSTGRES_DIALECT, type Dialect } from './dialect.ts';

/**
 * Every dialect function, evaluated by each engine on the same inputs, with the answers known
 * in advance: the same SQL intent gives the same value on DuckDB and PostgreSQL.
 */
const DATES = ['2024-01-31', '2024-02-29', '2023-12-01', '2024-03-15', '2020-02-29', '1999-12-31'];
const NUMBER_TEXTS = ['1.5', '-2', ' 3 ', 'abc', '', '1e3', '.5', '12a', '+7.25'];
const KEYS = ['C000001', 'C000002', '客户-3', "o'brien", ''];

const roundTo12 = (v: unknown) => Number(Number(v).toPrecision(12));

async function evaluate(store: AnalyticsStore, d: Dialect): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const one = async (sql: string, params: unknown[] = []) => (await store.query<Row>(sql, params as never))[0]?.v ?? null;
  for (const a of DATES) {
    const date = `CAST($1 AS DATE)`;
    out[`monthStart ${a}`] = await one(`SELECT ${d.monthStart(date)} AS v`, [a]);
    out[`monthStart ts ${a}`] = await one(`SELECT ${d.monthStart(`CAST($1 AS TIMESTAMP)`)} AS v`, [`${a} 23:59:59`]);
    out[`formatMonth ${a}`] = await one(`SELECT ${d.formatMonth(date)} AS v`, [a]);
    out[`formatDate ${a}`] = await one(`SELECT ${d.formatDate(date)} AS v`, [a]);
    for (const t of ['00:00:00', '23:59:59.5', '09:05:07.000123']) {
      out[`formatTimestamp ${a} ${t}`] = await one(`SELECT ${d.formatTimestamp('CAST($1 AS TIMESTAMP)')} AS v`, [`${a} ${t}`]);
      out[`formatTimestamp micros ${a} ${t}`] = await one(`SELECT ${d.formatTimestamp('CAST($1 AS TIMESTAMP)', true)} AS v`, [`${a} ${t}`]);
    }
    for (const n of [1, -1, 12, 0, 13]) out[`addMonths ${a} ${n}`] = await one(`SELECT ${d.addMonths(date, '$2')} AS v`, [a, n]);
    for (const n of [1, -1, 366]) out[`addDays ${a} ${n}`] = await one(`SELECT ${d.addDays(date, '$2')} AS v`, [a, n]);
    for (const b of DATES) {
      out[`monthsBetween ${a} ${b}`] = Number(await one(`SELECT ${d.monthsBetween(date, 'CAST($2 AS DATE)')} AS v`, [a, b]));
      out[`daysBetween ${a} ${b}`] = Number(await one(`SELECT ${d.daysBetween(date, 'CAST($2 AS DATE)')} AS v`, [a, b]));
    }
  }
  for (const t of NUMBER_TEXTS) out[`tryDouble ${JSON.stringify(t)}`] = await one(`SELECT ${d.tryDouble('CAST($1 AS VARCHAR)')} AS v`, [t]);
  for (const k of KEYS) {
    out[`hashBucket ${k} 1000`] = Number(await one(`SELECT ${d.hashBucket('CAST($1 AS VARCHAR)', 1000)} AS v`, [k]));
    out[`hashBucket ${k} 2^32`] = Number(await one(`SELECT ${d.hashBucket('CAST($1 AS VARCHAR)', 2 ** 32)} AS v`, [k]));
  }
  for (const f of [0, 0.1, 0.5, 0.9, 1]) {
    // The engines interpolate in a different order of operations: equal to 1e-12, not bit for bit.
    out[`quantileCont ${f}`] = roundTo12(await one(`SELECT ${d.quantileCont('x', f)} AS v FROM (VALUES (1.0), (2.0), (4.0), (10.0), (NULL)) AS t(x)`));
  }
  const qs = (await store.query<Row>(`SELECT ${d.quantilesCont('x', [0.1, 0.5, 0.9])} AS v FROM (VALUES (1.0), (2.0), (4.0), (10.0)) AS t(x)`))[0]?.v as unknown as number[];
  out['quantilesCont'] = qs.map(roundTo12);
  out['quantilesCont indexed'] = roundTo12(await one(`SELECT q[2] AS v FROM (SELECT ${d.quantilesCont('x', [0.1, 0.5, 0.9])} AS q FROM (VALUES (1.0), (2.0), (4.0), (10.0)) AS t(x)) AS s`));
  out['arrayOf indexed'] = Number(await one(`SELECT (${d.arrayOf(['CAST(7 AS DOUBLE PRECISION)', 'CAST(8 AS DOUBLE PRECISION)'])})[2] AS v`));
  for (const [text, pattern] of [
    ['甘肃/酒泉/肃州区', "'^甘肃/'"],
    ['abc', "'^[a-c]+$'"],
    ['abd', "'^[a-c]+$'"],
  ] as const) {
    out[`regexMatches ${text} ${pattern}`] = await one(`SELECT ${d.regexMatches('CAST($1 AS VARCHAR)', pattern)} AS v`, [text]);
  }
  for (const stmt of d.createTempTableAs('dialect_tmp', 'SELECT 1 AS a')) await store.run(stmt);
  for (const stmt of d.createTempTableAs('dialect_tmp', 'SELECT 2 AS a UNION ALL SELECT 3')) await store.run(stmt);
  out['createTempTableAs replaces'] = Number(await one('SELECT sum(a) AS v FROM dialect_tmp'));
  // A temporary table shadowing a stored one of the same name: both reachable by their qualified names.
  out['temporary before'] = Number((await store.query<Row>(d.temporaryTableExistsSql, ['shadowed']))[0]?.n);
  out['stored before'] = (await store.query<Row>(d.storedTableSql, ['shadowed'])).length;
  await store.run('CREATE TABLE shadowed AS SELECT 1 AS a');
  for (const stmt of d.createTempTableAs('shadowed', 'SELECT 2 AS a')) await store.run(stmt);
  out['temporary after'] = Number((await store.query<Row>(d.temporaryTableExistsSql, ['shadowed']))[0]?.n);
  const stored = String((await store.query<Row>(d.storedTableSql, ['shadowed']))[0]?.q);
  out['unqualified reads the shadow'] = Number(await one('SELECT a AS v FROM shadowed'));
  out['stored table by its name'] = Number(await one(`SELECT a AS v FROM ${stored}`));
  out['temporary table by its name'] = Number(await one(`SELECT a AS v FROM ${d.temporaryTable('shadowed')}`));
  return out;
}

/** Answers worked out by hand (calendar rules, MD5 of the keys as published by any md5 tool). */
function expectKnownAnswers(got: Record<string, unknown>): void {
  expect(got['monthStart 2024-02-29']).toBe('2024-02-01');
  expect(got['monthStart ts 1999-12-31']).toBe('1999-12-01');
  expect(got['formatMonth 2024-01-31']).toBe('2024-01');
  expect(got['formatDate 2020-02-29']).toBe('2020-02-29');
  expect(got['formatTimestamp 2024-02-29 23:59:59.5']).toBe('2024-02-29 23:59:59');
  expect(got['formatTimestamp 1999-12-31 00:00:00']).toBe('1999-12-31 00:00:00');
  expect(got['formatTimestamp micros 2024-02-29 23:59:59.5']).toBe('2024-02-29 23:59:59.500000');
  expect(got['formatTimestamp micros 2023-12-01 09:05:07.000123']).toBe('2023-12-01 09:05:07.000123');
  expect(got['formatTimestamp micros 2024-01-31 00:00:00']).toBe('2024-01-31 00:00:00.000000');
  expect(got['addMonths 2024-01-31 1']).toBe('2024-02-29');
  expect(got['addMonths 2020-02-29 12']).toBe('2021-02-28');
  expect(got['addMonths 2024-03-15 -1']).toBe('2024-02-15');
  expect(got['addMonths 1999-12-31 13']).toBe('2001-01-31');
  expect(got['addDays 2024-02-29 366']).toBe('2025-03-01');
  expect(got['addDays 2023-12-01 -1']).toBe('2023-11-30');
  expect(got['monthsBetween 2024-01-31 2024-02-29']).toBe(1);
  expect(got['monthsBetween 2024-03-15 2023-12-01']).toBe(-3);
  expect(got['monthsBetween 1999-12-31 2024-01-31']).toBe(289);
  expect(got['daysBetween 2024-01-31 2024-03-15']).toBe(44);
  expect(got['daysBetween 2024-02-29 2020-02-29']).toBe(-1461);
  expect(got['tryDouble "1.5"']).toBe(1.5);
  expect(got['tryDouble "abc"']).toBeNull();
  expect(got['tryDouble ""']).toBeNull();
  expect(got['tryDouble "12a"']).toBeNull();
  expect(got['tryDouble "+7.25"']).toBe(7.25);
  for (const [k, v] of Object.entries(got)) {
    if (k.startsWith('hashBucket') && k.endsWith(' 1000')) {
      expect(v as number).toBeGreaterThanOrEqual(0);
      expect(v as number).toBeLessThan(1000);
    }
  }
  // md5('') = d41d8cd98f00b204e9800998ecf8427e: first 8 hex digits 0xd41d8cd9 = 3558706393.
  expect(got['hashBucket  2^32']).toBe(3558706393);
  expect(got['hashBucket  1000']).toBe(393);
  expect(got['quantileCont 0.5']).toBe(3);
  expect(got['quantileCont 0.1']).toBeCloseTo(1.3, 12);
  expect(got['quantileCont 1']).toBe(10);
  expect(got['quantilesCont']).toEqual([1.3, 3, 8.2]);
  expect(got['quantilesCont indexed']).toBe(3);
  expect(got['arrayOf indexed']).toBe(8);
  expect(got['regexMatches 甘肃/酒泉/肃州区 \'^甘肃/\'']).toBe(true);
  expect(got["regexMatches abd '^[a-c]+$'"]).toBe(false);
  expect(got['createTempTableAs replaces']).toBe(5);
  expect([got['temporary before'], got['stored before'], got['temporary after']]).toEqual([0, 0, 1]);
  expect([got['unqualified reads the shadow'], got['stored table by its name'], got['temporary table by its name']]).toEqual([2, 1, 2]);
}

describe('dialect: DuckDB', () => {
  let store: DuckDBStore;
  beforeAll(async () => {
    store = await DuckDBStore.open(':memory:');
  });
  afterAll(async () => store.close());
  it('gives the known answers', async () => {
    expectKnownAnswers(await evaluate(store, DUCKDB_DIALECT));
  });
  it('refuses quantile fractions and hash moduli outside their range', () => {
    expect(() => DUCKDB_DIALECT.quantileCont('x', 1.5)).toThrow(/within 0/);
    expect(() => POSTGRES_DIALECT.hashBucket('x', 0)).toThrow(/modulus/);
  });
});

const problem = await testServerProblem();
describe.skipIf(problem !== undefined && !IN_CI)(`dialect: PostgreSQL${problem ? ` (skipped: ${problem})` : ''}`, () => {
  let store: PostgresStore;
  let drop: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    if (problem) throw new Error(problem);
    const db = await freshDatabase();
    drop = db.drop;
    store = await PostgresStore.open(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await drop();
  });
  it('gives the known answers, and the same answer as DuckDB for every input', async () => {
    const pg = await evaluate(store, POSTGRES_DIALECT);
    expectKnownAnswers(pg);
    const duck = await DuckDBStore.open(':memory:');
    try {
      expect(pg).toEqual(await evaluate(duck, DUCKDB_DIALECT));
    } finally {
      await duck.close();
    }
  });
});
