import type { ShownLang } from '../../domain/numeric/shown.ts';
import type { ShownContext } from '../shown.ts';
import type { SegmentsReport } from './segments.ts';

/**
 * The built-in descriptions carry both languages ("基础业务: basic TV only"); the output shows
 * the one asked for. A user's own descriptions are data and are shown as written.
 */
export function segmentDescription(text: string, lang: ShownLang): string {
  if (text === "every opening account (the month's base)") return lang === 'en' ? text : '当月期初全部在网账户（当月基数）';
  if (text === 'in none of the segments above') return lang === 'en' ? text : '不属于以上任何细分';
  const tier = /^value tier (\S+): value at stake at the start of the month, the base's percentile as in tenure value$/.exec(text);
  if (tier) return lang === 'en' ? text : `价值层 ${tier[1] ?? ''}：月初的在网价值，按全体客户的百分位划分（与 tenure value 相同）`;
  const pair = /^([^:]*[\u3400-\u9fff][^:]*): (.+)$/.exec(text);
  if (pair && !/[\u3400-\u9fff]/.test(pair[2] ?? '')) return lang === 'en' ? (pair[2] as string) : (pair[1] as string);
  return text;
}

/** `tenure segments --json` and the API's segments document: descriptions in the output's language. */
export function segmentsJson(report: SegmentsReport, out: ShownContext) {
  const trends = report.trends.map((t) => ({ ...t, description: segmentDescription(t.description, out.lang) }));
  const definitions = report.definitions.map((d) => ({ ...d, description: segmentDescription(d.description, out.lang) }));
  return { ...report, currency: out.currency, definitions, trends };
}
