/**
 * The kept value snapshot: every live customer's current value, growth potential (by source)
 * and remaining lifetime at an as-of month, computed in SQL once per data state and kept, so
 * `tenure value` and the 360 view read two columns instead of recomputing peers, percentiles
 * and a quarter of bills for the whole base on each call.
 *
 * The SQL applies the same formulas as valueColumns (customer-value.ts; the tests compare the
 * two): lifetime = the sBG DERL at the customer's tenure (a lookup table computed in TS, one row
 * per tenure month), else 2 % a month; never the customer's own churn score (issue 19.3), so a
 * scoring run leaves the kept snapshot current. Kept per (as-of month, parameters, sBG fit) and
 * the fingerprint of the base data (not the scores), like the stage history.
 */
import { createHash } from 'node:crypto';
import { derlConstantChurn, monthlyDiscountRate } from '../../domain/value/current-value.ts';
import { sbgDerl, type SbgParameters } from '../../domain/retention/sbg.ts';
import { formatMonth, parseMonth, type MonthText } from '../../domain/month.ts';
import { DEFAULT_TIER_CUTOFFS, TIERS } from '../../domain/value/tiers.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { derivedTableDdl } from '../../store/schema.ts';
import { keptTable, temporaryTable, temporaryTableExists } from '../kept-tables.ts';
import { baseDataFingerprint } from '../lifecycle/history-store.ts';
import { dateLiteral, exactSumSql, MONEY_UNITS, moneyUnitsSql, monthIndexSql } from '../lifecycle/stages-sql.ts';
import { billsSql, liveSql, valueInputsSql, type ValueParameters } from './customer-value.ts';
import type { Dialect } from '../../store/dialect.ts';

export const SNAPSHOT_TABLE = 'value_snapshot';
const RUNS_TABLE = 'value_snapshot_runs';
/** Tenures beyond this many months use its DERL (the sBG DERL flattens out long before). */
const MAX_TENURE = 1200;
const FALLBACK_MONTHLY_CHURN = 0.02;

/** Version of the value SQL: bump when its formulas change, so kept snapshots are recomputed. */
export const VALUE_VERSION = 4; // 4: lifetime no longer from the churn score (value at stake)

export function snapshotKey(p: ValueParameters, sbg: SbgParameters | null): string {
  return createHash('sha256').update(JSON.stringify({ v: VALUE_VERSION, p, sbg })).digest('hex').slice(0, 16);
}

const num = (x: number) => {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  return String(x);
};

/** The lifetime lookup (VALUES rows by tenure) and the SQL expression of a customer's lifetime over it (`i.tenure_months`, joined as `dl`). */
function lifetimeSql(p: ValueParameters, sbg: SbgParameters | null): { derlRows: string; cohortLifetime: string } {
  const d = monthlyDiscountRate(p.annualDiscountRate);
  const fallback = derlConstantChurn(FALLBACK_MONTHLY_CHURN, d);
  const derlRows = sbg ? Array.from({ length: MAX_TENURE + 1 }, (_, t) => `(${t}, ${num(sbgDerl(sbg, t, d))})`).join(', ') : `(0, ${num(fallback)})`;
  const cohortLifetime = sbg ? `coalesce(dl.derl, (SELECT derl FROM derl WHERE tenure = ${MAX_TENURE}))` : num(fallback);
  return { derlRows, cohortLifetime };
}

/**
 * The tier cut values of domain/value/tiers.ts over a value column, as SQL: the type-7 quantiles
 * (PERCENTILE_CONT is type 7, as domain/value/quantile.ts) at the cut-offs, one array.
 */
export const tierCutsSql = (d: Dialect, value: string): string => d.quantilesCont(value, DEFAULT_TIER_CUTOFFS);

/** The tier code of a value against a list of cut values: in the next tier when strictly above a cut, as tierIndex. */
export const tierCaseSql = (value: string, cuts: string): string =>
  `CASE ${DEFAULT_TIER_CUTOFFS.map((_, i) => `WHEN ${value} <= ${cuts}[${i + 1}] THEN '${TIERS[i]}'`).join(' ')} ELSE '${TIERS[TIERS.length - 1]}' END`;

/**
 * The value-matrix quadrant of a customer against the base's medians (high = strictly above), as
 * domain/value/matrix.ts quadrantOf; NULL when the customer has no value row.
 */
export const quadrantCaseSql = (value: string, potential: string, valueMedian: string, potentialMedian: string): string =>
  `CASE WHEN ${value} IS NULL THEN NULL WHEN ${value} > ${valueMedian} THEN (CASE WHEN ${potential} > ${potentialMedian} THEN 'IV' ELSE 'III' END)
        ELSE (CASE WHEN ${potential} > ${potentialMedian} THEN 'II' ELSE 'I' END) END`;

/**
 * Only the value at stake (current_value) of every live customer, with the snapshot's formula:
 * what value tiers need, without the peers and percentiles of the potential (segments cuts each
 * month's tiers with it, computed on the spot: no snapshot to keep).
 */
export function valueAtStakeSql(asOf: MonthText, p: ValueParameters, sbg: SbgParameters | null): string {
  const { derlRows, cohortLifetime } = lifetimeSql(p, sbg);
  return `
  WITH i AS (SELECT l.customer_id, l.tenure_months, coalesce(b.margin3, 0) AS margin3
             FROM (${liveSql(asOf)}) AS l LEFT JOIN (${billsSql(asOf)}) AS b ON b.customer_id = l.customer_id),
  derl AS (SELECT * FROM (VALUES ${derlRows}) AS t(tenure, derl))
  SELECT i.customer_id, i.margin3 * ${cohortLifetime} AS current_value
  FROM i LEFT JOIN derl dl ON dl.tenure = least(${MAX_TENURE}, greatest(0, CAST(round(i.tenure_months) AS INTEGER)))`;
}

/**
 * valueAtStakeSql for several as-of months in one pass: rows (k, customer_id, current_value),
 * k the index of the month in `asOfs`, each month's rows exactly valueAtStakeSql's (the same
 * live accounts, tenure and mean margin of the three bills up to the month, the same
 * expressions). The bills of all months are read and grouped once (a mean per month as a
 * conditional avg), the customers with their first churn once; each month's live accounts come
 * from a cross join with the months. Unioning valueAtStakeSql per month scanned and grouped
 * the bills and churn events once per month, most of `tenure segments`' time on a million
 * accounts.
 */
export function valuesAtStakeSql(asOfs: readonly MonthText[], p: ValueParameters, sbg: SbgParameters | null): string {
  if (asOfs.length === 0) throw new RangeError('valuesAtStakeSql needs at least one month');
  const { derlRows, cohortLifetime } = lifetimeSql(p, sbg);
  const idx = asOfs.map((m) => parseMonth(m));
  const next = (ai: number) => dateLiteral(formatMonth(ai + 1));
  const lo = (ai: number) => dateLiteral(formatMonth(ai - 2));
  // The days of each as-of month (extract(day FROM next - 1) of liveSql), computed here.
  const lastDay = (ai: number) => {
    const year = Math.floor(ai / 12);
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][ai - year * 12] as number;
  };
  const months = idx.map((ai, k) => `(${k}, ${next(ai)}, ${ai}, ${lastDay(ai)})`).join(', ');
  const units = `${moneyUnitsSql('u.revenue')} - ${moneyUnitsSql('coalesce(u.cost, 0)')}`;
  const means = idx.map((ai, k) => `avg(CASE WHEN u.month >= ${lo(ai)} AND u.month < ${next(ai)} THEN ${units} END) / ${MONEY_UNITS} AS margin3_${k}`);
  const pick = idx.length === 1 ? 'b.margin3_0' : `CASE m.k ${idx.map((_, k) => `WHEN ${k} THEN b.margin3_${k}`).join(' ')} END`;
  return `
  WITH vm AS (SELECT * FROM (VALUES ${months}) AS vm(k, next_month, ai, last_day)),
  vb AS (SELECT u.customer_id, ${means.join(', ')}
         FROM monthly_usage u
         WHERE u.month >= ${lo(Math.min(...idx))} AND u.month < ${next(Math.max(...idx))}
         GROUP BY u.customer_id),
  vc AS (SELECT c.customer_id, c.join_date, ${monthIndexSql('c.join_date')} AS ji, extract(day FROM c.join_date) AS jd, e.churn_date
         FROM customers c LEFT JOIN (SELECT customer_id, min(churn_date) AS churn_date FROM churn_events GROUP BY customer_id) AS e ON e.customer_id = c.customer_id
         WHERE c.join_date < ${next(Math.max(...idx))}),
  i AS (SELECT m.k, l.customer_id, m.ai - l.ji - CASE WHEN m.last_day < l.jd THEN 1 ELSE 0 END AS tenure_months,
               coalesce(${pick}, 0) AS margin3
        FROM vc l CROSS JOIN vm m LEFT JOIN vb b ON b.customer_id = l.customer_id
        WHERE l.join_date < m.next_month AND (l.churn_date IS NULL OR l.churn_date >= m.next_month)),
  derl AS (SELECT * FROM (VALUES ${derlRows}) AS t(tenure, derl))
  SELECT i.k, i.customer_id, i.margin3 * ${cohortLifetime} AS current_value
  FROM i LEFT JOIN derl dl ON dl.tenure = least(${MAX_TENURE}, greatest(0, CAST(round(i.tenure_months) AS INTEGER)))`;
}

export function valueSnapshotSql(asOf: MonthText, p: ValueParameters, sbg: SbgParameters | null): string {
  const { derlRows, cohortLifetime } = lifetimeSql(p, sbg);
  return `
  WITH inputs AS (${valueInputsSql(asOf, p, true)}),
  derl AS (SELECT * FROM (VALUES ${derlRows}) AS t(tenure, derl)),
  lives AS (
    SELECT i.*, ${cohortLifetime} AS lifetime
    FROM inputs i LEFT JOIN derl dl ON dl.tenure = least(${MAX_TENURE}, greatest(0, CAST(round(i.tenure_months) AS INTEGER)))
  ),
  valued AS (
    -- scored: kept for stores whose table has the column; no lifetime comes from a score any more.
    SELECT customer_id, tenure_months, on_net, lifetime, FALSE AS scored,
           margin3 * lifetime AS current_value,
           greatest(0, target_arpu - arpu3) * greatest(0, margin_rate) * ${num(p.takeUpProbability)} * lifetime AS up_buy,
           greatest(0, cross_margin) * lifetime AS cross_buy
    FROM lives
  ),
  -- Mean in whole millionths (exactSumSql): the same on every run, like every sum here.
  newcomers AS (SELECT coalesce(greatest(0, ${exactSumSql('current_value')} / count(*)), 0) AS value FROM valued WHERE tenure_months < 6)
  SELECT v.customer_id, v.current_value, v.up_buy, v.cross_buy,
         greatest(0, v.on_net) * ${num(p.referralRate)} * n.value AS referral,
         v.up_buy + v.cross_buy + greatest(0, v.on_net) * ${num(p.referralRate)} * n.value AS potential,
         v.lifetime, v.scored, n.value AS new_customer_value
  FROM valued v CROSS JOIN newcomers n`;
}

/** On a read-only store, the temporary shadows of the kept tables (kept-tables.ts); the kept ones are the schema's (migration 11). */
async function ensureShadowTables(store: AnalyticsStore): Promise<void> {
  for (const table of [SNAPSHOT_TABLE, RUNS_TABLE]) await store.run(derivedTableDdl(table, store.dialect, true));
}

async function currentRun(store: AnalyticsStore, runs: string, key: string, month: string, fingerprint: string): Promise<{ v: number | null } | undefined> {
  const [run] = await store.query<{ v: number | null }>(`SELECT new_customer_value AS v FROM ${runs} WHERE snapshot_key = $1 AND as_of = ${month} AND fingerprint = $2`, [key, fingerprint]);
  return run;
}

/** Whether the store keeps the snapshot of `asOf` for the current data (in the store file, not a session's shadow). */
export async function isValueSnapshotKept(store: AnalyticsStore, asOf: MonthText, p: ValueParameters, sbg: SbgParameters | null): Promise<boolean> {
  const runs = await keptTable(store, RUNS_TABLE);
  return runs !== null && (await currentRun(store, runs, snapshotKey(p, sbg), dateLiteral(asOf), await baseDataFingerprint(store))) !== undefined;
}

/**
 * Makes sure the snapshot of `asOf` is kept for the current data; returns its key and the value
 * of a new customer. On a read-only store a missing or stale snapshot is computed into the
 * session's temporary shadow (and a kept one is copied there once a shadow exists).
 */
export async function ensureValueSnapshot(store: AnalyticsStore, asOf: MonthText, p: ValueParameters, sbg: SbgParameters | null): Promise<{ key: string; newCustomerValue: number }> {
  const key = snapshotKey(p, sbg);
  const fingerprint = await baseDataFingerprint(store);
  const month = dateLiteral(asOf);
  let copyFrom: { snapshot: string; runs: string } | null = null;
  if (store.access === 'read-only') {
    const shadowed = await temporaryTableExists(store, RUNS_TABLE);
    const inShadow = shadowed ? await currentRun(store, temporaryTable(store, RUNS_TABLE), key, month, fingerprint) : undefined;
    if (inShadow) return { key, newCustomerValue: Number(inShadow.v ?? 0) };
    const snapshot = await keptTable(store, SNAPSHOT_TABLE);
    const runs = snapshot === null ? null : await keptTable(store, RUNS_TABLE);
    const kept = snapshot !== null && runs !== null ? await currentRun(store, runs, key, month, fingerprint) : undefined;
    if (kept && !shadowed) return { key, newCustomerValue: Number(kept.v ?? 0) };
    if (kept && snapshot !== null && runs !== null) copyFrom = { snapshot, runs };
    await ensureShadowTables(store);
  } else {
    const run = await currentRun(store, RUNS_TABLE, key, month, fingerprint);
    if (run) return { key, newCustomerValue: Number(run.v ?? 0) };
  }
  await store.transaction(async (tx) => {
    await tx.run(`DELETE FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $1 AND as_of = ${month}`, [key]);
    await tx.run(`DELETE FROM ${RUNS_TABLE} WHERE snapshot_key = $1 AND as_of = ${month}`, [key]);
    if (copyFrom) {
      // In the kept order: `tenure value` sums the snapshot in row order.
      await tx.run(`INSERT INTO ${SNAPSHOT_TABLE} SELECT * FROM ${copyFrom.snapshot} WHERE snapshot_key = $1 AND as_of = ${month}`, [key]);
      await tx.run(`INSERT INTO ${RUNS_TABLE} SELECT * FROM ${copyFrom.runs} WHERE snapshot_key = $1 AND as_of = ${month}`, [key]);
      return;
    }
    await tx.run(
      `INSERT INTO ${SNAPSHOT_TABLE} (snapshot_key, as_of, customer_id, current_value, up_buy, cross_buy, referral, potential, lifetime, scored, new_customer_value)
       SELECT CAST($1 AS VARCHAR), ${month}, customer_id, current_value, up_buy, cross_buy, referral, potential, lifetime, scored, new_customer_value
       FROM (${valueSnapshotSql(asOf, p, sbg)}) AS s`,
      [key],
    );
    await tx.run(
      `INSERT INTO ${RUNS_TABLE}
       SELECT CAST($1 AS VARCHAR), ${month}, CAST($2 AS VARCHAR), coalesce((SELECT max(new_customer_value) FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = CAST($1 AS VARCHAR) AND as_of = ${month}), 0), current_timestamp`,
      [key, fingerprint],
    );
  });
  const [after] = await store.query<{ v: number | null }>(`SELECT new_customer_value AS v FROM ${RUNS_TABLE} WHERE snapshot_key = $1 AND as_of = ${month}`, [key]);
  return { key, newCustomerValue: Number(after?.v ?? 0) };
}
