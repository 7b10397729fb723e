import { z } from 'zod';
import { checkJsonLimits, describeJsonLimitProblem } from '../json-limits.ts';
import defaultRulesJson from './default-rules.json' with { type: 'json' };
import { BOOLEAN_FEATURES, NUMERIC_FEATURES, type BooleanFeature, type LifecycleFeatures, type NumericFeature } from './features.ts';
import { STAGES, type Stage } from './stages.ts';

/** The rule language (see default-rules.json for its description). */
export type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type Condition =
  | { readonly feature: NumericFeature; readonly op: Comparison; readonly value: number }
  | { readonly feature: BooleanFeature; readonly is: boolean }
  | { readonly ratio: readonly [NumericFeature, NumericFeature]; readonly op: Comparison; readonly value: number }
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

export interface StageRule {
  readonly id: string;
  readonly stage: Stage;
  readonly description: string;
  readonly when: Condition;
}

export interface LifecycleRules {
  readonly version: 1;
  readonly description?: string;
  readonly rules: readonly StageRule[];
  readonly default: { readonly id: string; readonly stage: Stage; readonly description: string };
  readonly patterns: { readonly longStabilityMonths: number; readonly description?: string };
}

/**
 * Bounds on a rule file: far above the defaults (a handful of rules nested 3 deep), low enough
 * that validating a file, evaluating it per customer and compiling it to SQL stay cheap and
 * never overflow the stack. A file beyond them is refused with the limit in words.
 */
export const RULE_LIMITS = {
  rules: 200,
  /** all / any / not nesting of one condition (the condition itself is level 1). */
  depth: 16,
  /** Conditions in one all / any list. */
  width: 100,
  /** Conditions (leaves and combinators) over the whole file. */
  conditions: 5000,
  id: 60,
  description: 2000,
} as const;

// Raw JSON bounds checked before the schema: a condition level is two JSON levels ({"all": [...]}).
const JSON_LIMITS = { maxDepth: 2 * RULE_LIMITS.depth + 4, maxValues: 200_000, maxStringLength: RULE_LIMITS.description, maxWidth: 1000 };

const comparison = z.enum(['<', '<=', '>', '>=', '==', '!=']);
const numericFeature = z.enum(NUMERIC_FEATURES);
const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ feature: numericFeature, op: comparison, value: z.number() }),
    z.strictObject({ feature: z.enum(BOOLEAN_FEATURES), is: z.boolean() }),
    z.strictObject({ ratio: z.tuple([numericFeature, numericFeature]), op: comparison, value: z.number() }),
    // Width and depth are checked after the union (below): its error would only say "Invalid input".
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
  ]),
);
const stage = z.enum(STAGES);

export const lifecycleRulesSchema = z
  .strictObject({
    version: z.literal(1, { error: 'only rule-file version 1 is supported' }),
    description: z.string().max(RULE_LIMITS.description).optional(),
    rules: z
      .array(z.strictObject({ id: z.string().min(1).max(RULE_LIMITS.id), stage, description: z.string().max(RULE_LIMITS.description), when: conditionSchema }))
      .max(RULE_LIMITS.rules, `at most ${RULE_LIMITS.rules} rules in one file`),
    default: z.strictObject({ id: z.string().min(1).max(RULE_LIMITS.id), stage, description: z.string().max(RULE_LIMITS.description) }),
    patterns: z.strictObject({
      longStabilityMonths: z.number().int().positive(),
      description: z.string().max(RULE_LIMITS.description).optional(),
    }),
  })
  .superRefine((r, ctx) => {
    const ids = new Set<string>();
    for (const [i, rule] of r.rules.entries()) {
      if (ids.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule id "${rule.id}" is used twice` });
      ids.add(rule.id);
    }
    let conditions = 0;
    const walk = (c: Condition, path: (string | number)[], depth: number) => {
      conditions++;
      if (depth > RULE_LIMITS.depth) {
        ctx.addIssue({ code: 'custom', path, message: `conditions nested deeper than ${RULE_LIMITS.depth} levels` });
        return;
      }
      const list = 'all' in c ? c.all : 'any' in c ? c.any : null;
      if (list && list.length > RULE_LIMITS.width) {
        ctx.addIssue({ code: 'custom', path, message: `${list.length} conditions in one list; at most ${RULE_LIMITS.width} are allowed` });
      }
      if ('all' in c) c.all.forEach((x, j) => walk(x, [...path, 'all', j], depth + 1));
      else if ('any' in c) c.any.forEach((x, j) => walk(x, [...path, 'any', j], depth + 1));
      else if ('not' in c) walk(c.not, [...path, 'not'], depth + 1);
    };
    r.rules.forEach((rule, i) => walk(rule.when, ['rules', i, 'when'], 1));
    if (conditions > RULE_LIMITS.conditions) {
      ctx.addIssue({ code: 'custom', path: [], message: `${conditions} conditions in all; at most ${RULE_LIMITS.conditions} are allowed` });
    }
    const first = r.rules[0];
    const firstIsChurned = first !== undefined && first.stage === 'E' && 'is' in first.when && first.when.feature === 'churned' && first.when.is;
    if (!firstIsChurned) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules', 0],
        message: 'the first rule must put churned customers in E: {"stage": "E", "when": {"feature": "churned", "is": true}}',
      });
    }
  });

/** A rule file's problems as "path: message" lines; empty when valid. */
export function validateLifecycleRules(input: unknown): { rules: LifecycleRules | null; errors: string[] } {
  const shape = checkJsonLimits(input, JSON_LIMITS);
  if (shape) return { rules: null, errors: [describeJsonLimitProblem(shape)] };
  const parsed = lifecycleRulesSchema.safeParse(input);
  if (parsed.success) return { rules: parsed.data as LifecycleRules, errors: [] };
  const errors = parsed.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${path === '' ? '(file)' : path.replace(/^\./, '')}: ${issue.message}`;
  });
  return { rules: null, errors };
}

/** Parses rule-file text (JSON); syntax and schema problems come back as messages. */
export function parseLifecycleRules(text: string): { rules: LifecycleRules | null; errors: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { rules: null, errors: [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return validateLifecycleRules(json);
}

export { rulesRead } from './rules-read.ts';

/**
 * The default rules read no churn score: a score exists only for the months someone ran
 * `tenure score`, so a rule on it made D jump in exactly those months (issue 19.8: 187 → 285)
 * and the stage series depend on when the model was run. Risk is shown beside the stage
 * (score, 360 view) instead. A rule file may still use churn_risk: it then reads the scoring
 * run of that very month, and the output says per month whether one was used.
 */
export function defaultLifecycleRules(): LifecycleRules {
  const { rules, errors } = validateLifecycleRules(defaultRulesJson);
  if (!rules) throw new Error(`default-rules.json is invalid: ${errors.join('; ')}`);
  return rules;
}

function compare(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

/** Missing (null) features make a comparison false; a ratio needs a positive denominator. */
export function holds(condition: Condition, f: LifecycleFeatures): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, f));
  if ('any' in condition) return condition.any.some((c) => holds(c, f));
  if ('not' in condition) return !holds(condition.not, f);
  if ('ratio' in condition) {
    const num = f[condition.ratio[0]];
    const den = f[condition.ratio[1]];
    if (num === null || den === null || !(den > 0)) return false;
    return compare(num / den, condition.op, condition.value);
  }
  if ('is' in condition) return f[condition.feature] === condition.is;
  const v = f[condition.feature];
  return v !== null && compare(v, condition.op, condition.value);
}

export interface StageResult {
  readonly stage: Stage;
  /** Id of the rule that fired (or the default's id). */
  readonly rule: string;
}

export function evaluateStage(f: LifecycleFeatures, rules: LifecycleRules): StageResult {
  for (const rule of rules.rules) if (holds(rule.when, f)) return { stage: rule.stage, rule: rule.id };
  return { stage: rules.default.stage, rule: rules.default.id };
}
