/**
 * Times the churn reports on a large synthetic store.
 *
 *   npx tsx bench/reports.ts [--customers 1000000] [--months 24] [--runs 3] [--db PATH] [--fresh]
 *
 * The data is made directly in SQL (INSERT … SELECT over range()) so the timing covers the
 * reports only; it is shaped like an operator (a base that joined before the window, monthly
 * joiners, ~35% churn with reason codes, one usage row per customer per window month, some
 * churners with fewer prior rows) but is not meant to be realistic: the demo generator is.
 * Each report is timed on a freshly opened store (cold_ms, what one CLI call sees) and then
 * `runs` more times (warm). Prints a table and writes bench/out/reports.json.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import type { AnalyticsStore } from '../src/store/port.ts';
import { churnTotals } from '../src/app/reports/churn-totals.ts';
import { churnReasons } from '../src/app/reports/churn-reasons.ts';
import { churnRegions } from '../src/app/reports/churn-regions.ts';
import { refreshChurnBasis, churnBasisSource } from '../src/app/reports/basis.ts';
import type { ReportOptions } from '../src/app/reports/sql.ts';
import { toTable } from '../src/cli/output.ts';
import { addMonths } from '../src/domain/month.ts';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const customers = Number(flag('customers', '1000000'));
const months = Number(flag('months', '24'));
const runs = Number(flag('runs', '3'));
const dbPath = flag('db', join(outDir, `reports-${customers}x${months}.duckdb`));
const fresh = process.argv.includes('--fresh');
const WINDOW_START = '2024-01-01';
const WINDOW_END = `${addMonths('2024-01', months)}-01`; // first day after the window

async function fill(store: AnalyticsStore): Promise<void> {
  const n = customers;
  // 30% of accounts joined before the window, the rest spread over the window months.
  await store.run(`
    INSERT INTO customers (customer_id, customer_type, join_date, region, province, city, district)
    SELECT 'C' || lpad(CAST(i AS VARCHAR), 8, '0'),
           CASE WHEN i % 10 = 0 THEN 'business' ELSE 'individual' END,
           CASE WHEN hash(i, 1) % 10 < 3
                THEN DATE '${WINDOW_START}' - CAST(1 + hash(i, 2) % 2000 AS INTEGER)
                ELSE DATE '${WINDOW_START}' + CAST(hash(i, 2) % (${months} * 30) AS INTEGER) END,
           p || '/' || c || '/' || d, p, p || c, p || c || d
    FROM (SELECT i,
                 'P' || CAST(hash(i, 3) % 6 AS VARCHAR) AS p,
                 'C' || CAST(hash(i, 4) % 4 AS VARCHAR) AS c,
                 'D' || CAST(hash(i, 5) % 5 AS VARCHAR) AS d
          FROM range(${n}) r(i))`);
  // ~35% churn, somewhere between join and the end of the window; 1 in 4 involuntary.
  await store.run(`
    INSERT INTO churn_events (customer_id, churn_date, churn_type, reason_code)
    SELECT customer_id, churn_date,
           CASE WHEN h % 4 = 0 THEN 'involuntary' ELSE 'voluntary' END,
           CASE WHEN h % 4 = 0 THEN (['335', '345', '380'])[1 + CAST(h // 4 % 3 AS INTEGER)]
                ELSE (['101', '102', '103', '104', '105', '205', '206', '207', '210', '211', '212'])[1 + CAST(h // 4 % 11 AS INTEGER)] END
    FROM (SELECT customer_id, hash(customer_id, 7) AS h,
                 greatest(join_date, DATE '${WINDOW_START}')
                   + CAST(hash(customer_id, 8) % greatest(1, DATE '${WINDOW_END}' - greatest(join_date, DATE '${WINDOW_START}')) AS INTEGER) AS churn_date
          FROM customers WHERE hash(customer_id, 6) % 100 < 35)`);
  // One row per customer per window month (the contract allows rows outside the service
  // period), except 1 in 50 customers who have only the months from their join on.
  await store.run(`
    INSERT INTO monthly_usage (customer_id, month, revenue, cost)
    SELECT c.customer_id, m.month,
           CAST((hash(c.customer_id, m.month) % 20000) / 100 AS DECIMAL(18,6)) + CAST('0.005' AS DECIMAL(18,6)) * (hash(c.customer_id) % 3),
           NULL
    FROM customers c
    CROSS JOIN (SELECT CAST(DATE '${WINDOW_START}' + INTERVAL (k) MONTH AS DATE) AS month FROM range(${months}) r(k)) m
    WHERE hash(c.customer_id, 9) % 50 <> 0 OR m.month >= date_trunc('month', c.join_date)`);
}

interface Timing {
  report: string;
  basis: string;
  rows: number;
  /** First run on a freshly opened store, as a CLI invocation sees it. */
  cold_ms: number;
  best_ms: number;
  median_ms: number;
  runs_ms: number[];
}

type Report = (store: AnalyticsStore, options: ReportOptions) => Promise<{ rows: readonly unknown[] }>;

const REPORTS: [string, Report][] = [
  ['churn-totals', (s, o) => churnTotals(s, {}, o)],
  ['churn-reasons', (s, o) => churnReasons(s, {}, o)],
  ['churn-regions --level province', (s, o) => churnRegions(s, { level: 'province' }, o)],
  ['churn-regions --level city', (s, o) => churnRegions(s, { level: 'city' }, o)],
  ['churn-regions --level district', (s, o) => churnRegions(s, { level: 'district' }, o)],
];

async function time(name: string, label: string, report: Report, options: ReportOptions, times: number): Promise<Timing> {
  const store = await DuckDBStore.open(dbPath);
  try {
    const runsMs: number[] = [];
    let rows = 0;
    for (let r = 0; r <= times; r++) {
      const t0 = performance.now();
      rows = (await report(store, options)).rows.length;
      runsMs.push(Math.round(performance.now() - t0));
    }
    const [cold = 0, ...warm] = runsMs;
    const sorted = [...warm].sort((a, b) => a - b);
    return {
      report: name,
      basis: label,
      rows,
      cold_ms: cold,
      best_ms: sorted[0] ?? cold,
      median_ms: sorted[Math.floor(sorted.length / 2)] ?? cold,
      runs_ms: warm,
    };
  } finally {
    await store.close();
  }
}

mkdirSync(outDir, { recursive: true });
if (fresh && existsSync(dbPath)) rmSync(dbPath);
const setup = await DuckDBStore.open(dbPath);
let fillMs = 0;
let refreshMs: number | null = null;
let counts: { customers: number; usage_rows: number; churners: number } | undefined;
try {
  const [have] = await setup.query<{ n: number }>('SELECT count(*) AS n FROM customers');
  if (Number(have?.n ?? 0) === 0) {
    process.stderr.write(`filling ${dbPath} with ${customers} customers × ${months} months …\n`);
    const t0 = performance.now();
    await fill(setup);
    await setup.run('CHECKPOINT');
    fillMs = Math.round(performance.now() - t0);
  } else {
    process.stderr.write(`reusing ${dbPath} (${String(have?.n)} customers; --fresh to rebuild)\n`);
  }
  [counts] = await setup.query<{ customers: number; usage_rows: number; churners: number }>(
    `SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM monthly_usage) AS usage_rows,
            (SELECT count(*) FROM churn_events) AS churners`,
  );
  // What import does after loading (see src/app/reports/basis.ts).
  if ((await churnBasisSource(setup)).kind !== 'table') {
    const t0 = performance.now();
    await setup.transaction((tx) => refreshChurnBasis(setup, tx));
    await setup.run('CHECKPOINT');
    refreshMs = Math.round(performance.now() - t0);
  }
} finally {
  await setup.close();
}

const loadBefore = loadavg()[0] ?? 0;
const timings: Timing[] = [];
// The reports as the CLI runs them (derived tables current), then, for reference, with the
// derived inputs evaluated inline as when import has not refreshed them.
for (const [name, report] of REPORTS) timings.push(await time(name, 'table', report, {}, runs));
for (const [name, report] of REPORTS) timings.push(await time(name, 'inline', report, { basis: { kind: 'inline' } }, 1));
const loadAfter = loadavg()[0] ?? 0;

const columns = ['report', 'basis', 'rows', 'cold_ms', 'best_ms', 'median_ms', 'runs_ms'];
process.stdout.write(
  `store: ${String(counts?.customers)} customers, ${String(counts?.usage_rows)} usage rows, ${String(counts?.churners)} churn events` +
    (fillMs ? `, filled in ${fillMs} ms` : '') +
    (refreshMs !== null ? `, derived tables refreshed in ${refreshMs} ms` : '') +
    `\n${cpus().length} CPUs, 1-min load average ${loadBefore.toFixed(2)} before / ${loadAfter.toFixed(2)} after (the machine is shared)\n` +
    toTable(columns, timings.map((t) => ({ ...t, runs_ms: t.runs_ms.join(' ') }))),
);
const result = {
  generated_at: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, load_average_before: loadBefore, load_average_after: loadAfter },
  store: { path: dbPath, ...counts, fill_ms: fillMs || null, derived_refresh_ms: refreshMs },
  runs,
  timings,
};
writeFileSync(join(outDir, 'reports.json'), JSON.stringify(result, null, 2) + '\n');
