import { minimizeWithRestarts, newtonPolish } from '../numeric/optimize.ts';

/**
 * Shifted-beta-geometric (sBG) retention model: Fader & Hardie (2007), "How to project
 * customer retention", Journal of Interactive Marketing 21(1).
 *
 * Each customer has a constant per-period churn probability θ; θ varies across customers as
 * Beta(α, β). T ≥ 1 is the period in which the customer churns, so with S(t) = P(T > t):
 *   P(T = 1) = α / (α + β),  P(T = t) = P(T = t−1) · (β + t − 2) / (α + β + t − 1)
 *   S(0) = 1,                S(t) = S(t−1) · (β + t − 1) / (α + β + t − 1)
 * The retention rate r(t) = S(t) / S(t−1) = (β + t − 1) / (α + β + t − 1) rises with t:
 * heterogeneity, not loyalty, makes surviving cohorts look stickier.
 */
export interface SbgParameters {
  readonly alpha: number;
  readonly beta: number;
}

/** P(T = t) for t = 1..periods (index 0 is t = 1). */
export function sbgChurnProbabilities({ alpha, beta }: SbgParameters, periods: number): Float64Array {
  const out = new Float64Array(periods);
  let p = alpha / (alpha + beta);
  for (let t = 1; t <= periods; t++) {
    if (t > 1) p *= (beta + t - 2) / (alpha + beta + t - 1);
    out[t - 1] = p;
  }
  return out;
}

/** S(t) for t = 0..periods (index t; S(0) = 1). */
export function sbgSurvival({ alpha, beta }: SbgParameters, periods: number): Float64Array {
  const out = new Float64Array(periods + 1);
  out[0] = 1;
  for (let t = 1; t <= periods; t++) out[t] = (out[t - 1] as number) * ((beta + t - 1) / (alpha + beta + t - 1));
  return out;
}

/** r(t) = S(t)/S(t−1) for t = 1..periods (index 0 is t = 1). */
export function sbgRetentionRates({ alpha, beta }: SbgParameters, periods: number): Float64Array {
  const out = new Float64Array(periods);
  for (let t = 1; t <= periods; t++) out[t - 1] = (beta + t - 1) / (alpha + beta + t - 1);
  return out;
}

/** Problems with a cohort's alive counts, as readable messages; empty when usable. */
export function validateCohortCounts(counts: readonly number[]): string[] {
  const problems: string[] = [];
  if (counts.length < 2) problems.push(`need at least 2 counts (start and one later period), got ${counts.length}`);
  counts.forEach((c, i) => {
    if (!Number.isFinite(c) || c < 0) problems.push(`count ${i + 1} (${c}) is not a non-negative number`);
  });
  for (let i = 1; i < counts.length; i++) {
    const prev = counts[i - 1] as number;
    const cur = counts[i] as number;
    if (cur > prev) problems.push(`counts must not increase: count ${i + 1} (${cur}) > count ${i} (${prev})`);
  }
  if (counts.length > 0 && !((counts[0] as number) > 0)) problems.push('the first count (cohort size) must be positive');
  if (problems.length === 0) {
    const first = counts[0] as number;
    const last = counts[counts.length - 1] as number;
    if (last === first) problems.push('nobody churned: the churn rate is 0 and α, β cannot be estimated');
    if ((counts[1] as number) === 0) problems.push('everybody churned in the first period: α, β cannot be estimated');
  }
  return problems;
}

/**
 * Log-likelihood of alive counts n_0 ≥ n_1 ≥ … ≥ n_T (n_t alive after t periods):
 *   LL = Σ_{t=1..T} (n_{t−1} − n_t) · ln P(T = t) + n_T · ln S(T)
 * The last term is the right-censored customers who were still alive when observation ended.
 */
export function sbgLogLikelihood(params: SbgParameters, counts: readonly number[]): number {
  const T = counts.length - 1;
  const p = sbgChurnProbabilities(params, T);
  const s = sbgSurvival(params, T);
  let ll = 0;
  for (let t = 1; t <= T; t++) {
    const lost = (counts[t - 1] as number) - (counts[t] as number);
    if (lost > 0) ll += lost * Math.log(p[t - 1] as number);
  }
  const alive = counts[T] as number;
  if (alive > 0) ll += alive * Math.log(s[T] as number);
  return ll;
}

export interface SbgFit extends SbgParameters {
  readonly logLikelihood: number;
  readonly converged: boolean;
  /** Periods observed (counts.length − 1). */
  readonly observedPeriods: number;
  /** Why the estimates should be read with care (unidentified or at the search bound). */
  readonly warnings: readonly string[];
}

/**
 * Why a fit is not a result, or null when it is one. A fit that ran into the search bound
 * (α or β at e^±12) or did not converge has no estimate of α and β, only the direction the
 * likelihood kept rising in: it is reported as not estimable, never as numbers (issue 19.8).
 */
export function notEstimableReason(fit: SbgFit): string | null {
  if (fit.converged) return null;
  return fit.warnings[0] ?? 'the maximum-likelihood search did not converge';
}

const LOG_BOUND = 12; // α, β within [e^-12, e^12]: far outside any plausible cohort

/**
 * Maximum-likelihood fit. Works on (ln α, ln β) so both stay positive; Nelder-Mead from a
 * grid of starts (the likelihood has a long, flat ridge along which α and β grow together),
 * then a Newton polish. Throws RangeError when the counts cannot be fitted (see validateCohortCounts).
 */
export function fitSbg(counts: readonly number[]): SbgFit {
  const problems = validateCohortCounts(counts);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  const negLl = (x: readonly number[]): number => {
    const la = x[0] as number;
    const lb = x[1] as number;
    if (Math.abs(la) > LOG_BOUND || Math.abs(lb) > LOG_BOUND) return Number.POSITIVE_INFINITY;
    return -sbgLogLikelihood({ alpha: Math.exp(la), beta: Math.exp(lb) }, counts);
  };
  const starts: number[][] = [];
  for (const a of [-2, 0, 2]) for (const b of [-2, 0, 2]) starts.push([a, b]);
  const nm = minimizeWithRestarts(negLl, starts, { step: 0.5 });
  const polished = newtonPolish(negLl, nm.x);
  const best = polished.value <= nm.value ? polished : nm;
  const alpha = Math.exp(best.x[0] as number);
  const beta = Math.exp(best.x[1] as number);
  const atBound = Math.abs(best.x[0] as number) > LOG_BOUND - 1 || Math.abs(best.x[1] as number) > LOG_BOUND - 1;
  const warnings: string[] = [];
  const meanChurn = alpha / (alpha + beta);
  if (counts.length === 2) {
    warnings.push(
      `only one period observed: it identifies the first-period churn rate α/(α+β) = ${meanChurn.toFixed(4)} but not α and β separately; give more periods`,
    );
  } else if (atBound && (best.x[0] as number) > 0 && (best.x[1] as number) > 0) {
    warnings.push(
      `the likelihood keeps rising as α and β grow together: the cohort looks homogeneous (every customer churns with about ` +
        `θ = ${meanChurn.toFixed(4)} per period, no sign of the retention rate rising); α and β are at the search bound`,
    );
  } else if (atBound) {
    warnings.push('the estimates ran into the search bound (α or β near 0 or very large): the counts are not well described by the sBG model');
  }
  return {
    alpha,
    beta,
    logLikelihood: -best.value,
    converged: nm.converged && !atBound,
    observedPeriods: counts.length - 1,
    warnings,
  };
}

/** Expected alive counts n_0 · S(t) for t = 0..periods. */
export function sbgExpectedCounts(params: SbgParameters, cohortSize: number, periods: number): Float64Array {
  return sbgSurvival(params, periods).map((s) => s * cohortSize);
}

/**
 * Mean lifetime E[T] in periods (a customer who churns in period t was a customer for t
 * periods). Finite only when α > 1: E[T] = (α + β − 1) / (α − 1). Returns null otherwise,
 * because then a few customers with θ near 0 stay forever and the mean diverges.
 */
export function sbgMeanLifetime({ alpha, beta }: SbgParameters): number | null {
  return alpha > 1 ? (alpha + beta - 1) / (alpha - 1) : null;
}

/**
 * Restricted mean lifetime E[min(T, H)] = Σ_{t=0..H−1} S(t): the expected number of periods
 * a new customer stays within a horizon of H periods. Always finite, which is why the CLI
 * reports it as `expected_lifetime` (with its horizon) whatever α is.
 */
export function sbgRestrictedMeanLifetime(params: SbgParameters, horizon: number): number {
  const s = sbgSurvival(params, horizon);
  let sum = 0;
  for (let t = 0; t < horizon; t++) sum += s[t] as number;
  return sum;
}

/**
 * Discounted expected residual lifetime, Fader & Hardie (2010), "Customer-base valuation in a
 * contractual setting": for a customer who has made n − 1 renewals (is in period n), the
 * expected number of future payments, each renewal t = n, n+1, … weighted by
 * P(T > t | T > n − 1) and discounted by (1 + d)^−(t−n):
 *   DERL = Σ_{t≥n} S(t)/S(n−1) · (1+d)^−(t−n) = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d))
 * Summed directly: the terms fall at least as fast as (1+d)^−k, so the series converges for d > 0.
 * Multiplied by the per-period margin this is the customer's remaining value (CLV of an existing customer).
 */
export function sbgDerl({ alpha, beta }: SbgParameters, renewals: number, discountRate: number): number {
  if (!(discountRate > 0)) throw new RangeError('DERL needs a positive discount rate');
  if (!(renewals >= 0)) throw new RangeError('renewals must be ≥ 0');
  const n = renewals + 1;
  const z = 1 / (1 + discountRate);
  let term = (beta + n - 1) / (alpha + beta + n - 1);
  let sum = term;
  for (let k = 1; k < 100_000; k++) {
    term *= ((beta + n - 1 + k) / (alpha + beta + n - 1 + k)) * z;
    sum += term;
    if (term < 1e-15 * sum) break;
  }
  return sum;
}

/**
 * One sBG fit to several cohorts observed for different numbers of periods (e.g. every
 * join-month cohort of an operator: the older ones seen for longer). The cohorts share α, β,
 * so the log-likelihood is the sum of each cohort's (each right-censored at its own last period).
 * Cohorts that cannot be used on their own (nobody churned, one period) still add information
 * here; only empty cohorts are skipped.
 */
export function fitSbgCohorts(cohorts: readonly (readonly number[])[]): SbgFit {
  const usable = cohorts.filter((c) => c.length >= 2 && (c[0] as number) > 0);
  if (usable.length === 0) throw new RangeError('no cohort with a size and at least one observed period');
  for (const c of usable) {
    for (let i = 1; i < c.length; i++) {
      if ((c[i] as number) > (c[i - 1] as number)) throw new RangeError('cohort counts must not increase');
    }
  }
  const lost = usable.reduce((s, c) => s + (c[0] as number) - (c[c.length - 1] as number), 0);
  if (lost === 0) throw new RangeError('nobody churned in any cohort: the churn rate is 0 and α, β cannot be estimated');
  // Σ over cohorts of their log-likelihoods = Σ_t exits(t) ln P(T = t) + Σ_t censored(t) ln S(t),
  // with exits and censorings added up over the cohorts: one pass of length max T per evaluation.
  const maxT = usable.reduce((m, c) => Math.max(m, c.length - 1), 0);
  const exits = new Float64Array(maxT + 1);
  const censored = new Float64Array(maxT + 1);
  for (const c of usable) {
    for (let t = 1; t < c.length; t++) exits[t] = (exits[t] as number) + (c[t - 1] as number) - (c[t] as number);
    censored[c.length - 1] = (censored[c.length - 1] as number) + (c[c.length - 1] as number);
  }
  const negLl = (x: readonly number[]): number => {
    const la = x[0] as number;
    const lb = x[1] as number;
    if (Math.abs(la) > LOG_BOUND || Math.abs(lb) > LOG_BOUND) return Number.POSITIVE_INFINITY;
    const params = { alpha: Math.exp(la), beta: Math.exp(lb) };
    const p = sbgChurnProbabilities(params, maxT);
    const s = sbgSurvival(params, maxT);
    let ll = 0;
    for (let t = 1; t <= maxT; t++) {
      if ((exits[t] as number) > 0) ll += (exits[t] as number) * Math.log(p[t - 1] as number);
      if ((censored[t] as number) > 0) ll += (censored[t] as number) * Math.log(s[t] as number);
    }
    return -ll;
  };
  const starts: number[][] = [];
  for (const a of [-2, 0, 2]) for (const b of [-2, 0, 2]) starts.push([a, b]);
  const nm = minimizeWithRestarts(negLl, starts, { step: 0.5 });
  const polished = newtonPolish(negLl, nm.x);
  const best = polished.value <= nm.value ? polished : nm;
  const atBound = Math.abs(best.x[0] as number) > LOG_BOUND - 1 || Math.abs(best.x[1] as number) > LOG_BOUND - 1;
  const warnings = atBound ? ['the estimates ran into the search bound: the cohorts look homogeneous or are not described well by the sBG model'] : [];
  return {
    alpha: Math.exp(best.x[0] as number),
    beta: Math.exp(best.x[1] as number),
    logLikelihood: -best.value,
    converged: nm.converged && !atBound,
    observedPeriods: maxT,
    warnings,
  };
}
