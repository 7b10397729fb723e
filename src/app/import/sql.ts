import type { ColumnSpec, FileSpec } from '../../contract/spec.ts';
import { CONTROL_ARM, LEXICAL } from '../../contract/spec.ts';
import { LEXICAL_REASON, MONEY_PATTERN, REASONS, lexicalOf, reason } from '../../contract/rules.ts';
import { DUCKDB_DIALECT, quoteIdent as q } from '../../store/schema.ts';
import type { Dialect } from '../../store/dialect.ts';
import { numberTextSql, WIDE_EXTRA_TABLES, type StoredExtra, type WideExtraTable } from '../../store/wide-extras.ts';
import { isPersonalColumn } from './personal.ts';

/**
 * Every SQL statement of the bulk importer, generated from the contract spec. The staging query
 * runs in the file reader, which is DuckDB on every store (store/port.ts StageFileRequest), so
 * it is DuckDB's SQL; every other statement runs in the store and is rendered with its dialect
 * (`d`). A record's position in the file is the staged table's `_pos` column.
 *
 * Plan per file (staging before, the rest in one transaction):
 *   stage      file -> T (_pos, typed columns, _ok = cheap checks passed, _s<i> = text of failing rows)
 *   suspects   rows failing cheap checks + rows the byte scanner flagged -> full validator -> REJ
 *   cross-row  unknown customer, churn vs join date, reason codes, duplicate keys -> REJ
 *   merge      accepted rows -> contract table (insert new, replace changed, skip unchanged)
 */
export const T = 'imp_stage';
export const REJ = 'imp_rejects';
export const SUSPECTS = 'imp_suspects';
export const SCANNED = 'imp_scanned_suspects';
export const BREAKPOINTS = 'imp_breakpoints';
export const REPEATS = 'imp_repeats';
export const CLASSIFIED = 'imp_classified';

export interface Layout {
  readonly spec: FileSpec;
  /** Columns of the file in file order, lower-cased. */
  readonly fileColumns: readonly string[];
  /** Contract columns and x_ columns present in the file, each with its rule. */
  readonly present: readonly ColumnSpec[];
  readonly extras: readonly string[];
}

export interface SqlOptions {
  /** Operator time zone: offset timestamps are converted to it. */
  readonly timezone: string;
  /** Whether lexical rules must be checked in SQL (no byte scanner ran, e.g. Parquet). */
  readonly lexicalInSql: boolean;
}

export function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Typed value of a raw (blank-as-NULL) text expression; NULL when it does not convert. */
export function typedExpr(col: ColumnSpec, r: string, opts: SqlOptions, d: Dialect = DUCKDB_DIALECT): string {
  switch (col.kind) {
    case 'string':
    case 'enum':
      return r;
    case 'month':
      return d.tryCast(`${r} || '-01'`, d.types.date);
    case 'timestamp':
      return timestampExpr(r, opts.timezone, d);
    case 'boolean':
      return `CASE ${r} WHEN 'true' THEN true WHEN 'false' THEN false END`;
    default:
      return d.tryCast(r, d.types[col.kind]);
  }
}

/**
 * Timestamp text to operator local time. The engine's cast rolls over 24:00 or :60 and cannot
 * parse an offset after HH:MM, so the local part is cast alone, must print back unchanged, and
 * the offset is applied by hand: local - offset = UTC, then UTC into the operator's zone.
 */
function timestampExpr(r: string, timezone: string, d: Dialect): string {
  const zulu = `${r} LIKE '%Z'`;
  const sign = `left(right(${r}, 6), 1)`;
  const offset = `${sign} IN ('+', '-')`;
  const local = `(CASE WHEN ${zulu} THEN substr(${r}, 1, length(${r}) - 1) WHEN ${offset} THEN substr(${r}, 1, length(${r}) - 6) ELSE ${r} END)`;
  const lt = d.tryCast(local, d.types.timestamp);
  const printed = d.formatTimestamp(lt);
  const roundTrip = `substr(${printed}, 1, 16) = replace(substr(${local}, 1, 16), 'T', ' ') AND (length(${local}) < 19 OR substr(${printed}, 18, 2) = substr(${local}, 18, 2))`;
  const minutes = `(CASE ${sign} WHEN '-' THEN -1 ELSE 1 END) * (${d.tryCast(`left(right(${r}, 5), 2)`, 'INTEGER')} * 60 + ${d.tryCast(`right(${r}, 2)`, 'INTEGER')})`;
  return `CASE WHEN NOT (${roundTrip}) THEN NULL
    WHEN ${zulu} THEN timezone(${lit(timezone)}, timezone('UTC', ${lt}))
    WHEN ${offset} THEN timezone(${lit(timezone)}, timezone('UTC', ${d.addMinutes(lt, `-(${minutes})`)}))
    ELSE ${lt} END`;
}

const lexicalPattern = (col: ColumnSpec): string | null => {
  const lex = lexicalOf(col);
  if (!lex) return null;
  return col.kind === 'money' ? MONEY_PATTERN : LEXICAL[lex];
};

const inList = (values: readonly string[]) => values.map(lit).join(', ');

/** Cheap per-row checks: casts, ranges, enums, required; all set-based, no regex unless asked. */
function cheapChecks(layout: Layout, opts: SqlOptions, r: (c: string) => string, t: (c: string) => string): string[] {
  const out: string[] = [];
  for (const col of layout.present) {
    const raw = r(col.name);
    const typed = t(col.name);
    if (col.required) out.push(`${raw} IS NOT NULL`);
    if (col.kind === 'enum') out.push(`(${raw} IS NULL OR ${raw} IN (${inList(col.values ?? [])}))`);
    else if (col.kind !== 'string') out.push(`(${raw} IS NULL OR ${typed} IS NOT NULL)`);
    if (col.min !== undefined) out.push(`(${typed} IS NULL OR ${typed} >= ${col.min})`);
    if (col.max !== undefined) out.push(`(${typed} IS NULL OR ${typed} <= ${col.max})`);
    const pattern = lexicalPattern(col);
    if (opts.lexicalInSql && pattern) out.push(`(${raw} IS NULL OR regexp_full_match(${raw}, ${lit(pattern)}))`);
  }
  for (const rule of notGreaterRules(layout)) {
    out.push(`(${t(rule.lesser)} IS NULL OR ${t(rule.greater)} IS NULL OR ${t(rule.lesser)} <= ${t(rule.greater)})`);
  }
  return out;
}

function notGreaterRules(layout: Layout) {
  const names = new Set(layout.present.map((c) => c.name));
  return (layout.spec.notGreater ?? []).filter((g) => names.has(g.lesser) && names.has(g.greater));
}

/**
 * The staging query over the engine's reader (`source`, all text columns named as the header):
 * typed columns under their contract names, `_ok`, `_len` (decoded bytes, cross-checked
 * against the scanner) and `_s0`, `_s1`, … the text of each file column for rows failing the
 * cheap checks (suspectsSql). Measured: staging every typed column once and merging from it
 * costs less CPU than staging only the checked columns and reading the file again for the merge.
 * DuckDB's SQL: it runs in the file reader.
 */
export function stageQuery(layout: Layout, opts: SqlOptions): (source: string) => string {
  const rawName = new Map(layout.fileColumns.map((c, i) => [c, `r${i}`]));
  const typedName = new Map(layout.present.map((c, i) => [c.name, `t${i}`]));
  const r = (c: string) => rawName.get(c) ?? 'NULL';
  const t = (c: string) => typedName.get(c) ?? 'NULL';
  const raws = layout.fileColumns.map((c, i) => `NULLIF(CAST(${q(c)} AS VARCHAR), '') AS r${i}`).join(', ');
  const len = layout.fileColumns.map((_, i) => `coalesce(strlen(r${i}), 0)`).join(' + ');
  const typed = layout.present.map((c, i) => `${typedExpr(c, r(c.name), opts)} AS t${i}`).join(', ');
  const checks = cheapChecks(layout, opts, r, t);
  const ok = checks.length ? checks.join(' AND ') : 'true';
  const out = layout.present.map((c) => `${t(c.name)} AS ${q(c.name)}`).join(', ');
  // The text of a row failing a cheap check, kept for the full validator (mostly NULL, stored as
  // a constant): the file is read once, on every engine.
  const suspectText = layout.fileColumns.map((_, i) => `CASE WHEN _ok THEN NULL ELSE r${i} END AS _s${i}`).join(', ');
  return (source) =>
    `SELECT ${out}, _ok, _len, ${suspectText} FROM (
       SELECT *, ${ok} AS _ok FROM (
         SELECT *, ${typed}, ${len} AS _len FROM (SELECT ${raws} FROM ${source}) AS f) AS t) AS c`;
}

/** The full validator for one column: the first broken rule as `code: explanation`, else NULL. */
export function columnReasonExpr(col: ColumnSpec, r: string, opts: SqlOptions, d: Dialect = DUCKDB_DIALECT): string {
  const typed = typedExpr(col, r, opts, d);
  const arms: string[] = [`WHEN ${r} IS NULL THEN ${col.required ? lit(REASONS.missing(col)) : 'NULL'}`];
  const lex = lexicalOf(col);
  // The contract's patterns are anchored (^…$): a match anywhere is a full match.
  if (lex) arms.push(`WHEN NOT ${d.regexMatches(r, lit(LEXICAL[lex]))} THEN ${lit(LEXICAL_REASON[lex])}`);
  if (col.kind === 'money') arms.push(`WHEN NOT ${d.regexMatches(r, lit(MONEY_PATTERN))} THEN ${lit(REASONS.moneyScale)}`);
  if (col.kind === 'date') arms.push(`WHEN ${typed} IS NULL THEN ${lit(REASONS.invalidDate)}`);
  if (col.kind === 'month') arms.push(`WHEN ${typed} IS NULL THEN ${lit(REASONS.invalidMonth)}`);
  if (col.kind === 'timestamp') arms.push(`WHEN ${typed} IS NULL THEN ${lit(REASONS.invalidTimestamp)}`);
  if (col.kind === 'integer' || col.kind === 'money' || col.kind === 'decimal') {
    arms.push(`WHEN ${typed} IS NULL THEN ${lit(REASONS.tooLarge)}`);
  }
  if (col.min !== undefined) arms.push(`WHEN ${typed} < ${col.min} THEN ${lit(REASONS.below(col))}`);
  if (col.max !== undefined) arms.push(`WHEN ${typed} > ${col.max} THEN ${lit(REASONS.above(col))}`);
  if (col.kind === 'enum') arms.push(`WHEN ${r} NOT IN (${inList(col.values ?? [])}) THEN ${lit(REASONS.enumValue(col))}`);
  return `CASE ${arms.join(' ')} END`;
}

/**
 * Runs the full validator over a table of suspect rows (`_rec` + text columns named as the
 * file's columns) and appends one reject per bad column (and per broken cross-column rule).
 */
export function validateRowsSql(layout: Layout, opts: SqlOptions, suspects: string, rejects: string, d: Dialect): string {
  const r = (c: string) => `NULLIF(${q(c)}, '')`;
  const reasonOf = new Map(layout.present.map((c) => [c.name, columnReasonExpr(c, r(c.name), opts, d)]));
  // A personal column's reject names the column and the reason only (personal.ts).
  const value = (c: string) => (isPersonalColumn(layout.spec.name, c) ? 'CAST(NULL AS VARCHAR)' : q(c));
  const parts = layout.present.map(
    (c) => `SELECT _rec, ${lit(c.name)} AS col, ${value(c.name)} AS value, ${reasonOf.get(c.name)} AS reason FROM ${suspects}`,
  );
  for (const rule of notGreaterRules(layout)) {
    const cols = layout.present;
    const lesser = cols.find((c) => c.name === rule.lesser);
    const greater = cols.find((c) => c.name === rule.greater);
    if (!lesser || !greater) continue;
    parts.push(
      `SELECT _rec, ${lit(rule.lesser)}, ${value(rule.lesser)}, CASE WHEN ${reasonOf.get(rule.lesser)} IS NULL AND ${reasonOf.get(rule.greater)} IS NULL AND ${typedExpr(lesser, r(rule.lesser), opts, d)} > ${typedExpr(greater, r(rule.greater), opts, d)} THEN ${lit(REASONS.notGreater(rule))} END FROM ${suspects}`,
    );
  }
  return `INSERT INTO ${rejects} (rec, line, "column", value, reason)
    SELECT _rec, CAST(NULL AS BIGINT), col, value, reason FROM (${parts.join(' UNION ALL ')}) AS v WHERE reason IS NOT NULL`;
}

/** Statements that (re)create an empty temporary table of the given columns and types. */
export function createEmptyTableSql(d: Dialect, table: string, columns: readonly (readonly [name: string, type: string])[]): string[] {
  return d.createTempTableAs(table, `SELECT ${columns.map(([n, t]) => `CAST(NULL AS ${t}) AS ${q(n)}`).join(', ')} LIMIT 0`);
}

export function createRejectsSql(d: Dialect): string[] {
  return createEmptyTableSql(d, REJ, [
    ['rec', 'BIGINT'],
    ['line', 'BIGINT'],
    ['column', d.text],
    ['value', d.text],
    ['reason', d.text],
    ['ref_rec', 'BIGINT'],
    ['row_bytes', 'BIGINT'],
    ['row_sha256', d.text],
  ]);
}

export function createTextTableSql(d: Dialect, table: string, columns: readonly string[]): string[] {
  return createEmptyTableSql(d, table, [['_rec', 'BIGINT'], ...columns.map((c) => [c, d.text] as const)]);
}

/** Multi-row INSERT of literal values (small side tables: suspects from the scanner, breakpoints). */
export function insertValuesSql(table: string, rows: readonly (readonly (string | number | null)[])[]): string {
  const v = (x: string | number | null) => (x === null ? 'NULL' : typeof x === 'number' ? String(x) : lit(x));
  return `INSERT INTO ${table} VALUES ${rows.map((row) => `(${row.map(v).join(', ')})`).join(', ')}`;
}

/** Rows that failed the cheap checks, with the text the staging kept for them (stageQuery `_s<i>`). */
export function suspectsSql(d: Dialect, layout: Layout): string[] {
  const cols = layout.fileColumns.map((c, i) => `_s${i} AS ${q(c)}`).join(', ');
  return d.createTempTableAs(SUSPECTS, `SELECT _pos AS _rec, ${cols} FROM ${T} WHERE NOT _ok`);
}

export function scannedSuspectsSql(layout: Layout): string {
  const cols = ['_rec', ...layout.fileColumns].map(q).join(', ');
  return `INSERT INTO ${SUSPECTS} (${cols}) SELECT ${cols} FROM ${SCANNED} WHERE _rec NOT IN (SELECT _rec FROM ${SUSPECTS})`;
}

/** Rows failing the cheap checks must all have been explained by the full validator. */
export function unexplainedSql(): string {
  return `SELECT count(*) AS n FROM ${T} WHERE NOT _ok AND _pos NOT IN (SELECT rec FROM ${REJ} WHERE rec IS NOT NULL)`;
}

const notRejected = `_pos NOT IN (SELECT rec FROM ${REJ} WHERE rec IS NOT NULL)`;

/** Referential and cross-file checks. */
export function crossRowSql(layout: Layout, d: Dialect): string[] {
  const out: string[] = [];
  const ins = `INSERT INTO ${REJ} (rec, line, "column", value, reason)`;
  if (layout.spec.referencesCustomer) {
    out.push(`${ins} SELECT _pos, NULL, 'customer_id', customer_id,
      ${lit(reason('unknown_customer', 'customer_id '))} || customer_id || ' is not in customers'
      FROM ${T} s WHERE _ok AND ${notRejected} AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = s.customer_id)`);
  }
  if (layout.spec.name === 'churn_events') {
    out.push(`${ins} SELECT s._pos, NULL, 'churn_date', ${d.formatDate('s.churn_date')},
      ${lit(reason('churn_before_join', 'churn_date is before the customer join_date '))} || ${d.formatDate('c.join_date')}
      FROM ${T} s JOIN customers c ON c.customer_id = s.customer_id WHERE s._ok AND s.churn_date < c.join_date`);
    out.push(`${ins} SELECT s._pos, NULL, 'reason_code', s.reason_code,
      ${lit(reason('unknown_reason_code', 'reason_code '))} || s.reason_code || ' is not in reason_codes'
      FROM ${T} s WHERE s._ok AND NOT EXISTS (SELECT 1 FROM reason_codes rc WHERE rc.code = s.reason_code)`);
    out.push(`${ins} SELECT s._pos, NULL, 'churn_type', s.churn_type,
      ${lit(reason('churn_type_mismatch', 'reason code '))} || rc.code || ' is ' || rc.type
      FROM ${T} s JOIN reason_codes rc ON rc.code = s.reason_code WHERE s._ok AND s.churn_type <> rc.type`);
  }
  if (layout.spec.name === 'campaigns' && layout.present.some((c) => c.name === 'end_date')) {
    out.push(`${ins} SELECT _pos, NULL, 'end_date', ${d.formatDate('end_date')},
      ${lit(reason('end_before_start', 'end_date is before start_date '))} || ${d.formatDate('start_date')}
      FROM ${T} s WHERE _ok AND ${notRejected} AND end_date < start_date`);
  }
  if (layout.spec.name === 'campaign_members') out.push(...campaignMemberChecks(ins, d));
  if (layout.spec.name === 'points_transactions') {
    out.push(`${ins} SELECT _pos, NULL, 'points', CAST(points AS VARCHAR),
      ${lit(reason('out_of_range', 'points must be > 0 for earn and redeem (a redeem subtracts them)'))}
      FROM ${T} s WHERE _ok AND ${notRejected} AND kind IN ('earn', 'redeem') AND points <= 0`);
    out.push(`${ins} SELECT _pos, NULL, 'points', CAST(points AS VARCHAR), ${lit(reason('out_of_range', 'an adjust must not be 0 points'))}
      FROM ${T} s WHERE _ok AND ${notRejected} AND kind = 'adjust' AND points = 0`);
  }
  return out;
}

/** A member belongs to a known campaign, its arm is the control or a known offer, and it was assigned by the start. */
function campaignMemberChecks(ins: string, d: Dialect): string[] {
  const ok = `s._ok AND s._pos NOT IN (SELECT rec FROM ${REJ} WHERE rec IS NOT NULL)`;
  return [
    `${ins} SELECT s._pos, NULL, 'campaign_id', s.campaign_id,
      ${lit(reason('unknown_campaign', 'campaign_id '))} || s.campaign_id || ' is not in campaigns'
      FROM ${T} s WHERE ${ok} AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.campaign_id = s.campaign_id)`,
    `${ins} SELECT s._pos, NULL, 'arm', s.arm,
      ${lit(reason('unknown_arm', `arm must be ${CONTROL_ARM} or an offer_id in offers; not found: `))} || s.arm
      FROM ${T} s WHERE ${ok} AND s.arm <> ${lit(CONTROL_ARM)}
        AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.offer_id = s.arm)`,
    `${ins} SELECT s._pos, NULL, 'assigned_date', ${d.formatDate('s.assigned_date')},
      ${lit(reason('assigned_after_start', "assigned_date is after the campaign's start_date "))} || ${d.formatDate('c.start_date')}
      FROM ${T} s JOIN campaigns c ON c.campaign_id = s.campaign_id WHERE ${ok} AND s.assigned_date > c.start_date`,
  ];
}

const keyCols = (layout: Layout) => layout.spec.key;

/**
 * What the import needs to know of the staged rows as a whole, computed by the file reader in
 * the scan that counts them (store/port.ts StageFileRequest.summary; DuckDB's SQL): `bytes`, the
 * decoded bytes (checked against the scanner's), `failing`, the rows failing a cheap check, and
 * `repeated_hint`, a cheap test for repeated keys: equal keys give equal hashes, so 0 means no
 * duplicates at all.
 */
export function stagedSummarySelect(layout: Layout): string {
  return `sum(_len) AS bytes, count(*) FILTER (WHERE NOT _ok) AS failing, count(*) - count(DISTINCT ${DUCKDB_DIALECT.hashOf(keyCols(layout).map(q))}) AS repeated_hint`;
}

/**
 * Files whose rows, when they go into an empty table without a reject or a repeated key, the
 * store may keep with its file reader and append straight to the table (port.ts keep and
 * loadStaged): no x_ columns, and cross-row checks that read the customer and the key only.
 */
export function directLoadable(layout: Layout): boolean {
  return layout.extras.length === 0 && !['churn_events', 'campaigns', 'campaign_members', 'points_transactions'].includes(layout.spec.name);
}

/** The staged columns the validation reads on a direct load (directLoadable): `_ok`, the failing rows' text, the key, the customer. */
export function validationColumns(layout: Layout): string[] {
  const names = new Set(['_ok', ...layout.fileColumns.map((_, i) => `_s${i}`), ...layout.spec.key]);
  if (layout.spec.referencesCustomer) names.add('customer_id');
  return [...names];
}

/** The table's columns on a direct load, as DuckDB expressions over the staged rows (targetColumns' present ones). */
export function directLoadColumns(layout: Layout): { name: string; expr: string }[] {
  const out = layout.present.map((c) => ({ name: c.name, expr: q(c.name) }));
  if (layout.spec.name === 'customers') {
    ['province', 'city', 'district'].forEach((part, i) => out.push({ name: part, expr: `NULLIF(split_part(region, '/', ${i + 1}), '')` }));
  }
  return out;
}

export interface StagedSummary {
  readonly bytes: number;
  readonly failing: number;
  readonly repeatedHint: number;
}

function sameRow(layout: Layout, a: string, b: string): string {
  return layout.present.map((c) => `${a}.${q(c.name)} IS NOT DISTINCT FROM ${b}.${q(c.name)}`).join(' AND ');
}

/** First row of a key wins; later exact repeats are kept aside (accepted, no-op), others rejected. */
export function duplicatesSql(layout: Layout, d: Dialect): string[] {
  const key = keyCols(layout);
  const on = key.map((k) => `a.${q(k)} = f.${q(k)}`).join(' AND ');
  const keyText = (k: string) => {
    const col = layout.present.find((c) => c.name === k);
    if (col?.kind === 'month') return d.formatMonth(`a.${q(k)}`);
    if (col?.kind === 'date') return d.formatDate(`a.${q(k)}`);
    return `CAST(a.${q(k)} AS ${d.text})`;
  };
  const cand = `(SELECT _pos AS _rec, * FROM ${T} WHERE ${notRejected})`;
  return [
    ...d.createTempTableAs(
      'imp_dups',
      `WITH a AS ${cand},
          f AS (SELECT ${key.map(q).join(', ')}, min(_rec) AS first FROM a GROUP BY ${key.map(q).join(', ')} HAVING count(*) > 1)
     SELECT a._rec AS rec, ${sameRow(layout, 'a', 'w')} AS same, ${key.map(keyText).join(` || '/' || `)} AS key_value, f.first AS first
     FROM a JOIN f ON ${on} JOIN a AS w ON w._rec = f.first WHERE a._rec <> f.first`,
    ),
    `INSERT INTO ${REJ} (rec, line, "column", value, reason, ref_rec)
     SELECT rec, NULL, ${lit(key.join('/'))}, key_value,
       ${lit(reason('duplicate_key', 'same key as an earlier row of this file, with different values'))}, first
     FROM imp_dups WHERE NOT same`,
    `INSERT INTO ${REPEATS} SELECT rec FROM imp_dups WHERE same`,
  ];
}

/** Whether a file's x_ columns are wide columns of its table (wide-extras.ts) rather than one JSON object. */
export function hasWideExtras(spec: FileSpec): spec is FileSpec & { name: WideExtraTable } {
  return (WIDE_EXTRA_TABLES as readonly string[]).includes(spec.name);
}

/**
 * Per x_ column of a customers file: whether every accepted value is a plain number
 * (wide-extras.ts numberTextSql), so the attribute can be stored as a number. Columns n0, n1, …
 * in layout.extras order.
 */
export function extrasAreNumbersSql(layout: Layout, d: Dialect): string {
  const cols = layout.extras.map((x, i) => `coalesce(bool_and(${numberTextSql(q(x), d)}), true) AS n${i}`);
  return `SELECT ${cols.join(', ')} FROM ${T} WHERE ${notRejected}`;
}

/**
 * Expressions for the contract table's columns, from the staged rows. `extras`: the table's x_
 * columns (wide tables), each filled from the file or NULL when the file does not have it.
 */
function targetColumns(layout: Layout, extras: readonly StoredExtra[], d: Dialect): { names: string[]; exprs: string[] } {
  const present = new Set(layout.present.map((c) => c.name));
  const names: string[] = [];
  const exprs: string[] = [];
  for (const col of layout.spec.columns) {
    names.push(q(col.name));
    exprs.push(present.has(col.name) ? q(col.name) : `CAST(NULL AS ${d.types[col.kind]})`);
  }
  if (layout.spec.name === 'customers') {
    ['province', 'city', 'district'].forEach((part, i) => {
      names.push(part);
      exprs.push(`NULLIF(split_part(region, '/', ${i + 1}), '')`);
    });
  }
  if (hasWideExtras(layout.spec)) {
    const inFile = new Set(layout.extras);
    for (const x of extras) {
      const sqlType = x.type === 'number' ? d.types.decimal : d.types.string;
      names.push(q(x.name));
      // Usage measures are staged as DOUBLE; attributes as text, a number only when every value is one.
      exprs.push(!inFile.has(x.name) ? `CAST(NULL AS ${sqlType})` : layout.spec.extras === 'attributes' ? `CAST(${q(x.name)} AS ${sqlType})` : q(x.name));
    }
  } else if (layout.spec.extras === 'attributes') {
    names.push('x_attributes');
    exprs.push(layout.extras.length ? d.jsonObjectText(layout.extras.map((x) => [x, q(x)] as const)) : `CAST(NULL AS ${d.text})`);
  }
  return { names, exprs };
}

/** Accepted rows: not rejected, not an exact repeat of an earlier row. */
function acceptedRows(layout: Layout, filtered: boolean, extras: readonly StoredExtra[], d: Dialect): string {
  const { names, exprs } = targetColumns(layout, extras, d);
  const cols = exprs.map((e, i) => `${e} AS ${names[i]}`);
  const where = filtered ? `WHERE ${notRejected} AND _pos NOT IN (SELECT rec FROM ${REPEATS})` : '';
  return `(SELECT ${cols.join(', ')} FROM ${T} ${where})`;
}

export interface MergePlan {
  readonly statements: string[];
  /** Query returning inserted/updated counts; null when every accepted row is an insert. */
  readonly counts: string | null;
}

/**
 * Set-based merge into the contract table. Into an empty table everything is an insert; otherwise
 * rows are classified against the stored ones by natural key: i(nsert), u(nchanged), c(hanged).
 * A row is unchanged when every column is, x_ columns included: a stored x_ value the file no
 * longer has makes the row changed (it is NULL after the merge).
 * `extras`: the table's x_ columns after this file's were added (wide tables; else empty).
 */
export function mergeSql(
  layout: Layout,
  d: Dialect,
  opts: { targetEmpty: boolean; filtered: boolean; extras?: readonly StoredExtra[] },
): MergePlan {
  const table = layout.spec.name;
  const extras = opts.extras ?? [];
  const { names } = targetColumns(layout, extras, d);
  const acc = acceptedRows(layout, opts.filtered, extras, d);
  // Stored row order carries no meaning; not preserving it lets the engine write in parallel.
  const order = d.insertionOrder(false);
  const ordered = d.insertionOrder(true);
  if (opts.targetEmpty) {
    // Nothing stored yet: every accepted row is new, so skip the classification copy.
    return {
      statements: [...order, `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM ${acc} AS acc`, ...ordered],
      counts: null,
    };
  }
  const key = layout.spec.key;
  const on = key.map((k) => `a.${q(k)} = o.${q(k)}`).join(' AND ');
  const same = names.map((n) => `a.${n} IS NOT DISTINCT FROM o.${n}`).join(' AND ');
  const changedKeys = key.map((k) => `${table}.${q(k)} = c.${q(k)}`).join(' AND ');
  const stmts = [
    ...order,
    ...d.createTempTableAs(
      CLASSIFIED,
      `SELECT a.*, CASE WHEN o.${q(key[0] ?? '')} IS NULL THEN 'i' WHEN ${same} THEN 'u' ELSE 'c' END AS _cls
     FROM ${acc} a LEFT JOIN ${table} o ON ${on}`,
    ),
    ...ordered,
    `DELETE FROM ${table} USING ${CLASSIFIED} c WHERE c._cls = 'c' AND ${changedKeys}`,
    ...order,
    `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM ${CLASSIFIED} WHERE _cls IN ('i', 'c')`,
    ...ordered,
  ];
  return {
    statements: stmts,
    counts: `SELECT count(*) FILTER (WHERE _cls = 'i') AS inserted, count(*) FILTER (WHERE _cls = 'c') AS updated FROM ${CLASSIFIED}`,
  };
}

/**
 * Physical lines of records: a SELECT of (rec, line) for the records of `recs` (a SELECT of one
 * BIGINT column `rec`, without repeats). A record's line is rec + 2 + the delta of the last
 * breakpoint at or before it (scanner.ts lineOf); deltas never decrease along the file, so that
 * delta is the running maximum over breakpoints and records sorted together, breakpoints first
 * at an equal position: one sort, no range join, on every engine.
 */
export function linesSql(recs: string): string {
  return `SELECT rec, line FROM (
      SELECT rec, kind, rec + 2 + coalesce(max(delta) OVER (ORDER BY rec, kind ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), 0) AS line
      FROM (SELECT rec, 0 AS kind, delta FROM ${BREAKPOINTS} UNION ALL SELECT rec, 1 AS kind, CAST(NULL AS BIGINT) FROM (${recs}) AS r) AS u) AS l
    WHERE kind = 1`;
}

/** Rejects with physical lines, into the store's import log. */
export function storeRejectsSql(d: Dialect): string {
  const wanted = `SELECT rec FROM ${REJ} WHERE rec IS NOT NULL UNION SELECT ref_rec FROM ${REJ} WHERE ref_rec IS NOT NULL`;
  return `INSERT INTO import_rejects (run_id, file, line, "column", value, reason, row_bytes, row_sha256)
    WITH found AS (${linesSql(wanted)})
    SELECT CAST($1 AS ${d.text}), CAST($2 AS ${d.text}), pline, "column", value, reason || coalesce(' (first seen at line ' || CAST(ref_line AS ${d.text}) || ')', ''), row_bytes, row_sha256
    FROM (
      SELECT r."column", r.value, r.reason, r.row_bytes, r.row_sha256, coalesce(r.line, l.line) AS pline, l2.line AS ref_line
      FROM ${REJ} r LEFT JOIN found l ON l.rec = r.rec LEFT JOIN found l2 ON l2.rec = r.ref_rec) AS j
    ORDER BY pline, "column"`;
}

export function rejectCountSql(): string {
  return `SELECT count(DISTINCT rec) + count(*) FILTER (WHERE rec IS NULL) AS n FROM ${REJ}`;
}

/** The import's temporary tables besides the staged file (store.unstageFile drops that). */
export function dropTempSql(): string[] {
  return [REJ, SUSPECTS, SCANNED, BREAKPOINTS, REPEATS, CLASSIFIED, 'imp_dups'].map((t) => `DROP TABLE IF EXISTS ${t}`);
}
