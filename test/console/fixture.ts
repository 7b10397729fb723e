import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { runCaptured as run } from '../../src/cli/test-support.ts';
import { openStore, type AnalyticsStore } from '../../src/app/store.ts';
import { addUser } from '../../src/app/auth/accounts.ts';
import { createApi } from '../../src/api/index.ts';
import { startServer, type RunningServer } from '../../src/api/server.ts';

/**
 * The console's browser fixture as console.test.ts sets it up (the built console, `tenure serve`'s
 * app on a free port over a small demo store, Debian's chromium driven by playwright-core), with
 * what the risk, care and accessibility tests need besides: a scoring run of every customer still
 * billed in the last month, and points earned over the last months.
 */
export const CHROMIUM = process.env.TENURE_CHROMIUM ?? '/usr/bin/chromium';
export const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (scripts/setup-test-env.sh installs Debian's chromium)`;
if (missing && process.env.CI === 'true') throw new Error(missing);

export const repo = resolve(import.meta.dirname, '..', '..');
export const shots = join(repo, 'test-output', 'console');
export const PASSWORD = 'a long enough password';
export const USERS = { analyst: 'analyst', agent: 'agent', reader: 'read_only', retention: 'retention_manager', admin: 'admin' } as const;
export type User = keyof typeof USERS;

export interface ConsoleFixture {
  readonly work: string;
  readonly db: string;
  readonly store: AnalyticsStore;
  readonly server: RunningServer;
  readonly context: BrowserContext;
  readonly base: string;
  /** The last billed month's first day (YYYY-MM-DD). */
  readonly lastMonth: string;
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export async function consoleFixture(name: string, opts: { customers?: number; months?: number } = {}): Promise<ConsoleFixture> {
  const work = mkdtempSync(join(tmpdir(), `tenure-console-${name}-`));
  const data = join(work, 'data');
  const db = join(work, 'demo.duckdb');
  const consoleDir = join(work, 'console');
  const [built, demo] = await Promise.all([
    build({ configFile: join(repo, 'src', 'web', 'vite.config.ts'), logLevel: 'error', build: { outDir: consoleDir, emptyOutDir: true } }),
    run(['demo', '--out', data, '--customers', String(opts.customers ?? 600), '--months', String(opts.months ?? 18), '--seed', '5']),
  ]);
  expect(built).toBeDefined();
  expect(demo.code, demo.err).toBe(0);
  const imported = await run(['import', data, '--db', db]);
  expect(imported.code, imported.err).toBe(0);
  const store0 = await openStore(db, { access: 'read-write' });
  let lastMonth: string;
  try {
    [{ last: lastMonth }] = (await store0.query<{ last: string }>("SELECT strftime(max(month), '%Y-%m-%d') AS last FROM monthly_usage")) as [{ last: string }];
    // A scoring run of everyone still billed (training a model is another test's job): a probability and reasons from the id.
    await store0.run(
      `INSERT INTO churn_scores (model_version, as_of, customer_id, churn_probability, expected_loss, top_reasons, scored_at)
       SELECT 'm-test', CAST($1 AS DATE), customer_id, (hash(customer_id) % 1000) / 1000.0, (hash(customer_id) % 997) / 3.0,
              CASE WHEN hash(customer_id) % 2 = 0 THEN '["账单连续三个月下降","近期投诉两次"]' ELSE '["流量使用下降"]' END, TIMESTAMP '2026-01-01 00:00:00'
       FROM monthly_usage WHERE month = CAST($1 AS DATE)`,
      [lastMonth],
    );
    for (const [user, role] of Object.entries(USERS)) await addUser(store0, user, role, PASSWORD);
  } finally {
    await store0.close();
  }
  for (let k = 2; k >= 0; k--) {
    const d = new Date(`${lastMonth}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - k);
    const earned = await run(['points', 'earn', '--month', d.toISOString().slice(0, 7), '--db', db]);
    expect(earned.code, earned.err).toBe(0);
  }
  const store = await openStore(db, { access: 'read-write' });
  const api = createApi({ store, log: () => undefined }, { consoleDir });
  const server = await startServer(api, { port: 0, host: '127.0.0.1' });
  mkdirSync(shots, { recursive: true });
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    work,
    db,
    store,
    server,
    context,
    base: `http://127.0.0.1:${server.port}`,
    lastMonth,
    pageErrors: [],
    close: async () => {
      await context.close();
      await server.close();
      await store.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A fresh page logged in as `user` in `lang`. */
export async function loggedIn(fx: ConsoleFixture, user: User, lang: 'zh-CN' | 'en' = 'zh-CN'): Promise<Page> {
  await fx.context.clearCookies();
  const page = await fx.context.newPage();
  page.on('pageerror', (err) => fx.pageErrors.push(`${user}: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|403|404)/.test(m.text())) fx.pageErrors.push(`${user}: ${m.text()}`);
  });
  await page.goto(`${fx.base}/`);
  await page.locator('input[name=username]').waitFor();
  await page.locator('header select').selectOption(lang);
  await page.getByLabel(lang === 'en' ? 'User name' : '用户名').fill(user);
  await page.getByLabel(lang === 'en' ? 'Password' : '密码').fill(PASSWORD);
  await page.getByRole('button', { name: lang === 'en' ? 'Log in' : '登录' }).click();
  await page.getByText(`(${USERS[user]})`).waitFor();
  return page;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** The visible cells of a table, row by row. */
export async function cells(page: Page, tableId: string): Promise<string[][]> {
  return page.locator(`#${tableId} tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
}

export async function downloaded(fx: ConsoleFixture, page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(fx.work, `dl-${Date.now()}-${d.suggestedFilename()}`);
  await d.saveAs(path);
  return { name: d.suggestedFilename(), bytes: readFileSync(path) };
}

/** The API's JSON as the logged-in page sees it (its cookies). */
export async function apiJson<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (p) => {
    const res = await fetch(`/api/v1${p}`, { credentials: 'same-origin' });
    return (await res.json()) as unknown;
  }, path) as Promise<T>;
}
