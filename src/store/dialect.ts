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
  readonly engine: 'duckdb' | 'postgres' | 'clickhouse';
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
  /**
   * A value of one of this dialect's `types` (a contract column type) from text, NULL when the
   * text does not convert (never an error). Callers check the text's form first (the contract's
   * lexical patterns): the engines' casts agree on text of those forms, not on every input.
   */
  tryCast(expr: string, type: string): string;
  /** A TIMESTAMP plus n minutes (n an integer expression, may be negative), as TIMESTAMP. */
  addMinutes(expr: string, n: string): string;
  /** 'YYYY-MM-DD HH:MM:SS' of a TIMESTAMP (24-hour clock, seconds truncated), with '.ffffff' (microseconds, always 6 digits) when `micros`. */
  formatTimestamp(expr: string, micros?: boolean): string;
  /**
   * A 64-bit hash of one or more values (NULL hashes too), equal for equal values: for counting
   * distinct keys, or summed over rows as a fingerprint that notices kept rows changing, within
   * one engine only (the numbers differ between engines: never compare or keep them across).
   */
  hashOf(items: readonly string[]): string;
  /** JSON object text {"k":v,…} of (key, text expression) pairs, NULL values as null; compact, keys in the given order. */
  jsonObjectText(pairs: readonly (readonly [key: string, expr: string])[]): string;
  /**
   * Statements that create (if missing) a secondary index on a stored table's columns, for reads
   * by key, by range or of min/max, where the engine profits from one; none where it does not:
   * DuckDB answers those from its zone maps and column statistics, and an ART index would only
   * slow its bulk loads. Names unquoted; the same query results either way, only the speed differs.
   */
  readIndex(name: string, table: string, columns: readonly string[]): string[];
  /**
   * Complete calendar months from `from` to `to` (DATEs), negative when `to` is earlier: a month
   * counts once the day of the month is reached again, and the last day of a shorter month
   * counts as reached (2024-01-31 → 2024-02-29 is 1, → 2024-02-28 is 0). DuckDB's date_sub('month').
   */
  completeMonthsBetween(from: string, to: string): string;
  /** Complete years from `from` to `to` (DATEs): completeMonthsBetween / 12, truncated toward zero (an age). */
  completeYearsBetween(from: string, to: string): string;
  /**
   * A reproducible number in 0 … modulus−1 from a text key: the low 64 bits of the key's MD5
   * (bytes 9–16 read little-endian, DuckDB's md5_number_lower) modulo `modulus`. The training
   * sample of the churn model, kept as it was drawn before the dialect existed.
   */
  md5LowBucket(expr: string, modulus: number): string;
  /**
   * The mean of an exact expression (integer or DECIMAL), an aggregate, as DOUBLE: the exact
   * quotient rounded once (PostgreSQL's own avg keeps only 16 significant digits, which
   * can be a different DOUBLE than DuckDB's avg gives).
   */
  mean(expr: string): string;
  /** Whether a DOUBLE is a finite number (false for ±Infinity and NaN; NULL for NULL). */
  isFinite(expr: string): string;
  /**
   * A DOUBLE rounded to `digits` decimals as round(x · 10^digits) / 10^digits with ties away from
   * zero (DuckDB's round; PostgreSQL's round of a DOUBLE breaks ties to even, and its round to
   * decimals takes only NUMERIC).
   */
  roundHalfAway(expr: string, digits: number): string;
  /**
   * A SELECT of the secondary indexes of the store's own table named $1, by name: `name` and
   * `ddl`, the statement that creates it again. A bulk load into an empty table drops them and
   * builds them once after the load, which costs far less than maintaining them row by row (a
   * first import of 3.4 million bills into PostgreSQL). Indexes behind a constraint are not
   * listed. None on DuckDB, where the store keeps none (readIndex).
   */
  readonly secondaryIndexesSql: string;
  /**
   * Transaction-local settings (SET LOCAL) for the sorts, hashes and index builds of a bulk load
   * of millions of rows; none where the engine sizes its memory itself (DuckDB's memory_limit).
   */
  bulkLoadSettings(): string[];
  /**
   * The pseudo-column of a row's position in its table, readable in SELECT and WHERE and stable
   * until the table is rewritten, for point reads where the engine keeps no index (DuckDB's rowid,
   * whose equality reads one row group); null where reads by key go through indexes instead.
   */
  readonly rowPosition: string | null;
  /**
   * A query reading every column of the rows of `from` (a table, with a WHERE clause if any), so
   * that the engine holds their blocks in memory for the point reads by rowPosition that follow;
   * null where such reads go through indexes and nothing is gained.
   */
  readonly readAllColumns: ((from: string) => string) | null;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

function checkFraction(fraction: number): string {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`quantile fraction ${fraction} is not within 0 … 1`);
  return String(fraction);
}

function checkDigits(digits: number): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) throw new RangeError(`rounding digits ${digits} is not an integer in 0 … 15`);
  return digits;
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

/** PostgreSQL's complete months from a to b, a <= b (DATEs): boundaries crossed, less one when b's day falls short of a's and b is not its month's last day. */
const pgCompleteMonthsForward = (a: string, b: string) =>
  `((EXTRACT(YEAR FROM ${b}) - EXTRACT(YEAR FROM ${a})) * 12 + EXTRACT(MONTH FROM ${b}) - EXTRACT(MONTH FROM ${a})
    - CASE WHEN EXTRACT(DAY FROM ${b}) < EXTRACT(DAY FROM ${a}) AND ${b} <> CAST(date_trunc('month', ${b}) + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) THEN 1 ELSE 0 END)::BIGINT`;
const pgCompleteMonths = (from: string, to: string) => {
  const a = `CAST(${from} AS DATE)`;
  const b = `CAST(${to} AS DATE)`;
  return `(CASE WHEN ${a} <= ${b} THEN ${pgCompleteMonthsForward(a, b)} ELSE -${pgCompleteMonthsForward(b, a)} END)`;
};
/** Σ byte(8+k) · 256^k mod m over k = 0…7, each weight reduced mod m first: exact in BIGINT for m ≤ 2^32. */
const pgMd5LowBucket = (e: string, m: number) => {
  const mod = BigInt(checkModulus(m));
  const bytes = `decode(md5(${e}), 'hex')`;
  const terms = Array.from({ length: 8 }, (_, k) => `CAST(get_byte(${bytes}, ${8 + k}) AS BIGINT) * ${(256n ** BigInt(k)) % mod}`);
  return `((${terms.join(' + ')}) % ${mod})`;
};

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
  tryCast: (e, type) => `TRY_CAST(${e} AS ${type})`,
  addMinutes: (e, n) => `(${e} + to_minutes(CAST(${n} AS BIGINT)))`,
  formatTimestamp: (e, micros) => `strftime(${e}, '%Y-%m-%d %H:%M:%S${micros ? '.%f' : ''}')`,
  hashOf: (items) => `hash(${items.join(', ')})`,
  jsonObjectText: (pairs) => `CAST(json_object(${pairs.map(([k, e]) => `${quoteLiteral(k)}, ${e}`).join(', ')}) AS VARCHAR)`,
  readIndex: () => [],
  completeMonthsBetween: (a, b) => `date_sub('month', ${a}, ${b})`,
  completeYearsBetween: (a, b) => `date_sub('year', ${a}, ${b})`,
  md5LowBucket: (e, m) => `(md5_number_lower(${e}) % ${checkModulus(m)})`,
  mean: (e) => `avg(${e})`,
  isFinite: (e) => `isfinite(${e})`,
  roundHalfAway: (e, digits) => `round(${e}, ${checkDigits(digits)})`,
  secondaryIndexesSql: 'SELECT CAST(NULL AS VARCHAR) AS name, CAST(NULL AS VARCHAR) AS ddl WHERE CAST($1 AS VARCHAR) IS NULL AND false',
  bulkLoadSettings: () => [],
  rowPosition: 'rowid',
  // A hash of every value: a min or max the engine could answer from its statistics alone.
  readAllColumns: (from) => `SELECT max(hash(COLUMNS(*))) FROM ${from}`,
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
  tryCast: (e, type) => {
    const fn = POSTGRES_TRY_CAST[type.toUpperCase()];
    if (!fn) throw new RangeError(`tryCast to ${type} is not available on PostgreSQL`);
    return `pg_temp.${fn}(CAST(${e} AS VARCHAR))`;
  },
  addMinutes: (e, n) => `(${e} + make_interval(mins => CAST(${n} AS INTEGER)))`,
  formatTimestamp: (e, micros) => `to_char(${e}, 'YYYY-MM-DD HH24:MI:SS${micros ? '.US' : ''}')`,
  hashOf: (items) => `hash_record_extended(ROW(${items.join(', ')}), 0)`,
  // to_json escapes a text value as JSON does; concat_ws skips nothing here (every part is non-NULL).
  jsonObjectText: (pairs) =>
    pairs.length === 0 ? `'{}'` : `('{' || concat_ws(',', ${pairs.map(([k, e]) => `${quoteLiteral(`${JSON.stringify(k)}:`)} || coalesce(CAST(to_json(CAST(${e} AS VARCHAR)) AS VARCHAR), 'null')`).join(', ')}) || '}')`,
  readIndex: (name, table, columns) => [`CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')})`],
  completeMonthsBetween: pgCompleteMonths,
  completeYearsBetween: (a, b) => `(${pgCompleteMonths(a, b)} / 12)`,
  md5LowBucket: pgMd5LowBucket,
  // Thirty decimals in the dividend make the quotient carry them too: enough for the DOUBLE nearest the exact mean.
  mean: (e) => `CAST(CAST(sum(${e}) AS NUMERIC(60, 30)) / nullif(count(${e}), 0) AS DOUBLE PRECISION)`,
  isFinite: (e) => `(${e} > CAST('-Infinity' AS DOUBLE PRECISION) AND ${e} < CAST('Infinity' AS DOUBLE PRECISION))`,
  roundHalfAway: (e, digits) => {
    const scale = 10 ** checkDigits(digits);
    const y = `abs(CAST(${e} AS DOUBLE PRECISION) * ${scale})`;
    // floor and the fraction are exact in DOUBLE: the same integer as C's round(). Like DuckDB,
    // the value itself where the product is not finite (±Infinity, NaN, an overflow).
    return `(CASE WHEN ${y} < CAST('Infinity' AS DOUBLE PRECISION)
      THEN sign(CAST(${e} AS DOUBLE PRECISION)) * (floor(${y}) + CASE WHEN ${y} - floor(${y}) >= 0.5 THEN 1 ELSE 0 END) / ${scale}
      ELSE CAST(${e} AS DOUBLE PRECISION) END)`;
  },
  secondaryIndexesSql: `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS ddl
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname = CAST($1 AS VARCHAR)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
    ORDER BY i.relname`,
  // A sort or hash of a few million keys in memory rather than in temporary files (the default is 4 MB).
  bulkLoadSettings: () => ["SET LOCAL work_mem = '256MB'", "SET LOCAL maintenance_work_mem = '512MB'"],
  // The read indexes (migration 12) serve a customer's rows.
  rowPosition: null,
  readAllColumns: null,
  // Each value as text, NULL as a control character no text value of these columns holds.
};

/**
 * PostgreSQL 15 has no non-failing cast (pg_input_is_valid arrives in 16): one function per
 * contract type catches the cast's error. Session-private (pg_temp), created by the adapter on
 * every open (POSTGRES_SESSION_SQL), so a store needs no functions of its own. Each call is a
 * subtransaction: for the suspect rows of an import, not for whole tables.
 */
const POSTGRES_TRY_CAST: Record<string, string> = {
  DATE: 'tenure_try_date',
  TIMESTAMP: 'tenure_try_timestamp',
  'DECIMAL(18,6)': 'tenure_try_money',
  'DOUBLE PRECISION': 'tenure_try_double',
  BIGINT: 'tenure_try_bigint',
  INTEGER: 'tenure_try_integer',
};

const POSTGRES_TRY_TYPES: Record<string, string> = {
  tenure_try_date: 'DATE',
  tenure_try_timestamp: 'TIMESTAMP',
  tenure_try_money: 'DECIMAL(18,6)',
  tenure_try_double: 'DOUBLE PRECISION',
  tenure_try_bigint: 'BIGINT',
  tenure_try_integer: 'INTEGER',
};

/** Statements a PostgreSQL session runs once when opened: the functions behind tryCast. */
export const POSTGRES_SESSION_SQL: readonly string[] = Object.entries(POSTGRES_TRY_TYPES).map(
  ([fn, type]) =>
    `CREATE OR REPLACE FUNCTION pg_temp.${fn}(t VARCHAR) RETURNS ${type} LANGUAGE plpgsql STABLE AS $fn$
     BEGIN RETURN CAST(t AS ${type}); EXCEPTION WHEN others THEN RETURN NULL; END $fn$`,
);

export { quoteLiteral };

// ---------------------------------------------------------------------------------------------
// ClickHouse (issue 17): the dialect as ClickHouse 18.16 (Debian's package, the tested version)
// and current releases both accept it. What 18.16 cannot express, and so the app's SQL must
// avoid on this engine (the adapter reports it as UNSUPPORTED_ENGINE when it meets it):
// - window functions (OVER …): none in 18.16; per-customer sequences use arrays (groupArray,
//   arraySort, arrayMap), runningDifference over an ordered subquery, or LIMIT n BY;
// - transactions: none; writers load in batches readers filter on (store/clickhouse);
// - a boolean type: comparisons and the contract's boolean columns are UInt8 0/1;
// - DateTime has whole seconds (no DateTime64 before 20.1): formatTimestamp's microseconds are 0;
// - string literals interpret backslashes (\n, \\, \'): a literal written by app code for the
//   standard SQL of DuckDB and PostgreSQL means something else here when it holds a backslash
//   (regexMatches re-renders its pattern literal; bound values are escaped by the adapter);
// - NULL: a function of a NULL argument is NULL, as in standard SQL, but the key columns of a
//   MergeTree table are never Nullable (the store's layout keeps keys NOT NULL), and 18.16's
//   if() refuses a Nullable condition: CASE WHEN (multiIf, where NULL counts as false) does not,
//   so this dialect writes multiIf and app SQL for ClickHouse writes CASE.
// ---------------------------------------------------------------------------------------------

/** ClickHouse string literal of any text (backslash escapes; control characters as \xHH). */
function clickHouseLiteral(text: string): string {
  let out = "'";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** A standard SQL literal ('…' with '' for a quote) re-rendered for ClickHouse; any other expression as it is. */
function clickHouseFromStandardLiteral(expr: string): string {
  const m = /^'((?:[^']|'')*)'$/.exec(expr.trim());
  return m ? clickHouseLiteral((m[1] as string).replaceAll("''", "'")) : expr;
}

const CLICKHOUSE_TYPES = {
  string: 'Nullable(String)',
  enum: 'Nullable(String)',
  date: 'Nullable(Date)',
  month: 'Nullable(Date)',
  timestamp: 'Nullable(DateTime)',
  money: 'Nullable(Decimal(18,6))',
  decimal: 'Nullable(Float64)',
  integer: 'Nullable(Int64)',
  boolean: 'Nullable(UInt8)',
} as const satisfies Record<ColumnKind, string>;

/** The sorted non-NULL values of an aggregate's argument bound to `s` by a one-item arrayMap: 18.16 has no WITH inside an expression. */
const withSorted = (e: string, body: string) => `arrayElement(arrayMap(s -> ${body}, [arraySort(groupArray(toFloat64(${e})))]), 1)`;
/** PERCENTILE_CONT over the sorted array `s` at fraction f: s[lo] + (h − lo)·(s[lo+1] − s[lo]), h = 1 + (n−1)·f, 1-based. */
const interpolate = (f: string) => {
  const h = `(1 + (length(s) - 1) * ${f})`;
  const lo = `toUInt64(floor(${h}))`;
  return `(s[${lo}] + (${h} - floor(${h})) * (s[least(${lo} + 1, length(s))] - s[${lo}]))`;
};
/** Complete months from a to b, a <= b (Dates): months crossed, less one when b's day falls short of a's and b is not its month's last day. */
const chCompleteMonthsForward = (a: string, b: string) =>
  `((toYear(${b}) - toYear(${a})) * 12 + toMonth(${b}) - toMonth(${a})
    - multiIf(toDayOfMonth(${b}) < toDayOfMonth(${a}) AND ${b} != addDays(addMonths(toStartOfMonth(${b}), 1), -1), 1, 0))`;
const chCompleteMonths = (from: string, to: string) => {
  const a = `toDate(${from})`;
  const b = `toDate(${to})`;
  return `toInt64(multiIf(${a} <= ${b}, ${chCompleteMonthsForward(a, b)}, -${chCompleteMonthsForward(b, a)}))`;
};

export const CLICKHOUSE_DIALECT: Dialect = {
  engine: 'clickhouse',
  types: CLICKHOUSE_TYPES,
  double: 'Float64',
  text: 'String',
  monthStart: (e) => `toStartOfMonth(${e})`,
  addMonths: (e, n) => `addMonths(toDate(${e}), toInt32(${n}))`,
  addDays: (e, n) => `addDays(toDate(${e}), toInt32(${n}))`,
  monthsBetween: (a, b) => `toInt64(dateDiff('month', toDate(${a}), toDate(${b})))`,
  daysBetween: (a, b) => `toInt64(dateDiff('day', toDate(${a}), toDate(${b})))`,
  formatMonth: (e) => `formatDateTime(toDate(${e}), '%Y-%m')`,
  formatDate: (e) => `toString(toDate(${e}))`,
  // DuckDB's TRY_CAST trims blanks and takes a leading '+'; toFloat64OrNull does neither.
  tryDouble: (e) => `toFloat64OrNull(replaceRegexpOne(replaceRegexpAll(${e}, '^[ \\t\\n\\r]+|[ \\t\\n\\r]+$', ''), '^[+]', ''))`,
  quantileCont: (e, f) => withSorted(e, `multiIf(length(s) = 0, NULL, ${interpolate(checkFraction(f))})`),
  quantilesCont: (e, fs) => withSorted(e, `arrayMap(f -> multiIf(length(s) = 0, nan, ${interpolate('f')}), [${fs.map((f) => `toFloat64(${checkFraction(f)})`).join(', ')}])`),
  arrayOf: (items) => `[${items.join(', ')}]`,
  // MD5 is 16 bytes: its first 4 read big-endian (as the hex digits read) are the UInt32.
  hashBucket: (e, m) => `(reinterpretAsUInt32(reverse(substring(MD5(${e}), 1, 4))) % ${checkModulus(m)})`,
  regexMatches: (e, p) => `match(${e}, ${clickHouseFromStandardLiteral(p)})`,
  insertionOrder: () => [],
  temporaryTable: (name) => quoteIdent(name),
  temporaryTableExistsSql: 'SELECT count() AS n FROM system.tables WHERE is_temporary AND name = CAST($1 AS String)',
  storedTableSql: `SELECT concat('"', replaceAll(database, '"', '""'), '"."', replaceAll(name, '"', '""'), '"') AS q
    FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary AND name = CAST($1 AS String)`,
  createTempTableAs: (name, select) => [`DROP TEMPORARY TABLE IF EXISTS ${name}`, `CREATE TEMPORARY TABLE ${name} ENGINE = Memory AS ${select}`],
  tryCast: (e, type) => {
    const t = type.replace(/\s+/g, '');
    const inner = /^Nullable\((.*)\)$/.exec(t)?.[1] ?? t;
    const text = `toString(${e})`;
    switch (inner) {
      case 'Date':
        return `multiIf(match(${text}, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') AND toString(toDateOrNull(${text})) = ${text}, toDateOrNull(${text}), NULL)`;
      case 'DateTime':
        return `toDateTimeOrNull(${text})`;
      case 'Int64':
      case 'Int32': {
        // toInt64OrNull wraps around on overflow: the result must print back as the text did.
        const cast = `to${inner}OrNull(${text})`;
        const plain = `replaceRegexpOne(replaceRegexpOne(${text}, '^[+]', ''), '^(-?)0+([0-9])', '\\1\\2')`;
        return `multiIf(match(${text}, '^[+-]?[0-9]+$') AND toString(${cast}) = ${plain}, ${cast}, NULL)`;
      }
      case 'Float64':
        return CLICKHOUSE_DIALECT.tryDouble(text);
      case 'Decimal(18,6)':
        // No toDecimal64OrNull in 18.16, and multiIf() evaluates both branches: the cast gets '0' for text that is not a decimal.
        return `multiIf(match(${text}, '^-?[0-9]{1,12}([.][0-9]{1,6})?$'), toDecimal64(multiIf(match(${text}, '^-?[0-9]{1,12}([.][0-9]{1,6})?$'), ${text}, '0'), 6), NULL)`;
      default:
        throw new RangeError(`tryCast to ${type} is not available on ClickHouse`);
    }
  },
  addMinutes: (e, n) => `addMinutes(${e}, toInt64(${n}))`,
  formatTimestamp: (e, micros) => (micros ? `concat(toString(toDateTime(${e})), '.000000')` : `toString(toDateTime(${e}))`),
  // A NULL hashes as its own flag: isNull(x), then the value (or '' when NULL), per item.
  hashOf: (items) => `cityHash64(${items.map((e) => `isNull(${e}), ifNull(toString(${e}), '')`).join(', ')})`,
  jsonObjectText: (pairs) => {
    const json = (e: string) =>
      `multiIf(isNull(${e}), 'null', concat('"', replaceAll(replaceAll(replaceAll(replaceAll(replaceAll(toString(${e}), '\\\\', '\\\\\\\\'), '"', '\\\\"'), '\\n', '\\\\n'), '\\r', '\\\\r'), '\\t', '\\\\t'), '"'))`;
    return pairs.length === 0 ? `'{}'` : `concat('{', ${pairs.map(([k, e], i) => `${clickHouseLiteral(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`)}, ${json(e)}`).join(', ')}, '}')`;
  },
  // The MergeTree tables are ordered by their key (customer_id, month): no secondary index.
  readIndex: () => [],
  completeMonthsBetween: chCompleteMonths,
  completeYearsBetween: (a, b) => `intDiv(${chCompleteMonths(a, b)}, 12)`,
  // Bytes 9–16 of the MD5 read little-endian, as DuckDB's md5_number_lower.
  md5LowBucket: (e, m) => `(reinterpretAsUInt64(substring(MD5(${e}), 9, 8)) % ${checkModulus(m)})`,
  // The exact sum divided at 18 decimals, then one rounding to Float64; NULL over no rows (avg would fail on a Decimal).
  mean: (e) => `multiIf(count(${e}) = 0, NULL, toFloat64(divide(toDecimal128(sum(${e}), 18), greatest(count(${e}), 1))))`,
  isFinite: (e) => `isFinite(${e})`,
  roundHalfAway: (e, digits) => {
    const scale = 10 ** checkDigits(digits);
    const x = `toFloat64(${e})`;
    const y = `abs(${x} * ${scale})`;
    return `multiIf(isFinite(${y}), multiIf(${x} < 0, -1, 1) * (floor(${y}) + multiIf(${y} - floor(${y}) >= 0.5, 1, 0)) / ${scale}, ${x})`;
  },
  // No secondary indexes (readIndex makes none) and no session memory settings to raise for a load.
  secondaryIndexesSql: "SELECT '' AS name, '' AS ddl WHERE toString($1) = '' AND 0",
  bulkLoadSettings: () => [],
  // The tables are ordered by customer_id: a key read prunes by the primary key.
  rowPosition: null,
  readAllColumns: null,
};
