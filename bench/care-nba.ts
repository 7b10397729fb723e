/**
 * Times `tenure nba` and `tenure care` on a large operator (issue 13's figures: nba under 50 ms
 * per customer after the first call on a 1M store; care for a 30-day window at 1M customers
 * under 2 s), each against a named peer in the same run:
 *
 * - nba, in process: nbaContext once with preload (the first call's set-up: the value snapshot and
 *   the customers' imported facts in memory), then nextBestAction for --calls random live customers through the same app function the CLI calls; peer: a plain DuckDB
 *   read of the same facts for the same customers (the customer row with its score and value,
 *   subscriptions, offer history and contacts as one statement each, no decision).
 * - nba and care as CLI processes (`node bin/tenure.js …`), start-up included; peer: `--help`.
 * - care, in process: careCalendar for the 30 days after the data (blank consent allowed, since
 *   a store without marketing_consent would drop everything: the planning is what is timed);
 *   peer: a plain DuckDB count of the same window's birthdays, anniversaries and contract ends.
 *
 *   npx tsx bench/care-nba.ts [--db PATH] [--calls 1000] [--runs 3] [--seed 7]
 *
 * --db defaults to bench/out/analytics-1000000x24-s7-mixed.duckdb (a copy of bench/analytics.ts's
 * store; it is migrated on first use, so never point it at a store you must keep as it is).
 * Prints a table and writes bench/out/care-nba.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { careCalendar } from '../src/app/care/care.ts';
import { contactsSql } from '../src/app/care/contacts.ts';
import { dataSpan } from '../src/app/data-span.ts';
import { nbaContext, nextBestAction } from '../src/app/nba/nba.ts';
import { toTable } from '../src/cli/output.ts';
import { DEFAULT_CONTACT_POLICY } from '../src/domain/care/contact-policy.ts';
import { addMonths } from '../src/domain/month.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    calls: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '7' },
  },
});
const OUT = resolve('bench/out');
const dbPath = resolve(args.db ?? join(OUT, 'analytics-1000000x24-s7-mixed.duckdb'));
const calls = Math.max(1, Number(args.calls));
const runs = Math.max(1, Number(args.runs));
const ms = (t0: number) => performance.now() - t0;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, d = 1) => Number(x.toFixed(d));

if (!existsSync(dbPath)) throw new Error(`no store at ${dbPath}: copy bench/analytics.ts's store there first`);
mkdirSync(OUT, { recursive: true });
// Migrate once (a writer), then every timed read opens it read-only like the commands do.
await (await DuckDBStore.open(dbPath, { access: 'read-write' })).close();

const store = await DuckDBStore.open(dbPath, { access: 'read-only' });
const span = await dataSpan(store);
const date = `${addMonths(span.last, 1)}-05`;
const [{ n: customers } = { n: 0 }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers');
const ids = (
  await store.query<{ id: string }>(
    `SELECT c.customer_id AS id FROM customers c ANTI JOIN churn_events e ON e.customer_id = c.customer_id ORDER BY hash(c.customer_id || $1) LIMIT ${calls}`,
    [String(args.seed)],
  )
).map((r) => r.id);

// care in process, first: the preloaded nba context below holds a large heap that would slow it down
let t0 = 0;
const careRuns: { ms: number; rows: number; phases: Record<string, number> }[] = [];
for (let i = 0; i < runs; i++) {
  t0 = performance.now();
  const c = await careCalendar(store, { policy: { ...DEFAULT_CONTACT_POLICY, unknownConsent: 'allow' } });
  careRuns.push({ ms: ms(t0), rows: c.rows.length, phases: Object.fromEntries(Object.entries(c.phases).map(([k, v]) => [k, round(v * 1000)])) });
}
// nba in process
t0 = performance.now();
const ctx = await nbaContext(store, { policy: DEFAULT_CONTACT_POLICY, preload: true });
const contextMs = ms(t0);
t0 = performance.now();
await nextBestAction(ctx, ids[0] as string, { date });
const firstMs = ms(t0);
const perCall: number[] = [];
const actions: Record<string, number> = {};
for (const id of ids) {
  t0 = performance.now();
  const r = await nextBestAction(ctx, id, { date });
  perCall.push(ms(t0));
  actions[r.decision.action] = (actions[r.decision.action] ?? 0) + 1;
}
// peer: the same facts read by plain statements, no decision
const peer: number[] = [];
for (const id of ids) {
  t0 = performance.now();
  await store.query(
    `SELECT c.customer_id, c.marketing_consent, c.birth_date, e.churn_date, v.current_value, v.potential
     FROM customers c LEFT JOIN churn_events e ON e.customer_id = c.customer_id
     LEFT JOIN value_snapshot v ON v.customer_id = c.customer_id AND v.snapshot_key = $2 AND v.as_of = CAST($3 AS DATE)
     WHERE c.customer_id = $1`,
    [id, ctx.valueKey, `${ctx.valueAsOf}-01`],
  );
  await store.query('SELECT category, contract_end_date FROM subscriptions WHERE customer_id = $1', [id]);
  await store.query('SELECT arm, response, contacted_ts FROM campaign_members WHERE customer_id = $1', [id]);
  await store.query(`SELECT * FROM (${contactsSql(`'${addMonths(span.last, 0)}-06'`, `'${date}'`, `(SELECT '${id}' AS customer_id)`)}) AS k`);
  peer.push(ms(t0));
}

const from = `${addMonths(span.last, 1)}-01`;
const carePeer: number[] = [];
for (let i = 0; i < runs; i++) {
  t0 = performance.now();
  await store.query(
    `SELECT (SELECT count(*) FROM customers WHERE make_date(year(DATE '${from}'), month(birth_date), least(day(birth_date), 28)) BETWEEN DATE '${from}' AND DATE '${from}' + INTERVAL 29 DAY)
          + (SELECT count(*) FROM customers WHERE make_date(year(DATE '${from}'), month(join_date), least(day(join_date), 28)) BETWEEN DATE '${from}' AND DATE '${from}' + INTERVAL 29 DAY)
          + (SELECT count(*) FROM subscriptions WHERE contract_end_date BETWEEN DATE '${from}' + INTERVAL 30 DAY AND DATE '${from}' + INTERVAL 119 DAY) AS n`,
  );
  carePeer.push(ms(t0));
}
await store.close();

// CLI processes
function cli(argv: string[]): number {
  const t = performance.now();
  const res = spawnSync(process.execPath, ['bin/tenure.js', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`tenure ${argv.join(' ')}: exit ${res.status}: ${res.stderr}`);
  return ms(t);
}
spawnSync(process.execPath, ['bin/tenure.js', '--help'], { stdio: 'ignore' });
const cliHelp = Array.from({ length: runs }, () => cli(['--help']));
const cliNba = Array.from({ length: runs }, (_, i) => cli(['nba', ids[i + 1] as string, '--db', dbPath, '--json', '--date', date]));
const cliCare = Array.from({ length: runs }, () => cli(['care', '--db', dbPath, '--format', 'csv', '--unknown-consent', 'allow']));

const load = loadavg().map((x) => round(x, 2));
const rows = [
  { what: `nba in process, per call (${calls} random live customers)`, mean_ms: round(mean(perCall)), p50_ms: round(quantile(perCall, 0.5)), p95_ms: round(quantile(perCall, 0.95)), max_ms: round(Math.max(...perCall)) },
  { what: 'peer: plain DuckDB reads of the same facts, per customer', mean_ms: round(mean(peer)), p50_ms: round(quantile(peer, 0.5)), p95_ms: round(quantile(peer, 0.95)), max_ms: round(Math.max(...peer)) },
  { what: 'nba first call: context (value snapshot, medians, run, offers)', mean_ms: round(contextMs), p50_ms: null, p95_ms: null, max_ms: null },
  { what: 'nba first call: the first customer after it', mean_ms: round(firstMs), p50_ms: null, p95_ms: null, max_ms: null },
  { what: `care 30 days in process (${careRuns[0]?.rows} occasions)`, mean_ms: round(mean(careRuns.map((r) => r.ms))), p50_ms: round(quantile(careRuns.map((r) => r.ms), 0.5)), p95_ms: null, max_ms: round(Math.max(...careRuns.map((r) => r.ms))) },
  { what: 'peer: plain DuckDB count of the window\'s birthdays, anniversaries, contract ends', mean_ms: round(mean(carePeer)), p50_ms: round(quantile(carePeer, 0.5)), p95_ms: null, max_ms: round(Math.max(...carePeer)) },
  { what: 'CLI: tenure nba CUSTOMER --json (process wall time)', mean_ms: round(mean(cliNba)), p50_ms: round(quantile(cliNba, 0.5)), p95_ms: null, max_ms: round(Math.max(...cliNba)) },
  { what: 'CLI: tenure care --format csv (process wall time)', mean_ms: round(mean(cliCare)), p50_ms: round(quantile(cliCare, 0.5)), p95_ms: null, max_ms: round(Math.max(...cliCare)) },
  { what: 'peer: CLI start-up alone (tenure --help)', mean_ms: round(mean(cliHelp)), p50_ms: round(quantile(cliHelp, 0.5)), p95_ms: null, max_ms: round(Math.max(...cliHelp)) },
];
process.stdout.write(`${dbPath}: ${customers} customers, data to ${span.last}, nba date ${date}; ${cpus().length} cpus, load average ${load.join(' ')}\n`);
process.stdout.write(toTable(['what', 'mean_ms', 'p50_ms', 'p95_ms', 'max_ms'], rows));
process.stdout.write(`nba actions: ${JSON.stringify(actions)}\ncare phases (ms): ${careRuns.map((r) => JSON.stringify(r.phases)).join(' ')}\n`);
writeFileSync(
  join(OUT, 'care-nba.json'),
  `${JSON.stringify({ store: dbPath, customers: Number(customers), data_last_month: span.last, date, calls, runs, cpus: cpus().length, load_average: load, rows, nba_actions: actions, care_runs: careRuns }, null, 2)}\n`,
);
