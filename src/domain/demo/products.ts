/**
 * Lines of business, customer segments and the product catalogue of the demo operator.
 *
 * Cable segments follow seed 002 (客户分类管理): 基础业务客户 `basic` (~60 %, low ARPU,
 * older, price-sensitive, live TV only), 新视听 `new_video` (~20 %, HD + VOD, middle-aged,
 * loyal when the product is good), 网络达人 `netizen` (broadband first, young, "对资费和网速
 * 特别敏感，流动性强" — the most volatile), 全业务 `full_service` (fewest, highest ARPU,
 * bundle, most loyal). Mobile individuals split into youth / mainstream / senior; business
 * accounts exist on both lines. The segment is written as the `x_segment` extra attribute
 * so segment-scoped reports and surveys can use it.
 */
import type { SUBSCRIPTION_CATEGORIES } from '../../contract/spec.ts';

export type Profile = 'mobile' | 'cable' | 'mixed';
export const PROFILES: readonly Profile[] = ['mobile', 'cable', 'mixed'];
export type Line = 'mobile' | 'cable';
export type Category = (typeof SUBSCRIPTION_CATEGORIES)[number];

export type Segment =
  | 'youth'
  | 'mainstream'
  | 'senior'
  | 'basic'
  | 'new_video'
  | 'netizen'
  | 'full_service'
  | 'business';

export interface Product {
  readonly id: string;
  readonly category: Category;
  readonly fee: number;
  /** Included voice minutes / data (mobile plans); usage above is billed as overage. */
  readonly voiceMinutes?: number;
  readonly dataMb?: number;
}

const p = (id: string, category: Category, fee: number, voiceMinutes?: number, dataMb?: number): Product => ({
  id,
  category,
  fee,
  ...(voiceMinutes === undefined ? {} : { voiceMinutes }),
  ...(dataMb === undefined ? {} : { dataMb }),
});

/** Mobile plans, cheapest first; a customer takes the cheapest that roughly covers their need. */
export const MOBILE_PLANS: readonly Product[] = [
  p('M-PLAN-19', 'voice', 19, 100, 2048),
  p('M-PLAN-39', 'voice', 39, 300, 8192),
  p('M-PLAN-59', 'voice', 59, 500, 20480),
  p('M-PLAN-99', 'voice', 99, 1000, 40960),
  p('M-PLAN-199', 'voice', 199, 3000, 81920),
];
export const BUSINESS_PLAN = p('M-BIZ-GROUP', 'voice', 0); // fee set per account: lines × per-line price
export const DATA_PACK = p('M-DATA-20G', 'mobile_data', 20);
export const VAS_RINGTONE = p('M-VAS-RING', 'vas', 5);
export const VAS_VIDEO = p('M-VAS-VIDEO', 'vas', 15);

export const TV_BASIC = p('TV-BASIC', 'tv_basic', 26);
export const TV_HD = p('TV-HD', 'tv_hd', 10);
export const TV_VOD = p('TV-VOD', 'vod', 20);
export const BB_50M = p('BB-50M', 'broadband', 50);
export const BB_100M = p('BB-100M', 'broadband', 70);
export const BUNDLE_FULL = p('BUNDLE-FULL', 'bundle', 128);
export const BB_BUSINESS = p('BB-BIZ-200M', 'broadband', 199);

export interface SegmentTraits {
  readonly line: Line;
  /** Mean and sd of age in years (individuals). */
  readonly age: readonly [number, number];
  /** Centre of the price-sensitivity trait in (0, 1). */
  readonly priceSensitivity: number;
  /** Centre of the engagement trait in (0, 1): low engagement drifts into non-use. */
  readonly engagement: number;
  /** Segment loyalty: multiplies every voluntary hazard. */
  readonly churnMultiplier: number;
  /** Contract terms in months (0 = none) and their weights. */
  readonly contractTerms: readonly number[];
  readonly contractWeights: readonly number[];
}

export const SEGMENTS: Record<Segment, SegmentTraits> = {
  youth: { line: 'mobile', age: [24, 4], priceSensitivity: 0.6, engagement: 0.6, churnMultiplier: 1.35, contractTerms: [0, 12, 24], contractWeights: [60, 25, 15] },
  mainstream: { line: 'mobile', age: [40, 8], priceSensitivity: 0.5, engagement: 0.55, churnMultiplier: 1, contractTerms: [0, 12, 24], contractWeights: [40, 25, 35] },
  senior: { line: 'mobile', age: [64, 6], priceSensitivity: 0.55, engagement: 0.4, churnMultiplier: 0.7, contractTerms: [0, 12, 24], contractWeights: [55, 25, 20] },
  basic: { line: 'cable', age: [58, 10], priceSensitivity: 0.65, engagement: 0.5, churnMultiplier: 0.9, contractTerms: [0, 12, 36], contractWeights: [50, 20, 30] },
  new_video: { line: 'cable', age: [44, 8], priceSensitivity: 0.4, engagement: 0.65, churnMultiplier: 0.8, contractTerms: [0, 12, 24], contractWeights: [30, 40, 30] },
  netizen: { line: 'cable', age: [30, 7], priceSensitivity: 0.65, engagement: 0.6, churnMultiplier: 1.4, contractTerms: [0, 12], contractWeights: [40, 60] },
  full_service: { line: 'cable', age: [42, 9], priceSensitivity: 0.3, engagement: 0.7, churnMultiplier: 0.55, contractTerms: [12, 24, 36], contractWeights: [30, 40, 30] },
  business: { line: 'mobile', age: [0, 0], priceSensitivity: 0.45, engagement: 0.7, churnMultiplier: 0.75, contractTerms: [12, 24, 36], contractWeights: [30, 45, 25] },
};

export const MOBILE_SEGMENTS: readonly Segment[] = ['youth', 'mainstream', 'senior'];
export const MOBILE_SEGMENT_WEIGHTS: readonly number[] = [30, 50, 20];
export const CABLE_SEGMENTS: readonly Segment[] = ['basic', 'new_video', 'netizen', 'full_service'];
export const CABLE_SEGMENT_WEIGHTS: readonly number[] = [60, 20, 13, 7];

/** Share of business accounts per line (enterprise mobile groups; hotels/offices on cable broadband). */
export const BUSINESS_SHARE: Record<Line, number> = { mobile: 0.06, cable: 0.03 };
/** Mixed profile: a converged operator with both mobile and cable households. */
export const MOBILE_SHARE_IN_MIXED = 0.55;

export const INDUSTRIES: readonly string[] = ['制造业', '批发零售', '住宿餐饮', '教育', '医疗卫生', '政府机关', '金融', '交通物流', '建筑业', '信息技术'];
export const INDUSTRY_WEIGHTS: readonly number[] = [14, 22, 16, 8, 6, 5, 5, 9, 8, 7];

/** Where voluntary leavers go, per line; named for reason codes where the destination is known. */
export const COMPETITORS: Record<Line, readonly string[]> = {
  mobile: ['中国移动', '中国联通', '中国电信', '中国广电'],
  cable: ['中国电信IPTV', '中国移动宽带', '中国联通宽带', '网络电视盒子'],
};
