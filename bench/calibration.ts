/**
 * Calibration on small flat tables (issue 11.3): does the 20 % early-stopping split starve the
 * calibration of a small table with few positives? Trains `model train --table`'s learner
 * (src/model/flat.ts trainTable) on samples of the shared sets' train.csv and compares the
 * calibration fitted on the held-out rows' margins ('holdout') with Platt on out-of-fold
 * margins of the refit ('cross-fit', every row calibrates), on the same model.
 *
 *   npx tsx bench/calibration.ts [--rows 3000] [--rates 0.05,natural] [--seeds 1..5]
 *
 * A sample at positive rate r draws round(rows · r) positives and the rest negatives from
 * train.csv (seeded); the test is the whole test.csv with its positives thinned to the same
 * rate, so that calibration is judged where the base rate is the model's. Metrics: AUC, Brier,
 * log loss, expected calibration error (10 equal-count bins) and mean predicted − observed.
 * Prints a table and writes bench/out/calibration.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildColumns, buildLabel } from '../src/model/flat-schema.ts';
import { loadFlatModel, trainTable } from '../src/model/flat.ts';
import { Rng } from '../src/model/random.ts';
import { parseCsv, type CsvTable } from '../src/model/table.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '3000' },
    rates: { type: 'string', default: '0.05,natural' },
    seeds: { type: 'string', default: '1..5' },
  },
});
const ROOT = resolve(import.meta.dirname, '..');
const DATASETS = resolve(ROOT, '../shared/datasets');
const SETS = [
  { name: 'ibm_telco', label: 'Churn', positive: 'Yes', id: 'customerID' },
  { name: 'cell2cell', label: 'Churn', positive: 'Yes', id: 'CustomerID' },
] as const;

function seedList(text: string): number[] {
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (m) return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
  return text.split(',').map(Number);
}

function subset(t: CsvTable, rows: readonly number[]): CsvTable {
  return { header: t.header, columns: t.columns.map((c) => rows.map((r) => c[r] as string)), rowCount: rows.length };
}

function shuffle(a: number[], rng: Rng): number[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}

/** Rows of t by class (label column, positive value). */
function byClass(t: CsvTable, label: string, positive: string): { pos: number[]; neg: number[] } {
  const col = t.columns[t.header.indexOf(label)] as string[];
  const pos: number[] = [];
  const neg: number[] = [];
  col.forEach((v, i) => (v.trim() === positive ? pos : neg).push(i));
  return { pos, neg };
}

interface Metrics {
  auc: number;
  brier: number;
  log_loss: number;
  ece: number;
  bias: number;
}

function metrics(p: Float64Array, y: Uint8Array): Metrics {
  const n = p.length;
  let brier = 0;
  let ll = 0;
  let sp = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p[i] as number));
    brier += ((p[i] as number) - (y[i] as number)) ** 2;
    ll -= y[i] ? Math.log(q) : Math.log(1 - q);
    sp += p[i] as number;
    sy += y[i] as number;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (p[a] as number) - (p[b] as number));
  let ece = 0;
  for (let b = 0; b < 10; b++) {
    const lo = Math.floor((b * n) / 10);
    const hi = Math.floor(((b + 1) * n) / 10);
    let bp = 0;
    let by = 0;
    for (let k = lo; k < hi; k++) {
      bp += p[order[k] as number] as number;
      by += y[order[k] as number] as number;
    }
    ece += Math.abs(bp - by) / n;
  }
  // AUC by ranks (ties half).
  let auc = 0;
  let pos = 0;
  let negSeen = 0;
  for (let k = 0; k < n; ) {
    let e = k;
    while (e < n && p[order[e] as number] === p[order[k] as number]) e++;
    let tiePos = 0;
    let tieNeg = 0;
    for (let j = k; j < e; j++) {
      if (y[order[j] as number]) tiePos++;
      else tieNeg++;
    }
    auc += tiePos * (negSeen + tieNeg / 2);
    pos += tiePos;
    negSeen += tieNeg;
    k = e;
  }
  return { auc: auc / (pos * negSeen), brier: brier / n, log_loss: ll / n, ece, bias: (sp - sy) / n };
}

const rows = Number(args.rows);
const seeds = seedList(args.seeds);
const rates = args.rates.split(',');
const results: Record<string, unknown>[] = [];
const started = new Date().toISOString();
const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' ');
for (const spec of SETS) {
  const dir = join(DATASETS, spec.name);
  const train = parseCsv(readFileSync(join(dir, 'train.csv'), 'utf8'), join(dir, 'train.csv'));
  const test = parseCsv(readFileSync(join(dir, 'test.csv'), 'utf8'), join(dir, 'test.csv'));
  const tr = byClass(train, spec.label, spec.positive);
  const te = byClass(test, spec.label, spec.positive);
  for (const rateText of rates) {
    const rate = rateText === 'natural' ? tr.pos.length / (tr.pos.length + tr.neg.length) : Number(rateText);
    for (const seed of seeds) {
      const rng = new Rng(seed * 7919 + 17);
      const nPos = Math.round(rows * rate);
      const sample = [...shuffle([...tr.pos], rng).slice(0, nPos), ...shuffle([...tr.neg], rng).slice(0, rows - nPos)].sort((a, b) => a - b);
      const testPos = Math.round((te.neg.length * rate) / (1 - rate));
      const testRows = [...shuffle([...te.pos], rng).slice(0, Math.min(te.pos.length, testPos)), ...te.neg].sort((a, b) => a - b);
      const trainTable_ = subset(train, sample);
      const testTable = subset(test, testRows);
      const row: Record<string, unknown> = { set: spec.name, rate: rateText, seed, rows, positives: nPos, test_rows: testRows.length };
      for (const fit of ['holdout', 'cross-fit'] as const) {
        const t = performance.now();
        const { model } = trainTable(trainTable_, { label: spec.label, positive: spec.positive, id: spec.id, calibrationFit: fit });
        const seconds = (performance.now() - t) / 1000;
        const flat = loadFlatModel(model);
        const { label } = buildLabel(testTable, flat.schema);
        const p = flat.model.probability(buildColumns(testTable, flat.schema));
        row[fit] = { ...metrics(p, label), seconds };
      }
      results.push(row);
      const h = row.holdout as Metrics;
      const c = row['cross-fit'] as Metrics;
      process.stderr.write(`${spec.name} rate ${rateText} seed ${seed}: Brier ${h.brier.toFixed(5)} → ${c.brier.toFixed(5)}, ECE ${h.ece.toFixed(4)} → ${c.ece.toFixed(4)}, log loss ${h.log_loss.toFixed(4)} → ${c.log_loss.toFixed(4)}\n`);
    }
  }
}

const f = (x: number, d = 4) => x.toFixed(d);
process.stdout.write(`\n${rows}-row samples of train.csv, seeds ${seeds.join(',')}; test thinned to the sample's positive rate. Means: holdout Platt → cross-fitted Platt\n`);
const header = ['set', 'rate', 'AUC', 'Brier', 'log loss', 'ECE', 'mean p − rate', 'cross-fit better Brier'];
process.stdout.write(header.join(' | ') + '\n');
const summary: Record<string, unknown>[] = [];
for (const spec of SETS) {
  for (const rateText of rates) {
    const rs = results.filter((r) => r.set === spec.name && r.rate === rateText);
    const mean = (fit: string, k: keyof Metrics) => rs.reduce((s, r) => s + (r[fit] as Metrics)[k], 0) / rs.length;
    const wins = rs.filter((r) => (r['cross-fit'] as Metrics).brier < (r.holdout as Metrics).brier).length;
    const line = { set: spec.name, rate: rateText, ...Object.fromEntries((['auc', 'brier', 'log_loss', 'ece', 'bias'] as const).flatMap((k) => [[`holdout_${k}`, mean('holdout', k)], [`cross_fit_${k}`, mean('cross-fit', k)]])), cross_fit_better_brier: `${wins}/${rs.length}` };
    summary.push(line);
    process.stdout.write(
      [spec.name, rateText, `${f(mean('holdout', 'auc'))} → ${f(mean('cross-fit', 'auc'))}`, `${f(mean('holdout', 'brier'), 5)} → ${f(mean('cross-fit', 'brier'), 5)}`, `${f(mean('holdout', 'log_loss'))} → ${f(mean('cross-fit', 'log_loss'))}`, `${f(mean('holdout', 'ece'))} → ${f(mean('cross-fit', 'ece'))}`, `${f(mean('holdout', 'bias'))} → ${f(mean('cross-fit', 'bias'))}`, `${wins}/${rs.length}`].join(' | ') + '\n',
    );
  }
}
mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
const file = join(ROOT, 'bench', 'out', 'calibration.json');
writeFileSync(file, JSON.stringify({ started, finished: new Date().toISOString(), command: `npx tsx bench/calibration.ts ${process.argv.slice(2).join(' ')}`.trim(), load_before: loadBefore, load_after: loadavg().map((x) => x.toFixed(2)).join(' '), summary, results }, null, 2) + '\n');
process.stdout.write(`wrote ${file}\n`);
