import { fraction, money, roundNumber } from '../../domain/numeric/shown.ts';
import { VERDICT_TEXT } from '../../domain/campaigns/evaluation.ts';
import type { ShownContext } from '../shown.ts';
import type { CampaignDesign } from './design.ts';
import type { TargetSource } from './targets.ts';
import { LOW_RISK_DECILES, type CampaignArm, type CampaignEvaluation, type CampaignEvaluationReport } from './evaluate.ts';

/** Campaign evaluations as JSON: the document `tenure campaign evaluate --json` prints and the HTTP API sends. */

/** Uplift, its interval and ROI can be negative: 6 decimals, like fractions, but not bounded to 0–1. */
export const signed = (x: number | null) => (x === null ? null : roundNumber(x, 6));
const ci = (x: readonly [number, number] | null) => (x === null ? null : [signed(x[0]), signed(x[1])]);

function armJson(a: CampaignArm, lang: 'zh' | 'en') {
  const common = {
    arm: a.arm,
    members: a.members,
    churned: a.churned,
    churn_rate: fraction(a.churnRate),
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
    uplift: signed(a.uplift),
    uplift_ci: ci(a.upliftCi),
    saved: a.saved === null ? null : roundNumber(a.saved, 2),
    retained_value: money(a.retainedValue),
    incremental_revenue: money(a.incrementalRevenue),
    net_value: money(a.netValue),
    roi: signed(a.roi),
    uplift_among_reached: signed(a.upliftAmongReached),
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

export function campaignEvaluationJson(report: CampaignEvaluationReport, out: ShownContext) {
  const lang = out.lang === 'en' ? 'en' : 'zh';
  return { currency: out.currency, data_last_month: report.dataLastMonth, campaigns: report.campaigns.map((c) => campaignJson(c, lang)) };
}

/** A kept design as JSON: the document `tenure campaign design --json` prints and the HTTP API sends. */
export function campaignDesignJson(d: CampaignDesign, source: TargetSource, membersFile: string | null) {
  return {
    campaign_id: d.campaignId,
    start_date: d.startDate,
    assigned_date: d.assignedDate,
    seed: d.seed,
    targets: d.targets,
    excluded: { churned_before_start: d.excluded.churnedBeforeStart, no_consent: d.excluded.noConsent },
    strata: { risk_scores_as_of: d.riskScoresAsOf, risk_model_version: d.riskModelVersion, value_as_of: d.valueAsOf },
    arms: d.arms.map((a) => ({ arm: a.arm, share: a.share, members: a.members })),
    balance: d.balance.map((b) => ({ arm: b.arm, covariate: b.covariate, smd: b.smd === null ? null : Number(b.smd.toFixed(4)), imbalanced: b.imbalanced })),
    members_file: membersFile,
    target_list: source.kind === 'list' ? { list_id: source.listId, as_of: source.asOf } : null,
  };
}

/** The audit entry's detail of a kept design (the CLI and the API write the same). */
export function campaignDesignAuditDetail(d: CampaignDesign, source: TargetSource): string {
  return JSON.stringify({ start_date: d.startDate, seed: d.seed, targets: d.targets, members: d.members.length, arms: d.arms.map((a) => `${a.arm}:${a.share}`).join(','), target_list: source.kind === 'list' ? source.listId : 'file' });
}
