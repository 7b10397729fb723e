/**
 * Times the service commands of issue 13.4–13.5 (`report complaints`, `report service-quality`,
 * `relationship`) on a large imported operator, each call as its own CLI process
 * (`node bin/tenure.js … --json --db COPY`, start-up included), against CLI start-up alone
 * (`--help`), the floor of any call. Target: under 5 s each at 1M customers × 24 months.
 *
 *   npx tsx bench/service.ts [--db PATH] [--runs 3]
 *
 * The store: --db, else bench/out/analytics-1000000x24-s7-mixed.duckdb (bench/analytics.ts's
 * imported store). The calls read a copy (bench/out/service-COPY.duckdb) opened read-only, so the
 * source is never written; a store of an older schema is migrated in the copy first (timed apart).
 * Prints a table and writes bench/out/service.json with the load average, since the machine is shared.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toTable } from '../src/cli/output.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    runs: { type: 'string', default: '3' },
  },
});

const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });
const source = resolve(args.db ?? join(OUT, 'analytics-1000000x24-s7-mixed.duckdb'));
if (!existsSync(source)) throw new Error(`no store at ${source}: run bench/analytics.ts first or give --db`);
const copy = join(OUT, 'service-COPY.duckdb');
rmSync(copy, { force: true });
copyFileSync(source, copy);

// A store written by an older build is migrated in the copy (a writer's open), outside the timings.
const migrateStart = performance.now();
await (await DuckDBStore.open(copy)).close();
const migrate_ms = Math.round(performance.now() - migrateStart);

const runs = Number(args.runs);
const COMMANDS: [string, string[]][] = [
  ['cli start-up (--help)', ['--help']],
  ['report complaints (by kind)', ['report', 'complaints']],
  ['report complaints --by region', ['report', 'complaints', '--by', 'region']],
  ['report complaints --by segment', ['report', 'complaints', '--by', 'segment', '--segment-by', 'customer_type']],
  ['report service-quality', ['report', 'service-quality']],
  ['relationship', ['relationship']],
  ['relationship --as-of (horizon observed)', ['relationship', '--as-of', 'AS_OF']],
];

const span = await (async () => {
  const s = await DuckDBStore.open(copy, { access: 'read-only' });
  try {
    const [r] = await s.query<{ last: string }>('SELECT CAST(max(month) AS VARCHAR) AS last FROM monthly_usage');
    return String(r?.last).slice(0, 7);
  } finally {
    await s.close();
  }
})();
const [y, m] = span.split('-').map(Number) as [number, number];
const asOf = `${m > 3 ? y : y - 1}-${String(((m - 4 + 12) % 12) + 1).padStart(2, '0')}`; // three months before the last

const results: Record<string, unknown>[] = [];
for (const [name, argv] of COMMANDS) {
  const full = [resolve('bin/tenure.js'), ...argv.map((a) => (a === 'AS_OF' ? asOf : a)), ...(argv[0] === '--help' ? [] : ['--db', copy, '--json'])];
  const wall: number[] = [];
  let lines = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, full, { encoding: 'utf8', maxBuffer: 1 << 28 });
    wall.push(Math.round(performance.now() - t));
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`);
    lines = r.stdout.length;
  }
  const median = [...wall].sort((a, b) => a - b)[Math.floor(wall.length / 2)] as number;
  results.push({ name, median_ms: median, wall_ms: wall, under_5s: median < 5000, stdout_bytes: lines, command: `tenure ${argv.map((a) => (a === 'AS_OF' ? asOf : a)).join(' ')}` });
  process.stderr.write(`${name}: ${wall.join('/')} ms\n`);
}
const load = loadavg();
process.stdout.write(
  toTable(['name', 'median_ms', 'wall_ms', 'under_5s', 'stdout_bytes', 'command'], results.map((r) => ({ ...r, wall_ms: (r.wall_ms as number[]).join('/') })) as never),
);
process.stdout.write(`store ${source} (${Math.round(statSync(source).size / 1e6)} MB), ${cpus().length} cores, load average ${load.map((l) => l.toFixed(2)).join(' ')}; migrate ${migrate_ms} ms\n`);
writeFileSync(join(OUT, 'service.json'), JSON.stringify({ db: source, runs, cores: cpus().length, load_average: load, migrate_ms, results }, null, 2) + '\n');
rmSync(copy, { force: true });
