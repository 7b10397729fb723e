import { TenureError } from '../domain/errors.ts';
import { fitCalibration, calibrateAll, type CalibrationKind } from './calibration.ts';
import { selectRows, type ColumnSet } from './columns.ts';
import { Explainer, EXPLAIN_BLOCK } from './explain.ts';
import { buildColumns, buildLabel, inferSchema, type FlatColumn, type FlatSchema } from './flat-schema.ts';
import { refitRounds, trainGbdt } from './gbdt.ts';
import { evaluateScores, gainsTable, rocAuc, type Evaluation, type GainsRow } from './metrics.ts';
import { z } from 'zod';
import { GbdtModel, type GbdtModelJson } from './model.ts';
import { MODEL_LIMITS } from './model-schema.ts';
import type { GbdtParams } from './params.ts';
import { Rng } from './random.ts';
import { describeFeature, formatReason, topContributions, type FeatureMeta } from './reasons.ts';
import type { CsvTable } from './table.ts';

/** Flat-table mode: any labelled CSV in, a model with its parsing schema out. */
export interface TrainTableOptions {
  label: string;
  positive?: string;
  id?: string;
  file?: string;
  params?: Partial<GbdtParams>;
  calibration?: CalibrationKind;
  /** Share of the rows held out (stratified) for early stopping and calibration. */
  validationFraction?: number;
  /**
   * Which margins the calibration is fitted on: 'holdout', the early-stopping fit's margins on
   * the held-out rows; 'cross-fit', out-of-fold margins of CROSS_FIT_FOLDS fits with the refit's
   * rounds, one per stratified fold, so every row calibrates. Default: 'auto' (cross-fit when the
   * held-out rows have fewer than CROSS_FIT_BELOW positives, holdout otherwise).
   */
  calibrationFit?: 'holdout' | 'cross-fit' | 'auto';
}

export const CROSS_FIT_FOLDS = 5;
/** Held-out positives under which the calibration is cross-fitted (see calibrationFit). */
export const CROSS_FIT_BELOW = 200;

/**
 * How the flat-table model is fitted: early stopping on a stratified 20 % of the rows chooses
 * the number of rounds and the calibration (Platt, on those rows' margins); the model is then
 * refitted on every row with the rounds scaled by the row ratio (gbdt.ts refitRounds), so a
 * small table does not give up a fifth of its rows to the stopping rule. On 3,000-row samples
 * of the shared sets the refit gained 0.002–0.005 test AUC on average (bench/model.ts).
 */

export interface TrainTableSummary {
  rows: number;
  train_rows: number;
  valid_rows: number;
  features: { name: string; type: FlatColumn['type'] }[];
  excluded: FlatSchema['excluded'];
  dropped_missing_label: number;
  /** Trees of the model written: refitted on train_rows + valid_rows. */
  trees: number;
  /** Trees early stopping kept, fitting on train_rows. */
  early_stopping_trees: number;
  rounds_run: number;
  /** The early-stopping fit's AUC on the validation rows it did not train on. */
  valid_auc: number;
  calibration: CalibrationKind;
  /** The margins the calibration was fitted on (TrainTableOptions.calibrationFit). */
  calibration_fit: 'holdout' | 'cross-fit';
}

export function trainTable(table: CsvTable, opts: TrainTableOptions): { model: GbdtModelJson; summary: TrainTableSummary } {
  const schema = inferSchema(table, opts);
  // A model must load again: the loader refuses more features than this (model-schema.ts).
  if (schema.columns.length > MODEL_LIMITS.features) {
    throw new TenureError('BAD_INPUT', `${schema.columns.length} feature columns; a model may use at most ${MODEL_LIMITS.features}`, { file: opts.file });
  }
  const all = buildColumns(table, schema, opts.file);
  const { label: allLabel, missingRows } = buildLabel(table, schema, opts.file);
  const skip = new Set(missingRows);
  const keep = Array.from({ length: table.rowCount }, (_, i) => i).filter((i) => !skip.has(i));
  const seed = opts.params?.seed ?? 42;
  const { train, valid } = stratifiedSplit(keep, allLabel, opts.validationFraction ?? 0.2, seed);
  const pick = (rows: number[]) => Uint8Array.from(rows, (r) => allLabel[r] as number);
  const validLabel = pick(valid);
  const validSet = selectRows(all, valid);
  const report = trainGbdt({ train: selectRows(all, train), label: pick(train), valid: { set: validSet, label: validLabel } }, opts.params);
  const validMargin = report.model.margin(validSet);
  const calibration = opts.calibration ?? 'platt';
  const rounds = refitRounds(report.model.trees.length, train.length, keep.length);
  const final = trainGbdt({ train: selectRows(all, keep), label: pick(keep) }, { ...opts.params, maxRounds: rounds }).model;
  let validPositives = 0;
  for (const v of validLabel) validPositives += v;
  const fit = opts.calibrationFit ?? 'auto';
  const crossFit = calibration !== 'none' && (fit === 'cross-fit' || (fit === 'auto' && validPositives < CROSS_FIT_BELOW));
  if (crossFit) {
    const oof = crossFitMargins(all, keep, allLabel, rounds, opts.params, seed);
    final.calibration = fitCalibration(calibration, oof, pick(keep));
  } else {
    final.calibration = fitCalibration(calibration, validMargin, validLabel);
  }
  return {
    model: final.toJSON(schema),
    summary: {
      rows: table.rowCount,
      train_rows: train.length,
      valid_rows: valid.length,
      features: schema.columns.map((c) => ({ name: c.name, type: c.type })),
      excluded: schema.excluded,
      dropped_missing_label: missingRows.length,
      trees: final.trees.length,
      early_stopping_trees: report.model.trees.length,
      rounds_run: report.rounds,
      valid_auc: rocAuc(validMargin, validLabel),
      calibration,
      calibration_fit: crossFit ? 'cross-fit' : 'holdout',
    },
  };
}

/**
 * Out-of-fold margins, in the order of `rows`: CROSS_FIT_FOLDS stratified folds, each scored by
 * a fit of `rounds` (the refit's rounds, scaled to the fold's training rows) on the others.
 */
export function crossFitMargins(all: ColumnSet, rows: readonly number[], label: Uint8Array, rounds: number, params: Partial<GbdtParams> | undefined, seed: number): Float64Array {
  const folds = stratifiedFolds(rows, label, CROSS_FIT_FOLDS, seed);
  const at = new Map(rows.map((r, i) => [r, i]));
  const out = new Float64Array(rows.length);
  for (const fold of folds) {
    const held = new Set(fold);
    const rest = rows.filter((r) => !held.has(r));
    const foldLabel = Uint8Array.from(rest, (r) => label[r] as number);
    let pos = 0;
    for (const v of foldLabel) pos += v;
    if (pos === 0 || pos === rest.length) throw new TenureError('BAD_INPUT', 'too few rows of one class to cross-fit the calibration');
    const model = trainGbdt({ train: selectRows(all, rest), label: foldLabel }, { ...params, maxRounds: refitRounds(rounds, rows.length, rest.length) }).model;
    const m = model.margin(selectRows(all, fold));
    fold.forEach((r, i) => (out[at.get(r) as number] = m[i] as number));
  }
  return out;
}

/** `k` stratified folds of `rows` (each class dealt round-robin after a seeded shuffle). */
export function stratifiedFolds(rows: readonly number[], label: Uint8Array, k: number, seed: number): number[][] {
  const rng = new Rng(seed ^ 0x27d4eb2f);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const cls of [0, 1]) {
    const members = rows.filter((r) => (label[r] ? 1 : 0) === cls);
    for (let i = members.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [members[i], members[j]] = [members[j] as number, members[i] as number];
    }
    for (const r of members) (folds[next++ % k] as number[]).push(r);
  }
  return folds.map((f) => f.sort((a, b) => a - b));
}

/** Stratified hold-out: the same share of each class, chosen by a seeded shuffle. */
export function stratifiedSplit(rows: readonly number[], label: Uint8Array, fraction: number, seed: number): { train: number[]; valid: number[] } {
  const rng = new Rng(seed ^ 0x5bd1e995);
  const train: number[] = [];
  const valid: number[] = [];
  for (const cls of [0, 1]) {
    const members = rows.filter((r) => (label[r] ? 1 : 0) === cls);
    for (let i = members.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [members[i], members[j]] = [members[j] as number, members[i] as number];
    }
    const k = Math.round(members.length * fraction);
    valid.push(...members.slice(0, k));
    train.push(...members.slice(k));
  }
  const byRow = (a: number, b: number) => a - b;
  if (valid.length === 0 || train.length === 0) throw new TenureError('BAD_INPUT', 'too few rows to hold out a validation split');
  return { train: train.sort(byRow), valid: valid.sort(byRow) };
}

export interface FlatModel {
  model: GbdtModel;
  schema: FlatSchema;
}

export function loadFlatModel(json: unknown, file?: string): FlatModel {
  let model: GbdtModel;
  try {
    model = GbdtModel.fromJSON(json);
  } catch (err) {
    throw new TenureError('BAD_INPUT', `not a usable model: ${err instanceof Error ? err.message : String(err)}`, { file });
  }
  const source = flatSchemaSchema.safeParse((json as { source?: unknown }).source);
  if (!source.success) {
    const issue = source.error.issues[0];
    const path = issue ? ['source', ...issue.path.map(String)].join('.') : 'source';
    throw new TenureError('BAD_INPUT', `the model was not trained on a flat table or its table schema is damaged (${path}: ${issue?.message ?? 'invalid'})`, { file });
  }
  const schema = source.data;
  const names = schema.columns.map((c) => c.name);
  if (names.join('\u0000') !== model.featureNames.join('\u0000')) throw new TenureError('BAD_INPUT', 'model schema and trees disagree on the features', { file });
  // Categorical columns are binned by category, the others by cut points: a mismatch would fail mid-prediction.
  const mismatch = schema.columns.findIndex((c, i) => (c.type === 'categorical') !== (model.binnings[i]?.kind === 'categorical'));
  if (mismatch >= 0) throw new TenureError('BAD_INPUT', `model schema and trees disagree on the kind of feature ${names[mismatch]}`, { file });
  return { model, schema };
}

const flatText = z.string().max(MODEL_LIMITS.text);
/** The table schema stored with a flat-table model (flat-schema.ts's FlatSchema). */
const flatSchemaSchema: z.ZodType<FlatSchema> = z.object({
  label: flatText,
  positive: flatText,
  id: flatText.nullable(),
  columns: z
    .array(
      z.discriminatedUnion('type', [
        z.object({ name: flatText, type: z.literal('numeric'), median: z.number().finite(), missingTokens: z.array(flatText).max(100) }),
        z.object({ name: flatText, type: z.literal('binary'), positive: flatText, negative: flatText }),
        z.object({ name: flatText, type: z.literal('categorical') }),
      ]),
    )
    .max(MODEL_LIMITS.features),
  excluded: z.array(z.object({ name: flatText, reason: flatText })).max(1_000_000),
});

export function evaluateTable(table: CsvTable, flat: FlatModel, file?: string): Evaluation & { gains: GainsRow[] } {
  const { label, missingRows } = buildLabel(table, flat.schema, file);
  const set = buildColumns(table, flat.schema, file);
  let probability = flat.model.probability(set);
  let y = label;
  if (missingRows.length > 0) {
    const skip = new Set(missingRows);
    const keep = Array.from({ length: table.rowCount }, (_, i) => i).filter((i) => !skip.has(i));
    probability = Float64Array.from(keep, (r) => probability[r] as number);
    y = Uint8Array.from(keep, (r) => label[r] as number);
  }
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] as number;
  if (positives === 0 || positives === y.length) {
    throw new TenureError('BAD_INPUT', `label column ${flat.schema.label} has one class only in this table; AUC needs both`, { file, column: flat.schema.label });
  }
  return { ...evaluateScores(probability, y), gains: gainsTable(probability, y) };
}

export interface PredictRow {
  id: string;
  probability: number;
  /** The reasons joined for one text cell (CSV, table). */
  reasons: string;
  /** The same reasons one by one, largest |SHAP| first (machine output). */
  top: { feature: string; contribution: number; text: string }[];
}

/** Probability and the top reasons (largest |SHAP|, in words) per row. */
export function predictTable(table: CsvTable, flat: FlatModel, opts: { top?: number; file?: string; lang?: 'zh' | 'en' } = {}): PredictRow[] {
  const { model, schema } = flat;
  const set = buildColumns(table, schema, opts.file);
  const n = set.rowCount;
  const bins = model.bin(set);
  const probability = calibrateAll(model.calibration, model.marginBinned(bins, n));
  const explainer = new Explainer(model);
  const nf = schema.columns.length;
  const metas = schema.columns.map(flatFeatureMeta);
  const rawCols = schema.columns.map((c) => table.columns[table.header.indexOf(c.name)] as string[]);
  const idCol = schema.id !== null ? table.header.indexOf(schema.id) : -1;
  const top = opts.top ?? 3;
  const out: PredictRow[] = [];
  const block = new Float64Array(EXPLAIN_BLOCK * nf);
  for (let s = 0; s < n; s += EXPLAIN_BLOCK) {
    const e = Math.min(n, s + EXPLAIN_BLOCK);
    explainer.explainRows(bins, n, s, e, block);
    for (let r = s; r < e; r++) {
      const phi = block.subarray((r - s) * nf, (r - s + 1) * nf);
      const reasons = topContributions(phi, top).map((f) => {
        const c = schema.columns[f] as FlatColumn;
        const raw = (rawCols[f] as string[])[r] as string;
        const value = c.type === 'numeric' ? (set.columns[f]?.kind === 'numeric' ? (set.columns[f].values[r] as number) : Number.NaN) : raw.trim() === '' ? null : raw.trim();
        return { feature: c.name, contribution: phi[f] as number, text: describeFeature(metas[f] as FeatureMeta, value, opts.lang ?? 'en') };
      });
      out.push({
        id: idCol >= 0 ? ((table.columns[idCol] as string[])[r] as string) : String(r + 1),
        probability: probability[r] as number,
        reasons: reasons.map(formatReason).join('; '),
        top: reasons,
      });
    }
  }
  return out;
}

function flatFeatureMeta(c: FlatColumn): FeatureMeta {
  if (c.type === 'numeric') return { name: c.name, reference: { value: c.median, label: { en: 'median', zh: '中位数' } } };
  return { name: c.name };
}
