import type { Command } from 'commander';
import { OutputFile } from '../../app/files/safe-write.ts';
import { withStore, withWritableStore } from '../../app/lifecycle/context.ts';
import { TenureError } from '../../app/errors.ts';
import { ALLOWED_BINS, DEFAULT_BINS, DEFAULT_BOOTSTRAP, evaluateUpliftModel, type RankingFigures, type ResponseTypes, type UpliftEvaluation } from '../../app/uplift/evaluate.ts';
import { trainUpliftModel } from '../../app/uplift/train.ts';
import { fraction, labelLang, money, printJson, printRows, printText, resolveFormat, resolveOutput, roundNumber, toCsv, withCurrency, withFormat, type FormatOptions } from '../output.ts';

interface TrainOptions extends FormatOptions {
  db?: string;
  campaigns?: string;
  offer?: string;
}

interface EvaluateOptions extends FormatOptions {
  db?: string;
  campaign: string;
  model?: string;
  scores?: string;
  bins: string;
  bootstrap: string;
}

/** Qini, AUUC and uplift can be negative: 6 decimals, not bounded to 0–1. */
const signed = (x: number | null) => (x === null ? null : roundNumber(x, 6));
const ci = (x: readonly [number, number] | null) => (x === null ? null : [signed(x[0]) as number, signed(x[1]) as number]);

function wholeNumber(flag: string, text: string): number {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new TenureError('USAGE', `${flag} must be a whole number, got "${text}"`);
  return Number(text);
}

async function train(opts: TrainOptions): Promise<void> {
  const format = resolveFormat(opts);
  const campaigns = opts.campaigns === undefined ? undefined : opts.campaigns.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  if (campaigns !== undefined && campaigns.length === 0) throw new TenureError('USAGE', '--campaigns must name at least one campaign_id, e.g. --campaigns K1,K2');
  const t = await withWritableStore(opts.db, (store) =>
    trainUpliftModel(store, {
      ...(campaigns === undefined ? {} : { campaigns }),
      ...(opts.offer === undefined ? {} : { offerId: opts.offer }),
      log: (line) => process.stderr.write(`tenure: ${line}\n`),
    }),
  );
  const m = t.metrics;
  const json = {
    model_id: t.modelId,
    offer_id: m.offer_id,
    learner: m.learner,
    campaigns: m.campaigns,
    validation: m.validation,
    learners: m.learners.map((l) => ({ learner: l.learner, validation_qini: signed(l.validation_qini), fold_qini: l.fold_qini.map((q) => signed(q)), trees: l.trees })),
    members: m.members,
    acceptance_rate: fraction(m.acceptance_rate),
    held_out: m.held_out,
  };
  if (format === 'json') {
    printJson(json);
    return;
  }
  printRows(['learner', 'validation_qini', 'trees', 'chosen'], json.learners.map((l) => ({ learner: l.learner, validation_qini: l.validation_qini, trees: Object.values(l.trees).join('+'), chosen: l.learner === m.learner ? 'yes' : '' })), format);
  if (format === 'table') {
    printText(`\nmodel ${t.modelId}: ${m.offer_id} vs control, learned from ${m.campaigns.join(', ')} (${m.members.treated} treated, ${m.members.control} control); held out for \`tenure uplift evaluate\`: ${m.held_out.join(', ') || 'none'}\n`);
  }
}

function rankingJson(f: RankingFigures) {
  return { qini: signed(f.qini), qini_ci: ci(f.qiniCi), auuc: signed(f.auuc), auuc_ci: ci(f.auucCi), uplift_at_30: signed(f.upliftAt30), uplift_at_30_ci: ci(f.upliftAt30Ci) };
}

function typesJson(t: ResponseTypes) {
  return { members: t.members, persuadable: t.persuadable, sure_thing: t.sureThing, lost_cause: t.lostCause, sleeping_dog: t.sleepingDog };
}

const DEFINITIONS = {
  ranking: 'members of the control and offer arms ranked together by score (highest first, ties by customer_id) and cut into equal-count bins, NTILE(bins)',
  qini: 'area between the Qini curve q(φ) = (churned_control(φ)·treated(φ)/control(φ) − churned_treated(φ)) / treated and the random line φ·u, by trapezoids over the bins; random targeting = 0',
  auuc: 'area under g(φ) = (churn rate control(φ) − churn rate treated(φ))·φ; random targeting = u/2',
  uplift_at_30: 'churn rate of control − churn rate of treated among the top 30 % of the ranking',
  intervals: 'stratified bootstrap within each arm, percentile 95 %; qini_vs_risk_ci is paired',
  net_value: 'per member: predicted uplift × value at stake as of the month before the start − (contact cost + acceptance rate × (unit cost + monthly discount × months)); target where positive',
  types: 'persuadable: predicted uplift ≥ 0.02; sleeping dog: ≤ −0.02; otherwise lost cause when churn without the offer ≥ 0.5, else sure thing',
};

function evaluationJson(e: UpliftEvaluation, currency: string, scoresFile: string | null) {
  const model = rankingJson(e.model);
  const risk = rankingJson(e.byRisk);
  return {
    campaign_id: e.campaignId,
    offer_id: e.offerId,
    model_id: e.modelId,
    learner: e.learner,
    trained_on: e.trainedOn,
    features_as_of: e.featuresAsOf,
    members: { treated: e.members.treated, control: e.members.control, without_features: e.members.withoutFeatures },
    bins: e.bins,
    bootstrap: e.bootstrap,
    uplift_overall: signed(e.overallUplift),
    ...model,
    qini_random: 0,
    auuc_random: signed(e.auucRandom),
    risk_source: e.riskSource,
    qini_by_risk: risk.qini,
    qini_by_risk_ci: risk.qini_ci,
    qini_vs_risk_ci: ci(e.qiniVsRiskCi),
    auuc_by_risk: risk.auuc,
    auuc_by_risk_ci: risk.auuc_ci,
    uplift_at_30_by_risk: risk.uplift_at_30,
    uplift_at_30_by_risk_ci: risk.uplift_at_30_ci,
    curve: e.model.curve.map((p, i) => ({
      fraction: fraction(p.fraction),
      qini: signed(p.qini),
      qini_by_risk: signed(e.byRisk.curve[i]?.qini ?? null),
      uplift_in_top: signed(p.upliftInTop),
      uplift_in_top_by_risk: signed(e.byRisk.curve[i]?.upliftInTop ?? null),
    })),
    currency,
    net_value_targeting: {
      cost_per_targeted: money(e.netValue.costPerTargeted),
      targeted: e.netValue.targeted,
      share: fraction(e.netValue.share),
      expected_net_value: money(e.netValue.expectedNetValue),
      observed_uplift_targeted: signed(e.netValue.observedUpliftTargeted),
      observed_uplift_rest: signed(e.netValue.observedUpliftRest),
    },
    highest_risk: { share: 0.1, ...typesJson(e.highestRisk) },
    all_members: typesJson(e.allMembers),
    scores_file: scoresFile,
    definition: DEFINITIONS,
  };
}

async function evaluate(opts: EvaluateOptions): Promise<void> {
  const out = resolveOutput(opts);
  const lang = labelLang(out.lang);
  const bins = wholeNumber('--bins', opts.bins);
  if (!ALLOWED_BINS.includes(bins)) throw new TenureError('USAGE', `--bins must be one of ${ALLOWED_BINS.join(', ')}, got ${bins}`);
  const bootstrap = wholeNumber('--bootstrap', opts.bootstrap);
  // The scores file is checked and created before anything is computed.
  const scoresFile = opts.scores !== undefined ? OutputFile.open(opts.scores, { what: '--scores' }) : null;
  let e: UpliftEvaluation;
  try {
    e = await withStore(opts.db, (store) => evaluateUpliftModel(store, { campaignId: opts.campaign, bins, bootstrap, ...(opts.model === undefined ? {} : { modelId: opts.model }) }));
  } catch (err) {
    scoresFile?.abort();
    throw err;
  }
  if (scoresFile) {
    scoresFile.write(toCsv(['customer_id', 'uplift', 'churn_probability'], e.scores.map((s) => ({ customer_id: s.customerId, uplift: signed(s.uplift), churn_probability: fraction(s.churnProbability) }))));
    scoresFile.commit();
  }
  const json = evaluationJson(e, out.currency, opts.scores ?? null);
  if (out.format === 'json') {
    printJson(json);
    return;
  }
  const row = (ranking: string, f: ReturnType<typeof rankingJson>) => ({ ranking, qini: f.qini, qini_ci: f.qini_ci?.join(' … ') ?? '', auuc: f.auuc, auuc_ci: f.auuc_ci?.join(' … ') ?? '', uplift_at_30: f.uplift_at_30, uplift_at_30_ci: f.uplift_at_30_ci?.join(' … ') ?? '' });
  const names = lang === 'en' ? { model: `uplift model (${e.learner})`, risk: 'churn risk alone', random: 'random' } : { model: `增量模型（${e.learner}）`, risk: '仅按流失风险', random: '随机' };
  printRows(
    ['ranking', 'qini', 'qini_ci', 'auuc', 'auuc_ci', 'uplift_at_30', 'uplift_at_30_ci'],
    [row(names.model, rankingJson(e.model)), row(names.risk, rankingJson(e.byRisk)), { ranking: names.random, qini: 0, qini_ci: '', auuc: signed(e.auucRandom), auuc_ci: '', uplift_at_30: signed(e.overallUplift), uplift_at_30_ci: '' }],
    out.format,
  );
  if (out.format !== 'table') return;
  const h = e.highestRisk;
  const n = e.netValue;
  const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
  printText(
    lang === 'en'
      ? `\n${e.campaignId}, ${e.offerId} vs control (${e.members.treated} treated, ${e.members.control} control; model ${e.modelId} learned from ${e.trainedOn.join(', ')}; risk: ${e.riskSource}).\n` +
          `Of the ${h.members} highest-risk members (top 10 %), ${h.lostCause} look like lost causes and ${h.sureThing} like sure things; ${h.persuadable} persuadable, ${h.sleepingDog} sleeping dogs.\n` +
          `Targeting by expected net value (uplift × value − ${n.costPerTargeted.toFixed(2)} ${out.currency} expected cost): ${n.targeted} members (${pct(n.share)}); observed uplift among them ${pct(n.observedUpliftTargeted)}, among the rest ${pct(n.observedUpliftRest)}.\n`
      : `\n${e.campaignId}，${e.offerId} 对比对照组（处理组 ${e.members.treated} 人，对照组 ${e.members.control} 人；模型 ${e.modelId} 学自 ${e.trainedOn.join('、')}；风险来源：${e.riskSource}）。\n` +
          `风险最高的 10%（${h.members} 人）中，${h.lostCause} 人像"无法挽回"，${h.sureThing} 人像"本来就会留下"；可说服 ${h.persuadable} 人，"沉睡的狗" ${h.sleepingDog} 人。\n` +
          `按预期净值（增量 × 客户价值 − 预期成本 ${n.costPerTargeted.toFixed(2)} ${out.currency}）选择：${n.targeted} 人（${pct(n.share)}）；其中实际增量 ${pct(n.observedUpliftTargeted)}，其余 ${pct(n.observedUpliftRest)}。\n`,
  );
}

export function register(program: Command): void {
  const uplift = program.command('uplift').description('uplift models from randomized campaigns: who an offer keeps, evaluated on a campaign not learned from');
  withFormat(
    uplift
      .command('train')
      .description(
        'learn who an offer keeps from past randomized campaigns (T-learner and S-learner on the churn model\'s features as of the month before each start, the better by a held-out Qini); by default every complete campaign with the offer but the latest, which is left for evaluation',
      )
      .option('--campaigns <ids>', 'campaign_id list to learn from, e.g. K1,K2 (default: all complete campaigns with a control and the offer arm but the latest)')
      .option('--offer <id>', 'offer_id whose effect to learn (default: the offer arm in most campaigns)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(train);
  withFormat(
    withCurrency(
      uplift
        .command('evaluate')
        .description(
          'the uplift model on a campaign it did not learn from: Qini coefficient, AUUC and uplift in the top 30 % against random targeting (0) and targeting by churn risk alone, with bootstrap intervals; targeting by expected net value; sure things and lost causes among the highest risk',
        )
        .requiredOption('--campaign <id>', 'campaign_id to evaluate on (one the model did not learn from)')
        .option('--model <id>', 'uplift model id (default: the latest)')
        .option('--scores <file>', 'also write customer_id,uplift,churn_probability for the evaluated members')
        .option('--bins <n>', `equal-count bins of the ranking: ${ALLOWED_BINS.join(', ')}`, String(DEFAULT_BINS))
        .option('--bootstrap <n>', 'bootstrap replicates for the intervals', String(DEFAULT_BOOTSTRAP))
        .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
    ),
  ).action(evaluate);
}
