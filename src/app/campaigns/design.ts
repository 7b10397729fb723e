/**
 * `tenure campaign design`: a randomized, stratified assignment of a target list to a control
 * arm and offer arms, reproducible for the seed, kept once in the store (campaigns and
 * campaign_members) and never changed.
 *
 * Who is assigned: the target's customers still active at the start and with marketing consent
 * (`marketing_consent = true`; blank means no consent for outbound contact). Customers without
 * consent are left out of every arm, the control included: keeping them in the control only
 * would make it differ from the offer arms by more than the offer. Both exclusions are counted.
 *
 * Strata: risk decile (the latest scoring run as of a month before the start, deciles within the
 * target) × value quadrant (the value matrix of that month). Balance is checked on risk, value
 * and tenure with standardized mean differences.
 */
import { CONTROL_ARM } from '../../contract/spec.ts';
import { assignArms, SMD_WARNING, standardizedMeanDifference, type ArmShare } from '../../domain/campaigns/design.ts';
import { addMonths, type MonthText } from '../../domain/month.ts';
import { requireWritable } from '../../store/access.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { dataSpan } from '../data-span.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot, quadrantCaseSql, SNAPSHOT_TABLE } from '../value/value-snapshot.ts';
import { doubleSql, valueCuts } from '../churn-model/score-context.ts';
import { previousScoringRun } from '../warn/warn.ts';
import { DEFAULT_HORIZON_MONTHS } from './evaluate.ts';

export interface CampaignDesignInput {
  readonly campaignId: string;
  readonly name?: string;
  readonly purpose?: 'retention' | 'winback' | 'care' | 'cross_sell' | 'up_sell';
  /** YYYY-MM-DD: outcomes are measured from this day. */
  readonly startDate: string;
  readonly horizonMonths?: number;
  /** YYYY-MM-DD, at most the start date (default: the start date). */
  readonly assignedDate?: string;
  readonly targets: readonly string[];
  readonly arms: readonly ArmShare[];
  readonly seed: number;
}

export interface BalanceRow {
  readonly arm: string;
  readonly covariate: 'churn_probability' | 'customer_value' | 'tenure_months';
  readonly smd: number | null;
  readonly imbalanced: boolean;
}

export interface CampaignDesign {
  readonly campaignId: string;
  readonly startDate: string;
  readonly assignedDate: string;
  readonly seed: number;
  readonly targets: number;
  readonly excluded: { readonly churnedBeforeStart: number; readonly noConsent: number };
  readonly riskScoresAsOf: MonthText | null;
  /** Model version of that scoring run (the latest run of its month, as `tenure warn` reads it), or null. */
  readonly riskModelVersion: string | null;
  readonly valueAsOf: MonthText | null;
  readonly arms: readonly { arm: string; share: number; members: number }[];
  readonly balance: readonly BalanceRow[];
  readonly members: readonly { customer_id: string; arm: string }[];
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TARGETS = 'design_targets';
const ASSIGNMENT = 'design_assignment';

function checkDate(flag: string, text: string): string {
  const d = new Date(`${text}T00:00:00Z`);
  if (!DATE_RE.test(text) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
    throw new TenureError('USAGE', `${flag} must be a date YYYY-MM-DD, got "${text}"`);
  }
  return text;
}

interface MemberRow {
  customer_id: string;
  known: boolean;
  churned_before: boolean;
  consent: boolean;
  churn_probability: number | null;
  decile: number | null;
  current_value: number | null;
  quadrant: string | null;
  tenure_months: number;
  [k: string]: string | number | boolean | null;
}

export async function designCampaign(store: AnalyticsStore, input: CampaignDesignInput): Promise<CampaignDesign> {
  requireWritable(store, 'campaign design');
  const start = checkDate('--start', input.startDate);
  const assigned = checkDate('--assigned', input.assignedDate ?? start);
  if (assigned > start) throw new TenureError('USAGE', `the assignment date ${assigned} is after the start ${start}; members are assigned before a campaign starts`);
  const horizon = input.horizonMonths ?? DEFAULT_HORIZON_MONTHS;
  if (!Number.isSafeInteger(horizon) || horizon < 1) throw new TenureError('USAGE', `--horizon must be a whole number of months >= 1, got ${horizon}`);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(input.campaignId)) throw new TenureError('USAGE', `--id must be 1–64 letters, digits, _ . or -, got "${input.campaignId}"`);
  const [existing] = await store.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM campaigns WHERE campaign_id = $1) + (SELECT count(*) FROM campaign_members WHERE campaign_id = $1) AS n`,
    [input.campaignId],
  );
  if (Number(existing?.n ?? 0) > 0) {
    throw new TenureError('USAGE', `campaign ${input.campaignId} already exists; an assignment is kept once and never changed (choose another --id)`);
  }
  const offers = input.arms.filter((a) => a.arm !== CONTROL_ARM).map((a) => a.arm);
  const known = new Set((await store.query<{ offer_id: string }>('SELECT offer_id FROM offers')).map((r) => r.offer_id));
  const unknown = offers.filter((o) => !known.has(o));
  if (unknown.length > 0) throw new TenureError('USAGE', `unknown offer ${unknown.join(', ')}: arms other than ${CONTROL_ARM} must be offer_id values of the imported offers`);

  const ids = [...new Set(input.targets)];
  if (ids.length === 0) throw new TenureError('USAGE', 'the target list is empty');
  await store.stageColumns(TARGETS, { rowCount: ids.length, names: ['customer_id'], columns: { customer_id: ids } });
  try {
    const startMonth = start.slice(0, 7);
    const span = await dataSpan(store);
    // The latest scoring run of the latest scored month before the start (warn's rule): two
    // models may have scored that month, and joining by month alone listed a target twice.
    const riskRun = await previousScoringRun(store, startMonth);
    const riskAsOf = riskRun?.asOf ?? null;
    const before = addMonths(startMonth, -1);
    const valueAsOf = riskAsOf ?? (before < span.first ? null : before > span.last ? span.last : before);
    let valueKey: string | null = null;
    if (valueAsOf !== null) valueKey = (await ensureValueSnapshot(store, valueAsOf, DEFAULT_VALUE_PARAMETERS, await baseSbg(store))).key;

    // The medians of the value matrix by the value module (as `tenure value` and the score's context cut them).
    const cuts = valueKey === null || valueAsOf === null ? null : await valueCuts(store, valueKey, valueAsOf);
    const quadrant = cuts
      ? quadrantCaseSql('v.current_value', 'v.potential', doubleSql(store.dialect, cuts.matrix.currentValue), doubleSql(store.dialect, cuts.matrix.potential))
      : `CAST(NULL AS ${store.dialect.text})`;
    // One pass over the targets: a target that is not a customer comes back with known = false.
    const rows = await store.query<MemberRow>(
      `WITH t AS (
         SELECT t.customer_id, c.customer_id IS NOT NULL AS known, c.join_date, e.churn_date, coalesce(c.marketing_consent, false) AS consent
         FROM ${TARGETS} t LEFT JOIN customers c ON c.customer_id = t.customer_id
         LEFT JOIN churn_events e ON e.customer_id = t.customer_id
       ),
       v AS (
         SELECT v.customer_id, v.current_value, v.potential
         FROM ${SNAPSHOT_TABLE} v
         WHERE v.snapshot_key = CAST($2 AS VARCHAR) AND v.as_of = CAST($3 AS DATE)
       ),
       eligible AS (
         SELECT t.*, s.churn_probability, t.known AND t.consent AND NOT coalesce(t.churn_date < CAST($1 AS DATE), false) AS assignable FROM t
         LEFT JOIN churn_scores s ON s.customer_id = t.customer_id AND s.as_of = CAST($4 AS DATE) AND s.model_version = CAST($5 AS VARCHAR)
       )
       SELECT e.customer_id, e.known, coalesce(e.churn_date < CAST($1 AS DATE), false) AS churned_before, e.consent,
              e.churn_probability,
              -- Risk decile 1 (safest) … 10 among the assignable scored targets, ties by id:
              -- floor(10 · rank / n) + 1 over the rank from 0 (the engine sorts, not JS), the floor
              -- as (a − a mod n) / n: whole on every engine, whatever its integer division does.
              CASE WHEN e.assignable AND e.churn_probability IS NOT NULL THEN
                CAST((10 * (row_number() OVER ranked - 1) - (10 * (row_number() OVER ranked - 1)) % count(*) OVER ranked_all)
                     / count(*) OVER ranked_all + 1 AS INTEGER) END AS decile,
              v.current_value,
              ${quadrant} AS quadrant,
              ${store.dialect.monthsBetween('e.join_date', 'CAST($1 AS DATE)')} AS tenure_months
       FROM eligible e LEFT JOIN v ON v.customer_id = e.customer_id
       WINDOW ranked AS (PARTITION BY e.assignable AND e.churn_probability IS NOT NULL ORDER BY e.churn_probability, e.customer_id),
              ranked_all AS (PARTITION BY e.assignable AND e.churn_probability IS NOT NULL)
       ORDER BY e.customer_id`,
      [start, valueKey, valueAsOf === null ? null : `${valueAsOf}-01`, riskAsOf === null ? null : `${riskAsOf}-01`, riskRun?.modelVersion ?? null],
    );
    const missing = rows.filter((r) => !r.known).slice(0, 5);
    if (missing.length > 0) {
      throw new TenureError('BAD_INPUT', `the target list names customers not in the store: ${missing.map((m) => m.customer_id).join(', ')}${missing.length === 5 ? ', …' : ''}`);
    }
    const churnedBeforeStart = rows.filter((r) => r.churned_before).length;
    const eligible = rows.filter((r) => !r.churned_before && r.consent);
    const noConsent = rows.filter((r) => !r.churned_before && !r.consent).length;
    if (eligible.length === 0) throw new TenureError('NO_DATA', `no customer of the target list can be assigned (${churnedBeforeStart} left before ${start}, ${noConsent} without marketing consent)`);

    const assignment = assignArms(
      eligible.map((r) => ({ customerId: r.customer_id, stratum: `${r.decile ?? 'unscored'}|${r.quadrant ?? 'unvalued'}` })),
      input.arms,
      input.seed,
    );
    // One pass groups the members by arm; each covariate's values are read once per arm.
    const members: { customer_id: string; arm: string }[] = [];
    const byArm = new Map<string, MemberRow[]>(input.arms.map((a) => [a.arm, []]));
    for (const r of eligible) {
      const arm = assignment.get(r.customer_id) as string;
      members.push({ customer_id: r.customer_id, arm });
      byArm.get(arm)?.push(r);
    }
    const covariates = ['churn_probability', 'current_value', 'tenure_months'] as const;
    const values = (list: readonly MemberRow[], covariate: (typeof covariates)[number]): number[] => {
      const out: number[] = [];
      for (const r of list) {
        const x = r[covariate];
        if (x !== null && x !== undefined) out.push(Number(x));
      }
      return out;
    };
    const control = byArm.get(CONTROL_ARM) ?? [];
    const controlValues = new Map(covariates.map((c) => [c, values(control, c)]));
    const balance: BalanceRow[] = [];
    for (const arm of offers) {
      const group = byArm.get(arm) ?? [];
      for (const covariate of covariates) {
        const smd = standardizedMeanDifference(values(group, covariate), controlValues.get(covariate) ?? []);
        balance.push({ arm, covariate: covariate === 'current_value' ? 'customer_value' : covariate, smd, imbalanced: smd !== null && Math.abs(smd) > SMD_WARNING });
      }
    }

    // The assignment goes to the engine as two columns (one appender pass), then into the
    // store with the campaign in one transaction: 200k members took 12 s as 200 statements of
    // 1,000 bound rows each.
    await store.stageColumns(ASSIGNMENT, {
      rowCount: members.length,
      names: ['customer_id', 'arm'],
      columns: { customer_id: members.map((m) => m.customer_id), arm: members.map((m) => m.arm) },
    });
    await store.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO campaigns (campaign_id, name, purpose, start_date, horizon_months) VALUES ($1, $2, $3, CAST($4 AS DATE), $5)',
        [input.campaignId, input.name ?? input.campaignId, input.purpose ?? 'retention', start, horizon],
      );
      await tx.run(
        `INSERT INTO campaign_members (campaign_id, customer_id, arm, assigned_date) SELECT CAST($1 AS VARCHAR), customer_id, arm, CAST($2 AS DATE) FROM ${ASSIGNMENT}`,
        [input.campaignId, assigned],
      );
    });

    return {
      campaignId: input.campaignId,
      startDate: start,
      assignedDate: assigned,
      seed: input.seed,
      targets: ids.length,
      excluded: { churnedBeforeStart, noConsent },
      riskScoresAsOf: riskAsOf,
      riskModelVersion: riskRun?.modelVersion ?? null,
      valueAsOf,
      arms: input.arms.map((a) => ({ arm: a.arm, share: a.share, members: byArm.get(a.arm)?.length ?? 0 })),
      balance,
      members,
    };
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${TARGETS}`);
    await store.run(`DROP TABLE IF EXISTS ${ASSIGNMENT}`);
  }
}
