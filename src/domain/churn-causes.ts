/**
 * Is a period's churn "normal" or "serious"? The CRM textbook (seed 001, 3.2.4 防止客户流失策略)
 * names six causes of churn and draws the line:
 *
 *   如果只存在"主动放弃的客户"、"被迫离开的客户"和"被挖走的客户"，……企业的客户流失基本在正常范围之内。
 *   而如果存在"主动离开的客户"、"被吸引的客户"以及其他原因导致的客户流失，则说明企业的客户流失情况严重，
 *   而且客户流失是由企业自身原因所造成的。
 *
 * The causes are mapped onto the reason groups of the contract's reason codes (the churn deck's
 * taxonomy: deliberate price / quality / technology / social / convenience, incidental, and the
 * involuntary groups); nothing here redefines a group:
 *
 *   abandoned    主动放弃的客户  the operator ended the relationship: every involuntary exit
 *                                (non-payment, fraud, non-use)                         normal
 *   dissatisfied 主动离开的客户  unhappy with quality or service: quality, convenience   serious
 *   poached      被挖走的客户    won by competitors' discounts and specials: price       normal
 *   attracted    被吸引的客户    drawn by better competing products: technology          serious
 *   forced       被迫离开的客户  moved, life or finances changed: incidental             normal
 *   other        其他原因离开的客户 social (image, friends and family) and any group the
 *                                textbook does not name (a data set's own reason codes) serious
 *
 * Read literally, the textbook calls every month with one serious exit serious, which no real
 * operator escapes. The check therefore keeps its line (serious causes are the operator's own)
 * and asks whether they are above the operator's own level: the month's serious churn rate
 * (serious exits / opening base, the contract's churn-rate base) against a one-sided 95 %
 * prediction bound from the 12 months before it. A month with no serious exit is normal as the
 * textbook has it, with or without history.
 */
import { normalQuantile } from './survival/normal.ts';

export const CHURN_CAUSES = ['abandoned', 'dissatisfied', 'poached', 'attracted', 'forced', 'other'] as const;
export type ChurnCause = (typeof CHURN_CAUSES)[number];
export type CauseClass = 'normal' | 'serious';

export interface CauseDefinition {
  readonly cause: ChurnCause;
  readonly class: CauseClass;
  /** The textbook's name and an English rendering. */
  readonly zh: string;
  readonly en: string;
  /** The contract reason groups it covers (involuntary: every involuntary exit; other: the rest). */
  readonly groups: readonly string[];
}

export const CAUSE_DEFINITIONS: Readonly<Record<ChurnCause, CauseDefinition>> = {
  abandoned: { cause: 'abandoned', class: 'normal', zh: '主动放弃的客户', en: 'given up by the operator', groups: ['credit', 'fraud', 'non_use'] },
  dissatisfied: { cause: 'dissatisfied', class: 'serious', zh: '主动离开的客户', en: 'left dissatisfied', groups: ['quality', 'convenience'] },
  poached: { cause: 'poached', class: 'normal', zh: '被挖走的客户', en: 'poached by competitor offers', groups: ['price'] },
  attracted: { cause: 'attracted', class: 'serious', zh: '被吸引的客户', en: 'attracted by better products', groups: ['technology'] },
  forced: { cause: 'forced', class: 'normal', zh: '被迫离开的客户', en: 'forced to leave', groups: ['incidental'] },
  other: { cause: 'other', class: 'serious', zh: '其他原因离开的客户', en: 'left for other reasons', groups: ['social'] },
};

const VOLUNTARY_CAUSE: Readonly<Record<string, ChurnCause>> = {
  price: 'poached',
  quality: 'dissatisfied',
  convenience: 'dissatisfied',
  technology: 'attracted',
  incidental: 'forced',
};

/** The textbook cause of an exit from its churn type and its reason code's group (null: no reason_codes row). */
export function causeOf(churnType: string, group: string | null): ChurnCause {
  if (churnType === 'involuntary') return 'abandoned';
  return (group !== null && VOLUNTARY_CAUSE[group]) || 'other';
}

export const isSerious = (cause: ChurnCause): boolean => CAUSE_DEFINITIONS[cause].class === 'serious';

/**
 * The churn deck's split of exits (seed 004, 客户流失原因分类): involuntary; voluntary and
 * incidental (无意: relocation, life change, finances); voluntary and deliberate (蓄意: the rest).
 */
export type ReasonCategory = 'deliberate' | 'incidental' | 'involuntary';
export function reasonCategory(churnType: string, group: string | null): ReasonCategory {
  if (churnType === 'involuntary') return 'involuntary';
  return group === 'incidental' ? 'incidental' : 'deliberate';
}

/** Months of history the verdict compares a month with. */
export const CHECK_HISTORY_MONTHS = 12;
/** One-sided level of the prediction bound. */
export const CHECK_LEVEL = 0.95;

/**
 * Student t quantile for ν degrees of freedom (Abramowitz & Stegun 26.7.5, the Cornish–Fisher
 * expansion in 1/ν around the normal quantile; error below 1e-4 from ν = 5 at p ≤ 0.995).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be >= 1, got ${df}`);
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = (z2 + 1) * z / 4;
  const g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
  const g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
  const g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

export type CheckVerdict = 'normal' | 'serious' | 'undetermined';

export interface CheckInput {
  /** Serious exits of the month and its opening base. */
  readonly serious: number;
  readonly opening: number;
  /**
   * Serious churn rates of the CHECK_HISTORY_MONTHS months before, oldest first; null for a
   * month outside the data or that opened with no accounts.
   */
  readonly history: readonly (number | null)[];
}

export interface CheckResult {
  readonly verdict: CheckVerdict;
  /** serious / opening; null when opening is 0. */
  readonly seriousRate: number | null;
  /** Mean of the history's rates and the one-sided 95 % prediction bound; null without full history. */
  readonly trailingMean: number | null;
  readonly trailingBound: number | null;
  /** Months of usable history (at most CHECK_HISTORY_MONTHS). */
  readonly historyMonths: number;
  /** Why the verdict is undetermined. */
  readonly undetermined?: 'no_opening_base' | 'short_history';
}

/**
 * The verdict: normal when the month has no serious exit (the textbook's own test); otherwise
 * serious when its serious churn rate is above mean + t(0.95, n−1) · sd · √(1 + 1/n) of the n = 12
 * months before it (the one-sided 95 % prediction bound for one more month like them), normal
 * when it is not, undetermined without a full year of history or without an opening base.
 */
export function checkChurnMonth(input: CheckInput): CheckResult {
  const seriousRate = input.opening > 0 ? input.serious / input.opening : null;
  const usable = input.history.filter((r): r is number => r !== null);
  const n = usable.length;
  let trailingMean: number | null = null;
  let trailingBound: number | null = null;
  if (n === CHECK_HISTORY_MONTHS && input.history.length === CHECK_HISTORY_MONTHS) {
    trailingMean = usable.reduce((s, r) => s + r, 0) / n;
    const mean = trailingMean;
    const sd = Math.sqrt(usable.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1));
    trailingBound = mean + studentTQuantile(CHECK_LEVEL, n - 1) * sd * Math.sqrt(1 + 1 / n);
  }
  const base = { seriousRate, trailingMean, trailingBound, historyMonths: n };
  if (input.serious === 0) return { verdict: 'normal', ...base };
  if (seriousRate === null) return { verdict: 'undetermined', ...base, undetermined: 'no_opening_base' };
  if (trailingBound === null) return { verdict: 'undetermined', ...base, undetermined: 'short_history' };
  return { verdict: seriousRate > trailingBound ? 'serious' : 'normal', ...base };
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);

/** The verdict in words, with the rule and its numbers. */
export function verdictText(r: CheckResult, lang: 'zh' | 'en'): string {
  const rate = pct(r.seriousRate);
  const bound = pct(r.trailingBound);
  const mean = pct(r.trailingMean);
  if (r.verdict === 'normal' && r.seriousRate !== null && r.seriousRate > 0 && r.trailingBound !== null) {
    return lang === 'en'
      ? `normal: churn from the operator's own causes (left dissatisfied, attracted away, other) is ${rate} of the opening base, within the 95 % upper bound ${bound} of the previous ${CHECK_HISTORY_MONTHS} months (mean ${mean})`
      : `正常：企业自身原因（主动离开、被吸引、其他原因）的流失率为期初用户的 ${rate}，未超过此前 ${CHECK_HISTORY_MONTHS} 个月的 95% 上限 ${bound}（均值 ${mean}）`;
  }
  if (r.verdict === 'normal') {
    return lang === 'en'
      ? 'normal: every exit was given up by the operator, forced to leave or poached by competitor offers (the textbook\'s normal range)'
      : '正常：流失全部为主动放弃、被迫离开或被挖走的客户（教科书所说的正常范围）';
  }
  if (r.verdict === 'serious') {
    return lang === 'en'
      ? `serious: churn from the operator's own causes (left dissatisfied, attracted away, other) is ${rate} of the opening base, above the 95 % upper bound ${bound} of the previous ${CHECK_HISTORY_MONTHS} months (mean ${mean}); act on its causes`
      : `严重：企业自身原因（主动离开、被吸引、其他原因）的流失率为期初用户的 ${rate}，高于此前 ${CHECK_HISTORY_MONTHS} 个月的 95% 上限 ${bound}（均值 ${mean}），应针对原因采取措施`;
  }
  if (r.undetermined === 'no_opening_base') {
    return lang === 'en' ? 'undetermined: the month opened with no accounts, so it has no churn rate' : '无法判断：本月期初没有用户，无法计算流失率';
  }
  return lang === 'en'
    ? `undetermined: serious causes are present, but the data has ${r.historyMonths} of the ${CHECK_HISTORY_MONTHS} months before this one to compare with`
    : `无法判断：存在企业自身原因的流失，但数据中此前只有 ${r.historyMonths} 个月（需要 ${CHECK_HISTORY_MONTHS} 个月）可供比较`;
}
