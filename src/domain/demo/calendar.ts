/**
 * Calendar of the demo: the observation window, seasonality curves and date text.
 *
 * Seasonality is Chinese-market shaped so a forecast has something to learn and to be
 * backtested on: Spring Festival (Feb) depresses sign-ups and is followed by a churn wave
 * (year-end bonus spent on a new phone or a competitor deal, people moving for work);
 * September brings students (sign-ups and moves); Double 11 (Nov) brings promotions.
 * Operators purge dormant and non-paying accounts at quarter ends, which gives involuntary
 * churn its own rhythm. On top sits a trend: competition intensifies over the window
 * (voluntary hazard up ~1.5 %/month) while gross adds slowly fall.
 */
import { formatMonth } from '../month.ts';

/** Index of calendar month (0 = January) of a month index. */
export function calendarMonth(monthIndex: number): number {
  return ((monthIndex % 12) + 12) % 12;
}

export function daysInMonth(monthIndex: number): number {
  const m = calendarMonth(monthIndex);
  if (m === 1) {
    const y = Math.floor(monthIndex / 12);
    return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  }
  return m === 3 || m === 5 || m === 8 || m === 10 ? 30 : 31;
}

const PAD2: readonly string[] = Array.from({ length: 61 }, (_, i) => String(i).padStart(2, '0'));

export function pad2(n: number): string {
  return PAD2[n] ?? String(n).padStart(2, '0');
}

/** Month texts are formatted once per month index: the hot loop writes millions of them. */
export class MonthTexts {
  private readonly cache = new Map<number, string>();

  month(monthIndex: number): string {
    let text = this.cache.get(monthIndex);
    if (text === undefined) {
      text = formatMonth(monthIndex);
      this.cache.set(monthIndex, text);
    }
    return text;
  }

  date(monthIndex: number, day: number): string {
    return `${this.month(monthIndex)}-${pad2(day)}`;
  }
}

/** Relative weight of sign-ups per calendar month. */
export const GROSS_ADD_SEASON: readonly number[] = [0.9, 0.65, 1.1, 1.0, 1.0, 1.05, 1.15, 1.2, 1.35, 0.85, 1.15, 1.0];
/** Multiplier of voluntary churn decisions per calendar month. */
export const VOLUNTARY_SEASON: readonly number[] = [0.95, 1.35, 1.2, 0.95, 0.9, 1.0, 1.15, 1.1, 1.25, 0.85, 1.05, 0.8];
/** Multiplier of payment failures per calendar month (after the festival, before school fees). */
export const CREDIT_SEASON: readonly number[] = [1.1, 1.5, 1.3, 1.0, 0.9, 0.9, 1.0, 1.1, 1.2, 1.0, 0.9, 0.9];
/** Quarter-end months when dormant accounts are purged (non-use churn). */
export function isQuarterEnd(monthIndex: number): boolean {
  return calendarMonth(monthIndex) % 3 === 2;
}

export const VOICE_SEASON: readonly number[] = [1.05, 1.15, 1.0, 0.98, 0.98, 0.97, 0.97, 0.98, 1.0, 1.04, 0.98, 1.0];
export const ROAMING_SEASON: readonly number[] = [1.2, 2.2, 1.0, 1.0, 1.2, 0.9, 1.5, 1.5, 0.9, 1.6, 0.9, 1.0];
export const TV_SEASON: readonly number[] = [1.2, 1.3, 1.05, 0.95, 0.9, 0.85, 0.85, 0.85, 0.95, 1.0, 1.05, 1.1];

/** Voluntary hazard trend: competition grows through the window. */
export function voluntaryTrend(monthsIntoWindow: number): number {
  return 1 + 0.015 * monthsIntoWindow;
}

/** Gross-add trend: a maturing market. */
export function grossAddTrend(monthsIntoWindow: number): number {
  return Math.max(0.5, 1 - 0.006 * monthsIntoWindow);
}

/** Data consumption grows ~1.5 %/month industry-wide, independent of churn. */
export function dataGrowth(monthsIntoWindow: number): number {
  return Math.pow(1.015, monthsIntoWindow);
}
