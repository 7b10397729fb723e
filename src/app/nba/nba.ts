/**
 * `tenure nba CUSTOMER`: the one next best action for an agent on a live call, and
 * `tenure nba record`: the agent's outcome, fed to campaign results.
 *
 * What is the same for every customer (the data's span, the value snapshot and its medians, the
 * latest scoring run, the offers, the offers an uplift model exists for) is read once into an
 * NbaContext; each call then reads one customer with a handful of point queries, so a server or
 * a loop answers in milliseconds after the first call (bench/nba.ts).
 *
 * The programme is measured as a randomized campaign: every month is an always-on campaign per
 * purpose (`NBA-2026-01-retention`, purpose by the suggested action), assigned on the month's
 * first day by a deterministic hash (domain/nba/decide.ts inNbaHoldout): a 10 % holdout gets
 * "nothing" and is recorded as `control`, everyone else as the arm of the offer the agent
 * recorded. `tenure campaign evaluate NBA-2026-01-retention` compares the two by intention to
 * treat like any campaign. Agents record every call the suggestion was shown on, holdout ones
 * included (outcome not_offered), so both arms enter the same way.
 */
import { consentAllows, dayNumber, dayText, DEFAULT_CONTACT_POLICY, fatigueAllows, recentContacts, type ContactPolicy } from '../../domain/care/contact-policy.ts';
import { anniversaryIn } from '../../domain/care/calendar.ts';
import { localTimestamp, wallClock } from '../../domain/care/local-time.ts';
import { ACTION_PURPOSE, decideNextBestAction, inNbaHoldout, nbaCampaignId, type NbaAction, type NbaDecision, type NbaFacts, type OfferFacts } from '../../domain/nba/decide.ts';
import { quadrantOf } from '../../domain/value/matrix.ts';
import { addMonths, type MonthText } from '../../domain/month.ts';
import { requireWritable } from '../../store/access.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { quoteLiteral } from '../../store/dialect.ts';
import { CONTROL_ARM } from '../../contract/spec.ts';
import { campaignContactsSql, contactsSql, interactionContactsSql } from '../care/contacts.ts';
import { dataSpan } from '../data-span.ts';
import { TenureError } from '../errors.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE } from '../value/value-snapshot.ts';
import { previousScoringRun } from '../warn/scoring-run.ts';
import { latestUpliftModels, loadUpliftIndex, readCustomerUplift, type CustomerUplift, type OfferUpliftModel, type UpliftIndex } from './customer-uplift.ts';

export const NBA_OUTCOMES = ['accepted', 'declined', 'not_offered'] as const;
export type NbaOutcome = (typeof NBA_OUTCOMES)[number];
/** Offers declined this recently are not suggested again. */
export const DECLINED_COOL_OFF_DAYS = 90;
export const NBA_HORIZON_MONTHS = 3;

interface OfferRow {
  offer_id: string;
  name: string;
  kind: string;
  cost: number;
  [k: string]: string | number | null;
}

export interface NbaContext {
  readonly store: AnalyticsStore;
  readonly policy: ContactPolicy;
  readonly timezone: string;
  readonly valueAsOf: MonthText;
  readonly valueKey: string;
  readonly medians: { readonly currentValue: number; readonly potential: number } | null;
  readonly scoring: { readonly asOf: MonthText; readonly modelVersion: string } | null;
  readonly offers: readonly OfferRow[];
  readonly upliftOffers: ReadonlySet<string>;
  /** The latest uplift model of each offer that has one, for the customer's own uplift. */
  readonly upliftModels: readonly OfferUpliftModel[];
  /** Every customer's kept uplift predictions (preload); null: read per call for the one customer. */
  readonly uplift: UpliftIndex | null;
  /** The value snapshot in memory (preload), so a call reads no snapshot row; null: read per call. */
  readonly values: ValueIndex | null;
  /** The customers' imported facts in memory (preload), so a call reads only scores and campaign rows; null: read per call. */
  readonly facts: FactIndex | null;
}

/**
 * What a call needs of the imported data, held in memory by a preloaded context: per customer
 * (an index) the consent, birth and first churn day, the subscriptions (category code, start,
 * end and contract end days) and the outbound interaction days, the last two as slices of flat
 * arrays (offsets per customer). Days are day numbers, NaN for none. A preloaded context answers
 * for the data as it was when it was made, like its value snapshot: make a new one after an import.
 */
interface FactIndex {
  readonly row: ReadonlyMap<string, number>;
  readonly consent: Int8Array;
  readonly birth: Float64Array;
  readonly churn: Float64Array;
  readonly categories: readonly string[];
  readonly subOffsets: Int32Array;
  readonly subCategory: Int32Array;
  readonly subStart: Float64Array;
  readonly subEnd: Float64Array;
  readonly subContract: Float64Array;
  readonly contactOffsets: Int32Array;
  readonly contactDays: Float64Array;
}

const EPOCH = "DATE '1970-01-01'";

/** Groups rows by customer index into flat arrays: the offsets and the order of the rows. */
function slices(customerOf: Int32Array, customers: number): { offsets: Int32Array; order: Int32Array } {
  const offsets = new Int32Array(customers + 1);
  for (const c of customerOf) if (c >= 0) offsets[c + 1] = (offsets[c + 1] as number) + 1;
  for (let i = 0; i < customers; i++) offsets[i + 1] = (offsets[i + 1] as number) + (offsets[i] as number);
  const at = offsets.slice(0, customers);
  const order = new Int32Array(offsets[customers] as number);
  customerOf.forEach((c, i) => {
    if (c >= 0) order[(at[c] = (at[c] as number) + 1) - 1] = i;
  });
  return { offsets, order };
}

async function loadFacts(store: AnalyticsStore): Promise<FactIndex> {
  const d = store.dialect;
  const days = (col: string) => d.daysBetween(EPOCH, col);
  const cs = await store.queryColumns(
    `SELECT c.customer_id, CASE WHEN c.marketing_consent IS NULL THEN 0 WHEN c.marketing_consent THEN 2 ELSE 1 END AS consent, ${days('c.birth_date')} AS birth,
            ${days('(SELECT min(e.churn_date) FROM churn_events e WHERE e.customer_id = c.customer_id)')} AS churn
     FROM customers c`,
  );
  const ids = cs.columns.customer_id as readonly string[];
  const row = new Map<string, number>();
  ids.forEach((id, i) => row.set(id, i));
  const n = cs.rowCount;
  const index = (set: { rowCount: number; columns: Record<string, unknown> }) => Int32Array.from(set.columns.customer_id as readonly string[], (id) => row.get(id) ?? -1);
  const categories = (await store.query<{ category: string }>('SELECT DISTINCT category FROM subscriptions')).map((r) => r.category).sort();
  const subs = await store.queryColumns(
    `SELECT customer_id, CASE category ${categories.map((c, i) => `WHEN ${quoteLiteral(c)} THEN ${i}`).join(' ')} END AS category,
            ${days('start_date')} AS s, ${days('end_date')} AS e, ${days('contract_end_date')} AS k FROM subscriptions`,
  );
  const subSlices = slices(index(subs), n);
  const pick = (set: { columns: Record<string, unknown> }, name: string, order: Int32Array) => {
    const col = set.columns[name] as Float64Array;
    return Float64Array.from(order, (i) => col[i] as number);
  };
  const outbound = await store.queryColumns(`SELECT customer_id, ${days('day')} AS day FROM (${interactionContactsSql(`'1000-01-01'`, `'9999-12-30'`)}) AS k`);
  const contactSlices = slices(index(outbound), n);
  return {
    row,
    consent: Int8Array.from(cs.columns.consent as Float64Array),
    birth: cs.columns.birth as Float64Array,
    churn: cs.columns.churn as Float64Array,
    categories,
    subOffsets: subSlices.offsets,
    subCategory: Int32Array.from(pick(subs, 'category', subSlices.order)),
    subStart: pick(subs, 's', subSlices.order),
    subEnd: pick(subs, 'e', subSlices.order),
    subContract: pick(subs, 'k', subSlices.order),
    contactOffsets: contactSlices.offsets,
    contactDays: pick(outbound, 'day', contactSlices.order),
  };
}

interface ValueIndex {
  readonly row: ReadonlyMap<string, number>;
  readonly currentValue: Float64Array;
  readonly potential: Float64Array;
  readonly upBuy: Float64Array;
  readonly crossBuy: Float64Array;
}

async function loadValues(store: AnalyticsStore, key: string, asOf: MonthText): Promise<ValueIndex> {
  const set = await store.queryColumns(
    `SELECT customer_id, current_value, potential, up_buy, cross_buy FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $1 AND as_of = CAST($2 AS DATE)`,
    [key, `${asOf}-01`],
  );
  const ids = set.columns.customer_id as readonly (string | null)[];
  const row = new Map<string, number>();
  ids.forEach((id, i) => {
    if (id !== null) row.set(id, i);
  });
  const f = (name: string) => set.columns[name] as Float64Array;
  return { row, currentValue: f('current_value'), potential: f('potential'), upBuy: f('up_buy'), crossBuy: f('cross_buy') };
}

/**
 * `preload`: read the month's value snapshot into memory once (about a second at 1M customers),
 * for a long-running caller (a server, a loop) that answers many calls; a one-shot CLI call reads
 * its one row instead.
 */
export async function nbaContext(store: AnalyticsStore, options: { policy?: ContactPolicy; timezone?: string; preload?: boolean } = {}): Promise<NbaContext> {
  const span = await dataSpan(store);
  const { key } = await ensureValueSnapshot(store, span.last, DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
  const d = store.dialect;
  const [m] = await store.query<{ cm: number | null; pm: number | null }>(
    `SELECT ${d.quantileCont('current_value', 0.5)} AS cm, ${d.quantileCont('potential', 0.5)} AS pm FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $1 AND as_of = CAST($2 AS DATE)`,
    [key, `${span.last}-01`],
  );
  const scoring = await previousScoringRun(store, null);
  const offers = await store.query<OfferRow>(
    `SELECT offer_id, name, kind,
            CAST(coalesce(monthly_discount, 0) * coalesce(months, 0) + coalesce(unit_cost, 0) + coalesce(contact_cost, 0) AS ${d.double}) AS cost
     FROM offers ORDER BY offer_id`,
  );
  const upliftModels = await latestUpliftModels(store);
  return {
    store,
    policy: options.policy ?? DEFAULT_CONTACT_POLICY,
    timezone: options.timezone ?? 'Asia/Shanghai',
    valueAsOf: span.last,
    valueKey: key,
    medians: m && m.cm !== null && m.pm !== null ? { currentValue: Number(m.cm), potential: Number(m.pm) } : null,
    scoring,
    offers,
    upliftOffers: new Set(upliftModels.map((u) => u.offerId)),
    upliftModels,
    uplift: options.preload && upliftModels.length > 0 ? await loadUpliftIndex(store, upliftModels) : null,
    values: options.preload ? await loadValues(store, key, span.last) : null,
    facts: options.preload ? await loadFacts(store) : null,
  };
}

export interface NbaResult {
  readonly customerId: string;
  /** The local day the action is for. */
  readonly date: string;
  readonly decision: NbaDecision;
  /** What the customer would get outside the holdout (the campaign's purpose comes from it). */
  readonly wouldBe: NbaAction;
  readonly holdout: boolean;
  readonly campaignId: string;
  readonly facts: NbaFacts;
}

interface CustomerRow {
  customer_id: string;
  consent: boolean | null;
  birth_date: string | null;
  churn_date: string | null;
  churn_probability: number | null;
  risk_decile: number | null;
  current_value: number | null;
  potential: number | null;
  up_buy: number | null;
  cross_buy: number | null;
  [k: string]: string | number | boolean | null;
}

/** Today's local date in the operator's time zone. */
export const localToday = (timezone: string): string => wallClock(new Date(), timezone).slice(0, 10);

type Part = { part: string; a: string | null; b: string | null; x: number | null; y: number | null; p: boolean | null; q: boolean | null };

/**
 * Everything a call reads about one customer, in one statement (a live call pays one round
 * trip): the customer row (consent, birth day, churn day, the scoring run's probability and risk
 * decile, the value snapshot's row unless the context holds it), the categories held on the day
 * with their next contract end, the offer history and the outbound contacts of the fatigue
 * window. Every part filters on the customer first, so each big table is read in the row groups
 * that can hold the customer only.
 */
async function readCustomer(
  ctx: NbaContext,
  customerId: string,
  date: string,
): Promise<{ row: CustomerRow | undefined; subs: { category: string; contract_end: string | null }[]; history: { arm: string; response: string | null; running: boolean; recent_decline: boolean }[]; contactDays: number[] }> {
  const d = ctx.store.dialect;
  const s = ctx.scoring;
  const id = 'CAST($1 AS VARCHAR)';
  const day = 'CAST($2 AS DATE)';
  const windowStart = dayText(dayNumber(date) - ctx.policy.windowDays + 1);
  // $6 and $7 only when the context does not hold the value snapshot (an engine may refuse an unused parameter).
  const params: (string | null)[] = [customerId, date, s?.modelVersion ?? null, s ? `${s.asOf}-01` : null, windowStart, ...(ctx.values ? [] : [ctx.valueKey, `${ctx.valueAsOf}-01`])];
  const run = 'model_version = CAST($3 AS VARCHAR) AND as_of = CAST($4 AS DATE)';
  const value = (col: string) =>
    ctx.values ? `CAST(NULL AS ${d.double})` : `(SELECT ${col} FROM ${SNAPSHOT_TABLE} WHERE customer_id = ${id} AND snapshot_key = CAST($6 AS VARCHAR) AND as_of = CAST($7 AS DATE))`;
  const none = (type: string) => `CAST(NULL AS ${type})`;
  const B = 'BOOLEAN';
  const historySql = `SELECT 'h' AS part, m.arm AS a, m.response AS b, ${none(d.double)} AS x, ${none(d.double)} AS y,
            m.response = 'accepted' AND coalesce(o.months, 0) > 0 AND ${d.addMonths('coalesce(CAST(m.contacted_ts AS DATE), k.start_date)', 'coalesce(o.months, 0)')} > ${day} AS p,
            m.response = 'declined' AND CAST(m.contacted_ts AS DATE) > ${d.addDays(day, String(-DECLINED_COOL_OFF_DAYS))} AS q
     FROM campaign_members m JOIN campaigns k ON k.campaign_id = m.campaign_id LEFT JOIN offers o ON o.offer_id = m.arm
     WHERE m.customer_id = ${id} AND m.arm <> '${CONTROL_ARM}'`;
  const scoresSql = `(SELECT churn_probability FROM churn_scores WHERE customer_id = ${id} AND ${run} LIMIT 1) AS x,
            CAST((SELECT risk_decile FROM churn_score_context WHERE customer_id = ${id} AND ${run} LIMIT 1) AS ${d.double}) AS y`;
  const f = ctx.facts;
  if (f) return fromFacts(ctx, f, customerId, date, await ctx.store.query<Part>(
    `${historySql}
     UNION ALL
     SELECT 'c', NULL, NULL, ${scoresSql}, NULL, NULL
     UNION ALL
     SELECT 'k', NULL, ${d.formatDate('day')}, NULL, NULL, NULL, NULL FROM (${campaignContactsSql('$5', '$2', `customer_id = ${id}`)}) AS t`,
    params,
  ));
  const rows = await ctx.store.query<Part>(
    `SELECT 'c' AS part, CASE WHEN c.marketing_consent IS NULL THEN NULL WHEN c.marketing_consent THEN 'true' ELSE 'false' END AS a,
            ${d.formatDate('c.birth_date')} AS b, ${scoresSql}, ${none(B)} AS p, ${none(B)} AS q
     FROM customers c WHERE c.customer_id = ${id}
     UNION ALL
     SELECT 'e', NULL, ${d.formatDate('min(churn_date)')}, NULL, NULL, NULL, NULL FROM churn_events WHERE customer_id = ${id}
     UNION ALL
     SELECT 'v', NULL, NULL, ${value('current_value')}, ${value('potential')}, NULL, NULL
     UNION ALL
     SELECT 'w', NULL, NULL, ${value('up_buy')}, ${value('cross_buy')}, NULL, NULL
     UNION ALL
     SELECT 's', category, ${d.formatDate(`min(contract_end_date) FILTER (WHERE contract_end_date >= ${day})`)}, NULL, NULL, NULL, NULL
     FROM subscriptions WHERE customer_id = ${id} AND start_date <= ${day} AND (end_date IS NULL OR end_date > ${day})
     GROUP BY category
     UNION ALL
     ${historySql}
     UNION ALL
     SELECT 'k', NULL, ${d.formatDate('day')}, NULL, NULL, NULL, NULL FROM (${contactsSql('$5', '$2', `customer_id = ${id}`)}) AS t`,
    params,
  );
  const num = (x: number | null) => (x === null ? null : Number(x));
  const c = rows.find((r) => r.part === 'c');
  const v = rows.find((r) => r.part === 'v');
  const w = rows.find((r) => r.part === 'w');
  const row: CustomerRow | undefined = c && {
    customer_id: customerId,
    consent: c.a === null ? null : c.a === 'true',
    birth_date: c.b,
    churn_date: rows.find((r) => r.part === 'e')?.b ?? null,
    churn_probability: num(c.x),
    risk_decile: num(c.y),
    current_value: num(v?.x ?? null),
    potential: num(v?.y ?? null),
    up_buy: num(w?.x ?? null),
    cross_buy: num(w?.y ?? null),
  };
  if (row && ctx.values) {
    const i = ctx.values.row.get(customerId);
    if (i !== undefined) {
      const at = (col: Float64Array) => (Number.isNaN(col[i] as number) ? null : (col[i] as number));
      row.current_value = at(ctx.values.currentValue);
      row.potential = at(ctx.values.potential);
      row.up_buy = at(ctx.values.upBuy);
      row.cross_buy = at(ctx.values.crossBuy);
    }
  }
  const subs = rows
    .filter((r) => r.part === 's')
    .map((r) => ({ category: r.a as string, contract_end: r.b }))
    .sort((x, y) => (x.category < y.category ? -1 : x.category > y.category ? 1 : 0));
  const history = rows.filter((r) => r.part === 'h').map((r) => ({ arm: r.a as string, response: r.b, running: r.p === true, recent_decline: r.q === true }));
  const contactDays = rows.filter((r) => r.part === 'k').map((r) => dayNumber(r.b as string));
  return { row, subs, history, contactDays };
}

type CustomerRead = Awaited<ReturnType<typeof readCustomer>>;

/** readCustomer's answer from a preloaded context's facts and the call's small statement (scores, offer history, campaign contacts). */
function fromFacts(ctx: NbaContext, f: FactIndex, customerId: string, date: string, rows: readonly Part[]): CustomerRead {
  const i = f.row.get(customerId);
  const history = rows.filter((r) => r.part === 'h').map((r) => ({ arm: r.a as string, response: r.b, running: r.p === true, recent_decline: r.q === true }));
  const contactDays = rows.filter((r) => r.part === 'k').map((r) => dayNumber(r.b as string));
  if (i === undefined) return { row: undefined, subs: [], history, contactDays };
  const today = dayNumber(date);
  const from = today - ctx.policy.windowDays + 1;
  for (let j = f.contactOffsets[i] as number; j < (f.contactOffsets[i + 1] as number); j++) {
    const day = f.contactDays[j] as number;
    if (day >= from && day <= today) contactDays.push(day);
  }
  // Categories held on the day (started by it, not ended by it) with their first contract end on or after it.
  const held = new Map<number, number>();
  for (let j = f.subOffsets[i] as number; j < (f.subOffsets[i + 1] as number); j++) {
    const end = f.subEnd[j] as number;
    if (!((f.subStart[j] as number) <= today && (Number.isNaN(end) || end > today))) continue;
    const category = f.subCategory[j] as number;
    const contract = f.subContract[j] as number;
    const best = held.get(category) ?? Number.NaN;
    held.set(category, contract >= today && !(contract >= best) ? contract : best);
  }
  const subs = [...held.entries()]
    .map(([k, end]) => ({ category: f.categories[k] as string, contract_end: Number.isNaN(end) ? null : dayText(end) }))
    .sort((x, y) => (x.category < y.category ? -1 : x.category > y.category ? 1 : 0));
  const day = (x: number) => (Number.isNaN(x) ? null : dayText(x));
  const c = rows.find((r) => r.part === 'c');
  const consent = f.consent[i] as number;
  const row: CustomerRow = {
    customer_id: customerId,
    consent: consent === 0 ? null : consent === 2,
    birth_date: day(f.birth[i] as number),
    churn_date: day(f.churn[i] as number),
    churn_probability: c?.x === null || c?.x === undefined ? null : Number(c.x),
    risk_decile: c?.y === null || c?.y === undefined ? null : Number(c.y),
    current_value: null,
    potential: null,
    up_buy: null,
    cross_buy: null,
  };
  const v = ctx.values?.row.get(customerId);
  if (ctx.values && v !== undefined) {
    const at = (col: Float64Array) => (Number.isNaN(col[v] as number) ? null : (col[v] as number));
    row.current_value = at(ctx.values.currentValue);
    row.potential = at(ctx.values.potential);
    row.up_buy = at(ctx.values.upBuy);
    row.cross_buy = at(ctx.values.crossBuy);
  }
  return { row, subs, history, contactDays };
}

function customerUpliftFacts(u: CustomerUplift | undefined): NbaFacts['offers'][number]['customerUplift'] {
  return u === undefined ? null : { uplift: u.uplift, churnWithout: u.churnWithout, churnWith: u.churnWith, asOf: u.asOf };
}

export async function nextBestAction(ctx: NbaContext, customerId: string, input: { date?: string; lang?: 'zh' | 'en' } = {}): Promise<NbaResult> {
  const store = ctx.store;
  const date = input.date ?? localToday(ctx.timezone);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || dayText(dayNumber(date)) !== date) throw new TenureError('USAGE', `--date must be a date written YYYY-MM-DD, got "${date}"`);
  const { row, subs, history, contactDays } = await readCustomer(ctx, customerId, date);
  if (!row) throw new TenureError('NO_DATA', `no customer ${customerId} in the store ${store.location}`);
  if (row.churn_date !== null && row.churn_date <= date) {
    throw new TenureError('NO_DATA', `customer ${customerId} churned on ${row.churn_date}: no next best action for a churned account (a win-back is \`tenure winback\`'s)`);
  }
  const s = ctx.scoring;
  const today = dayNumber(date);
  const ends = subs.map((r) => r.contract_end).filter((d): d is string => d !== null).sort();
  let birthdayInDays: number | null = null;
  if (row.birth_date !== null) {
    const year = Number(date.slice(0, 4));
    const next = [year, year + 1].map((y) => dayNumber(anniversaryIn(row.birth_date as string, y))).find((d) => d >= today);
    birthdayInDays = next === undefined ? null : next - today;
  }
  // The customer's own predicted uplift of each offer with a model (kept by `tenure uplift train`).
  const uplift: ReadonlyMap<string, CustomerUplift> = ctx.uplift
    ? new Map(ctx.upliftModels.flatMap((m) => {
        const u = ctx.uplift?.byOffer.get(m.offerId)?.get(customerId);
        return u ? [[m.offerId, u] as const] : [];
      }))
    : await readCustomerUplift(store, ctx.upliftModels, customerId);
  const running = new Set(history.filter((h) => h.running).map((h) => h.arm));
  const declined = new Set(history.filter((h) => h.recent_decline).map((h) => h.arm));
  const offers: OfferFacts[] = ctx.offers.map((o) => ({
    offerId: o.offer_id,
    name: o.name,
    kind: o.kind,
    cost: Number(o.cost),
    hasUpliftModel: ctx.upliftOffers.has(o.offer_id),
    customerUplift: customerUpliftFacts(uplift.get(o.offer_id)),
    running: running.has(o.offer_id),
    recentlyDeclined: declined.has(o.offer_id),
  }));
  const num = (x: number | null) => (x === null ? null : Number(x));
  const currentValue = num(row.current_value);
  const potential = num(row.potential);
  const month = date.slice(0, 7);
  const holdout = inNbaHoldout(customerId, month);
  const facts: NbaFacts = {
    holdout: false,
    holdoutCampaign: '',
    consent: row.consent,
    consentAllows: consentAllows(row.consent, ctx.policy),
    recentContacts: recentContacts(contactDays, today, ctx.policy),
    fatigueAllows: fatigueAllows(contactDays, today, ctx.policy),
    fatigueWindowDays: ctx.policy.windowDays,
    churnProbability: num(row.churn_probability),
    riskDecile: num(row.risk_decile),
    scoredAsOf: row.churn_probability === null ? null : (s?.asOf ?? null),
    quadrant: currentValue !== null && potential !== null && ctx.medians ? quadrantOf(currentValue, potential, ctx.medians) : null,
    valueAtStake: currentValue,
    upBuy: num(row.up_buy),
    crossBuy: num(row.cross_buy),
    categories: subs.map((r) => r.category),
    contractEndsInDays: ends[0] === undefined ? null : dayNumber(ends[0]) - today,
    birthdayInDays,
    offers,
  };
  const lang = input.lang ?? 'zh';
  const wouldBe = decideNextBestAction(facts, lang);
  const campaignId = nbaCampaignId(month, ACTION_PURPOSE[wouldBe.action]);
  const decision = holdout ? decideNextBestAction({ ...facts, holdout: true, holdoutCampaign: campaignId }, lang) : wouldBe;
  return { customerId, date, decision, wouldBe: wouldBe.action, holdout, campaignId, facts: holdout ? { ...facts, holdout, holdoutCampaign: campaignId } : facts };
}

export interface NbaRecordInput {
  readonly customerId: string;
  readonly offerId?: string;
  readonly outcome: NbaOutcome;
  /** Contract timestamp text; default now. Converted to operator local time. */
  readonly ts?: string;
  readonly channel?: string;
}

export interface NbaRecordResult {
  readonly customerId: string;
  readonly campaignId: string;
  readonly arm: string;
  readonly ts: string;
  readonly response: 'accepted' | 'declined' | null;
  readonly holdout: boolean;
  /** A holdout member who was offered something anyway (counted as contamination by the evaluation). */
  readonly contamination: boolean;
  readonly newCampaign: boolean;
}

const CHANNELS = new Set(['hall', 'hotline', 'community', 'agent', 'online', 'app', 'other', 'sms']);

export async function recordNbaOutcome(ctx: NbaContext, input: NbaRecordInput): Promise<NbaRecordResult> {
  const store = ctx.store;
  requireWritable(store, 'recording an NBA outcome');
  if (!NBA_OUTCOMES.includes(input.outcome)) throw new TenureError('USAGE', `--outcome must be one of ${NBA_OUTCOMES.join(', ')}, got "${input.outcome}"`);
  const channel = input.channel ?? 'hotline';
  if (!CHANNELS.has(channel)) throw new TenureError('USAGE', `--channel must be one of ${[...CHANNELS].join(', ')}, got "${channel}"`);
  const ts = input.ts === undefined ? wallClock(new Date(), ctx.timezone) : localTimestamp(input.ts, ctx.timezone);
  if (ts === null) throw new TenureError('USAGE', `--ts must be a timestamp written YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH:MM], got "${input.ts}"`);
  const date = ts.slice(0, 10);
  const nba = await nextBestAction(ctx, input.customerId, { date, lang: 'en' });
  let arm: string;
  if (nba.holdout) {
    arm = CONTROL_ARM;
  } else {
    if (input.offerId === undefined) throw new TenureError('USAGE', `--offer is needed: ${input.customerId} is not in this month's holdout, so the member's arm is the offer the agent presented (suggested: ${nba.decision.offerId ?? 'none'})`);
    arm = input.offerId;
  }
  if (input.offerId !== undefined && !ctx.offers.some((o) => o.offer_id === input.offerId)) {
    throw new TenureError('USAGE', `unknown offer ${input.offerId}: --offer must be an offer_id of the imported offers`);
  }
  const response = input.outcome === 'not_offered' ? null : input.outcome;
  const contactedTs = response === null ? null : ts;
  const month = date.slice(0, 7);
  const start = `${month}-01`;
  const monthEnd = (m: string) => dayText(dayNumber(`${addMonths(m, 1)}-01`) - 1);
  const purpose = ACTION_PURPOSE[nba.wouldBe];
  let newCampaign = false;
  await store.transaction(async (tx) => {
    const [campaign] = await tx.query<{ n: number }>('SELECT count(*) AS n FROM campaigns WHERE campaign_id = $1', [nba.campaignId]);
    if (Number(campaign?.n ?? 0) === 0) {
      newCampaign = true;
      await tx.run(
        `INSERT INTO campaigns (campaign_id, name, purpose, start_date, end_date, horizon_months)
         VALUES (CAST($1 AS VARCHAR), CAST($2 AS VARCHAR), CAST($3 AS VARCHAR), CAST($4 AS DATE), CAST($5 AS DATE), $6)`,
        [nba.campaignId, `Next best action ${month} (${purpose})`, purpose, start, monthEnd(month), NBA_HORIZON_MONTHS],
      );
    }
    const [member] = await tx.query<{ arm: string }>('SELECT arm FROM campaign_members WHERE campaign_id = $1 AND customer_id = $2', [nba.campaignId, input.customerId]);
    if (member && member.arm !== arm) {
      throw new TenureError('USAGE', `${input.customerId} is already a member of ${nba.campaignId} in the arm ${member.arm}; an assignment is kept once (record the outcome of that offer)`);
    }
    if (member) {
      await tx.run(
        `UPDATE campaign_members SET contacted_ts = coalesce(contacted_ts, CAST($3 AS TIMESTAMP)), response = coalesce(CAST($4 AS VARCHAR), response), channel = coalesce(channel, $5)
         WHERE campaign_id = $1 AND customer_id = $2`,
        [nba.campaignId, input.customerId, contactedTs, response, contactedTs === null ? null : channel],
      );
    } else {
      await tx.run(
        `INSERT INTO campaign_members (campaign_id, customer_id, arm, assigned_date, contacted_ts, channel, response)
         VALUES ($1, $2, $3, CAST($4 AS DATE), CAST($5 AS TIMESTAMP), $6, $7)`,
        [nba.campaignId, input.customerId, arm, start, contactedTs, contactedTs === null ? null : channel, response],
      );
    }
    await tx.run(
      `INSERT INTO nba_outcomes (recorded_at, ts, customer_id, campaign_id, arm, offer_id, outcome, suggested_action, suggested_offer_id, holdout)
       VALUES (CAST($1 AS TIMESTAMP), CAST($2 AS TIMESTAMP), $3, $4, $5, $6, $7, $8, $9, $10)`,
      [wallClock(new Date(), ctx.timezone), ts, input.customerId, nba.campaignId, arm, input.offerId ?? null, input.outcome, nba.wouldBe, nba.holdout ? null : nba.decision.offerId, nba.holdout],
    );
  });
  return { customerId: input.customerId, campaignId: nba.campaignId, arm, ts, response, holdout: nba.holdout, contamination: nba.holdout && response !== null, newCampaign };
}
