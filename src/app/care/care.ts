/**
 * `tenure care`: the care calendar. Occasions come from the data in one SQL pass (the engine
 * scans a million customers; only the occasions of the window come back, as columns), each
 * customer's occasions are then planned under the contact policy (domain/care).
 *
 * Definitions (the README repeats them):
 * - window: [from, to], default the 30 days after the data's last billed month;
 * - customers: every customer without a churn event (a churned account never appears) who
 *   joined by the window's end;
 * - birthday: the birth date's month and day in each year of the window (Feb 29 → Feb 28 in a
 *   year without one); anniversary: the join date's, 1 year or more after joining, a
 *   `milestone` in the years of MILESTONE_YEARS;
 * - contract_expiry: 90, 60 and 30 days before a contract_end_date of a subscription still
 *   active on the reminder day (one reminder per customer, end date and lead);
 * - discount_end: DISCOUNT_END_NOTICE_DAYS before the last day of an accepted offer that runs
 *   for months (kind discount, bonus_data or free_content): it runs from the contact's date
 *   (else the campaign's start) for `months` months;
 * - premium_service: every quarter, for the customers of the top value tier (platinum, the
 *   value module's tiers of the data's last month): on the join date's day of month in the
 *   quarter's first month (the last day of that month when shorter), so visits spread out;
 * - promotion (with a segment): the segment's members (as `tenure segments` counts them in
 *   the data's last month), on the window's first day;
 * - priority: domain/care/calendar.ts occasionPriority, from the value tier and the latest
 *   scoring run's churn probability.
 */
import {
  careScript,
  OCCASIONS,
  CONTRACT_REMINDER_DAYS,
  DISCOUNT_END_NOTICE_DAYS,
  MILESTONE_YEARS,
  occasionPriority,
  planCustomer,
  reasonText,
  type CandidateOccasion,
  type Occasion,
  type PlanStatus,
} from '../../domain/care/calendar.ts';
import { checkContactPolicy, consentAllows, dayNumber, dayText, DEFAULT_CONTACT_POLICY, type ContactPolicy } from '../../domain/care/contact-policy.ts';
import { addMonths, type MonthText } from '../../domain/month.ts';
import { TIERS, type Tier } from '../../domain/value/tiers.ts';
import type { AnalyticsStore, ColumnSet } from '../../store/port.ts';
import { dataSpan } from '../data-span.ts';
import { TenureError } from '../errors.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE, tierCutsSql } from '../value/value-snapshot.ts';
import { contactsSql } from './contacts.ts';
import { previousScoringRun } from '../warn/scoring-run.ts';
import { quoteLiteral, type Dialect } from '../../store/dialect.ts';

export const DEFAULT_CARE_DAYS = 30;
export const MAX_CARE_DAYS = 366;
/** The value tier that gets the quarterly premium service. */
export const PREMIUM_TIER: Tier = 'platinum';
const OCCASIONS_TABLE = 'care_occasions';
const SEGMENT_TABLE = 'care_segment';

export interface CareInput {
  readonly from?: string;
  readonly to?: string;
  readonly policy?: ContactPolicy;
  readonly segment?: string;
  readonly promotion?: string;
  /** Language of the reasons and scripts (default zh). */
  readonly lang?: 'zh' | 'en';
  /**
   * One customer's occasions only (the agent's 360 page): the same rows as the whole calendar
   * has for that customer, since each customer's plan depends on its own occasions and contacts.
   */
  readonly customer?: string;
}

export interface CareRow {
  readonly customer_id: string;
  /** The contact day (a deferred occasion's new day). */
  readonly date: string;
  readonly occasion: Occasion;
  readonly priority: number;
  readonly status: PlanStatus;
  readonly occasion_date: string;
  /** Why deferred or dropped (empty when planned), in the input's language. */
  readonly reason: string;
  readonly value_tier: Tier | null;
  readonly churn_probability: number | null;
  readonly script: string;
}

export interface CareCalendar {
  readonly from: string;
  readonly to: string;
  readonly valueAsOf: MonthText;
  readonly scoresAsOf: MonthText | null;
  readonly policy: ContactPolicy;
  readonly counts: Readonly<Record<PlanStatus, number>>;
  readonly rows: readonly CareRow[];
  /** Seconds per phase (value snapshot and scoring run, occasions SQL, contacts, planning), for benches. */
  readonly phases: Readonly<Record<string, number>>;
}

function checkDate(flag: string, text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || dayText(dayNumber(text)) !== text) throw new TenureError('USAGE', `${flag} must be a date written YYYY-MM-DD, got "${text}"`);
  return text;
}

/** The window: the flags, else the DEFAULT_CARE_DAYS days after the data's last month. */
export function careWindow(input: { from?: string; to?: string }, lastMonth: MonthText): { from: string; to: string } {
  const from = input.from !== undefined ? checkDate('--from', input.from) : `${addMonths(lastMonth, 1)}-01`;
  const to = input.to !== undefined ? checkDate('--to', input.to) : dayText(dayNumber(from) + DEFAULT_CARE_DAYS - 1);
  if (to < from) throw new TenureError('USAGE', `--to ${to} is before --from ${from}`);
  if (dayNumber(to) - dayNumber(from) + 1 > MAX_CARE_DAYS) throw new TenureError('USAGE', `the care window ${from}..${to} is longer than ${MAX_CARE_DAYS} days`);
  return { from, to };
}

const lit = (date: string) => `DATE '${date}'`;
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthDay = (date: string) => Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));

/**
 * The annual date of `col` in year `y` (Feb 29 → Feb 28 when y has none), as SQL, with a filter
 * that keeps only the dates whose month and day fall in [from, to] ∩ year y (so the engine
 * builds dates for a window's customers only, not for the whole base).
 */
function annualParts(col: string, from: string, to: string): { y: number; date: string; where: string }[] {
  const parts: { y: number; date: string; where: string }[] = [];
  const month = `CAST(EXTRACT(MONTH FROM ${col}) AS INTEGER)`;
  const day = `CAST(EXTRACT(DAY FROM ${col}) AS INTEGER)`;
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
    const a = `${y}` === from.slice(0, 4) ? monthDay(from) : 101;
    let b = `${y}` === to.slice(0, 4) ? monthDay(to) : 1231;
    // Feb 29 falls on Feb 28 in a year without one: a window ending on Feb 28 takes it too.
    if (!isLeap(y) && b === 228) b = 229;
    const date = isLeap(y) ? `make_date(${y}, ${month}, ${day})` : `CASE WHEN ${month} = 2 AND ${day} = 29 THEN make_date(${y}, 2, 28) ELSE make_date(${y}, ${month}, ${day}) END`;
    parts.push({ y, date, where: `${month} * 100 + ${day} BETWEEN ${a} AND ${b}` });
  }
  return parts;
}

/**
 * The first days of the quarters whose premium visit may fall in [from, to] (the quarter of
 * 92 days before `from` up to `to`), with the last day of each quarter's first month.
 */
function quarterStarts(from: string, to: string): { y: number; m: number; last: number }[] {
  const back = dayText(dayNumber(from) - 92);
  let y = Number(back.slice(0, 4));
  let m = Math.floor((Number(back.slice(5, 7)) - 1) / 3) * 3 + 1;
  const out: { y: number; m: number; last: number }[] = [];
  while (`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01` <= to) {
    out.push({ y, m, last: new Date(Date.UTC(y, m, 0)).getUTCDate() });
    m += 3;
    if (m > 12) {
      m -= 12;
      y++;
    }
  }
  return out;
}

/**
 * The small facts of an occasion row travel packed in one whole number (`code`): reading a
 * column out of the engine costs about as much per value as the planning does, so an occasion,
 * its customer's tier and consent, the reminder's lead and the tenure years come as one value.
 * code = occasion index + 8 × (tier index + 1, 0 none) + 64 × (consent: 0 blank, 1 false, 2
 * true) + CODE_AHEAD × (days ahead + 1, 0 none) + CODE_YEARS × (years + 1, 0 none).
 */
const CODE_AHEAD = 256;
const CODE_YEARS = 256 * 1024;

/**
 * The window's occasions of the live customers, one row each (customer, day number, occasion,
 * the packed code, churn probability, contract or discount end, offer name). Each occasion kind
 * reads only the customers it can concern (month and day of the window, contract ends in range,
 * the top tier of the kept value snapshot); the live rule (never churned, joined by the window's
 * end) and the tier are applied to those rows only. Never churned is a left join with the
 * distinct churned ids, not NOT EXISTS: DuckDB turned the correlated subquery into a delim join
 * over the whole union, about 40 % of the statement's CPU on a million customers.
 */
export function occasionsSql(
  d: Dialect,
  from: string,
  to: string,
  value: { key: string; asOf: MonthText; cuts: readonly (number | null)[] },
  scores: { modelVersion: string; asOf: MonthText } | null,
  segment: boolean,
  customer?: string,
): string {
  const f = lit(from);
  const t = lit(to);
  const joined = `c.join_date <= ${t}`;
  const nulls = (n: number) => Array.from({ length: n }, () => 'NULL').join(', ');
  // The tier of a snapshot row against the cut values (inlined: a list value joined to every row costs more than the CASE).
  const cut = (i: number) => {
    const x = value.cuts[i];
    return x === null || x === undefined ? `CAST(NULL AS ${d.double})` : `CAST('${x}' AS ${d.double})`;
  };
  const tier = `CASE ${TIERS.slice(0, -1).map((t, i) => `WHEN v.current_value <= ${cut(i)} THEN '${t}'`).join(' ')} ELSE '${TIERS[TIERS.length - 1]}' END`;
  const tierCode = `CASE ${TIERS.slice(0, -1).map((_, i) => `WHEN v.current_value <= ${cut(i)} THEN ${i + 1}`).join(' ')} ELSE ${TIERS.length} END`;
  const ofSnapshot = `v.snapshot_key = ${quoteLiteral(value.key)} AND v.as_of = ${lit(`${value.asOf}-01`)}`;
  const parts: string[] = [];
  for (const p of annualParts('c.birth_date', from, to)) {
    parts.push(`SELECT c.customer_id, 'birthday' AS occasion, ${p.date} AS d, CAST(NULL AS INTEGER) AS years, CAST(NULL AS INTEGER) AS days_ahead, CAST(NULL AS DATE) AS end_date, CAST(NULL AS ${d.text}) AS name, c.marketing_consent AS consent
     FROM customers c WHERE c.birth_date IS NOT NULL AND ${p.where} AND ${joined}`);
  }
  for (const p of annualParts('c.join_date', from, to)) {
    const years = `CAST(${p.y} - EXTRACT(YEAR FROM c.join_date) AS INTEGER)`;
    parts.push(`SELECT c.customer_id, CASE WHEN ${years} IN (${MILESTONE_YEARS.join(', ')}) THEN 'milestone' ELSE 'anniversary' END, ${p.date}, ${years}, ${nulls(3)}, c.marketing_consent
     FROM customers c WHERE ${years} >= 1 AND ${p.where} AND ${joined}`);
  }
  const reminders = CONTRACT_REMINDER_DAYS.map((k) => `(${k})`).join(', ');
  const reminderDay = d.addDays('s.contract_end_date', '-r.k');
  // The reminders of the window only, made distinct before they meet the customers (a range of
  // end dates, then each reminder's own day in the window).
  parts.push(`SELECT s.customer_id, 'contract_expiry', s.d, CAST(NULL AS INTEGER), s.k, s.contract_end_date, NULL, c.marketing_consent
     FROM (SELECT DISTINCT s.customer_id, CAST(r.k AS INTEGER) AS k, s.contract_end_date, ${reminderDay} AS d
           FROM subscriptions s CROSS JOIN (VALUES ${reminders}) AS r(k)
           WHERE s.contract_end_date BETWEEN ${lit(dayText(dayNumber(from) + Math.min(...CONTRACT_REMINDER_DAYS)))} AND ${lit(dayText(dayNumber(to) + Math.max(...CONTRACT_REMINDER_DAYS)))}
             AND ${reminderDay} BETWEEN ${f} AND ${t} AND (s.end_date IS NULL OR s.end_date > ${reminderDay})) AS s
     JOIN customers c ON c.customer_id = s.customer_id
     WHERE ${joined}`);
  const lastDayOf = d.addDays(d.addMonths('coalesce(CAST(m.contacted_ts AS DATE), k.start_date)', 'o.months'), '-1');
  parts.push(`SELECT customer_id, 'discount_end', ${d.addDays('last_day_of', `-${DISCOUNT_END_NOTICE_DAYS}`)}, NULL, NULL, last_day_of, name, consent FROM (
       SELECT m.customer_id, o.name, ${lastDayOf} AS last_day_of, c.marketing_consent AS consent
       FROM campaign_members m JOIN campaigns k ON k.campaign_id = m.campaign_id JOIN offers o ON o.offer_id = m.arm
       JOIN customers c ON c.customer_id = m.customer_id
       WHERE m.response = 'accepted' AND o.months > 0 AND o.kind IN ('discount', 'bonus_data', 'free_content') AND ${joined}) AS a`);
  const quarters = quarterStarts(from, to).map((q) => `(${q.y}, ${q.m}, ${q.last})`);
  if (quarters.length > 0) {
    parts.push(`SELECT c.customer_id, 'premium_service', make_date(q.y, q.m, least(CAST(EXTRACT(DAY FROM c.join_date) AS INTEGER), q.last)), ${nulls(4)}, c.marketing_consent
     FROM (SELECT v.customer_id FROM ${SNAPSHOT_TABLE} v WHERE ${ofSnapshot} AND ${tier} = '${PREMIUM_TIER}') AS p
     JOIN customers c ON c.customer_id = p.customer_id CROSS JOIN (VALUES ${quarters.join(', ')}) AS q(y, m, last)
     WHERE ${joined}`);
  }
  if (segment) parts.push(`SELECT c.customer_id, 'promotion', ${f}, ${nulls(4)}, c.marketing_consent FROM customers c WHERE c.customer_id IN (SELECT customer_id FROM ${SEGMENT_TABLE}) AND ${joined}`);
  const scoreJoin = scores
    ? `LEFT JOIN churn_scores s ON s.customer_id = w.customer_id AND s.model_version = ${quoteLiteral(scores.modelVersion)} AND s.as_of = ${lit(`${scores.asOf}-01`)}`
    : '';
  return `
    WITH o AS (${parts.join('\n UNION ALL \n')}),
    w AS (SELECT o.* FROM o LEFT JOIN (SELECT DISTINCT customer_id FROM churn_events) AS e ON e.customer_id = o.customer_id
          WHERE e.customer_id IS NULL AND o.d BETWEEN ${f} AND ${t}${customer === undefined ? '' : ` AND o.customer_id = ${quoteLiteral(customer)}`})
    SELECT w.customer_id, ${d.daysBetween(lit('1970-01-01'), 'w.d')} AS d, w.occasion, w.days_ahead,
           CAST(CASE w.occasion ${OCCASIONS.map((o, i) => `WHEN '${o}' THEN ${i}`).join(' ')} END
             + 8 * (CASE WHEN v.customer_id IS NULL THEN 0 ELSE ${tierCode} END)
             + 64 * (CASE WHEN w.consent IS NULL THEN 0 WHEN w.consent THEN 2 ELSE 1 END)
             + ${CODE_AHEAD} * coalesce(w.days_ahead + 1, 0) + ${CODE_YEARS} * coalesce(w.years + 1, 0) AS BIGINT) AS code,
           ${scores ? 's.churn_probability' : `CAST(NULL AS ${d.double})`} AS churn_probability,
           ${d.formatDate('w.end_date')} AS end_date, w.name
    FROM w LEFT JOIN ${SNAPSHOT_TABLE} v ON v.customer_id = w.customer_id AND ${ofSnapshot}
    ${scoreJoin}`;
}

const text = (set: ColumnSet, name: string) => set.columns[name] as readonly (string | null)[];
/**
 * A numeric column as doubles, NaN for NULL: DuckDB hands its numbers so already (read in place,
 * no array of a million boxed values); another engine's text is parsed once.
 */
function numbers(set: ColumnSet, name: string): Float64Array {
  const col = set.columns[name];
  if (col instanceof Float64Array) return col;
  return Float64Array.from(col as readonly (string | null)[], (x) => (x === null ? Number.NaN : Number(x)));
}
const orNull = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);

export async function careCalendar(store: AnalyticsStore, input: CareInput = {}): Promise<CareCalendar> {
  const policy = input.policy ?? DEFAULT_CONTACT_POLICY;
  const problems = checkContactPolicy(policy);
  if (problems.length) throw new TenureError('USAGE', problems.join('; '));
  if (input.promotion !== undefined && input.segment === undefined) throw new TenureError('USAGE', '--promotion needs --segment (the customers to notify)');
  const phases: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = (now - t0) / 1000;
    t0 = now;
  };
  const span = await dataSpan(store);
  const { from, to } = careWindow(input, span.last);
  const valueAsOf = span.last;
  const { key } = await ensureValueSnapshot(store, valueAsOf, DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
  const run = await previousScoringRun(store, null);
  if (input.segment !== undefined) {
    // Loaded for a promotion only: segment definitions bring zod and the lifecycle rules.
    const { keepSegmentMembers } = await import('../segments/segments.ts');
    await keepSegmentMembers(store, { month: valueAsOf, name: input.segment }, SEGMENT_TABLE);
  }
  lap('value');
  const d = store.dialect;
  const [q] = await store.query<Record<string, number | null>>(
    `SELECT ${TIERS.slice(0, -1).map((_, i) => `q.c[${i + 1}] AS c${i}`).join(', ')} FROM (SELECT ${tierCutsSql(d, 'current_value')} AS c FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $1 AND as_of = CAST($2 AS DATE)) AS q`,
    [key, `${valueAsOf}-01`],
  );
  const cuts = TIERS.slice(0, -1).map((_, i) => (q?.[`c${i}`] ?? null) === null ? null : Number(q?.[`c${i}`]));
  try {
    for (const stmt of d.createTempTableAs(OCCASIONS_TABLE, occasionsSql(d, from, to, { key, asOf: valueAsOf, cuts }, run, input.segment !== undefined, input.customer))) await store.run(stmt);
    lap('occasions');
    const set = await store.queryColumns(`SELECT customer_id, d, code, churn_probability, end_date, name FROM ${OCCASIONS_TABLE} ORDER BY customer_id, d, occasion, days_ahead NULLS LAST, end_date NULLS LAST, name NULLS LAST`);
    lap('read');
    const contactFrom = dayText(dayNumber(from) - policy.windowDays + 1);
    const contacts = await store.queryColumns(
      `SELECT customer_id, ${d.daysBetween(lit('1970-01-01'), 'day')} AS day FROM (${contactsSql(`'${contactFrom}'`, `'${to}'`, `(SELECT DISTINCT customer_id FROM ${OCCASIONS_TABLE})`)}) AS k`,
    );
    const pastByCustomer = new Map<string, number[]>();
    const cIds = text(contacts, 'customer_id');
    const cDays = numbers(contacts, 'day');
    for (let i = 0; i < contacts.rowCount; i++) {
      const id = cIds[i] as string;
      const day = cDays[i] as number;
      const list = pastByCustomer.get(id);
      if (list) list.push(day);
      else pastByCustomer.set(id, [day]);
    }
    lap('contacts');
    const planned = planRows(set, pastByCustomer, dayNumber(to), policy, input);
    lap('plan');
    return { from, to, valueAsOf, scoresAsOf: run?.asOf ?? null, policy, ...planned, phases };
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${OCCASIONS_TABLE}`);
    await store.run(`DROP TABLE IF EXISTS ${SEGMENT_TABLE}`);
  }
}

/** Bits of a row's index in the sort keys of planRows (2^28 rows; more take the comparator sort). */
const INDEX_BITS = 2 ** 28;
/** Priorities are rounded to 4 decimals (occasionPriority): as whole ten-thousandths they fit below this. */
const PRIORITY_STEPS = 2 ** 16;

function planRows(set: ColumnSet, past: ReadonlyMap<string, number[]>, lastDay: number, policy: ContactPolicy, input: CareInput): { counts: Record<PlanStatus, number>; rows: CareRow[] } {
  const ids = text(set, 'customer_id');
  const days = numbers(set, 'd');
  const codes = numbers(set, 'code');
  const ends = text(set, 'end_date');
  const names = text(set, 'name');
  const probabilities = numbers(set, 'churn_probability');
  const n = set.rowCount;
  const lang = input.lang ?? 'zh';
  const promotion = input.promotion ?? null;
  const segment = input.segment ?? null;
  // A window has at most MAX_CARE_DAYS days (plus deferrals): each day's text is made once.
  const dayTexts = new Map<number, string>();
  const textOf = (day: number) => {
    let t = dayTexts.get(day);
    if (t === undefined) dayTexts.set(day, (t = dayText(day)));
    return t;
  };
  const rows: CareRow[] = [];
  const rowDays: number[] = [];
  const counts: Record<PlanStatus, number> = { planned: 0, deferred: 0, dropped: 0 };
  const none: number[] = [];
  const candidates: CandidateOccasion[] = [];
  const tiers: (Tier | null)[] = [];
  let start = 0;
  while (start < n) {
    const id = ids[start] as string;
    let end = start;
    while (end < n && ids[end] === id) end++;
    // The packed code (CODE_AHEAD, CODE_YEARS above): occasion, tier, consent, lead, years.
    const consentCode = Math.floor((codes[start] as number) / 64) % 4;
    const consent = consentCode === 0 ? null : consentCode === 2;
    const pastDays = past.get(id);
    if (end === start + 1 && pastDays === undefined && (days[start] as number) <= lastDay && consentAllows(consent, policy)) {
      // One occasion, no contact before it, consent (most customers): planned on its day, as
      // planCustomer plans it, without the candidate and plan objects.
      const code = codes[start] as number;
      const occasion = OCCASIONS[code % 8] as Occasion;
      const tier = Math.floor(code / 8) % 8;
      const day = days[start] as number;
      const a = Math.floor(code / CODE_AHEAD) % 1024;
      const y = Math.floor(code / CODE_YEARS);
      const probability = orNull(probabilities[start]);
      const dayString = textOf(day);
      counts.planned++;
      rowDays.push(day);
      rows.push({
        customer_id: id,
        date: dayString,
        occasion,
        priority: occasionPriority(occasion, tier === 0 ? null : tier - 1, probability),
        status: 'planned',
        occasion_date: dayString,
        reason: '',
        value_tier: tier === 0 ? null : (TIERS[tier - 1] as Tier),
        churn_probability: probability,
        script: careScript({ occasion, years: y === 0 ? null : y - 1, daysAhead: a === 0 ? null : a - 1, endDate: ends[start] ?? null, name: occasion === 'promotion' ? promotion : (names[start] ?? null), segment }, lang),
      });
      start = end;
      continue;
    }
    candidates.length = 0;
    tiers.length = 0;
    for (let i = start; i < end; i++) {
      const code = codes[i] as number;
      const occasion = OCCASIONS[code % 8] as Occasion;
      const tier = Math.floor(code / 8) % 8;
      tiers.push(tier === 0 ? null : (TIERS[tier - 1] as Tier));
      candidates.push({ occasion, day: days[i] as number, priority: occasionPriority(occasion, tier === 0 ? null : tier - 1, orNull(probabilities[i])), index: i });
    }
    for (const p of planCustomer(candidates, pastDays ?? none, consent, lastDay, policy)) {
      const i = p.index;
      const c = candidates[i - start] as CandidateOccasion;
      const code = codes[i] as number;
      const a = Math.floor(code / CODE_AHEAD) % 1024;
      const y = Math.floor(code / CODE_YEARS);
      const facts = { occasion: c.occasion, years: y === 0 ? null : y - 1, daysAhead: a === 0 ? null : a - 1, endDate: ends[i] ?? null, name: c.occasion === 'promotion' ? promotion : (names[i] ?? null), segment };
      counts[p.status]++;
      rowDays.push(p.day);
      rows.push({
        customer_id: id,
        date: textOf(p.day),
        occasion: c.occasion,
        priority: c.priority,
        status: p.status,
        occasion_date: textOf(c.day),
        reason: reasonText(p, c.day, policy, lang),
        value_tier: tiers[i - start] ?? null,
        churn_probability: orNull(probabilities[i]),
        script: careScript(facts, lang),
      });
    }
    start = end;
  }
  // By contact day, then priority (highest first), customer, occasion; the occasions' own order
  // (customer, day, occasion, facts) breaks any remaining tie. Rows were made customer by
  // customer in the order the engine sorted them; when that is also the order of the ids as text
  // here (always on DuckDB, whose text order is by code point), a customer's rank is its place
  // in that order, and one customer's rows of one day and priority are one occasion (the weights
  // differ), so the order is by day, priority and row: each row's three packed in one double
  // (exact below 2^53) sort as plain numbers, without a comparator called per pair. Another
  // collation (PostgreSQL's) compares the ids.
  const m = rows.length;
  let idsInOrder = true;
  let firstDay = Infinity;
  let lastRowDay = -Infinity;
  let wholePriorities = true;
  for (let i = 0; i < m; i++) {
    const r = rows[i] as CareRow;
    if (i > 0 && idsInOrder && (rows[i - 1] as CareRow).customer_id > r.customer_id) idsInOrder = false;
    const day = rowDays[i] as number;
    if (day < firstDay) firstDay = day;
    if (day > lastRowDay) lastRowDay = day;
    const steps = r.priority * 10_000;
    if (!(Math.abs(steps - Math.round(steps)) < 1e-6 && steps >= 0 && steps < PRIORITY_STEPS)) wholePriorities = false;
  }
  if (idsInOrder && wholePriorities && m <= INDEX_BITS && (lastRowDay - firstDay + 1) * PRIORITY_STEPS * INDEX_BITS <= Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const steps = Math.round((rows[i] as CareRow).priority * 10_000);
      keys[i] = (((rowDays[i] as number) - firstDay) * PRIORITY_STEPS + (PRIORITY_STEPS - 1 - steps)) * INDEX_BITS + i;
    }
    keys.sort();
    const sorted = new Array<CareRow>(m);
    for (let k = 0; k < m; k++) sorted[k] = rows[(keys[k] as number) % INDEX_BITS] as CareRow;
    return { counts, rows: sorted };
  }
  const dayOf = Float64Array.from(rowDays);
  const order = Uint32Array.from(rows.keys());
  if (idsInOrder) {
    order.sort((x, y) => (dayOf[x] as number) - (dayOf[y] as number) || (rows[y] as CareRow).priority - (rows[x] as CareRow).priority || x - y);
  } else {
    order.sort((x, y) => {
      const dx = dayOf[x] as number;
      const dy = dayOf[y] as number;
      if (dx !== dy) return dx - dy;
      const a = rows[x] as CareRow;
      const b = rows[y] as CareRow;
      return b.priority - a.priority || (a.customer_id < b.customer_id ? -1 : a.customer_id > b.customer_id ? 1 : a.occasion < b.occasion ? -1 : a.occasion > b.occasion ? 1 : x - y);
    });
  }
  return { counts, rows: Array.from(order, (i) => rows[i] as CareRow) };
}
