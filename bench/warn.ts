/**
 * Times `tenure warn` after scoring on a large operator (issue 12's figure: under 2 s at 1M
 * customers × 24 months), each call as its own CLI process (`node bin/tenure.js warn …`), start-up
 * included, against two peers in the same run: CLI start-up alone (`--help`, the floor of any
 * call) and `tenure value --json` (a read command over the same base).
 *
 *   npx tsx bench/warn.ts [--db PATH] [--customers 1000000] [--months 24] [--seed 7] [--profile mixed] [--runs 3] [--max-train-rows 600000]
 *
 * The store: --db (a store of its own: the bench trains and scores in it), else
 * bench/out/warn-<customers>x<months>-s<seed>-<profile>.duckdb, copied from bench/analytics.ts's
 * imported store when there is one, otherwise imported from the shared demo data folder. When it
 * has no churn model, one is trained (on at most --max-train-rows rows); when the last two months
 * are not scored, `scoreCustomers` scores them (timed, with its phases: `keep` is the context
 * warn reads). The timed calls run on a copy of it.
 * Prints a table and writes bench/out/warn.json.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { scoreCustomers, type ScorePhase } from '../src/app/churn-model/score.ts';
import { trainChurnModel } from '../src/app/churn-model/train.ts';
import { dataSpan } from '../src/app/data-span.ts';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { toTable } from '../src/cli/output.ts';
import { addMonths } from '../src/domain/month.ts';
import type { Profile } from '../src/domain/demo/index.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { demoDataFolder } from './demo-data.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    customers: { type: 'string', default: '1000000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    profile: { type: 'string', default: 'mixed' },
    runs: { type: 'string', default: '3' },
    'max-train-rows': { type: 'string', default: '600000' },
  },
});

const OUT = resolve('bench/out');
const o = { customers: Number(args.customers), months: Number(args.months), seed: Number(args.seed), profile: args.profile as Profile };
const tag = `${o.customers}x${o.months}-s${o.seed}-${o.profile}`;
const dbPath = resolve(args.db ?? join(OUT, `warn-${tag}.duckdb`));
const runs = Math.max(1, Number(args.runs));
const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function prepare(): Promise<Record<string, unknown>> {
  mkdirSync(OUT, { recursive: true });
  const prep: Record<string, unknown> = {};
  if (!existsSync(dbPath)) {
    const analytics = join(OUT, `analytics-${tag}.duckdb`);
    if (existsSync(analytics)) {
      process.stderr.write(`copying ${analytics}…\n`);
      copyFileSync(analytics, dbPath);
    } else {
      const data = await demoDataFolder(OUT, o);
      const store = await DuckDBStore.open(dbPath, { readableDirectories: [data] });
      try {
        const t = performance.now();
        await importDataset(store, data);
        prep.import_s = seconds(t);
      } finally {
        await store.close();
      }
    }
  }
  const store = await DuckDBStore.open(dbPath);
  try {
    const [models] = await store.query<{ n: number }>('SELECT count(*) AS n FROM churn_models');
    if (Number(models?.n ?? 0) === 0) {
      process.stderr.write('training the churn model…\n');
      const t = performance.now();
      const m = await trainChurnModel(store, { maxTrainRows: Number(args['max-train-rows']), log: (l) => process.stderr.write(`  ${l}\n`) });
      prep.train_s = seconds(t);
      prep.model = { version: m.modelVersion, trees: m.metrics.trees, holdout_auc: m.metrics.model.auc };
    }
    const span = await dataSpan(store);
    const scored: Record<string, unknown>[] = [];
    for (const month of [addMonths(span.last, -1), span.last]) {
      const [row] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM churn_scores WHERE as_of = CAST($1 AS DATE)`, [`${month}-01`]);
      const [kept] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM churn_score_context WHERE as_of = CAST($1 AS DATE)`, [`${month}-01`]);
      if (Number(row?.n ?? 0) > 0 && Number(kept?.n ?? 0) > 0) continue;
      process.stderr.write(`scoring ${month}…\n`);
      const phases: Partial<Record<ScorePhase, number>> = {};
      const t = performance.now();
      const run = await scoreCustomers(store, { asOf: month, onPhase: (p, s) => (phases[p] = Number(s.toFixed(2))) });
      scored.push({ as_of: month, customers: run.scores.length, total_s: Number(seconds(t).toFixed(2)), phases });
      process.stderr.write(`  ${run.scores.length} customers in ${seconds(t).toFixed(1)} s (${JSON.stringify(phases)})\n`);
    }
    prep.scored = scored;
    prep.as_of = span.last;
    const [n] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM churn_scores WHERE as_of = CAST($1 AS DATE)`, [`${span.last}-01`]);
    prep.scored_customers = Number(n?.n ?? 0);
  } finally {
    await store.close();
  }
  return prep;
}

const prep = await prepare();
const copy = `${dbPath}.warn-copy.duckdb`;
rmSync(copy, { force: true });
rmSync(`${copy}.wal`, { force: true });
copyFileSync(dbPath, copy);
const parquet = join(OUT, 'warn-list.parquet');
// Build the CLI bundle once, outside the timings (the first call after a source change does).
spawnSync(process.execPath, ['bin/tenure.js', '--help'], { stdio: 'ignore' });

const calls: [string, string[]][] = [
  ['start-up (peer: floor)', ['--help']],
  ['value (peer: a read command)', ['value', '--json', '--db', copy]],
  ['warn --top 1000', ['warn', '--top', '1000', '--format', 'csv', '--db', copy]],
  ['warn filtered --top 1000', ['warn', '--top', '1000', '--quadrant', 'III,IV', '--min-probability', '0.3', '--json', '--db', copy]],
  ['warn --segment --top 1000', ['warn', '--top', '1000', '--segment', 'full-service', '--format', 'csv', '--db', copy]],
  ['warn, whole list as CSV', ['warn', '--format', 'csv', '--db', copy]],
  ['warn --out parquet (whole list)', ['warn', '--out', parquet, '--db', copy]],
  ['warn --top 5000 --save', ['warn', '--top', '5000', '--save', 'bench', '--format', 'csv', '--db', copy]],
];
const results: Record<string, unknown>[] = [];
for (const [name, argv] of calls) {
  const wall: number[] = [];
  let lines = 0;
  for (let r = 0; r < runs; r++) {
    rmSync(parquet, { force: true });
    const t = performance.now();
    const res = spawnSync(process.execPath, ['bin/tenure.js', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30 });
    wall.push(performance.now() - t);
    if (res.status !== 0) throw new Error(`tenure ${argv.join(' ')} failed (${res.status}): ${res.stderr}`);
    lines = res.stdout.split('\n').length - 1;
  }
  const sorted = [...wall].sort((a, b) => a - b);
  const median = sorted[(sorted.length - 1) >> 1] as number;
  results.push({ name, median_ms: Math.round(median), wall_ms: wall.map(Math.round), stdout_lines: lines, under_2s: median < 2000, command: `tenure ${argv.join(' ').replace(copy, 'COPY')}` });
  process.stderr.write(`${name}: ${wall.map((w) => Math.round(w)).join('/')} ms\n`);
}
rmSync(copy, { force: true });
rmSync(`${copy}.wal`, { force: true });
rmSync(parquet, { force: true });

const load = loadavg();
process.stdout.write(
  `\ntenure warn after scoring ${String(prep.scored_customers)} customers as of ${String(prep.as_of)} (${tag}), CLI processes, ${cpus().length} cores, load ${load[0]?.toFixed(2)}\n\n` +
    toTable(['name', 'median_ms', 'wall_ms', 'under_2s', 'stdout_lines', 'command'], results.map((r) => ({ ...r, wall_ms: (r.wall_ms as number[]).join('/') })) as never),
);
writeFileSync(join(OUT, 'warn.json'), JSON.stringify({ ...o, db: dbPath, cores: cpus().length, load_average: load, prepare: prep, results }, null, 2) + '\n');
