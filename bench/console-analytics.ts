/**
 * The console's analytics pages (issue 16): the bundle each downloads (gzip, per route, following
 * Vite's manifest), and in Debian's chromium on loopback, cold (a fresh browser context each run),
 * the time until every panel of the page shows (Performance API clock from navigation start) with
 * each API call's time (resource timing). Peer in the same run: the same API requests from Node
 * without a browser, right after.
 *
 *   npx tsx bench/console-analytics.ts --db bench/out/api-1m.duckdb [--runs 3]
 *
 * The store is copied to bench/out/console-analytics-<name>.duckdb first (the server writes
 * sessions and the audit trail). Prints a table and writes bench/out/console-analytics-<name>.json.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
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

const { values: args } = parseArgs({ options: { db: { type: 'string' }, runs: { type: 'string', default: '3' }, chromium: { type: 'string', default: '/usr/bin/chromium' } } });
if (!args.db) throw new Error('--db PATH: the store to measure on (it is copied first)');
const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });
const runs = Math.max(1, Number(args.runs));
const name = basename(args.db).replace(/\.duckdb$/, '').replace(/^console-analytics-/, '');
const copy = join(OUT, `console-analytics-${name}.duckdb`);
if (!existsSync(copy)) {
  process.stderr.write(`copying ${args.db} to ${copy}\n`);
  copyFileSync(args.db, copy);
}

// 1. The bundle per route, with Vite's manifest (static imports; a page's lazy chunks listed apart).
const dist = join(OUT, 'console-analytics-build');
await build({ configFile: resolve('src/web/vite.config.ts'), logLevel: 'error', build: { outDir: dist, emptyOutDir: true, manifest: true } });
type Chunk = { file: string; imports?: string[]; dynamicImports?: string[]; css?: string[]; isEntry?: boolean };
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, Chunk>;
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
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
const kb = (fs: string[]) => +(fs.reduce((s, x) => s + gz(x), 0) / 1024).toFixed(1);
const dashboard = closure([entryKey, pageKey('Dashboard')]);
const routes: Record<string, Set<string>> = {
  dashboard,
  'dashboard + outlook panels (lazy)': closure([entryKey, pageKey('Dashboard'), pageKey('ChurnOutlook')]),
  lifecycle: closure([entryKey, pageKey('Lifecycle')]),
  value: closure([entryKey, pageKey('Value')]),
};
const bundleRows = Object.entries(routes).map(([route, keys]) => ({ route, files: files(keys).length, gzip_kb: kb(files(keys)) }));

// 2. The server over the copy, a read-only account (the analytics pages' least role).
const store = await openStore(copy, { access: 'read-write' });
if (!(await listUsers(store)).some((u) => u.username === 'bench-reader')) await addUser(store, 'bench-reader', 'read_only', 'a long enough password');
const api = createApi({ store, log: () => undefined, requestsPerMinute: 1_000_000 }, { consoleDir: dist });
const server = await startServer(api, { port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${server.port}`;
const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });

/** Each page and what shows when all its panels are in (a table's first row, or the no-surveys note). */
const PAGES = [
  ['lifecycle', '/lifecycle', ['#lifecycle-stages tbody tr', '#transition-matrix tbody tr', '#lifecycle-patterns tbody tr']],
  ['value', '/value', ['[data-quadrant="IV"]', '#value-tiers tbody tr', '#segments tbody tr']],
  ['dashboard outlook', '/dashboard', ['#churn-totals tbody tr', '#churn-competitors tbody tr', '#churn-forecast tbody tr', '#churn-index-drivers tbody tr, [data-testid=no-surveys]']],
] as const;

/** A GET read to its end with node:http (no client timeout: a slow aggregate at 1M is a figure, not a failure). */
function fetchAll(url: string, cookie: string): Promise<void> {
  return new Promise((done, fail) => {
    get(url, { headers: { Cookie: cookie } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => done());
      res.on('error', fail);
    }).on('error', fail);
  });
}

interface Sample {
  page: string;
  first_ms: number;
  all_ms: number;
  api: { url: string; ms: number }[];
}
const samples: Sample[] = [];
const peers: { url: string; ms: number }[] = [];
try {
  for (let i = 0; i < runs; i++) {
    for (const [page, path, ready] of PAGES) {
      const context = await browser.newContext();
      await context.request.post(`${base}/api/v1/auth/login`, { data: { username: 'bench-reader', password: 'a long enough password' } });
      const tab = await context.newPage();
      await tab.goto(`${base}${path}`);
      const shown: number[] = [];
      for (const sel of ready) {
        await tab.waitForSelector(sel, { timeout: 600_000 });
        shown.push(await tab.evaluate(() => performance.now()));
      }
      await tab.waitForLoadState('networkidle');
      const calls = await tab.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/api/v1/') && !e.name.includes('/auth/'))
          .map((e) => ({ url: new URL(e.name).pathname + new URL(e.name).search, ms: e.duration })),
      );
      samples.push({ page, first_ms: Math.min(...shown), all_ms: Math.max(...shown), api: calls });
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      for (const a of calls) {
        const t = performance.now();
        await fetchAll(`${base}${a.url}`, cookie);
        peers.push({ url: a.url, ms: performance.now() - t });
      }
      process.stderr.write(`run ${i + 1} ${page}: every panel at ${Math.round(Math.max(...shown))} ms, ${calls.length} API calls\n`);
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
const pageRows = PAGES.map(([page]) => {
  const s = samples.filter((x) => x.page === page);
  return { page, runs: s.length, first_panel_median_ms: Math.round(pct(s.map((x) => x.first_ms), 50)), all_panels_median_ms: Math.round(pct(s.map((x) => x.all_ms), 50)), all_panels_max_ms: Math.round(Math.max(...s.map((x) => x.all_ms))) };
});
const route = (u: string) => u.replace(/\?.*$/, '');
const byRoute = new Map<string, { browser: number[]; node: number[] }>();
for (const s of samples) for (const a of s.api) (byRoute.get(route(a.url)) ?? byRoute.set(route(a.url), { browser: [], node: [] }).get(route(a.url)))?.browser.push(a.ms);
for (const p of peers) byRoute.get(route(p.url))?.node.push(p.ms);
const apiRows = [...byRoute.entries()].map(([r, v]) => ({ route: r, calls: v.browser.length, browser_p95_ms: Math.round(pct(v.browser, 95)), node_peer_p95_ms: Math.round(pct(v.node, 95)) }));

const load = loadavg().map((x) => x.toFixed(1)).join(' ');
process.stdout.write(`console analytics pages on ${name} (cores ${cpus().length}, load ${load})\n\nbundle per route (gzip, what a route downloads cold):\n`);
process.stdout.write(`${toTable(['route', 'files', 'gzip_kb'], bundleRows)}\n\npages, cold browser context each run (ms from navigation start until the first / every panel shows):\n`);
process.stdout.write(`${toTable(['page', 'runs', 'first_panel_median_ms', 'all_panels_median_ms', 'all_panels_max_ms'], pageRows)}\n\nAPI calls: in the browser vs the same requests from Node right after:\n`);
process.stdout.write(`${toTable(['route', 'calls', 'browser_p95_ms', 'node_peer_p95_ms'], apiRows)}\n`);
const file = join(OUT, `console-analytics-${name}.json`);
writeFileSync(file, `${JSON.stringify({ store: name, runs, cores: cpus().length, load: loadavg(), bundle: bundleRows, pages: pageRows, api: apiRows, samples }, null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
