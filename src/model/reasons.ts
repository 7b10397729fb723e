/**
 * Turns SHAP contributions into phrases an agent can read. The caller supplies feature
 * metadata (labels in English and Chinese, unit, an optional reference value such as a
 * segment average, or a template); flat tables use the column name and the training median.
 */
export type Lang = 'en' | 'zh';

export interface Text {
  en: string;
  zh?: string;
}

export interface FeatureMeta {
  name: string;
  label?: Text;
  unit?: Text;
  /** A comparison point, e.g. { value: 0.02, label: { en: 'region average', zh: '地区平均' } }. */
  reference?: { value: number; label: Text };
  /** Overrides the phrase; {value}, {unit}, {reference}, {ratio} are filled in. */
  template?: Text;
}

export interface Reason {
  feature: string;
  /** Contribution to the log-odds; positive raises the churn risk. */
  contribution: number;
  text: string;
}

const pick = (t: Text | undefined, lang: Lang): string | undefined => (t ? (lang === 'zh' ? (t.zh ?? t.en) : t.en) : undefined);

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toPrecision(3);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toFixed(a >= 100 ? 1 : a >= 1 ? 2 : 3)));
}

/** "dropped-call rate 3.1× region average", "contract ends in 30 days", "Contract = Month-to-month". */
export function describeFeature(meta: FeatureMeta, value: number | string | null, lang: Lang = 'en'): string {
  const label = pick(meta.label, lang) ?? meta.name;
  if (value === null || (typeof value === 'number' && Number.isNaN(value))) return lang === 'zh' ? `${label}缺失` : `${label} missing`;
  if (typeof value === 'string') return lang === 'zh' ? `${label}为${value}` : `${label} = ${value}`;
  const unit = pick(meta.unit, lang);
  const withUnit = unit ? (lang === 'zh' ? `${formatNumber(value)}${unit}` : `${formatNumber(value)} ${unit}`) : formatNumber(value);
  const ref = meta.reference;
  const ratio = ref && ref.value > 0 && value >= 0 ? value / ref.value : Number.NaN;
  const template = pick(meta.template, lang);
  if (template) {
    return template
      .replaceAll('{value}', formatNumber(value))
      .replaceAll('{unit}', unit ?? '')
      .replaceAll('{reference}', ref ? formatNumber(ref.value) : '')
      .replaceAll('{ratio}', Number.isFinite(ratio) ? ratio.toFixed(1) : '');
  }
  if (!ref) return lang === 'zh' ? `${label}为${withUnit}` : `${label} ${withUnit}`;
  const refLabel = pick(ref.label, lang) ?? '';
  if (Number.isFinite(ratio) && value > 0 && (ratio >= 1.5 || ratio <= 2 / 3)) {
    return lang === 'zh' ? `${label}为${refLabel}的${ratio.toFixed(1)}倍` : `${label} ${ratio.toFixed(1)}× ${refLabel}`;
  }
  return lang === 'zh' ? `${label}${withUnit}（${refLabel}${formatNumber(ref.value)}）` : `${label} ${withUnit} (${refLabel} ${formatNumber(ref.value)})`;
}

/** The k contributions largest in absolute value, largest first (ties: lower feature index first). */
export function topContributions(phi: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: phi.length }, (_, i) => i).filter((i) => (phi[i] as number) !== 0);
  idx.sort((a, b) => Math.abs(phi[b] as number) - Math.abs(phi[a] as number) || a - b);
  return idx.slice(0, k);
}

/**
 * The k largest positive values of phi[offset, offset + n), largest first (ties: lower index
 * first), as indexes relative to offset: topContributions' order restricted to values that
 * raise the score, without sorting every feature of every row.
 */
export function topPositive(phi: ArrayLike<number>, offset: number, n: number, k: number): number[] {
  // No closure here: it runs once per scored customer (and a transpiler may wrap closures).
  const top: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = phi[offset + i] as number;
    if (!(v > 0) || k <= 0) continue;
    if (top.length < k) top.push(i);
    else if (v > (phi[offset + (top[k - 1] as number)] as number)) top[k - 1] = i;
    else continue;
    // Move the new entry up past smaller values; an equal value keeps the lower index first.
    for (let j = top.length - 1; j > 0 && v > (phi[offset + (top[j - 1] as number)] as number); j--) {
      top[j] = top[j - 1] as number;
      top[j - 1] = i;
    }
  }
  return top;
}

export function formatReason(r: Reason): string {
  const sign = r.contribution >= 0 ? '+' : '−';
  return `${r.text} (${sign}${Math.abs(r.contribution).toFixed(2)})`;
}
