/**
 * The operator's own columns as churn-model features (issue 11.1). The contract lets an export
 * carry `x_` columns, stored as wide columns (store/wide-extras.ts): measures in monthly_usage,
 * attributes in customers. Operators put their strongest signals there (outage hours, handset
 * tier, package codes), so the model reads them the way it reads the contract's own:
 *
 * - every x_ usage measure M gives `M_3m`, its monthly mean over the last 3 months up to the
 *   as-of month, and `M_trend`, that mean against the mean of the 3 months before, as a
 *   relative change ((last − previous) / |previous|; missing when either is); `M_last`, the
 *   as-of month's own value, and `M_last_change`, that value against the mean of the 5 months
 *   before it (the freshest signal, as features.ts's RECENT_FEATURES);
 * - every numeric x_ customer attribute is a numeric feature, every text attribute with at most
 *   MAX_ATTRIBUTE_CATEGORIES distinct values a categorical one. A text attribute with more
 *   values is an identifier or free text (an ID-card number, a note), not a feature: left out.
 *
 * Time-honesty: usage is read up to the as-of month only, as features.ts does. An attribute
 * has no history in the contract, so the model reads its value in the latest export, as it
 * reads gender or customer type; an attribute that records the exit itself (a status code set
 * at disconnection) would leak the label, which the holdout AUC would show as too good to be true.
 *
 * Privacy: x_ customer attributes are personal by default (domain/privacy/masking.ts): the
 * 360 view masks them, and Tenure cannot tell an ID-card number from a segment code. Using them
 * as features is fine, but a reason is stored and shown to every role, so a reason on an
 * attribute never prints its value: a text attribute reads as how often its category churns
 * against the usual rate ("x_segment: this customer's group churns at 2.3× the usual rate"),
 * a numeric one as its band among the scored base ("x_credit_score in the lowest 10 %").
 * Usage measures are numbers the contract shows (masking's 'shown'), so their reasons give
 * the value and the typical level.
 */
import { formatNumber, type Lang } from '../../model/reasons.ts';
import type { ColumnSet as ModelColumns } from '../../model/columns.ts';
import type { AnalyticsStore, ColumnSet } from '../../store/port.ts';
import type { Dialect } from '../../store/dialect.ts';
import { quoteIdent as q } from '../../store/schema.ts';
import { storedExtras } from '../../store/wide-extras.ts';
import { TenureError } from '../errors.ts';
import { exactSumSql } from '../lifecycle/stages-sql.ts';
import { CLOSING_BASE_WHERE, onlyCustomersSql, type FeatureSpec } from './features.ts';

/** Text attributes with more distinct values than this are identifiers or free text, not categories. */
export const MAX_ATTRIBUTE_CATEGORIES = 50;

export type ExtraStat = 'mean_3m' | 'trend' | 'last' | 'last_change' | 'value';

export interface ExtraFeature extends FeatureSpec {
  readonly source: 'monthly_usage' | 'customers';
  /** The x_ column it is computed from. */
  readonly column: string;
  readonly stat: ExtraStat;
  /** Categorical attributes: the training rows' churn rate per category ('' = blank) and overall, for reasons. */
  readonly rates?: { readonly overall: number; readonly byValue: Readonly<Record<string, number>> };
}

export function isExtraFeature(f: FeatureSpec): f is ExtraFeature {
  return 'source' in f && 'column' in f && 'stat' in f;
}

function usageFeatures(column: string): ExtraFeature[] {
  return [
    { name: `${column}_3m`, kind: 'numeric', zh: `${column}近3月月均`, en: `${column}, last 3 months' mean`, source: 'monthly_usage', column, stat: 'mean_3m' },
    { name: `${column}_trend`, kind: 'numeric', zh: `${column}变化`, en: `${column} change`, unit: 'ratio', source: 'monthly_usage', column, stat: 'trend' },
    { name: `${column}_last`, kind: 'numeric', zh: `${column}上月`, en: `${column}, last month`, source: 'monthly_usage', column, stat: 'last' },
    { name: `${column}_last_change`, kind: 'numeric', zh: `${column}上月较前5月变化`, en: `${column} last month, change`, unit: 'ratio', source: 'monthly_usage', column, stat: 'last_change' },
  ];
}

/**
 * The x_ features the store's columns give, in a fixed order (attributes, then measures, each in
 * column order). Text attributes are counted once over all customers: one query.
 */
export async function discoverExtraFeatures(store: AnalyticsStore): Promise<ExtraFeature[]> {
  const attributes = await storedExtras(store, 'customers');
  const measures = await storedExtras(store, 'monthly_usage');
  const texts = attributes.filter((a) => a.type === 'text');
  const distinct = new Map<string, number>();
  if (texts.length > 0) {
    // An exact count: approx_count_distinct could put a 52-value column under the limit.
    const [row] = await store.query<Record<string, number>>(`SELECT ${texts.map((a, i) => `count(DISTINCT ${q(a.name)}) AS d${i}`).join(', ')} FROM customers`);
    texts.forEach((a, i) => distinct.set(a.name, Number(row?.[`d${i}`] ?? 0)));
  }
  const out: ExtraFeature[] = [];
  for (const a of attributes) {
    if (a.type === 'number') out.push({ name: a.name, kind: 'numeric', zh: a.name, en: a.name, source: 'customers', column: a.name, stat: 'value' });
    else {
      const d = distinct.get(a.name) ?? 0;
      if (d >= 1 && d <= MAX_ATTRIBUTE_CATEGORIES) out.push({ name: a.name, kind: 'categorical', zh: a.name, en: a.name, source: 'customers', column: a.name, stat: 'value' });
    }
  }
  for (const m of measures) out.push(...usageFeatures(m.name));
  // An attribute named like a measure's feature (x_a_3m beside x_a) keeps its name; the measure's feature is prefixed.
  const taken = new Set<string>();
  return out.map((f) => {
    const name = taken.has(f.name) ? `${f.source}.${f.name}` : f.name;
    taken.add(name);
    return name === f.name ? f : { ...f, name };
  });
}

/**
 * Checks that the store still has the x_ columns a model reads, of the kind it read: a re-import
 * can turn a numeric attribute into text (a file brought a value that is not a number).
 */
export async function requireExtraColumns(store: AnalyticsStore, extras: readonly ExtraFeature[], model: string): Promise<void> {
  if (extras.length === 0) return;
  const have = new Map<string, string>();
  for (const table of ['customers', 'monthly_usage'] as const) for (const x of await storedExtras(store, table)) have.set(`${table}.${x.name}`, x.type);
  for (const f of extras) {
    const type = have.get(`${f.source}.${f.column}`);
    const wanted = f.source === 'monthly_usage' || f.kind === 'numeric' ? 'number' : 'text';
    if (type !== wanted) {
      const now = type === undefined ? 'the store has no such column' : `the store holds it as ${type} now`;
      throw new TenureError('BAD_INPUT', `the churn model ${model} reads ${f.source}.${f.column} as ${wanted === 'number' ? 'a number' : 'text'}, but ${now}; train a new one with \`tenure model train\``);
    }
  }
}

/**
 * The x_ features of the closing base of the month starting at `$1`, in customer_id order, the
 * same rows and order as features.ts (the same base and sample; `$2` = permille kept), so the
 * columns line up without a join in the common case.
 */
export function extraFeaturesSql(d: Dialect, extras: readonly ExtraFeature[], only: string | null = null): string {
  const attrs = extras.filter((f) => f.source === 'customers');
  const measures = [...new Set(extras.filter((f) => f.source === 'monthly_usage').map((f) => f.column))];
  const recent = `u.month >= CAST($1 AS DATE) - INTERVAL '2 month'`;
  const before = `u.month < CAST($1 AS DATE)`;
  // Means in whole millionths (exactSumSql): the same features whatever order the threads add bills in.
  const aggs = measures.flatMap((m, i) => [
    `${exactSumSql(`CASE WHEN ${recent} THEN u.${q(m)} END`)} / nullif(count(CASE WHEN ${recent} THEN u.${q(m)} END), 0) AS m${i}`,
    `${exactSumSql(`CASE WHEN NOT (${recent}) THEN u.${q(m)} END`)} / nullif(count(CASE WHEN NOT (${recent}) THEN u.${q(m)} END), 0) AS p${i}`,
    `max(CASE WHEN u.month = CAST($1 AS DATE) THEN u.${q(m)} END) AS l${i}`,
    `${exactSumSql(`CASE WHEN ${before} THEN u.${q(m)} END`)} / nullif(count(CASE WHEN ${before} THEN u.${q(m)} END), 0) AS b${i}`,
  ]);
  const index = new Map(measures.map((m, i) => [m, i]));
  const select = extras.map((f) => {
    if (f.source === 'customers') return `b.${q(f.column)} AS ${q(f.name)}`;
    const i = index.get(f.column) as number;
    switch (f.stat) {
      case 'mean_3m':
        return `CAST(x.m${i} AS ${d.double}) AS ${q(f.name)}`;
      case 'last':
        return `CAST(x.l${i} AS ${d.double}) AS ${q(f.name)}`;
      case 'last_change':
        return `CAST((x.l${i} - x.b${i}) / nullif(abs(x.b${i}), 0) AS ${d.double}) AS ${q(f.name)}`;
      default:
        return `CAST((x.m${i} - x.p${i}) / nullif(abs(x.p${i}), 0) AS ${d.double}) AS ${q(f.name)}`;
    }
  });
  const usage = measures.length
    ? `, x AS (
    SELECT u.customer_id, ${aggs.join(', ')}
    FROM monthly_usage u JOIN base b USING (customer_id)
    WHERE u.month >= CAST($1 AS DATE) - INTERVAL '5 month' AND u.month <= CAST($1 AS DATE)
    GROUP BY u.customer_id)`
    : '';
  return `WITH base AS (
    SELECT c.customer_id${attrs.map((f) => `, c.${q(f.column)}`).join('')} FROM customers c
    WHERE ${CLOSING_BASE_WHERE}
      AND (CAST($2 AS INTEGER) >= 1000 OR ${d.md5LowBucket('c.customer_id', 1000)} < CAST($2 AS INTEGER))${onlyCustomersSql(only)})${usage}
  SELECT b.customer_id${select.map((s) => `, ${s}`).join('')}
  FROM base b${measures.length ? ' LEFT JOIN x USING (customer_id)' : ''}
  ORDER BY b.customer_id`;
}

/** `set` (features.ts's columns) with the x_ features added, row for row. */
export async function withExtraFeatures(
  store: AnalyticsStore,
  set: ColumnSet,
  asOfStart: string,
  samplePermille: number,
  extras: readonly ExtraFeature[],
  only: string | null = null,
): Promise<ColumnSet> {
  if (extras.length === 0) return set;
  const x = await store.queryColumns(extraFeaturesSql(store.dialect, extras, only), [asOfStart, samplePermille]);
  const ids = set.columns.customer_id as readonly (string | null)[];
  const xids = x.columns.customer_id as readonly (string | null)[];
  let aligned = x.rowCount === set.rowCount;
  for (let i = 0; aligned && i < ids.length; i++) aligned = ids[i] === xids[i];
  // Both queries read the same base in the same order; should they ever differ (a change to
  // one base and not the other), rows are matched by customer_id rather than by position.
  const at = aligned ? null : new Map(xids.map((id, i) => [id, i]));
  const columns: Record<string, ColumnSet['columns'][string]> = { ...set.columns };
  for (const f of extras) {
    const col = x.columns[f.name];
    if (col === undefined) throw new TenureError('INTERNAL', `x_ feature query lacks ${f.name}`);
    if (!at) columns[f.name] = col;
    else if (col instanceof Float64Array) columns[f.name] = Float64Array.from(ids, (id) => col[at.get(id) ?? -1] ?? Number.NaN);
    else columns[f.name] = ids.map((id) => col[at.get(id) ?? -1] ?? null);
  }
  return { rowCount: set.rowCount, names: [...set.names, ...extras.map((f) => f.name)], columns };
}

/**
 * Each categorical x_ feature with the training rows' churn rate per category (blank as ''),
 * for the reasons (the category itself is never printed). `features` lists the learner input's
 * columns in order; `parts` are the training snapshots.
 */
export function withCategoryRates(features: readonly FeatureSpec[], parts: readonly { readonly columns: ModelColumns; readonly label: Uint8Array }[]): FeatureSpec[] {
  let rows = 0;
  let positives = 0;
  for (const part of parts) {
    rows += part.label.length;
    for (const v of part.label) positives += v;
  }
  const overall = rows ? positives / rows : 0;
  return features.map((f, j) => {
    if (!isExtraFeature(f) || f.kind !== 'categorical') return f;
    const n = new Map<string, number>();
    const p = new Map<string, number>();
    for (const part of parts) {
      const col = part.columns.columns[j];
      if (col?.kind !== 'categorical') return f;
      for (let i = 0; i < col.codes.length; i++) {
        const code = col.codes[i] as number;
        const key = code < 0 ? '' : (col.vocabulary[code] as string);
        n.set(key, (n.get(key) ?? 0) + 1);
        p.set(key, (p.get(key) ?? 0) + (part.label[i] as number));
      }
    }
    const byValue: Record<string, number> = {};
    for (const [key, count] of [...n].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) byValue[key] = (p.get(key) ?? 0) / count;
    return { ...f, rates: { overall, byValue } };
  });
}

/** What a stored model keeps of its x_ features (its JSON's `source.extras`), checked. */
export function extrasFromSource(source: unknown): ExtraFeature[] {
  const list = source !== null && typeof source === 'object' && 'extras' in source ? (source as { extras: unknown }).extras : undefined;
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > 10_000) throw new Error('source.extras is not a list of x_ features');
  return list.map((raw, i): ExtraFeature => {
    const f = raw as Partial<ExtraFeature> | null;
    const ok =
      f !== null &&
      typeof f === 'object' &&
      typeof f.name === 'string' &&
      typeof f.column === 'string' &&
      f.column.startsWith('x_') &&
      (f.kind === 'numeric' || f.kind === 'categorical') &&
      (f.source === 'customers' || f.source === 'monthly_usage') &&
      (f.source === 'customers' ? f.stat === 'value' : f.stat === 'mean_3m' || f.stat === 'trend' || f.stat === 'last' || f.stat === 'last_change') &&
      (f.rates === undefined || (typeof f.rates === 'object' && f.rates !== null && typeof f.rates.overall === 'number' && typeof f.rates.byValue === 'object'));
    if (!ok) throw new Error(`source.extras[${i}] is not an x_ feature`);
    const base = f.source === 'monthly_usage' ? usageFeatures(f.column).find((u) => u.stat === f.stat) : undefined;
    const label = { zh: base?.zh ?? f.column, en: base?.en ?? f.column };
    return {
      name: f.name,
      kind: f.kind,
      ...label,
      ...(base?.unit ? { unit: base.unit } : {}),
      source: f.source,
      column: f.column,
      stat: f.stat,
      ...(f.rates ? { rates: { overall: Number(f.rates.overall), byValue: { ...f.rates.byValue } } } : {}),
    } as ExtraFeature;
  });
}

/** The JSON kept with a model for its x_ features (rebuilt by extrasFromSource). */
export function extrasToSource(features: readonly FeatureSpec[]): object[] {
  return features.filter(isExtraFeature).map((f) => ({ name: f.name, kind: f.kind, source: f.source, column: f.column, stat: f.stat, ...(f.rates ? { rates: f.rates } : {}) }));
}

/** Up to 20,001 evenly spaced non-missing values, sorted: the base's distribution for typical levels and bands. */
function sortedSample(values: Float64Array): Float64Array {
  const step = Math.max(1, Math.floor(values.length / 20_001));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) sample.push(v);
  }
  return Float64Array.from(sample).sort();
}

/** Share of the sample below v (ties count half). */
function percentile(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  let eq = lo;
  while (eq < sorted.length && sorted[eq] === v) eq++;
  return sorted.length ? (lo + (eq - lo) / 2) / sorted.length : Number.NaN;
}

const ratioText = (r: number) => (r >= 10 ? r.toFixed(0) : r.toFixed(1));

/**
 * How an x_ feature reads in a reason, given the scored base's column (the typical level and
 * the bands come from it). Values of customer attributes are never printed (module comment).
 */
export function extraReason(f: ExtraFeature, values: Float64Array | null): (value: number | string | null, lang: Lang) => string {
  const c = f.column;
  const sorted = values ? sortedSample(values) : new Float64Array(0);
  const typical = sorted.length ? (sorted[sorted.length >> 1] as number) : Number.NaN;
  const missing = (lang: Lang) => (lang === 'zh' ? `${c}缺失` : `${c} missing`);
  if (f.source === 'monthly_usage' && f.stat === 'trend') {
    return (v, lang) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return lang === 'zh' ? `${c}前3个月无可比数据` : `${c}: no earlier months to compare`;
      const pct = `${v >= 0 ? '+' : ''}${formatNumber(Math.round(v * 1000) / 10)}%`;
      return lang === 'zh' ? `${c}较前3个月${pct}` : `${c} ${pct} vs the previous 3 months`;
    };
  }
  if (f.source === 'monthly_usage' && f.stat === 'last_change') {
    return (v, lang) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return lang === 'zh' ? `${c}前5个月无可比数据` : `${c}: no earlier months to compare`;
      const pct = `${v >= 0 ? '+' : ''}${formatNumber(Math.round(v * 1000) / 10)}%`;
      return lang === 'zh' ? `${c}上月较前5个月${pct}` : `${c} last month ${pct} vs the 5 months before`;
    };
  }
  if (f.source === 'monthly_usage' && f.stat === 'last') {
    return (v, lang) => {
      if (typeof v !== 'number' || Number.isNaN(v)) return missing(lang);
      const t = Number.isFinite(typical) ? formatNumber(typical) : '-';
      return lang === 'zh' ? `${c}上月${formatNumber(v)}（一般水平${t}）` : `${c} ${formatNumber(v)} last month (typical ${t})`;
    };
  }
  if (f.source === 'monthly_usage') {
    return (v, lang) => {
      if (typeof v !== 'number' || Number.isNaN(v)) return missing(lang);
      const ratio = typical > 0 && v >= 0 ? v / typical : Number.NaN;
      if (Number.isFinite(ratio) && v > 0 && (ratio >= 1.5 || ratio <= 2 / 3)) {
        return lang === 'zh' ? `${c}近3月月均${formatNumber(v)}，为一般水平的${ratioText(ratio)}倍` : `${c} ${formatNumber(v)} a month over the last 3 months, ${ratioText(ratio)}× typical`;
      }
      const t = Number.isFinite(typical) ? formatNumber(typical) : '-';
      return lang === 'zh' ? `${c}近3月月均${formatNumber(v)}（一般水平${t}）` : `${c} ${formatNumber(v)} a month over the last 3 months (typical ${t})`;
    };
  }
  if (f.kind === 'categorical') {
    return (v, lang) => {
      const key = typeof v === 'string' ? v : '';
      const rate = f.rates?.byValue[key];
      const overall = f.rates?.overall ?? Number.NaN;
      if (rate === undefined || !(overall > 0)) return lang === 'zh' ? `${c}（取值已脱敏）` : `${c} (value masked)`;
      const r = ratioText(rate / overall);
      if (key === '') return lang === 'zh' ? `${c}为空，此类客户流失率为一般水平的${r}倍` : `${c} blank: such accounts churn at ${r}× the usual rate`;
      return lang === 'zh' ? `${c}：该客户所属类别的流失率为一般水平的${r}倍` : `${c}: this customer's group churns at ${r}× the usual rate`;
    };
  }
  return (v, lang) => {
    if (typeof v !== 'number' || Number.isNaN(v)) return missing(lang);
    const p = percentile(sorted, v);
    if (!Number.isFinite(p)) return lang === 'zh' ? `${c}（取值已脱敏）` : `${c} (value masked)`;
    const band =
      p < 0.1 ? { en: 'in the lowest 10 % of customers', zh: '处于最低的10%' } : p < 0.5 ? { en: 'below the median', zh: '低于中位数' } : p < 0.9 ? { en: 'above the median', zh: '高于中位数' } : { en: 'in the highest 10 % of customers', zh: '处于最高的10%' };
    return lang === 'zh' ? `${c}${band.zh}` : `${c} ${band.en}`;
  };
}
