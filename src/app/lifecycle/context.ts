import { readFileSync, existsSync } from 'node:fs';
import { formatMonth, parseMonth, type MonthText } from '../../domain/month.ts';
import { defaultLifecycleRules, parseLifecycleRules, type LifecycleRules } from '../../domain/lifecycle/rules.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { DEFAULT_DB, openStore } from '../../store/open.ts';

/** What every store-backed analytics use case needs to know about the data before it runs. */
export interface DataSpan {
  /** First billed month (or first join month when nothing is billed). */
  readonly first: MonthText;
  /** Latest month with data: the latest bill, else the latest join or churn. */
  readonly last: MonthText;
  /** Whether the churn model has scored anyone (churn_scores has rows). */
  readonly hasScores: boolean;
}

export async function dataSpan(store: AnalyticsStore): Promise<DataSpan> {
  const [row] = await store.query<{ first_usage: string | null; last_usage: string | null; first_join: string | null; last_join: string | null; last_churn: string | null; scores: number }>(
    `SELECT (SELECT min(month) FROM monthly_usage) AS first_usage,
            (SELECT max(month) FROM monthly_usage) AS last_usage,
            (SELECT min(join_date) FROM customers) AS first_join,
            (SELECT max(join_date) FROM customers) AS last_join,
            (SELECT max(churn_date) FROM churn_events) AS last_churn,
            (SELECT count(*) FROM (SELECT 1 FROM churn_scores LIMIT 1) AS s) AS scores`,
  );
  if (!row?.first_join || !row.last_join) {
    throw new TenureError('NO_DATA', `the store ${store.location} has no customers yet; import a data set first (tenure import DIR)`);
  }
  const month = (d: string) => d.slice(0, 7);
  const last = row.last_usage ? month(row.last_usage) : [row.last_join, row.last_churn].filter((d): d is string => d !== null).map(month).sort().at(-1) ?? month(row.last_join);
  return { first: month(row.first_usage ?? row.first_join), last, hasScores: Number(row.scores) > 0 };
}

export function checkMonth(flag: string, text: string | undefined): MonthText | undefined {
  if (text === undefined) return undefined;
  try {
    return formatMonth(parseMonth(text));
  } catch {
    throw new TenureError('USAGE', `${flag} must be a month written YYYY-MM (e.g. 2025-06), got "${text}"`);
  }
}

/** Rules from a file (`--rules FILE`) or the defaults; a bad file is a usage error naming its problems. */
export function loadRules(path?: string): LifecycleRules {
  if (path === undefined) return defaultLifecycleRules();
  if (!existsSync(path)) throw new TenureError('FILE_NOT_FOUND', `no such rules file: ${path}`, { file: path });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TenureError('BAD_INPUT', `cannot read the rules file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path });
  }
  const { rules, errors } = parseLifecycleRules(text);
  if (!rules) throw new TenureError('SCHEMA', `invalid lifecycle rules: ${errors.join('; ')}`, { file: path });
  return rules;
}

/**
 * Opens the `--db` store for a read-only analytics command, runs fn and closes it. A missing
 * file is NO_DATA (opening it would silently create an empty store).
 */
export async function withStore<T>(db: string | undefined, fn: (store: AnalyticsStore) => Promise<T>): Promise<T> {
  const target = db && db.length > 0 ? db : process.env.TENURE_DB || DEFAULT_DB;
  if (!/^postgres(ql)?:\/\//.test(target) && target !== ':memory:' && !existsSync(target)) {
    throw new TenureError('NO_DATA', `no store at ${target}; import a data set first (tenure import DIR --db ${target})`);
  }
  const store = await openStore(target);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
