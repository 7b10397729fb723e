/**
 * `tenure segments`: size, ARPU, churn rate and trend per segment and month, every segment
 * evaluated in the store in one pass over the months.
 *
 * Per month m the base is the contract's opening(m): accounts joined before m's first day and
 * not churned before it, the base of the churn reports' churn rate (issue 19.6: segments had
 * used the pre-churn count, opening + gross adds, so "all" disagreed with churn-totals).
 * Conditions read the customer, m's bill, the subscription categories held at any time in m,
 * the value tier at the start of m and (when a condition asks for it) the lifecycle stage of m.
 * size = opening accounts in the segment; arpu = their revenue billed in m / size;
 * churned = accounts of the segment whose churn_date falls in m, joiners of m included, as the
 * contract counts voluntary + involuntary; churn_rate = churned / size, so the "all" row is
 * exactly churn-totals' churn_rate.
 *
 * The query returns one row per month and combination of segments (membership masks), with the
 * count, revenue in millionths and churned count; segmentTotals adds them up per segment. On the
 * 1M × 24 demo (three months, the presets) this and reading only the inputs the conditions use
 * took the query from 1.66–1.96 s to 1.26–1.32 s in the same run, with identical reports.
 */
import { compileCondition } from '../../domain/segments/compile.ts';
import {
  CATEGORIES,
  categoriesOf,
  extraFieldProblems,
  isExtraSegmentField,
  fieldsOf,
  OTHER_SEGMENT,
  otherOf,
    presetsFor,
  SEGMENT_PROFILES,
  VALUE_TIER_PRESETS,
  type ExtraSegmentField,
  type SegmentDefinition,
  type SegmentField,
  type SegmentProfile,
} from '../../domain/segments/definitions.ts';
import { defaultLifecycleRules } from '../../domain/lifecycle/rules.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { tierCaseSql, tierCutsSql, valuesAtStakeSql } from '../value/value-snapshot.ts';
import { addMonths, formatMonth, monthRange, parseMonth, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { quoteIdent } from '../../store/schema.ts';
import { storedExtras } from '../../store/wide-extras.ts';
import { TenureError } from '../errors.ts';
import { dataSpan, resolveMonth, spanText } from '../data-span.ts';
import { dateLiteral, MONEY_UNITS, moneyUnitsSql, monthIndexSql, stagedSql } from '../lifecycle/stages-sql.ts';
import type { Dialect } from '../../store/dialect.ts';

export const DEFAULT_SEGMENT_MONTHS = 3;

export type SegmentMonthRow = {
  readonly segment: string;
  readonly month: MonthText;
  readonly size: number;
  readonly share: number;
  readonly arpu: number | null;
  readonly churned: number;
  readonly churn_rate: number | null;
};

export type SegmentTrend = {
  readonly segment: string;
  readonly description: string;
  readonly size: number;
  readonly size_change: number;
  readonly arpu: number | null;
  readonly churn_rate: number | null;
  readonly churn_rate_change: number | null;
};

/** What every figure of the report is counted on (issue 19.6: one base, stated). */
export const SEGMENTS_BASE = {
  base: 'opening',
  definition:
    "size = the segment's opening accounts (joined before the month's first day, not churned before it); churn_rate = (voluntary + involuntary exits in the month of the segment's accounts, joiners of the month included) / size, the churn reports' churn_rate; arpu = revenue billed in the month to the segment's opening accounts / size; share = size / the month's opening; presets: an account is in the first preset (in the order listed) whose condition holds, else in other",
} as const;

export interface SegmentsReport {
  /** The field of `--by` (one segment per value), else null. */
  readonly by: string | null;
  readonly from: MonthText;
  readonly to: MonthText;
  readonly base: typeof SEGMENTS_BASE.base;
  readonly definition: string;
  /** Profiles whose presets are shown (detected from the products held, or asked for); null with --segments. */
  readonly profiles: readonly SegmentProfile[] | null;
  /** Groups of segments that partition the base: their sizes add up to the "all" row. */
  readonly partitions: readonly (readonly string[])[];
  readonly definitions: readonly SegmentDefinition[];
  readonly months: SegmentMonthRow[];
  /** Latest month per segment with the change since the first month of the range. */
  readonly trends: SegmentTrend[];
}

export interface SegmentsInput {
  readonly asOf?: string;
  readonly months?: number;
  /** Own definitions (they may overlap; an `other` row is added for the accounts in none). */
  readonly definitions?: readonly SegmentDefinition[];
  /** Preset profiles to show (default: those whose presets have members in the range). */
  readonly profiles?: readonly SegmentProfile[];
  /** One segment per value of this customer field (BY_FIELDS or an x_ attribute), `other` for blanks. */
  readonly by?: string;
}

/** Where an x_ field lives: a customer attribute or a measure of the month's bill. */
export type ExtraSource = 'customers' | 'monthly_usage';

/** Customer fields `--by` splits on, besides the operator's x_ attributes. */
export const BY_FIELDS = ['customer_type', 'province', 'city', 'district', 'gender', 'acquisition_channel'] as const;
/**
 * More values than this and a field is an identifier or free text (x_ attributes are personal by
 * default: an ID number per segment would print them all), not a way to split a base.
 */
export const MAX_BY_VALUES = 50;

interface ExtraField {
  readonly source: ExtraSource | 'both';
  readonly kind: 'number' | 'text';
}

async function extraFields(store: AnalyticsStore): Promise<Map<string, ExtraField>> {
  const out = new Map<string, ExtraField>();
  for (const source of ['customers', 'monthly_usage'] as const) {
    for (const x of await storedExtras(store, source)) {
      const had = out.get(x.name);
      out.set(x.name, { source: had ? 'both' : source, kind: x.type });
    }
  }
  return out;
}

/** `--by FIELD`: a segment per value of a customer field, in value order. */
async function byDefinitions(store: AnalyticsStore, by: string, extras: ReadonlyMap<string, ExtraField>): Promise<SegmentDefinition[]> {
  const extra = isExtraSegmentField(by) ? extras.get(by) : undefined;
  if (!(BY_FIELDS as readonly string[]).includes(by) && extra?.source !== 'customers') {
    const why = extra ? `${by} is a measure of the monthly bills, not an attribute of the customer (a condition on it goes in --segments FILE)` : `${by} is not a field to split on`;
    throw new TenureError('USAGE', `--by: ${why}; --by takes ${BY_FIELDS.join(', ')} or an x_ attribute of customers${[...extras].some(([, x]) => x.source === 'customers') ? ` (here: ${[...extras].filter(([, x]) => x.source === 'customers').map(([n]) => n).join(', ')})` : ''}`);
  }
  const rows = await store.query<{ v: string | number }>(
    `SELECT ${quoteIdent(by)} AS v FROM customers WHERE ${quoteIdent(by)} IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT ${MAX_BY_VALUES + 1}`,
  );
  if (rows.length === 0) throw new TenureError('NO_DATA', `--by ${by}: no customer has a value in it`);
  if (rows.length > MAX_BY_VALUES) {
    throw new TenureError('USAGE', `--by ${by}: more than ${MAX_BY_VALUES} distinct values, so it is an identifier or free text rather than a way to split the base; define segments on it with --segments FILE`);
  }
  return rows.map(({ v }) => ({ name: `${by}=${String(v)}`, description: `${by} = ${String(v)}`, when: { field: by as SegmentField | ExtraSegmentField, op: '=', value: v } }));
}

const USAGE_FIELDS = ['voice_minutes', 'data_mb', 'tv_hours', 'vod_orders', 'on_net_contacts', 'care_calls', 'overdue_days'] as const;

/**
 * The value at stake of every month of the range at the end of the month before, as SQL: rows
 * (k, customer_id, current_value), k the month's index in the range.
 */
export interface MonthTiers {
  readonly valueSql: string;
  /** How many months valueSql values (the range's). */
  readonly months: number;
}

export function segmentsSql(
  d: Dialect,
  months: readonly MonthText[],
  definitions: readonly SegmentDefinition[],
  dataFirst: MonthText,
  hasScores: boolean,
  tiers: MonthTiers | null = null,
  /**
   * The first `partition` definitions form one partition, first match wins, the last of them
   * being `other` (its condition unused): evaluated as one CASE, linear in the presets, where
   * "and in none before it" spelled out per segment grows quadratically.
   */
  partition = 0,
  /** The table of each x_ field the definitions read: a customer attribute or a measure of the month's bill. */
  extraSources: ReadonlyMap<string, ExtraSource> = new Map(),
): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const { ctes, conds, partCase } = segmentInputsSql(d, months, definitions, dataFirst, hasScores, tiers, partition, params, extraSources);
  // Each condition once per row, into membership masks (62 segments per BIGINT); the totals per
  // (month, masks) group are added up per segment afterwards. 3 aggregates instead of 3 per
  // segment, and no condition evaluated three times.
  const masks = maskColumns(conds);
  const sql = `
  WITH ${ctes}
  SELECT f.k${masks.map((m, j) => `, ${m} AS m${j}`).join('')}, count(CASE WHEN f.opening THEN 1 END) AS n,
         sum(CASE WHEN f.opening THEN f.revenue_units END) AS r_units, count(CASE WHEN f.churned_in_month THEN 1 END) AS c
  FROM ${partition > 0 ? `(SELECT f.*, ${partCase} AS part FROM f) AS f` : 'f'} GROUP BY ${[0, ...masks.map((_, j) => j + 1)].map((i) => i + 1).join(', ')}`;
  return { sql, params };
}

/**
 * The accounts of one segment in one month, as the report counts them (the month's accounts on
 * the books, the conditions read as segmentsSql reads them): `SELECT customer_id …`. Bound values
 * are appended to `params`, so the SQL can sit inside a query with parameters of its own.
 */
export function segmentMembersSql(
  d: Dialect,
  month: MonthText,
  definitions: readonly SegmentDefinition[],
  index: number,
  dataFirst: MonthText,
  hasScores: boolean,
  tiers: MonthTiers | null,
  partition: number,
  params: (string | number)[],
  extraSources: ReadonlyMap<string, ExtraSource> = new Map(),
): string {
  const { ctes, conds, partCase } = segmentInputsSql(d, [month], definitions, dataFirst, hasScores, tiers, partition, params, extraSources);
  return `
  WITH ${ctes}
  SELECT DISTINCT f.customer_id
  FROM ${partition > 0 ? `(SELECT f.*, ${partCase} AS part FROM f) AS f` : 'f'}
  WHERE ${conds[index]}`;
}

/**
 * The inputs of every condition per account and month (the relation `f`, as CTEs) and each
 * definition's condition over it; the partition's conditions read `f.part`, given by partCase.
 */
function segmentInputsSql(
  d: Dialect,
  months: readonly MonthText[],
  definitions: readonly SegmentDefinition[],
  dataFirst: MonthText,
  hasScores: boolean,
  tiers: MonthTiers | null,
  partition: number,
  params: (string | number)[],
  /** The table of each x_ field the definitions read: a customer attribute or a measure of the month's bill. */
  extraSources: ReadonlyMap<string, ExtraSource>,
): { ctes: string; conds: string[]; partCase: string } {
  const conds = definitions.map((d, i) => (partition > 0 && i === partition - 1 ? '' : compileCondition(d.when, params, 'f')));
  const partCase =
    partition > 0 ? `CASE ${conds.slice(0, partition - 1).map((c, i) => `WHEN ${c} THEN ${i}`).join(' ')} ELSE ${partition - 1} END` : '';
  for (let i = 0; i < partition; i++) conds[i] = `f.part = ${i}`;
  // Only the inputs some condition reads: the bills are materialized and carried through the
  // join, so every unused column costs (on a million accounts, each one a few percent).
  const used = new Set(definitions.flatMap((d) => [...fieldsOf(d.when)]));
  const usesStage = used.has('stage');
  const usage = USAGE_FIELDS.filter((x) => used.has(x));
  const xUsed = [...used].filter(isExtraSegmentField).sort();
  for (const x of xUsed) if (!extraSources.has(x)) throw new RangeError(`no table for the x_ field ${x}`);
  const xCustomer = xUsed.filter((x) => extraSources.get(x) === 'customers').map((x) => quoteIdent(x));
  const xUsage = xUsed.filter((x) => extraSources.get(x) === 'monthly_usage').map((x) => quoteIdent(x));
  const held = new Set(definitions.flatMap((d) => [...categoriesOf(d.when)]));
  const cats = CATEGORIES.filter((c) => held.has(c));
  const last = months[months.length - 1] as MonthText;
  const values = months.map((m, k) => `(${k}, ${dateLiteral(m)}, ${dateLiteral(addMonths(m, 1))}, ${parseMonth(m)})`).join(', ');
  const holdCols = cats.flatMap((c) => [`min(CASE WHEN category = '${c}' THEN si END) AS s_${c}`, `max(CASE WHEN category = '${c}' THEN ei END) AS e_${c}`]);
  const usesTier = used.has('value_tier');
  if (usesTier && tiers?.months !== months.length) throw new RangeError('value tiers need the value SQL of every month');
  // Tier of each opening account: its value at stake at the end of the month before, cut as
  // tenure value cuts it.
  // The cut values are the type-7 quantiles of the month's values at the cut-offs of tiers.ts
  // (quantile_cont is type 7, as domain/value/quantile.ts); a value above a cut is in the next
  // tier, as tierIndex. The property test checks the counts equal tenure value's.
  const ctes = `
  months AS (SELECT * FROM (VALUES ${values}) AS m(k, month, next_month, mi)),
  -- Month indexes computed once per subscription, not once per category column.
  hold AS (
    SELECT customer_id${holdCols.map((x) => `, ${x}`).join('')}
    FROM (SELECT customer_id, category, ${monthIndexSql('start_date')} AS si, coalesce(${monthIndexSql('end_date')}, 1000000) AS ei
          FROM subscriptions${cats.length ? ` WHERE category IN (${cats.map((c) => `'${c}'`).join(', ')})` : ' WHERE FALSE'}) AS s
    GROUP BY customer_id
  ),
  -- Only the range's bills: the join then probes a few million rows, not the whole history.
  bills AS MATERIALIZED (
    SELECT customer_id, month, revenue${used.has('margin') ? ', cost' : ''}${usage.map((x) => `, ${x}`).join('')}${xUsage.map((x) => `, ${x}`).join('')}
    FROM monthly_usage WHERE month >= ${dateLiteral(months[0] as MonthText)} AND month <= ${dateLiteral(last)}
  ),
  ${
    usesTier
      ? `tier_values AS MATERIALIZED (SELECT k, customer_id, current_value FROM (${tiers?.valueSql ?? ''}) AS v),
  tier_cuts AS (SELECT k, ${tierCutsSql(d, 'current_value')} AS qs FROM tier_values GROUP BY k),
  tiers AS (SELECT tv.k, tv.customer_id, ${tierCaseSql('tv.current_value', 'tc.qs')} AS value_tier FROM tier_values tv JOIN tier_cuts tc ON tc.k = tv.k),`
      : ''
  }
  -- Each account with its churn date once, then one row per month it is on the books.
  accounts AS (
    SELECT c.customer_id, c.join_date, ${monthIndexSql('c.join_date')} AS ji, extract(day FROM c.join_date) AS jd,
           c.customer_type, c.province, c.city, c.district, c.region, c.gender, c.acquisition_channel, e.churn_date
           ${cats.map((c) => `, h.s_${c}, h.e_${c}`).join('')}${xCustomer.map((x) => `, c.${x}`).join('')}
    FROM customers c LEFT JOIN churn_events e ON e.customer_id = c.customer_id
    LEFT JOIN hold h ON h.customer_id = c.customer_id
    WHERE c.join_date < ${dateLiteral(addMonths(last, 1))} AND (e.churn_date IS NULL OR e.churn_date >= ${dateLiteral(months[0] as MonthText)})
  ),
  pop AS (
    SELECT a.customer_id, m.k, m.month, m.mi, a.customer_type, a.province, a.city, a.district, a.region, a.gender, a.acquisition_channel${xCustomer.map((x) => `, a.${x}`).join('')},
           m.mi - a.ji - CASE WHEN extract(day FROM m.next_month - 1) < a.jd THEN 1 ELSE 0 END AS tenure_months,
           (a.churn_date IS NOT NULL AND a.churn_date < m.next_month) AS churned_in_month,
           a.join_date < m.month AS opening
           ${cats.map((c) => `, (a.s_${c} <= m.mi AND a.e_${c} >= m.mi) AS holds_${c}`).join('')}
    FROM accounts a CROSS JOIN months m
    WHERE a.join_date < m.next_month AND (a.churn_date IS NULL OR a.churn_date >= m.month)
  ),
  f AS (
    -- revenue_units: the sums in exact millionths (stages-sql.ts), the same in any row order.
    SELECT p.*, CAST(u.revenue AS DOUBLE PRECISION) AS revenue, ${moneyUnitsSql('u.revenue')} AS revenue_units
           ${used.has('margin') ? ', CAST(u.revenue AS DOUBLE PRECISION) - CAST(coalesce(u.cost, 0) AS DOUBLE PRECISION) AS margin' : ''}
           ${usage.map((x) => `, u.${x}`).join('')}${xUsage.map((x) => `, u.${x}`).join('')}
           ${usesTier ? ', CASE WHEN p.opening THEN t.value_tier END AS value_tier' : ''}
           ${usesStage ? ', st.stage' : ''}
    FROM pop p
    LEFT JOIN bills u ON u.customer_id = p.customer_id AND u.month = p.month
    ${usesTier ? 'LEFT JOIN tiers t ON t.customer_id = p.customer_id AND t.k = p.k' : ''}
    ${usesStage ? `LEFT JOIN (${stagedSql({ rules: defaultLifecycleRules(), months, dataFirst, withScores: hasScores })}) AS st ON st.customer_id = p.customer_id AND st.as_of = p.month` : ''}
  )`;
  return { ctes, conds, partCase };
}

/** Segments per mask column: bits 0..61 of a BIGINT, so a mask stays positive (bit literals written from BigInt: `2 ** 61` prints rounded). */
export const MASK_BITS = 62;

function maskColumns(conds: readonly string[]): string[] {
  const out: string[] = [];
  for (let j = 0; j < conds.length; j += MASK_BITS) {
    const part = conds.slice(j, j + MASK_BITS);
    out.push(part.map((c, b) => `CASE WHEN ${c} THEN CAST(${1n << BigInt(b)} AS BIGINT) ELSE 0 END`).join(' + '));
  }
  return out;
}

/** Month totals (all accounts, then each segment) from the rows of segmentsSql. */
export function segmentTotals(rows: readonly Record<string, unknown>[], months: number, segments: number): { n: number[][]; units: number[][]; c: number[][] } {
  const zero = () => Array.from({ length: segments + 1 }, () => new Array<number>(months).fill(0));
  const n = zero();
  const units = zero();
  const c = zero();
  const masks = Math.ceil(segments / MASK_BITS);
  for (const r of rows) {
    const k = Number(r.k);
    const add = (i: number) => {
      (n[i] as number[])[k] = ((n[i] as number[])[k] ?? 0) + Number(r.n);
      (units[i] as number[])[k] = ((units[i] as number[])[k] ?? 0) + Number(r.r_units ?? 0);
      (c[i] as number[])[k] = ((c[i] as number[])[k] ?? 0) + Number(r.c);
    };
    add(0);
    for (let j = 0; j < masks; j++) {
      let mask = BigInt(r[`m${j}`] as bigint | number);
      for (let b = 0; mask > 0n; b++, mask >>= 1n) if (mask & 1n) add(1 + j * MASK_BITS + b);
    }
  }
  return { n, units, c };
}

const r6 = (x: number) => Number(x.toFixed(6));
const r2 = (x: number) => Number(x.toFixed(2));

/**
 * Each month's base valued as tenure value values it: the value at stake at the end of the
 * month before (value-snapshot.ts valuesAtStakeSql, computed in the query: keeping three full
 * value snapshots made the first call 19× slower), every month in one pass over the bills.
 */
async function monthTiers(store: AnalyticsStore, months: readonly MonthText[]): Promise<MonthTiers> {
  const sbg = await baseSbg(store);
  return { valueSql: valuesAtStakeSql(months.map((m) => addMonths(m, -1)), DEFAULT_VALUE_PARAMETERS, sbg), months: months.length };
}

/**
 * What a report evaluates. Presets: one partition of the base by profile (closed by `other`),
 * then the value tiers. Own definitions may overlap: `other` counts the accounts in none of them.
 */
export function reportDefinitions(own?: readonly SegmentDefinition[], profiles?: readonly SegmentProfile[]): { definitions: SegmentDefinition[]; partition: number } {
  const presets = presetsFor(profiles);
  const definitions: SegmentDefinition[] = own
    ? [...own, otherOf(own)]
    : [...presets.map(({ name, description, when }) => ({ name, description, when })), otherOf(presets), ...VALUE_TIER_PRESETS];
  return { definitions, partition: own ? 0 : presets.length + 1 };
}

/**
 * The own definitions of a report (`--by` or a segments file) checked against the store's x_
 * fields (present, compared with values of their kind), and the table each x_ field comes from.
 */
async function ownDefinitions(
  store: AnalyticsStore,
  input: { readonly by?: string; readonly definitions?: readonly SegmentDefinition[]; readonly profiles?: readonly SegmentProfile[] },
): Promise<{ own: readonly SegmentDefinition[] | undefined; extraSources: Map<string, ExtraSource> }> {
  if (input.by !== undefined && (input.definitions || input.profiles)) throw new TenureError('USAGE', '--by makes its own segments; it does not combine with --segments or --profile');
  const readsExtras = input.by !== undefined || (input.definitions ?? []).some((d) => [...fieldsOf(d.when)].some(isExtraSegmentField));
  const extras = readsExtras ? await extraFields(store) : new Map<string, ExtraField>();
  const own = input.by !== undefined ? await byDefinitions(store, input.by, extras) : input.definitions;
  const kinds = new Map([...extras].map(([name, x]) => [name, x.kind]));
  const problems = [...new Set((own ?? []).flatMap((d) => extraFieldProblems(d.when, kinds)))];
  for (const d of own ?? []) {
    for (const f of fieldsOf(d.when)) if (extras.get(f)?.source === 'both') problems.push(`${f} is both a customer attribute and a usage measure in the store; a condition cannot tell which`);
  }
  if (problems.length > 0) throw new TenureError('USAGE', `segment definitions: ${[...new Set(problems)].join('; ')}`);
  const extraSources = new Map<string, ExtraSource>();
  for (const [name, x] of extras) if (x.source !== 'both') extraSources.set(name, x.source);
  return { own, extraSources };
}

/**
 * Keeps the accounts of segment `name` in month `month` (as `tenure segments` counts them that
 * month, with the presets or the own definitions given) in the temporary table `table`
 * (customer_id); returns their number. An unknown name is a usage error naming the known ones.
 */
export async function keepSegmentMembers(
  store: AnalyticsStore,
  input: { readonly month: MonthText; readonly name: string; readonly definitions?: readonly SegmentDefinition[] },
  table: string,
): Promise<number> {
  const { own, extraSources } = await ownDefinitions(store, { definitions: input.definitions });
  const { definitions, partition } = reportDefinitions(own);
  const index = definitions.findIndex((d) => d.name === input.name);
  if (index < 0) {
    throw new TenureError('USAGE', `--segment: no segment named "${input.name}"${input.definitions ? ' in the segments file' : ''}; the segments are ${definitions.map((d) => d.name).join(', ')}`);
  }
  const span = await dataSpan(store);
  // Only what the segment reads: a preset needs the partition before it (first match wins).
  const inPartition = index < partition;
  const reads = inPartition ? definitions.slice(0, partition) : [definitions[index] as SegmentDefinition];
  const tiers = reads.some((d) => fieldsOf(d.when).has('value_tier')) ? await monthTiers(store, [input.month]) : null;
  const params: (string | number)[] = [];
  const sql = segmentMembersSql(store.dialect, input.month, reads, inPartition ? index : 0, span.first, span.hasScores, tiers, inPartition ? partition : 0, params, extraSources);
  for (const stmt of store.dialect.createTempTableAs(table, sql)) await store.run(stmt, stmt.startsWith('CREATE') ? params : []);
  const [row] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}

export async function segmentReport(store: AnalyticsStore, input: SegmentsInput = {}): Promise<SegmentsReport> {
  const { own, extraSources } = await ownDefinitions(store, input);
  const presets = presetsFor(input.profiles);
  const { definitions, partition } = reportDefinitions(own, input.profiles);
  const span = await dataSpan(store);
  const to = resolveMonth('--as-of', input.asOf, span);
  const count = input.months ?? DEFAULT_SEGMENT_MONTHS;
  if (!(Number.isInteger(count) && count >= 1 && count <= 36)) throw new TenureError('USAGE', `--months must be a whole number from 1 to 36, got ${count}`);
  // Months before the data would be invented: a --months given is checked, the default shortened.
  const start = formatMonth(Math.max(parseMonth(to) - count + 1, input.months === undefined ? parseMonth(span.first) : -Infinity));
  if (parseMonth(start) < parseMonth(span.first)) {
    throw new TenureError('USAGE', `--months ${count} up to ${to} starts ${start}, before the data's first month ${span.first}; the data covers ${spanText(span)}`);
  }
  const months = monthRange(start, to);
  const tiers = definitions.some((d) => fieldsOf(d.when).has('value_tier')) ? await monthTiers(store, months) : null;
  const { sql, params } = segmentsSql(store.dialect, months, definitions, span.first, span.hasScores, tiers, partition, extraSources);
  const rows = await store.query(sql, params);
  const totals = segmentTotals(rows, months.length, definitions.length);
  // Auto profiles: a preset of a profile is shown when its profile has members in the range.
  const sizeOver = (i: number) => (totals.n[i + 1] ?? []).reduce((a, b) => a + b, 0) + (totals.c[i + 1] ?? []).reduce((a, b) => a + b, 0);
  const shownProfiles = own
    ? null
    : input.profiles
      ? SEGMENT_PROFILES.filter((p) => input.profiles?.includes(p))
      : SEGMENT_PROFILES.filter((p) => presets.some((d, i) => d.profile === p && sizeOver(i) > 0));
  const hidden = new Set(own ? [] : presets.filter((d) => d.profile !== 'any' && !shownProfiles?.includes(d.profile as SegmentProfile)).map((d) => d.name));
  const out: SegmentMonthRow[] = [];
  const names = ['all', ...definitions.map((d) => d.name)];
  const shown = (name: string) => !hidden.has(name);
  names.forEach((name, i) => {
    if (!shown(name)) return;
    months.forEach((month, k) => {
      const size = totals.n[i]?.[k] ?? 0;
      const revenue = (totals.units[i]?.[k] ?? 0) / MONEY_UNITS;
      const churned = totals.c[i]?.[k] ?? 0;
      const base = totals.n[0]?.[k] ?? 0;
      out.push({
        segment: name,
        month,
        size,
        share: base > 0 ? r6(size / base) : 0,
        arpu: size > 0 ? r2(revenue / size) : null,
        churned,
        churn_rate: size > 0 ? r6(churned / size) : null,
      });
    });
  });
  const trends: SegmentTrend[] = names.flatMap((name, i): SegmentTrend[] => {
    if (!shown(name)) return [];
    const rowsOf = out.filter((r) => r.segment === name);
    const first = rowsOf[0];
    const latest = rowsOf[rowsOf.length - 1];
    return [{
      segment: name,
      description: i === 0 ? "every opening account (the month's base)" : (definitions[i - 1]?.description ?? ''),
      size: latest?.size ?? 0,
      size_change: (latest?.size ?? 0) - (first?.size ?? 0),
      arpu: latest?.arpu ?? null,
      churn_rate: latest?.churn_rate ?? null,
      churn_rate_change: latest?.churn_rate != null && first?.churn_rate != null ? r6(latest.churn_rate - first.churn_rate) : null,
    }];
  });
  const partitions = own
    ? []
    : [[...presets.filter((d) => shown(d.name)).map((d) => d.name), OTHER_SEGMENT], VALUE_TIER_PRESETS.map((d) => d.name)];
  return { by: input.by ?? null, from: months[0] as MonthText, to, ...SEGMENTS_BASE, profiles: shownProfiles, partitions, definitions: definitions.filter((d) => shown(d.name)), months: out, trends };
}
