/**
 * The operator data contract (../shared/spec/data-contract.md) as data.
 *
 * This is the single source of the format: the store schema, the SQL row validation of
 * the bulk importer and the zod schemas (src/contract/zod.ts) are all derived from it, so
 * a column is described once.
 */

export type ColumnKind =
  | 'string'
  | 'enum'
  | 'date'
  | 'month'
  | 'timestamp'
  | 'money' // decimal >= 0 in the operator's currency, stored exactly as DECIMAL(18,6)
  | 'decimal' // measure, stored as DOUBLE
  | 'integer'
  | 'boolean';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly required: boolean;
  /** Allowed values for `enum` (lowercase exactly as listed, except gender M/F). */
  readonly values?: readonly string[];
  /** Inclusive numeric bounds. */
  readonly min?: number;
  readonly max?: number;
}

/** Cross-column rule inside one row: `lesser` must not exceed `greater` when both are present. */
export interface NotGreaterRule {
  readonly lesser: string;
  readonly greater: string;
  readonly reason: string;
}

export type FileName =
  | 'reason_codes'
  | 'customers'
  | 'subscriptions'
  | 'monthly_usage'
  | 'interactions'
  | 'churn_events'
  | 'surveys'
  | 'offers'
  | 'campaigns'
  | 'campaign_members'
  | 'points_transactions';

export interface FileSpec {
  readonly name: FileName;
  readonly required: boolean;
  readonly key: readonly string[];
  readonly columns: readonly ColumnSpec[];
  readonly notGreater?: readonly NotGreaterRule[];
  /** What `x_` columns become: numeric features (usage) or free attributes. */
  readonly extras: 'numeric' | 'attributes';
  /** Whether rows must reference an existing customer through `customer_id`. */
  readonly referencesCustomer: boolean;
}

const s = (name: string, required = false): ColumnSpec => ({ name, kind: 'string', required });
const e = (name: string, values: readonly string[], required = false): ColumnSpec => ({
  name,
  kind: 'enum',
  values,
  required,
});
const k = (name: string, kind: ColumnKind, required = false, min?: number, max?: number): ColumnSpec => ({
  name,
  kind,
  required,
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});

export const CUSTOMER_TYPES = ['individual', 'business'] as const;
export const GENDERS = ['M', 'F'] as const;
export const ACQUISITION_CHANNELS = ['hall', 'hotline', 'community', 'agent', 'online', 'other'] as const;
export const SUBSCRIPTION_CATEGORIES = [
  'voice',
  'mobile_data',
  'broadband',
  'tv_basic',
  'tv_hd',
  'vod',
  'vas',
  'bundle',
] as const;
export const INTERACTION_CHANNELS = ['hall', 'hotline', 'community', 'agent', 'online', 'app', 'other'] as const;
export const INTERACTION_KINDS = [
  'inquiry',
  'complaint',
  'repair',
  'order',
  'cancel_request',
  'care',
  'offer',
  'other',
] as const;
export const CHURN_TYPES = ['voluntary', 'involuntary'] as const;
export const OFFER_KINDS = [
  'discount',
  'bonus_data',
  'free_content',
  'device',
  'contract_renewal',
  'points',
  'care_call',
  'other',
] as const;
export const CAMPAIGN_PURPOSES = ['retention', 'winback', 'care', 'cross_sell', 'up_sell'] as const;
/** A campaign contact may also go by SMS. */
export const CONTACT_CHANNELS = [...INTERACTION_CHANNELS, 'sms'] as const;
export const CONTACT_RESPONSES = ['accepted', 'declined', 'no_answer', 'unreachable'] as const;
export const POINTS_KINDS = ['earn', 'redeem', 'adjust'] as const;
/** Bound on one posting's points: sums of any number of them stay exact in a JS number and a BIGINT. */
export const POINTS_LIMIT = 1_000_000_000_000;
/** The arm of campaign_members that is held out (never contacted); every other arm is an offer_id. */
export const CONTROL_ARM = 'control';
export type ChurnType = (typeof CHURN_TYPES)[number];

export const FILES: readonly FileSpec[] = [
  {
    name: 'reason_codes',
    required: false,
    key: ['code'],
    extras: 'attributes',
    referencesCustomer: false,
    columns: [
      s('code', true),
      e('type', CHURN_TYPES, true),
      s('group', true),
      s('zh', true),
      s('en', true),
    ],
  },
  {
    name: 'customers',
    required: true,
    key: ['customer_id'],
    extras: 'attributes',
    referencesCustomer: false,
    columns: [
      s('customer_id', true),
      e('customer_type', CUSTOMER_TYPES, true),
      k('join_date', 'date', true),
      s('region', true),
      e('gender', GENDERS),
      k('birth_date', 'date'),
      s('name'),
      s('phone'),
      s('email'),
      s('industry'),
      k('employees', 'integer', false, 0),
      e('acquisition_channel', ACQUISITION_CHANNELS),
      s('winback_of'),
      // v2: blank = unknown, treated as no consent for outbound contact.
      k('marketing_consent', 'boolean'),
    ],
  },
  {
    name: 'subscriptions',
    required: false,
    key: ['subscription_id'],
    extras: 'attributes',
    referencesCustomer: true,
    columns: [
      s('subscription_id', true),
      s('customer_id', true),
      s('product_id', true),
      e('category', SUBSCRIPTION_CATEGORIES, true),
      k('start_date', 'date', true),
      k('end_date', 'date'),
      k('contract_end_date', 'date'),
      k('monthly_fee', 'money', true, 0),
    ],
  },
  {
    name: 'monthly_usage',
    required: true,
    key: ['customer_id', 'month'],
    extras: 'numeric',
    referencesCustomer: true,
    columns: [
      s('customer_id', true),
      k('month', 'month', true),
      k('revenue', 'money', true, 0),
      k('cost', 'money', false, 0),
      k('paid', 'money', false, 0),
      k('overdue_days', 'integer', false, 0),
      k('voice_minutes', 'decimal', false, 0),
      k('outgoing_minutes', 'decimal', false, 0),
      k('roaming_minutes', 'decimal', false, 0),
      k('long_distance_minutes', 'decimal', false, 0),
      k('forwarded_minutes', 'decimal', false, 0),
      k('data_mb', 'decimal', false, 0),
      k('sms', 'decimal', false, 0),
      k('calls', 'decimal', false, 0),
      k('dropped_calls', 'decimal', false, 0),
      k('distinct_contacts', 'integer', false, 0),
      k('on_net_contacts', 'integer', false, 0),
      k('care_calls', 'integer', false, 0),
      k('tv_hours', 'decimal', false, 0),
      k('vod_orders', 'decimal', false, 0),
    ],
    notGreater: [
      { lesser: 'outgoing_minutes', greater: 'voice_minutes', reason: 'outgoing_minutes exceeds voice_minutes' },
      { lesser: 'dropped_calls', greater: 'calls', reason: 'dropped_calls exceeds calls' },
      {
        lesser: 'on_net_contacts',
        greater: 'distinct_contacts',
        reason: 'on_net_contacts exceeds distinct_contacts',
      },
    ],
  },
  {
    name: 'interactions',
    required: false,
    key: ['interaction_id'],
    extras: 'attributes',
    referencesCustomer: true,
    columns: [
      s('interaction_id', true),
      s('customer_id', true),
      k('ts', 'timestamp', true),
      e('channel', INTERACTION_CHANNELS),
      e('kind', INTERACTION_KINDS),
      s('topic'),
      k('resolved', 'boolean'),
      k('satisfaction', 'integer', false, 1, 5),
    ],
  },
  {
    name: 'churn_events',
    required: true,
    key: ['customer_id'],
    extras: 'attributes',
    referencesCustomer: true,
    columns: [
      s('customer_id', true),
      k('churn_date', 'date', true),
      e('churn_type', CHURN_TYPES, true),
      s('reason_code', true),
      s('competitor'),
    ],
  },
  {
    name: 'surveys',
    required: false,
    key: ['scope', 'reason'],
    extras: 'attributes',
    referencesCustomer: false,
    columns: [
      s('scope', true),
      s('reason', true),
      k('rating', 'decimal', true, 0, 10),
      k('importance', 'decimal', true, 0, 10),
      k('availability', 'decimal', true, 0, 10),
    ],
  },
  {
    name: 'offers',
    required: false,
    key: ['offer_id'],
    extras: 'attributes',
    referencesCustomer: false,
    columns: [
      s('offer_id', true),
      s('name', true),
      e('kind', OFFER_KINDS, true),
      k('monthly_discount', 'money', false, 0),
      k('months', 'integer', false, 0),
      k('unit_cost', 'money', false, 0),
      k('contact_cost', 'money', false, 0),
      k('points', 'integer', false, 0),
      k('commitment_months', 'integer', false, 0),
    ],
  },
  {
    name: 'campaigns',
    required: false,
    key: ['campaign_id'],
    extras: 'attributes',
    referencesCustomer: false,
    columns: [
      s('campaign_id', true),
      s('name', true),
      e('purpose', CAMPAIGN_PURPOSES, true),
      k('start_date', 'date', true),
      k('end_date', 'date'),
      k('horizon_months', 'integer', false, 1),
    ],
  },
  {
    name: 'campaign_members',
    required: false,
    key: ['campaign_id', 'customer_id'],
    extras: 'attributes',
    referencesCustomer: true,
    columns: [
      s('campaign_id', true),
      s('customer_id', true),
      s('arm', true),
      k('assigned_date', 'date', true),
      k('contacted_ts', 'timestamp'),
      e('channel', CONTACT_CHANNELS),
      e('response', CONTACT_RESPONSES),
      k('cost', 'money', false, 0),
    ],
  },
  {
    // Loaded into the loyalty ledger (app/points): the row is kept here as last imported, the
    // ledger keeps every posting and its reversal.
    name: 'points_transactions',
    required: false,
    key: ['transaction_id'],
    extras: 'attributes',
    referencesCustomer: true,
    columns: [
      s('transaction_id', true),
      s('customer_id', true),
      k('ts', 'timestamp', true),
      e('kind', POINTS_KINDS, true),
      // Sign by kind (> 0 for earn and redeem, non-zero for adjust) is a cross-column rule (import/sql.ts).
      k('points', 'integer', true, -POINTS_LIMIT, POINTS_LIMIT),
      s('reason'),
    ],
  },
];

/** Files added by data contract v2 (a v1 data set has none of them and stays valid). */
export const CONTRACT_V2_FILES: readonly FileName[] = ['offers', 'campaigns', 'campaign_members'];

/** Import order: referenced tables before the ones that reference them. */
export const IMPORT_ORDER: readonly FileName[] = [
  'reason_codes',
  'customers',
  'subscriptions',
  'monthly_usage',
  'interactions',
  'churn_events',
  'surveys',
  'offers',
  'campaigns',
  'campaign_members',
  'points_transactions',
];

export function fileSpec(name: FileName): FileSpec {
  const spec = FILES.find((f) => f.name === name);
  if (!spec) throw new Error(`unknown contract file ${name}`);
  return spec;
}

export interface ReasonCode {
  readonly code: string;
  readonly type: ChurnType;
  readonly group: string;
  readonly zh: string;
  readonly en: string;
}

/** The contract's default reason-code table; a data set's reason_codes file replaces it. */
export const DEFAULT_REASON_CODES: readonly ReasonCode[] = [
  { code: '101', type: 'voluntary', group: 'price', zh: '价格', en: 'price' },
  { code: '102', type: 'voluntary', group: 'price', zh: '竞争对手促销', en: 'competitor promotion' },
  { code: '103', type: 'voluntary', group: 'convenience', zh: '客户服务', en: 'customer service' },
  { code: '104', type: 'voluntary', group: 'social', zh: '形象/亲友', en: 'image, friends and family' },
  { code: '105', type: 'voluntary', group: 'technology', zh: '新技术/终端', en: 'new technology, handset' },
  { code: '205', type: 'voluntary', group: 'quality', zh: '网络质量', en: 'network quality' },
  { code: '206', type: 'voluntary', group: 'quality', zh: '覆盖', en: 'coverage' },
  { code: '207', type: 'voluntary', group: 'convenience', zh: '账单', en: 'billing' },
  { code: '210', type: 'voluntary', group: 'incidental', zh: '迁居', en: 'relocation' },
  { code: '211', type: 'voluntary', group: 'incidental', zh: '生活变化', en: 'life change' },
  { code: '212', type: 'voluntary', group: 'incidental', zh: '经济原因', en: 'financial change' },
  { code: '335', type: 'involuntary', group: 'credit', zh: '信用/欠费', en: 'credit, non-payment' },
  { code: '345', type: 'involuntary', group: 'fraud', zh: '欺诈', en: 'fraud' },
  { code: '380', type: 'involuntary', group: 'non_use', zh: '未使用', en: 'non-use' },
];

/** Lexical rules of the contract ("parsing is strict"), shared by the SQL and zod validators. */
export const LEXICAL = {
  decimal: '^-?[0-9]+(\\.[0-9]+)?$',
  integer: '^-?[0-9]+$',
  date: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  month: '^[0-9]{4}-[0-9]{2}$',
  timestamp:
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$',
  boolean: '^(true|false)$',
} as const;

/** Money keeps at most this many decimals; more would need silent rounding, so it is rejected. */
export const MONEY_SCALE = 6;

export function isExtraColumn(name: string): boolean {
  return name.startsWith('x_') && name.length > 2;
}
