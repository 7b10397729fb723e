import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { runCaptured as run } from '../test-support.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { PostgresStore } from '../../store/postgres/postgres-store.ts';
import type { AnalyticsStore } from '../../store/port.ts';
import { IN_CI, freshDatabase, testServerProblem } from '../../store/postgres/test-server.ts';
import { importDataset, type ImportReport } from '../../app/import/import-dataset.ts';

const id = (i: number) => `C${String(i).padStart(5, '0')}`;
const usage = (i: number, month: string) => `${id(i)},${month},${(i % 97) + 0.25},${(i % 89) + 0.5},${i % 3}\n`;

/** `n` customers without x_ columns (direct loads take files without them), `months` usage months each from 2024-01, a few churn events. */
function writeFolder(folder: string, n: number, months: number): { customers: number; monthly_usage: number } {
  mkdirSync(folder);
  let customers = 'customer_id,customer_type,join_date,region\n';
  let rows = 'customer_id,month,revenue,paid,overdue_days\n';
  let churn = 'customer_id,churn_date,churn_type,reason_code\n';
  for (let i = 1; i <= n; i++) {
    customers += `${id(i)},individual,2023-0${(i % 9) + 1}-15,甘肃/酒泉${i % 2 ? '/肃州区' : ''}\n`;
    if (i % 7 === 0) churn += `${id(i)},2024-03-01,voluntary,101\n`;
  }
  for (let m = 1; m <= months; m++) for (let i = 1; i <= n; i++) rows += usage(i, `2024-${String(m).padStart(2, '0')}`);
  writeFileSync(join(folder, 'customers.csv'), customers);
  writeFileSync(join(folder, 'monthly_usage.csv'), rows);
  writeFileSync(join(folder, 'churn_events.csv'), churn);
  return { customers: n, monthly_usage: n * months };
}

/**
 * The PostgreSQL import's direct load (app/import sql.ts directLoadable): into an empty table,
 * a file without failing rows or repeated keys is staged on the server with the validation's
 * columns only and its rows go with COPY straight from the file reader into the table. A reject
 * found later (an unknown customer) stages the file again, whole, on the usual path; both give
 * what DuckDB gives. A client killed during the direct COPY leaves the table empty.
 */
const problem = await testServerProblem();
const dir = mkdtempSync(join(tmpdir(), 'tenure-import-direct-'));
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

const TABLES = ['customers', 'monthly_usage', 'churn_events', 'import_rejects'];
const PER_RUN = new Set(['run_id', 'created_at']);

async function dump(store: AnalyticsStore): Promise<string> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = await store.query(`SELECT * FROM ${table}`);
    out[table] = rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !PER_RUN.has(k))), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();
  }
  return JSON.stringify(out, null, 1);
}

const outcome = (r: ImportReport) => JSON.stringify(r.files.map(({ path: _p, ...f }) => f));

/** The folder imported into a new store of each engine: outcomes, dumps, and the tables PostgreSQL loaded directly. */
async function importBoth(folder: string): Promise<{ duck: string; post: string; duckRows: string; postRows: string; direct: string[] }> {
  const db = await freshDatabase('tenure_direct');
  drops.push(db.drop);
  const duck = await DuckDBStore.open(join(dir, `${Math.random().toString(36).slice(2)}.duckdb`), { readableDirectories: [dir] });
  const post = await PostgresStore.open(db.url, { readableDirectories: [dir] });
  try {
    const loaded = vi.spyOn(post, 'loadStaged');
    const a = await importDataset(duck, folder, { prepareAnalytics: false });
    const b = await importDataset(post, folder, { prepareAnalytics: false });
    return { duck: outcome(a), post: outcome(b), duckRows: await dump(duck), postRows: await dump(post), direct: loaded.mock.calls.map(([, req]) => req.into) };
  } finally {
    await duck.close();
    await post.close();
  }
}

describe.skipIf(problem !== undefined && !IN_CI)(`PostgreSQL import, direct load${problem ? ` (skipped: ${problem})` : ''}`, () => {
  it('clean files into empty tables load directly, with the same outcome and rows as DuckDB', async () => {
    const folder = join(dir, 'clean');
    writeFolder(folder, 300, 3);
    const r = await importBoth(folder);
    expect(r.post).toBe(r.duck);
    expect(r.postRows).toBe(r.duckRows);
    expect(r.direct).toEqual(expect.arrayContaining(['customers', 'monthly_usage']));
    expect(r.direct).not.toContain('churn_events'); // its cross-file checks read the whole row
  }, 240_000);

  it('a reject found after staging (unknown customer) stages the file again, whole: the same rejects, lines and rows as DuckDB', async () => {
    const folder = join(dir, 'unknown');
    writeFolder(folder, 300, 2);
    appendFileSync(join(folder, 'monthly_usage.csv'), `${usage(9999, '2024-03')}${usage(1, '2024-03')}`);
    const r = await importBoth(folder);
    expect(r.post).toBe(r.duck);
    expect(r.postRows).toBe(r.duckRows);
    expect(r.direct).not.toContain('monthly_usage');
    expect(r.direct).toContain('customers');
    expect(r.postRows).toContain(`${id(9999)} is not in customers`);
  }, 240_000);

  it('kill -9 of the client during the direct COPY leaves the table empty; a re-run loads it', async () => {
    const folder = join(dir, 'big');
    const counts = writeFolder(folder, 20_000, 12);
    const db = await freshDatabase('tenure_direct_kill');
    drops.push(db.drop);
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    let sawCopy = false;
    try {
      expect((await run(['schema'])).code).toBe(0);
      const child = spawn(process.execPath, ['bin/tenure.js', 'import', folder, '--no-prepare', '--db', db.url, '--json'], { stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      let done = false;
      void exited.then(() => (done = true));
      while (!done) {
        // The COPY into the stored table itself (not a temporary staging table).
        const rows = await watcher.query(
          "SELECT count(*) AS n FROM pg_stat_progress_copy WHERE datname = current_database() AND relid = to_regclass('public.monthly_usage') AND tuples_processed > 1000",
        );
        if (Number(rows.rows[0]?.n) > 0) {
          sawCopy = true;
          child.kill('SIGKILL');
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      expect(await exited).toBe(sawCopy ? 'SIGKILL' : null);
      for (let i = 0; i < 500; i++) {
        const left = await watcher.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
        if (Number(left.rows[0]?.n) === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(sawCopy, 'the import was killed while its direct COPY ran').toBe(true);
      const count = async (table: string) => Number((await watcher.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
      expect(await count('customers')).toBe(counts.customers);
      expect(await count('monthly_usage')).toBe(0);
      expect(await count("import_runs WHERE file = 'monthly_usage'")).toBe(0);
      const rerun = await run(['import', folder, '--no-prepare', '--db', db.url, '--json']);
      expect(rerun.code, rerun.err).toBe(0);
      expect(await count('monthly_usage')).toBe(counts.monthly_usage);
    } finally {
      await watcher.end();
    }
  }, 300_000);
});
