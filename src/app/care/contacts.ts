/**
 * The outbound contacts the contact-fatigue limit counts (domain/care/contact-policy.ts), read
 * from the store: a campaign member's first successful contact (campaign_members.contacted_ts,
 * which is also where `tenure nba record` writes the agent's offers), and interactions of the
 * operator-initiated kinds `care` and `offer`. Each counts on its local date (the store keeps
 * timestamps in operator local time). Inbound kinds (inquiry, complaint, repair, order,
 * cancel_request, other) never count.
 */
export const OUTBOUND_INTERACTION_KINDS = ['care', 'offer'] as const;

/**
 * SQL of the contacts (customer_id, day DATE) with local dates in [from, to] (SQL expressions of
 * dates: literals or parameters), for the customers of `customers` (a relation with customer_id in
 * parentheses, aliased here, or a condition on customer_id) or all customers. Runs on every engine.
 */
export function contactsSql(from: string, to: string, customers?: string): string {
  return `${campaignContactsSql(from, to, customers)}
    UNION ALL
    ${interactionContactsSql(from, to, customers)}`;
}

const onlySql = (customers?: string) =>
  customers === undefined ? '' : customers.startsWith('(') ? `AND customer_id IN (SELECT customer_id FROM ${customers} AS cs)` : `AND ${customers}`;

/** The campaign members' contacts part of contactsSql. */
export function campaignContactsSql(from: string, to: string, customers?: string): string {
  return `SELECT customer_id, CAST(contacted_ts AS DATE) AS day FROM campaign_members
    WHERE contacted_ts >= CAST(${from} AS DATE) AND contacted_ts < CAST(${to} AS DATE) + 1 ${onlySql(customers)}`;
}

/** The outbound interactions part of contactsSql. */
export function interactionContactsSql(from: string, to: string, customers?: string): string {
  return `SELECT customer_id, CAST(ts AS DATE) AS day FROM interactions
    WHERE kind IN (${OUTBOUND_INTERACTION_KINDS.map((k) => `'${k}'`).join(', ')})
      AND ts >= CAST(${from} AS DATE) AND ts < CAST(${to} AS DATE) + 1 ${onlySql(customers)}`;
}
