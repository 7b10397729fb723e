/**
 * The PostgreSQL server store against the embedded DuckDB store, side by side in one run.
 *
 *   npx tsx bench/postgres.ts [--customers 200000] [--months 24] [--seed 7] [--profile mixed] [--runs 3]
 *                             [--data DIR] [--import-only]
 *
 * 1. The demo operator's files (bench/out/data-…, shared with the other benches), imported into
 *    DuckDB with `tenure import` (the store is kept and reused).
 * 2. Peers of moving the data: DuckDB's own read of the CSV files (read_csv into tables) and
 *    PostgreSQL's COPY of the same raw files into text tables (the server's physical limit).
 *    Beside them, `tenure import --no-prepare` of the same folder (load only: validation, rejects,
 *    merge) into a new PostgreSQL database and into a new DuckDB file, each its own CLI process,
 *    `runs` times: median wall seconds. Target: PostgreSQL's within 3× DuckDB's own read.
 * 3. `tenure store copy` of the DuckDB store into a new PostgreSQL database (dropped at the end).
 * 4. Every read command that runs on PostgreSQL, as its own CLI process (`node bin/tenure.js …
 *    --json`, process start included), `runs` times on each store: median wall seconds.
 *
 * CPU seconds (user + system) stand beside wall time, a comparison that load on a shared machine
 * moves less: the DuckDB read's (this process), the raw COPY's server backend, and the import's
 * CLI process plus its server backends' (polled from pg_stat_activity and /proc: a local server
 * on Linux only).
 *
 * Needs the PostgreSQL test server (scripts/setup-test-env.sh, or TENURE_TEST_PG_URL). Prints a
 * table and writes bench/out/postgres-<customers>x<months>.json with the machine's load.
 * --data DIR reads an existing demo folder (never written) instead of bench/out's; --import-only
 * stops after the import figures (no store copy, no read commands).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { demoDataFolder } from './demo-data.ts';
import { freshDatabase, testServerProblem, testServerUrl } from '../src/store/postgres/test-server.ts';
import { toTable } from '../src/cli/output.ts';
import type { Profile } from '../src/domain/demo/index.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '200000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    profile: { type: 'string', default: 'mixed' },
    runs: { type: 'string', default: '3' },
    data: { type: 'string' },
    'import-only': { type: 'boolean', default: false },
  },
});
const customers = Number(args.customers);
const months = Number(args.months);
const runs = Number(args.runs);
const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });

const problem = await testServerProblem();
if (problem) {
  process.stderr.write(`bench/postgres: ${problem}\n`);
  process.exit(2);
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** CPU seconds (user + system) of a process's exited and waited-for children, from /proc (Linux; null elsewhere). */
function childrenCpu(pid: number | 'self'): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // After the command name: state is field 3, cutime and cstime fields 16 and 17 (clock ticks, 100 a second).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) of a running process, from /proc (Linux; null elsewhere). */
function processCpu(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Wall seconds and the CLI process's CPU seconds (its user + system time, Linux /proc; null elsewhere). */
function cli(argv: string[], env: NodeJS.ProcessEnv = process.env): { s: number; out: string; err: string; cpu: number | null } {
  const t = performance.now();
  const c0 = childrenCpu('self');
  const r = spawnSync(process.execPath, ['bin/tenure.js', ...argv], { encoding: 'utf8', maxBuffer: 1 << 30, env });
  const s = seconds(t);
  const c1 = childrenCpu('self');
  if (r.status !== 0) throw new Error(`tenure ${argv.join(' ')}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
  return { s, out: r.stdout, err: r.stderr, cpu: c0 === null || c1 === null ? null : c1 - c0 };
}

/** The import's phases (TENURE_PROFILE=1 lines on stderr, store/phase-profile.ts): seconds per phase and file, summed. */
type Phases = Record<string, Record<string, number>>;
const PROFILED = { ...process.env, TENURE_PROFILE: '1' };
function phasesOf(stderr: string): Phases {
  const out: Phases = {};
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{"profile"')) continue;
    const { profile, file, s } = JSON.parse(line) as { profile: string; file: string; s: number };
    const row = (out[profile] ??= {});
    row[file] = Number(((row[file] ?? 0) + s).toFixed(3));
  }
  return out;
}

/** One row per phase, a column per file (and the total), in the order the phases first ran. */
function phaseTable(phases: Phases): string {
  const files = [...new Set(Object.values(phases).flatMap((row) => Object.keys(row)))];
  const rows = Object.entries(phases).map(([phase, row]) => ({
    phase,
    ...Object.fromEntries(files.map((f) => [f, row[f] === undefined ? '' : row[f].toFixed(2)])),
    all: Object.values(row).reduce((a, b) => a + b, 0).toFixed(2),
  }));
  return toTable(['phase', ...files, 'all'], rows);
}

/**
 * `cli` for a command on the PostgreSQL database `url`, with the CPU seconds of the server
 * backends serving it: the database's sessions, polled from pg_stat_activity and /proc while the
 * command runs (the last poll's figure per backend; a local test server only, else null).
 */
async function cliOnServer(argv: string[], url: string, env: NodeJS.ProcessEnv = process.env): Promise<{ s: number; out: string; err: string; cpu: number | null; serverCpu: number | null }> {
  const database = new URL(url).pathname.slice(1);
  const monitor = new pg.Client({ connectionString: testServerUrl() ?? url });
  await monitor.connect();
  const seen = new Map<number, number>();
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const { rows } = await monitor.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
      for (const { pid } of rows) {
        const cpu = processCpu(pid);
        if (cpu !== null) seen.set(pid, cpu);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const t = performance.now();
  const c0 = childrenCpu('self');
  const child = spawn(process.execPath, ['bin/tenure.js', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const [status] = (await once(child, 'close')) as [number | null];
  const s = seconds(t);
  const c1 = childrenCpu('self');
  polling = false;
  await poll;
  await monitor.end();
  if (status !== 0) throw new Error(`tenure ${argv.join(' ')}: exit ${status}: ${err.slice(0, 500)}`);
  const serverCpu = seen.size > 0 ? [...seen.values()].reduce((a, b) => a + b, 0) : null;
  return { s, out, err, cpu: c0 === null || c1 === null ? null : c1 - c0, serverCpu };
}

// The CLI's bundle is (re)built by the first call after a source change: not part of any figure.
cli(['schema']);

const dataDir = args.data ? resolve(args.data) : await demoDataFolder(OUT, { customers, months, seed: Number(args.seed), profile: args.profile as Profile });
const csvs = readdirSync(dataDir).filter((f) => f.endsWith('.csv')).sort();
const duck = join(OUT, `postgres-bench-${customers}x${months}.duckdb`);
let importSeconds: number | null = null;
if (!args['import-only'] && !existsSync(duck)) {
  importSeconds = cli(['import', dataDir, '--db', duck, '--json']).s;
  process.stderr.write(`imported into ${duck} in ${importSeconds.toFixed(1)} s\n`);
}

// Peer 1: DuckDB's own read of the files.
let duckReadCpu = 0;
const duckRead = await (async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const t = performance.now();
  const u = process.cpuUsage();
  for (const f of csvs) await c.run(`CREATE TABLE "${f.replace(/\.csv$/, '')}" AS SELECT * FROM read_csv('${join(dataDir, f)}')`);
  const s = seconds(t);
  const du = process.cpuUsage(u);
  duckReadCpu = (du.user + du.system) / 1e6;
  c.closeSync();
  instance.closeSync();
  return s;
})();

// Peer 2: PostgreSQL's COPY of the raw files into text tables (no checks, no types).
let rawCopyServerCpu = null as number | null;
const rawCopy = await (async () => {
  const db = await freshDatabase('tenure_bench_raw');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const [row] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    const cpu0 = processCpu(Number(row?.pid));
    const t = performance.now();
    for (const f of csvs) {
      const header = (readFileSync(join(dataDir, f), 'utf8').split('\n', 1)[0] ?? '').split(',');
      const table = `"${f.replace(/\.csv$/, '')}"`;
      await client.query(`CREATE UNLOGGED TABLE ${table} (${header.map((h) => `"${h.trim()}" TEXT`).join(', ')})`);
      await pipeline(createReadStream(join(dataDir, f)), client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT csv, HEADER true)`)));
    }
    const s = seconds(t);
    const cpu1 = processCpu(Number(row?.pid));
    rawCopyServerCpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
    return s;
  } finally {
    await client.end();
    await db.drop();
  }
})();

// `tenure import --no-prepare` of the same folder into a new store of each engine.
const importRuns = { postgres: [] as number[], duckdb: [] as number[] };
const importCpu = { postgres_client: [] as number[], postgres_server: [] as number[], duckdb: [] as number[] };
let importOutcome = '';
// The last run's phases (TENURE_PROFILE=1) of each engine's import.
const importPhases = { postgres: {} as Phases, duckdb: {} as Phases };
for (let i = 0; i < runs; i++) {
  const db = await freshDatabase('tenure_bench_import');
  try {
    const r = await cliOnServer(['import', dataDir, '--no-prepare', '--db', db.url, '--json'], db.url, PROFILED);
    importPhases.postgres = phasesOf(r.err);
    importRuns.postgres.push(r.s);
    if (r.cpu !== null) importCpu.postgres_client.push(r.cpu);
    if (r.serverCpu !== null) importCpu.postgres_server.push(r.serverCpu);
    importOutcome = r.out;
  } finally {
    await db.drop();
  }
  const file = join(OUT, `postgres-bench-import-${customers}x${months}.duckdb`);
  rmSync(file, { force: true });
  rmSync(`${file}.wal`, { force: true });
  const d = cli(['import', dataDir, '--no-prepare', '--db', file, '--json'], PROFILED);
  importPhases.duckdb = phasesOf(d.err);
  importRuns.duckdb.push(d.s);
  if (d.cpu !== null) importCpu.duckdb.push(d.cpu);
  rmSync(file, { force: true });
  if (d.out !== importOutcome) throw new Error('tenure import printed different JSON on DuckDB and PostgreSQL');
  process.stderr.write(`import run ${i + 1}: postgres ${importRuns.postgres.at(-1)?.toFixed(1)} s, duckdb ${d.s.toFixed(1)} s\n`);
}
const importFigure = {
  tenure_import_postgres_s: Number(median(importRuns.postgres).toFixed(2)),
  tenure_import_duckdb_no_prepare_s: Number(median(importRuns.duckdb).toFixed(2)),
  ratio_postgres_import_to_duckdb_read: Number((median(importRuns.postgres) / duckRead).toFixed(2)),
  // CPU seconds: the import's client and server side (the server's: every backend that ended meanwhile) against the read's.
  duckdb_read_csv_cpu_s: Number(duckReadCpu.toFixed(2)),
  postgres_copy_raw_server_cpu_s: rawCopyServerCpu === null ? null : Number(rawCopyServerCpu.toFixed(2)),
  tenure_import_postgres_cpu_s: importCpu.postgres_client.length ? Number((median(importCpu.postgres_client) + (importCpu.postgres_server.length ? median(importCpu.postgres_server) : 0)).toFixed(2)) : null,
  tenure_import_postgres_client_cpu_s: importCpu.postgres_client.length ? Number(median(importCpu.postgres_client).toFixed(2)) : null,
  tenure_import_postgres_server_cpu_s: importCpu.postgres_server.length ? Number(median(importCpu.postgres_server).toFixed(2)) : null,
  tenure_import_duckdb_no_prepare_cpu_s: importCpu.duckdb.length ? Number(median(importCpu.duckdb).toFixed(2)) : null,
};
const importTable = toTable(['measure', 'seconds', 'cpu_s'], [
  { measure: 'DuckDB read_csv of the files (peer)', seconds: Number(duckRead.toFixed(2)), cpu_s: importFigure.duckdb_read_csv_cpu_s },
  { measure: 'PostgreSQL COPY of the raw files (peer; server CPU)', seconds: Number(rawCopy.toFixed(2)), cpu_s: importFigure.postgres_copy_raw_server_cpu_s ?? '' },
  { measure: 'tenure import --no-prepare into PostgreSQL (client + server CPU)', seconds: importFigure.tenure_import_postgres_s, cpu_s: importFigure.tenure_import_postgres_cpu_s ?? '' },
  { measure: 'tenure import --no-prepare into DuckDB', seconds: importFigure.tenure_import_duckdb_no_prepare_s, cpu_s: importFigure.tenure_import_duckdb_no_prepare_cpu_s ?? '' },
]);
const cpuRatio = importFigure.tenure_import_postgres_cpu_s === null ? null : Number((importFigure.tenure_import_postgres_cpu_s / duckReadCpu).toFixed(2));
const importLine = `PostgreSQL import / DuckDB read = ${importFigure.ratio_postgres_import_to_duckdb_read} wall${cpuRatio === null ? '' : `, ${cpuRatio} cpu`} (target <= 3; median of ${runs})`;
if (args['import-only']) {
  const load = loadavg().map((x) => Number(x.toFixed(2)));
  process.stdout.write(`${importTable}\n${importLine}\n\nPostgreSQL import phases (wall s, last run; 'stage: total' holds the reader, scanner and COPY lines above it; phases overlap where noted)\n${phaseTable(importPhases.postgres)}\n\nDuckDB import phases\n${phaseTable(importPhases.duckdb)}\nload ${load.join(' ')}\n`);
  const summary = { customers, months, runs, load, data: dataDir, duckdb_read_csv_s: Number(duckRead.toFixed(2)), postgres_copy_raw_s: Number(rawCopy.toFixed(2)), ...importFigure, cpu_ratio_postgres_import_to_duckdb_read: cpuRatio, import_runs: importRuns, import_cpu: importCpu, import_phases: importPhases };
  writeFileSync(join(OUT, `postgres-import-${customers}x${months}.json`), JSON.stringify(summary, null, 2));
  process.exit(0);
}

const target = await freshDatabase('tenure_bench');
try {
  const copied = cli(['store', 'copy', '--db', duck, '--into', target.url, '--json']);
  const copyReport = JSON.parse(copied.out) as { rows: number; seconds: number };
  process.stderr.write(`store copy: ${copyReport.rows} rows in ${copied.s.toFixed(1)} s\n`);
  const someone = (readFileSync(join(dataDir, 'customers.csv'), 'utf8').split('\n', 3)[1] ?? '').split(',')[0] ?? '';
  const commands = [
    'report churn-totals',
    'report churn-reasons',
    'report churn-regions --level city',
    'report churn-check',
    'report churn-competitors',
    'report churn-reason-groups',
    'lifecycle',
    'lifecycle transitions',
    'value',
    'forecast churn',
    'retention curves',
    'winback',
    `customer ${someone}`,
    'segments',
    'segments --by province',
    'lifecycle patterns',
  ];
  const rows: Record<string, string | number>[] = [];
  for (const command of commands) {
    const argv = command.split(' ');
    const d: number[] = [];
    const p: number[] = [];
    let same = true;
    for (let i = 0; i < runs; i++) {
      const a = cli([...argv, '--db', duck, '--json']);
      const b = cli([...argv, '--db', target.url, '--json']);
      d.push(a.s);
      p.push(b.s);
      same &&= a.out.replaceAll(duck, '<store>') === b.out.replaceAll(new URL(target.url).toString(), '<store>');
    }
    rows.push({ command, duckdb_s: Number(median(d).toFixed(2)), postgres_s: Number(median(p).toFixed(2)), same_json: same ? 'yes' : 'NO' });
    process.stderr.write(`${command}: duckdb ${median(d).toFixed(2)} s, postgres ${median(p).toFixed(2)} s${same ? '' : ' (JSON DIFFERS)'}\n`);
  }
  const load = loadavg().map((x) => Number(x.toFixed(2)));
  const summary = {
    customers,
    months,
    runs,
    load,
    tenure_import_duckdb_s: importSeconds,
    duckdb_read_csv_s: Number(duckRead.toFixed(2)),
    postgres_copy_raw_s: Number(rawCopy.toFixed(2)),
    store_copy_s: Number(copied.s.toFixed(2)),
    store_copy_rows: copyReport.rows,
    ...importFigure,
    import_runs: importRuns,
    import_phases: importPhases,
    commands: rows,
  };
  process.stdout.write(
    toTable(['measure', 'seconds'], [
      { measure: 'DuckDB read_csv of the files (peer)', seconds: summary.duckdb_read_csv_s },
      { measure: 'PostgreSQL COPY of the raw files (peer)', seconds: summary.postgres_copy_raw_s },
      { measure: `tenure store copy (${copyReport.rows} rows)`, seconds: summary.store_copy_s },
      { measure: 'tenure import --no-prepare into PostgreSQL', seconds: importFigure.tenure_import_postgres_s },
      { measure: 'tenure import --no-prepare into DuckDB', seconds: importFigure.tenure_import_duckdb_no_prepare_s },
    ]) + `\n${importLine}\n\n`,
  );
  process.stdout.write(toTable(['command', 'duckdb_s', 'postgres_s', 'same_json'], rows) + `\n\nload ${load.join(' ')}\n`);
  writeFileSync(join(OUT, `postgres-${customers}x${months}.json`), JSON.stringify(summary, null, 2));
} finally {
  await target.drop();
}
