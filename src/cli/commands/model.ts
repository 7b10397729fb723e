import { trainChurnModel } from '../../app/churn-model/train.ts';
import { openStore } from '../../app/store.ts';
import { readFileSync } from 'node:fs';
import { OutputFile } from '../../app/files/safe-write.ts';
import { Option, type Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import type { CalibrationKind } from '../../model/calibration.ts';
import { evaluateTable, loadFlatModel, predictTable, trainTable, type FlatModel, type PredictRow, type TrainTableSummary } from '../../model/flat.ts';
import type { Evaluation, GainsRow } from '../../model/metrics.ts';
import { parseCsv, type CsvTable } from '../../model/table.ts';
import { labelLang, printJson, printRows, resolveFormat, resolveOutput, roundNumber, withFormat, type FormatOptions } from '../output.ts';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TenureError('FILE_NOT_FOUND', `${what} not found`, { file });
    throw new TenureError('BAD_INPUT', `cannot read ${what}: ${(err as Error).message}`, { file });
  }
}

export function readTable(file: string): CsvTable {
  return parseCsv(readText(file, 'table'), file);
}

export function readModel(file: string): FlatModel {
  let json: unknown;
  try {
    json = JSON.parse(readText(file, 'model'));
  } catch (err) {
    if (err instanceof TenureError) throw err;
    throw new TenureError('BAD_INPUT', 'model file is not JSON', { file });
  }
  return loadFlatModel(json, file);
}

interface CustomerTrainFlags {
  db?: string;
  asOf?: string;
  horizon?: string;
  maxTrainRows?: string;
}

/** `tenure model train` without --table: the customer-level model on the store's history. */
async function runCustomerTrain(opts: CustomerTrainFlags & FormatOptions): Promise<void> {
  const format = resolveFormat(opts);
  const horizon = opts.horizon === undefined ? 3 : Number(opts.horizon);
  if (!Number.isInteger(horizon)) throw new TenureError('USAGE', `--horizon must be a whole number of months, got ${opts.horizon}`);
  const maxTrainRows = opts.maxTrainRows === undefined ? undefined : Number(opts.maxTrainRows);
  if (maxTrainRows !== undefined && !(Number.isInteger(maxTrainRows) && maxTrainRows > 0)) {
    throw new TenureError('USAGE', `--max-train-rows must be a positive whole number, got ${opts.maxTrainRows}`);
  }
  const store = await openStore(opts.db, { access: 'read-write' });
  try {
    const trained = await trainChurnModel(store, {
      horizon,
      ...(maxTrainRows === undefined ? {} : { maxTrainRows }),
      ...(opts.asOf === undefined ? {} : { asOf: opts.asOf }),
      log: (line) => process.stderr.write(`tenure: ${line}\n`),
    });
    const m = trained.metrics;
    if (format === 'json') {
      printJson({ model_version: trained.modelVersion, ...m });
      return;
    }
    printRows(
      ['model_version', 'holdout', 'horizon', 'train_rows', 'train_sample', 'holdout_rows', 'auc', 'pr_auc', 'lift_top10', 'brier', 'tenure_only_auc', 'trees'],
      [{ model_version: trained.modelVersion, holdout: m.holdout, horizon: m.horizon, train_rows: m.train_rows, train_sample: m.train_sample, holdout_rows: m.holdout_rows, auc: round(m.model.auc), pr_auc: round(m.model.pr_auc), lift_top10: round(m.model.lift_top10), brier: round(m.model.brier), tenure_only_auc: round(m.tenure_only_auc), trees: m.trees }],
      format,
    );
  } finally {
    await store.close();
  }
}

export interface TrainCommandOptions {
  table?: string;
  label?: string;
  positive?: string;
  id?: string;
  out?: string;
  calibration?: string;
  seed?: string;
}

/** `tenure model train --table …`: trains, writes the model file, returns the summary. */
export function runTrain(opts: TrainCommandOptions): TrainTableSummary & { model: string } {
  if (opts.table === undefined) throw new TenureError('USAGE', 'model train: --table is required for the flat-table mode');
  if (opts.label === undefined) throw new TenureError('USAGE', 'model train --table: --label COLUMN is required');
  if (opts.out === undefined) throw new TenureError('USAGE', 'model train --table: --out MODEL_FILE is required');
  const calibration = (opts.calibration ?? 'platt') as CalibrationKind;
  if (!['platt', 'isotonic', 'none'].includes(calibration)) throw new TenureError('USAGE', `--calibration must be platt, isotonic or none, got ${calibration}`);
  const seed = opts.seed === undefined ? undefined : Number(opts.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new TenureError('USAGE', `--seed must be an integer, got ${opts.seed}`);
  // Checked and created before training: a bad --out fails in a moment, not after the fit.
  const out = OutputFile.open(opts.out, { what: '--out' });
  try {
    const table = readTable(opts.table);
    const { model, summary } = trainTable(table, {
      label: opts.label,
      positive: opts.positive,
      id: opts.id,
      file: opts.table,
      calibration,
      params: seed === undefined ? {} : { seed },
    });
    out.write(JSON.stringify(model) + '\n');
    out.commit();
    return { ...summary, model: opts.out };
  } finally {
    out.abort();
  }
}

export function runEvaluate(opts: { table?: string; model?: string }): Evaluation & { gains: GainsRow[] } {
  if (opts.table === undefined || opts.model === undefined) throw new TenureError('USAGE', 'model evaluate: --table FILE and --model FILE are required');
  const flat = readModel(opts.model);
  return evaluateTable(readTable(opts.table), flat, opts.table);
}

export function runPredict(opts: { table?: string; model?: string; top?: string; lang?: 'zh' | 'en' }): PredictRow[] {
  if (opts.table === undefined || opts.model === undefined) throw new TenureError('USAGE', 'model predict: --table FILE and --model FILE are required');
  const top = opts.top === undefined ? 3 : Number(opts.top);
  if (!Number.isInteger(top) || top < 0 || top > 50) throw new TenureError('USAGE', `--top must be a whole number from 0 to 50, got ${opts.top}`);
  const flat = readModel(opts.model);
  return predictTable(readTable(opts.table), flat, { top, file: opts.table, ...(opts.lang ? { lang: opts.lang } : {}) });
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(6)) : x);

export function register(program: Command): void {
  const model = program.command('model').description('churn models: train on a labelled table, evaluate, predict with reasons');

  withFormat(
    model
      .command('train')
      .description('train a gradient-boosted churn model on a labelled CSV (flat-table mode)')
      .option('--table <file>', 'flat-table mode: labelled CSV, one row per customer (without it: the customer-level model on the store)')
      .option('--label <column>', 'outcome column')
      .option('--positive <value>', 'label value meaning "churned" (default: Yes/1 for yes/no labels)')
      .option('--id <column>', 'customer id column, excluded from the features')
      .option('--out <file>', 'where to write the model (JSON)')
      .addOption(new Option('--calibration <kind>', 'probability calibration on the held-out split').choices(['platt', 'isotonic', 'none']).default('platt'))
      .option('--seed <n>', 'random seed (same seed, same model)')
      .option('--db <path>', 'customer-level mode: store with imported data (default $TENURE_DB or ./tenure.duckdb)')
      .option('--as-of <month>', "customer-level mode: holdout month, YYYY-MM inside the data with its horizon observed (default: the data's last billed month minus the horizon)")
      .option('--horizon <months>', 'customer-level mode: churn within this many months (default 3)')
      .option('--max-train-rows <n>', 'customer-level mode: train on a fixed sample of customers when the snapshots exceed this many rows (default 2000000)'),
  ).action(async (opts: TrainCommandOptions & CustomerTrainFlags & FormatOptions) => {
    if (opts.table === undefined) {
      await runCustomerTrain(opts);
      return;
    }
    const format = resolveFormat(opts); // flag errors before a model file is written
    const summary = runTrain(opts);
    for (const e of summary.excluded) process.stderr.write(`note: column ${e.name} left out (${e.reason})\n`);
    if (summary.dropped_missing_label > 0) process.stderr.write(`note: ${summary.dropped_missing_label} rows without a label were skipped\n`);
    if (format === 'json') {
      printJson({ ...summary, valid_auc: round(summary.valid_auc) });
      return;
    }
    printRows(
      ['model', 'rows', 'train_rows', 'valid_rows', 'features', 'trees', 'valid_auc', 'calibration'],
      [{ model: summary.model, rows: summary.rows, train_rows: summary.train_rows, valid_rows: summary.valid_rows, features: summary.features.length, trees: summary.trees, valid_auc: round(summary.valid_auc), calibration: summary.calibration }],
      format,
    );
  });

  withFormat(
    model
      .command('evaluate')
      .description('AUC, PR AUC, top-decile lift and Brier score of a model on a labelled CSV')
      .option('--table <file>', 'labelled CSV with the columns the model was trained on')
      .option('--model <file>', 'model file from `tenure model train`')
      .option('--gains', 'also print the lift/gains table by decile (table and csv formats)'),
  ).action((opts: { table?: string; model?: string; gains?: boolean } & FormatOptions) => {
    const format = resolveFormat(opts);
    const result = runEvaluate(opts);
    const metrics = { auc: round(result.auc), pr_auc: round(result.pr_auc), lift_top10: round(result.lift_top10), brier: round(result.brier), rows: result.rows };
    if (format === 'json') {
      printJson(metrics);
      return;
    }
    printRows(['auc', 'pr_auc', 'lift_top10', 'brier', 'rows'], [metrics], format);
    if (opts.gains) {
      process.stdout.write('\n');
      printRows(
        ['decile', 'rows', 'positives', 'rate', 'lift', 'cumulative_lift', 'cumulative_capture'],
        result.gains.map((g) => ({ ...g, rate: round(g.rate), lift: round(g.lift), cumulative_lift: round(g.cumulativeLift), cumulative_capture: round(g.cumulativeCapture) })),
        format,
      );
    }
  });

  withFormat(
    model
      .command('predict')
      .description('churn probability and top reasons per row of a CSV')
      .option('--table <file>', 'CSV with the columns the model was trained on (the label may be absent)')
      .option('--model <file>', 'model file from `tenure model train`')
      .option('--top <n>', 'reasons per row', '3'),
  ).action((opts: { table?: string; model?: string; top?: string } & FormatOptions) => {
    const out = resolveOutput(opts);
    const rows = runPredict({ ...opts, lang: labelLang(out.lang) });
    if (out.format === 'json') {
      // Reasons as an array of objects: feature, signed SHAP contribution on the margin, words.
      printJson(rows.map((r) => ({
        id: r.id,
        probability: round(r.probability),
        reasons: r.top.map((t, i) => ({ rank: i + 1, feature: t.feature, contribution: roundNumber(t.contribution, 6), text: t.text })),
      })));
      return;
    }
    printRows(['id', 'probability', 'reasons'], rows.map((r) => ({ id: r.id, probability: round(r.probability), reasons: r.reasons })), out.format);
  });
}
