import { fraction, money } from '../../domain/numeric/shown.ts';
import type { PartialCoverage } from '../data-span.ts';
import type { ReasonGroupCount } from './churn-breakdown.ts';

/**
 * Report rows as JSON, the document `tenure report … --json` prints and the HTTP API sends.
 */
/** Columns holding money as exact decimal text: numbers (2 decimals) in JSON, the currency in JSON and table headers. */
export const MONEY_COLUMNS = ['arpu', 'revenue_lost', 'revenue_lost_serious'];
/** Columns holding a rate or share as exact decimal text (6 decimals): numbers in JSON. */
export const RATE_COLUMNS = new Set(['churn_rate', 'share_of_voluntary', 'share', 'serious_share', 'serious_rate', 'trailing_mean', 'trailing_bound']);

export type ReportRow = { readonly [column: string]: string | number | null | readonly ReasonGroupCount[] };

/** Typed JSON rows: money rounded half-up to 2 decimals, rates as numbers, each row naming its currency. */
export function reportJsonRows(columns: readonly string[], rows: readonly ReportRow[], currency: string, partial: readonly PartialCoverage[] = []): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) {
      const v = row[c] ?? null;
      const scalar = typeof v === 'object' ? null : v; // lists (a competitor's reason groups) stay as they are
      out[c] = MONEY_COLUMNS.includes(c) ? money(scalar) : RATE_COLUMNS.has(c) ? fraction(scalar) : v;
    }
    out.currency = currency;
    // Figures of this row computed on less history than they need (app/data-span.ts); [] when complete.
    out.partial = partial.filter((p) => p.months.includes(String(row.month))).map((p) => p.figure);
    return out;
  });
}

