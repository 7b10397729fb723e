import { Option, type Command } from 'commander';
import { designCampaign, type CampaignDesign } from '../../app/campaigns/design.ts';
import { OutputFile } from '../../app/files/safe-write.ts';
import { resolveTargets, type TargetSource } from '../../app/campaigns/targets.ts';
import { TenureError } from '../../app/errors.ts';
import { parseArms } from '../../domain/campaigns/design.ts';
import { openStore } from '../../app/store.ts';
import { appendAudit } from '../../app/auth/audit.ts';
import { cliActor } from '../../app/auth/cli-actor.ts';
import { evaluateCampaigns, LOW_RISK_DECILES } from '../../app/campaigns/evaluate.ts';
import { campaignDesignAuditDetail, campaignDesignJson, campaignEvaluationJson, signed } from '../../app/campaigns/campaign-json.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { VERDICT_TEXT } from '../../domain/campaigns/evaluation.ts';
import { fraction, labelLang, money, printJson, printRows, resolveFormat, resolveOutput, toCsv, withCurrency, withFormat, type FormatOptions } from '../output.ts';

interface EvaluateOptions extends FormatOptions {
  db?: string;
}


const pct = (x: number | null) => (x === null ? '' : `${(x * 100).toFixed(2)}%`);
const interval = (x: readonly [number, number] | null) => (x === null ? '' : `${pct(x[0])} … ${pct(x[1])}`);

async function evaluate(id: string | undefined, opts: EvaluateOptions): Promise<void> {
  const out = resolveOutput(opts);
  const format = out.format;
  const lang = labelLang(out.lang);
  const report = await withStore(opts.db, (store) => evaluateCampaigns(store, id === undefined ? {} : { campaignId: id }));
  if (format === 'json') {
    printJson(campaignEvaluationJson(report, { lang: out.lang, currency: out.currency }));
    return;
  }
  const rows = report.campaigns.flatMap((c) =>
    c.arms.map((a) => ({
      campaign_id: c.campaignId,
      status: c.status === 'open' ? (lang === 'en' ? `open (${c.monthsOpen} months to go)` : `进行中（还需 ${c.monthsOpen} 个月）`) : lang === 'en' ? 'complete' : '已完成',
      arm: a.arm,
      members: a.members,
      churned: c.status === 'open' ? null : a.churned,
      churn_rate: format === 'table' ? pct(a.churnRate) : fraction(a.churnRate),
      churn_rate_ci: interval(a.churnRateCi),
      uplift: format === 'table' ? pct(a.uplift) : signed(a.uplift),
      uplift_ci: interval(a.upliftCi),
      saved: a.saved === null ? null : Number(a.saved.toFixed(1)),
      incremental_revenue: money(a.incrementalRevenue),
      cost: c.status === 'open' ? null : money(a.cost),
      net_value: money(a.netValue),
      roi: a.roi === null ? null : Number(a.roi.toFixed(2)),
      verdict: c.status === 'open' ? '' : VERDICT_TEXT[a.verdict][lang],
    })),
  );
  const columns = ['campaign_id', 'status', 'arm', 'members', 'churned', 'churn_rate', 'churn_rate_ci', 'uplift', 'uplift_ci', 'saved', 'incremental_revenue', 'cost', 'net_value', 'roi', 'verdict'];
  printRows(columns, rows, format, process.stdout, { money: ['incremental_revenue', 'cost', 'net_value'], currency: out.currency });
  if (format !== 'table') return;
  for (const c of report.campaigns) {
    if (c.contamination > 0) {
      process.stdout.write(lang === 'en' ? `${c.campaignId}: ${c.contamination} control members were contacted or answered (contamination)\n` : `${c.campaignId}：对照组有 ${c.contamination} 人被接触或有回应（对照组污染）\n`);
    }
    for (const a of c.arms) {
      const d = a.dilution;
      if (d && d.lowRiskAccepted > 0) {
        process.stdout.write(
          lang === 'en'
            ? `${c.campaignId}/${a.arm}: ${d.lowRiskDiscount.toFixed(2)} of ${d.totalDiscount.toFixed(2)} ${out.currency} discount went to ${d.lowRiskAccepted} accepted members in the lowest ${LOW_RISK_DECILES} risk deciles (scores as of ${d.riskScoresAsOf}): likely ARPU dilution\n`
            : `${c.campaignId}/${a.arm}：${d.totalDiscount.toFixed(2)} ${out.currency} 优惠中有 ${d.lowRiskDiscount.toFixed(2)} 给了风险最低 ${LOW_RISK_DECILES} 个十分位的 ${d.lowRiskAccepted} 名接受者（${d.riskScoresAsOf} 评分）：可能只是稀释 ARPU\n`,
        );
      }
    }
  }
}

interface DesignOptions extends FormatOptions {
  db?: string;
  id: string;
  start: string;
  target: string;
  arms: string;
  seed: string;
  horizon: string;
  name?: string;
  purpose: 'retention' | 'winback' | 'care' | 'cross_sell' | 'up_sell';
  assigned?: string;
  out?: string;
}

function membersFileText(d: CampaignDesign): string {
  const columns = ['campaign_id', 'customer_id', 'arm', 'assigned_date'];
  return toCsv(columns, d.members.map((m) => ({ campaign_id: d.campaignId, customer_id: m.customer_id, arm: m.arm, assigned_date: d.assignedDate })));
}


function integerFlag(flag: string, text: string, min: number): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) throw new TenureError('USAGE', `${flag} must be a whole number >= ${min}, got "${text}"`);
  return Number(text);
}

async function design(opts: DesignOptions): Promise<void> {
  const format = resolveFormat(opts);
  let arms;
  try {
    arms = parseArms(opts.arms);
  } catch (err) {
    throw new TenureError('USAGE', `--arms: ${(err as Error).message}`);
  }
  const seed = integerFlag('--seed', opts.seed, 0);
  const horizonMonths = integerFlag('--horizon', opts.horizon, 1);
  // The members file is checked and created (a private temporary file) before anything is kept.
  const out = opts.out !== undefined ? OutputFile.open(opts.out, { what: '--out' }) : null;
  let d: CampaignDesign;
  let source: TargetSource;
  try {
    const store = await openStore(opts.db, { access: 'read-write' });
    try {
      // A saved warning list is named by its id; anything else is a file of customer ids.
      const resolved = await resolveTargets(store, opts.target);
      const targets = resolved.ids;
      source = resolved.source;
      d = await designCampaign(store, {
        campaignId: opts.id,
        startDate: opts.start,
        targets,
        arms,
        seed,
        horizonMonths,
        purpose: opts.purpose,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        ...(opts.assigned === undefined ? {} : { assignedDate: opts.assigned }),
      });
      // A design is kept once and steers who is offered what: the audit trail says who made it.
      await appendAudit(store, {
        actor: cliActor(),
        action: 'campaign_design',
        target: d.campaignId,
        outcome: 'ok',
        source: 'cli',
        detail: campaignDesignAuditDetail(d, source),
      });
    } finally {
      await store.close();
    }
  } catch (err) {
    out?.abort();
    throw err;
  }
  if (out) {
    out.write(membersFileText(d));
    out.commit();
  }
  const json = campaignDesignJson(d, source, opts.out ?? null);
  if (format === 'json') {
    printJson(json);
  } else {
    printRows(['arm', 'share', 'members'], d.arms, format);
    if (format === 'table') {
      process.stdout.write(`\nbalance (standardized mean difference vs control; above 0.1 is imbalance)\n`);
      printRows(['arm', 'covariate', 'smd', 'imbalanced'], json.balance, format);
    }
  }
  process.stderr.write(
    `tenure: campaign ${d.campaignId}: ${d.members.length} of ${d.targets} targets assigned (seed ${d.seed}); left out: ${d.excluded.churnedBeforeStart} gone before ${d.startDate}, ${d.excluded.noConsent} without marketing consent; strata: risk deciles of ${d.riskScoresAsOf ?? 'no scores'} × value quadrants of ${d.valueAsOf ?? 'no value'}\n`,
  );
  for (const b of d.balance.filter((x) => x.imbalanced)) {
    process.stderr.write(`tenure: warning: arm ${b.arm} differs from control on ${b.covariate} (SMD ${b.smd?.toFixed(3)})\n`);
  }
}

export function register(program: Command): void {
  const campaign = program.command('campaign').description('retention campaigns: randomized design and evaluation against the control group');
  withFormat(
    campaign
      .command('design')
      .description(
        'randomize a target list into a control arm and offer arms, stratified by risk decile × value quadrant and reproducible for the seed; customers without marketing consent or gone before the start are left out; kept once in the store, never changed',
      )
      .requiredOption('--id <id>', 'campaign_id of the new campaign')
      .requiredOption('--start <date>', 'start date YYYY-MM-DD (outcomes are measured from it)')
      .requiredOption('--target <list|file>', 'a saved warning list id (tenure warn --save; its frozen members) or a CSV with a customer_id column (e.g. a tenure warn export)')
      .requiredOption('--arms <arms>', 'arms and shares, e.g. "control:0.2,O10:0.8" (offers by offer_id)')
      .option('--seed <n>', 'random seed (the same seed and targets give the same assignment)', '1')
      .option('--horizon <months>', 'months after the start over which outcomes are measured', '3')
      .option('--name <name>', 'campaign name (default: the id)')
      .addOption(new Option('--purpose <purpose>', 'campaign purpose').choices(['retention', 'winback', 'care', 'cross_sell', 'up_sell']).default('retention'))
      .option('--assigned <date>', 'assignment date YYYY-MM-DD, at most the start (default: the start date)')
      .option('--out <file>', 'also write the campaign_members rows for the contact center (campaign_id,customer_id,arm,assigned_date)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(design);
  withFormat(withCurrency(
    campaign
      .command('evaluate')
      .description(
        'evaluate campaigns by intention to treat: churn rate per arm with a 95 % Wilson interval, retention uplift vs control with a 95 % Newcombe interval, customers saved, incremental revenue, cost, net value, ROI, contamination and the ARPU dilution guard',
      )
      .argument('[id]', 'campaign_id (default: every campaign)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  )).action(evaluate);
}
