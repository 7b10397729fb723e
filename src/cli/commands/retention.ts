import { Option, type Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import {
  fitSbg,
  notEstimableReason,
  sbgDerl,
  type SbgFit,
  sbgExpectedCounts,
  sbgMeanLifetime,
  sbgRestrictedMeanLifetime,
  sbgRetentionRates,
  sbgSurvival,
  validateCohortCounts,
} from '../../domain/retention/sbg.ts';
import { EXIT_DATA_PROBLEMS } from '../errors.ts';
import { printJson, printRows, printText, resolveFormat, resolveLang, withFormat, type FormatOptions, type OutputFormat } from '../output.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { CURVE_GROUPS, type CohortKind, type CurveGroup } from '../../app/retention/cohorts.ts';
import { fitCohortsFromStore, retentionCurves } from '../../app/retention/retention.ts';

interface FitOptions extends FormatOptions {
  counts?: string;
  cohort?: string;
  periods?: string;
  horizon?: string;
  unit?: string;
  annualDiscountRate?: string;
  db?: string;
}

const PERIODS_PER_YEAR: Record<string, number> = { month: 12, quarter: 4, year: 1 };
const MAX_PERIODS = 1200;

export function parseCounts(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const counts = parts.map((p, i) => {
    if (!/^[0-9]+(\.[0-9]+)?$/.test(p)) {
      throw new TenureError('USAGE', `--counts: value ${i + 1} ("${p}") is not a non-negative number; give alive counts like "1000,869,743"`);
    }
    return Number(p);
  });
  const problems = validateCohortCounts(counts);
  if (problems.length > 0) throw new TenureError('USAGE', `--counts: ${problems.join('; ')}`);
  return counts;
}

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > MAX_PERIODS) {
    throw new TenureError('USAGE', `${flag} must be a whole number from 1 to ${MAX_PERIODS}, got "${text}"`);
  }
  return Number(text);
}

function rate(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !(Number(text) > 0) || Number(text) >= 10) {
    throw new TenureError('USAGE', `${flag} must be a positive decimal such as 0.1 (10 %), got "${text}"`);
  }
  return Number(text);
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

export interface RetentionFitReport {
  /** not_estimable: the fit ran into the search bound or did not converge; α, β and everything projected from them are null/empty (issue 19.8). */
  status: 'fitted' | 'not_estimable';
  reason: string | null;
  alpha: number | null;
  beta: number | null;
  log_likelihood: number;
  converged: boolean;
  warnings: string[];
  period_unit: string;
  observed_periods: number;
  periods: number;
  /** S(t) for t = 1..periods: share of the starting cohort still a customer after t periods. */
  survival: number[];
  /** r(t) = S(t)/S(t−1) for t = 1..periods. */
  retention: number[];
  /** Restricted mean lifetime E[min(T, H)] in periods, H = lifetime_horizon (always finite). */
  expected_lifetime: number | null;
  expected_lifetime_definition: string;
  lifetime_horizon: number;
  /** Unrestricted E[T]; null when α ≤ 1, where it is infinite. */
  mean_lifetime: number | null;
  /** Discounted expected residual lifetime of a newly acquired customer (Fader & Hardie 2010). */
  derl: number | null;
  discount_rate_per_period: number;
  observed: number[];
  fitted: number[];
}

export function retentionFitReport(counts: readonly number[], opts: FitOptions): RetentionFitReport {
  return reportFromFit(fitSbg(counts), counts, opts);
}

/** The report of a fit (from --counts or from the store's cohorts); `counts` are the observed alive counts shown next to it. */
export function reportFromFit(fit: SbgFit, counts: readonly number[], opts: FitOptions): RetentionFitReport {
  const unit = opts.unit ?? 'month';
  const perYear = PERIODS_PER_YEAR[unit];
  if (perYear === undefined) throw new TenureError('USAGE', `--unit must be month, quarter or year, got "${unit}"`);
  const observedPeriods = counts.length - 1;
  const periods = positiveInt('--periods', opts.periods, Math.max(12, observedPeriods));
  const horizon = positiveInt('--horizon', opts.horizon, 10 * perYear);
  const annual = rate('--annual-discount-rate', opts.annualDiscountRate, 0.1);
  const perPeriod = Math.pow(1 + annual, 1 / perYear) - 1;

  const expectedLifetimeDefinition = `restricted mean lifetime E[min(T, ${horizon})] in ${unit}s: expected ${unit}s a new customer stays within a ${horizon}-${unit} horizon`;
  const reason = notEstimableReason(fit);
  if (reason !== null) {
    // No estimate: nothing is projected from parameters the data did not determine.
    return {
      status: 'not_estimable',
      reason,
      alpha: null,
      beta: null,
      log_likelihood: round(fit.logLikelihood, 4),
      converged: false,
      warnings: [...fit.warnings],
      period_unit: unit,
      observed_periods: fit.observedPeriods,
      periods,
      survival: [],
      retention: [],
      expected_lifetime: null,
      expected_lifetime_definition: expectedLifetimeDefinition,
      lifetime_horizon: horizon,
      mean_lifetime: null,
      derl: null,
      discount_rate_per_period: round(perPeriod, 8),
      observed: [...counts],
      fitted: [],
    };
  }
  const params = { alpha: fit.alpha, beta: fit.beta };
  const survival = sbgSurvival(params, periods);
  const mean = sbgMeanLifetime(params);
  return {
    status: 'fitted',
    reason: null,
    alpha: round(fit.alpha),
    beta: round(fit.beta),
    log_likelihood: round(fit.logLikelihood, 4),
    converged: fit.converged,
    warnings: [...fit.warnings],
    period_unit: unit,
    observed_periods: fit.observedPeriods,
    periods,
    survival: Array.from(survival.subarray(1), (v) => round(v)),
    retention: Array.from(sbgRetentionRates(params, periods), (v) => round(v)),
    expected_lifetime: round(sbgRestrictedMeanLifetime(params, horizon), 4),
    expected_lifetime_definition: expectedLifetimeDefinition,
    lifetime_horizon: horizon,
    mean_lifetime: mean === null ? null : round(mean, 4),
    derl: round(sbgDerl(params, 0, perPeriod), 4),
    discount_rate_per_period: round(perPeriod, 8),
    observed: [...counts],
    fitted: Array.from(sbgExpectedCounts(params, counts[0] as number, observedPeriods), (v) => round(v, 2)),
  };
}

function printFit(report: RetentionFitReport, format: OutputFormat, preamble = ''): void {
  if (report.status === 'not_estimable') {
    // The command completed but the data did not determine the model: exit 1, never numbers.
    process.stderr.write(`tenure: the sBG model is not estimable from these counts: ${report.reason ?? ''}\n`);
    process.exitCode = EXIT_DATA_PROBLEMS;
  } else for (const w of report.warnings) process.stderr.write(`tenure: warning: ${w}\n`);
  if (format === 'json') {
    printJson(report);
    return;
  }
  const rows = report.survival.map((s, i) => ({
    period: i + 1,
    survival: s,
    retention: report.retention[i],
    expected_alive: round(s * (report.observed[0] as number), 2),
    observed_alive: report.observed[i + 1],
  }));
  if (format === 'table' && report.status === 'not_estimable') {
    process.stdout.write(`${preamble}sBG fit: not estimable (${report.reason ?? ''})\n\n`);
    printRows(['period', 'observed_alive'], report.observed.slice(1).map((n, i) => ({ period: i + 1, observed_alive: n })), format);
    return;
  }
  if (format === 'table') {
    const life = report.mean_lifetime === null ? 'infinite (α ≤ 1)' : String(report.mean_lifetime);
    process.stdout.write(
      preamble +
        `sBG fit: alpha=${report.alpha} beta=${report.beta} log-likelihood=${report.log_likelihood}\n` +
        `expected lifetime within ${report.lifetime_horizon} ${report.period_unit}s: ${report.expected_lifetime}; mean lifetime: ${life}; ` +
        `DERL of a new customer: ${report.derl} ${report.period_unit}s\n\n`,
    );
  }
  printRows(['period', 'survival', 'retention', 'expected_alive', 'observed_alive'], rows, format);
}

async function fitFromStore(kind: CohortKind, opts: FitOptions, format: OutputFormat): Promise<void> {
  if (opts.unit !== undefined && opts.unit !== 'month') throw new TenureError('USAGE', '--cohort fits monthly periods; leave --unit at month');
  const result = await withStore(opts.db, (store) => fitCohortsFromStore(store, kind));
  const report = reportFromFit(result.fit, result.pooledCounts, opts);
  const unfitted = result.segments?.filter((r) => r.status === 'not_estimable').length ?? 0;
  if (unfitted > 0) process.stderr.write(`tenure: ${unfitted} of ${result.segments?.length ?? 0} segments are not estimable (see reason); their α and β are not shown\n`);
  if (format === 'json') {
    if (report.status === 'not_estimable') {
      process.stderr.write(`tenure: the pooled sBG model is not estimable: ${report.reason ?? ''}\n`);
      process.exitCode = EXIT_DATA_PROBLEMS;
    }
    printJson({
      ...report,
      cohort: kind,
      data: { first: result.first, last: result.last },
      observed_definition: 'alive counts of all cohorts joined within the data, pooled per period over the cohorts observed that long (Kaplan–Meier style), scaled to the total size',
      cohorts: result.cohorts,
      ...(result.segments ? { segments: result.segments } : {}),
    });
    return;
  }
  printFit(report, format, format === 'table' ? `cohorts by ${kind} joined ${result.first}..${result.last}: ${result.cohorts.length} cohorts, fitted jointly\n` : '');
  if (format === 'table') {
    process.stdout.write('\n');
    if (result.segments) printRows(['segment', 'size', 'status', 'alpha', 'beta', 'reason'], result.segments.map((r) => ({ ...r })), format);
    else printRows(['cohort', 'size', 'observed_periods', 'alpha', 'beta'], result.cohorts.map((c) => ({ ...c, alive: c.alive.join(' ') })), format);
  }
}

async function fit(opts: FitOptions): Promise<void> {
  const format = resolveFormat(opts);
  if (opts.counts === undefined) {
    if (opts.cohort === 'join-month' || opts.cohort === 'segment') {
      await fitFromStore(opts.cohort, opts, format);
      return;
    }
    throw new TenureError('USAGE', 'give the cohort alive counts with --counts "1000,869,743,…" (first value = cohort size) or --cohort join-month|segment');
  }
  if (opts.cohort !== undefined) process.stderr.write('tenure: note: --cohort is ignored when --counts is given\n');
  printFit(retentionFitReport(parseCounts(opts.counts), opts), format);
}

interface CurveOptions extends FormatOptions {
  by?: string;
  db?: string;
}

async function curves(opts: CurveOptions): Promise<void> {
  const format = resolveFormat(opts);
  const en = resolveLang(opts) === 'en';
  const by = (opts.by ?? 'segment') as CurveGroup;
  if (!(CURVE_GROUPS as readonly string[]).includes(by)) throw new TenureError('USAGE', `--by must be one of ${CURVE_GROUPS.join(', ')}, got "${opts.by}"`);
  const result = await withStore(opts.db, (store) => retentionCurves(store, by));
  if (format === 'json') {
    printJson(result);
    return;
  }
  const at = (g: (typeof result.groups)[number], t: number) => g.curve[t - 1]?.survival ?? null;
  if (format === 'table') {
    printText(
      en
        ? `when customers leave: Kaplan–Meier survival by ${by} and months of tenure over the ${result.accounts} accounts on the books in ${result.first}..${result.last}: ` +
            `${result.joined_in_window} joined in it, ${result.left_truncated} were already customers at its start and enter at their tenure then (left truncation)\n\n`
        : `客户何时离开：按 ${by} 与在网月数的 Kaplan–Meier 生存率，覆盖 ${result.first}..${result.last} 期间在网的 ${result.accounts} 个账户：` +
            `${result.joined_in_window} 个在期间内入网，${result.left_truncated} 个在期初已在网，从期初时的在网时长起计入（左截断）\n\n`,
    );
  }
  printRows(
    ['group', 'customers', 'left_truncated', 'churned', 's_3', 's_6', 's_12', 's_24', 's_60', 'median_months', 'conditional_on_tenure'],
    result.groups.map((g) => ({
      group: g.group,
      customers: g.customers,
      left_truncated: g.left_truncated,
      churned: g.churned,
      s_3: at(g, 3),
      s_6: at(g, 6),
      s_12: at(g, 12),
      s_24: at(g, 24),
      s_60: at(g, 60),
      median_months: g.median_months,
      conditional_on_tenure: g.conditional_on_tenure,
    })),
    format,
  );
  if (format === 'table') {
    if (result.groups.some((g) => g.conditional_on_tenure !== null)) {
      printText(
        en
          ? '\nconditional_on_tenure k: nobody of the group is observed before tenure k, so its curve is survival given k months of tenure\n'
          : '\nconditional_on_tenure k：该组在在网 k 个月之前无人可观测，其曲线为已在网 k 个月条件下的生存率\n',
      );
    }
    printText(en ? '\nwhy they leave: cumulative incidence of exit by reason group (competing risks)\n\n' : '\n客户为何离开：按原因组的累计离网发生率（竞争风险）\n\n');
    printRows(['cause', 'exits', 'incidence_at_12', 'incidence_at_24', 'incidence_at_60'], result.exits_by_cause, format);
  }
}

export function register(program: Command): void {
  const retention = program
    .command('retention')
    .description('retention curves and customer lifetime (shifted-beta-geometric model)');
  withFormat(
    retention
      .command('fit')
      .description(
        'fit the shifted-beta-geometric (sBG) model of Fader & Hardie (2007) by maximum likelihood to cohort ' +
          'alive counts and project survival, retention and lifetime',
      )
      .option('--counts <list>', 'alive counts at period 0, 1, 2, … separated by commas, e.g. "1000,869,743"')
      .addOption(new Option('--cohort <kind>', 'fit the store\'s cohorts: join-month (every join month, jointly) or segment (one fit per segment)').choices(['join-month', 'segment']))
      .option('--periods <n>', 'periods N to project: survival and retention list t = 1..N (default: max(12, observed periods))')
      .option('--horizon <n>', 'horizon for the restricted mean lifetime (default: 10 years of periods)')
      .addOption(new Option('--unit <unit>', 'length of one period').choices(['month', 'quarter', 'year']).default('month'))
      .option('--annual-discount-rate <rate>', 'annual discount rate for DERL', '0.1')
      .option('--db <path>', 'store to read cohorts from (with --cohort)'),
  ).action(fit);
  withFormat(
    retention
      .command('curves')
      .description(
        'when and why customers leave: Kaplan–Meier survival by group and cumulative incidence of exit by reason group, ' +
          'over every account on the books in the data (accounts older than the data enter at their tenure when it starts: left truncation)',
      )
      .addOption(new Option('--by <group>', 'group the curves by').choices([...CURVE_GROUPS]).default('segment'))
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(curves);
}
