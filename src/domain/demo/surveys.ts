/**
 * Survey input of the churn index (流失指数, seed 004): per scope and reason, how customers
 * rate the operator, how much the reason matters, and how available alternatives are.
 * Values are not random decoration: they mirror the simulation — provinces with weaker
 * networks rate coverage lower, provinces hit by competitor campaigns see cheaper
 * alternatives, price matters most to the price-sensitive segments — so the index agrees
 * with the churn reasons the same data set produces.
 */
import type { DemoContext } from './context.ts';
import { CABLE_SEGMENTS, MOBILE_SEGMENTS, type Segment } from './products.ts';
import { Rng } from './random.ts';
import { PROVINCES } from './regions.ts';

export const SURVEY_REASONS = ['price', 'quality', 'coverage', 'customer_service', 'image', 'new_technology'] as const;
type Reason = (typeof SURVEY_REASONS)[number];
type Triple = readonly [rating: number, importance: number, availability: number];

const BASE: Record<Reason, Triple> = {
  price: [6, 7, 6],
  quality: [7.5, 6, 4],
  coverage: [7, 7, 5],
  customer_service: [6.5, 5, 6],
  image: [7, 3, 5],
  new_technology: [6, 6, 6],
};

const SEGMENT_IMPORTANCE: Partial<Record<Segment, Partial<Record<Reason, number>>>> = {
  basic: { price: 2, new_technology: -3 },
  senior: { price: 1.5, new_technology: -3 },
  netizen: { price: 1.5, quality: 2, new_technology: 2 },
  youth: { price: 1, new_technology: 2.5, image: 1.5 },
  full_service: { price: -3, customer_service: 2.5 },
  new_video: { price: -1.5, quality: 1.5 },
};

function clamp10(x: number): string {
  return String(Math.round(Math.min(10, Math.max(0, x)) * 10) / 10);
}

export function surveyLines(ctx: DemoContext): string[] {
  const rng = new Rng(ctx.options.seed, 0x7fffffff);
  const lines: string[] = [];
  const row = (scope: string, reason: Reason, t: Triple) => {
    lines.push(`${scope},${reason},${clamp10(t[0] + 0.4 * rng.normal())},${clamp10(t[1] + 0.4 * rng.normal())},${clamp10(t[2] + 0.4 * rng.normal())}\n`);
  };
  for (const reason of SURVEY_REASONS) row('all', reason, BASE[reason]);

  PROVINCES.forEach((province, provinceIndex) => {
    const quality = ctx.footprint.provinceQuality(province.name);
    const campaigned = ctx.campaigns.some((c) => c.provinceIndex === provinceIndex);
    for (const reason of SURVEY_REASONS) {
      const [r, i, a] = BASE[reason];
      if (reason === 'coverage' || reason === 'quality') row(province.name, reason, [10 * (quality - 0.3) / 0.65, i, a + (quality > 0.85 ? 1 : 0)]);
      else if (reason === 'price') row(province.name, reason, [campaigned ? r - 1.5 : r, i, campaigned ? a + 2.5 : a]);
      else row(province.name, reason, [r, i, a]);
    }
  });

  const segments: readonly Segment[] =
    ctx.options.profile === 'mobile' ? MOBILE_SEGMENTS : ctx.options.profile === 'cable' ? CABLE_SEGMENTS : [...MOBILE_SEGMENTS, ...CABLE_SEGMENTS];
  for (const segment of segments) {
    const shift = SEGMENT_IMPORTANCE[segment] ?? {};
    for (const reason of SURVEY_REASONS) {
      const [r, i, a] = BASE[reason];
      row(segment, reason, [r, i + (shift[reason] ?? 0), a]);
    }
  }
  return lines;
}
