import { calibrateAll } from '../../model/calibration.ts';
import { Explainer } from '../../model/explain.ts';
import { contributionsParallel } from '../../model/explain-parallel.ts';
import { GbdtModel } from '../../model/model.ts';
import { describeFeature, topPositive, type FeatureMeta, type Lang } from '../../model/reasons.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { ageBand } from '../../domain/privacy/masking.ts';
import { TenureError } from '../errors.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE } from '../value/value-snapshot.ts';
import { CUSTOMER_FEATURES, buildCustomerFeatures, type FeatureSpec } from './features.ts';
import { MIN_HISTORY_MONTHS, toModelColumns } from './train.ts';
import { extraReason, extrasFromSource, isExtraFeature, requireExtraColumns, type ExtraFeature } from './extra-features.ts';
import { dataSpan, partialHistory, resolveMonth, type DataSpan, type PartialCoverage } from '../data-span.ts';
import { requireWritable } from '../../store/access.ts';
import { expectedLoss } from './expected-loss.ts';
import { keepScoreContext } from './score-context.ts';
import { bumpDataGeneration } from '../data-generation.ts';

/**
 * Scores the closing base of a month with the latest churn model: probability, the money at
 * stake and the top reasons in words an agent can use. Scores are written to `churn_scores`
 * with the model version, so lifecycle and the forecast can read them.
 *
 * Expected loss = churn probability (within the model's horizon) × value at stake, where value
 * at stake is the customer's current value of `tenure value` (recent margin × the cohort's
 * discounted expected lifetime at its tenure; value/customer-value.ts), which never reads the
 * score: risk counts once. A negative value at stake (a loss-making customer) counts as 0.
 */
export const TOP_REASONS = 3;
export const EXPECTED_LOSS_DEFINITION = 'churn_probability × max(0, value at stake); value at stake = recent monthly margin × discounted expected lifetime of the join-month cohorts at the customer\'s tenure';

/** Value at stake per live customer at the end of `asOf` (the kept value snapshot, default parameters). */
export async function valueAtStake(store: AnalyticsStore, asOf: string): Promise<Map<string, number>> {
  const { key } = await ensureValueSnapshot(store, asOf, DEFAULT_VALUE_PARAMETERS, await baseSbg(store));
  const set = await store.queryColumns(`SELECT customer_id, current_value FROM ${SNAPSHOT_TABLE} WHERE snapshot_key = $1 AND as_of = CAST($2 AS DATE)`, [key, `${asOf}-01`]);
  const ids = set.columns.customer_id as readonly (string | null)[];
  const values = set.columns.current_value as Float64Array;
  const out = new Map<string, number>();
  for (let i = 0; i < set.rowCount; i++) out.set(String(ids[i]), values[i] as number);
  return out;
}

export interface ScoreOptions {
  readonly asOf?: string;
  readonly lang?: Lang;
  /** Called after each phase with its wall time (features, explain, reasons, write, keep). */
  readonly onPhase?: (phase: ScorePhase, seconds: number) => void;
}

export type ScorePhase = 'features' | 'explain' | 'reasons' | 'write' | 'keep';

export interface CustomerScore {
  readonly customer_id: string;
  readonly churn_probability: number;
  readonly expected_loss: number;
  readonly top_reasons: readonly string[];
  /** The model feature behind each of top_reasons, same order (machine output names it). */
  readonly top_features: readonly string[];
}

export interface ScoreRun {
  readonly modelVersion: string;
  readonly asOf: string;
  readonly scores: readonly CustomerScore[];
  /** The features read less history than they need (empty: complete); see app/data-span.ts. */
  readonly partial_coverage: PartialCoverage[];
}

/** The model's features compare the last 3 months with the 3 before: 6 months of bills up to the as-of month. */
export function featurePartial(span: DataSpan, asOf: string): PartialCoverage[] {
  return partialHistory(span, [asOf], 'features', MIN_HISTORY_MONTHS, 'month', `the churn model's features read ${MIN_HISTORY_MONTHS} months of bills up to the as-of month (the last 3 months against the 3 before)`);
}

export type StoredModel = {
  readonly model_version: string;
  readonly model_json: string;
};

export async function latestChurnModel(store: AnalyticsStore): Promise<{ version: string; model: GbdtModel; extras: ExtraFeature[] }> {
  const [row] = await store.query<StoredModel>(
    'SELECT model_version, model_json FROM churn_models ORDER BY created_at DESC LIMIT 1',
  );
  if (!row) throw new TenureError('NO_DATA', 'no churn model in the store; run `tenure model train` first');
  return { version: row.model_version, ...readStoredChurnModel(row, store.location) };
}

/**
 * A stored model checked like a model file: the store is a file too, and a model row that was
 * edited or damaged must be an error naming it, not a hang or an internal error. It must also
 * read the features this build computes, in the same order.
 */
export function storedChurnModel(row: StoredModel, location: string): GbdtModel {
  return readStoredChurnModel(row, location).model;
}

/** The stored model and the x_ features it reads after the contract's (extra-features.ts), both checked. */
export function readStoredChurnModel(row: StoredModel, location: string): { model: GbdtModel; extras: ExtraFeature[] } {
  const where = { file: `${location} (churn_models, model ${row.model_version})` };
  let model: GbdtModel;
  let extras: ExtraFeature[];
  try {
    const json = JSON.parse(row.model_json) as unknown;
    model = GbdtModel.fromJSON(json);
    extras = extrasFromSource((json as { source?: unknown }).source);
  } catch (err) {
    throw new TenureError('BAD_INPUT', `the stored churn model is not usable: ${err instanceof Error ? err.message : String(err)}; train a new one with \`tenure model train\``, where);
  }
  const expected = [...CUSTOMER_FEATURES, ...extras].map((f) => f.name);
  if (model.featureNames.join('\u0000') !== expected.join('\u0000')) {
    throw new TenureError('BAD_INPUT', `the stored churn model reads other features than this version of Tenure computes; train a new one with \`tenure model train\``, where);
  }
  return { model, extras };
}

const UNIT_TEXT: Record<NonNullable<FeatureSpec['unit']>, { en: string; zh: string } | undefined> = {
  months: { en: 'months', zh: '个月' },
  years: { en: 'years', zh: '岁' },
  currency: { en: 'CNY', zh: '元' },
  ratio: undefined,
  days: { en: 'days', zh: '天' },
  count: undefined,
  per_month: { en: 'a month', zh: '次/月' },
  minutes: { en: 'min', zh: '分钟' },
  mb: { en: 'MB', zh: 'MB' },
  hours: { en: 'h', zh: '小时' },
};

/** Median of up to 20,001 evenly spaced non-missing values: a robust "typical customer" reference. */
function typicalValue(values: Float64Array): number {
  const step = Math.max(1, Math.floor(values.length / 20_001));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) sample.push(v);
  }
  sample.sort((a, b) => a - b);
  return sample.length ? (sample[sample.length >> 1] as number) : Number.NaN;
}

/**
 * How a feature reads in a reason. Shares read as percentages against the typical customer,
 * trends as a signed change against the previous three months, amounts against the typical
 * customer as a multiple ("3.1× typical"); tenure and age need no comparison.
 */
export interface ReasonFeature {
  readonly meta: FeatureMeta;
  /** Maps the raw feature value to the number shown. */
  readonly scale: number;
  /** Words the reason itself (the operator's x_ features: extra-features.ts), instead of describeFeature. */
  readonly describe?: (value: number | string | null, lang: Lang) => string;
}

export function reasonFeature(spec: FeatureSpec, values: Float64Array | null): ReasonFeature {
  const label = { en: spec.en, zh: spec.zh };
  if (isExtraFeature(spec)) return { meta: { name: spec.name, label }, scale: 1, describe: extraReason(spec, values) };
  const typical = values ? typicalValue(values) : Number.NaN;
  const reference = (scale: number) =>
    Number.isFinite(typical) && typical > 0 ? { reference: { value: typical * scale, label: { en: 'typical', zh: '一般水平' } } } : {};
  if (spec.unit === 'ratio' && spec.name.endsWith('_trend')) {
    return {
      meta: { name: spec.name, label, template: { en: `${spec.en} {value}% vs the previous 3 months`, zh: `${spec.zh}{value}%（较前3个月）` } },
      scale: 100,
    };
  }
  if (spec.unit === 'ratio' && spec.name.endsWith('_last_change')) {
    return {
      meta: { name: spec.name, label, template: { en: `${spec.en} {value}% vs the 5 months before`, zh: `${spec.zh}{value}%` } },
      scale: 100,
    };
  }
  if (spec.unit === 'ratio') return { meta: { name: spec.name, label, unit: { en: '%', zh: '%' }, ...reference(100) }, scale: 100 };
  const unit = spec.unit ? UNIT_TEXT[spec.unit] : undefined;
  const comparable = spec.unit !== undefined && spec.unit !== 'months' && spec.unit !== 'years';
  return { meta: { name: spec.name, label, ...(unit ? { unit } : {}), ...(comparable ? reference(1) : {}) }, scale: 1 };
}

export async function scoreCustomers(store: AnalyticsStore, options: ScoreOptions = {}): Promise<ScoreRun> {
  requireWritable(store, 'scoring');
  // The month first: a month outside the data scores and stores nothing.
  const span = await dataSpan(store);
  const asOf = resolveMonth('--as-of', options.asOf, span);
  const partial = featurePartial(span, asOf);
  const { version, model, extras } = await latestChurnModel(store);
  await requireExtraColumns(store, extras, version);
  const modelFeatures: readonly FeatureSpec[] = [...CUSTOMER_FEATURES, ...extras];
  const lang = options.lang ?? 'zh';
  let t = performance.now();
  const phase = (name: ScorePhase) => {
    const now = performance.now();
    options.onPhase?.(name, (now - t) / 1000);
    t = now;
  };
  const raw = await buildCustomerFeatures(store, asOf, 1, 1000, extras);
  if (raw.rowCount === 0) throw new TenureError('NO_DATA', `no active customers at the end of ${asOf}`);
  const columns = toModelColumns(raw, modelFeatures);
  const bins = model.bin(columns);
  const n = columns.rowCount;

  const shown = modelFeatures.map((f) => {
    const v = raw.columns[f.name];
    return reasonFeature(f, v instanceof Float64Array ? v : null);
  });
  // Value at stake (the kept value snapshot, which needs no score): part of gathering the inputs.
  const stake = await valueAtStake(store, asOf);
  phase('features');
  const explainer = new Explainer(model);
  const nf = explainer.featureCount;
  // Exact TreeSHAP for every customer, on both cores; row-major n × features.
  const phi = await contributionsParallel(explainer, bins, n);
  // Exact SHAP values sum to the margin, so the probabilities need no second pass over the trees.
  const margin = new Float64Array(n).fill(explainer.expectedValue);
  for (let row = 0; row < n; row++) {
    let sum = 0;
    for (let j = row * nf; j < (row + 1) * nf; j++) sum += phi[j] as number;
    margin[row]! += sum;
  }
  phase('explain');
  const probability = calibrateAll(model.calibration, margin);
  const ids = raw.columns.customer_id as readonly (string | null)[];
  const scores: CustomerScore[] = new Array(n);
  const featureColumns = modelFeatures.map((f) => raw.columns[f.name]);
  const ageIndex = modelFeatures.findIndex((f) => f.name === 'age');
  for (let row = 0; row < n; row++) {
    // Reasons explain risk: only contributions that raise it are worth an agent's time.
    // (Plain loops, no per-row closures: this runs a million times.)
    const top = topPositive(phi, row * nf, nf, TOP_REASONS);
    const reasons: string[] = new Array<string>(top.length);
    const features: string[] = new Array<string>(top.length);
    for (let k = 0; k < top.length; k++) {
      const j = top[k] as number;
      const col = featureColumns[j];
      const how = shown[j] as ReasonFeature;
      let value: number | string | null = col instanceof Float64Array ? (col[row] as number) * how.scale : ((col?.[row] as string | null | undefined) ?? null);
      // The masking policy: an age from birth_date shows as its decade, stored and shown alike.
      if (j === ageIndex && typeof value === 'number' && !Number.isNaN(value)) value = `${ageBand(value)}${lang === 'zh' ? '岁' : ''}`;
      reasons[k] = how.describe ? how.describe(value, lang) : describeFeature(how.meta, value, lang);
      features[k] = how.meta.name;
    }
    const p = probability[row] as number;
    const id = String(ids[row]);
    const value = stake.get(id) ?? 0;
    scores[row] = {
      customer_id: id,
      churn_probability: p,
      expected_loss: expectedLoss(p, value),
      top_reasons: reasons,
      top_features: features,
    };
  }
  phase('reasons');
  await saveScores(store, version, asOf, scores);
  phase('write');
  // Where each scored customer stands (stage, value, quadrant, tier, risk decile): warn lists read it.
  await keepScoreContext(store, { modelVersion: version, asOf });
  phase('keep');
  return { modelVersion: version, asOf, scores, partial_coverage: partial };
}

/**
 * Replaces the month's scores of this model version in one transaction. A million rows go
 * in through the store's column stager (DuckDB's appender): row-by-row SQL would take
 * minutes, and text round trips several seconds.
 */
async function saveScores(store: AnalyticsStore, version: string, asOf: string, scores: readonly CustomerScore[]): Promise<void> {
  const n = scores.length;
  const ids = new Array<string>(n);
  const probability = new Float64Array(n);
  const loss = new Float64Array(n);
  const reasons = new Array<string>(n);
  scores.forEach((s, i) => {
    ids[i] = s.customer_id;
    probability[i] = s.churn_probability;
    loss[i] = s.expected_loss;
    reasons[i] = JSON.stringify(s.top_reasons);
  });
  const names = ['customer_id', 'churn_probability', 'expected_loss', 'top_reasons'];
  await store.stageColumns('staged_scores', { rowCount: n, names, columns: { customer_id: ids, churn_probability: probability, expected_loss: loss, top_reasons: reasons } });
  try {
    await store.transaction(async (tx) => {
      await tx.run('DELETE FROM churn_scores WHERE model_version = $1 AND as_of = CAST($2 AS DATE)', [version, `${asOf}-01`]);
      await tx.run(
        `INSERT INTO churn_scores
           SELECT $1, CAST($2 AS DATE), customer_id, churn_probability, CAST(expected_loss AS DECIMAL(18,2)), top_reasons, current_timestamp
           FROM staged_scores`,
        [version, `${asOf}-01`],
      );
      await bumpDataGeneration(tx, 'score');
    });
  } finally {
    await store.run('DROP TABLE IF EXISTS staged_scores');
  }
}
