/**
 * What the uplift learners and their evaluation read from the store: the campaigns, and per
 * campaign the members of the control arm and of one offer arm with their outcome and the churn
 * model's features as of the month before the start (time-honest: what was known when the
 * members were chosen). Outcome and population follow the contract's campaign definitions, as
 * `tenure campaign evaluate` does: members not churned before the start, churned = a churn_date
 * in [start_date, start_date + horizon months).
 */
import { CONTROL_ARM } from '../../contract/spec.ts';
import { addMonths, monthsBetween, type MonthText } from '../../domain/month.ts';
import { selectRows } from '../../model/columns.ts';
import type { UpliftSet } from '../../model/uplift.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { buildCustomerFeatures, CUSTOMER_FEATURES } from '../churn-model/features.ts';
import { toModelColumns } from '../churn-model/train.ts';
import type { ExtraFeature } from '../churn-model/extra-features.ts';
import { dataSpan } from '../data-span.ts';
import { TenureError } from '../errors.ts';
import { DEFAULT_HORIZON_MONTHS } from '../campaigns/evaluate.ts';

export interface CampaignArmCount {
  readonly members: number;
  readonly accepted: number;
}

export interface CampaignRecord {
  readonly campaignId: string;
  readonly startDate: string;
  readonly firstMonth: MonthText;
  readonly horizonMonths: number;
  /** Window months after the data's last month (0: outcomes complete). */
  readonly monthsOpen: number;
  readonly arms: ReadonlyMap<string, CampaignArmCount>;
}

interface CampaignArmRow {
  campaign_id: string;
  start_date: string;
  horizon: number;
  arm: string;
  members: number;
  accepted: number;
  [k: string]: string | number | null;
}

/** Every campaign with its arms (members and acceptances), oldest first. */
export async function campaignRecords(store: AnalyticsStore): Promise<CampaignRecord[]> {
  const rows = await store.query<CampaignArmRow>(
    `SELECT c.campaign_id, ${store.dialect.formatDate('c.start_date')} AS start_date, coalesce(c.horizon_months, ${DEFAULT_HORIZON_MONTHS}) AS horizon,
            m.arm, count(*) AS members, count(*) FILTER (WHERE m.response = 'accepted') AS accepted
     FROM campaigns c JOIN campaign_members m ON m.campaign_id = c.campaign_id
     GROUP BY c.campaign_id, c.start_date, c.horizon_months, m.arm ORDER BY c.start_date, c.campaign_id, m.arm`,
  );
  const { last } = await dataSpan(store);
  const out = new Map<string, { campaignId: string; startDate: string; firstMonth: string; horizonMonths: number; monthsOpen: number; arms: Map<string, CampaignArmCount> }>();
  for (const r of rows) {
    let c = out.get(r.campaign_id);
    if (!c) {
      const firstMonth = r.start_date.slice(0, 7);
      const horizonMonths = Number(r.horizon);
      c = { campaignId: r.campaign_id, startDate: r.start_date, firstMonth, horizonMonths, monthsOpen: Math.max(0, monthsBetween(last, addMonths(firstMonth, horizonMonths - 1))), arms: new Map() };
      out.set(r.campaign_id, c);
    }
    c.arms.set(r.arm, { members: Number(r.members), accepted: Number(r.accepted) });
  }
  return [...out.values()];
}

/** Whether a campaign can teach or test an uplift model of `offerId`. */
export function usableFor(c: CampaignRecord, offerId: string): boolean {
  return c.monthsOpen === 0 && (c.arms.get(CONTROL_ARM)?.members ?? 0) > 0 && (c.arms.get(offerId)?.members ?? 0) > 0;
}

export function requireUsable(c: CampaignRecord, offerId: string): void {
  if (c.monthsOpen > 0) throw new TenureError('NO_DATA', `campaign ${c.campaignId} is still open: its window has ${c.monthsOpen} more month(s) to run, so its outcomes are not known yet`);
  if ((c.arms.get(CONTROL_ARM)?.members ?? 0) === 0) throw new TenureError('NO_DATA', `campaign ${c.campaignId} has no control arm: nothing to measure the offer against`);
  if ((c.arms.get(offerId)?.members ?? 0) === 0) throw new TenureError('NO_DATA', `campaign ${c.campaignId} has no ${offerId} arm`);
}

export interface MemberSample extends UpliftSet {
  readonly campaignId: string;
  /** Customer ids, in the rows' order (sorted). */
  readonly ids: readonly string[];
  /** Month the features are read as of: the month before the start. */
  readonly asOf: MonthText;
  /** Evaluated members with no features as of then (not on the books at the end of that month). */
  readonly withoutFeatures: number;
  /** The same rows with the churn model's features (the contract's and its x_ ones), when asked for. */
  readonly riskColumns?: UpliftSet['columns'];
}

const MEMBERS_TABLE = 'uplift_sample_members';

interface OutcomeRow {
  customer_id: string;
  treated: number;
  churned: number;
  [k: string]: string | number | null;
}

/** The control and `offerId` members of a campaign with outcome and features. */
export async function memberSample(
  store: AnalyticsStore,
  c: CampaignRecord,
  offerId: string,
  /** The churn model's x_ features: the sample then also carries that model's columns (riskColumns). */
  churnExtras?: readonly ExtraFeature[],
): Promise<MemberSample> {
  const asOf = addMonths(c.firstMonth, -1);
  const span = await dataSpan(store);
  if (monthsBetween(span.first, asOf) < 0) {
    throw new TenureError('NO_DATA', `campaign ${c.campaignId} starts ${c.startDate}, before the data has a month to read its members' features from (the data covers ${span.first}..${span.last})`);
  }
  const outcomes = await store.query<OutcomeRow>(
    `SELECT m.customer_id, CASE WHEN m.arm = CAST($2 AS VARCHAR) THEN 1 ELSE 0 END AS treated,
            CASE WHEN e.churn_date IS NOT NULL AND e.churn_date < ${store.dialect.addMonths('c.start_date', `coalesce(c.horizon_months, ${DEFAULT_HORIZON_MONTHS})`)} THEN 1 ELSE 0 END AS churned
     FROM campaign_members m JOIN campaigns c ON c.campaign_id = m.campaign_id
     LEFT JOIN churn_events e ON e.customer_id = m.customer_id
     WHERE m.campaign_id = CAST($1 AS VARCHAR) AND m.arm IN ('${CONTROL_ARM}', CAST($2 AS VARCHAR)) AND (e.churn_date IS NULL OR e.churn_date >= c.start_date)
     ORDER BY m.customer_id`,
    [c.campaignId, offerId],
  );
  // Features of the members only (the rest of the base would cost a pass over every customer's
  // bills per campaign); a customer's features are the same whoever else is in the base.
  await store.stageColumns(MEMBERS_TABLE, { rowCount: outcomes.length, names: ['customer_id'], columns: { customer_id: outcomes.map((o) => o.customer_id) } });
  let features: Awaited<ReturnType<typeof buildCustomerFeatures>>;
  try {
    features = await buildCustomerFeatures(store, asOf, c.horizonMonths, 1000, churnExtras ?? [], MEMBERS_TABLE);
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${MEMBERS_TABLE}`);
  }
  const idColumn = features.columns.customer_id;
  if (!Array.isArray(idColumn)) throw new Error('feature query lacks customer_id');
  const rowOf = new Map<string, number>();
  idColumn.forEach((id, i) => {
    if (typeof id === 'string') rowOf.set(id, i);
  });
  const rows: number[] = [];
  const kept: OutcomeRow[] = [];
  for (const o of outcomes) {
    const row = rowOf.get(o.customer_id);
    if (row === undefined) continue;
    rows.push(row);
    kept.push(o);
  }
  return {
    campaignId: c.campaignId,
    ids: kept.map((o) => o.customer_id),
    asOf,
    withoutFeatures: outcomes.length - kept.length,
    columns: selectRows(toModelColumns(features, CUSTOMER_FEATURES), rows),
    riskColumns: churnExtras ? selectRows(toModelColumns(features, [...CUSTOMER_FEATURES, ...churnExtras]), rows) : undefined,
    treated: Uint8Array.from(kept, (o) => Number(o.treated)),
    churned: Uint8Array.from(kept, (o) => Number(o.churned)),
  };
}
