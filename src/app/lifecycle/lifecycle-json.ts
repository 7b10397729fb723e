import type { ShownLang } from '../../domain/numeric/shown.ts';
import type { ShownContext } from '../shown.ts';
import type { Stage } from '../../domain/lifecycle/stages.ts';
import type { LifecycleSnapshot } from './lifecycle.ts';
import type { LifecycleTransitions, PatternRow } from './transitions.ts';

/**
 * The lifecycle documents as JSON, the ones `tenure lifecycle [transitions|patterns] --json`
 * print and the HTTP API sends: shaped here so both transports give the same bytes. Labels
 * in the output's language only; the stage letter and the pattern numeral are the keys.
 */

/** The deck's question for each stage (STAGE_INFO.focus) in Chinese, so every label has both languages. */
const FOCUS_ZH: Record<Stage, string> = {
  A: '如何发现并赢得客户',
  B: '如何把客户培养成高价值客户',
  C: '如何销售新产品、培养客户忠诚',
  D: '如何延长客户生命周期',
  E: '如何赢回客户',
};

/** Stage labels in the output's language only: name, relationship and focus; the stage letter is the key. */
export function lifecycleJson(report: LifecycleSnapshot, out: ShownContext) {
  const en = out.lang === 'en';
  return {
    ...report,
    currency: out.currency,
    by_stage: report.by_stage.map(({ zh, relationship_zh, ...s }) => ({
      ...s,
      name: en ? s.name : zh,
      relationship: en ? s.relationship : relationship_zh,
      focus: en ? s.focus : FOCUS_ZH[s.stage],
    })),
    relationship_stages: report.relationship_stages.map(({ zh, ...r }) => ({ ...r, relationship: en ? r.relationship : zh })),
  };
}

/** The relationship patterns named in one language; the numeral (I–IV) is the key. */
const UNASSIGNED_ZH: Record<string, string> = {
  joined_and_left_in_one_month: '同月入网并离网（没有可观察的关系阶段）',
  left_in_first_month_of_range: '在范围第一个月离网（范围内看不到离网前的阶段）',
};

/** The unassigned exits with their reasons worded in the output's language. */
export function unassignedIn(u: LifecycleTransitions['unassigned'], lang: ShownLang): LifecycleTransitions['unassigned'] {
  return { ...u, reasons: u.reasons.map((r) => ({ ...r, description: lang === 'en' ? r.description : (UNASSIGNED_ZH[r.reason] ?? r.description) })) };
}

export const localizedPatterns = (patterns: readonly PatternRow[], lang: ShownLang) => patterns.map(({ zh, en, ...p }) => ({ ...p, name: lang === 'en' ? en : zh }));

/** `tenure lifecycle transitions --json`. */
export function transitionsJson(t: LifecycleTransitions, lang: ShownLang) {
  return { ...t, patterns: localizedPatterns(t.patterns, lang) };
}

/** `tenure lifecycle patterns --json`. */
export function patternsJson(t: LifecycleTransitions, lang: ShownLang) {
  return { from: t.from, to: t.to, long_stability_months: t.long_stability_months, exits: t.exits, patterns: localizedPatterns(t.patterns, lang), unassigned: unassignedIn(t.unassigned, lang), partial_coverage: t.partial_coverage };
}
