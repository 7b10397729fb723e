/**
 * Times the issue-5 analytics (lifecycle, transitions, customer 360, retention, value,
 * segments, churn index vs observed, churn forecast) on a large imported operator, and
 * measures the forecast's backtest MAPE against seasonal naive on the demo operator.
 *
 *   npx tsx bench/analytics.ts [--customers 1000000] [--months 24] [--seed 7] [--profile mixed] [--runs 2] [--db PATH] [--plain] [--cli]
 *
 * The large store is the demo generator's data set imported with the importer (what a user
 * gets from `tenure demo` + `tenure import`), built once and kept in bench/out (the data
 * folder is shared with bench/import.ts). The kept derived tables are reset to what
 * `tenure import` leaves (the latest months' stages and values, whose preparation is timed),
 * or with --plain to what `tenure import --no-prepare` leaves (none). Each command is timed on a freshly opened store (cold_ms: what one CLI call sees,
 * minus process start) and then `runs` more times (warm).
 * Prints a table and writes bench/out/analytics.json (analytics-plain.json with --plain).
 *
 * With --cli, each command instead runs as its own `node bin/tenure.js … --db COPY` process on a
 * fresh copy of the post-import store, `runs` times: wall time from spawn to exit, process
 * start-up included, which is what a user waits for after an import. Writes
 * analytics-cli.json (analytics-cli-plain.json with --plain).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { type Profile } from '../src/domain/demo/index.ts';
import { writeDemoDataset } from '../src/app/demo/write-dataset.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import type { AnalyticsStore } from '../src/store/port.ts';
import { lifecycleSnapshot } from '../src/app/lifecycle/lifecycle.ts';
import { lifecycleTransitions } from '../src/app/lifecycle/transitions.ts';
import { customer360 } from '../src/app/customer/customer360.ts';
import { fitCohortsFromStore, retentionCurves } from '../src/app/retention/retention.ts';
import { customerValue } from '../src/app/value/customer-value.ts';
import { segmentReport } from '../src/app/segments/segments.ts';
import { observedChurnByScope } from '../src/app/segments/observed-churn.ts';
import { computeChurnIndex, type SurveyRow } from '../src/domain/churn-index.ts';
import { forecastChurnFromStore } from '../src/app/forecast/churn-forecast.ts';
import { toTable } from '../src/cli/output.ts';
import { prepareLatestAnalytics } from '../src/app/lifecycle/prepare.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    profile: { type: 'string', default: 'mixed' },
    runs: { type: 'string', default: '2' },
    db: { type: 'string' },
    'skip-demo-backtest': { type: 'boolean', default: false },
    plain: { type: 'boolean', default: false },
    cli: { type: 'boolean', default: false },
  },
});

const OUT = resolve('bench/out');
const customers = Number(args.customers);
const months = Number(args.months);
const seed = Number(args.seed);
const profile = args.profile as Profile;
const runs = Number(args.runs);
const dataDir = join(OUT, `data-${customers}x${months}-s${seed}-${profile}`);
const dbPath = args.db ?? join(OUT, `analytics-${customers}x${months}-s${seed}-${profile}.duckdb`);

const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function prepare(): Promise<{ generated_s: number | null; import_s: number | null }> {
  mkdirSync(OUT, { recursive: true });
  let generated: number | null = null;
  let imported: number | null = null;
  if (!existsSync(join(dataDir, '.complete'))) {
    const t = performance.now();
    rmSync(dataDir, { recursive: true, force: true });
    await writeDemoDataset({ outDir: dataDir, customers, months, seed, profile });
    writeFileSync(join(dataDir, '.complete'), '');
    generated = seconds(t);
    process.stderr.write(`generated ${dataDir} in ${generated.toFixed(1)} s\n`);
  }
  const store = await DuckDBStore.open(dbPath, { readableDirectories: [dataDir] });
  try {
    const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers');
    if (Number(row?.n ?? 0) === 0) {
      const t = performance.now();
      const report = await importDataset(store, dataDir);
      imported = seconds(t);
      process.stderr.write(`imported ${dataDir} into ${dbPath} in ${imported.toFixed(1)} s (${report.rejected} rejected)\n`);
    }
  } finally {
    await store.close();
  }
  return { generated_s: generated, import_s: imported };
}

type Job = { name: string; command: string; run: (store: AnalyticsStore) => Promise<unknown> };

async function sampleCustomer(): Promise<string> {
  const store = await DuckDBStore.open(dbPath);
  try {
    const [row] = await store.query<{ customer_id: string }>(
      `SELECT c.customer_id FROM customers c LEFT JOIN churn_events e ON e.customer_id = c.customer_id
       WHERE e.customer_id IS NULL ORDER BY c.customer_id LIMIT 1 OFFSET 1000`,
    );
    return row?.customer_id ?? '';
  } finally {
    await store.close();
  }
}

async function jobs(): Promise<Job[]> {
  const id = await sampleCustomer();
  return [
    { name: 'lifecycle', command: 'tenure lifecycle --json', run: (s) => lifecycleSnapshot(s) },
    { name: 'lifecycle transitions', command: 'tenure lifecycle transitions --json (latest 2 months; patterns reads the same)', run: (s) => lifecycleTransitions(s) },
    { name: 'customer 360', command: `tenure customer ${id} --json`, run: (s) => customer360(s, { customerId: id }) },
    { name: 'retention fit join-month', command: 'tenure retention fit --cohort join-month --json', run: (s) => fitCohortsFromStore(s, 'join-month') },
    { name: 'retention fit segment', command: 'tenure retention fit --cohort segment --json', run: (s) => fitCohortsFromStore(s, 'segment') },
    { name: 'retention curves', command: 'tenure retention curves --by segment --json', run: (s) => retentionCurves(s, 'segment') },
    { name: 'value', command: 'tenure value --json', run: (s) => customerValue(s) },
    { name: 'segments', command: 'tenure segments --json (presets, 3 months)', run: (s) => segmentReport(s) },
    {
      name: 'churn-index',
      command: 'tenure churn-index --json (surveys + observed churn from the store)',
      run: async (s) => {
        const rows = await s.query<SurveyRow & Record<string, string | number>>('SELECT scope, reason, rating, importance, availability FROM surveys');
        return observedChurnByScope(s, computeChurnIndex(rows.map((r) => ({ ...r, rating: Number(r.rating), importance: Number(r.importance), availability: Number(r.availability) }))));
      },
    },
    { name: 'forecast churn', command: 'tenure forecast churn --backtest 6 --by province --json', run: (s) => forecastChurnFromStore(s, { backtest: 6, byProvince: true }) },
  ];
}

async function time(job: Job): Promise<{ cold_ms: number; warm_ms: number[] }> {
  const store = await DuckDBStore.open(dbPath);
  try {
    let t = performance.now();
    await job.run(store);
    const cold = performance.now() - t;
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      await job.run(store);
      warm.push(performance.now() - t);
    }
    return { cold_ms: cold, warm_ms: warm };
  } finally {
    await store.close();
  }
}

/** The forecast backtest on the demo operator (`tenure demo` defaults + import): MAPE vs seasonal naive. */
async function demoBacktest(): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const [n, s, p] of [[5000, 42, 'mixed'], [50000, 42, 'mixed'], [5000, 42, 'cable']] as const) {
    const dir = join(OUT, `demo-backtest-${n}-s${s}-${p}`);
    rmSync(dir, { recursive: true, force: true });
    await writeDemoDataset({ outDir: dir, customers: n, months: 24, seed: s, profile: p });
    const store = await DuckDBStore.open(':memory:', { readableDirectories: [dir] });
    try {
      await importDataset(store, dir);
      const r = await forecastChurnFromStore(store, { backtest: 6 });
      out.push({ customers: n, seed: s, profile: p, months: 24, backtest_months: 6, mape: r.backtest?.mape ?? null, naive_mape: r.backtest?.naive_mape ?? null, beats_naive: r.backtest?.beats_naive ?? false });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/**
 * The state right after an import: forget every kept stage history and value snapshot, then
 * (unless --plain) keep what `tenure import` keeps at its end, timed.
 */
async function afterImportState(): Promise<number | null> {
  const store = await DuckDBStore.open(dbPath);
  try {
    await store.run('DROP TABLE IF EXISTS lifecycle_stage_history');
    await store.run('DROP TABLE IF EXISTS lifecycle_stage_runs');
    await store.run('DROP TABLE IF EXISTS value_snapshot');
    await store.run('DROP TABLE IF EXISTS value_snapshot_runs');
    return args.plain ? null : (await prepareLatestAnalytics(store)).seconds;
  } finally {
    await store.close();
  }
}

/** Each command as a CLI process on a fresh copy of the post-import store. */
async function cliTimings(): Promise<Record<string, unknown>[]> {
  const id = await sampleCustomer();
  const commands: [string, string[]][] = [
    ['lifecycle', ['lifecycle']],
    ['lifecycle transitions', ['lifecycle', 'transitions']],
    ['lifecycle patterns', ['lifecycle', 'patterns']],
    ['customer 360', ['customer', id]],
    ['value', ['value']],
    ['segments', ['segments']],
    ['retention fit join-month', ['retention', 'fit', '--cohort', 'join-month']],
    ['retention fit segment', ['retention', 'fit', '--cohort', 'segment']],
    ['retention curves', ['retention', 'curves', '--by', 'segment']],
    ['churn-index', ['churn-index']],
    ['forecast churn', ['forecast', 'churn', '--backtest', '6', '--by', 'province']],
  ];
  const copy = `${dbPath}.cli-copy.duckdb`;
  // Build the CLI bundle once, outside the timings (the first call after a source change does).
  spawnSync(process.execPath, ['bin/tenure.js', '--help'], { stdio: 'ignore' });
  const out: Record<string, unknown>[] = [];
  for (const [name, argv] of commands) {
    const wall: number[] = [];
    for (let r = 0; r < Math.max(1, runs); r++) {
      rmSync(copy, { force: true });
      rmSync(`${copy}.wal`, { force: true });
      copyFileSync(dbPath, copy);
      const t = performance.now();
      const res = spawnSync(process.execPath, ['bin/tenure.js', ...argv, '--json', '--db', copy], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      wall.push(performance.now() - t);
      if (res.status !== 0) throw new Error(`tenure ${argv.join(' ')} failed (${res.status}): ${res.stderr}`);
    }
    const sorted = [...wall].sort((a, b) => a - b);
    const median = sorted[(sorted.length - 1) >> 1] as number;
    out.push({ name, command: `tenure ${argv.join(' ')} --json`, wall_ms: wall.map(Math.round), median_ms: Math.round(median), under_2s: median < 2000 });
    process.stderr.write(`${name}: ${wall.map((w) => Math.round(w)).join('/')} ms\n`);
  }
  rmSync(copy, { force: true });
  rmSync(`${copy}.wal`, { force: true });
  return out;
}

const prep = { ...(await prepare()), import_prepare_analytics_s: await afterImportState() };
if (args.cli) {
  const results = await cliTimings();
  const mode = args.plain ? 'after import --no-prepare' : 'after import';
  process.stdout.write(
    `\nCLI processes on ${customers} customers x ${months} months (${profile}, seed ${seed}), ${mode}, each on a fresh copy of the store, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}\n\n` +
      toTable(['name', 'median_ms', 'wall_ms', 'under_2s', 'command'], results.map((r) => ({ ...r, wall_ms: (r.wall_ms as number[]).join('/') }))),
  );
  writeFileSync(
    join(OUT, args.plain ? 'analytics-cli-plain.json' : 'analytics-cli.json'),
    JSON.stringify({ customers, months, seed, profile, after: args.plain ? 'import --no-prepare' : 'import', db: dbPath, cores: cpus().length, load_average: loadavg(), prepare: prep, results }, null, 2) + '\n',
  );
} else {
  await inProcess();
}

/** Each command in this process on a freshly opened store, cold then warm. */
async function inProcess(): Promise<void> {
  process.stderr.write(args.plain ? 'after import --no-prepare (nothing kept)\n' : `after import (preparation ${prep.import_prepare_analytics_s?.toFixed(1)} s)\n`);
  const results: Record<string, unknown>[] = [];
  for (const job of await jobs()) {
    const r = await time(job);
    const best = Math.min(r.cold_ms, ...r.warm_ms);
    results.push({ name: job.name, command: job.command, cold_ms: Math.round(r.cold_ms), warm_ms: r.warm_ms.map(Math.round), best_ms: Math.round(best), under_2s_cold: r.cold_ms < 2000 });
    process.stderr.write(`${job.name}: cold ${Math.round(r.cold_ms)} ms, warm ${r.warm_ms.map(Math.round).join('/')} ms\n`);
  }
  const backtest = args['skip-demo-backtest'] ? [] : await demoBacktest();

  process.stdout.write(
    `\nanalytics on ${customers} customers x ${months} months (${profile}, seed ${seed}), ${args.plain ? 'after import --no-prepare' : 'after import'}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}\n\n` +
      toTable(['name', 'cold_ms', 'warm_ms', 'under_2s_cold', 'command'], results.map((r) => ({ ...r, warm_ms: (r.warm_ms as number[]).join('/') }))),
  );
  if (backtest.length > 0) {
    process.stdout.write('\nforecast backtest on the demo operator (last 6 months, one step ahead)\n\n' + toTable(['customers', 'seed', 'profile', 'mape', 'naive_mape', 'beats_naive'], backtest as Record<string, string | number | boolean | null>[]));
  }
  writeFileSync(
    join(OUT, args.plain ? 'analytics-plain.json' : 'analytics.json'),
    JSON.stringify({ customers, months, seed, profile, after: args.plain ? 'import --no-prepare' : 'import', db: dbPath, cores: cpus().length, load_average: loadavg(), prepare: prep, results, demo_backtest: backtest }, null, 2) + '\n',
  );
}
