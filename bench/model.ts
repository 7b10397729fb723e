/**
 * Model benchmark: Tenure's GBDT next to XGBoost (hist) and scikit-learn's
 * HistGradientBoostingClassifier on the shared labelled sets, plus fixed-round fit timing
 * (Cell2Cell, synthetic 100k × 20 and 1M × 20, with peak RSS) and scoring 1M rows with
 * explanations. Prints a table and writes bench/out/model.json.
 *
 *   npx tsx bench/model.ts            # everything (several minutes on 2 cores)
 *   npx tsx bench/model.ts --no-1m    # skip the 1M-row fit and scoring
 *   npx tsx bench/model.ts --repeat 5 # fit-time runs per learner and setting (default 3)
 *   npx tsx bench/model.ts --sample 3000 --sample-seeds 1,2,3,4,5   # the small-table runs (these defaults; --sample 0: none)
 *   npx tsx bench/model.ts --sets-only  # only the data-set comparisons (writes bench/out/model-sets.json)
 *
 * Settings are the learner's defaults for the data-set comparison (one configuration for
 * every set). Tenure runs as `tenure model train --table` does (trainTable: early stopping on
 * a stratified 20 %, then the refit on every row); XGBoost and scikit-learn stop early on the
 * same 20 % (XGBoost) or their own 20 % (HistGradientBoosting) and keep that model, as their
 * users do. Each set is also run on random 3,000-row samples of train.csv (several seeds),
 * tested on the whole test.csv: the small tables the defaults must hold on. Timing runs: 100
 * rounds, depth 6, learning rate 0.1, no sampling. Timings on a
 * shared machine are noisy: each fit time is the median of --repeat runs, the learners' runs
 * interleaved (round 1 of every learner, then round 2, …) so a slow spell hits all of them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrateAll } from '../src/model/calibration.ts';
import type { ColumnSet } from '../src/model/columns.ts';
import { Explainer, EXPLAIN_BLOCK } from '../src/model/explain.ts';
import { contributionsParallel } from '../src/model/explain-parallel.ts';
import { buildColumns, buildLabel, inferSchema } from '../src/model/flat-schema.ts';
import { evaluateTable, loadFlatModel, stratifiedSplit, trainTable } from '../src/model/flat.ts';
import { trainGbdt } from '../src/model/gbdt.ts';
import { evaluateScores, type Evaluation } from '../src/model/metrics.ts';
import { GbdtModel } from '../src/model/model.ts';
import { DEFAULT_PARAMS } from '../src/model/params.ts';
import { Rng } from '../src/model/random.ts';
import { syntheticSet } from '../src/model/synthetic.ts';
import { parseCsv } from '../src/model/table.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const DATASETS = resolve(ROOT, '../shared/datasets');
const PY = '/usr/bin/python3';
const SETS = [
  { name: 'ibm_telco', label: 'Churn', positive: 'Yes', id: 'customerID' },
  { name: 'cell2cell', label: 'Churn', positive: 'Yes', id: 'CustomerID' },
] as const;
const FIXED = { rounds: 100, maxDepth: 6, learningRate: 0.1 };

type Json = Record<string, unknown>;

function python(job: Json, dir: string): Json {
  const path = join(dir, `job-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(job));
  const out = execFileSync(PY, [join(HERE, 'model_peers.py'), path], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as Json;
}

/** Runs a Tenure job in a fresh Node process so its peak RSS is its own. */
function child(job: Json): Json {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`child job failed: ${JSON.stringify(job)}`);
  return JSON.parse(r.stdout) as Json;
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

function loadSynthetic(xPath: string, yPath: string, rows: number, cols: number): { set: ColumnSet; label: Uint8Array } {
  const buf = readFileSync(xPath);
  const all = new Float64Array(buf.buffer, buf.byteOffset, rows * cols);
  return {
    set: { rowCount: rows, columns: Array.from({ length: cols }, (_, f) => ({ kind: 'numeric' as const, name: `x${f}`, values: all.subarray(f * rows, (f + 1) * rows) })) },
    label: new Uint8Array(readFileSync(yPath)),
  };
}

async function runChild(job: Json): Promise<Json> {
  const fixed = { maxRounds: FIXED.rounds, maxDepth: FIXED.maxDepth, learningRate: FIXED.learningRate, subsample: 1, colsample: 1, threads: Number(job.threads ?? 1) };
  if (job.kind === 'fit-synthetic') {
    const { set, label } = loadSynthetic(String(job.x_path), String(job.y_path), Number(job.rows), Number(job.cols));
    const t = performance.now();
    const { model } = trainGbdt({ train: set, label }, fixed);
    const fit = (performance.now() - t) / 1000;
    if (job.model_out) writeFileSync(String(job.model_out), JSON.stringify(model.toJSON()));
    return { fit_s: fit, peak_rss_mb: peakRssMb(), trees: model.trees.length };
  }
  if (job.kind === 'fit-table') {
    const table = parseCsv(readFileSync(String(job.train_csv), 'utf8'));
    const schema = inferSchema(table, { label: String(job.label), positive: String(job.positive), id: String(job.id) });
    const set = buildColumns(table, schema);
    const { label } = buildLabel(table, schema);
    const t = performance.now();
    trainGbdt({ train: set, label }, fixed);
    return { fit_s: (performance.now() - t) / 1000, peak_rss_mb: peakRssMb() };
  }
  if (job.kind === 'score') {
    const { set } = loadSynthetic(String(job.x_path), String(job.y_path), Number(job.rows), Number(job.cols));
    const model = GbdtModel.fromJSON(JSON.parse(readFileSync(String(job.model), 'utf8')));
    const t = performance.now();
    const n = set.rowCount;
    const bins = model.bin(set);
    const probability = calibrateAll(model.calibration, model.marginBinned(bins, n));
    const explainer = new Explainer(model);
    const nf = model.binnings.length;
    const top = new Int32Array(3 * n);
    if (job.threads === 2) {
      const phi = await contributionsParallel(explainer, bins, n);
      for (let r = 0; r < n; r++) top3(phi, r * nf, nf, top, 3 * r);
    } else {
      const block = new Float64Array(EXPLAIN_BLOCK * nf);
      for (let s = 0; s < n; s += EXPLAIN_BLOCK) {
        const e = Math.min(n, s + EXPLAIN_BLOCK);
        explainer.explainRows(bins, n, s, e, block);
        for (let r = s; r < e; r++) top3(block, (r - s) * nf, nf, top, 3 * r);
      }
    }
    const seconds = (performance.now() - t) / 1000;
    return { score_s: seconds, threads: job.threads === 2 ? 2 : 1, rows: n, trees: model.trees.length, peak_rss_mb: peakRssMb(), mean_probability: probability.reduce((a, b) => a + b, 0) / n };
  }
  throw new Error(`unknown child job ${String(job.kind)}`);
}

function top3(phi: Float64Array, at: number, nf: number, out: Int32Array, o: number): void {
  let a = -1, b = -1, c = -1;
  let va = -1, vb = -1, vc = -1;
  for (let f = 0; f < nf; f++) {
    const v = Math.abs(phi[at + f] as number);
    if (v > va) { c = b; vc = vb; b = a; vb = va; a = f; va = v; }
    else if (v > vb) { c = b; vc = vb; b = f; vb = v; }
    else if (v > vc) { c = f; vc = v; }
  }
  out[o] = a; out[o + 1] = b; out[o + 2] = c;
}

interface DatasetResult {
  name: string;
  /** Rows sampled from train.csv (null: all of it) and the sample's seed. */
  sample: number | null;
  sample_seed: number | null;
  train_rows: number;
  test_rows: number;
  learners: { learner: string; trees: number; fit_s: number; metrics: Evaluation }[];
}

/** train.csv itself, or a random sample of its rows (the header kept) written to `dir`. */
function trainingFile(trainCsv: string, dir: string, sample?: { rows: number; seed: number }): string {
  if (!sample) return trainCsv;
  const lines = readFileSync(trainCsv, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const rng = new Rng(sample.seed * 7919 + 1);
  const order = Array.from({ length: lines.length - 1 }, (_, i) => i + 1);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const kept = order.slice(0, sample.rows).sort((a, b) => a - b);
  const path = join(dir, `sample-${sample.rows}-${sample.seed}-${basename(dirname(trainCsv))}.csv`);
  writeFileSync(path, [lines[0], ...kept.map((i) => lines[i])].join('\n') + '\n');
  return path;
}

function runDataset(spec: (typeof SETS)[number], dir: string, sample?: { rows: number; seed: number }): DatasetResult {
  const trainCsv = trainingFile(join(DATASETS, spec.name, 'train.csv'), dir, sample);
  const testCsv = join(DATASETS, spec.name, 'test.csv');
  const train = parseCsv(readFileSync(trainCsv, 'utf8'), trainCsv);
  const test = parseCsv(readFileSync(testCsv, 'utf8'), testCsv);
  // Tenure as `tenure model train --table` runs it.
  const t = performance.now();
  const trained = trainTable(train, { label: spec.label, positive: spec.positive, id: spec.id, file: trainCsv });
  const fit = (performance.now() - t) / 1000;
  const flat = loadFlatModel(trained.model);
  const schema = flat.schema;
  const ours = evaluateTable(test, flat, testCsv);
  const testLabel = buildLabel(test, schema).label;
  // The validation rows trainTable held out, for XGBoost's early stopping.
  const { label, missingRows } = buildLabel(train, schema);
  const skip = new Set(missingRows);
  const rows = Array.from({ length: train.rowCount }, (_, i) => i).filter((i) => !skip.has(i));
  const split = stratifiedSplit(rows, label, 0.2, DEFAULT_PARAMS.seed);

  const p = DEFAULT_PARAMS;
  const peers = python(
    {
      kind: 'dataset',
      train_csv: trainCsv,
      test_csv: testCsv,
      label: spec.label,
      positive: spec.positive,
      columns: schema.columns,
      valid_rows: split.valid,
      nthread: 2,
      params: {
        learning_rate: p.learningRate,
        max_rounds: p.maxRounds,
        max_depth: p.maxDepth,
        subsample: p.subsample,
        colsample: p.colsample,
        lambda: p.lambda,
        min_child_weight: p.minChildWeight,
        early_stopping_rounds: p.earlyStoppingRounds,
      },
    },
    dir,
  );
  const peer = (key: string, learner: string) => {
    const r = peers[key] as { fit_s: number; trees: number; probability: number[] };
    return { learner, trees: r.trees, fit_s: r.fit_s, metrics: evaluateScores(r.probability, testLabel) };
  };
  const { gains: _gains, ...metrics } = ours;
  return {
    name: spec.name,
    sample: sample?.rows ?? null,
    sample_seed: sample?.seed ?? null,
    train_rows: train.rowCount,
    test_rows: test.rowCount,
    learners: [{ learner: 'tenure', trees: trained.summary.trees, fit_s: fit, metrics }, peer('xgboost', 'xgboost-hist'), peer('sklearn_hgb', 'sklearn-hgb')],
  };
}

function writeSynthetic(rows: number, cols: number, dir: string): { x_path: string; y_path: string; rows: number; cols: number } {
  const { set, label } = syntheticSet(rows, cols, 2024);
  const x = new Float64Array(rows * cols);
  set.columns.forEach((c, f) => {
    if (c.kind === 'numeric') x.set(c.values, f * rows);
  });
  const xPath = join(dir, `synthetic-${rows}x${cols}.f64`);
  const yPath = join(dir, `synthetic-${rows}x${cols}.u8`);
  writeFileSync(xPath, new Uint8Array(x.buffer));
  writeFileSync(yPath, label);
  return { x_path: xPath, y_path: yPath, rows, cols };
}

/**
 * Runs every job `times` times, interleaved, and keeps for each the run with the median fit
 * time (its peak RSS and other fields with it) plus every run's fit time in `fit_runs_s`.
 */
function repeated(times: number, jobs: Record<string, () => Json>): Record<string, Json> {
  const runs: Record<string, Json[]> = Object.fromEntries(Object.keys(jobs).map((k) => [k, []]));
  for (let i = 0; i < times; i++) for (const [k, job] of Object.entries(jobs)) runs[k]!.push(job());
  return Object.fromEntries(
    Object.entries(runs).map(([k, list]) => {
      const sorted = [...list].sort((a, b) => Number(a.fit_s) - Number(b.fit_s));
      return [k, { ...sorted[(sorted.length - 1) >> 1], fit_runs_s: list.map((r) => Number(r.fit_s)) }];
    }),
  );
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const text = rows.map((r) => r.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(header.map((h, i) => h.padEnd(widths[i] as number)).join('  ') + '\n');
  process.stdout.write(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const r of text) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ') + '\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    process.stdout.write(JSON.stringify(await runChild(JSON.parse(argv[1] as string) as Json)));
    return;
  }
  const skip1m = argv.includes('--no-1m');
  const sampleAt = argv.indexOf('--sample');
  const sampleRows = sampleAt >= 0 ? Number(argv[sampleAt + 1]) : 3000;
  const seedsAt = argv.indexOf('--sample-seeds');
  const sampleSeeds = (seedsAt >= 0 ? String(argv[seedsAt + 1]) : '1,2,3,4,5').split(',').map(Number);
  const onlySets = argv.includes('--sets-only');
  const repeatAt = argv.indexOf('--repeat');
  const repeat = repeatAt >= 0 ? Math.max(1, Number(argv[repeatAt + 1])) : 3;
  execFileSync('bash', [join(HERE, 'setup.sh')], { stdio: 'inherit' });
  const versions = execFileSync(PY, ['-c', 'import xgboost, sklearn, numpy; print(xgboost.__version__, sklearn.__version__, numpy.__version__)'], { encoding: 'utf8' }).trim().split(' ');
  const dir = mkdtempSync(join(tmpdir(), 'tenure-bench-model-'));
  const started = new Date().toISOString();
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadBefore = load();

  const datasets: DatasetResult[] = [];
  for (const spec of SETS) {
    process.stderr.write(`data set ${spec.name} …\n`);
    datasets.push(runDataset(spec, dir));
    if (sampleRows > 0) {
      for (const seed of sampleSeeds) {
        process.stderr.write(`data set ${spec.name}, ${sampleRows}-row sample, seed ${seed} …\n`);
        datasets.push(runDataset(spec, dir, { rows: sampleRows, seed }));
      }
    }
  }
  const setName = (d: DatasetResult) => (d.sample === null ? d.name : `${d.name} ${d.sample} s${d.sample_seed}`);
  printTable(
    'Test-set metrics (train on train.csv or a sample of it with the default configuration, evaluate on test.csv)',
    ['set / learner', 'trees', 'fit s', 'AUC', 'PR AUC', 'lift@10%', 'Brier', 'ΔAUC vs xgb'],
    datasets.flatMap((d) => {
      const xgbAuc = d.learners.find((l) => l.learner === 'xgboost-hist')?.metrics.auc ?? Number.NaN;
      return d.learners.map((l) => [`${setName(d)} / ${l.learner}`, l.trees, f3(l.fit_s), f4(l.metrics.auc), f4(l.metrics.pr_auc), f3(l.metrics.lift_top10), f4(l.metrics.brier), f4(l.metrics.auc - xgbAuc)]);
    }),
  );
  const samples: Json[] = [];
  if (sampleRows > 0) {
    const auc = (d: DatasetResult, learner: string) => d.learners.find((l) => l.learner === learner)?.metrics.auc ?? Number.NaN;
    for (const spec of SETS) {
      const runs = datasets.filter((d) => d.name === spec.name && d.sample !== null);
      const diffs = runs.map((d) => auc(d, 'tenure') - auc(d, 'xgboost-hist'));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      samples.push({
        set: spec.name,
        rows: sampleRows,
        seeds: sampleSeeds,
        tenure_mean_auc: mean(runs.map((d) => auc(d, 'tenure'))),
        xgboost_mean_auc: mean(runs.map((d) => auc(d, 'xgboost-hist'))),
        sklearn_mean_auc: mean(runs.map((d) => auc(d, 'sklearn-hgb'))),
        tenure_minus_xgboost: diffs,
        worst: Math.min(...diffs),
      });
    }
    printTable(
      `${sampleRows}-row training samples, seeds ${sampleSeeds.join(', ')}: mean test AUC`,
      ['set', 'tenure', 'xgboost-hist', 'sklearn-hgb', 'mean Δ vs xgb', 'worst Δ vs xgb'],
      samples.map((r) => [String(r.set), f4(Number(r.tenure_mean_auc)), f4(Number(r.xgboost_mean_auc)), f4(Number(r.sklearn_mean_auc)), f4(Number(r.tenure_mean_auc) - Number(r.xgboost_mean_auc)), f4(Number(r.worst))]),
    );
  }
  if (onlySets) {
    mkdirSync(join(HERE, 'out'), { recursive: true });
    writeFileSync(join(HERE, 'out', 'model-sets.json'), JSON.stringify({ started, finished: new Date().toISOString(), load_before: loadBefore, load_after: load(), peers: { xgboost: versions[0], sklearn: versions[1] }, datasets, samples }, null, 2) + '\n');
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`\nwrote bench/out/model-sets.json (load average before ${loadBefore}, after ${load()})\n`);
    return;
  }

  // Fixed rounds and depth: fit time.
  const timing: Json[] = [];
  const c2c = SETS[1];
  const c2cTrain = join(DATASETS, c2c.name, 'train.csv');
  process.stderr.write('fit timing: cell2cell …\n');
  const c2cSchema = inferSchema(parseCsv(readFileSync(c2cTrain, 'utf8')), { label: c2c.label, positive: c2c.positive, id: c2c.id });
  const tableJob = { train_csv: c2cTrain, label: c2c.label, positive: c2c.positive, id: c2c.id, columns: c2cSchema.columns, rounds: FIXED.rounds, max_depth: FIXED.maxDepth, learning_rate: FIXED.learningRate };
  timing.push({
    workload: 'cell2cell train (40,837 × 56)',
    ...repeated(repeat, {
      tenure_1t: () => child({ kind: 'fit-table', ...tableJob, threads: 1 }),
      tenure_2t: () => child({ kind: 'fit-table', ...tableJob, threads: 2 }),
      xgboost_2t: () => python({ kind: 'fixed', ...tableJob, nthread: 2 }, dir),
      xgboost_1t: () => python({ kind: 'fixed', ...tableJob, nthread: 1 }, dir),
    }),
  });
  const sizes = skip1m ? [100_000] : [100_000, 1_000_000];
  let scoring: Json | null = null;
  for (const rows of sizes) {
    process.stderr.write(`fit timing: synthetic ${rows} × 20 …\n`);
    const data = writeSynthetic(rows, 20, dir);
    const job = { ...data, rounds: FIXED.rounds, max_depth: FIXED.maxDepth, learning_rate: FIXED.learningRate };
    const modelOut = join(dir, `model-${rows}.json`);
    timing.push({
      workload: `synthetic ${rows.toLocaleString('en')} × 20`,
      ...repeated(repeat, {
        tenure_1t: () => child({ kind: 'fit-synthetic', ...data, threads: 1, model_out: modelOut }),
        tenure_2t: () => child({ kind: 'fit-synthetic', ...data, threads: 2 }),
        xgboost_2t: () => python({ kind: 'fixed', ...job, nthread: 2 }, dir),
        xgboost_1t: () => python({ kind: 'fixed', ...job, nthread: 1 }, dir),
      }),
      // HistGradientBoosting at 1M rows takes many minutes on this box; timed once at 100k only.
      sklearn_hgb: rows <= 100_000 ? python({ kind: 'fixed_hgb', ...job }, dir) : undefined,
    });
    if (rows === 1_000_000 || (skip1m && rows === 100_000)) {
      process.stderr.write(`scoring ${rows} rows with explanations …\n`);
      const model = `${FIXED.rounds} trees, depth ${FIXED.maxDepth}, trained on the same rows`;
      scoring = { one_thread: { ...child({ kind: 'score', ...data, model: modelOut }), model }, two_threads: { ...child({ kind: 'score', ...data, model: modelOut, threads: 2 }), model } };
    }
  }
  const cell = (r: unknown) => {
    const j = r as { fit_s?: number; peak_rss_mb?: number } | undefined;
    return j?.fit_s === undefined ? '-' : `${j.fit_s.toFixed(2)} s / ${Math.round(j.peak_rss_mb ?? 0)} MB`;
  };
  printTable(
    `Fit time (median of ${repeat} runs) / peak RSS, ${FIXED.rounds} rounds, depth ${FIXED.maxDepth}, lr ${FIXED.learningRate}, no sampling`,
    ['workload', 'tenure 1 thread', 'tenure 2 threads', 'xgboost nthread=2', 'xgboost nthread=1', 'sklearn hgb', 'tenure best / xgb best'],
    timing.map((t) => {
      const best = (a: unknown, b: unknown) => Math.min((a as { fit_s: number }).fit_s, (b as { fit_s: number }).fit_s);
      return [String(t.workload), cell(t.tenure_1t), cell(t.tenure_2t), cell(t.xgboost_2t), cell(t.xgboost_1t), cell(t.sklearn_hgb), (best(t.tenure_1t, t.tenure_2t) / best(t.xgboost_2t, t.xgboost_1t)).toFixed(2)];
    }),
  );
  if (scoring) {
    printTable(
      'Scoring with explanations (bin + margin + calibrate + exact TreeSHAP + top-3 reasons)',
      ['threads', 'rows', 'trees', 'seconds', 'peak RSS MB'],
      Object.values(scoring).map((v) => {
        const s = v as Json;
        return [String(s.threads), Number(s.rows).toLocaleString('en'), Number(s.trees), Number(s.score_s).toFixed(1), Math.round(Number(s.peak_rss_mb))];
      }),
    );
  }
  const out = {
    started,
    finished: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, mem_gb: Math.round(totalmem() / 2 ** 30), load_before: loadBefore, load_after: load(), node: process.version },
    peers: { xgboost: versions[0], sklearn: versions[1], numpy: versions[2] },
    default_params: DEFAULT_PARAMS,
    fixed_params: FIXED,
    fit_repeat: repeat,
    datasets,
    samples,
    timing,
    scoring,
  };
  mkdirSync(join(HERE, 'out'), { recursive: true });
  writeFileSync(join(HERE, 'out', 'model.json'), JSON.stringify(out, null, 2) + '\n');
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`\nwrote bench/out/model.json (load average before ${loadBefore}, after ${load()})\n`);
}

await main();
