/**
 * `tenure value`: customer value per the CRM textbook (§3.2) for every live customer at an
 * as-of month, and the value matrix, tiers and 80/20 report of domain/value.
 *
 * Per customer, from one SQL query (a quarter of bills, subscriptions, peers):
 * - recent monthly margin = mean revenue − cost of the bills of M−2..M (billed months only);
 * - up-buy: ARPU headroom to the 75th percentile of the customer's segment (customer type ×
 *   product family, as the lifecycle's segment) × own margin rate × take-up probability;
 * - cross-buy: for each product category the customer lacks, the share of peers (same
 *   customer type and province) who hold it × its monthly margin (mean list fee of holders ×
 *   the base's margin rate), categories held by ≥ 5 % of peers;
 * - referral: on-net contacts (mean of the quarter) × referral rate × the value of a new customer
 *   (mean current value of customers in their first 6 months).
 * Expected remaining lifetime (discounted, months): the sBG fitted to the operator's join-month
 * cohorts, at the customer's tenure (sbgDerl; one value per tenure), else 2 % a month. It is the
 * cohort's lifetime, never the customer's own churn score: current value is the value at stake
 * if the customer stays, and risk is the matrix's other concern, counted once in expected loss
 * (probability × value at stake). Taking lifetime from the score made high risk mean low value,
 * and put the riskiest valuable customers in quadrant I (issue 19.3).
 * current value = margin × lifetime; potential = (up-buy + cross-buy) × lifetime + referral.
 */
import { derlConstantChurn, monthlyDiscountRate } from '../../domain/value/current-value.ts';
import { valueReport, type ValueReport } from '../../domain/value/report.ts';
import { sbgDerl, type SbgParameters } from '../../domain/retention/sbg.ts';
import { formatMonth, parseMonth, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore, ColumnSet } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { dataSpan, resolveMonth } from '../data-span.ts';
import { dateLiteral, exactSumSql, MONEY_UNITS, moneyUnitsSql, monthIndexSql, productFamiliesSql } from '../lifecycle/stages-sql.ts';
import { fitJoinMonthSbg } from '../retention/retention.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE } from './value-snapshot.ts';

export interface ValueParameters {
  readonly annualDiscountRate: number;
  readonly takeUpProbability: number;
  readonly referralRate: number;
  /** Share of peers that must hold a category before it counts as a cross-buy candidate. */
  readonly minAdoption: number;
  /** Target ARPU percentile within the segment for up-buy. */
  readonly targetPercentile: number;
}

export const DEFAULT_VALUE_PARAMETERS: ValueParameters = {
  annualDiscountRate: 0.1,
  takeUpProbability: 0.3,
  referralRate: 0.02,
  minAdoption: 0.05,
  targetPercentile: 0.75,
};

/** Customers live at the end of `asOf` with their tenure in whole months (the value base). */
// An anti-join, not LEFT JOIN … WHERE churn_date IS NULL OR …: PostgreSQL estimated that filter
// at one row and joined the live base to itself in nested loops (a 1M value snapshot ran for
// over 15 minutes); both engines plan NOT EXISTS as an anti-join with the right size.
export function liveSql(asOf: MonthText): string {
  const ai = parseMonth(asOf);
  const next = dateLiteral(formatMonth(ai + 1));
  return `
    SELECT c.customer_id, c.customer_type, coalesce(nullif(c.province, ''), '?') AS province,
           ${ai} - ${monthIndexSql('c.join_date')} - CASE WHEN extract(day FROM ${next} - 1) < extract(day FROM c.join_date) THEN 1 ELSE 0 END AS tenure_months
    FROM customers c
    WHERE c.join_date < ${next} AND NOT EXISTS (SELECT 1 FROM churn_events e WHERE e.customer_id = c.customer_id AND e.churn_date < ${next})`;
}

/** Mean revenue, margin and on-net contacts of the bills of asOf − 2 … asOf, per customer. */
export function billsSql(asOf: MonthText): string {
  const ai = parseMonth(asOf);
  const next = dateLiteral(formatMonth(ai + 1));
  const lo = dateLiteral(formatMonth(ai - 2));
  // Money in exact millionths (stages-sql.ts): equal bills give equal means in any row order.
  return `
    SELECT u.customer_id, avg(${moneyUnitsSql('u.revenue')}) / ${MONEY_UNITS} AS arpu3,
           avg(${moneyUnitsSql('u.revenue')} - ${moneyUnitsSql('coalesce(u.cost, 0)')}) / ${MONEY_UNITS} AS margin3,
           avg(u.on_net_contacts) AS on_net
    FROM monthly_usage u
    WHERE u.month >= ${lo} AND u.month < ${next}
    GROUP BY u.customer_id`;
}

/** The per-customer value inputs as SQL (columns: see the SELECT list); one row per live customer, with its id when asked. */
export function valueInputsSql(asOf: MonthText, p: ValueParameters, withIds = false): string {
  const ai = parseMonth(asOf);
  const next = dateLiteral(formatMonth(ai + 1));
  return `
  WITH live AS (${liveSql(asOf)}),
  held AS (
    -- One row per customer and category held at the end of the month, with the peer-group keys.
    SELECT s.customer_id, l.customer_type, l.province, s.category, max(CAST(s.monthly_fee AS DOUBLE PRECISION)) AS fee
    FROM subscriptions s JOIN live l ON l.customer_id = s.customer_id
    WHERE s.start_date < ${next} AND (s.end_date IS NULL OR s.end_date >= ${next})
    GROUP BY s.customer_id, l.customer_type, l.province, s.category
  ),
  families AS (${productFamiliesSql('SELECT customer_id, category FROM held')}),
  bills AS (${billsSql(asOf)}),
  -- Sums over customers and peer groups in whole millionths too (each term rounded), so the
  -- potentials come out the same on every run: DOUBLE sums depend on the order threads add in.
  base_rate AS (
    SELECT CASE WHEN sum(a) > 0 THEN greatest(0, sum(m) / sum(a)) ELSE 0 END AS rate
    FROM (SELECT ${moneyUnitsSql('arpu3')} AS a, ${moneyUnitsSql('margin3')} AS m FROM bills) AS units
  ),
  facts AS (
    SELECT l.customer_id, l.customer_type, l.province, l.tenure_months,
           l.customer_type || ':' || coalesce(nullif(f.family, ''), 'other') AS segment,
           coalesce(b.arpu3, 0) AS arpu3, coalesce(b.margin3, 0) AS margin3, coalesce(b.on_net, 0) AS on_net
    FROM live l LEFT JOIN bills b ON b.customer_id = l.customer_id LEFT JOIN families f ON f.customer_id = l.customer_id
  ),
  targets AS (
    SELECT segment, percentile_cont(${p.targetPercentile}) WITHIN GROUP (ORDER BY arpu3) AS target_arpu
    FROM facts WHERE arpu3 > 0 GROUP BY segment
  ),
  peers AS (SELECT customer_type, province, count(*) AS n FROM live GROUP BY 1, 2),
  adoption AS (
    SELECT h.customer_type, h.province, h.category, count(*) * 1.0 / max(p.n) AS rate,
           avg(${moneyUnitsSql('h.fee')}) / ${MONEY_UNITS} * (SELECT rate FROM base_rate) AS product_margin
    FROM held h JOIN peers p ON p.customer_type = h.customer_type AND p.province = h.province
    GROUP BY 1, 2, 3
    HAVING count(*) * 1.0 / max(p.n) >= ${p.minAdoption}
  ),
  peer_total AS (SELECT customer_type, province, ${exactSumSql('rate * product_margin')} AS all_margin FROM adoption GROUP BY 1, 2),
  own AS (
    SELECT h.customer_id, ${exactSumSql('a.rate * a.product_margin')} AS held_margin
    FROM held h JOIN adoption a ON a.customer_type = h.customer_type AND a.province = h.province AND a.category = h.category
    GROUP BY h.customer_id
  )
  SELECT ${withIds ? 'f.customer_id,' : ''}
         f.tenure_months, f.arpu3, f.margin3, f.on_net,
         CASE WHEN f.arpu3 > 0 THEN greatest(0, f.margin3 / f.arpu3) ELSE 0 END AS margin_rate,
         coalesce(t.target_arpu, f.arpu3) AS target_arpu,
         greatest(0, coalesce(pt.all_margin, 0) - coalesce(o.held_margin, 0)) AS cross_margin
  FROM facts f
  LEFT JOIN targets t ON t.segment = f.segment
  LEFT JOIN peer_total pt ON pt.customer_type = f.customer_type AND pt.province = f.province
  LEFT JOIN own o ON o.customer_id = f.customer_id`;
}

export interface ValueColumns {
  readonly currentValue: Float64Array;
  readonly potential: Float64Array;
  readonly upBuy: Float64Array;
  readonly crossBuy: Float64Array;
  readonly referral: Float64Array;
  readonly lifetime: Float64Array;
  readonly newCustomerValue: number;
  readonly lifetimeSource: { sbg: SbgParameters | null };
}

/** Discounted remaining lifetime per customer (months) and the value columns, from the SQL columns. */
export function valueColumns(cols: ColumnSet, sbg: SbgParameters | null, p: ValueParameters, newCustomerValueOf?: number): ValueColumns {
  const n = cols.rowCount;
  const num = (name: string) => {
    const c = cols.columns[name];
    if (!(c instanceof Float64Array)) throw new TenureError('INTERNAL', `value input ${name} is not numeric`);
    return c;
  };
  const tenure = num('tenure_months');
  const arpu = num('arpu3');
  const margin = num('margin3');
  const onNet = num('on_net');
  const rate = num('margin_rate');
  const target = num('target_arpu');
  const cross = num('cross_margin');
  const d = monthlyDiscountRate(p.annualDiscountRate);
  const derlByTenure = new Map<number, number>();
  const fallbackChurn = 0.02; // when neither a score nor a cohort fit exists: 2 % a month
  const lifetime = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (sbg) {
      const t = Math.max(0, Math.round(tenure[i] as number));
      let v = derlByTenure.get(t);
      if (v === undefined) {
        v = sbgDerl(sbg, t, d);
        derlByTenure.set(t, v);
      }
      lifetime[i] = v;
    } else {
      lifetime[i] = derlConstantChurn(fallbackChurn, d);
    }
  }
  const currentValue = new Float64Array(n);
  let newSum = 0;
  let newN = 0;
  for (let i = 0; i < n; i++) {
    currentValue[i] = (margin[i] as number) * (lifetime[i] as number);
    if ((tenure[i] as number) < 6) {
      newSum += currentValue[i] as number;
      newN++;
    }
  }
  // One customer's row (360 view) takes the base's figure; the base computes its own.
  const newCustomerValue = newCustomerValueOf ?? (newN > 0 ? Math.max(0, newSum / newN) : 0);
  const upBuy = new Float64Array(n);
  const crossBuy = new Float64Array(n);
  const referral = new Float64Array(n);
  const potential = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Same formulas as domain/value/potential.ts growthPotential, as columns.
    const L = lifetime[i] as number;
    upBuy[i] = Math.max(0, (target[i] as number) - (arpu[i] as number)) * Math.max(0, rate[i] as number) * p.takeUpProbability * L;
    crossBuy[i] = Math.max(0, cross[i] as number) * L;
    referral[i] = Math.max(0, onNet[i] as number) * p.referralRate * newCustomerValue;
    potential[i] = (upBuy[i] as number) + (crossBuy[i] as number) + (referral[i] as number);
  }
  return { currentValue, potential, upBuy, crossBuy, referral, lifetime, newCustomerValue, lifetimeSource: { sbg } };
}

/** What the value figures are counted on and how (issue 19.6: base and definition stated). */
export const VALUE_BASE = {
  base: 'live_at_end_of_month',
  definition:
    "customers joined by the end of as_of and not churned by then. current_value = value at stake if the customer stays = mean monthly margin (revenue − cost) of the last 3 billed months × discounted expected remaining lifetime of the join-month cohorts (sBG) at the customer's tenure, independent of the customer's own churn score; potential = (up-buy + cross-buy margin) × the same lifetime + referral value; quadrants split both at the base's medians (high = strictly above); tiers = percentiles of current_value (low ≤ 30 %, mid ≤ 60 %, high ≤ 80 %, silver ≤ 90 %, gold ≤ 97 %, platinum above); expected loss (tenure score) = churn probability × max(0, current_value)",
} as const;

export interface CustomerValueReport extends ValueReport {
  readonly as_of: MonthText;
  readonly base: typeof VALUE_BASE.base;
  readonly definition: string;
  readonly parameters: ValueParameters;
  readonly lifetime: { source: string; sbg: SbgParameters | null; mean_months: number };
  readonly new_customer_value: number;
  readonly totals: { current_value: number; potential: number; up_buy: number; cross_buy: number; referral: number };
}

/** The sBG of the operator's join-month cohorts, or null when it cannot be fitted (no joiners, no churn). */
export async function baseSbg(store: AnalyticsStore): Promise<SbgParameters | null> {
  try {
    const fit = await fitJoinMonthSbg(store);
    return { alpha: fit.alpha, beta: fit.beta };
  } catch (err) {
    if (err instanceof TenureError) return null;
    throw err;
  }
}

export async function customerValue(store: AnalyticsStore, input: { asOf?: string; parameters?: Partial<ValueParameters> } = {}): Promise<CustomerValueReport> {
  const p = { ...DEFAULT_VALUE_PARAMETERS, ...input.parameters };
  // lifecycle.ts resolveAsOf's month, without loading the lifecycle rules (care and nba value customers at start).
  const asOf = resolveMonth('--as-of', input.asOf, await dataSpan(store));
  const sbg = await baseSbg(store);
  const { key, newCustomerValue } = await ensureValueSnapshot(store, asOf, p, sbg);
  const where = `snapshot_key = $1 AND as_of = CAST($2 AS DATE)`;
  const params = [key, `${asOf}-01`];
  const cols = await store.queryColumns(`SELECT current_value, potential FROM ${SNAPSHOT_TABLE} WHERE ${where}`, params);
  if (cols.rowCount === 0) throw new TenureError('NO_DATA', `no live customers at the end of ${asOf}`);
  const current = cols.columns.current_value;
  const potential = cols.columns.potential;
  if (!(current instanceof Float64Array && potential instanceof Float64Array)) throw new TenureError('INTERNAL', 'value snapshot columns are not numeric');
  const report = valueReport(current, potential);
  const [t] = await store.query<Record<string, number | null>>(
    `SELECT ${exactSumSql('current_value')} AS current_value, ${exactSumSql('potential')} AS potential, ${exactSumSql('up_buy')} AS up_buy,
            ${exactSumSql('cross_buy')} AS cross_buy, ${exactSumSql('referral')} AS referral, ${exactSumSql('lifetime')} / count(lifetime) AS lifetime
     FROM ${SNAPSHOT_TABLE} WHERE ${where}`,
    params,
  );
  const n = (k: string) => Number(t?.[k] ?? 0);
  return {
    as_of: asOf,
    ...VALUE_BASE,
    ...report,
    parameters: p,
    lifetime: {
      source: `${sbg ? "the sBG of the join-month cohorts at the customer's tenure" : 'constant 2 % monthly churn (no cohort fit possible)'}, independent of the customer's own churn score`,
      sbg,
      mean_months: n('lifetime'),
    },
    new_customer_value: newCustomerValue,
    totals: { current_value: n('current_value'), potential: n('potential'), up_buy: n('up_buy'), cross_buy: n('cross_buy'), referral: n('referral') },
  };
}
