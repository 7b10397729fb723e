import type { Condition, LifecycleRules } from './rules.ts';
import type { NumericFeature } from './features.ts';

// Apart from rules.ts (whose schemas load zod): the stage SQL asks this of the rules it is given.

/** Whether any rule reads a feature (e.g. churn_risk: the stages then depend on a scoring run of the month). */
export function rulesRead(rules: LifecycleRules, feature: string): boolean {
  const reads = (c: Condition): boolean =>
    'all' in c ? c.all.some(reads) : 'any' in c ? c.any.some(reads) : 'not' in c ? reads(c.not) : 'ratio' in c ? c.ratio.includes(feature as NumericFeature) : c.feature === feature;
  return rules.rules.some((r) => reads(r.when));
}
