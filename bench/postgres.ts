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
 * Needs the PostgreSQL test server (scripts/setup-test-env.sh, or TENURE_TEST_PG_URL). Prints a
 * table and writes bench/out/postgres-<customers>x<months>.json with the machine's load.
 * --data DIR reads an existing demo folder (never written) instead of bench/out's; --import-only
 * stops after the import figures (no store copy, no read commands).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { demoDataFolder } from './demo-data.ts';
import { freshDatabase, testServerProblem } from '../src/store/postgres/test-server.ts';
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

function cli(argv: string[]): { s: number; out: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['bin/tenure.js', ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const s = seconds(t);
  if (r.status !== 0) throw new Error(`tenure ${argv.join(' ')}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
  return { s, out: r.stdout };
}

const dataDir = args.data ? resolve(args.data) : await demoDataFolder(OUT, { customers, months, seed: Number(args.seed), profile: args.profile as Profile });
const csvs = readdirSync(dataDir).filter((f) => f.endsWith('.csv')).sort();
const duck = join(OUT, `postgres-bench-${customers}x${months}.duckdb`);
let importSeconds: number | null = null;
if (!args['import-only'] && !existsSync(duck)) {
  importSeconds = cli(['import', dataDir, '--db', duck, '--json']).s;
  process.stderr.write(`imported into ${duck} in ${importSeconds.toFixed(1)} s\n`);
}

// Peer 1: DuckDB's own read of the files.
const duckRead = await (async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const t = performance.now();
  for (const f of csvs) await c.run(`CREATE TABLE "${f.replace(/\.csv$/, '')}" AS SELECT * FROM read_csv('${join(dataDir, f)}')`);
  const s = seconds(t);
  c.closeSync();
  instance.closeSync();
  return s;
})();

// Peer 2: PostgreSQL's COPY of the raw files into text tables (no checks, no types).
const rawCopy = await (async () => {
  const db = await freshDatabase('tenure_bench_raw');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const t = performance.now();
    for (const f of csvs) {
      const header = (readFileSync(join(dataDir, f), 'utf8').split('\n', 1)[0] ?? '').split(',');
      const table = `"${f.replace(/\.csv$/, '')}"`;
      await client.query(`CREATE UNLOGGED TABLE ${table} (${header.map((h) => `"${h.trim()}" TEXT`).join(', ')})`);
      await pipeline(createReadStream(join(dataDir, f)), client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT csv, HEADER true)`)));
    }
    return seconds(t);
  } finally {
    await client.end();
    await db.drop();
  }
})();

// `tenure import --no-prepare` of the same folder into a new store of each engine.
const importRuns = { postgres: [] as number[], duckdb: [] as number[] };
let importOutcome = '';
for (let i = 0; i < runs; i++) {
  const db = await freshDatabase('tenure_bench_import');
  try {
    const r = cli(['import', dataDir, '--no-prepare', '--db', db.url, '--json']);
    importRuns.postgres.push(r.s);
    importOutcome = r.out;
  } finally {
    await db.drop();
  }
  const file = join(OUT, `postgres-bench-import-${customers}x${months}.duckdb`);
  rmSync(file, { force: true });
  rmSync(`${file}.wal`, { force: true });
  const d = cli(['import', dataDir, '--no-prepare', '--db', file, '--json']);
  importRuns.duckdb.push(d.s);
  rmSync(file, { force: true });
  if (d.out !== importOutcome) throw new Error('tenure import printed different JSON on DuckDB and PostgreSQL');
  process.stderr.write(`import run ${i + 1}: postgres ${importRuns.postgres.at(-1)?.toFixed(1)} s, duckdb ${d.s.toFixed(1)} s\n`);
}
const importFigure = {
  tenure_import_postgres_s: Number(median(importRuns.postgres).toFixed(2)),
  tenure_import_duckdb_no_prepare_s: Number(median(importRuns.duckdb).toFixed(2)),
  ratio_postgres_import_to_duckdb_read: Number((median(importRuns.postgres) / duckRead).toFixed(2)),
};
const importTable = toTable(['measure', 'seconds'], [
  { measure: 'DuckDB read_csv of the files (peer)', seconds: Number(duckRead.toFixed(2)) },
  { measure: 'PostgreSQL COPY of the raw files (peer)', seconds: Number(rawCopy.toFixed(2)) },
  { measure: 'tenure import --no-prepare into PostgreSQL', seconds: importFigure.tenure_import_postgres_s },
  { measure: 'tenure import --no-prepare into DuckDB', seconds: importFigure.tenure_import_duckdb_no_prepare_s },
]);
const importLine = `PostgreSQL import / DuckDB read = ${importFigure.ratio_postgres_import_to_duckdb_read} (target <= 3; median of ${runs})`;
if (args['import-only']) {
  const load = loadavg().map((x) => Number(x.toFixed(2)));
  process.stdout.write(`${importTable}\n${importLine}\nload ${load.join(' ')}\n`);
  const summary = { customers, months, runs, load, data: dataDir, duckdb_read_csv_s: Number(duckRead.toFixed(2)), postgres_copy_raw_s: Number(rawCopy.toFixed(2)), ...importFigure, import_runs: importRuns };
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
