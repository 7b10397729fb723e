/**
 * A hand-made operator for the care and nba tests: seven customers billed 100 a month for
 * 2025-07..2025-12 (so the care window defaults to 2026-01-01..2026-01-30), each set up for
 * one rule (see the comments), inserted with SQL into an in-memory store.
 */
import type { AnalyticsStore } from '../../store/port.ts';
import { addBills, addCustomers, addExits, memoryStore, monthlyBills } from '../lifecycle/test-store.ts';

export const CARE_CUSTOMERS = {
  /** Born on Feb 29, consent true. */
  leap: 'C1',
  /** Consent false, birthday Jan 10. */
  refused: 'C2',
  /** Consent blank, birthday Jan 11. */
  blank: 'C3',
  /** Churned 2025-10-05, birthday Jan 12: never appears. */
  churned: 'C4',
  /** Contract ends 2026-03-11 (60-day reminder 2026-01-10); a campaign contact 2025-12-20, a care call 2026-01-02 (a complaint 01-05 does not count). */
  fatigued: 'C5',
  /** The same contract; contacts 2026-01-02 and a care call at 2025-12-11 23:59:59 (outside every window with 2026-01-10). */
  beforeMidnight: 'C6',
  /** The same contract; contacts 2026-01-02 and a care call at 2025-12-12 00:00:00 (inside the window 2025-12-12..2026-01-10). */
  atMidnight: 'C7',
} as const;

export async function careStore(): Promise<AnalyticsStore> {
  return fillCareStore(await memoryStore());
}

/** The care customers in an empty store of any engine. */
export async function fillCareStore(store: AnalyticsStore): Promise<AnalyticsStore> {
  const ids = Object.values(CARE_CUSTOMERS);
  await addCustomers(store, ids.map((id) => ({ id, joined: '2020-06-15' })));
  const set = async (id: string, birth: string | null, consent: boolean | null) =>
    store.run(`UPDATE customers SET birth_date = CAST($2 AS DATE), marketing_consent = CAST($3 AS BOOLEAN) WHERE customer_id = CAST($1 AS VARCHAR)`, [id, birth, consent]);
  await set('C1', '1992-02-29', true);
  await set('C2', '1980-01-10', false);
  await set('C3', '1980-01-11', null);
  await set('C4', '1980-01-12', true);
  for (const id of ['C5', 'C6', 'C7']) await set(id, null, true);
  await addBills(store, ids.flatMap((id) => monthlyBills(id, '2025-07', id === 'C4' ? '2025-09' : '2025-12', 100)));
  await addExits(store, [['C4', '2025-10-05', 'voluntary', '101']]);
  for (const id of ['C5', 'C6', 'C7']) {
    await store.run(
      `INSERT INTO subscriptions (subscription_id, customer_id, product_id, category, start_date, contract_end_date, monthly_fee)
       VALUES (CAST($1 AS VARCHAR), CAST($2 AS VARCHAR), 'TV-HD', 'tv_hd', DATE '2024-03-11', DATE '2026-03-11', 60)`,
      [`S-${id}`, id],
    );
  }
  await store.run(`INSERT INTO offers (offer_id, name, kind, monthly_discount, months, contact_cost) VALUES ('R10', '10 off for 6 months', 'discount', 10, 6, 1.5)`);
  await store.run(`INSERT INTO campaigns (campaign_id, name, purpose, start_date, horizon_months) VALUES ('K1', 'Winter', 'retention', DATE '2025-12-15', 3)`);
  await store.run(
    `INSERT INTO campaign_members (campaign_id, customer_id, arm, assigned_date, contacted_ts, response) VALUES
       ('K1', 'C5', 'R10', DATE '2025-12-10', TIMESTAMP '2025-12-20 10:00:00', 'declined'),
       ('K1', 'C6', 'R10', DATE '2025-12-10', TIMESTAMP '2026-01-02 09:00:00', 'declined'),
       ('K1', 'C7', 'R10', DATE '2025-12-10', TIMESTAMP '2026-01-02 09:00:00', 'declined')`,
  );
  await store.run(
    `INSERT INTO interactions (interaction_id, customer_id, ts, channel, kind) VALUES
       ('I1', 'C5', TIMESTAMP '2026-01-02 11:00:00', 'hotline', 'care'),
       ('I2', 'C5', TIMESTAMP '2026-01-05 11:00:00', 'hotline', 'complaint'),
       ('I3', 'C6', TIMESTAMP '2025-12-11 23:59:59', 'hotline', 'care'),
       ('I4', 'C7', TIMESTAMP '2025-12-12 00:00:00', 'hotline', 'offer')`,
  );
  return store;
}
