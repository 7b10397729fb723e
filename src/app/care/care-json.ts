import { fraction } from '../../domain/numeric/shown.ts';
import { toICalendar } from '../../domain/care/ical.ts';
import type { CareCalendar, CareRow } from './care.ts';

/** The care calendar as machine output: `tenure care --json` / --out .csv / .ics and the HTTP API. */
export const CARE_COLUMNS = ['customer_id', 'date', 'occasion', 'priority', 'status', 'occasion_date', 'reason', 'value_tier', 'churn_probability', 'script'] as const;

export const careRowJson = (r: CareRow) => ({ ...r, churn_probability: fraction(r.churn_probability) });

/** careRowJson's values in the order of CARE_COLUMNS (the CSV rows). */
export const careRowCells = (r: CareRow) => [r.customer_id, r.date, r.occasion, r.priority, r.status, r.occasion_date, r.reason, r.value_tier, fraction(r.churn_probability), r.script] as const;

export function careIcs(c: CareCalendar, lang: 'zh' | 'en'): string {
  const events = c.rows
    .filter((r) => r.status !== 'dropped')
    .map((r) => ({
      uid: `${r.customer_id}-${r.occasion}-${r.occasion_date}@tenure.care`,
      date: r.date,
      summary: `${r.customer_id} ${r.occasion}`,
      description: r.reason ? `${r.script}\n${r.reason}` : r.script,
      categories: [r.occasion, r.status],
      // iCalendar PRIORITY: 1 highest … 9 lowest.
      priority: Math.max(1, Math.min(9, 10 - Math.round(r.priority * 2))),
    }));
  return toICalendar(events, { stamp: new Date(), name: lang === 'en' ? `Care calendar ${c.from}..${c.to}` : `关怀日历 ${c.from}..${c.to}` });
}

export function careJson(c: CareCalendar) {
  return {
    from: c.from,
    to: c.to,
    value_as_of: c.valueAsOf,
    scores_as_of: c.scoresAsOf,
    policy: { max_contacts: c.policy.maxContacts, window_days: c.policy.windowDays, unknown_consent: c.policy.unknownConsent },
    counts: c.counts,
    occasions: c.rows.map(careRowJson),
  };
}
