import type { ColumnKind } from '../contract/spec.ts';

/**
 * The SQL dialect of an engine: everything that is spelled differently in DuckDB and
 * PostgreSQL, stated once here so that app code says what it wants (a month's first day, a
 * whole number of months between two dates, a safe cast, a reproducible sample) and each
 * engine renders it. App code reaches its dialect as `store.dialect` and never branches on
 * the engine.
 *
 * Why a thin dialect of our own rather than Kysely: Tenure's SQL is analytic (window
 * functions, CTE chains, generate_series grids, quantiles, set-shaped INSERT … SELECT), which a
 * query builder would only wrap in strings again; what differs between the two engines is a
 * few dozen functions and types, not query structure. Kysely's own dialects are the model for
 * this split (a dialect object per engine, one test suite run against every engine), not a
 * dependency. Every function below is checked for identical results on both engines by
 * src/store/dialect.test.ts.
 *
 * Each function takes SQL expressions (text) and returns an SQL expression.
 */
export interface Dialect {
  readonly engine: 'duckdb' | 'postgres';
  /** Column types of the contract's kinds. */
  readonly types: Record<ColumnKind, string>;
  /** 64-bit floating point. */
  readonly double: string;
  /** Variable-length text. */
  readonly text: string;
  /** The first day of the month of a DATE or TIMESTAMP, as DATE. */
  monthStart(expr: string): string;
  /** A DATE plus n whole months (n an integer expression), as DATE; month ends clamp (Jan 31 + 1 = Feb 28/29). */
  addMonths(expr: string, n: string): string;
  /** A DATE plus n days, as DATE. */
  addDays(expr: string, n: string): string;
  /** Calendar months from `from` to `to` counted by month boundaries crossed (2024-01-31 → 2024-02-01 is 1). */
  monthsBetween(from: string, to: string): string;
  /** Days from `from` to `to` (DATE), an integer. */
  daysBetween(from: string, to: string): string;
  /** 'YYYY-MM' of a DATE. */
  formatMonth(expr: string): string;
  /** 'YYYY-MM-DD' of a DATE. */
  formatDate(expr: string): string;
  /** A DOUBLE from text, NULL when the text is not a number (never an error). */
  tryDouble(expr: string): string;
  /**
   * The continuous quantile (linear interpolation, as PERCENTILE_CONT) of a numeric expression; an
   * aggregate. The engines interpolate in a different order of operations, so results agree to
   * about 1e-15 relative, not bit for bit: output that must be identical rounds them.
   */
  quantileCont(expr: string, fraction: number): string;
  /** Continuous quantiles at several fractions, as one array value whose items are read `q[1]`, `q[2]`, … (1-based on both engines). */
  quantilesCont(expr: string, fractions: readonly number[]): string;
  /** An array value of the given SQL expressions, indexed from 1. */
  arrayOf(items: readonly string[]): string;
  /**
   * A reproducible number in 0 … modulus−1 from a text key, the same on every engine (the
   * first 8 hex digits of the key's MD5 as an unsigned 32-bit integer, modulo `modulus`): the
   * samples that must not change when the store moves to another engine.
   */
  hashBucket(expr: string, modulus: number): string;
  /** Whether text matches a POSIX regular expression (the pattern an SQL string literal). */
  regexMatches(expr: string, pattern: string): string;
  /**
   * Session settings that let the engine write an INSERT … SELECT in any row order (false) or
   * keep the SELECT's order (true); none where the engine has no such setting. Only for tables
   * read by key or explicit order.
   */
  insertionOrder(preserve: boolean): string[];
  /** A temporary table's name qualified past any table of the same name in the store (`name` unquoted). */
  temporaryTable(name: string): string;
  /** SELECT giving one row `n` = 1 when this session has a temporary table named $1, else 0. */
  readonly temporaryTableExistsSql: string;
  /** SELECT giving the qualified name `q` of the store's own (non-temporary) table named $1; no row when there is none. */
  readonly storedTableSql: string;
  /** Statements that (re)create a session-private temporary table from a SELECT. */
  createTempTableAs(name: string, select: string): string[];
  /** 'YYYY-MM-DD HH:MM:SS' of a TIMESTAMP (24-hour clock), with '.ffffff' (microseconds, always 6 digits) when `micros`. */
  formatTimestamp(expr: string, micros?: boolean): string;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

function checkFraction(fraction: number): string {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`quantile fraction ${fraction} is not within 0 … 1`);
  return String(fraction);
}

function checkModulus(modulus: number): number {
  if (!Number.isSafeInteger(modulus) || modulus < 1 || modulus > 2 ** 32) throw new RangeError(`hash bucket modulus ${modulus} is not an integer in 1 … 2^32`);
  return modulus;
}

const CONTRACT_TYPES = {
  string: 'VARCHAR',
  enum: 'VARCHAR',
  date: 'DATE',
  month: 'DATE', // first day of the month; shown as YYYY-MM
  timestamp: 'TIMESTAMP', // operator local time
  money: 'DECIMAL(18,6)',
  decimal: 'DOUBLE',
  integer: 'BIGINT',
  boolean: 'BOOLEAN',
} as const satisfies Record<ColumnKind, string>;

export const DUCKDB_DIALECT: Dialect = {
  engine: 'duckdb',
  types: CONTRACT_TYPES,
  double: 'DOUBLE',
  text: 'VARCHAR',
  monthStart: (e) => `CAST(date_trunc('month', ${e}) AS DATE)`,
  addMonths: (e, n) => `CAST(${e} + to_months(CAST(${n} AS INTEGER)) AS DATE)`,
  addDays: (e, n) => `CAST(${e} + CAST(${n} AS INTEGER) AS DATE)`,
  monthsBetween: (a, b) => `date_diff('month', ${a}, ${b})`,
  daysBetween: (a, b) => `date_diff('day', ${a}, ${b})`,
  formatMonth: (e) => `strftime(${e}, '%Y-%m')`,
  formatDate: (e) => `strftime(${e}, '%Y-%m-%d')`,
  tryDouble: (e) => `TRY_CAST(${e} AS DOUBLE)`,
  quantileCont: (e, f) => `quantile_cont(${e}, ${checkFraction(f)})`,
  quantilesCont: (e, fs) => `quantile_cont(${e}, [${fs.map(checkFraction).join(', ')}])`,
  arrayOf: (items) => `[${items.join(', ')}]`,
  hashBucket: (e, m) => `(CAST(('0x' || substr(md5(${e}), 1, 8)) AS UBIGINT) % ${checkModulus(m)})`,
  regexMatches: (e, p) => `regexp_matches(${e}, ${p})`,
  insertionOrder: (preserve) => [`SET preserve_insertion_order = ${preserve}`],
  temporaryTable: (name) => `temp.main.${quoteIdent(name)}`,
  temporaryTableExistsSql: "SELECT count(*) AS n FROM information_schema.tables WHERE table_catalog = 'temp' AND table_schema = 'main' AND table_name = CAST($1 AS VARCHAR)",
  storedTableSql: `SELECT '"' || replace(current_database(), '"', '""') || '".main."' || replace(table_name, '"', '""') || '"' AS q
    FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = CAST($1 AS VARCHAR)`,
  createTempTableAs: (name, select) => [`CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`],
  formatTimestamp: (e, micros) => `strftime(${e}, '%Y-%m-%d %H:%M:%S${micros ? '.%f' : ''}')`,
};

export const POSTGRES_DIALECT: Dialect = {
  engine: 'postgres',
  types: { ...CONTRACT_TYPES, decimal: 'DOUBLE PRECISION' },
  double: 'DOUBLE PRECISION',
  text: 'VARCHAR',
  monthStart: (e) => `CAST(date_trunc('month', ${e}) AS DATE)`,
  addMonths: (e, n) => `CAST(${e} + make_interval(months => CAST(${n} AS INTEGER)) AS DATE)`,
  addDays: (e, n) => `CAST(${e} + CAST(${n} AS INTEGER) AS DATE)`,
  monthsBetween: (a, b) =>
    `((EXTRACT(YEAR FROM ${b}) - EXTRACT(YEAR FROM ${a})) * 12 + EXTRACT(MONTH FROM ${b}) - EXTRACT(MONTH FROM ${a}))::BIGINT`,
  daysBetween: (a, b) => `(CAST(${b} AS DATE) - CAST(${a} AS DATE))::BIGINT`,
  formatMonth: (e) => `to_char(${e}, 'YYYY-MM')`,
  formatDate: (e) => `to_char(${e}, 'YYYY-MM-DD')`,
  // pg_input_is_valid arrives in 16; on 15 a pattern check of the plain forms a number takes.
  tryDouble: (e) =>
    `CASE WHEN btrim(${e}) ~* '^[+-]?(([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?|nan|inf|infinity)$' THEN CAST(btrim(${e}) AS DOUBLE PRECISION) END`,
  quantileCont: (e, f) => `percentile_cont(${checkFraction(f)}) WITHIN GROUP (ORDER BY ${e})`,
  quantilesCont: (e, fs) => `percentile_cont(ARRAY[${fs.map(checkFraction).join(', ')}]::DOUBLE PRECISION[]) WITHIN GROUP (ORDER BY ${e})`,
  arrayOf: (items) => `ARRAY[${items.join(', ')}]`,
  hashBucket: (e, m) => `(('x' || substr(md5(${e}), 1, 8))::bit(32)::bigint % ${checkModulus(m)})`,
  regexMatches: (e, p) => `(${e} ~ ${p})`,
  insertionOrder: () => [],
  temporaryTable: (name) => `pg_temp.${quoteIdent(name)}`,
  temporaryTableExistsSql: "SELECT CASE WHEN to_regclass('pg_temp.' || quote_ident(CAST($1 AS VARCHAR))) IS NULL THEN 0 ELSE 1 END AS n",
  storedTableSql: `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS q
    FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = CAST($1 AS VARCHAR)`,
  createTempTableAs: (name, select) => [`DROP TABLE IF EXISTS pg_temp.${name}`, `CREATE TEMP TABLE ${name} AS ${select}`],
  formatTimestamp: (e, micros) => `to_char(${e}, 'YYYY-MM-DD HH24:MI:SS${micros ? '.US' : ''}')`,
};

export { quoteLiteral };
