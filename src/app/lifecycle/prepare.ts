/**
 * Keeps the derived analytics of the latest months ready after the data changed (`tenure
 * import` does this by default; `--no-prepare` skips it), so the first `tenure lifecycle`,
 * `tenure lifecycle transitions`, `tenure value` or `tenure customer ID` after an import reads
 * kept tables like every later one, instead of staging a million customers on the spot (seconds
 * each on a large operator). What it keeps, with the default rules and parameters (a `--rules`
 * file or other value parameters still stage on first use):
 *   - the lifecycle stage history of the months `tenure lifecycle transitions` shows by default
 *     (the latest two: last month's stage and this month's);
 *   - the value snapshot of the latest month (current value, potential, lifetime).
 * Both are derived data with a fingerprint of the data they were built from (history-store.ts,
 * value-snapshot.ts); a read command that finds them stale rebuilds them as before.
 *
 * Cost on the 200k × 24 demo (2 cores, `npx tsx bench/import.ts --customers 200000 --rounds 3`):
 * the import with it took 1.83× DuckDB's own read on 2026-12-06 (1.89 s of it keeping), within
 * issue 3's 2×; keeping three months, as before, had taken it to 2.04×. Loading alone: 1.49×.
 */
import { defaultLifecycleRules } from '../../domain/lifecycle/rules.ts';
import { addMonths, monthRange, type MonthText } from '../../domain/month.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot } from '../value/value-snapshot.ts';
import { dataSpan } from './context.ts';
import { ensureStageHistory } from './history-store.ts';
import { DEFAULT_TRANSITION_MONTHS } from './transitions.ts';
import { requireWritable } from '../../store/access.ts';

export interface PreparedAnalytics {
  readonly months: readonly MonthText[];
  readonly seconds: number;
}

/** Months of stage history kept by default: those `tenure lifecycle transitions` shows (the latest one is `tenure lifecycle`'s). */
export const PREPARED_STAGE_MONTHS = DEFAULT_TRANSITION_MONTHS;

export async function prepareLatestAnalytics(store: AnalyticsStore, months = PREPARED_STAGE_MONTHS): Promise<PreparedAnalytics> {
  requireWritable(store, 'keeping the latest stages and values');
  const t = performance.now();
  const span = await dataSpan(store);
  const range = monthRange(addMonths(span.last, -(Math.max(1, months) - 1)), span.last);
  await keepDefaultStagesAndValues(store, range, { dataFirst: span.first, hasScores: span.hasScores });
  return { months: range, seconds: (performance.now() - t) / 1000 };
}

/**
 * Keeps the stage history of `months` (default rules) and the value snapshot of the last of
 * them (default parameters), as `tenure lifecycle` and `tenure value` compute them; returns
 * the keys to read them with.
 */
export async function keepDefaultStagesAndValues(
  store: AnalyticsStore,
  months: readonly MonthText[],
  o: { readonly dataFirst: MonthText; readonly hasScores: boolean },
): Promise<{ stageKey: string; valueKey: string }> {
  const { key: stageKey } = await ensureStageHistory(store, months, { rules: defaultLifecycleRules(), dataFirst: o.dataFirst, hasScores: o.hasScores });
  const { key: valueKey } = await ensureValueSnapshot(store, months[months.length - 1] as MonthText, DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
  return { stageKey, valueKey };
}
