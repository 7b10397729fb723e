/**
 * Batch TreeSHAP benchmark: exact contributions of a realistic GBDT (depth 6, 300 rounds on
 * synthetic 200k × 45) for many rows, on one thread (Explainer.contributions) and on two
 * (contributionsParallel). Prints a table and writes bench/out/explain.json.
 *
 *   npx tsx bench/explain.ts                          # 1M rows on 2 threads, 200k on 1, 3 reps
 *   npx tsx bench/explain.ts --rows 200000 --single 100000 --reps 5
 *   npx tsx bench/explain.ts --baseline DIR           # also time DIR/explain.ts + DIR/explain-parallel.ts
 *
 * The model is trained once and cached in bench/out/explain-model.json. With --baseline
 * (e.g. a copy of an older src/model/explain*.ts whose imports point back into src/model),
 * both implementations run interleaved in the same process and the table shows medians;
 * their outputs are compared too. Timings on a shared machine are noisy: compare medians.
 * The row-wise kernel the column-wise one replaced, as such a copy:
 *
 *   mkdir -p .tmp/orig && for f in explain.ts explain-parallel.ts; do git show 400bcd4~1:src/model/$f |
 *     sed -e "s#'./shap.ts'#'../../src/model/shap.ts'#; s#'./tree.ts'#'../../src/model/tree.ts'#; s#'./model.ts'#'../../src/model/model.ts'#" > .tmp/orig/$f; done
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Explainer } from '../src/model/explain.ts';
import { contributionsParallel } from '../src/model/explain-parallel.ts';
import { trainGbdt } from '../src/model/gbdt.ts';
import { GbdtModel } from '../src/model/model.ts';
import { syntheticSet } from '../src/model/synthetic.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(HERE, 'out');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

const rows = Number(arg('rows', '1000000'));
const single = Number(arg('single', '200000'));
const reps = Number(arg('reps', '3'));
const modelPath = resolve(arg('model', resolve(OUT, 'explain-model.json')));
const baselineDir = arg('baseline', '');

interface Impl {
  name: string;
  make: (m: GbdtModel) => { contributions(bins: Uint8Array, n: number): Float64Array };
  parallel: (e: never, bins: Uint8Array, n: number) => Promise<Float64Array>;
}

function loadModel(): GbdtModel {
  if (existsSync(modelPath)) return GbdtModel.fromJSON(JSON.parse(readFileSync(modelPath, 'utf8')));
  console.log(`training the benchmark model (${modelPath}) …`);
  const { set, label } = syntheticSet(200_000, 45, 11);
  const { model } = trainGbdt({ train: set, label }, { maxRounds: 300, maxDepth: 6, learningRate: 0.1, earlyStoppingRounds: 10_000 });
  mkdirSync(dirname(modelPath), { recursive: true });
  writeFileSync(modelPath, JSON.stringify(model.toJSON()));
  return model;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  const model = loadModel();
  const trees = model.trees.length;
  let leaves = 0;
  for (const t of model.trees) for (let i = 0; i < t.left.length; i++) if ((t.left[i] as number) < 0) leaves++;
  const { set } = syntheticSet(rows, model.binnings.length, 12_345);
  const bins = model.bin(set);

  const impls: Impl[] = [];
  if (baselineDir) {
    const dir = resolve(baselineDir);
    const e = (await import(pathToFileURL(resolve(dir, 'explain.ts')).href)) as { Explainer: new (m: GbdtModel) => { contributions(bins: Uint8Array, n: number): Float64Array } };
    const p = (await import(pathToFileURL(resolve(dir, 'explain-parallel.ts')).href)) as { contributionsParallel: Impl['parallel'] };
    impls.push({ name: 'baseline', make: (m) => new e.Explainer(m), parallel: p.contributionsParallel });
  }
  impls.push({ name: 'current', make: (m) => new Explainer(m), parallel: contributionsParallel as Impl['parallel'] });

  const built = impls.map((impl) => {
    const t = performance.now();
    const explainer = impl.make(model);
    return { impl, explainer, build_ms: performance.now() - t, single_s: [] as number[], parallel_s: [] as number[] };
  });
  // Warm-up (JIT) and a cross-check of the outputs.
  const warm = built.map((b) => b.explainer.contributions(bins, Math.min(rows, 20_000)));
  let maxDiff = 0;
  let maxAbs = 0;
  for (const w of warm) {
    for (let i = 0; i < w.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((w[i] as number) - (warm[0]![i] as number)));
      maxAbs = Math.max(maxAbs, Math.abs(w[i] as number));
    }
  }
  const singleRows = Math.min(rows, single);
  for (let r = 0; r < reps; r++) {
    for (const b of r % 2 ? [...built].reverse() : built) {
      let t = performance.now();
      b.explainer.contributions(bins, singleRows);
      b.single_s.push((performance.now() - t) / 1000);
      t = performance.now();
      await b.impl.parallel(b.explainer as never, bins, rows);
      b.parallel_s.push((performance.now() - t) / 1000);
    }
  }
  const report = built.map((b) => {
    const s1 = median(b.single_s);
    const s2 = median(b.parallel_s);
    return {
      impl: b.impl.name,
      build_ms: Math.round(b.build_ms),
      single_rows: singleRows,
      single_s: s1,
      single_ns_per_row_tree: (s1 * 1e9) / (singleRows * trees),
      parallel_rows: rows,
      parallel_s: s2,
      parallel_ns_per_row_tree: (s2 * 1e9) / (rows * trees),
      parallel_s_per_1m_x_300: (s2 * 1e6 * 300) / (rows * trees),
      single_runs: b.single_s,
      parallel_runs: b.parallel_s,
    };
  });
  console.log(`model: ${trees} trees, ${(leaves / trees).toFixed(1)} leaves/tree, ${model.binnings.length} features; ${reps} interleaved reps, medians`);
  if (built.length > 1) console.log(`max |difference| between implementations: ${maxDiff.toExponential(2)} (max |phi| ${maxAbs.toFixed(3)})`);
  console.log('impl       build ms   1 thread: rows      s   ns/row·tree   2 threads: rows      s   ns/row·tree   s per 1M×300');
  for (const r of report) {
    console.log(
      `${r.impl.padEnd(10)} ${String(r.build_ms).padStart(8)}   ${String(r.single_rows).padStart(15)} ${r.single_s.toFixed(2).padStart(6)} ${r.single_ns_per_row_tree.toFixed(1).padStart(13)}   ${String(r.parallel_rows).padStart(16)} ${r.parallel_s.toFixed(2).padStart(6)} ${r.parallel_ns_per_row_tree.toFixed(1).padStart(13)} ${r.parallel_s_per_1m_x_300.toFixed(1).padStart(14)}`,
    );
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(resolve(OUT, 'explain.json'), JSON.stringify({ trees, features: model.binnings.length, leaves_per_tree: leaves / trees, reps, max_difference: maxDiff, results: report }, null, 2));
}

await main();
