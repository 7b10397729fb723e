/**
 * Every report and read command on the PostgreSQL server store against the embedded DuckDB
 * store, side by side in one run (issue 14: under 5 s each on 1M customers × 24 months).
 *
 *   npx tsx bench/postgres-reads.ts [--customers 200000] [--months 24] [--seed 7] [--profile mixed] [--runs 3]
 *   npx tsx bench/postgres-reads.ts --duck /path/to/store.duckdb [--runs 1]
 *   npx tsx bench/postgres-reads.ts --duck FILE --pg postgres://…/db   (a copy of FILE made before: reused, kept)
 *
 * 1. The DuckDB store: `--duck FILE` (a store of an older schema version is copied into
 *    bench/out first, kept there and upgraded, the file given is never written), else the demo
 *    operator's files (bench/out/data-…, shared with the other benches) imported into
 *    bench/out/postgres-reads-<customers>x<months>.duckdb (kept and reused).
 * 2. `tenure store copy` into a new PostgreSQL database (dropped at the end): COPY of every table,
 *    then the derived tables an import keeps (reports' basis, the latest stages and values),
 *    built by PostgreSQL itself. That is the state "after import" the figures are read from.
 * 3. Every read command as its own CLI process (`node bin/tenure.js … --json`, process start
 *    included), `runs` times on each store in turn: median wall seconds, and whether both print
 *    the same JSON (the store's location aside).
 *
 * Needs the PostgreSQL test server (scripts/setup-test-env.sh, or TENURE_TEST_PG_URL). Prints a
 * table and writes bench/out/postgres-reads-<customers>x<months>.json with the machine's load
 * before and after, the 1-minute load when each command ran, and the peer of every figure
 * measured in the same run: the CLI's start-up alone (`tenure --help`), which every command's
 * time includes (on a loaded machine it alone passes a second).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoDataFolder } from './demo-data.ts';
import { freshDatabase, testServerProblem } from '../src/store/postgres/test-server.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { SCHEMA_VERSION } from '../src/store/schema.ts';
import { toTable } from '../src/cli/output.ts';
import type { Profile } from '../src/domain/demo/index.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '200000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    profile: { type: 'string', default: 'mixed' },
    runs: { type: 'string', default: '3' },
    duck: { type: 'string' },
    pg: { type: 'string' },
    only: { type: 'string' },
  },
});
const runs = Number(args.runs);
const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });

const problem = await testServerProblem();
if (problem) {
  process.stderr.write(`bench/postgres-reads: ${problem}\n`);
  process.exit(2);
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const load = () => loadavg().map((x) => Number(x.toFixed(2)));

function cli(argv: string[]): { s: number; out: string; code: number | null; err: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['bin/tenure.js', ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { s: seconds(t), out: r.stdout, code: r.status, err: r.stderr };
}

function mustCli(argv: string[]): { s: number; out: string } {
  const r = cli(argv);
  if (r.code !== 0) throw new Error(`tenure ${argv.join(' ')}: exit ${r.code}: ${r.err.slice(0, 500)}`);
  return r;
}

/** The DuckDB store to read, at this build's schema version. */
async function duckStore(): Promise<{ path: string; importSeconds: number | null }> {
  if (args.duck) {
    const given = resolve(args.duck);
    try {
      await (await DuckDBStore.open(given, { access: 'read-only' })).close();
      return { path: given, importSeconds: null };
    } catch (err) {
      if ((err as { code?: string }).code !== 'STORE_NEEDS_MIGRATION') throw err;
    }
    const copy = join(OUT, `postgres-reads-${basename(given)}`);
    if (!existsSync(copy)) {
      process.stderr.write(`copying ${given} (an older schema version than ${SCHEMA_VERSION}) to ${copy} to upgrade it\n`);
      copyFileSync(given, copy);
    }
    // A writer open upgrades the copy; the derived tables an older build kept are adopted.
    await (await DuckDBStore.open(copy)).close();
    return { path: copy, importSeconds: null };
  }
  const customers = Number(args.customers);
  const months = Number(args.months);
  const dataDir = await demoDataFolder(OUT, { customers, months, seed: Number(args.seed), profile: args.profile as Profile });
  const path = join(OUT, `postgres-reads-${customers}x${months}.duckdb`);
  if (existsSync(path)) return { path, importSeconds: null };
  const s = mustCli(['import', dataDir, '--db', path, '--json']).s;
  process.stderr.write(`imported into ${path} in ${s.toFixed(1)} s\n`);
  return { path, importSeconds: s };
}

const duck = await duckStore();
const info = await (async () => {
  const s = await DuckDBStore.open(duck.path, { access: 'read-only' });
  try {
    const [c] = await s.query<{ n: number; id: string }>('SELECT count(*) AS n, min(customer_id) AS id FROM customers');
    const [m] = await s.query<{ n: number }>('SELECT count(DISTINCT month) AS n FROM monthly_usage');
    return { customers: Number(c?.n ?? 0), months: Number(m?.n ?? 0), someone: c?.id ?? '' };
  } finally {
    await s.close();
  }
})();

const COMMANDS = [
  'report churn-totals',
  'report churn-reasons',
  'report churn-regions --level city',
  'report churn-check',
  'report churn-competitors',
  'report churn-reason-groups',
  'report complaints',
  'report service-quality',
  'relationship',
  'lifecycle',
  'lifecycle transitions',
  'lifecycle patterns',
  'value',
  'segments',
  'segments --by province',
  'forecast churn',
  'retention curves',
  'retention fit --cohort join-month',
  'churn-index',
  'winback',
  `customer ${info.someone}`,
].filter((c) => !args.only || args.only.split(',').some((o) => c.startsWith(o)));

const loadBefore = load();
const startup = median(Array.from({ length: Math.max(1, runs) }, () => mustCli(['--help']).s));
process.stderr.write(`CLI start-up (tenure --help): ${startup.toFixed(2)} s\n`);
const target = args.pg ? { url: args.pg, drop: async () => undefined } : await freshDatabase('tenure_reads');
try {
  const copied = args.pg ? { s: Number.NaN, out: '{"rows":null}' } : mustCli(['store', 'copy', '--db', duck.path, '--into', target.url, '--json']);
  const copyReport = JSON.parse(copied.out) as { rows: number | null };
  if (!args.pg) process.stderr.write(`store copy (with the derived tables built on PostgreSQL): ${copyReport.rows} rows in ${copied.s.toFixed(1)} s\n`);
  const pgLocation = new URL(target.url).toString();
  const rows: Record<string, string | number>[] = [];
  for (const command of COMMANDS) {
    const argv = command.split(' ');
    const d: number[] = [];
    const p: number[] = [];
    let same = true;
    let error = '';
    for (let i = 0; i < runs; i++) {
      const a = cli([...argv, '--db', duck.path, '--json']);
      const b = cli([...argv, '--db', target.url, '--json']);
      d.push(a.s);
      p.push(b.s);
      // Exit 1: a completed command that reports a data problem (e.g. a fit that is not estimable).
      if ((a.code ?? 9) > 1 || (b.code ?? 9) > 1) error = `exit ${a.code}/${b.code}: ${(b.code ?? 9) > 1 ? b.err.split('\n')[0] : a.err.split('\n')[0]}`;
      same &&= a.code === b.code && a.out.replaceAll(duck.path, '<store>') === b.out.replaceAll(pgLocation, '<store>');
    }
    const row = {
      command: command.replace(info.someone, 'ID'),
      duckdb_s: Number(median(d).toFixed(2)),
      postgres_s: Number(median(p).toFixed(2)),
      same_json: error ? 'ERROR' : same ? 'yes' : 'NO',
      load1: load()[0] as number,
      ...(error ? { error: error.slice(0, 300) } : {}),
    };
    rows.push(row);
    process.stderr.write(`${row.command}: duckdb ${row.duckdb_s} s, postgres ${row.postgres_s} s, same ${row.same_json}${error ? ` ${error}` : ''}\n`);
  }
  const summary = {
    customers: info.customers,
    months: info.months,
    runs,
    duckdb_store: duck.path,
    load_before: loadBefore,
    load_after: load(),
    cli_startup_s: Number(startup.toFixed(2)),
    tenure_import_duckdb_s: duck.importSeconds,
    store_copy_s: args.pg ? null : Number(copied.s.toFixed(2)),
    postgres: args.pg ? 'given (--pg)' : 'a new database, dropped after the run',
    store_copy_rows: copyReport.rows,
    slowest_postgres_s: Math.max(...rows.map((r) => Number(r.postgres_s))),
    commands: rows,
  };
  process.stdout.write(`${info.customers} customers × ${info.months} months; tenure store copy (derived tables built on PostgreSQL): ${summary.store_copy_s ?? 'made before (--pg)'} s\n\n`);
  process.stdout.write(
    toTable(['command', 'duckdb_s', 'postgres_s', 'same_json', 'load1'], rows) +
      `\n\nCLI start-up (tenure --help, in every figure) ${summary.cli_startup_s} s; load before ${loadBefore.join(' ')}, after ${summary.load_after.join(' ')}\n`,
  );
  const file = join(OUT, `postgres-reads-${info.customers}x${info.months}.json`);
  writeFileSync(file, JSON.stringify(summary, null, 2) + '\n');
  process.stdout.write(`wrote ${file}\n`);
} finally {
  await target.drop();
}
