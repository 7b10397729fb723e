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
import { requireWritable } from '../../store/access.ts';
import type { Dialect } from '../../store/dialect.ts';
import type { AnalyticsStore, SqlValue } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { dataSpan } from '../data-span.ts';
import { baseDataFingerprint } from '../lifecycle/history-store.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { dateLiteral } from '../lifecycle/stages-sql.ts';
import { ensureValueSnapshot, isValueSnapshotKept, SNAPSHOT_TABLE, VALUE_VERSION } from '../value/value-snapshot.ts';
import { previousScoringRun, type ScoringRun } from '../warn/warn.ts';

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

/** One arm's sums: what evaluateArms and the dilution guard read (kept as such for complete campaigns). */
interface ArmRow {
  campaign_id: string;
  arm: string;
  members: number;
  churned_before: number;
  churned: number;
  reached: number;
  touched: number;
  cost: string | null;
  low_accepted: number | null;
  low_discount: string | null;
  total_discount: string | null;
  revenue: string | null;
  retained_value: number | null;
  [k: string]: string | number | null;
}

/** Whether the store holds any campaign to evaluate. */
export async function hasCampaigns(store: AnalyticsStore): Promise<boolean> {
  const [row] = await store.query<{ n: number | bigint }>('SELECT count(*) AS n FROM (SELECT 1 FROM campaigns LIMIT 1) AS c');
  return Number(row?.n ?? 0) > 0;
}

const campaignsSql = (d: Dialect) => `SELECT campaign_id, name, purpose, ${d.formatDate('start_date')} AS start_date, coalesce(horizon_months, ${DEFAULT_HORIZON_MONTHS}) AS horizon
  FROM campaigns WHERE start_date IS NOT NULL AND (CAST($1 AS VARCHAR) IS NULL OR campaign_id = CAST($1 AS VARCHAR)) ORDER BY start_date, campaign_id`;

export async function evaluateCampaigns(store: AnalyticsStore, input: { campaignId?: string } = {}): Promise<CampaignEvaluationReport> {
  const id = input.campaignId ?? null;
  const campaigns = await store.query<CampaignRow>(campaignsSql(store.dialect), [id]);
  if (campaigns.length === 0) {
    throw new TenureError('NO_DATA', id === null ? 'no campaigns in the store; import campaigns.csv and campaign_members.csv first' : `no campaign ${id} in the store`);
  }
  const { last } = await dataSpan(store);
  const windows = await campaignWindows(store, campaigns);
  const plans = windows.map((w, i) => ({ c: campaigns[i] as CampaignRow, w, monthsOpen: Math.max(0, monthsBetween(last, w.lastMonth)) }));
  // A complete campaign's sums as a writer kept them for the current data, members, offers and
  // scoring run; the rest (open campaigns: members and reach only) computed here.
  const complete = plans.filter((p) => p.monthsOpen === 0).map((p) => p.w);
  const fingerprints = await armSumFingerprints(store, complete);
  const arms = await keptArmSums(store, fingerprints);
  const kept = new Set(arms.map((a) => a.campaign_id));
  const toCompute = plans.filter((p) => !kept.has(p.w.campaignId));
  arms.push(...(await computeArmSums(store, toCompute.map((p) => p.w), new Set(toCompute.filter((p) => p.monthsOpen === 0).map((p) => p.w.campaignId)))));

  const out: CampaignEvaluation[] = [];
  for (const { c, w, monthsOpen } of plans) {
    const own = arms.filter((a) => a.campaign_id === c.campaign_id);
    const churnedBeforeStart = own.reduce((n, a) => n + Number(a.churned_before), 0);
    const control = own.find((a) => a.arm === CONTROL_ARM);
    const contamination = control ? Number(control.touched) : 0;
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
        retainedValue: a.retained_value === null ? null : Number(a.retained_value),
      });
    }
    const base = {
      campaignId: c.campaign_id,
      name: c.name,
      purpose: c.purpose,
      startDate: c.start_date,
      horizonMonths: w.horizon,
      windowMonths: [w.firstMonth, w.lastMonth] as const,
      churnedBeforeStart,
      contamination,
    };
    if (monthsOpen > 0) {
      // No rates, uplift or money on a window that has not run its course.
      const arms = sums.map((s) => ({ arm: s.arm, members: s.members, reached: s.reached })).sort((a, b) => (a.arm === CONTROL_ARM ? -1 : b.arm === CONTROL_ARM ? 1 : a.arm.localeCompare(b.arm)));
      out.push({ ...base, status: 'open', monthsOpen, arms: arms.map((a) => openArm(a)) });
      continue;
    }
    const asOf = w.scores?.asOf ?? null;
    const guard = new Map(
      own.map((a) => [
        a.arm,
        { riskScoresAsOf: asOf, lowRiskAccepted: Number(a.low_accepted ?? 0), lowRiskDiscount: Number(a.low_discount ?? 0), totalDiscount: Number(a.total_discount ?? 0) },
      ]),
    );
    out.push({
      ...base,
      status: 'complete',
      monthsOpen: 0,
      arms: evaluateArms(sums).map((a) => ({ ...a, dilution: a.arm === CONTROL_ARM ? null : (guard.get(a.arm) ?? emptyGuard(asOf)) })),
    });
  }
  return { dataLastMonth: last, campaigns: out };
}

interface CampaignWindow {
  readonly campaignId: string;
  readonly startDate: string;
  readonly horizon: number;
  readonly firstMonth: MonthText;
  /** The window's last billing month (the retained value's month). */
  readonly lastMonth: MonthText;
  /**
   * The risk before the campaign (the dilution guard's deciles): the latest scoring run of the
   * latest scored month before its first month (warn's rule; two models may have scored that month).
   */
  readonly scores: ScoringRun | null;
}

async function campaignWindows(store: AnalyticsStore, campaigns: readonly CampaignRow[]): Promise<CampaignWindow[]> {
  const runs = new Map<MonthText, ScoringRun | null>();
  const out: CampaignWindow[] = [];
  for (const c of campaigns) {
    const firstMonth = c.start_date.slice(0, 7);
    if (!runs.has(firstMonth)) runs.set(firstMonth, await previousScoringRun(store, firstMonth));
    const horizon = Number(c.horizon);
    out.push({ campaignId: c.campaign_id, startDate: c.start_date, horizon, firstMonth, lastMonth: addMonths(firstMonth, horizon - 1), scores: runs.get(firstMonth) ?? null });
  }
  return out;
}

/**
 * Every arm's sums of the campaigns in one pass over their members: size, churn in the window,
 * reach and cost; for the complete ones (`complete`) also the ARPU dilution guard and, from the
 * bills and the value snapshot of the window's last month, revenue and retained value.
 */
async function computeArmSums(store: AnalyticsStore, windows: readonly CampaignWindow[], complete: ReadonlySet<string>): Promise<ArmRow[]> {
  if (windows.length === 0) return [];
  const params: SqlValue[] = [];
  const k = windows
    .map((w) => {
      const scores = complete.has(w.campaignId) ? w.scores : null;
      params.push(w.campaignId, scores === null ? null : `${scores.asOf}-01`, scores?.modelVersion ?? null);
      const n = params.length;
      return `(CAST($${n - 2} AS VARCHAR), CAST($${n - 1} AS DATE), CAST($${n} AS VARCHAR))`;
    })
    .join(', ');
  // A constant list of the runs' months, so the scan of churn_scores skips the other runs.
  const runMonths = [...new Set(windows.filter((w) => complete.has(w.campaignId) && w.scores !== null).map((w) => (w.scores as ScoringRun).asOf))];
  const evaluated = 'm.churn_date IS NULL OR m.churn_date >= m.start_date';
  const rows = await store.query<ArmRow>(
    `WITH k AS (SELECT * FROM (VALUES ${k}) AS t(campaign_id, scores_as_of, scores_model)),
     m AS (
       SELECT m.campaign_id, m.customer_id, m.arm, m.contacted_ts, m.response, m.cost AS member_cost,
              c.start_date, coalesce(c.horizon_months, ${DEFAULT_HORIZON_MONTHS}) AS horizon, e.churn_date
       FROM campaign_members m
       JOIN campaigns c ON c.campaign_id = m.campaign_id
       LEFT JOIN churn_events e ON e.customer_id = m.customer_id
       WHERE m.campaign_id IN (SELECT campaign_id FROM k)
     ),
     ev AS (SELECT m.* FROM m WHERE ${evaluated}),
     agg AS (
       SELECT m.campaign_id, m.arm, count(*) AS members,
              count(*) FILTER (WHERE NOT (${evaluated})) AS churned_before,
              count(*) FILTER (WHERE m.churn_date >= m.start_date AND m.churn_date < ${store.dialect.addMonths('m.start_date', 'm.horizon')}) AS churned,
              count(*) FILTER (WHERE (${evaluated}) AND m.contacted_ts IS NOT NULL) AS reached,
              count(*) FILTER (WHERE (${evaluated}) AND (m.contacted_ts IS NOT NULL OR m.response IS NOT NULL)) AS touched,
              sum(CASE WHEN ${evaluated} THEN
                coalesce(m.member_cost,
                  coalesce(o.contact_cost, 0) * CASE WHEN m.contacted_ts IS NOT NULL OR m.response IS NOT NULL THEN 1 ELSE 0 END
                  + coalesce(o.unit_cost, 0) * CASE WHEN m.response = 'accepted' THEN 1 ELSE 0 END) END) AS cost
       FROM m LEFT JOIN offers o ON o.offer_id = m.arm
       GROUP BY m.campaign_id, m.arm
     ),
     -- The ARPU dilution guard: the discount handed to accepted members who were at low risk
     -- before the campaign (bottom deciles, within the campaign, of the scoring run before it).
     risk AS (
       SELECT m.campaign_id, m.customer_id,
              ntile(10) OVER (PARTITION BY m.campaign_id ORDER BY s.churn_probability, m.customer_id) AS decile
       FROM ev AS m JOIN k ON k.campaign_id = m.campaign_id
       JOIN (SELECT customer_id, as_of, model_version, churn_probability FROM churn_scores
             WHERE ${runMonths.length === 0 ? 'false' : `as_of IN (${runMonths.map(dateLiteral).join(', ')})`}) AS s
         ON s.customer_id = m.customer_id AND s.as_of = k.scores_as_of AND s.model_version = k.scores_model
     ),
     given AS (
       SELECT m.campaign_id, m.arm, r.decile, coalesce(o.monthly_discount, 0) * least(coalesce(o.months, m.horizon), m.horizon) AS discount
       FROM ev AS m JOIN k ON k.campaign_id = m.campaign_id AND k.scores_as_of IS NOT NULL JOIN offers o ON o.offer_id = m.arm
       LEFT JOIN risk r ON r.campaign_id = m.campaign_id AND r.customer_id = m.customer_id
       WHERE m.response = 'accepted'
     ),
     dilution AS (
       SELECT campaign_id, arm, count(*) FILTER (WHERE decile <= ${LOW_RISK_DECILES}) AS low_accepted,
              sum(discount) FILTER (WHERE decile <= ${LOW_RISK_DECILES}) AS low_discount, sum(discount) AS total_discount
       FROM given GROUP BY campaign_id, arm
     )
     SELECT agg.campaign_id, agg.arm, agg.members, agg.churned_before, agg.churned, agg.reached, agg.touched,
            CAST(agg.cost AS VARCHAR) AS cost,
            d.low_accepted, CAST(d.low_discount AS VARCHAR) AS low_discount, CAST(d.total_discount AS VARCHAR) AS total_discount,
            CAST(NULL AS VARCHAR) AS revenue, CAST(NULL AS ${store.dialect.double}) AS retained_value
     FROM agg LEFT JOIN dilution d ON d.campaign_id = agg.campaign_id AND d.arm = agg.arm`,
    params,
  );
  const sums = await windowSums(store, windows.filter((w) => complete.has(w.campaignId)));
  for (const r of rows) {
    const s = sums.get(`${r.campaign_id}|${r.arm}`);
    if (s) {
      r.revenue = s.revenue;
      r.retained_value = s.retained_value === null ? null : Number(s.retained_value);
    }
  }
  return rows;
}

/**
 * Revenue over the window's billing months of each arm's evaluated members, and their mean value
 * at stake at the window's last month (members still active then), by `campaign|arm`.
 */
async function windowSums(store: AnalyticsStore, windows: readonly CampaignWindow[]): Promise<Map<string, { revenue: string | null; retained_value: number | null }>> {
  const out = new Map<string, { revenue: string | null; retained_value: number | null }>();
  if (windows.length === 0) return out;
  const sbg = await baseSbg(store);
  let valueKey = '';
  for (const month of new Set(windows.map((w) => w.lastMonth))) valueKey = (await ensureValueSnapshot(store, month, DEFAULT_VALUE_PARAMETERS, sbg)).key;
  const from = windows.map((w) => w.firstMonth).sort()[0] as MonthText;
  const to = windows.map((w) => addMonths(w.firstMonth, w.horizon)).sort().at(-1) as MonthText;
  const params: SqlValue[] = [`${from}-01`, `${to}-01`, valueKey];
  const k = windows
    .map((w) => {
      params.push(w.campaignId, w.startDate, `${w.firstMonth}-01`, `${addMonths(w.firstMonth, w.horizon)}-01`, `${w.lastMonth}-01`);
      const n = params.length;
      return `(CAST($${n - 4} AS VARCHAR), CAST($${n - 3} AS DATE), CAST($${n - 2} AS DATE), CAST($${n - 1} AS DATE), CAST($${n} AS DATE))`;
    })
    .join(', ');
  // The usage rows are those of the windows' months only, joined on the customer alone: a join
  // that also carried each member's window as a range condition tested it on every probe of the
  // whole usage table (4.3 of 4.9 s at 1M customers × 24 months, 200k members).
  const rows = await store.query<{ campaign_id: string; arm: string; revenue: string | null; retained_value: number | null }>(
    `WITH k AS (SELECT * FROM (VALUES ${k}) AS t(campaign_id, start_date, first_month, end_month, value_as_of)),
     m AS (
       SELECT mem.campaign_id, mem.customer_id, mem.arm, k.start_date, k.first_month, k.end_month, k.value_as_of, e.churn_date
       FROM campaign_members mem JOIN k ON k.campaign_id = mem.campaign_id
       LEFT JOIN churn_events e ON e.customer_id = mem.customer_id
     ),
     rev AS (
       SELECT m.campaign_id, m.arm, sum(CASE WHEN u.month >= m.first_month AND u.month < m.end_month THEN u.revenue END) AS revenue
       FROM m JOIN (SELECT customer_id, month, revenue FROM monthly_usage
                    WHERE month >= CAST($1 AS DATE) AND month < CAST($2 AS DATE)) AS u ON u.customer_id = m.customer_id
       WHERE m.churn_date IS NULL OR m.churn_date >= m.start_date
       GROUP BY m.campaign_id, m.arm
     ),
     retained AS (
       SELECT m.campaign_id, m.arm, avg(v.current_value) AS retained_value
       FROM m JOIN ${SNAPSHOT_TABLE} v ON v.customer_id = m.customer_id AND v.snapshot_key = CAST($3 AS VARCHAR) AND v.as_of = m.value_as_of
       GROUP BY m.campaign_id, m.arm
     )
     SELECT coalesce(rev.campaign_id, t.campaign_id) AS campaign_id, coalesce(rev.arm, t.arm) AS arm,
            CAST(rev.revenue AS VARCHAR) AS revenue, t.retained_value
     FROM rev FULL JOIN retained t ON t.campaign_id = rev.campaign_id AND t.arm = rev.arm`,
    params,
  );
  for (const r of rows) out.set(`${r.campaign_id}|${r.arm}`, { revenue: r.revenue, retained_value: r.retained_value });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kept sums: a complete campaign's arms, kept by the writers, read while current.

/** The table the writers keep complete campaigns' arm sums in (schema version 8). */
export const ARM_SUMS_TABLE = 'campaign_arm_sums';
/** Bump when the sums' definitions change, so kept sums are recomputed. */
const ARM_SUMS_VERSION = 1;

/**
 * What a complete campaign's sums were computed from: the base data (row counts and the latest
 * import that changed them, as the value snapshot's), the offers, the window, the scoring run of
 * the dilution guard, and the members (count, and a sum of hashes of customer, arm and contact
 * result), with the definitions' versions. Campaigns without members are left out.
 */
async function armSumFingerprints(store: AnalyticsStore, windows: readonly CampaignWindow[]): Promise<Map<string, string>> {
  if (windows.length === 0) return new Map();
  const base = await baseDataFingerprint(store);
  const d = store.dialect;
  const rows = await store.query<{ campaign_id: string; n: number | bigint; h: string; offers: string }>(
    `SELECT m.campaign_id, count(*) AS n, CAST(sum(${d.hashOf(['m.customer_id', 'm.arm', 'm.contacted_ts', 'm.response', 'm.cost'])}) AS VARCHAR) AS h, max(o.offers) AS offers
     FROM campaign_members m,
          (SELECT CAST(count(*) AS VARCHAR) || ':' || coalesce(CAST(sum(${d.hashOf(['offer_id', 'monthly_discount', 'months', 'unit_cost', 'contact_cost'])}) AS VARCHAR), '-') AS offers FROM offers) AS o
     WHERE m.campaign_id IN (${windows.map((_, i) => `CAST($${i + 1} AS VARCHAR)`).join(', ')}) GROUP BY m.campaign_id`,
    windows.map((w) => w.campaignId),
  );
  const byId = new Map(windows.map((w) => [w.campaignId, w]));
  return new Map(
    rows.map((r) => {
      const w = byId.get(r.campaign_id) as CampaignWindow;
      const run = w.scores === null ? '-' : `${w.scores.asOf}/${w.scores.modelVersion}/${w.scores.scoredAt}`;
      return [r.campaign_id, `a${ARM_SUMS_VERSION}:v${VALUE_VERSION}|${base}|${r.offers}|${w.startDate}|${w.horizon}|${run}|${Number(r.n)}|${r.h}`];
    }),
  );
}

/** The kept arms of the campaigns whose fingerprint is current. */
async function keptArmSums(store: AnalyticsStore, fingerprints: ReadonlyMap<string, string>): Promise<ArmRow[]> {
  if (fingerprints.size === 0) return [];
  const params: SqlValue[] = [];
  const pairs = [...fingerprints].map(([id, fp]) => {
    params.push(id, fp);
    return `(campaign_id = $${params.length - 1} AND fingerprint = $${params.length})`;
  });
  return store.query<ArmRow>(
    `SELECT campaign_id, arm, members, churned_before, churned, reached, touched, CAST(cost AS VARCHAR) AS cost,
            low_accepted, CAST(low_discount AS VARCHAR) AS low_discount, CAST(total_discount AS VARCHAR) AS total_discount,
            CAST(revenue AS VARCHAR) AS revenue, retained_value
     FROM ${ARM_SUMS_TABLE} WHERE ${pairs.join(' OR ')}`,
    params,
  );
}

/**
 * Keeps the arm sums of the complete campaigns whose kept sums are missing or stale and whose
 * window's last month has its value snapshot kept (the import keeps the latest month's, so a
 * campaign is kept when its window has just run its course; valuing the whole base for every past
 * window on every import would cost more than it saves), so `campaign evaluate` reads a few rows
 * instead of the members, bills and scores. The import calls it after loading.
 * Returns the campaigns kept.
 */
export async function keepCampaignArmSums(store: AnalyticsStore, campaignId?: string): Promise<string[]> {
  requireWritable(store, 'keeping campaign sums');
  const campaigns = await store.query<CampaignRow>(campaignsSql(store.dialect), [campaignId ?? null]);
  if (campaigns.length === 0) return [];
  const { last } = await dataSpan(store);
  // A campaign designed ahead of its window (the usual case) has nothing to keep yet.
  const ended = campaigns.filter((c) => addMonths(c.start_date.slice(0, 7), Number(c.horizon) - 1) <= last);
  if (ended.length === 0) return [];
  const windows = await campaignWindows(store, ended);
  const fingerprints = await armSumFingerprints(store, windows);
  const kept = new Set(
    (await store.query<{ campaign_id: string; fingerprint: string }>(`SELECT DISTINCT campaign_id, fingerprint FROM ${ARM_SUMS_TABLE}`))
      .filter((r) => fingerprints.get(r.campaign_id) === r.fingerprint)
      .map((r) => r.campaign_id),
  );
  const candidates = windows.filter((w) => fingerprints.has(w.campaignId) && !kept.has(w.campaignId));
  if (candidates.length === 0) return [];
  const sbg = await baseSbg(store);
  const stale: CampaignWindow[] = [];
  for (const w of candidates) if (await isValueSnapshotKept(store, w.lastMonth, DEFAULT_VALUE_PARAMETERS, sbg)) stale.push(w);
  if (stale.length === 0) return [];
  const ids = stale.map((w) => w.campaignId);
  const rows = await computeArmSums(store, stale, new Set(ids));
  await store.transaction(async (tx) => {
    await tx.run(`DELETE FROM ${ARM_SUMS_TABLE} WHERE campaign_id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})`, ids);
    for (const r of rows) {
      await tx.run(
        `INSERT INTO ${ARM_SUMS_TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS DECIMAL(38,6)), $10, CAST($11 AS DECIMAL(38,6)),
           CAST($12 AS DECIMAL(38,6)), CAST($13 AS DECIMAL(38,6)), $14, current_timestamp)`,
        [
          r.campaign_id, r.arm, fingerprints.get(r.campaign_id) as string, Number(r.members), Number(r.churned_before), Number(r.churned),
          Number(r.reached), Number(r.touched), r.cost, r.low_accepted === null ? null : Number(r.low_accepted), r.low_discount, r.total_discount,
          r.revenue, r.retained_value === null ? null : Number(r.retained_value),
        ],
      );
    }
  });
  return ids;
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

const emptyGuard = (asOf: MonthText | null): DilutionGuard => ({ riskScoresAsOf: asOf, lowRiskAccepted: 0, lowRiskDiscount: 0, totalDiscount: 0 });
