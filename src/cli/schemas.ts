/**
 * The JSON each command prints with `--json`, as zod schemas: the single source of the
 * published JSON Schemas (`tenure schema COMMAND` prints one; schema.test.ts runs every
 * command on a demo store and validates its output against its schema).
 *
 * Conventions (README, "Machine output"):
 * - money: a number rounded half-up to 2 decimals, in the output's `currency` (ISO 4217);
 * - probabilities, rates and shares: fractions 0–1, 6 decimals at most;
 * - months `YYYY-MM`, dates `YYYY-MM-DD`;
 * - lists are arrays (reasons are arrays of objects, never one joined string);
 * - labels are in one language, the output's `--lang`.
 * Every object allows properties beyond the ones listed, so a command may add a field
 * (a base, a definition) without breaking a reader that validates against an older schema.
 */
import { z } from 'zod';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).describe('month, YYYY-MM');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('date, YYYY-MM-DD');
const twoDecimals = (x: number) => Math.abs(Math.round(x * 100) / 100 - x) < 1e-9 * Math.max(1, Math.abs(x));
const money = z.number().refine(twoDecimals, 'money has at most 2 decimals').describe('money, rounded half-up to 2 decimals, in `currency`');
const fraction = z.number().min(0).max(1).describe('fraction 0–1');
const count = z.number().int().min(0);
const currency = z.string().regex(/^[A-Z]{3}$/).describe('ISO 4217 code of every money amount in this output');
const lang = z.enum(['zh-CN', 'en']);
const obj = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

const reportRow = (shape: z.ZodRawShape) => obj({ month, currency, ...shape });

const scoreReason = obj({ rank: z.number().int().min(1), feature: z.string(), text: z.string() });

const importFile = obj({ read: count, accepted: count, rejected: count, status: z.string() });

const stageCounts = obj({ A: count, B: count, C: count, D: count, E: count });

const sbgFit = obj({
  alpha: z.number(),
  beta: z.number(),
  log_likelihood: z.number(),
  converged: z.boolean(),
  warnings: z.array(z.string()),
  period_unit: z.enum(['month', 'quarter', 'year']),
  periods: count,
  survival: z.array(fraction),
  retention: z.array(fraction),
  expected_lifetime: z.number(),
  mean_lifetime: z.number().nullable(),
  derl: z.number(),
  observed: z.array(z.number()),
  fitted: z.array(z.number()),
});

const forecastRow = obj({ month, voluntary: z.number(), involuntary: z.number(), total: z.number(), lower: z.number(), upper: z.number(), expected_revenue_lost: money.nullable() });

const patternRow = obj({ pattern: z.enum(['I', 'II', 'III', 'IV']), name: z.string(), customers: count });

const evaluation = obj({ auc: fraction, pr_auc: fraction, lift_top10: z.number(), brier: fraction, rows: count });

const rate = obj({ churned: count, returned: count, rate: fraction.nullable() });
const interval = z.array(z.number()).length(2);

const scoringRun = obj({ as_of: month, model_version: z.string(), scored_at: z.string() });
const decile = z.number().int().min(1).max(10);
const warnRow = obj({
  rank: z.number().int().min(1),
  customer_id: z.string(),
  churn_probability: fraction,
  customer_value: money,
  expected_loss: money,
  lifecycle_stage: z.string().nullable(),
  value_quadrant: z.enum(['I', 'II', 'III', 'IV']).nullable(),
  value_tier: z.enum(['low', 'mid', 'high', 'silver', 'gold', 'platinum']).nullable(),
  region: z.string().nullable(),
  top_reasons: z.array(obj({ rank: z.number().int().min(1), text: z.string() })),
  recommended_play: z.string().nullable(),
  change: z.enum(['new', 'risen', 'unchanged', 'fell']).nullable().describe('since the previous scoring run; null when there is none'),
  risk_decile: decile.nullable(),
  previous_risk_decile: decile.nullable(),
  currency,
});
const savedList = obj({ list_id: z.string(), name: z.string(), created_at: z.string(), as_of: month, filters: z.record(z.string(), z.unknown()), model_version: z.string(), previous_as_of: month.nullable(), members: count });
const warnList = {
  as_of: month,
  currency,
  definition: z.string(),
  scoring: scoringRun,
  previous_scoring: scoringRun.nullable(),
  filters: z.record(z.string(), z.unknown()),
  scored: count,
  matched: count,
  listed: count,
  customers: z.array(warnRow),
};

/** Command path (as typed after `tenure`) → the schema of its `--json` output. */
const churnEstimate = { accounts: count, churned: count, churn_rate: fraction.nullable(), churn_rate_ci: interval.nullable() };
const complaintStatusChurn = obj({
  month: month.nullable().describe('null: the months pooled'),
  unresolved: obj(churnEstimate),
  resolved: obj(churnEstimate),
  none: obj(churnEstimate),
  difference: z.number().min(-1).max(1).nullable().describe('churn rate of unresolved − none'),
  difference_ci: interval.nullable(),
});
const serviceRegion = {
  region: z.string(),
  opening: count,
  churned: count,
  churn_rate: fraction.nullable(),
  calls: z.number().min(0),
  dropped_calls: z.number().min(0),
  dropped_call_rate: fraction.nullable(),
};
const serviceShare = obj({ month: month.nullable(), voluntary: count, service_related: count, share: fraction.nullable(), share_ci: interval.nullable() });
const score100 = z.number().min(0).max(100);
const scoreDistribution = obj({ n: count, mean: score100.nullable(), p10: score100.nullable(), p25: score100.nullable(), p50: score100.nullable(), p75: score100.nullable(), p90: score100.nullable() });
const careStatus = z.enum(['planned', 'deferred', 'dropped']);
const nbaAction = z.enum(['retention_offer', 'cross_sell', 'up_sell', 'care_note', 'nothing']);

export const OUTPUT_SCHEMAS = {
  care: obj({
    from: date,
    to: date,
    value_as_of: month,
    scores_as_of: month.nullable(),
    policy: obj({ max_contacts: count, window_days: count, unknown_consent: z.enum(['deny', 'allow']) }),
    counts: obj({ planned: count, deferred: count, dropped: count }),
    occasions: z.array(
      obj({
        customer_id: z.string(),
        date: date.describe('the contact day: the occasion day, or a later one when deferred'),
        occasion: z.enum(['birthday', 'anniversary', 'milestone', 'contract_expiry', 'discount_end', 'premium_service', 'promotion']),
        priority: z.number().min(0),
        status: careStatus,
        occasion_date: date,
        reason: z.string().describe('why deferred or dropped; empty when planned'),
        value_tier: z.enum(['low', 'mid', 'high', 'silver', 'gold', 'platinum']).nullable(),
        churn_probability: fraction.nullable(),
        script: z.string(),
      }),
    ),
  }),
  nba: obj({
    customer_id: z.string(),
    action: nbaAction,
    offer_id: z.string().nullable(),
    why: z.array(z.string()),
    offer_name: z.string().nullable(),
    date,
    holdout: z.boolean(),
    campaign_id: z.string(),
    churn_probability: fraction.nullable(),
    risk_decile: z.number().int().min(1).max(10).nullable(),
    value_quadrant: z.enum(['I', 'II', 'III', 'IV']).nullable(),
    marketing_consent: z.boolean().nullable(),
    recent_contacts: count,
  }),
  'nba record': obj({
    customer_id: z.string(),
    campaign_id: z.string(),
    arm: z.string(),
    ts: z.string(),
    response: z.enum(['accepted', 'declined']).nullable(),
    holdout: z.boolean(),
    contamination: z.boolean(),
    new_campaign: z.boolean(),
  }),
  'campaign design': obj({
    campaign_id: z.string(),
    start_date: date,
    assigned_date: date,
    seed: count,
    targets: count,
    excluded: obj({ churned_before_start: count, no_consent: count }),
    strata: obj({ risk_scores_as_of: month.nullable(), risk_model_version: z.string().nullable(), value_as_of: month.nullable() }),
    arms: z.array(obj({ arm: z.string(), share: fraction, members: count })),
    balance: z.array(obj({ arm: z.string(), covariate: z.enum(['churn_probability', 'customer_value', 'tenure_months']), smd: z.number().nullable(), imbalanced: z.boolean() })),
    members_file: z.string().nullable(),
  }),
  'campaign evaluate': obj({
    currency,
    data_last_month: month,
    campaigns: z.array(
      obj({
        campaign_id: z.string(),
        start_date: date,
        horizon_months: count,
        window: obj({ from: month, to: month }),
        status: z.enum(['complete', 'open']),
        months_open: count,
        churned_before_start: count,
        contamination: count,
        arms: z.array(
          obj({
            arm: z.string(),
            members: count,
            churned: count,
            churn_rate: fraction.nullable(),
            churn_rate_ci: interval.nullable(),
            reached: count,
            cost: money.nullable(),
            verdict: z.enum(['retained', 'no_evidence', 'harmed', 'no_control', 'control']),
            verdict_text: z.string(),
            uplift: z.number().nullable().optional(),
            uplift_ci: interval.nullable().optional(),
            saved: z.number().nullable().optional(),
            incremental_revenue: money.nullable().optional(),
            net_value: money.nullable().optional(),
            roi: z.number().nullable().optional(),
          }),
        ),
      }),
    ),
  }),
  'churn-index': obj({
    scopes: z.array(obj({ scope: z.string(), index: z.number().min(0).max(100), reasons: z.array(obj({ reason: z.string(), pressure: fraction, share: fraction })) })),
    source: z.string(),
    rows: obj({ read: count, accepted: count, rejected: count }),
  }),
  customer: obj({
    customer_id: z.string(),
    as_of: month,
    currency,
    lang,
    pii_masked: z.boolean(),
    profile: obj({ customer_id: z.string(), join_date: date.nullable() }),
    subscriptions: z.array(obj({ subscription_id: z.string(), monthly_fee: money.nullable(), start_date: date.nullable(), end_date: date.nullable() })),
    usage: z.array(obj({ month, revenue: money.nullable(), cost: money.nullable(), paid: money.nullable() })),
    interactions: z.array(obj({ interaction_id: z.string() })),
    lifecycle: obj({
      stage: z.string().nullable(),
      name: z.string().nullable(),
      relationship: z.string().nullable(),
      rule: z.string().nullable(),
      history: z.array(obj({ month, stage: z.string(), rule: z.string() })),
    }),
    value: obj({
      current_value: money,
      potential: money,
      quadrant: z.enum(['I', 'II', 'III', 'IV']),
      strategy: obj({ value: z.string(), investment: z.string(), retention: z.string() }),
    }).nullable(),
    churn_score: obj({ as_of: month, churn_probability: fraction, expected_loss: money, top_reasons: z.array(obj({ rank: z.number().int().min(1), text: z.string() })) }).nullable(),
    churn_event: obj({ churn_date: date, churn_type: z.string(), reason: z.string().nullable() }).nullable(),
  }),
  'forecast churn': obj({
    currency,
    forecast: z.array(forecastRow),
    level: fraction,
    backtest: obj({ mape: z.number().nullable(), naive_mape: z.number().nullable(), months: count }).nullable().optional(),
    by_province: z.array(obj({ province: z.string(), forecast: z.array(forecastRow) })).optional(),
  }),
  import: obj({ files: z.record(z.string(), importFile), rejected: count }),
  lifecycle: obj({
    as_of: month,
    currency,
    stages: stageCounts,
    shares: obj({ A: fraction, B: fraction, C: fraction, D: fraction, E: fraction }),
    customers: count,
    active_customers: count,
    by_stage: z.array(
      obj({
        stage: z.enum(['A', 'B', 'C', 'D', 'E']),
        name: z.string(),
        relationship: z.string(),
        customers: count,
        share: fraction.nullable(),
        active_share: fraction.nullable(),
        arpu: money.nullable(),
        margin: money.nullable(),
        arpu_last3: money.nullable(),
      }),
    ),
    rules: z.array(obj({ id: z.string(), stage: z.string(), customers: count })),
  }),
  'lifecycle patterns': obj({ from: month, to: month, long_stability_months: count, patterns: z.array(patternRow) }),
  'lifecycle refresh': obj({ from: month, to: month, staged: z.array(month) }),
  'lifecycle transitions': obj({
    from: month,
    to: month,
    stages: z.array(z.string()),
    counts: z.array(z.array(count)),
    probabilities: z.array(z.array(fraction)),
    time_in_stage: z.array(obj({ stage: z.string(), months: count, spells: count, mean_spell_months: z.number() })),
    patterns: z.array(patternRow),
  }),
  'model evaluate': evaluation,
  'model predict': z.array(obj({ id: z.string(), probability: fraction, reasons: z.array(obj({ rank: z.number().int().min(1), feature: z.string(), contribution: z.number(), text: z.string() })) })),
  'model train': z.union([
    obj({ model_version: z.string(), holdout: month, horizon: count, train_rows: count, holdout_rows: count, model: evaluation, tenure_only_auc: fraction, trees: count, early_stopping_trees: count, refit_snapshots: z.array(month) }),
    obj({ model: z.string(), rows: count, train_rows: count, valid_rows: count, features: z.array(obj({ name: z.string(), type: z.string() })), trees: count, early_stopping_trees: count, valid_auc: fraction, calibration: z.string() }),
  ]),
  'report churn-check': z.array(
    reportRow({
      opening: count,
      exits: count,
      abandoned: count,
      dissatisfied: count,
      poached: count,
      attracted: count,
      forced: count,
      other: count,
      normal: count,
      serious: count,
      serious_share: fraction.nullable(),
      serious_rate: fraction.nullable(),
      trailing_mean: fraction.nullable(),
      trailing_bound: z.number().nullable().describe('one-sided 95 % prediction bound of the previous 12 months\' serious rates (may exceed 1 in theory)'),
      verdict: z.enum(['normal', 'serious', 'undetermined']),
      verdict_text: z.string(),
      revenue_lost: money,
      revenue_lost_serious: money,
    }),
  ),
  'report churn-competitors': z.array(
    reportRow({
      competitor: z.string().nullable().describe('null: no competitor recorded (blank or missing)'),
      voluntary: count,
      involuntary: count,
      count,
      share_of_voluntary: fraction.nullable(),
      revenue_lost: money,
      top_reason_groups: z.array(obj({ reason_group: z.string().nullable(), count })),
    }),
  ),
  'report churn-reason-groups': z.array(
    reportRow({
      reason_group: z.string().nullable(),
      churn_type: z.enum(['voluntary', 'involuntary']),
      category: z.enum(['deliberate', 'incidental', 'involuntary']),
      cause: z.enum(['abandoned', 'dissatisfied', 'poached', 'attracted', 'forced', 'other']),
      count,
      share: fraction.nullable(),
      revenue_lost: money,
    }),
  ),
  'report churn-reasons': z.array(reportRow({ reason_code: z.string(), reason: z.string().nullable(), churn_type: z.enum(['voluntary', 'involuntary']), count, revenue_lost: money, reason_group: z.string().nullable() })),
  'report churn-regions': z.array(reportRow({ region: z.string().nullable(), opening: count, voluntary: count, involuntary: count, churn_rate: fraction.nullable(), revenue_lost: money })),
  'report complaints': obj({
    from: month,
    to: month,
    by: z.enum(['kind', 'channel', 'region', 'segment']),
    level: z.string().nullable(),
    segment_field: z.string().nullable(),
    kinds: z.enum(['complaint', 'all']),
    time_to_resolve: z.string(),
    rows: z.array(
      obj({
        month: month.nullable().describe('null: the whole range'),
        group: z.string(),
        contacts: count,
        customers: count,
        resolved: count,
        unresolved: count,
        open: count,
        resolution_rate: fraction.nullable(),
        resolved_later: count,
        median_days_to_resolve: z.number().min(0).nullable(),
        repeat_30d_rate: fraction.nullable(),
        rated: count,
        satisfaction: z.number().min(1).max(5).nullable(),
      }),
    ),
    churn_by_complaint_status: obj({
      base: z.string(),
      window_months: count,
      lookback_months: count,
      censored_months: z.array(month),
      partial_lookback_months: z.array(month),
      months: z.array(complaintStatusChurn),
      pooled: complaintStatusChurn.nullable(),
    }),
  }),
  'report service-quality': obj({
    from: month,
    to: month,
    level: z.string(),
    measures: z.array(z.string()),
    rows: z.array(obj({ month, ...serviceRegion })),
    regions: z.array(obj(serviceRegion)),
    correlation_with_churn: z.record(z.string(), z.number().min(-1).max(1).nullable()),
    service_share: obj({
      service_groups: z.array(z.string()),
      claim: fraction,
      verdict: z.enum(['consistent', 'above_data', 'below_data', 'undetermined']),
      range: serviceShare,
      months: z.array(serviceShare),
    }),
    dropped_call_bands: obj({
      base_month: month.nullable(),
      base: z.string(),
      window_months: count,
      lookback_months: count,
      rows: z.array(obj({ band: z.string(), lower: fraction.nullable(), upper: fraction.nullable(), ...churnEstimate })),
    }),
  }),
  'report churn-totals': z.array(
    reportRow({
      opening: count,
      gross_adds: count,
      pre_churn: count,
      voluntary: count,
      involuntary: count,
      closing: count,
      churn_rate: fraction.nullable(),
      arpu: money.nullable(),
      revenue_lost: money,
    }),
  ),
  'retention curves': obj({
    by: z.string(),
    first: month,
    last: month,
    accounts: count,
    joined_in_window: count,
    left_truncated: count,
    definition: z.string(),
    groups: z.array(
      obj({
        group: z.string(),
        customers: count,
        joined_in_window: count,
        left_truncated: count,
        churned: count,
        median_months: z.number().nullable(),
        conditional_on_tenure: count.nullable(),
        curve: z.array(obj({ month: count, at_risk: count, survival: fraction, lower: fraction, upper: fraction })),
      }),
    ),
    incidence: z.array(obj({ month: count, at_risk: count, survival: fraction, causes: z.record(z.string(), fraction) })),
    exits_by_cause: z.array(obj({ cause: z.string(), exits: count, incidence_at_12: fraction.nullable(), incidence_at_24: fraction.nullable(), incidence_at_60: fraction.nullable() })),
  }),
  'retention fit': z.union([
    sbgFit.extend({ cohort: z.enum(['join-month', 'segment']), data: obj({ first: month, last: month }), cohorts: z.array(obj({ cohort: z.string(), size: count })) }),
    sbgFit,
  ]),
  score: z.array(
    obj({
      customer_id: z.string(),
      churn_probability: fraction,
      expected_loss: money,
      lifecycle_stage: z.string().nullable(),
      value_quadrant: z.string().nullable(),
      top_reasons: z.array(scoreReason),
      currency,
    }),
  ),
  segments: obj({
    by: z.string().nullable(),
    from: month,
    to: month,
    currency,
    months: z.array(obj({ segment: z.string(), month, size: count, share: fraction, arpu: money.nullable(), churned: count, churn_rate: fraction.nullable() })),
    trends: z.array(obj({ segment: z.string(), description: z.string(), size: count, size_change: z.number().int(), arpu: money.nullable(), churn_rate: fraction.nullable(), churn_rate_change: z.number().nullable() })),
  }),
  warn: obj({ ...warnList, saved_list: savedList.nullable(), out_file: z.string().nullable() }),
  'warn lists': obj({ lists: z.array(savedList) }),
  'warn show': obj({ list: savedList, ...warnList }),
  'uplift train': obj({
    model_id: z.string(),
    offer_id: z.string(),
    learner: z.enum(['t_learner', 's_learner']),
    campaigns: z.array(z.string()),
    validation: z.string(),
    learners: z.array(obj({ learner: z.enum(['t_learner', 's_learner']), validation_qini: z.number(), fold_qini: z.array(z.number()), trees: z.record(z.string(), count) })),
    members: obj({ treated: count, control: count, without_features: count }),
    acceptance_rate: fraction,
    held_out: z.array(z.string()),
  }),
  'uplift evaluate': obj({
    campaign_id: z.string(),
    offer_id: z.string(),
    model_id: z.string(),
    learner: z.enum(['t_learner', 's_learner']),
    trained_on: z.array(z.string()),
    features_as_of: month,
    members: obj({ treated: count, control: count, without_features: count }),
    bins: count,
    bootstrap: count,
    uplift_overall: z.number(),
    qini: z.number(),
    qini_ci: interval.nullable(),
    qini_random: z.literal(0),
    qini_by_risk: z.number(),
    qini_by_risk_ci: interval.nullable(),
    qini_vs_risk_ci: interval.nullable(),
    auuc: z.number(),
    auuc_ci: interval.nullable(),
    auuc_random: z.number(),
    auuc_by_risk: z.number(),
    uplift_at_30: z.number().nullable(),
    uplift_at_30_ci: interval.nullable(),
    uplift_at_30_by_risk: z.number().nullable(),
    risk_source: z.string(),
    curve: z.array(obj({ fraction, qini: z.number(), qini_by_risk: z.number().nullable(), uplift_in_top: z.number().nullable(), uplift_in_top_by_risk: z.number().nullable() })),
    currency,
    net_value_targeting: obj({
      cost_per_targeted: money,
      targeted: count,
      share: fraction,
      expected_net_value: money,
      observed_uplift_targeted: z.number().nullable(),
      observed_uplift_rest: z.number().nullable(),
    }),
    highest_risk: obj({ share: fraction, members: count, persuadable: count, sure_thing: count, lost_cause: count, sleeping_dog: count }),
    all_members: obj({ members: count, persuadable: count, sure_thing: count, lost_cause: count, sleeping_dog: count }),
    scores_file: z.string().nullable(),
  }),
  relationship: obj({
    as_of: month,
    segment_field: z.string(),
    accounts: count,
    components: z.array(obj({ component: z.string(), name: z.string(), weight: z.number().min(0), coverage: fraction })),
    distribution: scoreDistribution,
    segments: z.array(obj({ segment: z.string(), ...scoreDistribution.shape })),
    weakest: z.array(obj({ customer_id: z.string(), segment: z.string(), score: score100, components: z.record(z.string(), fraction.nullable()) })),
    prediction: obj({
      evaluated_as_of: month.nullable(),
      horizon: count,
      accounts: count,
      churned: count,
      auc: fraction.nullable(),
      component_auc: z.record(z.string(), fraction.nullable()),
      model: obj({ model_version: z.string(), holdout: month, horizon: count, auc: fraction }).nullable(),
      note: z.string().nullable(),
    }),
  }),
  winback: obj({
    currency,
    from: month,
    to: month,
    data_last_month: month,
    churned: count,
    candidates: count,
    value_thresholds: obj({ mid: money, high: money }),
    rate: obj({
      overall: fraction.nullable(),
      by_reason_group: z.record(z.string(), fraction.nullable()),
      by_competitor: z.record(z.string(), rate),
      within_months: z.array(obj({ months: count, churned: count, returned: count, rate: fraction.nullable() })),
    }),
    accounts: z.array(
      obj({
        customer_id: z.string(),
        churn_date: date,
        reason_group: z.string(),
        reason: z.string(),
        value_lost: money,
        value_tier: z.enum(['mid', 'high']),
        marketing_consent: z.boolean().nullable(),
        likelihood: fraction,
        expected_recovery: money,
        revisit_date: date,
        plan: z.string(),
      }),
    ),
  }),
  'points balance': obj({
    customer_id: z.string(),
    balance: count.describe('Σ of the customer\'s ledger entries up to the end of as_of; never negative'),
    expiring: z.array(obj({ date, points: count })).describe('points still held, by the day they expire (after as_of), soonest first'),
    as_of: date,
    expired_not_posted: count.describe('points past their expiry day that no `points expire` run has taken yet'),
    entries: count,
  }),
  'points earn': obj({ month, entries: count, points: count, rules: z.array(obj({ rule_id: z.string(), entries: count, points: count })), run_id: z.string() }),
  'points expire': obj({ as_of: date, lots: count, customers: count, points: count, run_id: z.string() }),
  'points expiring': obj({ as_of: date, within_days: count, customers: count, expiring: z.array(obj({ customer_id: z.string(), date, points: count, balance: count })) }),
  'points post': obj({
    file: z.string(),
    read: count,
    accepted: count,
    rejected: count,
    inserted: count,
    updated: count,
    unchanged: count,
    status: z.string(),
    rejects: z.array(obj({ line: count, column: z.string(), value: z.string().nullable(), reason: z.string() })),
  }),
  'points statement': obj({
    customer_id: z.string(),
    as_of: date,
    balance: count,
    entries: z.array(
      obj({
        entry_id: count,
        ts: z.string(),
        kind: z.enum(['earn', 'redeem', 'adjust', 'expire', 'reversal']),
        points: z.number().int(),
        balance: count,
        expires_on: date.nullable(),
        source: z.enum(['import', 'rule', 'expiry', 'replace']),
        source_ref: z.string(),
        transaction_id: z.string().nullable(),
        rule_id: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
  }),
  'store copy': obj({
    from: z.string(),
    to: z.string(),
    tables: z.array(obj({ table: z.string(), rows: count })),
    rows: count,
    seconds: z.number().nonnegative(),
  }),
  value: obj({
    as_of: month,
    currency,
    customers: count,
    thresholds: obj({ current_value: money, potential: money }),
    quadrants: z.array(
      obj({
        quadrant: z.enum(['I', 'II', 'III', 'IV']),
        customers: count,
        customer_share: fraction,
        current_value: money,
        potential: money,
        budget_share: fraction,
        value: z.string(),
        investment: z.string(),
        retention: z.string(),
      }),
    ),
    tiers: z.array(obj({ tier: z.string(), name: z.string(), above: money.nullable(), customers: count, value: money, value_share: fraction })),
    totals: z.record(z.string(), money),
    new_customer_value: money,
  }),
  // tenure serve's accounts and audit trail (issue 15).
  audit: z.union([
    z.array(
      obj({
        seq: count,
        ts: z.string(),
        actor: z.string(),
        action: z.string(),
        target: z.string().nullable(),
        outcome: z.enum(['ok', 'denied', 'failed']),
        source: z.string(),
        detail: z.string().nullable(),
        prev_hash: z.string().regex(/^[0-9a-f]{64}$/),
        hash: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    ),
    obj({ rows: count, ok: z.boolean(), broken_at: count.nullable(), reason: z.string().nullable() }),
  ]),
  'user list': z.array(obj({ username: z.string(), role: z.enum(['admin', 'analyst', 'retention_manager', 'agent', 'read_only']), disabled: z.boolean() })),
} as const satisfies Record<string, z.ZodType>;

export type SchemaCommand = keyof typeof OUTPUT_SCHEMAS;

export function isSchemaCommand(name: string): name is SchemaCommand {
  return Object.hasOwn(OUTPUT_SCHEMAS, name);
}

/** The published JSON Schema (draft 2020-12) of a command's `--json` output. */
export function jsonSchemaOf(command: SchemaCommand): Record<string, unknown> {
  const schema = z.toJSONSchema(OUTPUT_SCHEMAS[command], { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: `urn:tenure:output:${command.replace(' ', ':')}`, title: `tenure ${command} --json` };
}
