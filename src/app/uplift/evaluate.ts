/**
 * `tenure uplift evaluate --campaign ID`: the uplift model against a randomized campaign it did
 * not learn from. Every evaluated member of the control arm and of the model's offer arm is
 * scored from the features as of the month before the start; the members are ranked by
 * predicted uplift, and by churn risk alone for comparison, and each ranking's Qini
 * coefficient, AUUC and uplift in the top 30 % are computed on deciles (or `bins`) with paired
 * stratified bootstrap intervals (domain/campaigns/uplift-metrics.ts has the formulas).
 *
 * Churn risk: the latest churn model (`tenure model train`) on the same features, else the
 * uplift model's own churn-without-the-offer estimate; `riskSource` says which.
 *
 * Targeting by expected net value: per member, predicted uplift × value at stake (the value
 * module's, as of the month before the start; the value of a customer kept) − the offer's
 * expected cost per member targeted (contact cost + the training campaigns' acceptance rate ×
 * (unit cost + monthly discount × months)); members with a positive net value are the target.
 *
 * Response types among the highest churn risk (top 10 %), from the model's two estimates:
 * persuadable τ ≥ 0.02, sleeping dog τ ≤ −0.02, otherwise a lost cause when churn without the
 * offer ≥ 0.5 and a sure thing when below.
 */
import { CONTROL_ARM } from '../../contract/spec.ts';
import type { Interval } from '../../domain/campaigns/intervals.ts';
import {
  binCounts,
  bootstrapUplift,
  curveFromBins,
  differences,
  percentileInterval,
  rankingOrder,
  type UpliftCurvePoint,
} from '../../domain/campaigns/uplift-metrics.ts';
import type { MonthText } from '../../domain/month.ts';
import { UpliftModel, type UpliftLearner } from '../../model/uplift.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { latestChurnModel } from '../churn-model/score.ts';
import { requireExtraColumns } from '../churn-model/extra-features.ts';
import { TenureError } from '../errors.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE } from '../value/value-snapshot.ts';
import { campaignRecords, memberSample, requireUsable } from './samples.ts';
import type { UpliftTrainMetrics } from './train.ts';

export const DEFAULT_BINS = 10;
export const ALLOWED_BINS: readonly number[] = [10, 20, 50, 100];
export const DEFAULT_BOOTSTRAP = 1000;
const BOOTSTRAP_SEED = 12;
const TYPE_MARGIN = 0.02;
const LOST_CAUSE_RISK = 0.5;
const HIGHEST_RISK_SHARE = 0.1;

export interface UpliftEvaluateInput {
  readonly campaignId: string;
  /** An uplift model id (default: the latest). */
  readonly modelId?: string;
  readonly bins?: number;
  readonly bootstrap?: number;
}

export interface RankingFigures {
  readonly qini: number;
  readonly qiniCi: Interval | null;
  readonly auuc: number;
  readonly auucCi: Interval | null;
  readonly upliftAt30: number | null;
  readonly upliftAt30Ci: Interval | null;
  readonly curve: readonly UpliftCurvePoint[];
}

export interface ResponseTypes {
  readonly members: number;
  readonly persuadable: number;
  readonly sureThing: number;
  readonly lostCause: number;
  readonly sleepingDog: number;
}

export interface NetValueTargeting {
  readonly costPerTargeted: number;
  readonly targeted: number;
  readonly share: number;
  readonly expectedNetValue: number;
  /** Observed uplift (control − treated churn rate) among the targeted and the rest; null when an arm is empty. */
  readonly observedUpliftTargeted: number | null;
  readonly observedUpliftRest: number | null;
}

export interface MemberScore {
  readonly customerId: string;
  readonly uplift: number;
  readonly churnProbability: number;
}

export interface UpliftEvaluation {
  readonly campaignId: string;
  readonly offerId: string;
  readonly modelId: string;
  readonly learner: UpliftLearner;
  readonly trainedOn: readonly string[];
  readonly featuresAsOf: MonthText;
  readonly members: { readonly treated: number; readonly control: number; readonly withoutFeatures: number };
  readonly bins: number;
  readonly bootstrap: number;
  readonly overallUplift: number;
  readonly auucRandom: number;
  readonly model: RankingFigures;
  readonly byRisk: RankingFigures;
  readonly riskSource: string;
  /** Paired bootstrap interval of Qini(model) − Qini(risk). */
  readonly qiniVsRiskCi: Interval | null;
  readonly netValue: NetValueTargeting;
  readonly highestRisk: ResponseTypes;
  readonly allMembers: ResponseTypes;
  readonly scores: readonly MemberScore[];
}

interface StoredUpliftRow {
  model_id: string;
  offer_id: string;
  metrics: string;
  model_json: string;
  [k: string]: string | null;
}

async function loadUpliftModel(store: AnalyticsStore, modelId?: string): Promise<{ row: StoredUpliftRow; model: UpliftModel; metrics: UpliftTrainMetrics }> {
  const [row] = await store.query<StoredUpliftRow>(
    `SELECT model_id, offer_id, metrics, model_json FROM uplift_models WHERE (CAST($1 AS VARCHAR) IS NULL OR model_id = CAST($1 AS VARCHAR)) ORDER BY created_at DESC LIMIT 1`,
    [modelId ?? null],
  );
  if (!row) throw new TenureError('NO_DATA', modelId === undefined ? 'no uplift model in the store; run `tenure uplift train` first' : `no uplift model ${modelId} in the store`);
  const where = { file: `${store.location} (uplift_models, model ${row.model_id})` };
  try {
    return { row, model: UpliftModel.fromJSON(JSON.parse(row.model_json)), metrics: JSON.parse(row.metrics) as UpliftTrainMetrics };
  } catch (err) {
    throw new TenureError('BAD_INPUT', `the stored uplift model is not usable: ${err instanceof Error ? err.message : String(err)}; train a new one with \`tenure uplift train\``, where);
  }
}

function figures(orderPoint: ReturnType<typeof curveFromBins>, qini: Float64Array, auuc: Float64Array, at30: Float64Array): RankingFigures {
  return {
    qini: orderPoint.qini,
    qiniCi: percentileInterval(qini),
    auuc: orderPoint.auuc,
    auucCi: percentileInterval(auuc),
    upliftAt30: orderPoint.upliftAt30,
    upliftAt30Ci: percentileInterval(at30),
    curve: orderPoint.points,
  };
}

function responseTypes(rows: readonly number[], uplift: Float64Array, churnWithout: Float64Array): ResponseTypes {
  let persuadable = 0;
  let sleepingDog = 0;
  let lostCause = 0;
  let sureThing = 0;
  for (const i of rows) {
    const u = uplift[i] as number;
    if (u >= TYPE_MARGIN) persuadable++;
    else if (u <= -TYPE_MARGIN) sleepingDog++;
    else if ((churnWithout[i] as number) >= LOST_CAUSE_RISK) lostCause++;
    else sureThing++;
  }
  return { members: rows.length, persuadable, sureThing, lostCause, sleepingDog };
}

function observedUplift(rows: readonly number[], treated: Uint8Array, churned: Uint8Array): number | null {
  let nt = 0;
  let nc = 0;
  let yt = 0;
  let yc = 0;
  for (const i of rows) {
    if (treated[i]) {
      nt++;
      yt += churned[i] as number;
    } else {
      nc++;
      yc += churned[i] as number;
    }
  }
  return nt > 0 && nc > 0 ? yc / nc - yt / nt : null;
}

interface OfferRow {
  contact_cost: string | null;
  unit_cost: string | null;
  monthly_discount: string | null;
  months: number | null;
  [k: string]: string | number | null;
}

export async function evaluateUpliftModel(store: AnalyticsStore, input: UpliftEvaluateInput): Promise<UpliftEvaluation> {
  const bins = input.bins ?? DEFAULT_BINS;
  if (!ALLOWED_BINS.includes(bins)) throw new TenureError('USAGE', `--bins must be one of ${ALLOWED_BINS.join(', ')} (deciles to percentiles), got ${bins}`);
  const replicates = input.bootstrap ?? DEFAULT_BOOTSTRAP;
  if (!Number.isSafeInteger(replicates) || replicates < 100 || replicates > 100_000) throw new TenureError('USAGE', `--bootstrap must be a whole number from 100 to 100000, got ${replicates}`);
  const { row, model, metrics } = await loadUpliftModel(store, input.modelId);
  const offerId = row.offer_id;
  if (metrics.campaigns.includes(input.campaignId)) {
    throw new TenureError(
      'USAGE',
      `uplift model ${row.model_id} learned from campaign ${input.campaignId}; evaluate it on a campaign it did not learn from${metrics.held_out.length ? ` (${metrics.held_out.join(', ')})` : ''}, or train without it (--campaigns)`,
    );
  }
  const campaign = (await campaignRecords(store)).find((c) => c.campaignId === input.campaignId);
  if (!campaign) throw new TenureError('USAGE', `no campaign ${input.campaignId} in the store`);
  requireUsable(campaign, offerId);

  // Targeting by churn risk alone is the stored churn model's; it reads its own x_ features too.
  let churnModel: Awaited<ReturnType<typeof latestChurnModel>> | null = null;
  try {
    churnModel = await latestChurnModel(store);
    await requireExtraColumns(store, churnModel.extras, churnModel.version);
  } catch (err) {
    if (!(err instanceof TenureError && err.code === 'NO_DATA')) throw err;
    churnModel = null;
  }
  const sample = await memberSample(store, campaign, offerId, churnModel?.extras);
  const { treated, churned, ids } = sample;
  let nt = 0;
  for (const t of treated) nt += t;
  if (nt === 0 || nt === treated.length) throw new TenureError('NO_DATA', `campaign ${campaign.campaignId} has no ${nt === 0 ? offerId : CONTROL_ARM} member with features as of ${sample.asOf}`);
  const prediction = model.predict(sample.columns);

  let risk: Float64Array;
  let riskSource: string;
  if (churnModel && sample.riskColumns) {
    risk = churnModel.model.probability(sample.riskColumns);
    riskSource = `churn model ${churnModel.version}`;
  } else {
    risk = prediction.churnWithout;
    riskSource = "the uplift model's churn without the offer (no churn model in the store)";
  }

  const byModel = rankingOrder(prediction.uplift, ids);
  const byRisk = rankingOrder(risk, ids);
  const modelPoint = curveFromBins(binCounts(byModel, treated, churned, bins));
  const riskPoint = curveFromBins(binCounts(byRisk, treated, churned, bins));
  const boot = bootstrapUplift([byModel, byRisk], treated, churned, bins, replicates, BOOTSTRAP_SEED);

  // Expected net value = uplift × value at stake − the offer's expected cost per member targeted.
  const [offer] = await store.query<OfferRow>(
    'SELECT CAST(contact_cost AS VARCHAR) AS contact_cost, CAST(unit_cost AS VARCHAR) AS unit_cost, CAST(monthly_discount AS VARCHAR) AS monthly_discount, months FROM offers WHERE offer_id = $1',
    [offerId],
  );
  const num = (x: string | number | null | undefined) => (x === null || x === undefined ? 0 : Number(x));
  const costPerTargeted = num(offer?.contact_cost) + metrics.acceptance_rate * (num(offer?.unit_cost) + num(offer?.monthly_discount) * num(offer?.months));
  const { key } = await ensureValueSnapshot(store, sample.asOf, DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
  const values = new Map(
    (
      await store.query<{ customer_id: string; v: number | null }>(
        `SELECT v.customer_id, v.current_value AS v FROM ${SNAPSHOT_TABLE} v JOIN campaign_members m ON m.customer_id = v.customer_id
         WHERE v.snapshot_key = $1 AND v.as_of = CAST($2 AS DATE) AND m.campaign_id = $3`,
        [key, `${sample.asOf}-01`, campaign.campaignId],
      )
    ).map((r) => [r.customer_id, Math.max(0, Number(r.v ?? 0))]),
  );
  const targeted: number[] = [];
  const rest: number[] = [];
  let expectedNetValue = 0;
  ids.forEach((id, i) => {
    const net = (prediction.uplift[i] as number) * (values.get(id) ?? 0) - costPerTargeted;
    if (net > 0) {
      targeted.push(i);
      expectedNetValue += net;
    } else rest.push(i);
  });

  const highest = Array.from(byRisk.subarray(0, Math.max(1, Math.round(HIGHEST_RISK_SHARE * ids.length))));
  return {
    campaignId: campaign.campaignId,
    offerId,
    modelId: row.model_id,
    learner: model.learner,
    trainedOn: metrics.campaigns,
    featuresAsOf: sample.asOf,
    members: { treated: nt, control: treated.length - nt, withoutFeatures: sample.withoutFeatures },
    bins,
    bootstrap: replicates,
    overallUplift: modelPoint.overallUplift,
    auucRandom: modelPoint.auucRandom,
    model: figures(modelPoint, boot.qini[0] as Float64Array, boot.auuc[0] as Float64Array, boot.upliftAt30[0] as Float64Array),
    byRisk: figures(riskPoint, boot.qini[1] as Float64Array, boot.auuc[1] as Float64Array, boot.upliftAt30[1] as Float64Array),
    riskSource,
    qiniVsRiskCi: percentileInterval(differences(boot.qini[0] as Float64Array, boot.qini[1] as Float64Array)),
    netValue: {
      costPerTargeted,
      targeted: targeted.length,
      share: targeted.length / ids.length,
      expectedNetValue,
      observedUpliftTargeted: observedUplift(targeted, treated, churned),
      observedUpliftRest: observedUplift(rest, treated, churned),
    },
    highestRisk: responseTypes(highest, prediction.uplift, prediction.churnWithout),
    allMembers: responseTypes(Array.from({ length: ids.length }, (_, i) => i), prediction.uplift, prediction.churnWithout),
    scores: ids.map((customerId, i) => ({ customerId, uplift: prediction.uplift[i] as number, churnProbability: risk[i] as number })),
  };
}
