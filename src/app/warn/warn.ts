/**
 * `tenure warn`: the early-warning list. The customers of a scoring run ranked by expected loss =
 * churn probability × max(0, value at stake) (expected-loss.ts; the value is the value module's
 * value at stake), with their lifecycle stage, value-matrix quadrant and tier, province, top
 * reasons and what changed since the previous scoring run.
 *
 * A list reads what the scoring run kept of each customer (churn_score_context: figures, stage,
 * quadrant, tier and risk decile as of the scored month; score-context.ts), so it is one scan of
 * a narrow table, whatever was imported since. It is ranked into the session's temporary table
 * WARN_TABLE and outputs page through it. A saved list (`--save`) copies that table into
 * warning_list_members: dated, frozen, and targeted later by its id
 * (`tenure campaign design --target WL3`).
 *
 * Definitions:
 * - the scoring run as of M: the latest run (by scored_at) stored for M; the previous run: the
 *   latest run of the latest scored month before M;
 * - ranking: expected loss, then churn probability (both descending), then customer id;
 * - filters read each run as of its own month (its kept stage, quadrant, tier and figures), the
 *   segment as `tenure segments` counts it in the list's month, the region as the run kept it;
 * - change: `new` when the customer was not on the previous run's list (the same filters and
 *   --top applied to that run), else `risen` / `fell` when the risk decile went up / down, else
 *   `unchanged`. Null when there is no previous run.
 */
import type { Stage } from '../../domain/lifecycle/stages.ts';
import type { MonthText } from '../../domain/month.ts';
import type { SegmentDefinition } from '../../domain/segments/definitions.ts';
import { compileCondition } from '../../domain/segments/compile.ts';
import type { Quadrant } from '../../domain/value/matrix.ts';
import type { Tier } from '../../domain/value/tiers.ts';
import { requireWritable } from '../../store/access.ts';
import type { AnalyticsStore, SqlValue } from '../../store/port.ts';
import type { Dialect } from '../../store/dialect.ts';
import { scoreContextOf } from '../churn-model/score-context.ts';
import { dataSpan, resolveMonth } from '../data-span.ts';
import { TenureError } from '../errors.ts';
import { keepSegmentMembers } from '../segments/segments.ts';
import { previousScoringRun, scoringRun, type ScoringRun } from './scoring-run.ts';

export const WARN_TABLE = 'warn_list';
const BEFORE_TABLE = 'warn_before';

export const CHANGES = ['new', 'risen', 'unchanged', 'fell'] as const;
export type Change = (typeof CHANGES)[number];

export const WARN_DEFINITION =
  "expected_loss = churn_probability × max(0, customer_value), customer_value = value at stake (tenure value's current value) as of the scoring month, as the scoring run kept it; ranked by expected_loss, then churn_probability, then customer_id; risk_decile 1 (safest) … 10 of the scoring run's probabilities; change: new = not on the previous scoring run's list (the same filters and --top on that run, as of its month), risen / fell = risk decile up / down since that run, unchanged = same decile";

export interface WarnFilters {
  /** churn_probability ≥ this. */
  readonly minProbability?: number;
  /** customer_value ≥ this (money). */
  readonly minValue?: number;
  readonly stages?: readonly Stage[];
  readonly quadrants?: readonly Quadrant[];
  readonly tiers?: readonly Tier[];
  /** A segment name of `tenure segments` (its presets, or the definitions given). */
  readonly segment?: string;
  /** A region prefix at any level: `甘肃`, `甘肃/酒泉`. */
  readonly region?: string;
  /** Only the first n of the ranking. */
  readonly top?: number;
}

export interface WarnInput extends WarnFilters {
  readonly asOf?: string;
  /** Own segment definitions (`--segments FILE`) instead of the presets, and where they came from. */
  readonly segmentDefinitions?: readonly SegmentDefinition[];
  readonly segmentsSource?: string;
}

export { previousScoringRun, scoringRun, type ScoringRun } from './scoring-run.ts';

/** The filters as kept with a saved list and printed in JSON (absent filters left out). */
export type FilterRecord = Readonly<Record<string, number | string | readonly string[]>>;

export interface WarningList {
  readonly asOf: MonthText;
  readonly scoring: ScoringRun;
  readonly previous: ScoringRun | null;
  readonly filters: FilterRecord;
  /** Customers of the scoring run. */
  readonly scored: number;
  /** Customers passing the filters, before --top. */
  readonly matched: number;
  /** Rows of the list (matched, cut at --top). */
  readonly listed: number;
}

/** One row of a list, as the table or a saved list holds it. */
export interface WarnRow {
  readonly rank: number;
  readonly customer_id: string;
  readonly churn_probability: number;
  readonly customer_value: number;
  readonly expected_loss: number;
  readonly lifecycle_stage: string | null;
  readonly value_quadrant: Quadrant | null;
  readonly value_tier: Tier | null;
  /** The province (the masking policy shows no more of a customer's region). */
  readonly region: string | null;
  readonly top_reasons: readonly string[];
  readonly change: Change | null;
  readonly risk_decile: number | null;
  readonly previous_risk_decile: number | null;
}

/** A TIMESTAMP as the port gives it ('YYYY-MM-DD HH:MM:SS[.ffffff]', either engine) to the second, ISO: 'YYYY-MM-DDTHH:MM:SS'. */
const isoSecond = (ts: string): string => ts.slice(0, 19).replace(' ', 'T');
const isoSecondOrNull = (ts: string | null): string | null => (ts === null ? null : isoSecond(ts));

/** Runs a temporary table's (re)creation from a SELECT with its bound parameters. */
async function createTemp(store: AnalyticsStore, table: string, select: string, params: readonly SqlValue[]): Promise<void> {
  const stmts = store.dialect.createTempTableAs(table, select);
  for (const [i, stmt] of stmts.entries()) await store.run(stmt, i === stmts.length - 1 ? params : []);
}

function filterRecord(input: WarnInput): FilterRecord {
  const out: Record<string, number | string | readonly string[]> = {};
  if (input.minProbability !== undefined) out.min_probability = input.minProbability;
  if (input.minValue !== undefined) out.min_value = input.minValue;
  if (input.stages?.length) out.stage = input.stages;
  if (input.quadrants?.length) out.quadrant = input.quadrants;
  if (input.tiers?.length) out.tier = input.tiers;
  if (input.segment !== undefined) out.segment = input.segment;
  if (input.segment !== undefined && input.segmentsSource !== undefined) out.segments_file = input.segmentsSource;
  if (input.region !== undefined) out.region = input.region;
  if (input.top !== undefined) out.top = input.top;
  return out;
}

/** A filtered scoring run: the SQL after SELECT … (FROM and WHERE) and its parameters. */
interface RunFilter {
  readonly from: string;
  readonly params: (string | number)[];
}

/**
 * The customers of a run that pass the filters, each read as the run kept it (stage, quadrant,
 * tier, figures and region as of its month); the segment's accounts are `segmentTable`'s.
 * Context rows are aliased `c`.
 */
function runFilter(d: Dialect, input: WarnInput, context: string, run: ScoringRun, segmentTable: string | null): RunFilter {
  const params: (string | number)[] = [];
  const bind = (v: string | number): string => {
    params.push(v);
    return `CAST($${params.length} AS ${typeof v === 'number' ? d.double : d.text})`;
  };
  const conds = [`c.model_version = ${bind(run.modelVersion)}`, `c.as_of = CAST(${bind(`${run.asOf}-01`)} AS DATE)`];
  const inList = (values: readonly string[]) => values.map(bind).join(', ');
  if (input.stages?.length) conds.push(`c.lifecycle_stage IN (${inList(input.stages)})`);
  if (input.quadrants?.length) conds.push(`c.value_quadrant IN (${inList(input.quadrants)})`);
  if (input.tiers?.length) conds.push(`c.value_tier IN (${inList(input.tiers)})`);
  if (input.minProbability !== undefined) conds.push(`c.churn_probability >= ${bind(input.minProbability)}`);
  if (input.minValue !== undefined) conds.push(`c.customer_value >= ${bind(input.minValue)}`);
  if (segmentTable !== null) conds.push(`c.customer_id IN (SELECT customer_id FROM ${segmentTable})`);
  // The contract's region path, matched by the segments' prefix rule (the level itself or below it).
  if (input.region !== undefined) conds.push(compileCondition({ field: 'region', prefix: input.region }, params, 'c'));
  return { from: `FROM ${context} c WHERE ${conds.join(' AND ')}`, params };
}

const RANKING = 'c.expected_loss DESC, c.churn_probability DESC, c.customer_id';

/**
 * Lists the scoring run as of the month into WARN_TABLE (replaced), filtered and ranked. It reads
 * the run's kept context (one narrow scan; score-context.ts), and the previous run's for the
 * changes; a run scored before the context was kept has it derived on the spot.
 */
export async function buildWarningList(store: AnalyticsStore, input: WarnInput = {}): Promise<WarningList> {
  const span = await dataSpan(store);
  const asOf = resolveMonth('--as-of', input.asOf, span);
  const scoring = await scoringRun(store, asOf);
  if (scoring === null) {
    const latest = await previousScoringRun(store, null);
    throw new TenureError(
      'NO_DATA',
      `no scoring as of ${asOf} in the store; run \`tenure score --as-of ${asOf}\` first` +
        (latest ? ` (the latest scoring is as of ${latest.asOf}: \`tenure warn --as-of ${latest.asOf}\` lists it)` : ''),
    );
  }
  const previous = await previousScoringRun(store, asOf);
  let segmentTable: string | null = null;
  if (input.segment !== undefined) {
    segmentTable = 'warn_segment';
    await keepSegmentMembers(store, { month: asOf, name: input.segment, ...(input.segmentDefinitions ? { definitions: input.segmentDefinitions } : {}) }, segmentTable);
  }
  const now = runFilter(store.dialect, input, await scoreContextOf(store, scoring, 'warn_context_now'), scoring, segmentTable);
  const limit = input.top !== undefined ? ` LIMIT ${Math.trunc(input.top)}` : '';
  try {
    const [counts] = await store.query<{ matched: number; scored: number }>(
      `SELECT (SELECT count(*) ${now.from}) AS matched,
              (SELECT count(*) FROM churn_scores WHERE model_version = CAST($${now.params.length + 1} AS VARCHAR) AND as_of = CAST($${now.params.length + 2} AS DATE)) AS scored`,
      [...now.params, scoring.modelVersion, `${asOf}-01`],
    );
    // The list as the previous run gave it: the same filters and --top on its own figures.
    const params: SqlValue[] = [...now.params];
    let previousJoins = '';
    let newWhen = '';
    if (previous !== null) {
      const previousContext = await scoreContextOf(store, previous, 'warn_context_before');
      // The segment as of this month: its accounts a month before would cost a second pass over the base.
      // Without a filter or a cut, the previous list is everyone that run scored.
      const cut = Object.keys(filterRecord(input)).length > 0;
      if (cut) {
        const before = runFilter(store.dialect, input, previousContext, previous, segmentTable);
        await createTemp(store, BEFORE_TABLE, `SELECT c.customer_id ${before.from}${limit ? ` ORDER BY ${RANKING}${limit}` : ''}`, before.params);
      }
      params.push(previous.modelVersion, `${previous.asOf}-01`);
      previousJoins = `
       LEFT JOIN (SELECT customer_id, risk_decile FROM ${previousContext} WHERE model_version = CAST($${params.length - 1} AS VARCHAR) AND as_of = CAST($${params.length} AS DATE)) AS p
              ON p.customer_id = c.customer_id
       ${cut ? `LEFT JOIN ${BEFORE_TABLE} bf ON bf.customer_id = c.customer_id` : ''}`;
      newWhen = cut ? 'bf.customer_id IS NULL' : 'p.customer_id IS NULL';
    }
    // One pass: the top n by a heap (no sort of the whole run), ranked, with the change since the
    // previous run; the province only (the masking policy shows no more of the region).
    await createTemp(
      store,
      WARN_TABLE,
      `SELECT row_number() OVER (ORDER BY ${RANKING}) AS rank, c.customer_id, c.churn_probability, c.customer_value, c.expected_loss,
              c.lifecycle_stage, c.value_quadrant, c.value_tier, c.province AS region, c.top_reasons,
              ${
                previous === null
                  ? `CAST(NULL AS ${store.dialect.text}) AS change, c.risk_decile, CAST(NULL AS INTEGER) AS previous_risk_decile`
                  : `CASE WHEN ${newWhen} THEN 'new' WHEN c.risk_decile > p.risk_decile THEN 'risen'
                          WHEN c.risk_decile < p.risk_decile THEN 'fell' ELSE 'unchanged' END AS change,
                     c.risk_decile, p.risk_decile AS previous_risk_decile`
              }
       FROM (SELECT c.customer_id, c.churn_probability, c.customer_value, c.expected_loss, c.lifecycle_stage, c.value_quadrant, c.value_tier,
                    c.province, c.top_reasons, c.risk_decile
             ${now.from}${limit ? ` ORDER BY ${RANKING}${limit}` : ''}) AS c${previousJoins}`,
      params,
    );
    const matched = Number(counts?.matched ?? 0);
    return {
      asOf,
      scoring,
      previous,
      filters: filterRecord(input),
      scored: Number(counts?.scored ?? 0),
      matched,
      listed: Math.min(matched, input.top ?? Infinity),
    };
  } finally {
    for (const t of [BEFORE_TABLE, 'warn_context_now', 'warn_context_before', 'warn_segment']) await store.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

/** Where rows are read from: the list just built, or a saved list. */
export type ListSource = { readonly kind: 'built' } | { readonly kind: 'saved'; readonly listId: string };

const ROW_COLUMNS = 'rank, customer_id, churn_probability, customer_value, expected_loss, lifecycle_stage, value_quadrant, value_tier, region, top_reasons, change, risk_decile, previous_risk_decile';

function sourceSql(source: ListSource, params: SqlValue[]): string {
  if (source.kind === 'built') return WARN_TABLE;
  params.push(source.listId);
  return `(SELECT * FROM warning_list_members WHERE list_id = $${params.length}) AS m`;
}

function reasonsOf(text: SqlValue | undefined): string[] {
  if (typeof text !== 'string' || text === '') return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}


/** Rows of a list in rank order, `limit` of them after the first `offset` (pages keep a million-row list out of memory). */
export async function warningRows(store: AnalyticsStore, source: ListSource, offset: number, limit: number): Promise<WarnRow[]> {
  const params: SqlValue[] = [];
  const from = sourceSql(source, params);
  params.push(offset, offset + limit);
  // Columns rather than row objects: a page of 20,000 rows comes back several times faster.
  const set = await store.queryColumns(
    `SELECT ${ROW_COLUMNS} FROM ${from} WHERE rank > $${params.length - 1} AND rank <= $${params.length} ORDER BY rank`,
    params,
  );
  const num = (name: string) => set.columns[name] as Float64Array;
  const text = (name: string) => set.columns[name] as readonly (string | null)[];
  const [rank, p, value, loss, decile, previousDecile] = ['rank', 'churn_probability', 'customer_value', 'expected_loss', 'risk_decile', 'previous_risk_decile'].map(num) as Float64Array[];
  const [id, stage, quadrant, tier, region, reasons, change] = ['customer_id', 'lifecycle_stage', 'value_quadrant', 'value_tier', 'region', 'top_reasons', 'change'].map(text) as (readonly (string | null)[])[];
  const orNull = (x: number) => (Number.isNaN(x) ? null : x);
  const rows: WarnRow[] = new Array(set.rowCount);
  for (let i = 0; i < set.rowCount; i++) {
    rows[i] = {
      rank: rank![i] as number,
      customer_id: String(id![i]),
      churn_probability: p![i] as number,
      customer_value: value![i] as number,
      expected_loss: loss![i] as number,
      lifecycle_stage: stage![i] ?? null,
      value_quadrant: (quadrant![i] ?? null) as Quadrant | null,
      value_tier: (tier![i] ?? null) as Tier | null,
      region: region![i] ?? null,
      top_reasons: reasonsOf(reasons![i]),
      change: (change![i] ?? null) as Change | null,
      risk_decile: orNull(decile![i] as number),
      previous_risk_decile: orNull(previousDecile![i] as number),
    };
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Saved lists: dated, frozen, targeted by id.

export interface SavedList {
  readonly listId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly asOf: MonthText;
  readonly filters: FilterRecord;
  readonly scoring: ScoringRun;
  readonly previous: ScoringRun | null;
  /** The list's counts when it was saved (members = its rows). */
  readonly scored: number;
  readonly matched: number;
  readonly members: number;
}

const NAME_RE = /^[\p{L}\p{N}_.:+ -]{1,60}$/u;
const LIST_ID_RE = /^WL[0-9]{1,12}$/;

/** Whether a text could be a saved list's id (a path never is: ids have no `/` or `.`). */
export const looksLikeListId = (text: string): boolean => LIST_ID_RE.test(text);

/** Keeps the list just built (WARN_TABLE) as a saved list named `name`; returns it. */
export async function saveWarningList(store: AnalyticsStore, list: WarningList, name: string): Promise<SavedList> {
  requireWritable(store, 'saving a warning list');
  if (!NAME_RE.test(name) || name.trim() === '') {
    throw new TenureError('USAGE', `--save: a list name is 1–60 letters, digits, spaces, _ . : + or -, got "${name}"`);
  }
  return store.transaction(async (tx) => {
    const [next] = await tx.query<{ n: number }>(`SELECT CAST(coalesce(max(${store.dialect.tryDouble('substr(list_id, 3)')}), 0) + 1 AS BIGINT) AS n FROM warning_lists WHERE list_id LIKE 'WL%'`);
    const listId = `WL${Number(next?.n ?? 1)}`;
    await tx.run(
      `INSERT INTO warning_lists (list_id, name, created_at, as_of, filters, model_version, scored_at, previous_as_of, previous_model_version, previous_scored_at, scored, matched, members)
       VALUES ($1, $2, current_timestamp, CAST($3 AS DATE), $4, $5, CAST($6 AS TIMESTAMP), CAST($7 AS DATE), $8, CAST($9 AS TIMESTAMP), $10, $11, $12)`,
      [
        listId,
        name,
        `${list.asOf}-01`,
        JSON.stringify(list.filters),
        list.scoring.modelVersion,
        list.scoring.scoredAt,
        list.previous ? `${list.previous.asOf}-01` : null,
        list.previous?.modelVersion ?? null,
        list.previous?.scoredAt ?? null,
        list.scored,
        list.matched,
        list.listed,
      ],
    );
    await tx.run(
      `INSERT INTO warning_list_members
       SELECT CAST($1 AS VARCHAR), rank, customer_id, churn_probability, CAST(customer_value AS DECIMAL(18,2)), CAST(expected_loss AS DECIMAL(18,2)),
              lifecycle_stage, value_quadrant, value_tier, region, top_reasons, change, risk_decile, previous_risk_decile
       FROM ${WARN_TABLE}`,
      [listId],
    );
    const saved = await savedListsWhere(store.dialect, tx, 'WHERE list_id = $1', [listId]);
    return saved[0] as SavedList;
  });
}

async function savedListsWhere(d: Dialect, store: Pick<AnalyticsStore, 'query'>, where: string, params: SqlValue[]): Promise<SavedList[]> {
  const rows = await store.query<{
    list_id: string; name: string; created_at: string; as_of: string; filters: string; model_version: string; scored_at: string;
    previous_as_of: string | null; previous_model_version: string | null; previous_scored_at: string | null; scored: number; matched: number; members: number;
  }>(
    `SELECT list_id, name, created_at, ${d.formatMonth('as_of')} AS as_of, filters, model_version,
            scored_at, ${d.formatMonth('previous_as_of')} AS previous_as_of, previous_model_version,
            previous_scored_at, scored, matched, members
     FROM warning_lists ${where} ORDER BY created_at, ${d.tryDouble('substr(list_id, 3)')}, list_id`,
    params,
  );
  return rows.map((r) => ({
    listId: r.list_id,
    name: r.name,
    createdAt: isoSecond(String(r.created_at)),
    asOf: r.as_of,
    filters: JSON.parse(r.filters) as FilterRecord,
    scoring: { asOf: r.as_of, modelVersion: r.model_version, scoredAt: isoSecond(String(r.scored_at)) },
    previous: r.previous_as_of === null ? null : { asOf: r.previous_as_of, modelVersion: r.previous_model_version ?? '', scoredAt: isoSecondOrNull(r.previous_scored_at) ?? '' },
    scored: Number(r.scored),
    matched: Number(r.matched),
    members: Number(r.members),
  }));
}

export async function savedLists(store: AnalyticsStore): Promise<SavedList[]> {
  return savedListsWhere(store.dialect, store, '', []);
}

/** A saved list by id, or null. */
export async function findSavedList(store: AnalyticsStore, listId: string): Promise<SavedList | null> {
  return (await savedListsWhere(store.dialect, store, 'WHERE list_id = $1', [listId]))[0] ?? null;
}

/** Saved lists with this name (names may repeat: each month's list may keep its name). */
export async function savedListsNamed(store: AnalyticsStore, name: string): Promise<SavedList[]> {
  return savedListsWhere(store.dialect, store, 'WHERE name = $1', [name]);
}

/** `; lists named so have the ids WL2, WL5` when the text is a list's name rather than its id. */
export async function namedListsHint(store: AnalyticsStore, text: string): Promise<string> {
  const named = await savedListsNamed(store, text);
  return named.length ? `; saved lists named "${text}" have the ids ${named.map((l) => l.listId).join(', ')}` : '';
}

/** A saved list by id; an unknown id is a usage error saying where the ids are listed. */
export async function savedList(store: AnalyticsStore, listId: string): Promise<SavedList> {
  const found = await findSavedList(store, listId);
  if (found) return found;
  throw new TenureError('USAGE', `no saved warning list with id "${listId}"${await namedListsHint(store, listId)}; \`tenure warn lists\` shows the saved lists`);
}

/** The customer ids of a saved list, in rank order. */
export async function savedListMembers(store: AnalyticsStore, listId: string): Promise<string[]> {
  const rows = await store.query<{ customer_id: string }>('SELECT customer_id FROM warning_list_members WHERE list_id = $1 ORDER BY rank', [listId]);
  return rows.map((r) => r.customer_id);
}

// ---------------------------------------------------------------------------------------------
// Parquet export for the contact centre.

/**
 * Writes a list as Parquet into the session's scratch folder (the only place the engine may
 * write) and returns the file's path; the caller moves it to its destination through the safe
 * writer. Columns as the CSV: money as DECIMAL(18,2), reasons as a list of text, the quadrant's
 * recommended play in the words given per quadrant. The store hands the rows over as text and
 * DuckDB writes the file on every engine (store.writeParquet), so both engines write the same file.
 */
export async function writeListParquet(store: AnalyticsStore, source: ListSource, plays: Readonly<Record<Quadrant, string>>): Promise<string> {
  const quadrants = Object.keys(plays) as Quadrant[];
  if (source.kind === 'saved' && !looksLikeListId(source.listId)) throw new TenureError('USAGE', `not a list id: ${source.listId}`);
  await store.stageColumns('warn_plays', { rowCount: quadrants.length, names: ['quadrant', 'play'], columns: { quadrant: quadrants, play: quadrants.map((q) => plays[q]) } });
  // The file's SELECT takes no bound parameters: the list id is checked above to be WL and digits.
  const from = source.kind === 'built' ? WARN_TABLE : `(SELECT * FROM warning_list_members WHERE list_id = '${source.listId}')`;
  try {
    return await store.writeParquet({
      select: `SELECT l.rank, l.customer_id, l.churn_probability, l.customer_value, l.expected_loss, l.lifecycle_stage, l.value_quadrant, l.value_tier,
                      l.region, l.top_reasons, p.play AS recommended_play, l.change
               FROM ${from} l LEFT JOIN warn_plays p ON p.quadrant = l.value_quadrant`,
      columns: ['rank', 'customer_id', 'churn_probability', 'customer_value', 'expected_loss', 'lifecycle_stage', 'value_quadrant', 'value_tier', 'region', 'top_reasons', 'recommended_play', 'change'],
      // DuckDB's SQL (the file writer's), over the rows as text.
      shape: (rows) => `SELECT customer_id, round(CAST(churn_probability AS DOUBLE), 6) AS churn_probability, CAST(customer_value AS DECIMAL(18,2)) AS customer_value,
                CAST(expected_loss AS DECIMAL(18,2)) AS expected_loss, lifecycle_stage, value_quadrant, value_tier, region,
                CAST(coalesce(from_json(top_reasons, '["VARCHAR"]'), []) AS VARCHAR[]) AS top_reasons, recommended_play, change
         FROM ${rows} ORDER BY CAST(rank AS BIGINT)`,
    });
  } finally {
    await store.run('DROP TABLE IF EXISTS warn_plays');
  }
}
