import { isExtraColumn } from '../contract/spec.ts';
import type { StoreTx } from './port.ts';
import type { Dialect } from './schema.ts';

// schema.ts runs this module's migration: its own quoting keeps the two modules free of a cycle.
const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The operator's `x_` columns of customers and monthly_usage, stored as wide columns of their
 * tables (schema version 6): an `x_` usage measure is a DOUBLE column of monthly_usage, as the
 * contract's decimal measures are; an `x_` customer attribute is a column of customers, DOUBLE
 * when every value it has held is a plain number (numberTextSql), else VARCHAR. The import adds
 * a column the first time a file has it; a row imported without it has NULL there.
 *
 * Until version 5 the usage measures were one row per value (usage_extras) and the customer
 * attributes one JSON object (customers.x_attributes); migrateToWideExtras pivots them.
 * The other files' x_ attributes stay one JSON object (x_attributes), as before.
 */
export const WIDE_EXTRA_TABLES = ['customers', 'monthly_usage'] as const;
export type WideExtraTable = (typeof WIDE_EXTRA_TABLES)[number];

export interface StoredExtra {
  readonly name: string;
  /** 'number': DOUBLE; 'text': VARCHAR. */
  readonly type: 'number' | 'text';
}

/**
 * A text that becomes a number without losing anything: an optional minus, digits without a
 * leading zero, an optional fraction, at most 15 digits in all (a DOUBLE holds 15 significant
 * digits exactly). "007", "1e5", "+3" and an 18-digit ID number stay text.
 */
export const NUMBER_TEXT_PATTERN = '-?(0|[1-9][0-9]*)(\\.[0-9]+)?';
export const NUMBER_TEXT_MAX_DIGITS = 15;

/** SQL: whether the (blank-as-NULL) text `expr` is a plain number (NULL counts as one). */
export function numberTextSql(expr: string): string {
  return `(${expr} IS NULL OR (regexp_full_match(${expr}, '${NUMBER_TEXT_PATTERN}') AND length(regexp_replace(${expr}, '[^0-9]', '', 'g')) <= ${NUMBER_TEXT_MAX_DIGITS}))`;
}

/** SQL: a DOUBLE column's values as the text they were given (3.0 → '3', 2.5 → '2.5'). */
export function numberAsTextSql(expr: string): string {
  return `CASE WHEN ${expr} = trunc(${expr}) AND abs(${expr}) < 1e15 THEN CAST(CAST(${expr} AS BIGINT) AS VARCHAR) ELSE CAST(${expr} AS VARCHAR) END`;
}

/** The x_ columns a table has, in column order. */
export async function storedExtras(tx: StoreTx, table: WideExtraTable): Promise<StoredExtra[]> {
  const rows = await tx.query<{ name: string; type: string }>(
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = current_schema() AND table_name = CAST($1 AS VARCHAR) AND starts_with(column_name, 'x_')
     ORDER BY ordinal_position`,
    [table],
  );
  // DuckDB names text VARCHAR, PostgreSQL 'character varying'.
  return rows.filter((r) => isExtraColumn(r.name)).map((r) => ({ name: r.name, type: /^(VARCHAR|character varying|text)$/i.test(r.type) ? 'text' : 'number' }));
}

/** DDL adding an x_ column. */
export function addExtraSql(table: WideExtraTable, extra: StoredExtra, d: Dialect): string {
  return `ALTER TABLE ${table} ADD COLUMN ${q(extra.name)} ${extra.type === 'number' ? d.types.decimal : d.types.string}`;
}

/** DDL turning a numeric x_ attribute into text (a file brought a value that is not a number). */
export function widenToTextSql(table: WideExtraTable, name: string, d: Dialect): string {
  return `ALTER TABLE ${table} ALTER COLUMN ${q(name)} TYPE ${d.types.string} USING (${numberAsTextSql(q(name))})`;
}

const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** RFC 6901 pointer to a top-level key, for json_extract_string. */
const pointer = (key: string) => lit(`/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);

async function tableHas(tx: StoreTx, table: string, column?: string): Promise<boolean> {
  const rows = await tx.query<{ n: number }>(
    `SELECT count(*) AS n FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = $1 ${column ? 'AND column_name = $2' : ''}`,
    column ? [table, column] : [table],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * Schema version 6: the old layout's x_ values into wide columns. Each table is rebuilt in one
 * statement (CREATE … AS SELECT, then swapped in), which writes it once instead of updating
 * every row per column.
 */
export async function migrateToWideExtras(tx: StoreTx, d: Dialect): Promise<void> {
  // A PostgreSQL store is first created by a build that already has this version: nothing was
  // ever stored in the old layout, which only has to go.
  if (d.engine === 'postgres') {
    const [old] = await tx.query<{ n: number }>('SELECT (SELECT count(*) FROM usage_extras) + (SELECT count(*) FROM customers WHERE x_attributes IS NOT NULL) AS n');
    if (Number(old?.n ?? 0) > 0) throw new Error('a PostgreSQL store holding x_ values in the layout before schema version 6 cannot exist; refusing to guess');
    await tx.run('DROP TABLE usage_extras');
    await tx.run('ALTER TABLE customers DROP COLUMN x_attributes');
    return;
  }
  if (await tableHas(tx, 'usage_extras')) {
    const names = (await tx.query<{ name: string }>('SELECT DISTINCT name FROM usage_extras ORDER BY name')).map((r) => r.name).filter(isExtraColumn);
    if (names.length > 0) {
      const pivot = names.map((n) => `max(CASE WHEN name = ${lit(n)} THEN value END) AS ${q(n)}`).join(', ');
      await tx.run(
        `CREATE TABLE monthly_usage_v6 AS
         SELECT u.*, ${names.map((n) => `CAST(p.${q(n)} AS ${d.types.decimal}) AS ${q(n)}`).join(', ')}
         FROM monthly_usage u LEFT JOIN (SELECT customer_id, month, ${pivot} FROM usage_extras GROUP BY customer_id, month) p
           ON p.customer_id = u.customer_id AND p.month = u.month`,
      );
      await tx.run('DROP TABLE monthly_usage');
      await tx.run('ALTER TABLE monthly_usage_v6 RENAME TO monthly_usage');
    }
    await tx.run('DROP TABLE usage_extras');
  }
  if (await tableHas(tx, 'customers', 'x_attributes')) {
    const keys = (
      await tx.query<{ k: string }>(
        `SELECT DISTINCT k FROM (SELECT unnest(json_keys(x_attributes)) AS k FROM customers WHERE x_attributes IS NOT NULL AND json_valid(x_attributes)) ORDER BY k`,
      )
    )
      .map((r) => r.k)
      .filter(isExtraColumn);
    const value = (k: string) => `NULLIF(json_extract_string(x_attributes, ${pointer(k)}), '')`;
    const exprs: string[] = [];
    if (keys.length > 0) {
      const [numeric] = await tx.query<Record<string, boolean | null>>(
        `SELECT ${keys.map((k, i) => `bool_and(${numberTextSql(value(k))}) AS n${i}`).join(', ')}
         FROM customers WHERE x_attributes IS NOT NULL AND json_valid(x_attributes)`,
      );
      keys.forEach((k, i) => {
        const isNumber = numeric?.[`n${i}`] !== false;
        exprs.push(isNumber ? `CAST(${value(k)} AS ${d.types.decimal}) AS ${q(k)}` : `CAST(${value(k)} AS ${d.types.string}) AS ${q(k)}`);
      });
    }
    // A value that is not valid JSON (never written by Tenure) has no attributes to keep.
    const guarded = exprs.map((e) => e.replaceAll('x_attributes', 'CASE WHEN json_valid(x_attributes) THEN x_attributes END'));
    await tx.run(`CREATE TABLE customers_v6 AS SELECT * EXCLUDE (x_attributes)${guarded.map((e) => `, ${e}`).join('')} FROM customers`);
    await tx.run('DROP TABLE customers');
    await tx.run('ALTER TABLE customers_v6 RENAME TO customers');
  }
}
