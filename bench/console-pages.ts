/**
 * The API calls of the console's risk & retention and care & loyalty pages and of the 360's
 * points and care card, one client alone on loopback (issue 16: each page's calls under 300 ms
 * p95): the first call of each (cold: what a page's first visit waits for) and then --single
 * sequential calls (warm), with p50 / p95 / max.
 *
 * The server runs in this process (createApi + startServer, as `tenure serve` does, its start
 * warmed) on --db, an existing store that has a scoring run (written to: an account and a token;
 * give it a copy, e.g. of /work/main/bench/out/warn-1m.duckdb).
 *
 *   npx tsx bench/console-pages.ts --db FILE [--single 10] [--label NAME] [--pages risk,care,360]
 *
 * A call that fails is reported with its status (and the run goes on).
 *
 * Prints a table and writes bench/out/console-pages-<label>.json with the load average.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { addUser, createToken, listUsers } from '../src/app/auth/accounts.ts';
import { createApi } from '../src/api/index.ts';
import { startServer } from '../src/api/server.ts';
import { toTable } from '../src/cli/output.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';

const { values: args } = parseArgs({ options: { db: { type: 'string' }, single: { type: 'string', default: '10' }, label: { type: 'string' }, pages: { type: 'string', default: 'risk,care,360' } } });
const pages = new Set(args.pages.split(','));
if (args.db === undefined) throw new Error('--db FILE: a copy of a store with a scoring run (it gets an account)');
const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });
const single = Math.max(1, Number(args.single));
const label = args.label ?? 'run';
const load0 = loadavg();

const opened = performance.now();
const store = await DuckDBStore.open(resolve(args.db), { access: 'read-write' });
process.stderr.write(`opened (migrated) in ${((performance.now() - opened) / 1000).toFixed(1)} s\n`);
if (!(await listUsers(store)).some((u) => u.username === 'bench')) await addUser(store, 'bench', 'admin', 'bench password, loopback only');
const { token } = await createToken(store, 'bench', ['reports:read', 'customer:read', 'customer:list'], 1);
const [live] = await store.query<{ id: string }>('SELECT c.customer_id AS id FROM customers AS c WHERE NOT EXISTS (SELECT 1 FROM churn_events AS e WHERE e.customer_id = c.customer_id) ORDER BY c.customer_id LIMIT 1');
const id = encodeURIComponent((live as { id: string }).id);
const [customers] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers');
const api = createApi({ store, log: (e) => void (e.level === 'error' && process.stderr.write(`server error: ${String(e.error).split('\n').slice(0, 3).join(' / ')}\n`)), requestsPerMinute: 1e9 });
const server = await startServer(api, { port: 0, host: '127.0.0.1' });
const warming = performance.now();
await api.serving.warm();
process.stderr.write(`server warmed in ${((performance.now() - warming) / 1000).toFixed(1)} s\n`);
const base = `http://127.0.0.1:${server.port}`;
const headers = { Authorization: `Bearer ${token}` };

const CALLS: readonly (readonly [string, string, string])[] = [
  ['risk', 'warning list (200 rows)', '/api/v1/warn?limit=200&lang=zh-CN'],
  ['risk', 'saved lists', '/api/v1/warn/lists'],
  ['risk', 'campaign results', '/api/v1/campaigns?lang=zh-CN'],
  ['risk', 'win-back (top 50)', '/api/v1/winback?top=50&limit=50&lang=zh-CN'],
  ['care', 'care calendar (1000 rows)', '/api/v1/care?limit=1000&lang=zh-CN'],
  ['care', 'points expiring (30 days)', '/api/v1/points/expiring?within_days=30&limit=1000'],
  ['360', 'points balance', `/api/v1/customers/${id}/points`],
  ['360', 'care dates of one customer', `/api/v1/customers/${id}/care?lang=zh-CN`],
];

async function timed(path: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${base}${path}`, { headers });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`status ${res.status}: ${body.slice(0, 160)}`);
  return performance.now() - t;
}

const rows: Record<string, string | number>[] = [];
try {
  for (const [page, call, path] of CALLS) {
    if (!pages.has(page)) continue;
    let first: number;
    try {
      first = await timed(path);
    } catch (err) {
      rows.push({ page, call, first_ms: String((err as Error).message), requests: 0, p50_ms: '', p95_ms: '', max_ms: '' });
      process.stderr.write(`${page} ${call}: ${(err as Error).message}\n`);
      continue;
    }
    const times: number[] = [];
    for (let i = 0; i < single; i++) times.push(await timed(path));
    times.sort((a, b) => a - b);
    const q = (p: number) => Number((times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN).toFixed(1));
    rows.push({ page, call, first_ms: Number(first.toFixed(1)), requests: times.length, p50_ms: q(0.5), p95_ms: q(0.95), max_ms: q(1) });
    process.stderr.write(`${page} ${call}: first ${first.toFixed(0)} ms, p95 ${q(0.95)} ms\n`);
  }
} finally {
  await server.close();
  await api.close();
  await store.close();
}

const load1 = loadavg();
process.stdout.write(toTable(['page', 'call', 'first_ms', 'requests', 'p50_ms', 'p95_ms', 'max_ms'], rows));
process.stdout.write(`customers ${Number(customers?.n ?? 0)}; load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} cores\n`);
writeFileSync(join(OUT, `console-pages-${label}.json`), `${JSON.stringify({ db: resolve(args.db), customers: Number(customers?.n ?? 0), single, loadavg_before: load0, loadavg_after: load1, cores: cpus().length, rows }, null, 2)}\n`);
