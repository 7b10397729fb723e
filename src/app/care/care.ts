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
import { checkContactPolicy, dayNumber, dayText, DEFAULT_CONTACT_POLICY, type ContactPolicy } from '../../domain/care/contact-policy.ts';
import { addMonths, type MonthText } from '../../domain/month.ts';
import { TIERS, type Tier } from '../../domain/value/tiers.ts';
import type { AnalyticsStore, ColumnSet } from '../../store/port.ts';
import { dataSpan } from '../data-span.ts';
import { TenureError } from '../errors.ts';
import { keepSegmentMembers } from '../segments/segments.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE, tierCaseSql, tierCutsSql } from '../value/value-snapshot.ts';
import { previousScoringRun } from '../warn/warn.ts';
import { contactsSql } from './contacts.ts';
import type { Dialect } from '../../store/dialect.ts';

export const DEFAULT_CARE_DAYS = 30;
export const MAX_CARE_DAYS = 366;
/** The value tier that gets the quarterly premium service. */
export const PREMIUM_TIER: Tier = 'platinum';
const OCCASIONS_TABLE = 'care_occasions';
const SEGMENT_TABLE = 'care_segment';
const LIVE_TABLE = 'care_live';

export interface CareInput {
  readonly from?: string;
  readonly to?: string;
  readonly policy?: ContactPolicy;
  readonly segment?: string;
  readonly promotion?: string;
  /** Language of the reasons and scripts (default zh). */
  readonly lang?: 'zh' | 'en';
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

/** The annual date of `col` in year `y` (Feb 29 → Feb 28 when y has none), as SQL. */
const annualSql = (col: string, y: string) =>
  `CASE WHEN month(${col}) = 2 AND day(${col}) = 29 AND NOT (${y} % 4 = 0 AND (${y} % 100 <> 0 OR ${y} % 400 = 0))
        THEN make_date(${y}, 2, 28) ELSE make_date(${y}, month(${col}), day(${col})) END`;

function occasionsSql(from: string, to: string, scores: { modelVersion: string; asOf: MonthText } | null, segment: boolean): string {
  const f = lit(from);
  const t = lit(to);
  const milestones = `[${MILESTONE_YEARS.join(', ')}]`;
  const reminders = CONTRACT_REMINDER_DAYS.map((k) => `(${k})`).join(', ');
  const parts = [
    `SELECT l.customer_id, 'birthday' AS occasion, ${annualSql('l.birth_date', 'y.y')} AS d, NULL::INTEGER AS years, NULL::INTEGER AS days_ahead, NULL::DATE AS end_date, NULL::VARCHAR AS name
     FROM ${LIVE_TABLE} l, years y WHERE l.birth_date IS NOT NULL`,
    `SELECT l.customer_id, CASE WHEN list_contains(${milestones}, y.y - year(l.join_date)) THEN 'milestone' ELSE 'anniversary' END, ${annualSql('l.join_date', 'y.y')},
            CAST(y.y - year(l.join_date) AS INTEGER), NULL, NULL, NULL
     FROM ${LIVE_TABLE} l, years y WHERE y.y - year(l.join_date) >= 1`,
    `SELECT DISTINCT s.customer_id, 'contract_expiry', CAST(s.contract_end_date - r.k AS DATE), NULL, r.k, s.contract_end_date, NULL
     FROM subscriptions s JOIN ${LIVE_TABLE} l ON l.customer_id = s.customer_id, (VALUES ${reminders}) AS r(k)
     WHERE s.contract_end_date BETWEEN ${f} + INTERVAL ${Math.min(...CONTRACT_REMINDER_DAYS)} DAY AND ${t} + INTERVAL ${Math.max(...CONTRACT_REMINDER_DAYS)} DAY
       AND (s.end_date IS NULL OR s.end_date > s.contract_end_date - r.k)`,
    `SELECT customer_id, 'discount_end', CAST(last_day_of - ${DISCOUNT_END_NOTICE_DAYS} AS DATE), NULL, NULL, last_day_of, name FROM (
       SELECT m.customer_id, o.name,
              CAST(coalesce(CAST(m.contacted_ts AS DATE), c.start_date) + to_months(CAST(o.months AS INTEGER)) - INTERVAL 1 DAY AS DATE) AS last_day_of
       FROM campaign_members m JOIN campaigns c ON c.campaign_id = m.campaign_id JOIN offers o ON o.offer_id = m.arm
       JOIN ${LIVE_TABLE} l ON l.customer_id = m.customer_id
       WHERE m.response = 'accepted' AND o.months > 0 AND o.kind IN ('discount', 'bonus_data', 'free_content'))`,
    `SELECT l.customer_id, 'premium_service', make_date(year(q.qs), month(q.qs), least(day(l.join_date), day(last_day(q.qs)))), NULL, NULL, NULL, NULL
     FROM ${LIVE_TABLE} l, quarters q WHERE l.tier = '${PREMIUM_TIER}'`,
  ];
  if (segment) parts.push(`SELECT l.customer_id, 'promotion', ${f}, NULL, NULL, NULL, NULL FROM ${LIVE_TABLE} l WHERE l.customer_id IN (SELECT customer_id FROM ${SEGMENT_TABLE})`);
  const scoreJoin = scores
    ? `LEFT JOIN churn_scores s ON s.customer_id = o.customer_id AND s.model_version = '${scores.modelVersion.replaceAll("'", "''")}' AND s.as_of = ${lit(`${scores.asOf}-01`)}`
    : '';
  return `
    WITH years AS (SELECT CAST(unnest(range(year(${f}), year(${t}) + 1)) AS INTEGER) AS y),
    quarters AS (SELECT CAST(unnest(range(date_trunc('quarter', ${f} - INTERVAL 92 DAY), ${t} + INTERVAL 1 DAY, INTERVAL 3 MONTH)) AS DATE) AS qs),
    o AS (${parts.join('\n UNION ALL \n')})
    SELECT o.customer_id, o.occasion, strftime(o.d, '%Y-%m-%d') AS d, o.years, o.days_ahead, strftime(o.end_date, '%Y-%m-%d') AS end_date, o.name,
           l.tier, ${scores ? 's.churn_probability' : 'CAST(NULL AS DOUBLE)'} AS churn_probability,
           CASE WHEN l.marketing_consent IS NULL THEN NULL WHEN l.marketing_consent THEN 'true' ELSE 'false' END AS consent
    FROM o JOIN ${LIVE_TABLE} l ON l.customer_id = o.customer_id ${scoreJoin}
    WHERE o.d BETWEEN ${f} AND ${t}
    ORDER BY o.customer_id, o.d, o.occasion`;
}

/**
 * The customers the calendar may name, with what every occasion needs: never churned, joined by
 * the window's end, their value tier (the snapshot's tier cuts) and consent. Kept in a temporary
 * table, since every occasion reads it.
 */
function liveSql(d: Dialect, to: string, valueKey: string, valueAsOf: MonthText): string {
  const month = lit(`${valueAsOf}-01`);
  return `
    WITH v AS (SELECT customer_id, current_value FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = '${valueKey}' AND as_of = ${month}),
    cuts AS (SELECT ${tierCutsSql(d, 'current_value')} AS c FROM v),
    tiers AS (SELECT v.customer_id, ${tierCaseSql('v.current_value', 'cuts.c')} AS tier FROM v, cuts)
    SELECT c.customer_id, c.birth_date, c.join_date, c.marketing_consent, t.tier
    FROM customers c ANTI JOIN churn_events e ON e.customer_id = c.customer_id
    LEFT JOIN tiers t ON t.customer_id = c.customer_id
    WHERE c.join_date <= ${lit(to)}`;
}

const text = (set: ColumnSet, name: string) => set.columns[name] as readonly (string | null)[];
function numbers(set: ColumnSet, name: string): readonly (number | null)[] {
  const col = set.columns[name];
  if (col instanceof Float64Array) return Array.from(col, (x) => (Number.isNaN(x) ? null : x));
  return (col as readonly (string | null)[]).map((x) => (x === null ? null : Number(x)));
}

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
  if (input.segment !== undefined) await keepSegmentMembers(store, { month: valueAsOf, name: input.segment }, SEGMENT_TABLE);
  lap('value');
  try {
    await store.run(`CREATE OR REPLACE TEMP TABLE ${LIVE_TABLE} AS ${liveSql(store.dialect, to, key, valueAsOf)}`);
    lap('live');
    await store.run(`CREATE OR REPLACE TEMP TABLE ${OCCASIONS_TABLE} AS ${occasionsSql(from, to, run, input.segment !== undefined)}`);
    const set = await store.queryColumns(`SELECT * FROM ${OCCASIONS_TABLE}`);
    lap('occasions');
    const contactFrom = dayText(dayNumber(from) - policy.windowDays + 1);
    const contacts = await store.queryColumns(
      `SELECT customer_id, strftime(day, '%Y-%m-%d') AS day FROM (${contactsSql(`'${contactFrom}'`, `'${to}'`, `(SELECT DISTINCT customer_id FROM ${OCCASIONS_TABLE})`)}) AS k`,
    );
    const pastByCustomer = new Map<string, number[]>();
    const cIds = text(contacts, 'customer_id');
    const cDays = text(contacts, 'day');
    for (let i = 0; i < contacts.rowCount; i++) {
      const id = cIds[i] as string;
      const list = pastByCustomer.get(id) ?? [];
      list.push(dayNumber(cDays[i] as string));
      pastByCustomer.set(id, list);
    }
    lap('contacts');
    const planned = planRows(set, pastByCustomer, dayNumber(to), policy, input);
    lap('plan');
    return { from, to, valueAsOf, scoresAsOf: run?.asOf ?? null, policy, ...planned, phases };
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${OCCASIONS_TABLE}`);
    await store.run(`DROP TABLE IF EXISTS ${SEGMENT_TABLE}`);
    await store.run(`DROP TABLE IF EXISTS ${LIVE_TABLE}`);
  }
}

function planRows(set: ColumnSet, past: ReadonlyMap<string, number[]>, lastDay: number, policy: ContactPolicy, input: CareInput): { counts: Record<PlanStatus, number>; rows: CareRow[] } {
  const ids = text(set, 'customer_id');
  const occasions = text(set, 'occasion') as readonly Occasion[];
  const days = text(set, 'd');
  const years = numbers(set, 'years');
  const ahead = numbers(set, 'days_ahead');
  const ends = text(set, 'end_date');
  const names = text(set, 'name');
  const tiers = text(set, 'tier') as readonly (Tier | null)[];
  const probabilities = numbers(set, 'churn_probability');
  const consents = text(set, 'consent');
  const lang = input.lang ?? 'zh';
  const rows: CareRow[] = [];
  const counts: Record<PlanStatus, number> = { planned: 0, deferred: 0, dropped: 0 };
  let start = 0;
  while (start < set.rowCount) {
    const id = ids[start] as string;
    let end = start;
    while (end < set.rowCount && ids[end] === id) end++;
    const candidates: CandidateOccasion[] = [];
    for (let i = start; i < end; i++) {
      const tier = tiers[i] ?? null;
      candidates.push({ occasion: occasions[i] as Occasion, day: dayNumber(days[i] as string), priority: occasionPriority(occasions[i] as Occasion, tier === null ? null : TIERS.indexOf(tier), probabilities[i] ?? null), index: i });
    }
    const consent = consents[start] === null ? null : consents[start] === 'true';
    for (const p of planCustomer(candidates, past.get(id) ?? [], consent, lastDay, policy)) {
      const i = p.index;
      const c = candidates[i - start] as CandidateOccasion;
      const facts = { occasion: c.occasion, years: years[i] ?? null, daysAhead: ahead[i] ?? null, endDate: ends[i] ?? null, name: c.occasion === 'promotion' ? (input.promotion ?? null) : (names[i] ?? null), segment: input.segment ?? null };
      counts[p.status]++;
      rows.push({
        customer_id: id,
        date: dayText(p.day),
        occasion: c.occasion,
        priority: c.priority,
        status: p.status,
        occasion_date: days[i] as string,
        reason: reasonText(p, c.day, policy, lang),
        value_tier: tiers[i] ?? null,
        churn_probability: probabilities[i] ?? null,
        script: careScript(facts, lang),
      });
    }
    start = end;
  }
  rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : b.priority - a.priority || (a.customer_id < b.customer_id ? -1 : a.customer_id > b.customer_id ? 1 : a.occasion < b.occasion ? -1 : 1)));
  return { counts, rows };
}
