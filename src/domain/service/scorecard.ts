/**
 * The relationship scorecard (客户关系评价, CRM textbook ch. 3: "a set of indicators that may
 * affect satisfaction is measured, each indicator is scored and the scores are added up").
 *
 * Each component is a score in [0, 1] (1 = the strongest relationship), or NaN when the data
 * says nothing about it for this customer. The customer's score is
 *   100 × Σ wᵢ·sᵢ / Σ wᵢ   over the components known for the customer (NaN weights drop out),
 * so a customer without ratings is scored on the rest rather than punished or rewarded for the
 * silence. A customer with no known weighted component has no score (NaN).
 *
 * Component definitions (the app layer gathers the inputs as of the end of a month):
 * - tenure: whole months of service / TENURE_CAP_MONTHS, capped at 1.
 * - products: product categories held at the month's end / categories the operator offers
 *   (those any account held then), capped at 1; unknown without subscriptions.
 * - payment: over the last PAYMENT_BILLS bills, ½ · Σ min(paid, revenue) / Σ revenue
 *   + ½ · (1 − min(worst overdue_days, OVERDUE_CAP_DAYS) / OVERDUE_CAP_DAYS); each half is
 *   left out when its column is blank on every bill (unknown when both are).
 * - complaints: 1 / (1 + resolved + 2 × unresolved) over the complaints of the last
 *   INTERACTION_MONTHS months (unresolved: resolved false or still open): 1 with none.
 * - satisfaction: (mean rating − 1) / 4 over the ratings of the last INTERACTION_MONTHS
 *   months; unknown without ratings.
 * - referrals: the contract has no referral field (winback_of links a returning person's own
 *   accounts, not a referral), so it is unknown for every customer; a weight on it is accepted
 *   and drops out.
 */
import { readCsvRecords } from '../csv.ts';

export const COMPONENTS = ['tenure', 'products', 'payment', 'complaints', 'satisfaction', 'referrals'] as const;
export type Component = (typeof COMPONENTS)[number];
export type Weights = Readonly<Record<Component, number>>;

export const TENURE_CAP_MONTHS = 36;
export const PAYMENT_BILLS = 6;
export const OVERDUE_CAP_DAYS = 90;
export const INTERACTION_MONTHS = 12;

/** The documented default: payment behaviour and tenure carry the most; referrals are not in the contract. */
export const DEFAULT_WEIGHTS: Weights = { tenure: 20, products: 15, payment: 25, complaints: 20, satisfaction: 20, referrals: 0 };

export const COMPONENT_LABELS: Readonly<Record<Component, { zh: string; en: string }>> = {
  tenure: { zh: '在网时长', en: 'tenure' },
  products: { zh: '产品份额', en: 'share of products' },
  payment: { zh: '缴费行为', en: 'payment behaviour' },
  complaints: { zh: '投诉', en: 'complaints' },
  satisfaction: { zh: '满意度', en: 'satisfaction' },
  referrals: { zh: '推荐', en: 'referrals' },
};

export const tenureScore = (months: number): number => (Number.isFinite(months) ? Math.min(1, Math.max(0, months) / TENURE_CAP_MONTHS) : Number.NaN);

export const productsScore = (held: number, offered: number): number => (offered > 0 && Number.isFinite(held) ? Math.min(1, held / offered) : Number.NaN);

/** paidShare = Σ min(paid, revenue) / Σ revenue (NaN: unknown); worstOverdueDays NaN: unknown. */
export function paymentScore(paidShare: number, worstOverdueDays: number): number {
  const parts: number[] = [];
  if (Number.isFinite(paidShare)) parts.push(Math.min(1, Math.max(0, paidShare)));
  if (Number.isFinite(worstOverdueDays)) parts.push(1 - Math.min(Math.max(0, worstOverdueDays), OVERDUE_CAP_DAYS) / OVERDUE_CAP_DAYS);
  return parts.length === 0 ? Number.NaN : parts.reduce((a, b) => a + b, 0) / parts.length;
}

export const complaintsScore = (resolved: number, unresolved: number): number => 1 / (1 + resolved + 2 * unresolved);

export const satisfactionScore = (meanRating: number): number => (Number.isFinite(meanRating) ? (Math.min(5, Math.max(1, meanRating)) - 1) / 4 : Number.NaN);

/** 0–100 from component scores in COMPONENTS order; NaN when no weighted component is known. */
export function relationshipScore(components: readonly number[], weights: Weights): number {
  let num = 0;
  let den = 0;
  COMPONENTS.forEach((c, i) => {
    const s = components[i] as number;
    const w = weights[c];
    if (w > 0 && Number.isFinite(s)) {
      num += w * s;
      den += w;
    }
  });
  return den > 0 ? (100 * num) / den : Number.NaN;
}

export interface WeightsProblem {
  readonly line: number;
  /** The column's header name (`component`, `weight`), or '' for a whole-row problem. */
  readonly column: string;
  readonly reason: string;
}

const WEIGHT_PATTERN = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * A weights file: CSV with the header `component,weight` (either order, any case), one row per
 * component. A component not listed weighs 0. Weights are plain decimals ≥ 0 (relative: they
 * need not add up to 100). Every problem is returned with its line and column.
 */
export function parseWeightsCsv(text: string): { weights: Weights | null; problems: WeightsProblem[] } {
  const records = readCsvRecords(text);
  const problems: WeightsProblem[] = [];
  const header = records[0];
  if (!header || header.error) return { weights: null, problems: [{ line: 1, column: '', reason: header?.error ?? 'empty file: expected the header component,weight' }] };
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const ci = names.indexOf('component');
  const wi = names.indexOf('weight');
  const unknown = names.filter((n) => n !== 'component' && n !== 'weight');
  if (ci < 0 || wi < 0 || unknown.length > 0 || names.length !== 2) {
    return { weights: null, problems: [{ line: 1, column: unknown[0] ?? '', reason: `the header must be component,weight (got ${header.fields.join(',')})` }] };
  }
  const weights: Record<Component, number> = { tenure: 0, products: 0, payment: 0, complaints: 0, satisfaction: 0, referrals: 0 };
  const seen = new Map<string, number>();
  for (const rec of records.slice(1)) {
    if (rec.error) {
      problems.push({ line: rec.line, column: '', reason: rec.error });
      continue;
    }
    if (rec.fields.length === 1 && rec.fields[0]?.trim() === '') continue; // a blank line
    if (rec.fields.length !== 2) {
      problems.push({ line: rec.line, column: '', reason: `expected 2 fields, found ${rec.fields.length}` });
      continue;
    }
    const name = (rec.fields[ci] ?? '').trim();
    const weightText = (rec.fields[wi] ?? '').trim();
    if (!(COMPONENTS as readonly string[]).includes(name)) {
      problems.push({ line: rec.line, column: 'component', reason: `unknown component "${name}" (known: ${COMPONENTS.join(', ')})` });
      continue;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({ line: rec.line, column: 'component', reason: `component "${name}" is already weighted on line ${first}` });
      continue;
    }
    seen.set(name, rec.line);
    if (!WEIGHT_PATTERN.test(weightText)) {
      problems.push({ line: rec.line, column: 'weight', reason: `weight must be a plain decimal >= 0, got "${weightText}"` });
      continue;
    }
    weights[name as Component] = Number(weightText);
  }
  if (problems.length === 0 && COMPONENTS.every((c) => weights[c] === 0)) {
    problems.push({ line: 1, column: 'weight', reason: 'every weight is 0: give at least one component a weight above 0' });
  }
  return problems.length > 0 ? { weights: null, problems } : { weights, problems };
}

/** The default weights as a weights file (documentation and `--weights` starting point). */
export function weightsCsv(weights: Weights): string {
  return `component,weight\n${COMPONENTS.map((c) => `${c},${weights[c]}`).join('\n')}\n`;
}
