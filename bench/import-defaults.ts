/**
 * Memory of a first import with the product's defaults (issue 18, item 8): `tenure import` as a
 * user runs it, no flags and no TENURE_* settings, next to DuckDB's own read of the same CSVs
 * (its defaults too: memory_limit 80 % of RAM). Each side runs in its own child process, so
 * peak RSS (Node and DuckDB together) is its own. Prints a table, writes
 * bench/out/import-defaults.json.
 *
 *   npx tsx bench/import-defaults.ts --customers 1000000   # the case: within 6 GB resident
 * Options: --months M, --seed S, --profile mixed|mobile|cable, --budget-gb 6. Shares its demo data
 * folder with bench/import.ts (bench/out/data-…, generated once).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { runCli } from '../src/cli/main.ts';
import type { Profile } from '../src/domain/demo/index.ts';
import { demoDataFolder } from './demo-data.ts';
import { defaultMemoryLimit } from '../src/store/duckdb/settings.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    profile: { type: 'string', default: 'mixed' },
    'budget-gb': { type: 'string', default: '6' },
    child: { type: 'string' },
    data: { type: 'string' },
    db: { type: 'string' },
  },
});

interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  exitCode: number;
}

const OUT = resolve('bench/out');

function finish(t0: number, exitCode: number): ChildResult {
  const u = process.cpuUsage();
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (u.user + u.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, exitCode };
}

/** DuckDB alone, its defaults: each CSV into a table with its own type detection, no checks. */
async function baseline(dir: string, db: string): Promise<ChildResult> {
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(db);
  const c = await instance.connect();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.csv')).sort()) {
    await c.run(`CREATE TABLE ${f.replace(/\.csv$/, '')} AS SELECT * FROM read_csv('${join(dir, f)}')`);
  }
  await c.run('CHECKPOINT');
  c.closeSync();
  instance.closeSync();
  return finish(t0, 0);
}

/** The product as a user runs it: the CLI's import, in this process, with no settings. */
async function productImport(dir: string, db: string): Promise<ChildResult> {
  const t0 = performance.now();
  const code = await runCli(['import', dir, '--db', db]);
  return finish(t0, code);
}

function runChild(kind: string, dir: string, db: string): ChildResult {
  // No TENURE_* settings reach the child: the defaults are what is measured.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TENURE_')));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/import-defaults.ts', '--child', kind, '--data', dir, '--db', db], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${kind} child failed with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
}

async function main(): Promise<void> {
  if (args.child) {
    const result = args.child === 'baseline' ? await baseline(args.data ?? '', args.db ?? '') : await productImport(args.data ?? '', args.db ?? '');
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const customers = Number(args.customers);
  const months = Number(args.months);
  const dir = await demoDataFolder(OUT, { customers, months, seed: Number(args.seed), profile: args.profile as Profile });
  const dbs = { baseline: join(OUT, 'defaults-baseline.duckdb'), import: join(OUT, 'defaults-import.duckdb') };
  const clean = () => {
    for (const p of Object.values(dbs)) for (const s of ['', '.wal', '.tmp']) rmSync(p + s, { recursive: true, force: true });
  };
  clean();
  const load = loadavg()[0] ?? 0;
  process.stderr.write('DuckDB read (its defaults)…\n');
  const base = runChild('baseline', dir, dbs.baseline);
  process.stderr.write('tenure import (no flags, no settings)…\n');
  const imp = runChild('import', dir, dbs.import);
  clean();
  const budgetMb = Number(args['budget-gb']) * 1024;
  const rows = [
    { side: 'tenure import (defaults)', seconds: imp.seconds, cpu: imp.cpuSeconds, rss: imp.maxRssMb, exit: imp.exitCode },
    { side: 'DuckDB read_csv (defaults)', seconds: base.seconds, cpu: base.cpuSeconds, rss: base.maxRssMb, exit: base.exitCode },
  ];
  const gb = (mb: number) => (mb / 1024).toFixed(2);
  process.stdout.write(`\n${customers} customers × ${months} months, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${availableParallelism()} cores, ` +
    `default DuckDB memory_limit ${defaultMemoryLimit()}, load ${load.toFixed(1)}\n`);
  process.stdout.write('side                        wall s   CPU s   peak RSS GB   exit\n');
  for (const r of rows) process.stdout.write(`${r.side.padEnd(27)} ${r.seconds.toFixed(1).padStart(7)} ${r.cpu.toFixed(1).padStart(7)} ${gb(r.rss).padStart(13)} ${String(r.exit).padStart(6)}\n`);
  const within = imp.maxRssMb <= budgetMb;
  process.stdout.write(`tenure import peak RSS ${gb(imp.maxRssMb)} GB ${within ? 'within' : 'OVER'} the ${args['budget-gb']} GB budget; ${(imp.seconds / base.seconds).toFixed(2)}× DuckDB's read wall time\n`);
  const json = {
    date: new Date().toISOString(),
    customers,
    months,
    totalMemGiB: totalmem() / 2 ** 30,
    cores: availableParallelism(),
    defaultMemoryLimit: defaultMemoryLimit(),
    loadAverage: load,
    budgetGb: Number(args['budget-gb']),
    withinBudget: within,
    import: imp,
    baseline: base,
  };
  writeFileSync(join(OUT, 'import-defaults.json'), JSON.stringify(json, null, 2) + '\n');
  if (imp.exitCode !== 0) process.exitCode = 1;
}

await main();
