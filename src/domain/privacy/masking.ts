import { FILES, type ColumnKind, type FileName } from '../../contract/spec.ts';

/**
 * The one masking policy for customer fields: every output that shows a customer's own data
 * (the 360 view in all formats today, the HTTP API tomorrow) passes its rows through
 * maskRow/mask with the caller's rights, so what a role sees is decided here and nowhere else.
 *
 * A field's treatment comes from the data contract (src/contract/spec.ts): values that cannot
 * carry personal data by construction (enums, booleans, numbers, months, timestamps of
 * events) are shown; free text and dates are hidden unless listed below as not personal. So
 * a personal column added to the contract, an unknown store column or an operator's x_
 * attribute is masked by default until someone decides otherwise here.
 *
 * What each treatment shows without personal-data rights (with them, everything is shown):
 *   name        the first character and "**" (张**): the agent can greet, the length is not told
 *   phone       "****" and the last 4 digits, and only when the number has at least 8 digits
 *   email       first character of the mailbox, "***@" and the domain (a***@example.com)
 *   region      the province only (甘肃/***); city and district columns are hidden
 *   attributes  x_ attributes kept as one JSON object (files other than customers): the names, each value hidden
 *   hidden      "***" (birth date, interaction topics, any unclassified text or date)
 * A blank value stays blank: that a field is empty is not personal.
 *
 * The operator's x_ columns (store/wide-extras.ts): a customer attribute is a column of its
 * own and is hidden, number or text alike (operators put ID-card numbers, addresses and notes
 * there, and nothing tells them from a segment code); a usage measure is a number the
 * contract defines as a measure and is shown. The churn model may read the attributes, but its
 * reasons are shown to every role, so they name an attribute and never print its value (the
 * category's churn rate against the usual, or the value's band among the base:
 * app/churn-model/extra-features.ts). Segments may split on an attribute with few values
 * (`segments --by`): counts per value, never a customer's own row.
 */

/** What a caller may see. The CLI has one switch today; roles will map onto these rights. */
export interface AccessRights {
  /** May see personal data (names, contact details, birth dates, free-text notes) unmasked. */
  readonly personalData: boolean;
}

export const NO_PERSONAL_DATA: AccessRights = { personalData: false };
export const ALL_PERSONAL_DATA: AccessRights = { personalData: true };

export type Treatment = 'shown' | 'name' | 'phone' | 'email' | 'region' | 'attributes' | 'hidden';

/** What a hidden value reads as, in every format. */
export const MASKED = '***';

/** Kinds whose values are drawn from a fixed vocabulary or are numbers: never personal in themselves. */
const SAFE_KINDS: ReadonlySet<ColumnKind> = new Set(['enum', 'boolean', 'integer', 'decimal', 'money', 'month', 'timestamp']);

/**
 * Text and date columns decided one by one. Identifiers are the operator's own pseudonymous
 * keys (needed to look a record up); dates of service are business facts. Everything else of
 * kind string or date is hidden.
 */
const DECIDED: Partial<Record<FileName, Readonly<Record<string, Treatment>>>> = {
  customers: {
    customer_id: 'shown',
    join_date: 'shown',
    region: 'region',
    birth_date: 'hidden',
    name: 'name',
    phone: 'phone',
    email: 'email',
    industry: 'shown',
    winback_of: 'shown',
    // Derived from region by the store: the province is the part the policy shows.
    province: 'shown',
    city: 'hidden',
    district: 'hidden',
  },
  subscriptions: { subscription_id: 'shown', customer_id: 'shown', product_id: 'shown', start_date: 'shown', end_date: 'shown', contract_end_date: 'shown' },
  monthly_usage: { customer_id: 'shown' },
  interactions: { interaction_id: 'shown', customer_id: 'shown', topic: 'hidden' },
  // reason_group, reason and reason_zh: the reason code's texts, joined in by the 360 view.
  churn_events: { customer_id: 'shown', churn_date: 'shown', reason_code: 'shown', competitor: 'shown', reason_group: 'shown', reason: 'shown', reason_zh: 'shown' },
  reason_codes: { code: 'shown', group: 'shown', zh: 'shown', en: 'shown' },
  // Survey results are per scope (region, segment), never per customer.
  surveys: { scope: 'shown', reason: 'shown' },
  // Contract v2: the operator's own offers and campaigns, and who was assigned to which arm when.
  offers: { offer_id: 'shown', name: 'shown' },
  campaigns: { campaign_id: 'shown', name: 'shown', start_date: 'shown', end_date: 'shown' },
  campaign_members: { campaign_id: 'shown', customer_id: 'shown', arm: 'shown', assigned_date: 'shown' },
  // The loyalty ledger: ids are shown; `reason` is the operator's free text (an adjustment may name a complaint), hidden.
  points_transactions: { transaction_id: 'shown', customer_id: 'shown', reason: 'hidden' },
};

/** The treatment of a column of a contract file (or a column the store derives from one). */
export function treatmentOf(file: FileName, column: string): Treatment {
  const decided = DECIDED[file]?.[column];
  if (decided !== undefined) return decided;
  const spec = FILES.find((f) => f.name === file);
  if (column === 'x_attributes' && spec?.extras === 'attributes') return 'attributes';
  if (column.startsWith('x_')) return spec?.extras === 'numeric' ? 'shown' : 'hidden';
  const col = spec?.columns.find((c) => c.name === column);
  return col !== undefined && SAFE_KINDS.has(col.kind) ? 'shown' : 'hidden';
}

/** A field's value as the stores return it (dates and timestamps as text). */
export type FieldValue = string | number | bigint | boolean | null;

/** One field's value as the caller may see it. */
export function mask(file: FileName, column: string, value: FieldValue, rights: AccessRights): FieldValue {
  if (rights.personalData || value === null || value === '') return value;
  const treatment = treatmentOf(file, column);
  return treatment === 'shown' ? value : maskText(treatment, String(value));
}

/** A row of a contract table (or of a query over one) as the caller may see it. */
export function maskRow(file: FileName, row: Readonly<Record<string, FieldValue>>, rights: AccessRights): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [column, value] of Object.entries(row)) out[column] = mask(file, column, value, rights);
  return out;
}

function maskText(treatment: Exclude<Treatment, 'shown'>, text: string): string {
  switch (treatment) {
    case 'name':
      return `${[...text.trim()][0] ?? ''}**`;
    case 'phone': {
      const digits = text.replace(/\D/g, '');
      return digits.length >= 8 ? `****${digits.slice(-4)}` : '****';
    }
    case 'email': {
      const at = text.lastIndexOf('@');
      return at > 0 ? `${[...text][0] ?? ''}***${text.slice(at)}` : MASKED;
    }
    case 'region': {
      const [province = '', ...rest] = text.split('/');
      return rest.length > 0 ? `${province}/${MASKED}` : province;
    }
    case 'attributes':
      return maskAttributes(text);
    case 'hidden':
      return MASKED;
  }
}

/** {"x_segment":"gold","x_idcard":"…"} → {"x_segment":"***","x_idcard":"***"}; unreadable → "***". */
function maskAttributes(json: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return MASKED;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return MASKED;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = v === null || v === '' ? null : MASKED;
  return JSON.stringify(out);
}

/**
 * An age as a reason may show it: the decade ("60–69"), never the years that would give the
 * birth year away. Used where an age derived from birth_date reaches an output (the churn
 * score's reasons, which are stored and shown to every role).
 */
export function ageBand(age: number): string {
  if (!Number.isFinite(age)) return MASKED;
  if (age < 20) return '<20';
  if (age >= 90) return '90+';
  const low = Math.floor(age / 10) * 10;
  return `${low}–${low + 9}`;
}
