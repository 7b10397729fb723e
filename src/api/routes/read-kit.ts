import { z } from '@hono/zod-openapi';
import type { ShownLang } from '../../domain/numeric/shown.ts';
import { ERROR_RESPONSES } from '../app.ts';

/**
 * What the read routes share: query schemas (months YYYY-MM, dates, languages, paging), the
 * JSON response entry of the document, list paging in headers and CSV text for exports.
 */
export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month written YYYY-MM');
export const Day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date written YYYY-MM-DD');
export const Lang = z.enum(['zh-CN', 'en']).default('zh-CN');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO 4217 code');
export const Id = z.string().min(1).max(64).refine((t) => ![...t].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20), 'printable text');
export const Flag = z.enum(['true', 'false']).default('false');
export const Json = z.record(z.string(), z.unknown());
export const Paging = { offset: z.coerce.number().int().min(0).max(10_000_000).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) };
export const whole = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const json = (description: string, schema: z.ZodType = Json) => ({ 200: { description, content: { 'application/json': { schema } } }, ...ERROR_RESPONSES });

export const labelLang = (lang: ShownLang): 'zh' | 'en' => (lang === 'en' ? 'en' : 'zh');

interface PagingContext {
  header: (k: string, v: string) => void;
  req: { url: string };
}

/** The total and the next page of a list in headers (X-Total-Count, Link rel="next"). */
export function pageHeaders(c: PagingContext, total: number, offset: number, limit: number): void {
  c.header('X-Total-Count', String(total));
  if (offset + limit < total) {
    const next = new URL(c.req.url);
    next.searchParams.set('offset', String(offset + limit));
    next.searchParams.set('limit', String(limit));
    c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
  }
}

/** A slice of rows, with the paging headers. */
export function paged<T>(c: PagingContext, rows: readonly T[], offset: number, limit: number): T[] {
  pageHeaders(c, rows.length, offset, limit);
  return rows.slice(offset, offset + limit);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  // A spreadsheet runs a cell starting with = + - @ as a formula: neutralise text that is not a number.
  if (/^[=+\-@\t\r]/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\n\r']/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text: a header and one line per row, formula-looking text neutralised. */
export function csvText(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  return [columns.join(','), ...rows.map((r) => columns.map((k) => csvCell(r[k])).join(','))].join('\n') + '\n';
}
