import { z } from 'zod';
import { checkJsonLimits, describeJsonLimitProblem } from '../json-limits.ts';

/**
 * Earning rules of the loyalty ledger, as data (`tenure points earn --rules FILE`, else the
 * defaults below). Each rule has a stable id: the monthly run records it on every entry it
 * posts, and an entry's (rule, period) key is what makes re-running a month post nothing new.
 *
 * - per_currency_unit: floor(points_per_unit × the month's billed `revenue` or `paid`).
 * - on_time_payment: `points` when the month's bill is paid in full (paid ≥ revenue > 0) and
 *   nothing is overdue (overdue_days blank or 0).
 * - tenure_milestone: `points` once, on the day the customer completes `months` of tenure.
 * - accepted_offer: the offer's `points` (offers.points) × `multiplier`, for each
 *   campaign_members row with response = accepted whose arm is that offer, dated by its
 *   contacted_ts (else the campaign's start_date).
 * Member days multiply the points of the dated earnings (milestones, accepted offers) that fall
 * on them: a day of every month or one date; the largest multiplier applies.
 */
export type EarningRule =
  | { readonly id: string; readonly kind: 'per_currency_unit'; readonly basis: 'revenue' | 'paid'; readonly points_per_unit: number }
  | { readonly id: string; readonly kind: 'on_time_payment'; readonly points: number }
  | { readonly id: string; readonly kind: 'tenure_milestone'; readonly months: number; readonly points: number }
  | { readonly id: string; readonly kind: 'accepted_offer'; readonly multiplier: number };

export type MemberDay =
  | { readonly day_of_month: number; readonly multiplier: number }
  | { readonly date: string; readonly multiplier: number };

export interface PointsRules {
  readonly version: 1;
  /** Points expire this many months after their earn date (the day clamped to the month's end). */
  readonly expiry_months: number;
  readonly rules: readonly EarningRule[];
  readonly member_days: readonly MemberDay[];
}

export const DEFAULT_POINTS_RULES: PointsRules = {
  version: 1,
  expiry_months: 24,
  rules: [
    { id: 'billed', kind: 'per_currency_unit', basis: 'revenue', points_per_unit: 1 },
    { id: 'on_time', kind: 'on_time_payment', points: 20 },
    { id: 'tenure_12m', kind: 'tenure_milestone', months: 12, points: 200 },
    { id: 'tenure_36m', kind: 'tenure_milestone', months: 36, points: 500 },
    { id: 'tenure_60m', kind: 'tenure_milestone', months: 60, points: 1000 },
    { id: 'offer', kind: 'accepted_offer', multiplier: 1 },
  ],
  member_days: [{ day_of_month: 18, multiplier: 2 }],
};

const id = z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'ids are 1–40 letters, digits, _ . -');
const points = z.number().int().min(0).max(1_000_000_000);
const multiplier = z.number().min(0).max(100);
const date = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a real date');

const ruleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ id, kind: z.literal('per_currency_unit'), basis: z.enum(['revenue', 'paid']), points_per_unit: z.number().min(0).max(1_000_000) }),
  z.strictObject({ id, kind: z.literal('on_time_payment'), points }),
  z.strictObject({ id, kind: z.literal('tenure_milestone'), months: z.number().int().min(1).max(1200), points }),
  z.strictObject({ id, kind: z.literal('accepted_offer'), multiplier }),
]);

const schema = z.strictObject({
  version: z.literal(1),
  expiry_months: z.number().int().min(1).max(1200),
  rules: z.array(ruleSchema).max(100),
  member_days: z
    .array(z.union([z.strictObject({ day_of_month: z.number().int().min(1).max(31), multiplier }), z.strictObject({ date, multiplier })]))
    .max(400),
});

export function parsePointsRules(text: string): { rules: PointsRules | null; errors: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { rules: null, errors: [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const limit = checkJsonLimits(json, { maxDepth: 8, maxValues: 10_000, maxStringLength: 200, maxWidth: 1000 });
  if (limit) return { rules: null, errors: [describeJsonLimitProblem(limit)] };
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { rules: null, errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`) };
  }
  const ids = parsed.data.rules.map((r) => r.id);
  const dup = ids.find((x, i) => ids.indexOf(x) !== i);
  if (dup !== undefined) return { rules: null, errors: [`rules: the id ${dup} is used twice`] };
  return { rules: parsed.data, errors: [] };
}
