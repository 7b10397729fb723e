/**
 * `tenure uplift train`: learns from past randomized campaigns who an offer keeps.
 *
 * Campaigns: the ones named (`--campaigns`), else every complete campaign with a control arm
 * and the offer's arm but the latest, which is left for `tenure uplift evaluate` (a model is
 * never evaluated on a campaign it learned from). The offer: the one named (`--offer`), else
 * the offer arm found in most of the campaigns.
 *
 * Learner choice by a held-out Qini: each training campaign in turn is held out, both learners
 * (T-learner and S-learner, model/uplift.ts) are fitted on the others, stopping early on it, and
 * scored by their Qini coefficient on it (deciles, domain/campaigns/uplift-metrics.ts); the
 * learner with the higher mean held-out Qini wins (one campaign's Qini is noisy). With a single
 * campaign a fixed 30 % of its members (by the SHA-256 of the id) is held out instead. The
 * winner is refitted on every training campaign with the mean number of trees found, and kept in
 * the store (uplift_models) with the record of the choice.
 */
import { createHash } from 'node:crypto';
import { CONTROL_ARM } from '../../contract/spec.ts';
import { binCounts, curveFromBins, rankingOrder } from '../../domain/campaigns/uplift-metrics.ts';
import { selectRows } from '../../model/columns.ts';
import { stackUpliftSets, UPLIFT_LEARNERS, UpliftModel, type UpliftLearner, type UpliftSet } from '../../model/uplift.ts';
import { requireWritable } from '../../store/access.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { CUSTOMER_FEATURES } from '../churn-model/features.ts';
import { TenureError } from '../errors.ts';
import { campaignRecords, type CampaignRecord, memberSample, type MemberSample, requireUsable, usableFor } from './samples.ts';
import { dataSpan } from '../data-span.ts';
import { keepUpliftScores } from '../nba/customer-uplift.ts';
import { changingData } from '../data-generation.ts';

export const SELECTION_BINS = 10;
const RANDOM_HOLDOUT = 0.3;

export interface UpliftTrainInput {
  readonly campaigns?: readonly string[];
  readonly offerId?: string;
  readonly log?: (line: string) => void;
}

export interface LearnerScore {
  readonly learner: UpliftLearner;
  /** Mean Qini coefficient on the held-out parts (deciles). */
  readonly validationQini: number;
  /** Per held-out part. */
  readonly foldQini: readonly number[];
  /** Mean trees per model part over the folds. */
  readonly trees: Record<string, number>;
}

export interface UpliftTrainMetrics {
  readonly offer_id: string;
  readonly campaigns: readonly string[];
  /** What the learners were compared on: the campaigns held out in turn, or the held-out share of the members. */
  readonly validation: string;
  readonly learners: readonly { learner: UpliftLearner; validation_qini: number; fold_qini: readonly number[]; trees: Record<string, number> }[];
  readonly learner: UpliftLearner;
  readonly members: { readonly treated: number; readonly control: number; readonly without_features: number };
  /** Share of the offer arm's members who accepted, in the training campaigns (for expected costs). */
  readonly acceptance_rate: number;
  /** Complete campaigns with the offer left out of training (where `uplift evaluate` can test the model). */
  readonly held_out: readonly string[];
}

export interface TrainedUpliftModel {
  readonly modelId: string;
  readonly model: UpliftModel;
  readonly metrics: UpliftTrainMetrics;
}

function mostCommonOffer(usable: readonly CampaignRecord[]): string | undefined {
  const tally = new Map<string, { campaigns: number; members: number }>();
  for (const c of usable) {
    if ((c.arms.get(CONTROL_ARM)?.members ?? 0) === 0 || c.monthsOpen > 0) continue;
    for (const [arm, n] of c.arms) {
      if (arm === CONTROL_ARM) continue;
      const t = tally.get(arm) ?? { campaigns: 0, members: 0 };
      t.campaigns++;
      t.members += n.members;
      tally.set(arm, t);
    }
  }
  return [...tally.entries()].sort((a, b) => b[1].campaigns - a[1].campaigns || b[1].members - a[1].members || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

function qiniOf(model: UpliftModel, set: UpliftSet, ids: readonly string[]): number {
  const order = rankingOrder(model.predict(set.columns).uplift, ids);
  return curveFromBins(binCounts(order, set.treated, set.churned, SELECTION_BINS)).qini;
}

function subset(sample: MemberSample, keep: (id: string) => boolean): { set: UpliftSet; ids: string[] } {
  const rows: number[] = [];
  sample.ids.forEach((id, i) => {
    if (keep(id)) rows.push(i);
  });
  return {
    set: { columns: selectRows(sample.columns, rows), treated: Uint8Array.from(rows, (i) => sample.treated[i] as number), churned: Uint8Array.from(rows, (i) => sample.churned[i] as number) },
    ids: rows.map((i) => sample.ids[i] as string),
  };
}

/** A fixed pseudo-random 30 % of a campaign's members, by the SHA-256 of the id. */
function inRandomHoldout(id: string): boolean {
  return createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32 < RANDOM_HOLDOUT;
}

export async function trainUpliftModel(store: AnalyticsStore, input: UpliftTrainInput = {}): Promise<TrainedUpliftModel> {
  requireWritable(store, 'training an uplift model');
  const log = input.log ?? (() => {});
  const records = await campaignRecords(store);
  if (records.length === 0) throw new TenureError('NO_DATA', 'no campaigns in the store; import campaigns.csv and campaign_members.csv from randomized campaigns first');
  const offerId = input.offerId ?? mostCommonOffer(records);
  if (offerId === undefined) throw new TenureError('NO_DATA', 'no complete campaign has a control arm and an offer arm to learn from');

  let chosen: CampaignRecord[];
  const usable = records.filter((c) => usableFor(c, offerId));
  if (input.campaigns && input.campaigns.length > 0) {
    chosen = input.campaigns.map((id) => {
      const c = records.find((r) => r.campaignId === id);
      if (!c) throw new TenureError('USAGE', `no campaign ${id} in the store`);
      requireUsable(c, offerId);
      return c;
    });
  } else {
    if (usable.length < 2) {
      throw new TenureError(
        'NO_DATA',
        `uplift needs two complete campaigns with a control arm and a ${offerId} arm, one to learn from and one to evaluate on; found ${usable.length}${usable.length === 1 ? ` (${usable[0]?.campaignId}); name it with --campaigns to learn from it anyway` : ''}`,
      );
    }
    chosen = usable.slice(0, -1);
  }
  const trainedOn = new Set(chosen.map((c) => c.campaignId));
  const heldOut = usable.filter((c) => !trainedOn.has(c.campaignId)).map((c) => c.campaignId);
  log(`learning who ${offerId} keeps from ${chosen.map((c) => c.campaignId).join(', ')}${heldOut.length ? `; left for evaluation: ${heldOut.join(', ')}` : ''}`);

  const samples: MemberSample[] = [];
  for (const c of chosen) samples.push(await memberSample(store, c, offerId));

  // The learners' contest: each training campaign held out in turn, or 30 % of a single one.
  const folds: { fit: UpliftSet; valid: { set: UpliftSet; ids: string[] } }[] = [];
  let validation: string;
  if (samples.length >= 2) {
    samples.forEach((held, f) => folds.push({ fit: stackUpliftSets(samples.filter((_, g) => g !== f)), valid: { set: held, ids: [...held.ids] } }));
    validation = `each of ${samples.map((s) => s.campaignId).join(', ')} held out in turn`;
  } else {
    const only = samples[0] as MemberSample;
    folds.push({ fit: subset(only, (id) => !inRandomHoldout(id)).set, valid: subset(only, inRandomHoldout) });
    validation = `${Math.round(100 * RANDOM_HOLDOUT)}% of ${only.campaignId}`;
  }
  const scores: LearnerScore[] = [];
  for (const learner of UPLIFT_LEARNERS) {
    const foldQini: number[] = [];
    const trees: Record<string, number> = {};
    for (const fold of folds) {
      try {
        const model = UpliftModel.train(learner, fold.fit, { valid: fold.valid.set });
        foldQini.push(qiniOf(model, fold.valid.set, fold.valid.ids));
        for (const [part, n] of Object.entries(model.trees)) trees[part] = (trees[part] ?? 0) + n / folds.length;
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        throw new TenureError('NO_DATA', `cannot learn uplift from ${[...trainedOn].join(', ')}: ${err.message}`);
      }
    }
    scores.push({ learner, validationQini: foldQini.reduce((a, b) => a + b, 0) / foldQini.length, foldQini, trees: Object.fromEntries(Object.entries(trees).map(([k, n]) => [k, Math.max(1, Math.round(n))])) });
  }
  const best = [...scores].sort((a, b) => b.validationQini - a.validationQini)[0] as LearnerScore;
  log(`mean held-out Qini (${validation}): ${scores.map((s) => `${s.learner} ${s.validationQini.toFixed(4)}`).join(', ')}; keeping the ${best.learner}`);

  const all = stackUpliftSets(samples);
  const model = UpliftModel.train(best.learner, all, { rounds: best.trees });

  let treated = 0;
  for (const t of all.treated) treated += t;
  const offered = chosen.reduce((n, c) => n + (c.arms.get(offerId)?.members ?? 0), 0);
  const accepted = chosen.reduce((n, c) => n + (c.arms.get(offerId)?.accepted ?? 0), 0);
  const metrics: UpliftTrainMetrics = {
    offer_id: offerId,
    campaigns: chosen.map((c) => c.campaignId),
    validation,
    learners: scores.map((s) => ({ learner: s.learner, validation_qini: s.validationQini, fold_qini: s.foldQini, trees: s.trees })),
    learner: best.learner,
    members: { treated, control: all.treated.length - treated, without_features: samples.reduce((n, s) => n + s.withoutFeatures, 0) },
    acceptance_rate: offered > 0 ? accepted / offered : 0,
    held_out: heldOut,
  };
  const modelId = `uplift-${offerId}-${best.learner}-${Date.now().toString(36)}`;
  // Every customer's own prediction as of the data's last month, for the next best action: kept
  // first, so the model row (and the data generation a server watches) appears with its scores.
  const span = await dataSpan(store);
  const kept = await keepUpliftScores(store, { modelId, offerId, model }, span.last);
  log(`kept ${kept} customers' predicted uplift of ${offerId} as of ${span.last} for tenure nba`);
  await changingData(store, 'uplift', (tx) =>
    tx.run('INSERT INTO uplift_models VALUES ($1, current_timestamp, $2, $3, $4, $5, $6)', [
      modelId,
      offerId,
      best.learner,
      JSON.stringify(metrics.campaigns),
      JSON.stringify(metrics),
      JSON.stringify(model.toJSON({ features: CUSTOMER_FEATURES.map((f) => f.name) })),
    ]),
  );
  return { modelId, model, metrics };
}
