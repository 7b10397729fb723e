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
 * autocannon's nearest bucket), requests per second, non-2xx responses and socket errors.
 * The server runs in this process (createApi + startServer, as `tenure serve` does) on a copy
 * of the demo store, with an admin token; the per-caller rate limit is lifted for the run.
 *
 *   npx tsx bench/api.ts [--customers 20000] [--months 24] [--seed 7] [--connections 50] [--duration 15]
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
import { demoDataFolder } from './demo-data.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '20000' },
    months: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '15' },
  },
});
const OUT = resolve('bench/out');
const customers = Number(args.customers);
const months = Number(args.months);
const seed = Number(args.seed);
const connections = Math.max(1, Number(args.connections));
const duration = Math.min(20, Math.max(1, Number(args.duration))); // 3 endpoints × 20 s = 60 s at most
mkdirSync(OUT, { recursive: true });

const dataDir = await demoDataFolder(OUT, { customers, months, seed, profile: 'mixed' });
const dbPath = join(OUT, `api-${customers}x${months}-s${seed}.duckdb`);
if (!existsSync(dbPath)) {
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

const store = await DuckDBStore.open(dbPath, { access: 'read-write' });
if (!(await listUsers(store)).some((u) => u.username === 'bench')) await addUser(store, 'bench', 'admin', 'bench password, loopback only');
const { token } = await createToken(store, 'bench', ['reports:read', 'customer:read'], 1);
// Live customers (a churned one has no next best action): the 360 and nba draw from the same ids.
const ids = (
  await store.query<{ id: string }>('SELECT c.customer_id AS id FROM customers AS c WHERE NOT EXISTS (SELECT 1 FROM churn_events AS e WHERE e.customer_id = c.customer_id) ORDER BY c.customer_id')
).map((r) => r.id);
const api = createApi({ store, log: () => undefined, requestsPerMinute: 1e9, maxSessions: 8 });
const server = await startServer(api, { port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${server.port}`;
const headers = { Authorization: `Bearer ${token}` };

// Warm-up: the first report and 360 of a store derive its basis and stage history once.
for (const path of ['/api/v1/reports/churn-totals', `/api/v1/customers/${ids[0]}`, `/api/v1/customers/${ids[0]}/nba`]) {
  const res = await fetch(`${base}${path}`, { headers });
  if (res.status !== 200) throw new Error(`warm-up ${path}: ${res.status} ${await res.text()}`);
}

let rnd = seed >>> 0 || 1;
const randomId = () => {
  rnd = (Math.imul(rnd, 1_103_515_245) + 12_345) >>> 0;
  return encodeURIComponent(ids[rnd % ids.length] as string);
};

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

const rows: Row[] = [];
try {
  rows.push(await load('report churn-totals', () => '/api/v1/reports/churn-totals'));
  rows.push(await load('customer 360', () => `/api/v1/customers/${randomId()}`));
  rows.push(await load('nba', () => `/api/v1/customers/${randomId()}/nba`));
} finally {
  await server.close();
  await store.close();
}

const columns = ['endpoint', 'requests', 'rps', 'p50_ms', 'p95_ms', 'p99_ms', 'non_2xx', 'errors'];
process.stdout.write(`tenure serve on loopback, ${customers} customers × ${months} months, ${connections} connections, ${duration} s per endpoint (cores ${cpus().length}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')})\n`);
process.stdout.write(`${toTable(columns, rows.map((r) => ({ ...r })))}\n`);
const file = join(OUT, `api-${customers}.json`);
writeFileSync(file, `${JSON.stringify({ customers, months, seed, connections, duration_s: duration, cores: cpus().length, load: loadavg(), rows }, null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
