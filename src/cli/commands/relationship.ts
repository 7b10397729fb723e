/**
 * `tenure relationship` (issue 13.5, 客户关系评价): the weighted scorecard, its distribution by
 * segment, the weakest relationships, and whether the score predicts churn (its AUC beside the
 * stored churn model's holdout AUC). Read-only.
 */
import type { Command } from 'commander';
import { withStore } from '../../app/lifecycle/context.ts';
import { DEFAULT_RELATIONSHIP_HORIZON, DEFAULT_WEAKEST, relationshipReport } from '../../app/service/relationship.ts';
import { relationshipJson } from '../../app/service/relationship-json.ts';
import { loadWeights } from '../../app/service/weights-file.ts';
import { DEFAULT_SEGMENT_FIELD } from '../../app/service/common.ts';
import { checkMonth } from '../../app/data-span.ts';
import { COMPONENTS, DEFAULT_WEIGHTS, weightsCsv } from '../../domain/service/scorecard.ts';
import { DEFAULT_DB } from '../../app/store.ts';
import { labelLang, printJson, printRows, resolveOutput, withFormat, type Cell, type FormatOptions } from '../output.ts';

interface RelationshipFlags extends FormatOptions {
  db?: string;
  asOf?: string;
  weights?: string;
  segmentBy?: string;
  horizon?: string;
  weakest?: string;
}

async function run(opts: RelationshipFlags): Promise<void> {
  const out = resolveOutput(opts);
  const lang = labelLang(out.lang);
  checkMonth('--as-of', opts.asOf);
  const weights = opts.weights === undefined ? DEFAULT_WEIGHTS : loadWeights(opts.weights); // a bad file fails before the store is opened
  const r = await withStore(opts.db, (store) => relationshipReport(store, { asOf: opts.asOf, weights, segmentBy: opts.segmentBy, horizon: opts.horizon, weakest: opts.weakest }));
  const j = relationshipJson(r, lang);
  if (out.format === 'json') {
    printJson(j);
    return;
  }
  const segmentRows = [{ segment: lang === 'en' ? '(all)' : '（全部）', ...j.distribution }, ...j.segments] as Record<string, Cell>[];
  const columns = ['segment', 'n', 'mean', 'p10', 'p25', 'p50', 'p75', 'p90'];
  if (out.format === 'csv') {
    printRows(columns, segmentRows, 'csv');
    return;
  }
  const en = lang === 'en';
  process.stdout.write(en ? `Relationship score (0–100) as of ${r.as_of}, ${r.accounts} open accounts, by ${r.segment_field}:\n` : `客户关系评分（0–100），截至 ${r.as_of}，在网 ${r.accounts} 户，按 ${r.segment_field}：\n`);
  printRows(columns, segmentRows, 'table');
  process.stdout.write(en ? '\nComponents (weight, share of accounts where known):\n' : '\n评价指标（权重，有数据的客户占比）：\n');
  printRows(['component', 'name', 'weight', 'coverage'], j.components.map((c) => ({ ...c, coverage: `${((c.coverage ?? 0) * 100).toFixed(1)}%` })), 'table');
  const p = j.prediction;
  const auc = (x: number | null) => (x === null ? '–' : x.toFixed(3));
  const parts = COMPONENTS.map((c) => `${c} ${auc(p.component_auc[c] as number | null)}`).join(', ');
  if (p.evaluated_as_of === null) process.stdout.write(`\n${p.note ?? ''}\n`);
  else {
    process.stdout.write(
      en
        ? `\nPredicts churn? AUC ${auc(p.auc)} on churn in the ${p.horizon} months after ${p.evaluated_as_of} (${p.churned} of ${p.accounts} left); components alone: ${parts}\n`
        : `\n能否预测流失？以 ${p.evaluated_as_of} 之后 ${p.horizon} 个月的流失计 AUC ${auc(p.auc)}（${p.accounts} 户中流失 ${p.churned} 户）；各指标单独：${parts}\n`,
    );
  }
  const m = p.model;
  process.stdout.write(
    m === null
      ? en ? 'churn model: none stored (tenure model train)\n' : '流失模型：尚未训练（tenure model train）\n'
      : en ? `churn model ${m.model_version}: holdout AUC ${auc(m.auc)} (holdout ${m.holdout}, ${m.horizon}-month horizon)\n` : `流失模型 ${m.model_version}：留出 AUC ${auc(m.auc)}（留出月 ${m.holdout}，${m.horizon} 个月）\n`,
  );
  if (j.weakest.length > 0) {
    process.stdout.write(en ? '\nWeakest relationships:\n' : '\n关系最弱的客户：\n');
    printRows(['customer_id', 'segment', 'score', ...COMPONENTS], j.weakest.map((w) => ({ customer_id: w.customer_id, segment: w.segment, score: w.score, ...w.components }) as Record<string, Cell>), 'table');
  }
}

export function register(program: Command): void {
  withFormat(
    program
      .command('relationship')
      .description(
        `relationship evaluation (客户关系评价): a weighted scorecard 0–100 per open account from tenure, share of product categories held, payment behaviour, complaints, satisfaction and referrals (not in the data contract: always unknown), its distribution by segment, the weakest relationships, and its AUC on the next months' churn beside the churn model's. --weights FILE is CSV component,weight; the default:\n${weightsCsv(DEFAULT_WEIGHTS)}`,
      )
      .option('--as-of <month>', "month whose end the score describes (YYYY-MM; default: the data's last month)")
      .option('--weights <file>', 'weights CSV: header component,weight, one row per component (unlisted: 0)')
      .option('--segment-by <field>', `customer field the distribution is split by (default ${DEFAULT_SEGMENT_FIELD})`)
      .option('--horizon <months>', `churn horizon of the AUC (default ${DEFAULT_RELATIONSHIP_HORIZON})`)
      .option('--weakest <n>', `weakest relationships to list (default ${DEFAULT_WEAKEST})`)
      .option('--db <path>', `store to read (default $TENURE_DB or ${DEFAULT_DB})`),
  ).action(run);
}
