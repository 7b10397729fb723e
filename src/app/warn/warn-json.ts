import { fraction, money, type ShownLang } from '../../domain/numeric/shown.ts';
import { QUADRANT_STRATEGIES, type Quadrant } from '../../domain/value/matrix.ts';
import type { ShownContext } from '../shown.ts';
import { WARN_DEFINITION, type FilterRecord, type SavedList, type ScoringRun, type WarnRow } from './warn.ts';

/**
 * The early-warning list as machine output: the rows and the header that `tenure warn --json`
 * (and --out CSV) print and the HTTP API sends, shaped here so both transports agree.
 */
/** The list's columns, in the contract's order: it starts customer_id,churn_probability,customer_value,expected_loss. */
export const WARN_COLUMNS = [
  'customer_id',
  'churn_probability',
  'customer_value',
  'expected_loss',
  'lifecycle_stage',
  'value_quadrant',
  'value_tier',
  'region',
  'top_reasons',
  'recommended_play',
  'change',
] as const;

/** The recommended play of a value-matrix quadrant: its investment and retention strategy (domain/value/matrix.ts). */
export function recommendedPlay(quadrant: Quadrant, lang: ShownLang): string {
  const s = QUADRANT_STRATEGIES[quadrant];
  return lang === 'en' ? `${s.investment.en}: ${s.retention.en}` : `${s.investment.zh}：${s.retention.zh}`;
}

export function warnCsvRow(r: WarnRow, lang: ShownLang) {
  return {
    customer_id: r.customer_id,
    churn_probability: fraction(r.churn_probability),
    customer_value: money(r.customer_value),
    expected_loss: money(r.expected_loss),
    lifecycle_stage: r.lifecycle_stage,
    value_quadrant: r.value_quadrant,
    value_tier: r.value_tier,
    region: r.region,
    top_reasons: r.top_reasons.join('; '),
    recommended_play: r.value_quadrant ? recommendedPlay(r.value_quadrant, lang) : null,
    change: r.change,
  };
}

export function warnJsonRow(r: WarnRow, out: ShownContext) {
  return {
    rank: r.rank,
    ...warnCsvRow(r, out.lang),
    top_reasons: r.top_reasons.map((text, i) => ({ rank: i + 1, text })),
    risk_decile: r.risk_decile,
    previous_risk_decile: r.previous_risk_decile,
    currency: out.currency,
  };
}

const runJson = (r: ScoringRun | null) => (r === null ? null : { as_of: r.asOf, model_version: r.modelVersion, scored_at: r.scoredAt });

/** What every list output says about its list: the scoring it was cut from, the previous one, the filters and counts. */
export function listHeader(list: { asOf: string; scoring: ScoringRun; previous: ScoringRun | null; filters: FilterRecord; scored: number; matched: number }, listed: number, out: ShownContext) {
  return {
    as_of: list.asOf,
    currency: out.currency,
    definition: WARN_DEFINITION,
    scoring: runJson(list.scoring),
    previous_scoring: runJson(list.previous),
    filters: list.filters,
    scored: list.scored,
    matched: list.matched,
    listed,
  };
}

export const savedListJson = (s: SavedList) => ({
  list_id: s.listId,
  name: s.name,
  created_at: s.createdAt,
  as_of: s.asOf,
  filters: s.filters,
  model_version: s.scoring.modelVersion,
  previous_as_of: s.previous?.asOf ?? null,
  members: s.members,
});

