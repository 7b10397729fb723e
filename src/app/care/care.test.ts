import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTACT_POLICY } from '../../domain/care/contact-policy.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { careCalendar, type CareRow } from './care.ts';
import { CARE_COLUMNS, careRowCells, careRowJson } from './care-json.ts';
import { CARE_CUSTOMERS as C, careStore } from './test-fixture.ts';

let store: AnalyticsStore;
beforeAll(async () => {
  store = await careStore();
});
afterAll(async () => {
  await store.close();
});

const of = (rows: readonly CareRow[], id: string, occasion?: string) => rows.filter((r) => r.customer_id === id && (occasion === undefined || r.occasion === occasion));

describe('tenure care', () => {
  it('defaults to the 30 days after the data, and a churned customer never appears', async () => {
    const c = await careCalendar(store, { lang: 'en' });
    expect([c.from, c.to, c.valueAsOf]).toEqual(['2026-01-01', '2026-01-30', '2025-12']);
    expect(of(c.rows, C.churned)).toEqual([]);
    const wide = await careCalendar(store, { from: '2025-01-01', to: '2025-12-31', policy: { ...DEFAULT_CONTACT_POLICY, unknownConsent: 'allow' } });
    expect(of(wide.rows, C.churned)).toEqual([]);
  });

  it("one customer's calendar (the 360 page) has exactly that customer's rows of the whole calendar", async () => {
    const input = { from: '2025-01-01', to: '2025-12-31', lang: 'en' as const, policy: { ...DEFAULT_CONTACT_POLICY, unknownConsent: 'allow' as const } };
    const whole = await careCalendar(store, input);
    const ids = [...new Set(whole.rows.map((r) => r.customer_id))];
    expect(ids.length).toBeGreaterThan(3);
    for (const id of [...ids, C.churned, 'NOBODY']) {
      const one = await careCalendar(store, { ...input, customer: id });
      expect(one.rows, id).toEqual(of(whole.rows, id));
    }
    // Quotes in an id are data, not SQL.
    expect((await careCalendar(store, { ...input, customer: "x' OR '1'='1" })).rows).toEqual([]);
  });

  it('rows come by contact day, then priority (highest first), customer and occasion; the CSV cells are the JSON row in column order', async () => {
    const c = await careCalendar(store, { from: '2025-01-01', to: '2025-12-31', lang: 'en', policy: { ...DEFAULT_CONTACT_POLICY, unknownConsent: 'allow' } });
    expect(c.rows.length).toBeGreaterThan(10);
    const key = (r: CareRow) => [r.date, -r.priority, r.customer_id, r.occasion] as const;
    for (let i = 1; i < c.rows.length; i++) {
      const a = key(c.rows[i - 1] as CareRow);
      const b = key(c.rows[i] as CareRow);
      const cmp = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0);
      expect(cmp, `row ${i}`).toBeLessThanOrEqual(0);
    }
    for (const r of c.rows) {
      const json: Record<string, unknown> = careRowJson(r);
      expect(careRowCells(r)).toEqual(CARE_COLUMNS.map((k) => json[k]));
    }
  });

  it('a Feb 29 birthday is on Feb 28 in 2027 and on Feb 29 in 2028', async () => {
    const y2027 = await careCalendar(store, { from: '2027-02-20', to: '2027-03-05' });
    expect(of(y2027.rows, C.leap, 'birthday').map((r) => r.date)).toEqual(['2027-02-28']);
    const y2028 = await careCalendar(store, { from: '2028-02-20', to: '2028-03-05' });
    expect(of(y2028.rows, C.leap, 'birthday').map((r) => r.date)).toEqual(['2028-02-29']);
  });

  it('consent false and blank: listed as dropped with the reason, blank planned when configured', async () => {
    const c = await careCalendar(store, { lang: 'en' });
    expect(of(c.rows, C.refused, 'birthday').map((r) => [r.date, r.status, r.reason])).toEqual([['2026-01-10', 'dropped', 'no marketing consent: no outbound contact']]);
    expect(of(c.rows, C.blank, 'birthday').map((r) => [r.status, r.reason])).toEqual([['dropped', 'no marketing consent: no outbound contact']]);
    const allowed = await careCalendar(store, { lang: 'en', policy: { ...DEFAULT_CONTACT_POLICY, unknownConsent: 'allow' } });
    expect(of(allowed.rows, C.blank, 'birthday').map((r) => [r.date, r.status])).toEqual([['2026-01-11', 'planned']]);
    expect(of(allowed.rows, C.refused, 'birthday').map((r) => r.status)).toEqual(['dropped']);
  });

  it('a contract expiry inside the fatigue window is deferred until the window frees up (campaign contacts and care calls count, complaints do not)', async () => {
    const c = await careCalendar(store, { lang: 'en' });
    const [row] = of(c.rows, C.fatigued, 'contract_expiry');
    expect(row).toMatchObject({ occasion_date: '2026-01-10', date: '2026-01-19', status: 'deferred' });
    expect(row?.reason).toBe('contact fatigue: moved to 2026-01-19; 2 contacts in the 30 days to 2026-01-10 (limit 2)');
    expect(row?.script).toBe('The contract ends on 2026-03-11 (60 days): remind the customer and present the renewal options.');
    // A limit of 3 lets it through on its day.
    const loose = await careCalendar(store, { policy: { ...DEFAULT_CONTACT_POLICY, maxContacts: 3 } });
    expect(of(loose.rows, C.fatigued, 'contract_expiry').map((r) => [r.date, r.status])).toEqual([['2026-01-10', 'planned']]);
  });

  it('a contact counts on its local day: 23:59:59 the day before the window does not, 00:00:00 on its first day does', async () => {
    const c = await careCalendar(store);
    expect(of(c.rows, C.beforeMidnight, 'contract_expiry').map((r) => [r.date, r.status])).toEqual([['2026-01-10', 'planned']]);
    expect(of(c.rows, C.atMidnight, 'contract_expiry').map((r) => [r.date, r.status])).toEqual([['2026-01-11', 'deferred']]);
  });

  it('rows come by date then priority; every occasion is accounted for', async () => {
    const c = await careCalendar(store);
    expect(c.counts.planned + c.counts.deferred + c.counts.dropped).toBe(c.rows.length);
    for (let i = 1; i < c.rows.length; i++) {
      const a = c.rows[i - 1] as CareRow;
      const b = c.rows[i] as CareRow;
      expect(a.date < b.date || (a.date === b.date && a.priority >= b.priority)).toBe(true);
    }
  });

  it('refuses bad windows with the flag named', async () => {
    await expect(careCalendar(store, { from: '2026-02-30' })).rejects.toThrow(/--from must be a date written YYYY-MM-DD, got "2026-02-30"/);
    await expect(careCalendar(store, { from: '2026-02-01', to: '2026-01-01' })).rejects.toThrow(/--to 2026-01-01 is before --from 2026-02-01/);
    await expect(careCalendar(store, { promotion: 'x' })).rejects.toThrow(/--promotion needs --segment/);
  });
});
