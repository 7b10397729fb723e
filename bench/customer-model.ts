/**
 * Customer model vs the notebook an analyst would write (issue 11): on the same contract
 * files, Tenure's `tenure import` + `model train` + `score` and a pandas + XGBoost notebook
 * (bench/customer_model_peer.py), side by side. Each data set is simulated for 3 months past
 * its last written month and cut there (bench/holdout-cut.ts): the test is the churn of the
 * last month's closing base in those 3 months, which neither side sees.
 *
 *   npx tsx bench/customer-model.ts                                # 20k customers, seeds 1 and 2, both generators
 *   npx tsx bench/customer-model.ts --customers 200000 --seeds 1   # the 200k run (one at a time: memory is shared)
 * Options: --generators demo,second  --months 24  --nthread 2 (XGBoost's threads)  --rt (run every
 * timed process under `chrt -r 10`, so other jobs on a shared machine do not take its cores)
 * --no-peer-without-x (skip the notebook run that leaves the x_ columns out)  --tenure-only (no notebook
 * runs: to re-measure Tenure on data sets whose notebook figures are known).
 *
 * Data sets: the demo operator (`tenure demo`, profile mixed, 27 months written, cut after 24)
 * and the second operator (bench/second-operator.ts: other segments, drivers, export columns
 * and x_ columns; it knows each customer's true probability, so the table gives the Bayes
 * AUC, the best any model could reach). Both sides run as separate processes, each timed with
 * its peak RSS (GNU time). Tenure's figure is `model train` + `score` (its import is shown
 * apart: the notebook has no store); the notebook's is its whole run (reading the CSVs,
 * features, training, predicting). The notebook is also run without the x_ columns: the
 * information Tenure's model reads when it does not use them.
 * Prints a table and writes bench/out/customer-model-<customers>-<generators>.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { addMonths } from '../src/domain/month.ts';
import { writeDemoDataset } from '../src/app/demo/write-dataset.ts';
import { rocAuc } from '../src/model/metrics.ts';
import { parseCsv } from '../src/model/table.ts';
import { cutAtMonth, type TruthRow } from './holdout-cut.ts';
import { writeSecondOperator } from './second-operator.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '20000' },
    seeds: { type: 'string', default: '1,2' },
    generators: { type: 'string', default: 'demo,second' },
    months: { type: 'string', default: '24' },
    nthread: { type: 'string', default: '2' },
    rt: { type: 'boolean', default: false },
    'no-peer-without-x': { type: 'boolean', default: false },
    'tenure-only': { type: 'boolean', default: false },
  },
});

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
const HORIZON = 3;
const PY = '/usr/bin/python3';
const DEMO_LAST = '2025-09';
const SECOND_LAST = '2026-06';

interface Timed {
  readonly seconds: number;
  readonly peak_rss_mb: number;
  readonly status: number;
}

/** Runs a command under GNU time: wall seconds and peak RSS of the process (and its children). */
function timed(cmd: string, argv: readonly string[], stdoutPath?: string): Timed & { stdout: string; stderr: string } {
  const stats = join(OUT, `.time-${process.pid}`);
  const prefix = args.rt ? ['chrt', '-r', '10'] : [];
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', stats, ...prefix, cmd, ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (stdoutPath) writeFileSync(stdoutPath, r.stdout);
  const [seconds, kb] = readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  rmSync(stats, { force: true });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { seconds: seconds ?? Number.NaN, peak_rss_mb: (kb ?? 0) / 1024, status: r.status ?? -1, stdout: stdoutPath ? '' : r.stdout, stderr: r.stderr };
}

interface DataSet {
  readonly name: string;
  readonly dir: string;
  readonly data: string;
  readonly truth: TruthRow[];
}

async function dataSet(generator: string, customers: number, months: number, seed: number): Promise<DataSet> {
  const name = `${generator}-${customers}x${months}-s${seed}`;
  const dir = join(OUT, 'customer-model', name);
  const full = join(dir, 'full');
  const data = join(dir, 'data');
  const truthPath = join(dir, 'truth.csv');
  if (!existsSync(join(dir, '.complete'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`generating ${name} …\n`);
    if (generator === 'demo') {
      await writeDemoDataset({ outDir: full, customers, months: months + HORIZON, seed, profile: 'mixed', endMonth: addMonths(DEMO_LAST, HORIZON) });
    } else if (generator === 'second') {
      await writeSecondOperator({ outDir: full, customers, months, seed, lastMonth: SECOND_LAST, horizon: HORIZON });
    } else {
      throw new Error(`unknown generator ${generator}`);
    }
    await cutAtMonth(full, data, truthPath, generator === 'demo' ? DEMO_LAST : SECOND_LAST, HORIZON);
    rmSync(full, { recursive: true, force: true });
    writeFileSync(join(dir, '.complete'), '');
  }
  const table = parseCsv(readFileSync(truthPath, 'utf8'), truthPath);
  const col = (n: string) => table.columns[table.header.indexOf(n)] as string[];
  const ids = col('customer_id');
  const churned = col('churned');
  const pTrue = col('p_true');
  const truth = ids.map((id, i) => ({ customer_id: id, churned: Number(churned[i]), p_true: pTrue[i] === '' ? null : Number(pTrue[i]) }));
  return { name, dir, data, truth };
}

/** AUC of a score file (id column, score column) on the truth's customers; every customer must be scored. */
function aucOf(path: string, idColumn: string, scoreColumn: string, truth: readonly TruthRow[]): { auc: number; scored: number; missing: number } {
  const table = parseCsv(readFileSync(path, 'utf8'), path);
  const ids = table.columns[table.header.indexOf(idColumn)] as string[];
  const scores = table.columns[table.header.indexOf(scoreColumn)] as string[];
  const byId = new Map(ids.map((id, i) => [id, Number(scores[i])]));
  const s: number[] = [];
  const y: number[] = [];
  let missing = 0;
  for (const t of truth) {
    const v = byId.get(t.customer_id);
    if (v === undefined) {
      missing++;
      continue;
    }
    s.push(v);
    y.push(t.churned);
  }
  return { auc: rocAuc(s, y), scored: s.length, missing };
}

function runTenure(ds: DataSet): Record<string, unknown> {
  const db = join(ds.dir, 'tenure.duckdb');
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const cli = join(ROOT, 'bin', 'tenure.js');
  const imp = timed(process.execPath, [cli, 'import', ds.data, '--db', db]);
  const train = timed(process.execPath, [cli, 'model', 'train', '--db', db, '--json']);
  const scores = join(ds.dir, 'tenure-scores.csv');
  const score = timed(process.execPath, [cli, 'score', '--db', db, '--format', 'csv', '--lang', 'en'], scores);
  const metrics = JSON.parse(train.stdout) as { metrics?: { model?: { auc?: number }; trees?: number } } & Record<string, unknown>;
  const test = aucOf(scores, 'customer_id', 'churn_probability', ds.truth);
  rmSync(db, { force: true });
  return {
    import: { seconds: imp.seconds, peak_rss_mb: imp.peak_rss_mb },
    train: { seconds: train.seconds, peak_rss_mb: train.peak_rss_mb, log: train.stderr.trim().split('\n') },
    score: { seconds: score.seconds, peak_rss_mb: score.peak_rss_mb },
    train_score_s: train.seconds + score.seconds,
    train_score_peak_mb: Math.max(train.peak_rss_mb, score.peak_rss_mb),
    test_auc: test.auc,
    scored: test.scored,
    missing: test.missing,
    holdout: metrics,
  };
}

function runPeer(ds: DataSet, withX: boolean): Record<string, unknown> {
  const out = join(ds.dir, withX ? 'peer-scores.csv' : 'peer-scores-no-x.csv');
  const r = timed(PY, [join(ROOT, 'bench', 'customer_model_peer.py'), ds.data, out, '--nthread', String(args.nthread), ...(withX ? [] : ['--no-x'])]);
  const report = JSON.parse(r.stdout) as Record<string, unknown>;
  const test = aucOf(out, 'customer_id', 'p', ds.truth);
  return { seconds: r.seconds, peak_rss_mb: r.peak_rss_mb, test_auc: test.auc, scored: test.scored, missing: test.missing, report };
}

const f3 = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '-');
const f4 = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : '-');

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  process.stdout.write(header.map((h, i) => h.padEnd(widths[i] as number)).join('  ') + '\n');
  process.stdout.write(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const r of rows) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ') + '\n');
}

async function main(): Promise<void> {
  execFileSync('bash', [join(ROOT, 'bench', 'setup.sh')], { stdio: 'inherit' });
  mkdirSync(OUT, { recursive: true });
  const customers = Number(args.customers);
  const months = Number(args.months);
  const seeds = args.seeds.split(',').map(Number);
  const generators = args.generators.split(',');
  const started = new Date().toISOString();
  const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' ');
  // Builds the CLI bundle once, outside every timing.
  execFileSync(process.execPath, [join(ROOT, 'bin', 'tenure.js'), '--help'], { cwd: ROOT, stdio: 'ignore' });

  const results: Record<string, unknown>[] = [];
  for (const generator of generators) {
    for (const seed of seeds) {
      const ds = await dataSet(generator, customers, months, seed);
      const churners = ds.truth.reduce((n, t) => n + t.churned, 0);
      const bayes = ds.truth.every((t) => t.p_true !== null) ? rocAuc(ds.truth.map((t) => t.p_true as number), ds.truth.map((t) => t.churned)) : null;
      process.stderr.write(`${ds.name}: base ${ds.truth.length}, churn in ${HORIZON} months ${(churners / ds.truth.length).toFixed(4)}; tenure …\n`);
      const tenure = runTenure(ds);
      process.stderr.write(`${ds.name}: notebook …\n`);
      const peer: Record<string, unknown> = args['tenure-only'] ? {} : runPeer(ds, true);
      const peerNoX = args['no-peer-without-x'] || args['tenure-only'] ? null : runPeer(ds, false);
      const row = { data_set: ds.name, generator, seed, customers, months, base: ds.truth.length, churn_rate: churners / ds.truth.length, bayes_auc: bayes, tenure, notebook: peer, notebook_without_x: peerNoX };
      results.push(row);
      process.stderr.write(`${ds.name}: tenure ${f4(tenure.test_auc)} notebook ${f4(peer.test_auc)}${peerNoX ? ` (without x_ ${f4(peerNoX.test_auc)})` : ''} bayes ${f4(bayes)}\n`);
    }
  }

  process.stdout.write(`\nTest AUC: churn in the ${HORIZON} months after the data's last month, closing base of that month\n`);
  printTable(
    ['data set', 'base', 'churn', 'Bayes', 'tenure', 'notebook', 'nb w/o x_', 'tenure−nb', 'train+score s / MB', 'notebook s / MB', 'import s / MB'],
    results.map((r) => {
      const t = r.tenure as Record<string, number> & { import: Timed };
      const p = r.notebook as Record<string, number>;
      const q = r.notebook_without_x as Record<string, number> | null;
      return [
        String(r.data_set),
        String(r.base),
        f3(r.churn_rate),
        f4(r.bayes_auc),
        f4(t.test_auc),
        f4(p.test_auc),
        f4(q?.test_auc),
        f4((t.test_auc as number) - (p.test_auc as number)),
        `${f3(t.train_score_s)} / ${Math.round(t.train_score_peak_mb as number)}`,
        `${f3(p.seconds)} / ${Math.round(p.peak_rss_mb as number)}`,
        `${f3(t.import.seconds)} / ${Math.round(t.import.peak_rss_mb)}`,
      ];
    }),
  );
  const out = {
    started,
    finished: new Date().toISOString(),
    command: `npx tsx bench/customer-model.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpus: cpus().length, mem_gb: Math.round(totalmem() / 2 ** 30), load_before: loadBefore, load_after: loadavg().map((x) => x.toFixed(2)).join(' '), node: process.version, realtime: args.rt },
    horizon: HORIZON,
    results,
  };
  const file = join(OUT, `customer-model-${customers}-${generators.join('-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`\nwrote ${file} (load average before ${loadBefore}, after ${out.machine.load_after})\n`);
}

await main();
