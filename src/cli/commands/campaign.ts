import { Option, type Command } from 'commander';
import { evaluateCampaigns, LOW_RISK_DECILES, type CampaignArm, type CampaignEvaluation } from '../../app/campaigns/evaluate.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { VERDICT_TEXT } from '../../domain/campaigns/evaluation.ts';
import { printJson, printRows, resolveFormat, withFormat, type FormatOptions } from '../output.ts';

interface EvaluateOptions extends FormatOptions {
  db?: string;
  lang: 'zh' | 'en';
}

const money = (x: number | null) => (x === null ? null : Number(x.toFixed(2)));
const rate = (x: number | null) => (x === null ? null : Number(x.toFixed(6)));
const ci = (x: readonly [number, number] | null) => (x === null ? null : [rate(x[0]), rate(x[1])]);

function armJson(a: CampaignArm, lang: 'zh' | 'en') {
  const common = {
    arm: a.arm,
    members: a.members,
    churned: a.churned,
    churn_rate: rate(a.churnRate),
    churn_rate_ci: ci(a.churnRateCi),
    reached: a.reached,
    revenue_per_member: money(a.revenuePerMember),
    cost: money(a.cost),
    verdict: a.verdict,
    verdict_text: VERDICT_TEXT[a.verdict][lang],
  };
  if (a.arm === 'control') return common;
  return {
    ...common,
    uplift: rate(a.uplift),
    uplift_ci: ci(a.upliftCi),
    saved: a.saved === null ? null : Number(a.saved.toFixed(2)),
    retained_value: money(a.retainedValue),
    incremental_revenue: money(a.incrementalRevenue),
    net_value: money(a.netValue),
    roi: rate(a.roi),
    uplift_among_reached: rate(a.upliftAmongReached),
    dilution: a.dilution && {
      risk_scores_as_of: a.dilution.riskScoresAsOf,
      low_risk_deciles: LOW_RISK_DECILES,
      low_risk_accepted: a.dilution.lowRiskAccepted,
      low_risk_discount: money(a.dilution.lowRiskDiscount),
      total_discount: money(a.dilution.totalDiscount),
    },
  };
}

function campaignJson(c: CampaignEvaluation, lang: 'zh' | 'en') {
  return {
    campaign_id: c.campaignId,
    name: c.name,
    purpose: c.purpose,
    start_date: c.startDate,
    horizon_months: c.horizonMonths,
    window: { from: c.windowMonths[0], to: c.windowMonths[1] },
    status: c.status,
    months_open: c.monthsOpen,
    churned_before_start: c.churnedBeforeStart,
    contamination: c.contamination,
    arms: c.arms.map((a) => armJson(a, lang)),
  };
}

const pct = (x: number | null) => (x === null ? '' : `${(x * 100).toFixed(2)}%`);
const interval = (x: readonly [number, number] | null) => (x === null ? '' : `${pct(x[0])} … ${pct(x[1])}`);

async function evaluate(id: string | undefined, opts: EvaluateOptions): Promise<void> {
  const format = resolveFormat(opts);
  const report = await withStore(opts.db, (store) => evaluateCampaigns(store, id === undefined ? {} : { campaignId: id }));
  if (format === 'json') {
    printJson({ data_last_month: report.dataLastMonth, campaigns: report.campaigns.map((c) => campaignJson(c, opts.lang)) });
    return;
  }
  const rows = report.campaigns.flatMap((c) =>
    c.arms.map((a) => ({
      campaign_id: c.campaignId,
      status: c.status === 'open' ? `open (${c.monthsOpen} months to go)` : 'complete',
      arm: a.arm,
      members: a.members,
      churned: c.status === 'open' ? null : a.churned,
      churn_rate: format === 'table' ? pct(a.churnRate) : rate(a.churnRate),
      churn_rate_ci: interval(a.churnRateCi),
      uplift: format === 'table' ? pct(a.uplift) : rate(a.uplift),
      uplift_ci: interval(a.upliftCi),
      saved: a.saved === null ? null : Number(a.saved.toFixed(1)),
      incremental_revenue: money(a.incrementalRevenue),
      cost: c.status === 'open' ? null : money(a.cost),
      net_value: money(a.netValue),
      roi: a.roi === null ? null : Number(a.roi.toFixed(2)),
      verdict: c.status === 'open' ? '' : VERDICT_TEXT[a.verdict][opts.lang],
    })),
  );
  const columns = ['campaign_id', 'status', 'arm', 'members', 'churned', 'churn_rate', 'churn_rate_ci', 'uplift', 'uplift_ci', 'saved', 'incremental_revenue', 'cost', 'net_value', 'roi', 'verdict'];
  printRows(columns, rows, format);
  if (format !== 'table') return;
  for (const c of report.campaigns) {
    if (c.contamination > 0) process.stdout.write(`${c.campaignId}: ${c.contamination} control members were contacted or answered (contamination)\n`);
    for (const a of c.arms) {
      const d = a.dilution;
      if (d && d.lowRiskAccepted > 0) {
        process.stdout.write(
          `${c.campaignId}/${a.arm}: ${d.lowRiskDiscount.toFixed(2)} of ${d.totalDiscount.toFixed(2)} discount went to ${d.lowRiskAccepted} accepted members in the lowest ${LOW_RISK_DECILES} risk deciles (scores as of ${d.riskScoresAsOf}): likely ARPU dilution\n`,
        );
      }
    }
  }
}

export function register(program: Command): void {
  const campaign = program.command('campaign').description('retention campaigns: evaluation against the control group');
  withFormat(
    campaign
      .command('evaluate')
      .description(
        'evaluate campaigns by intention to treat: churn rate per arm with a 95 % Wilson interval, retention uplift vs control with a 95 % Newcombe interval, customers saved, incremental revenue, cost, net value, ROI, contamination and the ARPU dilution guard',
      )
      .argument('[id]', 'campaign_id (default: every campaign)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)')
      .addOption(new Option('--lang <lang>', 'language of the verdicts').choices(['zh', 'en']).default('zh')),
  ).action(evaluate);
}
