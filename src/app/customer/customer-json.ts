import type { Row } from '../../store/port.ts';
import { STAGE_INFO, isStage } from '../../domain/lifecycle/stages.ts';
import { dateText, fraction, money, monthText, pick, roundNumber, type ShownLang } from '../../domain/numeric/shown.ts';
import type { Customer360 } from './customer360.ts';

/**
 * The 360 view as a JSON document, the one `tenure customer --json` prints and the HTTP API
 * sends: shaped here so both transports give the same bytes.
 */
/** Columns of the store's tables that hold money (exact DECIMAL text there). */
export const MONEY_FIELDS = new Set(['monthly_fee', 'revenue', 'cost', 'paid', 'expected_loss', 'arpu_last3', 'arpu_prev3', 'peak_arpu3', 'revenue_lost']);
const DATES = new Set(['join_date', 'start_date', 'end_date', 'contract_end_date', 'churn_date', 'birth_date']);
const MONTHS = new Set(['month', 'as_of']);
const FRACTIONS = new Set(['churn_probability', 'churn_risk', 'segment_arpu_rank']);
const MEASURES = new Set(['usage_last3', 'usage_prev3']);

/** x_attributes are kept as JSON text: machine output gives the object itself. */
function attributes(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** One store row typed for output: money as numbers (2 decimals), dates YYYY-MM-DD, months YYYY-MM. */
function typedRow(row: Row | null): Record<string, unknown> | null {
  if (row === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null || v === undefined) out[k] = null;
    else if (MONEY_FIELDS.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint')) out[k] = money(v);
    else if (FRACTIONS.has(k) && typeof v === 'number') out[k] = fraction(v);
    else if (MEASURES.has(k) && typeof v === 'number') out[k] = roundNumber(v, 4);
    // A masked birth date (1982-**-**) is not a date and stays as it is.
    else if (DATES.has(k) && /^\d{4}-\d{2}-\d{2}/.test(String(v))) out[k] = dateText(v);
    else if (MONTHS.has(k)) out[k] = monthText(v);
    else if (k === 'x_attributes') out[k] = attributes(v);
    else if (typeof v === 'bigint') out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

/** Stored reasons are a JSON array of texts, worded in the language of the scoring run. */
function storedReasons(v: unknown): { rank: number; text: string }[] {
  let texts: unknown = v;
  if (typeof v === 'string') {
    try {
      texts = JSON.parse(v);
    } catch {
      texts = [v];
    }
  }
  return Array.isArray(texts) ? texts.map((t, i) => ({ rank: i + 1, text: String(t) })) : [];
}

/** The 360 view as machine output: typed values, labels in one language, the currency at the top. */
export function customerJson(view: Customer360, out: { readonly currency: string; readonly lang: ShownLang }) {
  const stage = view.lifecycle.stage !== null && isStage(view.lifecycle.stage) ? STAGE_INFO[view.lifecycle.stage] : null;
  const score = view.churn_score;
  const event = view.churn_event;
  const strategy = view.value?.strategy;
  return {
    customer_id: view.customer_id,
    as_of: view.as_of,
    currency: out.currency,
    lang: out.lang,
    pii_masked: view.pii_masked,
    profile: typedRow(view.profile),
    subscriptions: view.subscriptions.map((r) => typedRow(r)),
    usage: view.usage.map((r) => typedRow(r)),
    interactions: view.interactions.map((r) => typedRow(r)),
    lifecycle: {
      stage: view.lifecycle.stage,
      name: stage ? pick(stage, out.lang) : null,
      relationship: stage ? (out.lang === 'en' ? stage.relationship : stage.relationshipZh) : null,
      rule: view.lifecycle.rule,
      features: typedRow(view.lifecycle.features),
      history: view.lifecycle.history,
    },
    value: view.value && strategy
      ? {
          current_value: money(view.value.current_value),
          potential: money(view.value.potential),
          up_buy: money(view.value.up_buy),
          cross_buy: money(view.value.cross_buy),
          referral: money(view.value.referral),
          remaining_lifetime_months: view.value.remaining_lifetime_months,
          quadrant: view.value.quadrant,
          strategy: { value: pick(strategy.value, out.lang), investment: pick(strategy.investment, out.lang), retention: pick(strategy.retention, out.lang) },
        }
      : null,
    churn_score: score
      ? ({ ...typedRow({ ...score, top_reasons: null }), top_reasons: storedReasons(score.top_reasons) } as Record<string, unknown> & { top_reasons: { rank: number; text: string }[] })
      : null,
    churn_event: event
      ? (() => {
          const { reason_zh: zh, reason: en, ...rest } = event;
          return { ...typedRow(rest), reason: (out.lang === 'en' ? en : zh) ?? null } as Record<string, unknown>;
        })()
      : null,
  };
}

