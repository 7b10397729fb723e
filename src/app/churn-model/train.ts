import { addMonths, formatMonth, monthsBetween, parseMonth } from '../../domain/month.ts';
import { fitCalibration, type Calibration } from '../../model/calibration.ts';
import type { ColumnSet as ModelColumns, FeatureColumn } from '../../model/columns.ts';
import { refitRounds, trainGbdt } from '../../model/gbdt.ts';
import { evaluateScores, rocAuc, type Evaluation } from '../../model/metrics.ts';
import type { GbdtModel } from '../../model/model.ts';
import type { GbdtParams } from '../../model/params.ts';
import type { AnalyticsStore, ColumnSet as StoreColumns } from '../../store/port.ts';
import { TenureError } from '../errors.ts';
import { checkMonth, dataSpan, requireInSpan, spanText, type DataSpan } from '../data-span.ts';
import { CLOSING_BASE_WHERE, CUSTOMER_FEATURES, buildCustomerFeatures, type FeatureSpec } from './features.ts';
import { discoverExtraFeatures, extrasToSource, isExtraFeature, withCategoryRates } from './extra-features.ts';
import { requireWritable } from '../../store/access.ts';

/**
 * The customer-level churn model, trained time-honestly on the store's monthly history.
 *
 * Snapshots: the closing base of an as-of month with its features and the label "churns in
 * the next `horizon` months". With H the holdout month (default: the latest month whose
 * horizon is fully observed) and V = H − horizon the validation month:
 *
 * 1. The early-stopping fit trains on up to TRAINING_SNAPSHOTS snapshots ending at V − horizon
 *    (as many as have MIN_HISTORY_MONTHS of bills), whose labels end by V: none of its churners is a churner of V's label window. (With the 6 months just
 *    before V, a customer leaving in V's window is a positive of both, and the validation
 *    loss keeps rewarding trees that learn those customers rather than churn: early stopping
 *    then ran to the round cap.) It stops on V, is calibrated (Platt) on V, and is evaluated
 *    once on H, a month it never saw: the reported holdout metrics.
 * 2. The stored model is refitted with that fit's number of rounds on the latest snapshots
 *    ending at H (their labels end by the data's last month), so scoring uses the most recent
 *    churn the data shows, and keeps the early-stopping fit's calibration. The rounds are
 *    scaled by the two fits' row counts (refitRounds): a shorter history gives the refit more
 *    snapshots than the early-stopping fit. The holdout metrics are those of the first fit, trained on data 2 ×
 *    horizon months older than H: a conservative figure for the refitted model.
 *
 * Features at a month read data up to it only, so every evaluation is an honest forecast.
 */
export const MIN_HISTORY_MONTHS = 6; // the trend features compare the last 3 months with the 3 before
/**
 * Snapshots per fit, as many as the history allows up to this: a year of monthly closing bases.
 * Churners are few (a few percent of a base in 3 months), so every month of history adds signal.
 * Measured against 6 on 20k-customer exports (bench/customer-model.ts, test AUC on the churn
 * after the data ends), together with RECENT_FEATURES: demo seeds 1 and 2 0.8622 / 0.8670 →
 * 0.8703 / 0.8739, second operator 0.7539 / 0.7608 → 0.7562 / 0.7705; training reads and fits
 * about twice the rows.
 */
export const TRAINING_SNAPSHOTS = 12;

export interface TrainOptions {
  /** The holdout month, YYYY-MM. */
  readonly asOf?: string;
  readonly horizon?: number;
  /**
   * Upper bound on training rows (all training snapshots together). A larger base trains on
   * a deterministic sample of customers (by the MD5 of the id, the same customers in every
   * snapshot): a few million rows already pin down a model with this many features, and
   * training time grows with rows. The holdout is always evaluated on the whole base.
   */
  readonly maxTrainRows?: number;
  /** Snapshots per fit (default TRAINING_SNAPSHOTS). */
  readonly snapshots?: number;
  /** Learner parameters over CUSTOMER_MODEL_PARAMS. */
  readonly params?: Partial<GbdtParams>;
  readonly log?: (line: string) => void;
}

export const DEFAULT_MAX_TRAIN_ROWS = 2_000_000;

/**
 * The customer-level model's learner settings over the learner's defaults (DEFAULT_PARAMS):
 * a coarser learning rate, at most 300 trees, depth 4. Every customer is explained on every
 * scoring run, and exact TreeSHAP costs time in proportion to trees × leaves × depth, so the
 * model's size is an operating cost. Measured on the 200k-customer demo operator
 * (bench/out/data-200000x24-s7-mixed, holdout 2025-09; all variants ran to their round cap):
 *
 *   learning rate, rounds, depth   holdout AUC   PR AUC   TreeSHAP ns per row·tree (synthetic, 2 threads)
 *   0.1, 300, depth 6              0.8345        0.4810   130
 *   0.2, 150, depth 6              0.8337        0.4750   130
 *   0.1, 300, depth 5              0.8360        0.4808    79
 *   0.1, 300, depth 4              0.8360        0.4796    39
 *
 * (Earlier: learning rate 0.05 ran to 1000 rounds for no better AUC.) Depth 4 loses nothing
 * here and explains a customer in a third of depth 6's time; an operator whose data needs
 * deeper interactions can pass other parameters (TrainOptions.params).
 */
export const CUSTOMER_MODEL_PARAMS: Partial<GbdtParams> = { learningRate: 0.1, maxRounds: 300, maxDepth: 4 };

export interface SnapshotPlan {
  readonly first: string;
  readonly last: string;
  readonly holdout: string;
  readonly validation: string;
  /** The early-stopping fit's months (their labels end by the validation month when the history allows). */
  readonly training: readonly string[];
  /** The stored model's months: the latest ones, ending at the holdout. */
  readonly refit: readonly string[];
}

export interface ChurnModelMetrics {
  readonly holdout: string;
  readonly horizon: number;
  readonly training_snapshots: readonly string[];
  readonly validation_snapshot: string;
  /** The stored model's training months (refitted with the early-stopping fit's rounds). */
  readonly refit_snapshots: readonly string[];
  /** Trees of the early-stopping fit, whose holdout evaluation `model` is. */
  readonly early_stopping_trees: number;
  readonly train_rows: number;
  /** Share of the customers sampled into training and validation (1 = all). */
  readonly train_sample: number;
  readonly holdout_rows: number;
  readonly holdout_churn_rate: number;
  readonly model: Evaluation;
  readonly tenure_only_auc: number;
  readonly trees: number;
}

export interface TrainedChurnModel {
  readonly modelVersion: string;
  readonly model: GbdtModel;
  readonly metrics: ChurnModelMetrics;
  /** The model's features in its order: the contract's, then the operator's x_ columns' (extra-features.ts). */
  readonly features: readonly FeatureSpec[];
}

/** The data's span (app/data-span.ts); training and scoring read bills, so a store without any is NO_DATA. */
export async function dataMonths(store: AnalyticsStore): Promise<DataSpan> {
  const [row] = await store.query<{ n: number | bigint }>('SELECT count(*) AS n FROM (SELECT 1 FROM monthly_usage LIMIT 1) AS u');
  if (Number(row?.n ?? 0) === 0) throw new TenureError('NO_DATA', 'the store has no monthly usage; import a data set first');
  return dataSpan(store);
}

/** Chooses the holdout, validation and training months; pure so the rules are testable. */
export function planSnapshots(first: string, last: string, horizon: number, asOf?: string, count: number = TRAINING_SNAPSHOTS): SnapshotPlan {
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > 24) throw new TenureError('USAGE', `--horizon must be a whole number of months from 1 to 24, got ${horizon}`);
  const latestObservable = addMonths(last, -horizon);
  const span = { first, last, hasScores: false };
  const holdout = asOf === undefined ? latestObservable : requireInSpan('--as-of', checkMonth('--as-of', asOf) as string, span);
  if (monthsBetween(holdout, latestObservable) < 0) {
    throw new TenureError(
      'USAGE',
      `--as-of ${holdout}: its ${horizon}-month horizon (to ${addMonths(holdout, horizon)}) runs past the data's last month ${last}, so its outcomes are not observed yet; the data covers ${spanText(span)} and the latest month a ${horizon}-month model can be trained as of is ${latestObservable}`,
    );
  }
  const validation = addMonths(holdout, -horizon);
  const earliest = addMonths(first, MIN_HISTORY_MONTHS - 1);
  if (monthsBetween(earliest, validation) < 0) {
    throw new TenureError(
      'NO_DATA',
      `not enough history: training needs ${MIN_HISTORY_MONTHS} months before ${validation} plus ${2 * horizon} months to label and test; the data covers ${first}..${last}`,
    );
  }
  const monthsUpTo = (end: string): string[] => {
    const out: string[] = [];
    for (let k = 0; k < count; k++) {
      const m = addMonths(end, -k);
      if (monthsBetween(earliest, m) < 0) break;
      out.unshift(m);
    }
    return out;
  };
  // Labels that end by the validation month; a shorter history falls back to the months just
  // before it (labels overlapping V's), and the shortest to the validation month itself.
  const separated = monthsUpTo(addMonths(validation, -horizon));
  const adjacent = monthsUpTo(addMonths(validation, -1));
  const training = separated.length ? separated : adjacent.length ? adjacent : [validation];
  return { first, last, holdout, validation, training, refit: monthsUpTo(holdout) };
}

/** Store columns (Float64Array / text arrays) → learner columns, by the feature list. */
export function toModelColumns(set: StoreColumns, features: readonly FeatureSpec[]): ModelColumns {
  const columns = features.map((f): FeatureColumn => {
    const raw = set.columns[f.name];
    if (raw === undefined) throw new Error(`feature query lacks column ${f.name}`);
    if (f.kind === 'numeric') {
      if (!(raw instanceof Float64Array)) throw new Error(`feature ${f.name} is not numeric`);
      return { kind: 'numeric', name: f.name, values: raw };
    }
    const values = raw instanceof Float64Array ? Array.from(raw, (v) => (Number.isNaN(v) ? null : String(v))) : raw;
    const vocabulary = [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort();
    const index = new Map(vocabulary.map((v, i) => [v, i]));
    const codes = Int32Array.from(values, (v) => (typeof v === 'string' ? (index.get(v) ?? -1) : -1));
    return { kind: 'categorical', name: f.name, codes, vocabulary };
  });
  return { rowCount: set.rowCount, columns };
}

function labelOf(set: StoreColumns): Uint8Array {
  const churned = set.columns.churned;
  if (!(churned instanceof Float64Array)) throw new Error('feature query lacks the churned label');
  return Uint8Array.from(churned, (v) => (v === 1 ? 1 : 0));
}

/** Concatenates snapshots (same feature list) into one learner input. */
function stack(parts: readonly ModelColumns[]): ModelColumns {
  const rowCount = parts.reduce((n, p) => n + p.rowCount, 0);
  const first = parts[0];
  if (!first) throw new Error('no snapshots');
  const columns = first.columns.map((col, j): FeatureColumn => {
    if (col.kind === 'numeric') {
      const values = new Float64Array(rowCount);
      let at = 0;
      for (const p of parts) {
        const c = p.columns[j] as typeof col;
        values.set(c.values, at);
        at += c.values.length;
      }
      return { kind: 'numeric', name: col.name, values };
    }
    const vocabulary = [...new Set(parts.flatMap((p) => (p.columns[j] as typeof col).vocabulary))].sort();
    const index = new Map(vocabulary.map((v, i) => [v, i]));
    const codes = new Int32Array(rowCount);
    let at = 0;
    for (const p of parts) {
      const c = p.columns[j] as typeof col;
      const remap = Int32Array.from(c.vocabulary, (v) => index.get(v) ?? -1);
      for (let i = 0; i < c.codes.length; i++) {
        const code = c.codes[i] as number;
        codes[at++] = code < 0 ? -1 : (remap[code] as number);
      }
    }
    return { kind: 'categorical', name: col.name, codes, vocabulary };
  });
  return { rowCount, columns };
}

function concatLabels(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface Snapshot {
  readonly columns: ModelColumns;
  readonly label: Uint8Array;
}

async function snapshot(store: AnalyticsStore, month: string, horizon: number, features: readonly FeatureSpec[], samplePermille = 1000): Promise<Snapshot> {
  const set = await buildCustomerFeatures(store, month, horizon, samplePermille, features.filter(isExtraFeature));
  return { columns: toModelColumns(set, features), label: labelOf(set) };
}

/** Early stopping on `valid`, Platt calibration on it. */
function fitOn(train: readonly Snapshot[], valid: Snapshot, params: Partial<GbdtParams>): GbdtModel {
  const report = trainGbdt(
    { train: stack(train.map((s) => s.columns)), label: concatLabels(train.map((s) => s.label)), valid: { set: valid.columns, label: valid.label } },
    { threads: 2, ...params },
  );
  report.model.calibration = fitCalibration('platt', report.model.margin(valid.columns), valid.label);
  return report.model;
}

/** A fixed number of rounds on every row of `train`, with a given calibration. */
function refitOn(train: readonly Snapshot[], rounds: number, calibration: Calibration, params: Partial<GbdtParams>): GbdtModel {
  const report = trainGbdt({ train: stack(train.map((s) => s.columns)), label: concatLabels(train.map((s) => s.label)) }, { threads: 2, ...params, maxRounds: rounds });
  report.model.calibration = calibration;
  return report.model;
}

function hasBothClasses(label: Uint8Array): boolean {
  let pos = 0;
  for (const v of label) pos += v;
  return pos > 0 && pos < label.length;
}

/**
 * Permille of customers to train on so that the training snapshots stay within maxRows,
 * estimated from the closing base of the latest training month (bases grow over time).
 */
async function samplePermille(store: AnalyticsStore, plan: SnapshotPlan, maxRows: number): Promise<number> {
  if (!(maxRows > 0)) throw new TenureError('USAGE', `the training row limit must be positive, got ${maxRows}`);
  const latest = plan.training[plan.training.length - 1] as string;
  const [row] = await store.query<{ n: number | bigint }>(
    `SELECT count(*) AS n FROM customers c WHERE ${CLOSING_BASE_WHERE}`,
    [`${latest}-01`],
  );
  const expected = Number(row?.n ?? 0) * plan.training.length;
  if (expected <= maxRows) return 1000;
  return Math.max(1, Math.floor((1000 * maxRows) / expected));
}

export async function trainChurnModel(store: AnalyticsStore, options: TrainOptions = {}): Promise<TrainedChurnModel> {
  requireWritable(store, 'training a churn model');
  const log = options.log ?? (() => {});
  const horizon = options.horizon ?? 3;
  const { first, last } = await dataMonths(store);
  const plan = planSnapshots(first, last, horizon, options.asOf, options.snapshots);
  log(`training on snapshots ${plan.training.join(', ')}; early stopping and calibration on ${plan.validation}; holdout ${plan.holdout}; the stored model is refitted on ${plan.refit.join(', ')}`);

  const permille = await samplePermille(store, plan, options.maxTrainRows ?? DEFAULT_MAX_TRAIN_ROWS);
  if (permille < 1000) log(`training on a sample of ${(permille / 10).toFixed(1)} % of the customers (at most ${options.maxTrainRows ?? DEFAULT_MAX_TRAIN_ROWS} training rows)`);

  // The contract's features and the operator's x_ columns' (extra-features.ts).
  const found = [...CUSTOMER_FEATURES, ...(await discoverExtraFeatures(store))];
  let featureSeconds = 0;
  const clock = () => performance.now() / 1000;
  let t = clock();
  // One connection runs one query at a time: build the snapshots in turn.
  const train: Snapshot[] = [];
  for (const month of plan.training) train.push(await snapshot(store, month, horizon, found, permille));
  const valid = await snapshot(store, plan.validation, horizon, found, permille);
  const holdout = await snapshot(store, plan.holdout, horizon, found);
  for (const [name, s] of [['training', { label: concatLabels(train.map((t) => t.label)) }], ['validation', valid], ['holdout', holdout]] as const) {
    if (!hasBothClasses(s.label)) throw new TenureError('NO_DATA', `the ${name} snapshot has churners only or none; a churn model needs both`);
  }

  featureSeconds += clock() - t;
  t = clock();
  const params = { ...CUSTOMER_MODEL_PARAMS, ...options.params };
  const stopped = fitOn(train, valid, params);
  // Categorical x_ attributes keep their categories' churn rates for the reasons (never the values).
  const features = withCategoryRates(found, train);
  const evaluation = evaluateScores(stopped.probability(holdout.columns), holdout.label);

  // The baseline an analyst would try first: the same learner on tenure alone.
  const pickTenure = (s: Snapshot): Snapshot => ({
    columns: { rowCount: s.columns.rowCount, columns: s.columns.columns.filter((c) => c.name === 'tenure_months') },
    label: s.label,
  });
  const baseline = fitOn(train.map(pickTenure), pickTenure(valid), params);
  const tenureOnlyAuc = rocAuc(baseline.margin(pickTenure(holdout).columns), holdout.label);
  const stoppingSeconds = clock() - t;
  t = clock();

  // The stored model: the same rounds on the latest snapshots. Those already built are reused
  // (the holdout only when it covers the same customers: it is built on the whole base).
  const trainRows = train.reduce((n, r) => n + r.label.length, 0);
  const built = new Map<string, Snapshot>(plan.training.map((m, i) => [m, train[i] as Snapshot]));
  built.set(plan.validation, valid);
  if (permille >= 1000) built.set(plan.holdout, holdout);
  train.length = 0; // the early-stopping fit's rows not reused below can be freed
  const refit: Snapshot[] = [];
  for (const month of plan.refit) refit.push(built.get(month) ?? (await snapshot(store, month, horizon, found, permille)));
  built.clear();
  const refitRows = refit.reduce((n, r) => n + r.label.length, 0);
  featureSeconds += clock() - t;
  t = clock();
  const model = refitOn(refit, refitRounds(stopped.trees.length, trainRows, refitRows), stopped.calibration, params);
  log(
    `features ${featureSeconds.toFixed(1)} s; early stopping kept ${stopped.trees.length} trees (with the tenure-only baseline ${stoppingSeconds.toFixed(1)} s); ` +
      `the refit on ${refitRows} rows ${(clock() - t).toFixed(1)} s`,
  );

  let churners = 0;
  for (const v of holdout.label) churners += v;
  const metrics: ChurnModelMetrics = {
    holdout: plan.holdout,
    horizon,
    training_snapshots: plan.training,
    validation_snapshot: plan.validation,
    refit_snapshots: plan.refit,
    early_stopping_trees: stopped.trees.length,
    train_rows: trainRows,
    train_sample: permille / 1000,
    holdout_rows: holdout.label.length,
    holdout_churn_rate: churners / holdout.label.length,
    model: evaluation,
    tenure_only_auc: tenureOnlyAuc,
    trees: model.trees.length,
  };
  const modelVersion = `churn-${plan.holdout}-h${horizon}-${formatMonth(parseMonth(last))}-${Date.now().toString(36)}`;
  await store.run(
    'INSERT INTO churn_models VALUES ($1, current_timestamp, CAST($2 AS DATE), $3, $4, $5)',
    [modelVersion, `${plan.holdout}-01`, horizon, JSON.stringify(metrics), JSON.stringify(model.toJSON({ features: features.map((f) => f.name), extras: extrasToSource(features) }))],
  );
  return { modelVersion, model, metrics, features };
}
