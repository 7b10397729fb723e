/**
 * `tenure campaign evaluate`: every imported campaign (or one) measured against its control
 * group by intention to treat, per the data contract's campaign definitions. The store sums
 * each arm (members, churn in the window, reach, revenue, cost); domain/campaigns turns the
 * sums into intervals, uplift, money and a verdict.
 *
 * Window: churn counts churn_date in [start_date, start_date + horizon months); revenue counts
 * the horizon's billing months starting with the start date's month. A campaign whose last
 * window month is after the data's last month is "open": it reports members only and how many
 * months are still to come, never rates computed on a partial window.
 */
import { CONTROL_ARM } from '../../contract/spec.ts';
import { evaluateArms, type ArmEvaluation, type ArmSums } from '../../domain/campaigns/evaluation.ts';
import { addMonths, monthsBetween, type MonthText } from '../../domain/month.ts';
import type { SbgParameters } from '../../domain/retention/sbg.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { dataSpan } from '../data-span.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE } from '../value/value-snapshot.ts';

export const DEFAULT_HORIZON_MONTHS = 3;
/** Members in the lowest this-many risk deciles count as "would most likely have stayed". */
export const LOW_RISK_DECILES = 3;

export interface DilutionGuard {
  /** As-of month of the scoring run used for the members' risk (the latest before the start), or null. */
  readonly riskScoresAsOf: MonthText | null;
  /** Accepted members of the arm in the bottom risk deciles. */
  readonly lowRiskAccepted: number;
  /** Discount given to them over the window: monthly_discount × min(offer months, horizon). */
  readonly lowRiskDiscount: number;
  /** Discount given to every accepted member of the arm, the same way. */
  readonly totalDiscount: number;
}

export interface CampaignArm extends ArmEvaluation {
  readonly dilution: DilutionGuard | null;
}

export interface CampaignEvaluation {
  readonly campaignId: string;
  readonly name: string;
  readonly purpose: string;
  readonly startDate: string;
  readonly horizonMonths: number;
  /** The window's billing months, inclusive. */
  readonly windowMonths: readonly [MonthText, MonthText];
  readonly status: 'complete' | 'open';
  /** Window months after the data's last month (0 when complete). */
  readonly monthsOpen: number;
  /** Members who had churned before the start: not part of the evaluated population. */
  readonly churnedBeforeStart: number;
  /** Control members with a contact or a response. */
  readonly contamination: number;
  readonly arms: readonly CampaignArm[];
}

export interface CampaignEvaluationReport {
  readonly dataLastMonth: MonthText;
  readonly campaigns: readonly CampaignEvaluation[];
}

interface CampaignRow {
  campaign_id: string;
  name: string;
  purpose: string;
  start_date: string;
  horizon: number;
  [k: string]: string | number | null;
}

interface ArmRow {
  campaign_id: string;
  arm: string;
  members: number;
  churned_before: number;
  churned: number;
  reached: number;
  touched: number;
  revenue: string | null;
  cost: string | null;
  [k: string]: string | number | null;
}

/** Evaluated members: not churned before the start; churn and window end from the campaign. */
const MEMBERS_SQL = `
  SELECT m.campaign_id, m.customer_id, m.arm, m.contacted_ts, m.response, m.cost AS member_cost,
         c.start_date, coalesce(c.horizon_months, ${DEFAULT_HORIZON_MONTHS}) AS horizon,
         date_trunc('month', c.start_date) AS first_month, e.churn_date
  FROM campaign_members m
  JOIN campaigns c ON c.campaign_id = m.campaign_id
  LEFT JOIN churn_events e ON e.customer_id = m.customer_id
  WHERE ($1::VARCHAR IS NULL OR m.campaign_id = $1)`;

/** Whether the store holds any campaign to evaluate. */
export async function hasCampaigns(store: AnalyticsStore): Promise<boolean> {
  const [row] = await store.query<{ n: number | bigint }>('SELECT count(*) AS n FROM (SELECT 1 FROM campaigns LIMIT 1) AS c');
  return Number(row?.n ?? 0) > 0;
}

export async function evaluateCampaigns(store: AnalyticsStore, input: { campaignId?: string } = {}): Promise<CampaignEvaluationReport> {
  const id = input.campaignId ?? null;
  const campaigns = await store.query<CampaignRow>(
    `SELECT campaign_id, name, purpose, strftime(start_date, '%Y-%m-%d') AS start_date,
            coalesce(horizon_months, ${DEFAULT_HORIZON_MONTHS}) AS horizon
     FROM campaigns WHERE ($1::VARCHAR IS NULL OR campaign_id = $1) ORDER BY start_date, campaign_id`,
    [id],
  );
  if (campaigns.length === 0) {
    throw new TenureError('NO_DATA', id === null ? 'no campaigns in the store; import campaigns.csv and campaign_members.csv first' : `no campaign ${id} in the store`);
  }
  const { last } = await dataSpan(store);
  const evaluated = 'm.churn_date IS NULL OR m.churn_date >= m.start_date';
  const arms = await store.query<ArmRow>(
    `WITH m AS (${MEMBERS_SQL}),
     rev AS (
       SELECT m.campaign_id, m.arm, sum(u.revenue) AS revenue
       FROM m JOIN monthly_usage u ON u.customer_id = m.customer_id
        AND u.month >= m.first_month AND u.month < m.first_month + to_months(m.horizon)
       WHERE ${evaluated} GROUP BY m.campaign_id, m.arm
     ),
     agg AS (
       SELECT m.campaign_id, m.arm, count(*) AS members,
              count(*) FILTER (WHERE NOT (${evaluated})) AS churned_before,
              count(*) FILTER (WHERE m.churn_date >= m.start_date AND m.churn_date < m.start_date + to_months(m.horizon)) AS churned,
              count(*) FILTER (WHERE (${evaluated}) AND m.contacted_ts IS NOT NULL) AS reached,
              count(*) FILTER (WHERE (${evaluated}) AND (m.contacted_ts IS NOT NULL OR m.response IS NOT NULL)) AS touched,
              sum(CASE WHEN ${evaluated} THEN
                coalesce(m.member_cost,
                  coalesce(o.contact_cost, 0) * CASE WHEN m.contacted_ts IS NOT NULL OR m.response IS NOT NULL THEN 1 ELSE 0 END
                  + coalesce(o.unit_cost, 0) * CASE WHEN m.response = 'accepted' THEN 1 ELSE 0 END) END) AS cost
       FROM m LEFT JOIN offers o ON o.offer_id = m.arm
       GROUP BY m.campaign_id, m.arm
     )
     SELECT agg.campaign_id, agg.arm, agg.members, agg.churned_before, agg.churned, agg.reached, agg.touched,
            CAST(agg.cost AS VARCHAR) AS cost, CAST(rev.revenue AS VARCHAR) AS revenue
     FROM agg LEFT JOIN rev ON rev.campaign_id = agg.campaign_id AND rev.arm = agg.arm`,
    [id],
  );
  const out: CampaignEvaluation[] = [];
  let sbg: SbgParameters | null | undefined;
  for (const c of campaigns) {
    const firstMonth = c.start_date.slice(0, 7);
    const lastWindowMonth = addMonths(firstMonth, Number(c.horizon) - 1);
    const monthsOpen = Math.max(0, monthsBetween(last, lastWindowMonth));
    const own = arms.filter((a) => a.campaign_id === c.campaign_id);
    const churnedBeforeStart = own.reduce((n, a) => n + Number(a.churned_before), 0);
    const control = own.find((a) => a.arm === CONTROL_ARM);
    const contamination = control ? Number(control.touched) : 0;
    // One value snapshot and one query per campaign (not per arm); the cohort fit once per evaluation.
    const retained = monthsOpen > 0 ? new Map<string, number>() : await retainedValues(store, c.campaign_id, lastWindowMonth, sbg === undefined ? (sbg = await baseSbg(store)) : sbg);
    const sums: ArmSums[] = [];
    for (const a of own) {
      const members = Number(a.members) - Number(a.churned_before);
      sums.push({
        arm: a.arm,
        members,
        churned: Number(a.churned),
        reached: Number(a.reached),
        touched: Number(a.touched),
        revenue: Number(a.revenue ?? 0),
        cost: Number(a.cost ?? 0),
        retainedValue: retained.get(a.arm) ?? null,
      });
    }
    const base = {
      campaignId: c.campaign_id,
      name: c.name,
      purpose: c.purpose,
      startDate: c.start_date,
      horizonMonths: Number(c.horizon),
      windowMonths: [firstMonth, lastWindowMonth] as const,
      churnedBeforeStart,
      contamination,
    };
    if (monthsOpen > 0) {
      // No rates, uplift or money on a window that has not run its course.
      const arms = sums.map((s) => ({ arm: s.arm, members: s.members, reached: s.reached })).sort((a, b) => (a.arm === CONTROL_ARM ? -1 : b.arm === CONTROL_ARM ? 1 : a.arm.localeCompare(b.arm)));
      out.push({ ...base, status: 'open', monthsOpen, arms: arms.map((a) => openArm(a)) });
      continue;
    }
    const guard = await dilutionGuards(store, c.campaign_id, firstMonth, Number(c.horizon));
    out.push({
      ...base,
      status: 'complete',
      monthsOpen: 0,
      arms: evaluateArms(sums).map((a) => ({ ...a, dilution: a.arm === CONTROL_ARM ? null : (guard.get(a.arm) ?? emptyGuard(guard.asOf)) })),
    });
  }
  return { dataLastMonth: last, campaigns: out };
}

function openArm(a: { arm: string; members: number; reached: number }): CampaignArm {
  return {
    arm: a.arm,
    members: a.members,
    churned: 0,
    churnRate: null,
    churnRateCi: null,
    reached: a.reached,
    revenuePerMember: null,
    cost: 0,
    retainedValue: null,
    uplift: null,
    upliftCi: null,
    saved: null,
    incrementalRevenue: null,
    netValue: null,
    roi: null,
    upliftAmongReached: null,
    verdict: a.arm === CONTROL_ARM ? 'control' : 'no_evidence',
    dilution: null,
  };
}

/** Per arm, the mean customer value at the window's last month of its members still active then. */
async function retainedValues(store: AnalyticsStore, campaignId: string, asOf: MonthText, sbg: SbgParameters | null): Promise<Map<string, number>> {
  const { key } = await ensureValueSnapshot(store, asOf, DEFAULT_VALUE_PARAMETERS, sbg);
  const rows = await store.query<{ arm: string; v: number | null }>(
    `SELECT m.arm, avg(v.current_value) AS v FROM ${SNAPSHOT_TABLE} v
     JOIN campaign_members m ON m.customer_id = v.customer_id
     WHERE v.snapshot_key = $1 AND v.as_of = CAST($2 AS DATE) AND m.campaign_id = $3
     GROUP BY m.arm`,
    [key, `${asOf}-01`, campaignId],
  );
  return new Map(rows.filter((r) => r.v !== null).map((r) => [r.arm, Number(r.v)]));
}

/** As-of month of the latest scoring run before `month` (risk known before a campaign starts), or null. */
export async function latestScoringBefore(store: AnalyticsStore, month: MonthText): Promise<MonthText | null> {
  const [run] = await store.query<{ as_of: string | null }>(
    `SELECT strftime(max(as_of), '%Y-%m') AS as_of FROM churn_scores WHERE as_of < CAST($1 AS DATE)`,
    [`${month}-01`],
  );
  return run?.as_of ?? null;
}

const emptyGuard = (asOf: MonthText | null): DilutionGuard => ({ riskScoresAsOf: asOf, lowRiskAccepted: 0, lowRiskDiscount: 0, totalDiscount: 0 });

/**
 * The ARPU dilution guard: per offer arm, the discount handed to accepted members who were at
 * low risk before the campaign (bottom LOW_RISK_DECILES deciles of the latest churn scores as of
 * a month before the start) and would most likely have stayed anyway.
 */
async function dilutionGuards(
  store: AnalyticsStore,
  campaignId: string,
  firstMonth: MonthText,
  horizon: number,
): Promise<Map<string, DilutionGuard> & { asOf: MonthText | null }> {
  const asOf = await latestScoringBefore(store, firstMonth);
  const rows = await store.query<{ arm: string; low_accepted: number; low_discount: string | null; total_discount: string | null }>(
    `WITH m AS (${MEMBERS_SQL}),
     ev AS (SELECT * FROM m WHERE churn_date IS NULL OR churn_date >= start_date),
     risk AS (
       SELECT ev.customer_id, ntile(10) OVER (ORDER BY s.churn_probability, ev.customer_id) AS decile
       FROM ev JOIN churn_scores s ON s.customer_id = ev.customer_id AND s.as_of = CAST($2 AS DATE)
     ),
     given AS (
       SELECT ev.arm, r.decile, coalesce(o.monthly_discount, 0) * least(coalesce(o.months, $3), $3) AS discount
       FROM ev JOIN offers o ON o.offer_id = ev.arm LEFT JOIN risk r ON r.customer_id = ev.customer_id
       WHERE ev.response = 'accepted'
     )
     SELECT arm, count(*) FILTER (WHERE decile <= ${LOW_RISK_DECILES}) AS low_accepted,
            CAST(sum(discount) FILTER (WHERE decile <= ${LOW_RISK_DECILES}) AS VARCHAR) AS low_discount,
            CAST(sum(discount) AS VARCHAR) AS total_discount
     FROM given GROUP BY arm`,
    [campaignId, asOf === null ? null : `${asOf}-01`, horizon],
  );
  const out = new Map<string, DilutionGuard>() as Map<string, DilutionGuard> & { asOf: MonthText | null };
  out.asOf = asOf;
  for (const r of rows) {
    out.set(r.arm, {
      riskScoresAsOf: asOf,
      lowRiskAccepted: Number(r.low_accepted),
      lowRiskDiscount: Number(r.low_discount ?? 0),
      totalDiscount: Number(r.total_discount ?? 0),
    });
  }
  return out;
}
