import type { ColumnSpec, FileSpec } from '../../contract/spec.ts';
import { CONTROL_ARM, LEXICAL } from '../../contract/spec.ts';
import { LEXICAL_REASON, MONEY_PATTERN, REASONS, lexicalOf, reason } from '../../contract/rules.ts';
import { DUCKDB_DIALECT, quoteIdent as q } from '../../store/schema.ts';
import { numberTextSql, WIDE_EXTRA_TABLES, type StoredExtra, type WideExtraTable } from '../../store/wide-extras.ts';
import { isPersonalColumn } from './personal.ts';

/**
 * Every SQL statement of the bulk importer, generated from the contract spec. This module is
 * DuckDB-flavoured (TRY_CAST, regexp_full_match, ASOF JOIN); a PostgreSQL adapter
 * would get a sibling rendering of the same plan.
 *
 * Plan per file (all in one transaction):
 *   stage      file -> T (typed columns, _ok = cheap checks passed, _raw = text of failing rows)
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

const type = (col: ColumnSpec) => DUCKDB_DIALECT.types[col.kind];

/** Typed value of a raw (blank-as-NULL) text expression; NULL when it does not convert. */
export function typedExpr(col: ColumnSpec, r: string, opts: SqlOptions): string {
  switch (col.kind) {
    case 'string':
    case 'enum':
      return r;
    case 'month':
      return `TRY_CAST(${r} || '-01' AS DATE)`;
    case 'timestamp':
      return timestampExpr(r, opts.timezone);
    case 'boolean':
      return `CASE ${r} WHEN 'true' THEN true WHEN 'false' THEN false END`;
    default:
      return `TRY_CAST(${r} AS ${type(col)})`;
  }
}

/**
 * Timestamp text to operator local time. The engine's cast rolls over 24:00 or :60 and cannot
 * parse an offset after HH:MM, so the local part is cast alone, must print back unchanged, and
 * the offset is applied by hand: local - offset = UTC, then UTC into the operator's zone.
 */
function timestampExpr(r: string, timezone: string): string {
  const zulu = `${r} LIKE '%Z'`;
  const offset = `substr(${r}, -6, 1) IN ('+', '-')`;
  const local = `(CASE WHEN ${zulu} THEN substr(${r}, 1, length(${r}) - 1) WHEN ${offset} THEN substr(${r}, 1, length(${r}) - 6) ELSE ${r} END)`;
  const lt = `TRY_CAST(${local} AS TIMESTAMP)`;
  const roundTrip = `strftime(${lt}, '%Y-%m-%d %H:%M') = replace(substr(${local}, 1, 16), 'T', ' ') AND (length(${local}) < 19 OR strftime(${lt}, '%S') = substr(${local}, 18, 2))`;
  const minutes = `(CASE substr(${r}, -6, 1) WHEN '-' THEN -1 ELSE 1 END) * (TRY_CAST(substr(${r}, -5, 2) AS INTEGER) * 60 + TRY_CAST(substr(${r}, -2, 2) AS INTEGER))`;
  return `CASE WHEN NOT (${roundTrip}) THEN NULL
    WHEN ${zulu} THEN timezone(${lit(timezone)}, timezone('UTC', ${lt}))
    WHEN ${offset} THEN timezone(${lit(timezone)}, timezone('UTC', ${lt} - to_minutes(${minutes})))
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
 * typed columns under their contract names, `_ok` and `_len` (decoded bytes, cross-checked
 * against the scanner). The text of rows failing the cheap checks is read again only if there
 * are any (suspectsSql). Measured: staging every typed column once and merging from it costs
 * less CPU than staging only the checked columns and reading the file again for the merge.
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
  return (source) =>
    `SELECT ${out}, _ok, _len FROM (
       SELECT *, ${ok} AS _ok FROM (
         SELECT *, ${typed}, ${len} AS _len FROM (SELECT ${raws} FROM ${source})))`;
}

/** The full validator for one column: the first broken rule as `code: explanation`, else NULL. */
export function columnReasonExpr(col: ColumnSpec, r: string, opts: SqlOptions): string {
  const typed = typedExpr(col, r, opts);
  const arms: string[] = [`WHEN ${r} IS NULL THEN ${col.required ? lit(REASONS.missing(col)) : 'NULL'}`];
  const lex = lexicalOf(col);
  if (lex) arms.push(`WHEN NOT regexp_full_match(${r}, ${lit(LEXICAL[lex])}) THEN ${lit(LEXICAL_REASON[lex])}`);
  if (col.kind === 'money') arms.push(`WHEN NOT regexp_full_match(${r}, ${lit(MONEY_PATTERN)}) THEN ${lit(REASONS.moneyScale)}`);
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
export function validateRowsSql(layout: Layout, opts: SqlOptions, suspects: string, rejects: string): string {
  const r = (c: string) => `NULLIF(${q(c)}, '')`;
  const reasonOf = new Map(layout.present.map((c) => [c.name, columnReasonExpr(c, r(c.name), opts)]));
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
      `SELECT _rec, ${lit(rule.lesser)}, ${value(rule.lesser)}, CASE WHEN ${reasonOf.get(rule.lesser)} IS NULL AND ${reasonOf.get(rule.greater)} IS NULL AND ${typedExpr(lesser, r(rule.lesser), opts)} > ${typedExpr(greater, r(rule.greater), opts)} THEN ${lit(REASONS.notGreater(rule))} END FROM ${suspects}`,
    );
  }
  return `INSERT INTO ${rejects} (rec, line, "column", value, reason)
    SELECT _rec, NULL, col, value, reason FROM (${parts.join(' UNION ALL ')}) WHERE reason IS NOT NULL`;
}

export function createRejectsSql(): string {
  return `CREATE OR REPLACE TEMP TABLE ${REJ} (rec BIGINT, line BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR, ref_rec BIGINT, row_bytes BIGINT, row_sha256 VARCHAR)`;
}

export function createTextTableSql(table: string, columns: readonly string[]): string {
  return `CREATE OR REPLACE TEMP TABLE ${table} (_rec BIGINT, ${columns.map((c) => `${q(c)} VARCHAR`).join(', ')})`;
}

/** Multi-row INSERT of literal values (small side tables: suspects from the scanner, breakpoints). */
export function insertValuesSql(table: string, rows: readonly (readonly (string | number | null)[])[]): string {
  const v = (x: string | number | null) => (x === null ? 'NULL' : typeof x === 'number' ? String(x) : lit(x));
  return `INSERT INTO ${table} VALUES ${rows.map((row) => `(${row.map(v).join(', ')})`).join(', ')}`;
}

/**
 * Rows that failed the cheap checks, read again as text from `source` (the file the engine
 * staged) and matched by position, plus the scanner's suspects. The decoded length of each row
 * must match the staged one, or the file changed under us.
 */
export function suspectsSql(layout: Layout, source: string): string[] {
  const raws = layout.fileColumns.map((c) => `NULLIF(CAST(${q(c)} AS VARCHAR), '') AS ${q(c)}`).join(', ');
  const len = layout.fileColumns.map((c) => `coalesce(strlen(NULLIF(CAST(${q(c)} AS VARCHAR), '')), 0)`).join(' + ');
  const cols = layout.fileColumns.map((c) => `s.${q(c)}`).join(', ');
  return [
    'SET preserve_insertion_order = true',
    `CREATE OR REPLACE TEMP TABLE ${SUSPECTS} AS SELECT p._rec, ${cols}
     FROM (SELECT ${raws}, ${len} AS _len FROM ${source}) s
     POSITIONAL JOIN (SELECT rowid AS _rec, _ok, _len FROM ${T} ORDER BY rowid) p
     WHERE (CASE WHEN s._len IS DISTINCT FROM p._len THEN error('the file changed while it was imported') END) IS NULL
       AND NOT p._ok`,
  ];
}

export function scannedSuspectsSql(): string {
  return `INSERT INTO ${SUSPECTS} SELECT * FROM ${SCANNED} WHERE _rec NOT IN (SELECT _rec FROM ${SUSPECTS})`;
}

/** Rows failing the cheap checks must all have been explained by the full validator. */
export function unexplainedSql(): string {
  return `SELECT count(*) AS n FROM ${T} WHERE NOT _ok AND rowid NOT IN (SELECT rec FROM ${REJ} WHERE rec IS NOT NULL)`;
}

const notRejected = `rowid NOT IN (SELECT rec FROM ${REJ} WHERE rec IS NOT NULL)`;

/** Referential and cross-file checks. */
export function crossRowSql(layout: Layout): string[] {
  const out: string[] = [];
  const ins = `INSERT INTO ${REJ} (rec, line, "column", value, reason)`;
  if (layout.spec.referencesCustomer) {
    out.push(`${ins} SELECT rowid, NULL, 'customer_id', customer_id,
      ${lit(reason('unknown_customer', 'customer_id '))} || customer_id || ' is not in customers'
      FROM ${T} s WHERE _ok AND ${notRejected} AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = s.customer_id)`);
  }
  if (layout.spec.name === 'churn_events') {
    out.push(`${ins} SELECT s.rowid, NULL, 'churn_date', strftime(s.churn_date, '%Y-%m-%d'),
      ${lit(reason('churn_before_join', 'churn_date is before the customer join_date '))} || strftime(c.join_date, '%Y-%m-%d')
      FROM ${T} s JOIN customers c ON c.customer_id = s.customer_id WHERE s._ok AND s.churn_date < c.join_date`);
    out.push(`${ins} SELECT s.rowid, NULL, 'reason_code', s.reason_code,
      ${lit(reason('unknown_reason_code', 'reason_code '))} || s.reason_code || ' is not in reason_codes'
      FROM ${T} s WHERE s._ok AND NOT EXISTS (SELECT 1 FROM reason_codes rc WHERE rc.code = s.reason_code)`);
    out.push(`${ins} SELECT s.rowid, NULL, 'churn_type', s.churn_type,
      ${lit(reason('churn_type_mismatch', 'reason code '))} || rc.code || ' is ' || rc.type
      FROM ${T} s JOIN reason_codes rc ON rc.code = s.reason_code WHERE s._ok AND s.churn_type <> rc.type`);
  }
  if (layout.spec.name === 'campaigns' && layout.present.some((c) => c.name === 'end_date')) {
    out.push(`${ins} SELECT rowid, NULL, 'end_date', strftime(end_date, '%Y-%m-%d'),
      ${lit(reason('end_before_start', 'end_date is before start_date '))} || strftime(start_date, '%Y-%m-%d')
      FROM ${T} s WHERE _ok AND ${notRejected} AND end_date < start_date`);
  }
  if (layout.spec.name === 'campaign_members') out.push(...campaignMemberChecks(ins));
  if (layout.spec.name === 'points_transactions') {
    out.push(`${ins} SELECT rowid, NULL, 'points', CAST(points AS VARCHAR),
      ${lit(reason('out_of_range', 'points must be > 0 for earn and redeem (a redeem subtracts them)'))}
      FROM ${T} s WHERE _ok AND ${notRejected} AND kind IN ('earn', 'redeem') AND points <= 0`);
    out.push(`${ins} SELECT rowid, NULL, 'points', CAST(points AS VARCHAR), ${lit(reason('out_of_range', 'an adjust must not be 0 points'))}
      FROM ${T} s WHERE _ok AND ${notRejected} AND kind = 'adjust' AND points = 0`);
  }
  return out;
}

/** A member belongs to a known campaign, its arm is the control or a known offer, and it was assigned by the start. */
function campaignMemberChecks(ins: string): string[] {
  const ok = `s._ok AND s.rowid NOT IN (SELECT rec FROM ${REJ} WHERE rec IS NOT NULL)`;
  return [
    `${ins} SELECT s.rowid, NULL, 'campaign_id', s.campaign_id,
      ${lit(reason('unknown_campaign', 'campaign_id '))} || s.campaign_id || ' is not in campaigns'
      FROM ${T} s WHERE ${ok} AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.campaign_id = s.campaign_id)`,
    `${ins} SELECT s.rowid, NULL, 'arm', s.arm,
      ${lit(reason('unknown_arm', `arm must be ${CONTROL_ARM} or an offer_id in offers; not found: `))} || s.arm
      FROM ${T} s WHERE ${ok} AND s.arm <> ${lit(CONTROL_ARM)}
        AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.offer_id = s.arm)`,
    `${ins} SELECT s.rowid, NULL, 'assigned_date', strftime(s.assigned_date, '%Y-%m-%d'),
      ${lit(reason('assigned_after_start', "assigned_date is after the campaign's start_date "))} || strftime(c.start_date, '%Y-%m-%d')
      FROM ${T} s JOIN campaigns c ON c.campaign_id = s.campaign_id WHERE ${ok} AND s.assigned_date > c.start_date`,
  ];
}

const keyCols = (layout: Layout) => layout.spec.key;

/** Cheap test for repeated keys: equal keys give equal hashes, so 0 means no duplicates at all. */
export function duplicateHintSql(layout: Layout): string {
  const key = keyCols(layout).map(q).join(', ');
  return `SELECT count(*) - count(DISTINCT hash(${key})) AS n FROM ${T}`;
}

function sameRow(layout: Layout, a: string, b: string): string {
  return layout.present.map((c) => `${a}.${q(c.name)} IS NOT DISTINCT FROM ${b}.${q(c.name)}`).join(' AND ');
}

/** First row of a key wins; later exact repeats are kept aside (accepted, no-op), others rejected. */
export function duplicatesSql(layout: Layout): string[] {
  const key = keyCols(layout);
  const on = key.map((k) => `a.${q(k)} = f.${q(k)}`).join(' AND ');
  const keyText = (k: string) => {
    const col = layout.present.find((c) => c.name === k);
    return col?.kind === 'month' ? `strftime(a.${q(k)}, '%Y-%m')` : `CAST(a.${q(k)} AS VARCHAR)`;
  };
  const cand = `(SELECT rowid AS _rec, * FROM ${T} WHERE ${notRejected})`;
  return [
    `CREATE OR REPLACE TEMP TABLE imp_dups AS
     WITH a AS ${cand},
          f AS (SELECT ${key.map(q).join(', ')}, min(_rec) AS first FROM a GROUP BY ALL HAVING count(*) > 1)
     SELECT a._rec AS rec, ${sameRow(layout, 'a', 'w')} AS same, ${key.map(keyText).join(` || '/' || `)} AS key_value, f.first AS first
     FROM a JOIN f ON ${on} JOIN a AS w ON w._rec = f.first WHERE a._rec <> f.first`,
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
export function extrasAreNumbersSql(layout: Layout): string {
  const cols = layout.extras.map((x, i) => `coalesce(bool_and(${numberTextSql(q(x))}), true) AS n${i}`);
  return `SELECT ${cols.join(', ')} FROM ${T} WHERE ${notRejected}`;
}

/**
 * Expressions for the contract table's columns, from the staged rows. `extras`: the table's x_
 * columns (wide tables), each filled from the file or NULL when the file does not have it.
 */
function targetColumns(layout: Layout, extras: readonly StoredExtra[]): { names: string[]; exprs: string[] } {
  const present = new Set(layout.present.map((c) => c.name));
  const names: string[] = [];
  const exprs: string[] = [];
  for (const col of layout.spec.columns) {
    names.push(q(col.name));
    exprs.push(present.has(col.name) ? q(col.name) : `CAST(NULL AS ${type(col)})`);
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
      const sqlType = x.type === 'number' ? DUCKDB_DIALECT.types.decimal : DUCKDB_DIALECT.types.string;
      names.push(q(x.name));
      // Usage measures are staged as DOUBLE; attributes as text, a number only when every value is one.
      exprs.push(!inFile.has(x.name) ? `CAST(NULL AS ${sqlType})` : layout.spec.extras === 'attributes' ? `CAST(${q(x.name)} AS ${sqlType})` : q(x.name));
    }
  } else if (layout.spec.extras === 'attributes') {
    names.push('x_attributes');
    const pairs = layout.extras.map((x) => `${lit(x)}, ${q(x)}`).join(', ');
    exprs.push(layout.extras.length ? `CAST(json_object(${pairs}) AS VARCHAR)` : 'CAST(NULL AS VARCHAR)');
  }
  return { names, exprs };
}

/** Accepted rows: not rejected, not an exact repeat of an earlier row. */
function acceptedRows(layout: Layout, filtered: boolean, extras: readonly StoredExtra[]): string {
  const { names, exprs } = targetColumns(layout, extras);
  const cols = exprs.map((e, i) => `${e} AS ${names[i]}`);
  const where = filtered ? `WHERE ${notRejected} AND rowid NOT IN (SELECT rec FROM ${REPEATS})` : '';
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
  opts: { targetEmpty: boolean; filtered: boolean; extras?: readonly StoredExtra[] },
): MergePlan {
  const table = layout.spec.name;
  const extras = opts.extras ?? [];
  const { names } = targetColumns(layout, extras);
  const acc = acceptedRows(layout, opts.filtered, extras);
  // Stored row order carries no meaning; not preserving it lets the engine write in parallel.
  const order = ['SET preserve_insertion_order = false'];
  if (opts.targetEmpty) {
    // Nothing stored yet: every accepted row is new, so skip the classification copy.
    return {
      statements: [
        ...order,
        `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM ${acc}`,
        'SET preserve_insertion_order = true',
      ],
      counts: null,
    };
  }
  const key = layout.spec.key;
  const on = key.map((k) => `a.${q(k)} = o.${q(k)}`).join(' AND ');
  const same = names.map((n) => `a.${n} IS NOT DISTINCT FROM o.${n}`).join(' AND ');
  const changedKeys = key.map((k) => `${table}.${q(k)} = c.${q(k)}`).join(' AND ');
  const stmts = [
    ...order,
    `CREATE OR REPLACE TEMP TABLE ${CLASSIFIED} AS
     SELECT a.*, CASE WHEN o.${q(key[0] ?? '')} IS NULL THEN 'i' WHEN ${same} THEN 'u' ELSE 'c' END AS _cls
     FROM ${acc} a LEFT JOIN ${table} o ON ${on}`,
    'SET preserve_insertion_order = true',
    `DELETE FROM ${table} USING ${CLASSIFIED} c WHERE c._cls = 'c' AND ${changedKeys}`,
    'SET preserve_insertion_order = false',
    `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM ${CLASSIFIED} WHERE _cls IN ('i', 'c')`,
    'SET preserve_insertion_order = true',
  ];
  return {
    statements: stmts,
    counts: `SELECT count(*) FILTER (WHERE _cls = 'i') AS inserted, count(*) FILTER (WHERE _cls = 'c') AS updated FROM ${CLASSIFIED}`,
  };
}

/** Rejects with physical lines, into the store's import log. */
export function storeRejectsSql(): string {
  return `INSERT INTO import_rejects (run_id, file, line, "column", value, reason, row_bytes, row_sha256)
    SELECT $1, $2, pline, "column", value, reason || coalesce(' (first seen at line ' || CAST(ref_line AS VARCHAR) || ')', ''), row_bytes, row_sha256
    FROM (
      SELECT r."column", r.value, r.reason, r.row_bytes, r.row_sha256, coalesce(r.line, r.rec + 2 + coalesce(b.delta, 0)) AS pline,
             CASE WHEN r.ref_rec IS NOT NULL THEN r.ref_rec + 2 + coalesce(b2.delta, 0) END AS ref_line
      FROM ${REJ} r ASOF LEFT JOIN ${BREAKPOINTS} b ON r.rec >= b.rec ASOF LEFT JOIN ${BREAKPOINTS} b2 ON r.ref_rec >= b2.rec)
    ORDER BY pline, "column"`;
}

export function rejectCountSql(): string {
  return `SELECT count(DISTINCT rec) + count(*) FILTER (WHERE rec IS NULL) AS n FROM ${REJ}`;
}

export function dropTempSql(): string[] {
  return [T, REJ, SUSPECTS, SCANNED, BREAKPOINTS, REPEATS, CLASSIFIED, 'imp_dups'].map((t) => `DROP TABLE IF EXISTS ${t}`);
}
