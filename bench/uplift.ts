/**
 * Does the uplift model find who the offer keeps, better than churn risk alone, on a campaign it
 * did not learn from? The demo operator (`tenure demo`) plants effects where the persuadables are
 * not the riskiest (early leavers for price reasons; the late leavers with the loudest signals
 * are lost causes; domain/demo/retention.ts). The data goes through the real import, `tenure
 * model train` (the churn risk to compare with), `tenure uplift train` (every campaign but the
 * latest) and `tenure uplift evaluate` on the latest.
 *
 * Peer, same members: targeting by the churn model's risk alone (qini_by_risk); random targeting
 * scores 0. Beside the held-out figures, the generator's truth: the mean planted effect (churn
 * without minus with the offer) of the treated members in each ranking's top 30 %.
 *
 *   npx tsx bench/uplift.ts [--customers 60000] [--months 24] [--seed 7] [--profile mixed] [--bins 10] [--bootstrap 1000]
 *
 * Prints a table and writes bench/out/uplift.json.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { trainChurnModel } from '../src/app/churn-model/train.ts';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { evaluateUpliftModel } from '../src/app/uplift/evaluate.ts';
import { trainUpliftModel } from '../src/app/uplift/train.ts';
import { toTable } from '../src/cli/output.ts';
import { rankingOrder } from '../src/domain/campaigns/uplift-metrics.ts';
import { type Profile } from '../src/domain/demo/index.ts';
import { writeDemoDataset } from '../src/app/demo/write-dataset.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '60000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    profile: { type: 'string', default: 'mixed' },
    bins: { type: 'string', default: '10' },
    bootstrap: { type: 'string', default: '1000' },
  },
});
const o = { customers: Number(args.customers), months: Number(args.months), seed: Number(args.seed), profile: args.profile as Profile };
const out = resolve(import.meta.dirname, 'out');
const dir = join(out, `uplift-data-${o.customers}x${o.months}-s${o.seed}-${o.profile}`);
const dbPath = join(out, `uplift-${o.customers}x${o.months}-s${o.seed}-${o.profile}.duckdb`);
mkdirSync(out, { recursive: true });
const log = (line: string) => process.stderr.write(`${line}\n`);
const timings: Record<string, number> = {};
const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = (Date.now() - t) / 1000;
  }
};

rmSync(dir, { recursive: true, force: true });
const demo = await timed('generate', () => writeDemoDataset({ outDir: dir, ...o, collectMemberTruth: true }));
for (const f of [dbPath, `${dbPath}.wal`]) if (existsSync(f)) rmSync(f);
const store = await DuckDBStore.open(dbPath, { readableDirectories: [dir] });
try {
  const imported = await timed('import', () => importDataset(store, dir));
  if (imported.rejected > 0) throw new Error(`${imported.rejected} rows rejected`);
  await timed('churn model', () => trainChurnModel(store, { log }));
  const trained = await timed('uplift train', () => trainUpliftModel(store, { log }));
  const heldOut = trained.metrics.held_out[trained.metrics.held_out.length - 1];
  if (heldOut === undefined) throw new Error('no campaign left for evaluation');
  const e = await timed('uplift evaluate', () => evaluateUpliftModel(store, { campaignId: heldOut, bins: Number(args.bins), bootstrap: Number(args.bootstrap) }));

  // The generator's truth for the treated members: their planted effect, in each ranking's top 30 %.
  const truth = new Map((demo.memberTruth ?? []).filter((m) => m.campaignId === heldOut && m.arm === e.offerId).map((m) => [m.customerId, Number(m.churnedWithout) - Number(m.churnedWith)]));
  const ids = e.scores.map((s) => s.customerId);
  const topTruth = (score: Float64Array) => {
    const order = rankingOrder(score, ids);
    const top = Array.from(order.subarray(0, Math.round(0.3 * ids.length)));
    const effects = top.map((i) => truth.get(ids[i] as string)).filter((x): x is number => x !== undefined);
    return effects.reduce((a, b) => a + b, 0) / Math.max(1, effects.length);
  };
  const allTruth = [...truth.values()];
  const planted = {
    arm: allTruth.reduce((a, b) => a + b, 0) / Math.max(1, allTruth.length),
    model_top30: topTruth(Float64Array.from(e.scores, (s) => s.uplift)),
    risk_top30: topTruth(Float64Array.from(e.scores, (s) => s.churnProbability)),
  };

  const f = (x: number | null, d = 4) => (x === null ? '' : x.toFixed(d));
  const ci = (x: readonly [number, number] | null) => (x === null ? '' : `[${f(x[0])}, ${f(x[1])}]`);
  process.stdout.write(
    toTable(
      ['ranking', 'qini', 'qini_ci', 'auuc', 'auuc_ci', 'uplift_at_30', 'uplift_at_30_ci', 'planted_effect_top30'],
      [
        { ranking: `uplift model (${e.learner})`, qini: f(e.model.qini), qini_ci: ci(e.model.qiniCi), auuc: f(e.model.auuc), auuc_ci: ci(e.model.auucCi), uplift_at_30: f(e.model.upliftAt30), uplift_at_30_ci: ci(e.model.upliftAt30Ci), planted_effect_top30: f(planted.model_top30) },
        { ranking: 'churn risk alone', qini: f(e.byRisk.qini), qini_ci: ci(e.byRisk.qiniCi), auuc: f(e.byRisk.auuc), auuc_ci: ci(e.byRisk.auucCi), uplift_at_30: f(e.byRisk.upliftAt30), uplift_at_30_ci: ci(e.byRisk.upliftAt30Ci), planted_effect_top30: f(planted.risk_top30) },
        { ranking: 'random', qini: f(0), qini_ci: '', auuc: f(e.auucRandom), auuc_ci: '', uplift_at_30: f(e.overallUplift), uplift_at_30_ci: '', planted_effect_top30: f(planted.arm) },
      ],
    ),
  );
  process.stdout.write(
    `\n${o.customers} customers × ${o.months} months (seed ${o.seed}, ${o.profile}); offer ${e.offerId}; learned from ${e.trainedOn.join(', ')}, ` +
      `learner ${e.learner} chosen by held-out Qini (${trained.metrics.learners.map((l) => `${l.learner} ${f(l.validation_qini)}`).join(', ')} on ${trained.metrics.validation}); ` +
      `evaluated on ${heldOut}: ${e.members.treated} treated, ${e.members.control} control, ${e.bins} bins, ${e.bootstrap} bootstrap replicates.\n` +
      `Qini ${f(e.model.qini)} ${ci(e.model.qiniCi)} vs by risk ${f(e.byRisk.qini)} ${ci(e.byRisk.qiniCi)}; difference ${f(e.model.qini - e.byRisk.qini)} ${ci(e.qiniVsRiskCi)} (paired bootstrap). ` +
      `Highest 10 % risk: ${e.highestRisk.members} members, ${e.highestRisk.lostCause} lost causes, ${e.highestRisk.sureThing} sure things, ${e.highestRisk.persuadable} persuadable, ${e.highestRisk.sleepingDog} sleeping dogs. ` +
      `Net value targeting: ${e.netValue.targeted} of ${ids.length} (${f(100 * e.netValue.share, 1)} %), observed uplift there ${f(e.netValue.observedUpliftTargeted)} vs ${f(e.netValue.observedUpliftRest)} in the rest.\n` +
      `Times (s): ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`,
  );
  const { scores: _scores, ...record } = e;
  writeFileSync(join(out, 'uplift.json'), JSON.stringify({ args, timings, planted, training: trained.metrics, evaluation: record }, null, 2) + '\n');
} finally {
  await store.close();
}
