/**
 * A bounded load test of `tenure serve` on loopback (issue 15's figures): autocannon with
 * --connections clients (default 50) against three endpoints in turn, --duration seconds each
 * (default 15; the three together at most 60 s, then it stops by itself):
 *
 * - report:       GET /api/v1/reports/churn-totals
 * - customer 360: GET /api/v1/customers/{id}, a random customer of the store per request
 * - nba:          GET /api/v1/customers/{id}/nba, likewise
 *
 * Reports p50/p95/p99 latency (from every response's own time, so p95 is exact rather than
 * autocannon's nearest bucket), requests per second, non-2xx responses and socket errors; and,
 * before the load, what one client alone sees (--single sequential requests per endpoint).
 * The server runs in this process (createApi + startServer, as `tenure serve` does) on a copy
 * of the demo store, with an admin token; the per-caller rate limit is lifted for the run. The
 * server's start (the next-best-action context of the whole base, app/serving) is timed apart.
 *
 * And first, in the same process without HTTP, what one 360 and one nba call cost (--inproc calls each).
 *
 *   npx tsx bench/api.ts [--customers 20000] [--months 24] [--seed 7] [--connections 50] [--duration 15] [--single 40] [--inproc 40]
 *                        [--data DIR] [--db FILE]
 *
 * --data: an existing demo folder instead of bench/out/data-…; --db: an existing store (written
 * to: accounts, the kept derived tables; give it a copy) instead of bench/out/api-….duckdb.
 *
 * Prints a table and writes bench/out/api-<customers>.json.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { addUser, createToken, listUsers } from '../src/app/auth/accounts.ts';
import { importDataset } from '../src/app/import/import-dataset.ts';
import { createApi } from '../src/api/index.ts';
import { startServer } from '../src/api/server.ts';
import { toTable } from '../src/cli/output.ts';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.ts';
import { customer360 } from '../src/app/customer/customer360.ts';
import { nextBestAction } from '../src/app/nba/nba.ts';
import { demoDataFolder } from './demo-data.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '20000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '15' },
    single: { type: 'string', default: '40' },
    inproc: { type: 'string', default: '40' },
    data: { type: 'string' },
    db: { type: 'string' },
  },
});
const OUT = resolve('bench/out');
const customers = Number(args.customers);
const months = Number(args.months);
const seed = Number(args.seed);
const connections = Math.max(1, Number(args.connections));
const duration = Math.min(20, Math.max(1, Number(args.duration))); // 3 endpoints × 20 s = 60 s at most
const single = Math.max(0, Number(args.single));
const inproc = Math.max(0, Number(args.inproc));
mkdirSync(OUT, { recursive: true });

const dbPath = args.db !== undefined ? resolve(args.db) : join(OUT, `api-${customers}x${months}-s${seed}.duckdb`);
if (!existsSync(dbPath)) {
  const dataDir = args.data !== undefined ? resolve(args.data) : await demoDataFolder(OUT, { customers, months, seed, profile: 'mixed' });
  const store = await DuckDBStore.open(dbPath, { readableDirectories: [dataDir] });
  try {
    const t = performance.now();
    await importDataset(store, dataDir);
    process.stderr.write(`imported ${dataDir} in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    await store.close();
    rmSync(dbPath, { force: true });
    throw err;
  }
  await store.close();
}

const opened = performance.now();
const store = await DuckDBStore.open(dbPath, { access: 'read-write' });
const openMs = performance.now() - opened;
if (!(await listUsers(store)).some((u) => u.username === 'bench')) await addUser(store, 'bench', 'admin', 'bench password, loopback only');
const { token } = await createToken(store, 'bench', ['reports:read', 'customer:read'], 1);
// Live customers (a churned one has no next best action): the 360 and nba draw from the same ids.
const ids = (
  await store.query<{ id: string }>('SELECT c.customer_id AS id FROM customers AS c WHERE NOT EXISTS (SELECT 1 FROM churn_events AS e WHERE e.customer_id = c.customer_id) ORDER BY c.customer_id')
).map((r) => r.id);
const api = createApi({ store, log: () => undefined, requestsPerMinute: 1e9, maxSessions: 8 });
const server = await startServer(api, { port: 0, host: '127.0.0.1' });
// What `tenure serve` does at start: the NBA context of the whole base, preloaded.
const warmStarted = performance.now();
await api.serving.warm();
const warmMs = performance.now() - warmStarted;
const base = `http://127.0.0.1:${server.port}`;
const headers = { Authorization: `Bearer ${token}` };

// Warm-up: the first report and 360 of a store derive its basis and stage history once.
const firstMs: Record<string, number> = {};
for (const [name, path] of [['report', '/api/v1/reports/churn-totals'], ['customer 360', `/api/v1/customers/${ids[0]}`], ['nba', `/api/v1/customers/${ids[0]}/nba`]] as const) {
  const t = performance.now();
  const res = await fetch(`${base}${path}`, { headers });
  if (res.status !== 200) throw new Error(`warm-up ${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  firstMs[name] = Number((performance.now() - t).toFixed(1));
}

let rnd = seed >>> 0 || 1;
const randomId = () => {
  rnd = (Math.imul(rnd, 1_103_515_245) + 12_345) >>> 0;
  return encodeURIComponent(ids[rnd % ids.length] as string);
};

/** One client alone: `single` sequential requests, each on its own random customer. */
async function alone(endpoint: string, path: () => string): Promise<{ endpoint: string; requests: number; p50_ms: number; p95_ms: number; max_ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < single; i++) {
    const t = performance.now();
    const res = await fetch(`${base}${path()}`, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${endpoint}: ${res.status}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => Number((times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN).toFixed(1));
  return { endpoint, requests: times.length, p50_ms: q(0.5), p95_ms: q(0.95), max_ms: q(1) };
}

interface Row {
  endpoint: string;
  requests: number;
  rps: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
}

async function load(endpoint: string, path: () => string): Promise<Row> {
  const times: number[] = [];
  const instance = autocannon({ url: base, connections, duration, headers, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }] });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  const result = await instance;
  // Requests autocannon gave up on (its 10 s timeout) still run in the server: let them finish,
  // so the next endpoint is measured alone.
  await api.drained();
  times.sort((a, b) => a - b);
  const q = (p: number) => Number((times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN).toFixed(1));
  return {
    endpoint,
    requests: result.requests.total,
    rps: Number(result.requests.average.toFixed(1)),
    p50_ms: q(0.5),
    p95_ms: q(0.95),
    p99_ms: q(0.99),
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** In process, no HTTP: `inproc` sequential calls of the use case on a leased session, as the route makes them. */
async function inProcess(endpoint: string, call: (id: string) => Promise<unknown>): Promise<{ endpoint: string; calls: number; p50_ms: number; p95_ms: number; mean_ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < inproc; i++) {
    const id = decodeURIComponent(randomId());
    const t = performance.now();
    await call(id);
    times.push(performance.now() - t);
  }
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  times.sort((a, b) => a - b);
  const q = (p: number) => Number((times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN).toFixed(1));
  return { endpoint, calls: times.length, p50_ms: q(0.5), p95_ms: q(0.95), mean_ms: Number(mean.toFixed(1)) };
}
const leased = async <T>(fn: (lease: Awaited<ReturnType<typeof api.serving.lease>>) => Promise<T>): Promise<T> => {
  const lease = await api.serving.lease();
  try {
    return await fn(lease);
  } finally {
    await lease.release();
  }
};

const rows: Row[] = [];
const inProcessRows: Awaited<ReturnType<typeof inProcess>>[] = [];
const singles: Awaited<ReturnType<typeof alone>>[] = [];
const loadBefore = loadavg();
try {
  inProcessRows.push(await inProcess('customer 360', (id) => leased(async (l) => customer360(l.session, { customerId: id }, (await api.serving.customer360Base(l, undefined)) ?? undefined))));
  inProcessRows.push(await inProcess('nba', (id) => leased(async (l) => nextBestAction(await api.serving.nbaContext(l), id, { lang: 'zh' }))));
  singles.push(await alone('report churn-totals', () => '/api/v1/reports/churn-totals'));
  singles.push(await alone('customer 360', () => `/api/v1/customers/${randomId()}`));
  singles.push(await alone('nba', () => `/api/v1/customers/${randomId()}/nba`));
  rows.push(await load('report churn-totals', () => '/api/v1/reports/churn-totals'));
  rows.push(await load('customer 360', () => `/api/v1/customers/${randomId()}`));
  rows.push(await load('nba', () => `/api/v1/customers/${randomId()}/nba`));
} finally {
  await server.close();
  await store.close();
}

const columns = ['endpoint', 'requests', 'rps', 'p50_ms', 'p95_ms', 'p99_ms', 'non_2xx', 'errors'];
const loadText = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
process.stdout.write(
  `tenure serve on loopback, ${customers} customers × ${months} months (${dbPath}): store open ${openMs.toFixed(0)} ms, NBA context ${warmMs.toFixed(0)} ms, first calls ${JSON.stringify(firstMs)} (cores ${cpus().length}, load before ${loadText(loadBefore)})\n`,
);
process.stdout.write(`in process (no HTTP), ${inproc} sequential calls per use case:\n${toTable(['endpoint', 'calls', 'p50_ms', 'p95_ms', 'mean_ms'], inProcessRows.map((r) => ({ ...r })))}\n`);
process.stdout.write(`one client alone, ${single} sequential requests per endpoint:\n${toTable(['endpoint', 'requests', 'p50_ms', 'p95_ms', 'max_ms'], singles.map((r) => ({ ...r })))}\n`);
process.stdout.write(`${connections} connections, ${duration} s per endpoint (load after ${loadText(loadavg())}):\n${toTable(columns, rows.map((r) => ({ ...r })))}\n`);
const file = join(OUT, `api-${customers}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ customers, months, seed, db: dbPath, connections, duration_s: duration, cores: cpus().length, load_before: loadBefore, load_after: loadavg(), open_ms: openMs, nba_context_ms: warmMs, first_ms: firstMs, in_process: inProcessRows, single: singles, rows }, null, 2)}\n`,
);
process.stdout.write(`wrote ${file}\n`);
