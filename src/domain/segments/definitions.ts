import { z } from 'zod';
import { checkJsonLimits, describeJsonLimitProblem } from '../json-limits.ts';

/**
 * Declarative customer segments: a name and a condition over one customer in one month. The
 * condition language (data, validated here, compiled to a SQL WHERE by compile.ts):
 *   {"field": F, "op": "<|<=|>|>=|=|!=", "value": number | string}
 *   {"field": F, "in": [values…]}
 *   {"field": "region", "prefix": "甘肃/酒泉"}      region path starts with the given levels
 *   {"holds": CATEGORY} / {"holds_any": [CATEGORY…]} subscription categories held in the month
 *   {"all": [...]}, {"any": [...]}, {"not": …}
 * A comparison with a missing value (no bill that month, blank column) is false, and `not`
 * of it is true (as in the lifecycle rules).
 */
export const SEGMENT_FIELDS = {
  // customer
  customer_type: 'text',
  province: 'text',
  city: 'text',
  district: 'text',
  region: 'text',
  gender: 'text',
  acquisition_channel: 'text',
  tenure_months: 'number',
  // the month's bill (monthly_usage)
  revenue: 'number',
  margin: 'number',
  voice_minutes: 'number',
  data_mb: 'number',
  tv_hours: 'number',
  vod_orders: 'number',
  on_net_contacts: 'number',
  care_calls: 'number',
  overdue_days: 'number',
  // value: the tier (low … platinum) of the value at stake at the start of the month (domain/value/tiers.ts)
  value_tier: 'text',
  // lifecycle stage A–E of the month (staged with the default rules)
  stage: 'text',
} as const;
export type SegmentField = keyof typeof SEGMENT_FIELDS;

/**
 * An operator's x_ column (store/wide-extras.ts): a customer attribute, or a measure of the
 * month's bill. Whether it exists, and is a number or text, is known from the store only, so
 * the report checks it (segments.ts); the file only says it is an x_ name.
 */
export type ExtraSegmentField = `x_${string}`;
export const EXTRA_FIELD_PATTERN = /^x_\P{Cc}{1,100}$/u;

export function isExtraSegmentField(name: string): name is ExtraSegmentField {
  return EXTRA_FIELD_PATTERN.test(name);
}

export const CATEGORIES = ['voice', 'mobile_data', 'broadband', 'tv_basic', 'tv_hd', 'vod', 'vas', 'bundle'] as const;
export type Category = (typeof CATEGORIES)[number];

export type SegmentCondition =
  | { readonly field: SegmentField | ExtraSegmentField; readonly op: '<' | '<=' | '>' | '>=' | '=' | '!='; readonly value: number | string }
  | { readonly field: SegmentField | ExtraSegmentField; readonly in: readonly (number | string)[] }
  | { readonly field: 'region'; readonly prefix: string }
  | { readonly holds: Category }
  | { readonly holds_any: readonly Category[] }
  | { readonly all: readonly SegmentCondition[] }
  | { readonly any: readonly SegmentCondition[] }
  | { readonly not: SegmentCondition };

export interface SegmentDefinition {
  readonly name: string;
  readonly description: string;
  readonly when: SegmentCondition;
}

/**
 * Bounds on a definitions file. Far above what an analyst writes by hand (the presets nest 3
 * deep), low enough that validating, compiling and running the definitions stays cheap: every
 * condition becomes SQL with bound parameters, and DuckDB refuses expressions nested more than
 * 1,000 deep. A file beyond them is refused with the limit in words.
 */
export const SEGMENT_LIMITS = {
  segments: 200,
  /** all / any / not nesting of one condition (the condition itself is level 1). */
  depth: 16,
  /** Conditions in one all / any list, categories in holds_any. */
  width: 100,
  /** Conditions (leaves and combinators) over the whole file. */
  conditions: 5000,
  /** Values in one `in` list. */
  inValues: 1000,
  text: 200,
  description: 1000,
} as const;

// Raw JSON bounds checked before the schema: a condition level is two JSON levels ({"all": [...]}).
const JSON_LIMITS = { maxDepth: 2 * SEGMENT_LIMITS.depth + 4, maxValues: 200_000, maxStringLength: SEGMENT_LIMITS.description, maxWidth: SEGMENT_LIMITS.inValues };

const field = z.union([
  z.enum(Object.keys(SEGMENT_FIELDS) as [SegmentField, ...SegmentField[]]),
  z.string().regex(EXTRA_FIELD_PATTERN, 'an x_ field is x_ and 1–100 printable characters') as z.ZodType<ExtraSegmentField>,
]);
const scalar = z.union([z.number().finite(), z.string().max(SEGMENT_LIMITS.text)]);
const category = z.enum(CATEGORIES);

const conditionSchema: z.ZodType<SegmentCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ field, op: z.enum(['<', '<=', '>', '>=', '=', '!=']), value: scalar }),
    z.strictObject({ field, in: z.array(scalar).min(1).max(SEGMENT_LIMITS.inValues) }),
    z.strictObject({ field: z.literal('region'), prefix: z.string().min(1).max(SEGMENT_LIMITS.text) }),
    z.strictObject({ holds: category }),
    z.strictObject({ holds_any: z.array(category).min(1) }),
    // Width and depth are checked after the union (below): its error would only say "Invalid input".
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
  ]),
);

export const segmentDefinitionsSchema = z
  .array(
    z.strictObject({
      name: z.string().regex(/^[\p{L}\p{N}_.:+-]{1,60}$/u, 'segment names are 1–60 letters, digits, _ . : + -'),
      description: z.string().max(SEGMENT_LIMITS.description).default(''),
      when: conditionSchema,
    }),
  )
  .min(1)
  .max(SEGMENT_LIMITS.segments, `at most ${SEGMENT_LIMITS.segments} segments in one file`)
  .superRefine((defs, ctx) => {
    const seen = new Set<string>();
    defs.forEach((d, i) => {
      if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `segment "${d.name}" is defined twice` });
      seen.add(d.name);
    });
    let conditions = 0;
    const check = (c: SegmentCondition, path: (string | number)[], depth: number) => {
      conditions++;
      if (depth > SEGMENT_LIMITS.depth) {
        ctx.addIssue({ code: 'custom', path, message: `conditions nested deeper than ${SEGMENT_LIMITS.depth} levels` });
        return;
      }
      const list = 'all' in c ? c.all : 'any' in c ? c.any : 'holds_any' in c ? c.holds_any : null;
      if (list && list.length > SEGMENT_LIMITS.width) {
        ctx.addIssue({ code: 'custom', path, message: `${list.length} items in one list; at most ${SEGMENT_LIMITS.width} are allowed` });
      }
      if ('all' in c) c.all.forEach((x, j) => check(x, [...path, 'all', j], depth + 1));
      else if ('any' in c) c.any.forEach((x, j) => check(x, [...path, 'any', j], depth + 1));
      else if ('not' in c) check(c.not, [...path, 'not'], depth + 1);
      else if ('op' in c) {
        // An x_ field's kind is the store's: checked when the report runs (segments.ts).
        const kind = isExtraSegmentField(c.field) ? undefined : SEGMENT_FIELDS[c.field];
        if (kind !== undefined && (kind === 'number') !== (typeof c.value === 'number')) {
          ctx.addIssue({ code: 'custom', path: [...path, 'value'], message: `${c.field} is a ${kind} field; give a ${kind} value` });
        }
      } else if ('in' in c) {
        const kind = isExtraSegmentField(c.field) ? undefined : SEGMENT_FIELDS[c.field];
        if (kind !== undefined && c.in.some((v) => (kind === 'number') !== (typeof v === 'number'))) {
          ctx.addIssue({ code: 'custom', path: [...path, 'in'], message: `${c.field} is a ${kind} field; give ${kind} values` });
        }
      }
    };
    defs.forEach((d, i) => check(d.when, [i, 'when'], 1));
    if (conditions > SEGMENT_LIMITS.conditions) {
      ctx.addIssue({ code: 'custom', path: [], message: `${conditions} conditions in all; at most ${SEGMENT_LIMITS.conditions} are allowed` });
    }
  });

/** Definitions from JSON (e.g. a `--segments FILE`); problems as "path: message" lines. */
export function parseSegmentDefinitions(input: unknown): { definitions: SegmentDefinition[] | null; errors: string[] } {
  const shape = checkJsonLimits(input, JSON_LIMITS);
  if (shape) return { definitions: null, errors: [describeJsonLimitProblem(shape)] };
  const parsed = segmentDefinitionsSchema.safeParse(input);
  if (parsed.success) return { definitions: parsed.data as SegmentDefinition[], errors: [] };
  return {
    definitions: null,
    errors: parsed.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(file)'}: ${i.message}`),
  };
}

/** Operator profiles the presets are grouped by (detected from the products held, or chosen). */
export const SEGMENT_PROFILES = ['business', 'converged', 'cable', 'mobile'] as const;
export type SegmentProfile = (typeof SEGMENT_PROFILES)[number];

export interface PresetDefinition extends SegmentDefinition {
  /** The profile whose operators have this segment; `any` for bundles, which every profile sells. */
  readonly profile: SegmentProfile | 'any';
}

const MOBILE_HELD: readonly Category[] = ['voice', 'mobile_data'];
const TV_HELD: readonly Category[] = ['tv_basic', 'tv_hd', 'vod'];
const HOME_HELD: readonly Category[] = [...TV_HELD, 'broadband'];
const individual: SegmentCondition = { field: 'customer_type', op: '=', value: 'individual' };

/**
 * Presets per operator profile, one partition of the base: an account belongs to the first
 * preset (in this order) whose condition holds, and to `other` when none does, so the sizes add
 * up to the base. Every condition reads the subscription categories actually held in the month:
 * a TV or broadband segment needs a TV or broadband subscription.
 *
 * Bundles: the contract's subscriptions give a bundle's category (`bundle`) but not what it
 * contains, so a bundle is never counted as TV, broadband or mobile (issue 19.7: mobile and
 * business-group bundles had been counted as 全业务). An account is classified by what else it
 * holds; one that holds only bundles (and value-added services) is in `bundle` (contents not
 * in the data).
 *
 * - business 政企: every business account (its own line of work, whatever it holds);
 * - converged 融合: an individual holding both a mobile and a home (TV or broadband) product;
 * - cable (seed 002 客户分类): netizen 网络达人 = broadband and ≥ 100,000 MB of data in the month;
 *   full-service 全业务 = a TV product and broadband; new-video 新视听 = HD or video on demand
 *   held, or basic TV with VOD orders in the month; basic 基础业务 = basic TV; broadband 宽带 =
 *   broadband without TV, not heavy;
 * - mobile: mobile-data 流量型 = holds a data pack or used ≥ 20,480 MB in the month;
 *   mobile-voice 语音型 = the other mobile accounts;
 * - bundle 套餐(内容未知): holds a bundle and none of the above.
 */
export const PROFILE_PRESETS: readonly PresetDefinition[] = [
  { profile: 'business', name: 'business', description: '政企: every business account', when: { field: 'customer_type', op: '=', value: 'business' } },
  {
    profile: 'converged',
    name: 'converged',
    description: '融合: mobile and home (TV or broadband) products held together',
    when: { all: [individual, { holds_any: MOBILE_HELD }, { holds_any: HOME_HELD }] },
  },
  {
    profile: 'cable',
    name: 'netizen',
    description: '网络达人: broadband and ≥ 100,000 MB of data in the month',
    when: { all: [{ holds: 'broadband' }, { field: 'data_mb', op: '>=', value: 100000 }] },
  },
  { profile: 'cable', name: 'full-service', description: '全业务: a TV product and broadband', when: { all: [{ holds_any: TV_HELD }, { holds: 'broadband' }] } },
  {
    profile: 'cable',
    name: 'new-video',
    description: '新视听: HD or video on demand held, or basic TV with VOD orders in the month',
    when: { any: [{ holds_any: ['tv_hd', 'vod'] }, { all: [{ holds: 'tv_basic' }, { field: 'vod_orders', op: '>', value: 0 }] }] },
  },
  { profile: 'cable', name: 'basic', description: '基础业务: basic TV only', when: { holds: 'tv_basic' } },
  { profile: 'cable', name: 'broadband', description: '宽带: broadband without TV, under 100,000 MB in the month', when: { holds: 'broadband' } },
  {
    profile: 'mobile',
    name: 'mobile-data',
    description: '流量型: a mobile data pack held, or ≥ 20,480 MB of data in the month',
    when: { all: [{ holds_any: MOBILE_HELD }, { any: [{ holds: 'mobile_data' }, { field: 'data_mb', op: '>=', value: 20480 }] }] },
  },
  { profile: 'mobile', name: 'mobile-voice', description: '语音型: the other mobile accounts', when: { holds_any: MOBILE_HELD } },
  {
    profile: 'any',
    name: 'bundle',
    description: "套餐(内容未知): holds a bundle and nothing that places it above; the data does not say what a bundle contains, so it counts as neither TV, broadband nor mobile",
    when: { holds: 'bundle' },
  },
];

/** Presets of the profiles asked for (all when none): accounts of the others fall in `other`. */
export function presetsFor(profiles?: readonly SegmentProfile[]): PresetDefinition[] {
  return PROFILE_PRESETS.filter((p) => !profiles || p.profile === 'any' || profiles.includes(p.profile));
}

/**
 * Definitions in order → one partition: each keeps its condition and adds "in none before it",
 * and `other` (in none of them) closes it. Sizes then add up to the base (issue 19.7).
 */
export function exclusive(definitions: readonly SegmentDefinition[]): SegmentDefinition[] {
  const out: SegmentDefinition[] = definitions.map(({ name, description, when }, i) => ({
    name,
    description,
    when: i === 0 ? when : { all: [when, { not: { any: definitions.slice(0, i).map((x) => x.when) } }] },
  }));
  return [...out, otherOf(definitions)];
}

export const OTHER_SEGMENT = 'other';

/** The accounts in none of the definitions. */
export function otherOf(definitions: readonly SegmentDefinition[]): SegmentDefinition {
  return { name: OTHER_SEGMENT, description: 'in none of the segments above', when: { not: { any: definitions.map((d) => d.when) } } };
}

/**
 * Value tiers of seed 004 (低、中、高、银、金、白金), defined once in domain/value/tiers.ts: the
 * tier of the account's value at stake among the base, as `tenure value` ranks it. In segments
 * the month's base is its opening accounts, so their tier is the one of the value at the end of
 * the month before (every opening account has one); the six tiers partition the base.
 */
export const VALUE_TIER_PRESETS: readonly SegmentDefinition[] = (['low', 'mid', 'high', 'silver', 'gold', 'platinum'] as const).map((tier) => ({
  name: `tier:${tier}`,
  description: `value tier ${tier}: value at stake at the start of the month, the base's percentile as in tenure value`,
  when: { field: 'value_tier', op: '=', value: tier },
}));

/** The default report: the profile partition with `other`, then the tier partition. */
export const PRESETS: readonly SegmentDefinition[] = [...exclusive(PROFILE_PRESETS), ...VALUE_TIER_PRESETS];

type Leaf = Exclude<SegmentCondition, { all: unknown } | { any: unknown } | { not: unknown }>;

/** Visits every comparison and holds test of a condition. */
function eachLeaf(c: SegmentCondition, visit: (leaf: Leaf) => void): void {
  if ('all' in c) c.all.forEach((x) => eachLeaf(x, visit));
  else if ('any' in c) c.any.forEach((x) => eachLeaf(x, visit));
  else if ('not' in c) eachLeaf(c.not, visit);
  else visit(c);
}

/** Fields a condition reads (to know which inputs the query needs). */
export function fieldsOf(c: SegmentCondition): Set<string> {
  const out = new Set<string>();
  eachLeaf(c, (x) => out.add('field' in x ? x.field : 'holds'));
  return out;
}

/**
 * Where a condition compares an x_ field with a value of the wrong kind ("x_tier is a text
 * field; give a text value"), given each x_ field's kind in the store; also names x_ fields the
 * store does not have. One message per problem.
 */
export function extraFieldProblems(c: SegmentCondition, kinds: ReadonlyMap<string, 'number' | 'text'>): string[] {
  const out: string[] = [];
  eachLeaf(c, (x) => {
    if (!('field' in x) || !isExtraSegmentField(x.field)) return;
    const kind = kinds.get(x.field);
    const values = 'value' in x ? [x.value] : 'in' in x ? x.in : [];
    if (kind === undefined) out.push(`${x.field} is not an x_ column of customers or monthly_usage in the store`);
    else if (values.some((v) => (kind === 'number') !== (typeof v === 'number'))) out.push(`${x.field} is a ${kind} field; give ${kind} values`);
  });
  return [...new Set(out)];
}

/** Subscription categories a condition asks about (holds / holds_any). */
export function categoriesOf(c: SegmentCondition): Set<string> {
  const out = new Set<string>();
  eachLeaf(c, (x) => {
    if ('holds' in x) out.add(x.holds);
    else if ('holds_any' in x) x.holds_any.forEach((cat) => out.add(cat));
  });
  return out;
}
