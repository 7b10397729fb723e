import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindParams, dateLiteral, decimalLiteral, stringLiteral, valueLiteral } from './literals.ts';
import { ClickHouseStore } from './clickhouse-store.ts';
import { IN_CI, testClusterProblem, testStoreUrl } from './test-cluster.ts';

/** Texts that have broken quoting somewhere: quotes, backslashes, NUL and control characters, newlines, comments, Unicode. */
const NASTY = [
  '',
  "it's",
  "'; DROP TABLE customers_local; --",
  "\\'; DROP TABLE customers_local; --",
  'back\\slash\\',
  '\\',
  "\\\\'",
  'nul\u0000inside',
  'line\nbreak\r\nand\ttab',
  '-- not a comment',
  '/* not a comment */',
  '$1 $2 $99',
  '"double" `back`',
  '甘肃/酒泉/肃州区 客户',
  '😀 emoji \u{10FFFF}',
  '\u2028\u2029\u007f\u0001',
  "' OR 1=1 OR '",
  "x' FORMAT CSV --",
];

describe('ClickHouse bound values (no server)', () => {
  it('renders each JavaScript type as a complete literal', () => {
    expect(valueLiteral(null)).toBe('NULL');
    expect(valueLiteral(42)).toBe('(42)');
    expect(valueLiteral(-7)).toBe('(-7)');
    expect(valueLiteral(1.5)).toBe("toFloat64('1.5')");
    expect(valueLiteral(true)).toBe('1');
    expect(valueLiteral(9007199254740993n)).toBe('(9007199254740993)');
    expect(valueLiteral(-9007199254740993n)).toBe("toInt64('-9007199254740993')");
    expect(stringLiteral("a'b\\c\n\u0000")).toBe("'a\\'b\\\\c\\x0a\\x00'");
  });

  it('refuses what it cannot type: non-finite numbers, out-of-range bigints, objects', () => {
    expect(() => valueLiteral(Number.NaN, 1)).toThrow(/\$1 is NaN/);
    expect(() => valueLiteral(Number.parseFloat("1e309"), 2)).toThrow(/\$2 is Infinity/);
    expect(() => valueLiteral(-Infinity, 3)).toThrow(/\$3 is -Infinity/);
    expect(() => valueLiteral(2n ** 64n, 4)).toThrow(/outside Int64/);
    expect(() => valueLiteral(-(2n ** 63n) - 1n, 4)).toThrow(/outside Int64/);
    expect(() => valueLiteral({}, 5)).toThrow(/object/);
    expect(() => valueLiteral(Symbol('x'), 6)).toThrow(/symbol/);
    expect(() => dateLiteral("2024-01-01'); DROP")).toThrow(/not a date/);
    expect(() => decimalLiteral('1e5', 6)).toThrow(/not a decimal/);
    expect(decimalLiteral('-12.5', 6)).toBe("toDecimal64('-12.5', 6)");
  });

  it('binds $n outside literals, identifiers and comments only', () => {
    expect(bindParams("SELECT '$1', \"$1\", $1 -- $1\n, /* $1 */ $2", ['a', 2])).toBe("SELECT '$1', \"$1\", 'a' -- $1\n, /* $1 */ (2)");
    expect(bindParams("SELECT 'it''s $1', 'back\\'s $1', $1", ['v'])).toBe("SELECT 'it''s $1', 'back\\'s $1', 'v'");
    expect(bindParams('SELECT x-$1', [-5])).toBe('SELECT x-(-5)');
    expect(bindParams('SELECT $10, $1, $2, $3, $4, $5, $6, $7, $8, $9', ['a', 2, 3, 4, 5, 6, 7, 8, 9, 'j'])).toBe("SELECT 'j', 'a', (2), (3), (4), (5), (6), (7), (8), (9)");
  });

  it('fails on a missing or an unused value', () => {
    expect(() => bindParams('SELECT $2', ['a'])).toThrow(/\$2 has no value/);
    expect(() => bindParams('SELECT $1', ['a', 'b'])).toThrow(/\$2 is given but the statement does not use it/);
    expect(() => bindParams('SELECT $1', [])).toThrow(/no value/);
  });
});

const problem = await testClusterProblem();
if (problem && IN_CI) throw new Error(problem);

describe.skipIf(problem !== undefined)(`ClickHouse bound values on the server${problem ? ` (skipped: ${problem})` : ''}`, () => {
  let store: ClickHouseStore;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const t = testStoreUrl('tenure_clickhouse_lit');
    drop = t.drop;
    store = await ClickHouseStore.open(t.url, { create: true });
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('reads every nasty text back exactly, as a value and inside expressions', async () => {
    for (const text of NASTY) {
      const [row] = await store.query('SELECT $1 AS v, length($1) AS bytes, concat($1, $1) AS twice', [text]);
      expect(row?.v).toBe(text);
      expect(row?.bytes).toBe(Buffer.byteLength(text, 'utf8'));
      expect(row?.twice).toBe(text + text);
    }
  });

  it('keeps the tables an injection attempt names', async () => {
    await store.query('SELECT count() AS n FROM customers WHERE customer_id = $1 OR customer_id = $2', NASTY.slice(0, 2));
    for (const text of NASTY) await store.query('SELECT count() AS n FROM customers WHERE customer_id = $1', [text]);
    const [row] = await store.query("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'customers_local'");
    expect(row?.n).toBe(1);
  });

  it('reads numbers back exactly, including the extremes of a double and of Int64/UInt64', async () => {
    const numbers = [0, -0, 1, -1, 0.1, 1 / 3, -2.5e-7, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1e21, 123456789.125];
    for (const n of numbers) {
      const [row] = await store.query('SELECT toFloat64($1) AS v', [n]);
      expect(Object.is(row?.v, n) || row?.v === n).toBe(true);
    }
    const [big] = await store.query('SELECT $1 AS a, $2 AS b, $3 AS c', [2n ** 64n - 1n, -(2n ** 63n), 9007199254740993n]);
    expect(big).toEqual({ a: 18446744073709551615n, b: -9223372036854775808n, c: 9007199254740993n });
    await expect(store.query('SELECT $1 AS v', [Number.NaN])).rejects.toThrow(/NaN/);
    await expect(store.query("SELECT $1 AS v", [Number.parseFloat("1e309")])).rejects.toThrow(/Infinity/);
  });

  it('binds dates, decimals, booleans and NULL with the casts the app writes', async () => {
    const [row] = await store.query('SELECT CAST($1 AS DATE) AS d, toDecimal64($2, 6) AS m, $3 AS yes, $4 AS nothing, CAST($5 AS Nullable(String)) AS n2', ['2024-02-29', '12.345678', true, null, null]);
    expect(row).toEqual({ d: '2024-02-29', m: '12.345678', yes: 1, nothing: null, n2: null });
  });
});
