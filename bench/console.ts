/**
 * The web console's figures (issue 16): the production bundle's size per route (gzip, ECharts
 * tree-shaken through echarts/core), and in Debian's chromium on loopback the time to the
 * dashboard's first meaningful paint (the churn totals table's first row on screen, measured
 * with the page's own Performance API clock from navigation start) and to the customer 360's
 * risk card's content, cold (a fresh browser context each run), with each page's API calls (resource
 * timing). Peer in the same run: the same API requests from Node without a browser. The server is
 * warmed first as `tenure serve` does at start (timed apart): the pages meet a started server.
 *
 *   npx tsx bench/console.ts --db bench/out/analytics-1000000x24-s7-mixed.duckdb [--runs 5]
 *
 * The store is copied to bench/out/console-<name> first (the server writes sessions and the audit
 * trail). Prints a table and writes bench/out/console-<name>.json.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { addUser, listUsers } from '../src/app/auth/accounts.ts';
import { openStore } from '../src/app/store.ts';
import { createApi } from '../src/api/index.ts';
import { startServer } from '../src/api/server.ts';
import { toTable } from '../src/cli/output.ts';

const { values: args } = parseArgs({ options: { db: { type: 'string' }, runs: { type: 'string', default: '5' }, chromium: { type: 'string', default: '/usr/bin/chromium' } } });
if (!args.db) throw new Error('--db PATH: the store to measure on (it is copied first)');
const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });
const runs = Math.max(1, Number(args.runs));
const name = basename(args.db).replace(/\.duckdb$/, '').replace(/^console-/, '');
const copy = join(OUT, `console-${name}.duckdb`);
if (!existsSync(copy)) {
  process.stderr.write(`copying ${args.db} to ${copy}\n`);
  copyFileSync(args.db, copy);
}

// 1. The bundle, with Vite's manifest to follow each route's chunks.
const dist = join(OUT, 'console-build');
await build({ configFile: resolve('src/web/vite.config.ts'), logLevel: 'error', build: { outDir: dist, emptyOutDir: true, manifest: true } });
type Chunk = { file: string; imports?: string[]; dynamicImports?: string[]; css?: string[]; isEntry?: boolean; src?: string };
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, Chunk>;
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const raw = (file: string) => readFileSync(join(dist, file)).length;
function closure(keys: string[], seen = new Set<string>()): Set<string> {
  for (const k of keys) {
    if (seen.has(k)) continue;
    seen.add(k);
    closure(manifest[k]?.imports ?? [], seen);
  }
  return seen;
}
const entryKey = Object.keys(manifest).find((k) => manifest[k]?.isEntry) as string;
const pageKey = (page: string) => Object.keys(manifest).find((k) => k.endsWith(`pages/${page}.tsx`)) as string;
const files = (keys: Set<string>) => [...new Set([...keys].flatMap((k) => [manifest[k]?.file as string, ...(manifest[k]?.css ?? [])]))];
const routes = { login: closure([entryKey]), dashboard: closure([entryKey, pageKey('Dashboard')]), customer: closure([entryKey, pageKey('Customer')]) };
const bundleRows = Object.entries(routes).map(([route, keys]) => {
  const f = files(keys);
  return { route, files: f.length, raw_kb: +(f.reduce((s, x) => s + raw(x), 0) / 1024).toFixed(1), gzip_kb: +(f.reduce((s, x) => s + gz(x), 0) / 1024).toFixed(1) };
});
const echartsFile = Object.values(manifest).find((c) => /echarts/.test(c.file))?.file;
if (echartsFile) bundleRows.push({ route: '(of which echarts)', files: 1, raw_kb: +(raw(echartsFile) / 1024).toFixed(1), gzip_kb: +(gz(echartsFile) / 1024).toFixed(1) });

// 2. The server over the copy, an analyst to log in.
const store = await openStore(copy, { access: 'read-write' });
if (!(await listUsers(store)).some((u) => u.username === 'bench-analyst')) await addUser(store, 'bench-analyst', 'retention_manager', 'a long enough password');
// The riskiest scored customer, or the first customer of a store nobody scored yet.
const [{ id: customerId }] = (await store.query<{ id: string }>(
  '(SELECT customer_id AS id, 0 AS k, churn_probability AS p FROM churn_scores UNION ALL SELECT customer_id, 1, NULL FROM (SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1)) ORDER BY k, p DESC NULLS LAST, id LIMIT 1',
)) as [{ id: string }];
const api = createApi({ store, log: () => undefined, requestsPerMinute: 1_000_000 }, { consoleDir: dist });
const server = await startServer(api, { port: 0, host: '127.0.0.1' });
// What `tenure serve` does at start (src/cli/commands/serve.ts): the NBA context, the 360 base and the
// dashboard's reports (app/serving prefetch); timed apart, the pages are measured on a started server.
const warmStarted = performance.now();
await api.serving.warm();
const warmMs = performance.now() - warmStarted;
const base = `http://127.0.0.1:${server.port}`;
const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });

interface Sample {
  page: string;
  paint_ms: number;
  fcp_ms: number | null;
  api: { url: string; ms: number }[];
}
const samples: Sample[] = [];
const peers: { url: string; ms: number }[] = [];
const login = { username: 'bench-analyst', password: 'a long enough password' };
try {
  for (let i = 0; i < runs; i++) {
    for (const [page, path, ready] of [
      ['dashboard', '/dashboard', '#churn-totals tbody tr'],
      ['customer', `/customers?id=${encodeURIComponent(customerId)}`, '#risk ~ *'],
    ] as const) {
      const context = await browser.newContext();
      await context.request.post(`${base}/api/v1/auth/login`, { data: login });
      const tab = await context.newPage();
      await tab.goto(`${base}${path}`);
      await tab.waitForSelector(ready, { timeout: 300_000 });
      const m = await tab.evaluate(() => ({
        paint: performance.now(),
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        api: performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/api/v1/') && !e.name.includes('/auth/'))
          .map((e) => ({ url: new URL(e.name).pathname + new URL(e.name).search, ms: e.duration })),
      }));
      samples.push({ page, paint_ms: m.paint, fcp_ms: m.fcp, api: m.api });
      // The peer: the same API requests from Node, no browser.
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      for (const a of m.api) {
        const t = performance.now();
        await (await fetch(`${base}${a.url}`, { headers: { Cookie: cookie } })).arrayBuffer();
        peers.push({ url: a.url, ms: performance.now() - t });
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
  await store.close();
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const route = (u: string) => u.replace(/\?.*$/, '').replace(/customers\/[^/]+/, 'customers/{id}');
const pageRows = (['dashboard', 'customer'] as const).map((page) => {
  const s = samples.filter((x) => x.page === page);
  const apiMs = s.flatMap((x) => x.api.map((a) => a.ms));
  return { page, runs: s.length, paint_median_ms: Math.round(pct(s.map((x) => x.paint_ms), 50)), paint_max_ms: Math.round(Math.max(...s.map((x) => x.paint_ms))), fcp_median_ms: Math.round(pct(s.map((x) => x.fcp_ms ?? NaN), 50)), api_calls: apiMs.length, api_p95_ms: Math.round(pct(apiMs, 95)) };
});
const byRoute = new Map<string, { browser: number[]; node: number[] }>();
for (const s of samples) for (const a of s.api) (byRoute.get(route(a.url)) ?? byRoute.set(route(a.url), { browser: [], node: [] }).get(route(a.url)))?.browser.push(a.ms);
for (const p of peers) byRoute.get(route(p.url))?.node.push(p.ms);
const apiRows = [...byRoute.entries()].map(([r, v]) => ({ route: r, calls: v.browser.length, browser_p95_ms: Math.round(pct(v.browser, 95)), node_peer_p95_ms: Math.round(pct(v.node, 95)) }));

const load = loadavg().map((x) => x.toFixed(1)).join(' ');
process.stdout.write(`web console on ${name} (cores ${cpus().length}, load ${load}; server warm-up ${(warmMs / 1000).toFixed(1)} s)\n\nbundle per route (what a route downloads, cold):\n`);
process.stdout.write(`${toTable(['route', 'files', 'raw_kb', 'gzip_kb'], bundleRows)}\n\npages, cold browser context each run (paint = first row of the churn table / the churn score on screen):\n`);
process.stdout.write(`${toTable(['page', 'runs', 'paint_median_ms', 'paint_max_ms', 'fcp_median_ms', 'api_calls', 'api_p95_ms'], pageRows)}\n\nAPI calls: in the browser vs the same requests from Node:\n`);
process.stdout.write(`${toTable(['route', 'calls', 'browser_p95_ms', 'node_peer_p95_ms'], apiRows)}\n`);
const file = join(OUT, `console-${name}.json`);
writeFileSync(file, `${JSON.stringify({ store: name, runs, cores: cpus().length, load: loadavg(), warm_ms: warmMs, bundle: bundleRows, pages: pageRows, api: apiRows, samples }, null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
