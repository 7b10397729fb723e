/**
 * Import benchmark (issue 3): validated import vs. DuckDB reading the same CSVs into tables with
 * no validation, measured in the same run; each side runs in its own child process so peak RSS
 * is its own. Prints a table and writes bench/out/import.json.
 *
 *   npx tsx bench/import.ts                       # 200,000 customers x 24 months
 *   npx tsx bench/import.ts --customers 1000000   # the bounded-memory case
 * Options: --months M, --seed S, --profile mixed|mobile|cable, --reimport (also time a no-op re-import),
 * --memory-limit 4GB (DuckDB buffer limit for both sides), --rounds N (alternate both sides N times
 * and report medians: on a shared machine single runs are noisy), --load-only (the import only loads, as
 * `tenure import --no-prepare`; by default it also keeps the latest months' lifecycle stages and
 * values, as `tenure import` does), --x-columns (the same files with three x_ usage measures and two
 * x_ customer attributes added, bench/demo-data.ts extraColumnsFolder), --base-data DIR (a demo folder
 * already generated, read and never written, instead of generating one). CPU seconds (user + system,
 * all threads) are reported beside wall time as a load-independent comparison.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { importDataset } from '../src/app/import/import-dataset.ts';
import type { Profile } from '../src/domain/demo/index.ts';
import { demoDataFolder, extraColumnsFolder } from './demo-data.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '200000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    profile: { type: 'string', default: 'mixed' },
    reimport: { type: 'boolean', default: false },
    'load-only': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    'memory-limit': { type: 'string' },
    'x-columns': { type: 'boolean', default: false },
    'base-data': { type: 'string' },
    child: { type: 'string' },
    data: { type: 'string' },
    db: { type: 'string' },
  },
});

interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  files: Record<string, { rows: number; seconds: number }>;
  rejected?: number;
  analyticsSeconds?: number;
}

const OUT = resolve('bench/out');

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? (v[(v.length - 1) / 2] ?? 0) : ((v[v.length / 2 - 1] ?? 0) + (v[v.length / 2] ?? 0)) / 2;
}

async function setMemoryLimit(run: (sql: string) => Promise<unknown>): Promise<void> {
  if (args['memory-limit']) await run(`SET memory_limit = '${args['memory-limit'].replace(/[^0-9A-Za-z.]/g, '')}'`);
}

/** DuckDB alone: each CSV into a table with its own type detection, no checks. */
async function baseline(dir: string, db: string): Promise<ChildResult> {
  const instance = await DuckDBInstance.create(db);
  const c = await instance.connect();
  await setMemoryLimit((sql) => c.run(sql));
  const files: ChildResult['files'] = {};
  const t0 = performance.now();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.csv')).sort()) {
    const t = performance.now();
    const name = f.replace(/\.csv$/, '');
    await c.run(`CREATE TABLE ${name} AS SELECT * FROM read_csv('${join(dir, f)}')`);
    const r = await c.runAndReadAll(`SELECT count(*) AS n FROM ${name}`);
    files[name] = { rows: Number(r.getRows()[0]?.[0] ?? 0), seconds: (performance.now() - t) / 1000 };
  }
  await c.run('CHECKPOINT');
  const seconds = (performance.now() - t0) / 1000;
  c.closeSync();
  instance.closeSync();
  return { seconds, cpuSeconds: cpuSeconds(), maxRssMb: process.resourceUsage().maxRSS / 1024, files };
}

async function tenureImport(dir: string, db: string): Promise<ChildResult> {
  const store = await DuckDBStore.open(db, { readableDirectories: [dir] });
  await setMemoryLimit((sql) => store.run(sql));
  const files: ChildResult['files'] = {};
  const starts = new Map<string, number>();
  const t0 = performance.now();
  const report = await importDataset(store, dir, {
    prepareAnalytics: !args['load-only'],
    onProgress: (p) => {
      if (!starts.has(p.file)) starts.set(p.file, performance.now());
      if (p.phase === 'done') files[p.file] = { rows: 0, seconds: (performance.now() - (starts.get(p.file) ?? t0)) / 1000 };
    },
  });
  await store.run('CHECKPOINT');
  const seconds = (performance.now() - t0) / 1000;
  for (const f of report.files) {
    const entry = files[f.file];
    if (entry) entry.rows = f.read;
  }
  await store.close();
  return { seconds, cpuSeconds: cpuSeconds(), maxRssMb: process.resourceUsage().maxRSS / 1024, files, rejected: report.rejected, analyticsSeconds: report.analytics?.seconds ?? 0 };
}

function runChild(kind: string, dir: string, db: string): ChildResult {
  const extra = [...(args['memory-limit'] ? ['--memory-limit', args['memory-limit']] : []), ...(args['load-only'] ? ['--load-only'] : [])];
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/import.ts', '--child', kind, '--data', dir, '--db', db, ...extra], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${kind} child failed with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
}

async function main(): Promise<void> {
  if (args.child) {
    const dir = args.data ?? '';
    const db = args.db ?? '';
    const result = args.child === 'baseline' ? await baseline(dir, db) : await tenureImport(dir, db);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const customers = Number(args.customers);
  const months = Number(args.months);
  const source = args['base-data'] ? resolve(args['base-data']) : await demoDataFolder(OUT, { customers, months, seed: Number(args.seed), profile: args.profile as Profile });
  const dir = args['x-columns'] ? await extraColumnsFolder(source, OUT) : source;
  process.stderr.write(`data: ${dir}\n`);
  const dbs = { baseline: join(OUT, 'baseline.duckdb'), import: join(OUT, 'import.duckdb') };
  const clean = () => {
    for (const db of Object.values(dbs)) for (const s of ['', '.wal', '.tmp']) rmSync(db + s, { recursive: true, force: true });
  };
  const bases: ChildResult[] = [];
  const imps: ChildResult[] = [];
  let again: ChildResult | null = null;
  for (let round = 1; round <= Number(args.rounds); round++) {
    clean();
    process.stderr.write(`round ${round}: baseline (DuckDB read_csv into tables)…\n`);
    bases.push(runChild('baseline', dir, dbs.baseline));
    process.stderr.write(`round ${round}: tenure import…\n`);
    imps.push(runChild('import', dir, dbs.import));
    if (args.reimport && round === 1) again = runChild('import', dir, dbs.import);
  }
  // The round with the median import time is shown per file; totals are medians over rounds.
  const imp = [...imps].sort((a, b) => a.seconds - b.seconds)[Math.floor((imps.length - 1) / 2)] ?? imps[0];
  const base = [...bases].sort((a, b) => a.seconds - b.seconds)[Math.floor((bases.length - 1) / 2)] ?? bases[0];
  if (!imp || !base) throw new Error('no rounds ran');
  const ratio = median(imps.map((r) => r.seconds)) / median(bases.map((r) => r.seconds));
  const cpuRatio = median(imps.map((r) => r.cpuSeconds)) / median(bases.map((r) => r.cpuSeconds));
  const rows = Object.keys(imp.files).map((file) => ({
    file,
    rows: imp.files[file]?.rows ?? 0,
    baseline_s: base.files[file]?.seconds ?? 0,
    import_s: imp.files[file]?.seconds ?? 0,
  }));
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  console.log(`${'file'.padEnd(16)}${pad('rows', 12)}${pad('duckdb s', 11)}${pad('import s', 11)}`);
  for (const r of rows) console.log(`${r.file.padEnd(16)}${pad(r.rows, 12)}${pad(r.baseline_s.toFixed(2), 11)}${pad(r.import_s.toFixed(2), 11)}`);
  console.log(`${'total'.padEnd(16)}${pad('', 12)}${pad(base.seconds.toFixed(2), 11)}${pad(imp.seconds.toFixed(2), 11)}`);
  console.log(`${'cpu (all threads)'.padEnd(28)}${pad(base.cpuSeconds.toFixed(2), 11)}${pad(imp.cpuSeconds.toFixed(2), 11)}`);
  console.log(`of which keeping the latest months' lifecycle stages and values: ${median(imps.map((r) => r.analyticsSeconds ?? 0)).toFixed(2)} s (median)`);
  console.log(`ratio import/duckdb = ${ratio.toFixed(2)} wall, ${cpuRatio.toFixed(2)} cpu (target <= 2.00; median of ${imps.length} rounds)`);
  const peakBase = Math.max(...bases.map((r) => r.maxRssMb));
  const peakImport = Math.max(...imps.map((r) => r.maxRssMb));
  console.log(`peak RSS: duckdb ${peakBase.toFixed(0)} MB, import ${peakImport.toFixed(0)} MB`);
  if (again) console.log(`re-import (all unchanged): ${again.seconds.toFixed(2)} s, peak RSS ${again.maxRssMb.toFixed(0)} MB`);
  const result = {
    customers,
    months,
    seed: Number(args.seed),
    profile: args.profile,
    memory_limit: args['memory-limit'] ?? null,
    prepare: !args['load-only'],
    x_columns: args['x-columns'],
    data: dir,
    rounds: imps.length,
    baseline_seconds: bases.map((r) => r.seconds),
    import_seconds: imps.map((r) => r.seconds),
    baseline_cpu_seconds: bases.map((r) => r.cpuSeconds),
    import_cpu_seconds: imps.map((r) => r.cpuSeconds),
    import_analytics_seconds: imps.map((r) => r.analyticsSeconds ?? 0),
    ratio,
    cpu_ratio: cpuRatio,
    load_average: loadavg(),
    baseline_peak_rss_mb: peakBase,
    import_peak_rss_mb: peakImport,
    reimport_seconds: again?.seconds ?? null,
    reimport_peak_rss_mb: again?.maxRssMb ?? null,
    rejected: imp.rejected ?? 0,
    files: rows,
    at: new Date().toISOString(),
  };
  // import.json is the latest run; the per-size copy keeps the 200k and 1M figures side by side.
  writeFileSync(join(OUT, 'import.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(OUT, `import-${customers}x${months}${args['x-columns'] ? '-x' : ''}.json`), JSON.stringify(result, null, 2) + '\n');
  clean();
}

await main();
