import type { AnalyticsStore, ColumnSet } from '../../store/port.ts';
import type { Dialect } from '../../store/dialect.ts';
import { monthStart } from '../../domain/month.ts';
import { exactSumSql } from '../lifecycle/stages-sql.ts';
import { withExtraFeatures, type ExtraFeature } from './extra-features.ts';
import { SUBSCRIPTION_CATEGORIES } from '../../contract/spec.ts';

/**
 * Customer-level churn features as of a month, built in SQL from the monthly history.
 *
 * Time-honesty: every feature reads only rows with month <= as-of (usage) or timestamps before
 * the end of the as-of month (interactions, churn); the label reads churn events in the
 * `horizon` months after it. The population is the closing base of the as-of month: accounts
 * that joined on or before its last day and had not churned by then.
 *
 * The ratios are those of the telecom churn deck (seed 004): outgoing ratio, call-forwarding
 * ratio, roaming ratio, long-distance ratio, customer-service call frequency, dropped-call rate,
 * call partners and on-net share; plus ARPU level and trend (last 3 vs previous 3 months),
 * data/TV trends, complaints, overdue days, contract months remaining and product mix.
 *
 * On top of those, what an analyst builds from the contract's columns for any operator
 * (ANALYST_FEATURES): the usage *levels* of the last 3 months (voice, data, SMS, TV hours, VOD
 * orders; a month's mean over the bills that have the measure), SMS and VOD trends; every
 * interaction kind of the last 3 months, the unresolved contacts (resolved = false; blank is
 * "open or not applicable" and counts in neither) and their share of the contacts whose outcome
 * is known, the last 3 months' satisfaction and the months since the last contact; the business
 * attributes (industry, employees); active subscriptions per category, the subscriptions
 * started and ended in the last 3 months and the months since the latest commitment ended.
 */
export interface FeatureSpec {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  readonly zh: string;
  readonly en: string;
  /** How a value reads in a reason: the unit, or 'ratio' for shares shown as a percentage. */
  readonly unit?: 'months' | 'years' | 'currency' | 'ratio' | 'days' | 'count' | 'per_month' | 'minutes' | 'mb' | 'hours';
}

/** The deck's features (seed 004) and the account's basics. */
export const BASE_FEATURES: readonly FeatureSpec[] = [
  { name: 'tenure_months', kind: 'numeric', zh: '在网时长', en: 'tenure', unit: 'months' },
  { name: 'age', kind: 'numeric', zh: '年龄', en: 'age', unit: 'years' },
  { name: 'gender', kind: 'categorical', zh: '性别', en: 'gender' },
  { name: 'customer_type', kind: 'categorical', zh: '客户类型', en: 'customer type' },
  { name: 'province', kind: 'categorical', zh: '省份', en: 'province' },
  { name: 'acquisition_channel', kind: 'categorical', zh: '入网渠道', en: 'acquisition channel' },
  { name: 'is_winback', kind: 'numeric', zh: '赢回客户', en: 'won-back account' },
  { name: 'arpu_3m', kind: 'numeric', zh: '近3月ARPU', en: 'ARPU, last 3 months', unit: 'currency' },
  { name: 'arpu_trend', kind: 'numeric', zh: 'ARPU变化', en: 'ARPU change', unit: 'ratio' },
  { name: 'margin_3m', kind: 'numeric', zh: '近3月毛利', en: 'margin, last 3 months', unit: 'currency' },
  { name: 'outgoing_ratio', kind: 'numeric', zh: '主叫比例', en: 'outgoing-call share', unit: 'ratio' },
  { name: 'forwarded_ratio', kind: 'numeric', zh: '呼转通话比例', en: 'call-forwarding share', unit: 'ratio' },
  { name: 'roaming_ratio', kind: 'numeric', zh: '漫游通话比例', en: 'roaming share', unit: 'ratio' },
  { name: 'long_distance_ratio', kind: 'numeric', zh: '长途通话比例', en: 'long-distance share', unit: 'ratio' },
  { name: 'care_calls_per_month', kind: 'numeric', zh: '拨打客服电话频率', en: 'customer-service calls', unit: 'per_month' },
  { name: 'dropped_call_rate', kind: 'numeric', zh: '掉线率', en: 'dropped-call rate', unit: 'ratio' },
  { name: 'call_partners', kind: 'numeric', zh: '通话伙伴数', en: 'call partners', unit: 'count' },
  { name: 'on_net_ratio', kind: 'numeric', zh: '网内通话伙伴比例', en: 'on-net partner share', unit: 'ratio' },
  { name: 'voice_trend', kind: 'numeric', zh: '通话分钟变化', en: 'voice minutes change', unit: 'ratio' },
  { name: 'data_trend', kind: 'numeric', zh: '流量变化', en: 'data usage change', unit: 'ratio' },
  { name: 'tv_trend', kind: 'numeric', zh: '收视时长变化', en: 'TV viewing change', unit: 'ratio' },
  { name: 'dormant_months_3m', kind: 'numeric', zh: '近3月休眠月数', en: 'dormant months of last 3', unit: 'months' },
  { name: 'overdue_days', kind: 'numeric', zh: '欠费天数', en: 'days overdue', unit: 'days' },
  { name: 'paid_ratio_3m', kind: 'numeric', zh: '近3月缴费比例', en: 'share of bills paid, last 3 months', unit: 'ratio' },
  { name: 'complaints_3m', kind: 'numeric', zh: '近3月投诉次数', en: 'complaints, last 3 months', unit: 'count' },
  { name: 'months_since_complaint', kind: 'numeric', zh: '距上次投诉月数', en: 'months since last complaint', unit: 'months' },
  { name: 'cancel_requests_6m', kind: 'numeric', zh: '近6月销户咨询次数', en: 'cancellation requests, last 6 months', unit: 'count' },
  { name: 'satisfaction_avg', kind: 'numeric', zh: '平均满意度', en: 'average satisfaction (1-5)' },
  { name: 'contract_months_left', kind: 'numeric', zh: '合约剩余月数', en: 'contract months remaining', unit: 'months' },
  { name: 'products', kind: 'numeric', zh: '在用产品数', en: 'active products', unit: 'count' },
  { name: 'monthly_fee', kind: 'numeric', zh: '月功能费', en: 'monthly list fee', unit: 'currency' },
];

/** Levels, interactions, business attributes and holdings an analyst reads from the contract (see above). */
export const ANALYST_FEATURES: readonly FeatureSpec[] = [
  // Usage levels, last 3 months (monthly means), and the trends the deck's list lacks.
  { name: 'voice_minutes_3m', kind: 'numeric', zh: '近3月月均通话分钟', en: 'voice minutes a month, last 3 months', unit: 'minutes' },
  { name: 'data_mb_3m', kind: 'numeric', zh: '近3月月均流量', en: 'data a month, last 3 months', unit: 'mb' },
  { name: 'sms_3m', kind: 'numeric', zh: '近3月月均短信条数', en: 'SMS a month, last 3 months', unit: 'count' },
  { name: 'tv_hours_3m', kind: 'numeric', zh: '近3月月均收视时长', en: 'TV hours a month, last 3 months', unit: 'hours' },
  { name: 'vod_orders_3m', kind: 'numeric', zh: '近3月月均点播次数', en: 'VOD orders a month, last 3 months', unit: 'count' },
  { name: 'sms_trend', kind: 'numeric', zh: '短信条数变化', en: 'SMS change', unit: 'ratio' },
  { name: 'vod_trend', kind: 'numeric', zh: '点播次数变化', en: 'VOD orders change', unit: 'ratio' },
  // The latest bill: the freshest signal (a decline or an unpaid bill shows here first).
  { name: 'revenue_last', kind: 'numeric', zh: '上月账单金额', en: "last month's bill", unit: 'currency' },
  { name: 'paid_share_last', kind: 'numeric', zh: '上月缴费比例', en: "share of last month's bill paid", unit: 'ratio' },
  { name: 'voice_minutes_last', kind: 'numeric', zh: '上月通话分钟', en: 'voice minutes last month', unit: 'minutes' },
  { name: 'outgoing_ratio_last', kind: 'numeric', zh: '上月主叫比例', en: 'outgoing-call share last month', unit: 'ratio' },
  { name: 'forwarded_ratio_last', kind: 'numeric', zh: '上月呼转通话比例', en: 'call-forwarding share last month', unit: 'ratio' },
  { name: 'data_mb_last', kind: 'numeric', zh: '上月流量', en: 'data last month', unit: 'mb' },
  { name: 'sms_last', kind: 'numeric', zh: '上月短信条数', en: 'SMS last month', unit: 'count' },
  { name: 'tv_hours_last', kind: 'numeric', zh: '上月收视时长', en: 'TV hours last month', unit: 'hours' },
  { name: 'vod_orders_last', kind: 'numeric', zh: '上月点播次数', en: 'VOD orders last month', unit: 'count' },
  { name: 'care_calls_last', kind: 'numeric', zh: '上月客服来电次数', en: 'customer-service calls last month', unit: 'count' },
  { name: 'call_partners_last', kind: 'numeric', zh: '上月通话伙伴数', en: 'call partners last month', unit: 'count' },
  // Interactions, last 3 months.
  { name: 'contacts_3m', kind: 'numeric', zh: '近3月接触次数', en: 'contacts, last 3 months', unit: 'count' },
  { name: 'inquiries_3m', kind: 'numeric', zh: '近3月咨询次数', en: 'inquiries, last 3 months', unit: 'count' },
  { name: 'repairs_3m', kind: 'numeric', zh: '近3月报修次数', en: 'repair requests, last 3 months', unit: 'count' },
  { name: 'orders_3m', kind: 'numeric', zh: '近3月业务办理次数', en: 'orders, last 3 months', unit: 'count' },
  { name: 'offers_3m', kind: 'numeric', zh: '近3月营销接触次数', en: 'offers made, last 3 months', unit: 'count' },
  { name: 'care_contacts_3m', kind: 'numeric', zh: '近3月关怀次数', en: 'care contacts, last 3 months', unit: 'count' },
  { name: 'unresolved_3m', kind: 'numeric', zh: '近3月未解决接触数', en: 'unresolved contacts, last 3 months', unit: 'count' },
  { name: 'unresolved_share_3m', kind: 'numeric', zh: '近3月未解决比例', en: 'share of contacts unresolved, last 3 months', unit: 'ratio' },
  { name: 'satisfaction_3m', kind: 'numeric', zh: '近3月平均满意度', en: 'average satisfaction (1-5), last 3 months' },
  { name: 'months_since_contact', kind: 'numeric', zh: '距上次接触月数', en: 'months since last contact', unit: 'months' },
  // Business accounts.
  { name: 'industry', kind: 'categorical', zh: '行业', en: 'industry' },
  { name: 'employees', kind: 'numeric', zh: '员工人数', en: 'employees', unit: 'count' },
  // Holdings: active subscriptions per category at the month's end, recent changes, commitments.
  { name: 'subs_voice', kind: 'numeric', zh: '在用语音产品数', en: 'active voice plans', unit: 'count' },
  { name: 'subs_mobile_data', kind: 'numeric', zh: '在用流量包数', en: 'active data packs', unit: 'count' },
  { name: 'subs_broadband', kind: 'numeric', zh: '在用宽带数', en: 'active broadband lines', unit: 'count' },
  { name: 'subs_tv_basic', kind: 'numeric', zh: '在用基本电视数', en: 'active basic TV', unit: 'count' },
  { name: 'subs_tv_hd', kind: 'numeric', zh: '在用高清电视数', en: 'active HD TV', unit: 'count' },
  { name: 'subs_vod', kind: 'numeric', zh: '在用点播产品数', en: 'active VOD products', unit: 'count' },
  { name: 'subs_vas', kind: 'numeric', zh: '在用增值业务数', en: 'active value-added services', unit: 'count' },
  { name: 'subs_bundle', kind: 'numeric', zh: '在用融合套餐数', en: 'active bundles', unit: 'count' },
  { name: 'subs_started_3m', kind: 'numeric', zh: '近3月新订产品数', en: 'subscriptions started, last 3 months', unit: 'count' },
  { name: 'subs_ended_3m', kind: 'numeric', zh: '近3月退订产品数', en: 'subscriptions ended, last 3 months', unit: 'count' },
  { name: 'months_since_contract_end', kind: 'numeric', zh: '距合约到期月数', en: 'months since a commitment ended', unit: 'months' },
];

/**
 * The freshest signals (RECENT_FEATURES): a customer who has decided to leave shows it in the
 * last month before the exit (usage falls against the customer's own level, questions about
 * contracts and porting, a cancellation request), and a 3-month mean dilutes it threefold.
 * Each usage measure's last month against the mean of the 5 months before, as a relative change
 * ((last − before) / |before|; missing when either is), and the as-of month's own contacts.
 * Unresolved contacts of the last 6 months: dissatisfaction outlasts a quarter.
 */
export const RECENT_FEATURES: readonly FeatureSpec[] = [
  { name: 'revenue_last_change', kind: 'numeric', zh: '上月账单较前5月变化', en: "last month's bill change", unit: 'ratio' },
  { name: 'voice_last_change', kind: 'numeric', zh: '上月通话分钟较前5月变化', en: 'voice minutes last month, change', unit: 'ratio' },
  { name: 'data_last_change', kind: 'numeric', zh: '上月流量较前5月变化', en: 'data last month, change', unit: 'ratio' },
  { name: 'sms_last_change', kind: 'numeric', zh: '上月短信较前5月变化', en: 'SMS last month, change', unit: 'ratio' },
  { name: 'tv_last_change', kind: 'numeric', zh: '上月收视时长较前5月变化', en: 'TV hours last month, change', unit: 'ratio' },
  { name: 'contacts_1m', kind: 'numeric', zh: '上月接触次数', en: 'contacts last month', unit: 'count' },
  { name: 'inquiries_1m', kind: 'numeric', zh: '上月咨询次数', en: 'inquiries last month', unit: 'count' },
  { name: 'complaints_1m', kind: 'numeric', zh: '上月投诉次数', en: 'complaints last month', unit: 'count' },
  { name: 'cancel_requests_1m', kind: 'numeric', zh: '上月销户咨询次数', en: 'cancellation requests last month', unit: 'count' },
  { name: 'unresolved_1m', kind: 'numeric', zh: '上月未解决接触数', en: 'unresolved contacts last month', unit: 'count' },
  { name: 'unresolved_6m', kind: 'numeric', zh: '近6月未解决接触数', en: 'unresolved contacts, last 6 months', unit: 'count' },
  // The region below the province: networks, competitors and prices differ by city.
  { name: 'city', kind: 'categorical', zh: '地市', en: 'city' },
];

/** Every feature of the customer model, in the model's column order. */
export const CUSTOMER_FEATURES: readonly FeatureSpec[] = [...BASE_FEATURES, ...ANALYST_FEATURES, ...RECENT_FEATURES];

/**
 * One row per customer in the closing base of the as-of month: id, features and (when the
 * horizon is observable) the label `churned` = 1 if the account churns within `horizon` months.
 * `$1` = first day of the as-of month, `$2` = horizon in months, `$3` = the share of
 * customers kept in permille (1000 = all; fewer keeps a fixed, deterministic subset chosen by
 * a hash of the customer id, so a sampled customer is sampled in every snapshot).
 */
/**
 * Customers `c` on the books at the end of the month starting at `$1`: joined before its end,
 * not churned by then. The closing base the features, scoring and training sample use.
 */
export const CLOSING_BASE_WHERE = `c.join_date < CAST($1 AS DATE) + INTERVAL '1 month'
    AND NOT EXISTS (SELECT 1 FROM churn_events e WHERE e.customer_id = c.customer_id AND e.churn_date < CAST($1 AS DATE) + INTERVAL '1 month')`;

/** Restricts a closing base `c` to the customer ids of a table (none: the whole base). */
export const onlyCustomersSql = (table: string | null): string => (table === null ? '' : `\n    AND c.customer_id IN (SELECT customer_id FROM ${table})`);

/** The features query; `only` names a table of customer ids to build them for (else the whole base). */
export const customerFeaturesSql = (d: Dialect, only: string | null = null): string => `
WITH params AS (
  SELECT CAST($1 AS DATE) AS m0,
         CAST($1 AS DATE) + INTERVAL '1 month' AS m_end,       -- first day after the as-of month
         CAST($1 AS DATE) - INTERVAL '2 month' AS last3_from,
         CAST($1 AS DATE) - INTERVAL '5 month' AS prev3_from,
         CAST($2 AS INTEGER) AS horizon
),
base AS (
  SELECT c.*
  FROM customers c
  WHERE ${CLOSING_BASE_WHERE}
    -- The training sample: MD5's low 64 bits, fixed by the MD5 standard, where DuckDB's hash() may
    -- change between releases and so change which customers a retrained model learns from.
    -- With the whole base ($3 = 1000) the condition folds away and no id is hashed.
    AND (CAST($3 AS INTEGER) >= 1000 OR ${d.md5LowBucket('c.customer_id', 1000)} < CAST($3 AS INTEGER))${onlyCustomersSql(only)}
),
-- Filters on the bound parameters themselves, not on the params CTE: DuckDB pushes a
-- constant range into the table scan, where a join with params reads every bill ever.
usage6 AS (
  SELECT u.*, (u.month >= CAST($1 AS DATE) - INTERVAL '2 month') AS recent
  FROM monthly_usage u JOIN base b USING (customer_id)
  WHERE u.month >= CAST($1 AS DATE) - INTERVAL '5 month' AND u.month <= CAST($1 AS DATE)
),
-- DOUBLE measures are added as whole millionths (exactSumSql), so a customer's features, and
-- with them the scores, come out the same on every run whatever order the threads add bills in.
u AS (
  SELECT customer_id,
    ${d.mean(`CASE WHEN recent THEN revenue END`)} AS arpu_3m,
    ${d.mean(`CASE WHEN NOT recent THEN revenue END`)} AS arpu_prev3,
    ${d.mean(`CASE WHEN recent THEN revenue - coalesce(cost, 0) END`)} AS margin_3m,
    ${exactSumSql('CASE WHEN recent THEN voice_minutes END')} AS voice3,
    ${exactSumSql('CASE WHEN NOT recent THEN voice_minutes END')} AS voice_prev3,
    ${exactSumSql('CASE WHEN recent THEN outgoing_minutes END')} AS outgoing3,
    ${exactSumSql('CASE WHEN recent THEN forwarded_minutes END')} AS forwarded3,
    ${exactSumSql('CASE WHEN recent THEN roaming_minutes END')} AS roaming3,
    ${exactSumSql('CASE WHEN recent THEN long_distance_minutes END')} AS long_distance3,
    sum(CASE WHEN recent THEN calls END) AS calls3,
    sum(CASE WHEN recent THEN dropped_calls END) AS dropped3,
    ${d.mean(`CASE WHEN recent THEN care_calls END`)} AS care_calls_per_month,
    ${d.mean(`CASE WHEN recent THEN distinct_contacts END`)} AS call_partners,
    sum(CASE WHEN recent THEN on_net_contacts END) AS on_net3,
    sum(CASE WHEN recent THEN distinct_contacts END) AS distinct3,
    ${exactSumSql('CASE WHEN recent THEN data_mb END')} AS data3,
    ${exactSumSql('CASE WHEN NOT recent THEN data_mb END')} AS data_prev3,
    ${exactSumSql('CASE WHEN recent THEN tv_hours END')} AS tv3,
    ${exactSumSql('CASE WHEN NOT recent THEN tv_hours END')} AS tv_prev3,
    count(CASE WHEN recent AND coalesce(voice_minutes, 0) + coalesce(data_mb, 0) + coalesce(tv_hours, 0) + coalesce(sms, 0) = 0 THEN 1 END) AS dormant_months_3m,
    sum(CASE WHEN recent THEN paid END) AS paid3,
    sum(CASE WHEN recent THEN revenue END) AS revenue3,
    max(CASE WHEN month = CAST($1 AS DATE) THEN overdue_days END) AS overdue_days,
    -- Levels: the sums above and below over the bills that carry the measure.
    ${exactSumSql('CASE WHEN recent THEN sms END')} AS sms3,
    ${exactSumSql('CASE WHEN NOT recent THEN sms END')} AS sms_prev3,
    ${exactSumSql('CASE WHEN recent THEN vod_orders END')} AS vod3,
    ${exactSumSql('CASE WHEN NOT recent THEN vod_orders END')} AS vod_prev3,
    count(CASE WHEN recent THEN voice_minutes END) AS voice_bills3,
    count(CASE WHEN recent THEN data_mb END) AS data_bills3,
    count(CASE WHEN recent THEN sms END) AS sms_bills3,
    count(CASE WHEN recent THEN tv_hours END) AS tv_bills3,
    count(CASE WHEN recent THEN vod_orders END) AS vod_bills3,
    -- The as-of month's own bill (one row per customer and month).
    max(CASE WHEN month = CAST($1 AS DATE) THEN revenue END) AS revenue_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN paid END) AS paid_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN voice_minutes END) AS voice_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN outgoing_minutes END) AS outgoing_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN forwarded_minutes END) AS forwarded_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN data_mb END) AS data_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN sms END) AS sms_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN tv_hours END) AS tv_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN vod_orders END) AS vod_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN care_calls END) AS care_last,
    max(CASE WHEN month = CAST($1 AS DATE) THEN distinct_contacts END) AS partners_last,
    -- The 5 months before the as-of month, against which its own bill is compared.
    ${d.mean(`CASE WHEN month < CAST($1 AS DATE) THEN revenue END`)} AS revenue_before,
    ${exactSumSql('CASE WHEN month < CAST($1 AS DATE) THEN voice_minutes END')} / nullif(count(CASE WHEN month < CAST($1 AS DATE) THEN voice_minutes END), 0) AS voice_before,
    ${exactSumSql('CASE WHEN month < CAST($1 AS DATE) THEN data_mb END')} / nullif(count(CASE WHEN month < CAST($1 AS DATE) THEN data_mb END), 0) AS data_before,
    ${exactSumSql('CASE WHEN month < CAST($1 AS DATE) THEN sms END')} / nullif(count(CASE WHEN month < CAST($1 AS DATE) THEN sms END), 0) AS sms_before,
    ${exactSumSql('CASE WHEN month < CAST($1 AS DATE) THEN tv_hours END')} / nullif(count(CASE WHEN month < CAST($1 AS DATE) THEN tv_hours END), 0) AS tv_before
  FROM usage6
  GROUP BY customer_id
),
i AS (
  SELECT x.customer_id,
    count(CASE WHEN x.kind = 'complaint' AND x.ts >= p.last3_from THEN 1 END) AS complaints_3m,
    max(CASE WHEN x.kind = 'complaint' THEN x.ts END) AS last_complaint,
    count(CASE WHEN x.kind = 'cancel_request' AND x.ts >= p.m_end - INTERVAL '6 month' THEN 1 END) AS cancel_requests_6m,
    ${d.mean(`x.satisfaction`)} AS satisfaction_avg,
    count(CASE WHEN x.ts >= p.last3_from THEN 1 END) AS contacts_3m,
    count(CASE WHEN x.kind = 'inquiry' AND x.ts >= p.last3_from THEN 1 END) AS inquiries_3m,
    count(CASE WHEN x.kind = 'repair' AND x.ts >= p.last3_from THEN 1 END) AS repairs_3m,
    count(CASE WHEN x.kind = 'order' AND x.ts >= p.last3_from THEN 1 END) AS orders_3m,
    count(CASE WHEN x.kind = 'offer' AND x.ts >= p.last3_from THEN 1 END) AS offers_3m,
    count(CASE WHEN x.kind = 'care' AND x.ts >= p.last3_from THEN 1 END) AS care_contacts_3m,
    count(CASE WHEN NOT x.resolved AND x.ts >= p.last3_from THEN 1 END) AS unresolved_3m,
    count(CASE WHEN x.resolved IS NOT NULL AND x.ts >= p.last3_from THEN 1 END) AS outcome_known_3m,
    ${d.mean(`CASE WHEN x.ts >= p.last3_from THEN x.satisfaction END`)} AS satisfaction_3m,
    max(x.ts) AS last_contact,
    count(CASE WHEN x.ts >= p.m0 THEN 1 END) AS contacts_1m,
    count(CASE WHEN x.kind = 'inquiry' AND x.ts >= p.m0 THEN 1 END) AS inquiries_1m,
    count(CASE WHEN x.kind = 'complaint' AND x.ts >= p.m0 THEN 1 END) AS complaints_1m,
    count(CASE WHEN x.kind = 'cancel_request' AND x.ts >= p.m0 THEN 1 END) AS cancel_requests_1m,
    count(CASE WHEN NOT x.resolved AND x.ts >= p.m0 THEN 1 END) AS unresolved_1m,
    count(CASE WHEN NOT x.resolved AND x.ts >= p.m_end - INTERVAL '6 month' THEN 1 END) AS unresolved_6m
  FROM interactions x JOIN base b USING (customer_id), params p
  WHERE x.ts < CAST($1 AS DATE) + INTERVAL '1 month'
  GROUP BY x.customer_id
),
s AS (
  SELECT sub.customer_id,
    count(*) AS products,
    sum(sub.monthly_fee) AS monthly_fee,
    min(CASE WHEN sub.contract_end_date >= p.m_end THEN ${d.completeMonthsBetween('CAST(p.m_end AS DATE)', 'sub.contract_end_date')} END) AS contract_months_left,
    ${SUBSCRIPTION_CATEGORIES.map((c) => `count(CASE WHEN sub.category = '${c}' THEN 1 END) AS subs_${c}`).join(',\n    ')}
  FROM subscriptions sub JOIN base b USING (customer_id), params p
  WHERE sub.start_date < CAST($1 AS DATE) + INTERVAL '1 month' AND (sub.end_date IS NULL OR sub.end_date >= CAST($1 AS DATE) + INTERVAL '1 month')
  GROUP BY sub.customer_id
),
-- Every subscription started by the month's end: what changed lately, when a commitment ended.
-- An end date on or after the month's end is the future and is not read.
sh AS (
  SELECT sub.customer_id,
    count(CASE WHEN sub.start_date >= CAST($1 AS DATE) - INTERVAL '2 month' THEN 1 END) AS subs_started_3m,
    count(CASE WHEN sub.end_date >= CAST($1 AS DATE) - INTERVAL '2 month' AND sub.end_date < CAST($1 AS DATE) + INTERVAL '1 month' THEN 1 END) AS subs_ended_3m,
    max(CASE WHEN sub.contract_end_date < CAST($1 AS DATE) + INTERVAL '1 month' THEN sub.contract_end_date END) AS last_contract_end
  FROM subscriptions sub JOIN base b USING (customer_id)
  WHERE sub.start_date < CAST($1 AS DATE) + INTERVAL '1 month'
  GROUP BY sub.customer_id
)
SELECT
  b.customer_id,
  ${d.completeMonthsBetween('b.join_date', `CAST(p.m_end - INTERVAL '1 day' AS DATE)`)} AS tenure_months,
  CASE WHEN b.birth_date IS NOT NULL THEN ${d.completeYearsBetween('b.birth_date', `CAST(p.m_end - INTERVAL '1 day' AS DATE)`)} END AS age,
  b.gender, b.customer_type, b.province, b.acquisition_channel,
  CASE WHEN b.winback_of IS NOT NULL THEN 1 ELSE 0 END AS is_winback,
  CAST(u.arpu_3m AS ${d.double}) AS arpu_3m,
  CAST(u.arpu_3m AS ${d.double}) / nullif(CAST(u.arpu_prev3 AS ${d.double}), 0) - 1 AS arpu_trend,
  CAST(u.margin_3m AS ${d.double}) AS margin_3m,
  u.outgoing3 / nullif(u.voice3, 0) AS outgoing_ratio,
  u.forwarded3 / nullif(u.voice3, 0) AS forwarded_ratio,
  u.roaming3 / nullif(u.voice3, 0) AS roaming_ratio,
  u.long_distance3 / nullif(u.voice3, 0) AS long_distance_ratio,
  u.care_calls_per_month,
  CAST(u.dropped3 AS ${d.double}) / nullif(CAST(u.calls3 AS ${d.double}), 0) AS dropped_call_rate,
  u.call_partners,
  CAST(u.on_net3 AS ${d.double}) / nullif(CAST(u.distinct3 AS ${d.double}), 0) AS on_net_ratio,
  u.voice3 / nullif(u.voice_prev3, 0) - 1 AS voice_trend,
  u.data3 / nullif(u.data_prev3, 0) - 1 AS data_trend,
  u.tv3 / nullif(u.tv_prev3, 0) - 1 AS tv_trend,
  coalesce(u.dormant_months_3m, 0) AS dormant_months_3m,
  u.overdue_days,
  CAST(u.paid3 AS ${d.double}) / nullif(CAST(u.revenue3 AS ${d.double}), 0) AS paid_ratio_3m,
  coalesce(i.complaints_3m, 0) AS complaints_3m,
  CASE WHEN i.last_complaint IS NOT NULL THEN ${d.monthsBetween('CAST(i.last_complaint AS DATE)', 'p.m0')} END AS months_since_complaint,
  coalesce(i.cancel_requests_6m, 0) AS cancel_requests_6m,
  i.satisfaction_avg,
  s.contract_months_left,
  coalesce(s.products, 0) AS products,
  CAST(s.monthly_fee AS ${d.double}) AS monthly_fee,
  -- ANALYST_FEATURES
  u.voice3 / nullif(u.voice_bills3, 0) AS voice_minutes_3m,
  u.data3 / nullif(u.data_bills3, 0) AS data_mb_3m,
  u.sms3 / nullif(u.sms_bills3, 0) AS sms_3m,
  u.tv3 / nullif(u.tv_bills3, 0) AS tv_hours_3m,
  u.vod3 / nullif(u.vod_bills3, 0) AS vod_orders_3m,
  u.sms3 / nullif(u.sms_prev3, 0) - 1 AS sms_trend,
  u.vod3 / nullif(u.vod_prev3, 0) - 1 AS vod_trend,
  CAST(u.revenue_last AS ${d.double}) AS revenue_last,
  CAST(u.paid_last AS ${d.double}) / nullif(CAST(u.revenue_last AS ${d.double}), 0) AS paid_share_last,
  u.voice_last AS voice_minutes_last,
  u.outgoing_last / nullif(u.voice_last, 0) AS outgoing_ratio_last,
  u.forwarded_last / nullif(u.voice_last, 0) AS forwarded_ratio_last,
  u.data_last AS data_mb_last,
  u.sms_last,
  u.tv_last AS tv_hours_last,
  u.vod_last AS vod_orders_last,
  CAST(u.care_last AS ${d.double}) AS care_calls_last,
  CAST(u.partners_last AS ${d.double}) AS call_partners_last,
  coalesce(i.contacts_3m, 0) AS contacts_3m,
  coalesce(i.inquiries_3m, 0) AS inquiries_3m,
  coalesce(i.repairs_3m, 0) AS repairs_3m,
  coalesce(i.orders_3m, 0) AS orders_3m,
  coalesce(i.offers_3m, 0) AS offers_3m,
  coalesce(i.care_contacts_3m, 0) AS care_contacts_3m,
  coalesce(i.unresolved_3m, 0) AS unresolved_3m,
  CAST(i.unresolved_3m AS ${d.double}) / nullif(i.outcome_known_3m, 0) AS unresolved_share_3m,
  i.satisfaction_3m,
  CASE WHEN i.last_contact IS NOT NULL THEN ${d.monthsBetween('CAST(i.last_contact AS DATE)', 'p.m0')} END AS months_since_contact,
  b.industry,
  CAST(b.employees AS ${d.double}) AS employees,
  ${SUBSCRIPTION_CATEGORIES.map((c) => `coalesce(s.subs_${c}, 0) AS subs_${c}`).join(',\n  ')},
  coalesce(sh.subs_started_3m, 0) AS subs_started_3m,
  coalesce(sh.subs_ended_3m, 0) AS subs_ended_3m,
  CASE WHEN sh.last_contract_end IS NOT NULL THEN ${d.monthsBetween('sh.last_contract_end', 'p.m0')} END AS months_since_contract_end,
  -- RECENT_FEATURES
  (CAST(u.revenue_last AS ${d.double}) - CAST(u.revenue_before AS ${d.double})) / nullif(abs(CAST(u.revenue_before AS ${d.double})), 0) AS revenue_last_change,
  (u.voice_last - u.voice_before) / nullif(abs(u.voice_before), 0) AS voice_last_change,
  (u.data_last - u.data_before) / nullif(abs(u.data_before), 0) AS data_last_change,
  (u.sms_last - u.sms_before) / nullif(abs(u.sms_before), 0) AS sms_last_change,
  (u.tv_last - u.tv_before) / nullif(abs(u.tv_before), 0) AS tv_last_change,
  coalesce(i.contacts_1m, 0) AS contacts_1m,
  coalesce(i.inquiries_1m, 0) AS inquiries_1m,
  coalesce(i.complaints_1m, 0) AS complaints_1m,
  coalesce(i.cancel_requests_1m, 0) AS cancel_requests_1m,
  coalesce(i.unresolved_1m, 0) AS unresolved_1m,
  coalesce(i.unresolved_6m, 0) AS unresolved_6m,
  CASE WHEN b.city IS NOT NULL THEN b.province || '/' || b.city END AS city,
  CASE WHEN EXISTS (
    SELECT 1 FROM churn_events e
    WHERE e.customer_id = b.customer_id AND e.churn_date >= p.m_end AND e.churn_date < ${d.addMonths('CAST(p.m_end AS DATE)', 'p.horizon')}
  ) THEN 1 ELSE 0 END AS churned
FROM base b
CROSS JOIN params p
LEFT JOIN u USING (customer_id)
LEFT JOIN i USING (customer_id)
LEFT JOIN s USING (customer_id)
LEFT JOIN sh USING (customer_id)
ORDER BY b.customer_id
`;

/**
 * Builds the feature columns for one as-of month ('YYYY-MM'); `extras`: the operator's x_
 * features to add (extra-features.ts), row for row.
 */
export async function buildCustomerFeatures(
  store: AnalyticsStore,
  asOf: string,
  horizon: number,
  samplePermille = 1000,
  extras: readonly ExtraFeature[] = [],
  /** A table of customer ids: features of those of the base only (a campaign's members), the same values as the whole base gives them. */
  only: string | null = null,
): Promise<ColumnSet> {
  const set = await store.queryColumns(customerFeaturesSql(store.dialect, only), [monthStart(asOf), horizon, samplePermille]);
  return withExtraFeatures(store, set, monthStart(asOf), samplePermille, extras, only);
}
