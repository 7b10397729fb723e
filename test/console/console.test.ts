import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { runCaptured as run } from '../../src/cli/test-support.ts';
import { openStore, type AnalyticsStore } from '../../src/app/store.ts';
import { addUser } from '../../src/app/auth/accounts.ts';
import { listAudit } from '../../src/app/auth/audit.ts';
import { churnReportJson } from '../../src/app/reports/catalogue.ts';
import { createApi } from '../../src/api/index.ts';
import { startServer, type RunningServer } from '../../src/api/server.ts';

/**
 * The web console as a person uses it: Debian's chromium (driven by playwright-core) against
 * `tenure serve`'s app on a free port over a small demo store, logged in per role. Assertions
 * read visible text, numbers and exported files, not markup. Screenshots of every page in both
 * languages go to test-output/console/ (gitignored).
 */
const CHROMIUM = process.env.TENURE_CHROMIUM ?? '/usr/bin/chromium';
const IN_CI = process.env.CI === 'true';
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (scripts/setup-test-env.sh installs Debian's chromium)`;
const repo = resolve(import.meta.dirname, '..', '..');
const shots = join(repo, 'test-output', 'console');
const work = mkdtempSync(join(tmpdir(), 'tenure-console-'));
const PASSWORD = 'a long enough password';
const USERS = { analyst: 'analyst', agent: 'agent', reader: 'read_only', retention: 'retention_manager' } as const;

let store: AnalyticsStore;
let server: RunningServer;
let context: BrowserContext;
let base = '';
let customer = '';
let unmaskedName = '';
const pageErrors: string[] = [];

if (missing && IN_CI) throw new Error(missing);

beforeAll(async () => {
  if (missing) return;
  const data = join(work, 'data');
  const db = join(work, 'demo.duckdb');
  const consoleDir = join(work, 'console');
  const [built, demo] = await Promise.all([
    build({ configFile: join(repo, 'src', 'web', 'vite.config.ts'), logLevel: 'error', build: { outDir: consoleDir, emptyOutDir: true } }),
    run(['demo', '--out', data, '--customers', '600', '--months', '18', '--seed', '5']),
  ]);
  expect(built).toBeDefined();
  expect(demo.code, demo.err).toBe(0);
  const imported = await run(['import', data, '--db', db]);
  expect(imported.code, imported.err).toBe(0);
  store = await openStore(db, { access: 'read-write' });
  // A scoring run for a few customers still on the books (training a model is another test's job).
  const active = await store.query<{ customer_id: string }>(
    'SELECT c.customer_id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM churn_events e WHERE e.customer_id = c.customer_id) AND EXISTS (SELECT 1 FROM monthly_usage u WHERE u.customer_id = c.customer_id) ORDER BY c.customer_id LIMIT 10',
  );
  customer = active[0]?.customer_id ?? '';
  // The demo's names come masked already: give the customer a name to hide.
  unmaskedName = '张三丰';
  await store.run('UPDATE customers SET name = CAST($2 AS VARCHAR), phone = CAST($3 AS VARCHAR) WHERE customer_id = CAST($1 AS VARCHAR)', [customer, unmaskedName, '13912345678']);
  const [{ last }] = (await store.query<{ last: string }>("SELECT strftime(max(month), '%Y-%m-%d') AS last FROM monthly_usage")) as [{ last: string }];
  for (const [i, a] of active.entries()) {
    await store.run(
      "INSERT INTO churn_scores (model_version, as_of, customer_id, churn_probability, expected_loss, top_reasons, scored_at) VALUES ('m-test', CAST($1 AS DATE), $2, $3, $4, $5, TIMESTAMP '2026-01-01 00:00:00')",
      [last, a.customer_id, i === 0 ? 0.62 : 0.05 * i, 100 + i, JSON.stringify(i === 0 ? ['账单连续三个月下降', '近期投诉两次'] : [])],
    );
  }
  for (const [user, role] of Object.entries(USERS)) await addUser(store, user, role, PASSWORD);
  const api = createApi({ store, log: () => undefined }, { consoleDir });
  server = await startServer(api, { port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${server.port}`;
  mkdirSync(shots, { recursive: true });
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  await store?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh page logged in as `user` (each page its own cookies: a new context per login would cost a browser start). */
async function loggedIn(user: keyof typeof USERS, lang: 'zh-CN' | 'en' = 'zh-CN'): Promise<Page> {
  await context.clearCookies();
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${user}: ${err.message}`));
  page.on('console', (m) => {
    // A CSP refusal or a failed script shows here first.
    if (m.type() === 'error' && !/status of (401|403|404)/.test(m.text())) pageErrors.push(`${user}: ${m.text()}`);
  });
  await page.goto(`${base}/`);
  await page.locator('input[name=username]').waitFor();
  await page.locator('header select').selectOption(lang);
  await page.getByLabel(lang === 'en' ? 'User name' : '用户名').fill(user);
  await page.getByLabel(lang === 'en' ? 'Password' : '密码').fill(PASSWORD);
  await page.getByRole('button', { name: lang === 'en' ? 'Log in' : '登录' }).click();
  await page.getByText(`(${USERS[user]})`).waitFor();
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** The visible cells of a table, row by row. */
async function cells(page: Page, tableId: string): Promise<string[][]> {
  return page.locator(`#${tableId} tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(work, `dl-${Date.now()}-${d.suggestedFilename()}`);
  await d.saveAs(path);
  return { name: d.suggestedFilename(), bytes: readFileSync(path) };
}

/** Under load a page can take seconds to answer: vitest's default of 1 s is too short. */
const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });

const int = (lang: string) => (n: number) => new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(n);

describe.skipIf(missing !== undefined)(`the web console in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('analyst: the churn table equals `tenure report churn-totals`, on screen and in the CSV; the month filter sits in the URL', async () => {
    const page = await loggedIn('analyst');
    await page.getByRole('heading', { name: '流失看板' }).waitFor();
    await page.locator('#churn-totals tbody tr').first().waitFor();
    const expected = await churnReportJson(store, 'churn-totals', { lang: 'zh' }, 'CNY');
    const shown = await cells(page, 'churn-totals');
    expect(shown).toHaveLength(expected.length);
    // month, opening, gross_adds, pre_churn, voluntary, involuntary, closing: the integers as zh-CN writes them.
    const z = int('zh-CN');
    expect(shown.map((r) => r.slice(1, 7))).toEqual(expected.map((r) => ['opening', 'gross_adds', 'pre_churn', 'voluntary', 'involuntary', 'closing'].map((k) => z(r[k] as number))));
    expect(shown.map((r) => r[7])).toEqual(expected.map((r) => (r.churn_rate === null ? '–' : new Intl.NumberFormat('zh-CN', { style: 'percent', minimumFractionDigits: 2 }).format(r.churn_rate as number))));
    await shot(page, 'analyst-dashboard-zh-CN');

    // The CSV holds the report's own values, column for column.
    const csv = await downloaded(page, () => page.locator('#churn-totals').locator('xpath=ancestor::section[1]').getByRole('button', { name: '导出 CSV' }).click());
    const lines = csv.bytes.toString('utf8').replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('月份,期初用户数,新增用户数,预流失,主动流失,被动流失,期末用户数,流失率,ARPU (CNY),流失收入 (CNY)');
    const cols = ['month', 'opening', 'gross_adds', 'pre_churn', 'voluntary', 'involuntary', 'closing', 'churn_rate', 'arpu', 'revenue_lost'];
    expect(lines.slice(1)).toEqual(expected.map((r) => cols.map((k) => (r[k] === null ? '' : String(r[k]))).join(',')));

    // A narrower range: applied through the URL, and a shared URL opens the same view.
    const months = expected.map((r) => r.month as string);
    const from = months[months.length - 6] as string;
    const to = months[months.length - 2] as string;
    await page.locator('input[name=from]').fill(from);
    await page.locator('input[name=to]').fill(to);
    await page.getByRole('button', { name: '应用' }).click();
    await page.waitForURL((u) => u.searchParams.get('from') === from && u.searchParams.get('to') === to);
    await poll(async () => (await cells(page, 'churn-totals')).length).toBe(5);
    const narrow = await churnReportJson(store, 'churn-totals', { lang: 'zh', from, to }, 'CNY');
    expect((await cells(page, 'churn-totals')).map((r) => r[1])).toEqual(narrow.map((r) => z(r.opening as number)));
    const shared = await context.newPage();
    await shared.goto(page.url());
    await shared.locator('#churn-totals tbody tr').nth(4).waitFor();
    expect(await cells(shared, 'churn-totals')).toEqual(await cells(page, 'churn-totals'));
    await shared.close();

    // Charts export as PNG and SVG.
    const png = await downloaded(page, () => page.locator('figure', { has: page.locator('#chart-rate-arpu') }).getByRole('button', { name: '导出 PNG' }).click());
    expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(png.name).toBe(`churn-rate-arpu_${from}_${to}.png`);
    const svg = await downloaded(page, () => page.locator('figure', { has: page.locator('#chart-revenue-lost') }).getByRole('button', { name: '导出 SVG' }).click());
    expect(svg.bytes.toString('utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
    await page.close();
  });

  it('analyst: regions drill down province -> city -> district; the bars add up to the report', async () => {
    const page = await loggedIn('analyst');
    await page.locator('#churn-regions tbody tr').first().waitFor();
    await poll(() => page.getByRole('heading', { name: '按地区的流失（省份）' }).count()).toBe(1);
    const provinces = await cells(page, 'churn-regions');
    const top = provinces[0]?.[0] as string;
    const byProvince = await churnReportJson(store, 'churn-regions', { lang: 'zh', level: 'province' }, 'CNY');
    const exits = (rows: Record<string, unknown>[], prefix: string) => rows.filter((r) => String(r.region) === prefix || String(r.region).startsWith(`${prefix}/`)).reduce((s, r) => s + (r.voluntary as number) + (r.involuntary as number), 0);
    expect(provinces[0]?.[2]).toBe(int('zh-CN')(exits(byProvince, top)));
    await page.locator('#churn-regions').getByRole('button', { name: top, exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('region') === top);
    await page.getByRole('heading', { name: '按地区的流失（城市）' }).waitFor();
    await page.locator('#churn-regions tbody tr').first().waitFor();
    const cities = await cells(page, 'churn-regions');
    const byCity = await churnReportJson(store, 'churn-regions', { lang: 'zh', level: 'city' }, 'CNY');
    const cityNames = [...new Set(byCity.map((r) => String(r.region)).filter((r) => r.startsWith(`${top}/`)).map((r) => r.slice(top.length + 1)))];
    expect(cities.map((r) => r[0]).sort()).toEqual(cityNames.sort());
    // The cities' exits add up to the province's.
    const sum = cities.reduce((s, r) => s + Number((r[2] as string).replace(/[^\d]/g, '')), 0);
    expect(sum).toBe(exits(byProvince, top));
    await shot(page, 'analyst-dashboard-city-zh-CN');
    const city = cities[0]?.[0] as string;
    await page.locator('#churn-regions').getByRole('button', { name: city, exact: true }).click();
    await page.getByRole('heading', { name: '按地区的流失（区县）' }).waitFor();
    await page.waitForURL((u) => u.searchParams.get('region') === `${top}/${city}`);
    await page.locator('#churn-regions tbody tr').first().waitFor();
    // Back to the top through the breadcrumb.
    await page.getByRole('navigation', { name: '当前位置' }).getByRole('button', { name: '全国' }).click();
    await page.getByRole('heading', { name: '按地区的流失（省份）' }).waitFor();
    await page.close();
  });

  it('switching to English changes every label, number and date format, and nothing stays in Chinese but the data', async () => {
    const page = await loggedIn('analyst');
    await page.locator('#churn-totals tbody tr').first().waitFor();
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'Churn dashboard' }).waitFor();
    await page.getByRole('columnheader', { name: 'Opening', exact: true }).first().waitFor();
    const expected = await churnReportJson(store, 'churn-totals', { lang: 'en' }, 'CNY');
    const shown = await cells(page, 'churn-totals');
    expect(shown[0]?.[0]).toBe(new Intl.DateTimeFormat('en', { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(Date.UTC(Number((expected[0]?.month as string).slice(0, 4)), Number((expected[0]?.month as string).slice(5, 7)) - 1, 1)));
    expect(shown.map((r) => r[1])).toEqual(expected.map((r) => int('en')(r.opening as number)));
    // Labels (headings, buttons, column headers, captions) carry no Chinese.
    const labels = await page.locator('h1, h2, h3, th, button, label, figcaption, header a').allTextContents();
    const chinese = labels.filter((l) => /[\u4e00-\u9fff]/.test(l) && !l.includes('简体中文'));
    // Region names (buttons of the drill-down) are data, not labels.
    const regionNames = new Set((await cells(page, 'churn-regions')).map((r) => r[0]));
    expect(chinese.filter((l) => !regionNames.has(l.trim()))).toEqual([]);
    await shot(page, 'analyst-dashboard-en');
    await page.close();
  });

  it('agent: only the customer page; masked profile, unmasking is audited; the next best action records its outcome', async () => {
    const page = await loggedIn('agent');
    const nav = page.getByRole('navigation', { name: 'pages' });
    await poll(() => nav.getByRole('link').allTextContents()).toEqual(['客户 360']);
    await page.getByRole('heading', { name: '客户 360' }).waitFor();
    await page.getByLabel('客户编号').fill(customer);
    await page.getByRole('button', { name: '查看' }).click();
    await page.waitForURL((u) => u.searchParams.get('id') === customer);
    await page.getByText('个人信息已脱敏').waitFor();
    await page.getByText('张**', { exact: true }).waitFor();
    expect(await page.locator('main').textContent()).not.toContain('三丰');
    expect(await page.locator('main').textContent()).not.toContain('12345678');
    await poll(() => page.getByTestId('churn-probability').textContent()).toBe('62.0%');
    await page.getByText('账单连续三个月下降').waitFor();
    await page.locator('#spark-revenue').waitFor();
    await page.getByTestId('nba-action').waitFor();
    await shot(page, 'agent-customer-zh-CN');
    await page.getByRole('button', { name: '显示个人信息' }).click();
    await page.getByText('个人信息已显示（已记录审计）').waitFor();
    await page.getByText(unmaskedName, { exact: true }).waitFor();
    await page.getByText('13912345678', { exact: true }).waitFor();
    const views = await listAudit(store, { limit: 1000, action: 'pii_view', actor: 'agent' });
    expect(views.map((v) => [v.target, v.outcome])).toContainEqual([customer, 'ok']);
    // The products table exports.
    const csv = await downloaded(page, () => page.locator('#products').locator('xpath=ancestor::section[1]').getByRole('button', { name: '导出 CSV' }).click());
    expect(csv.name).toBe(`products_${customer}.csv`);
    expect(csv.bytes.toString('utf8')).toContain('产品,业务类别');
    // Record an outcome when the action has an offer (or the customer is in the holdout).
    const record = page.getByRole('group', { name: '记录结果' });
    await page.getByTestId('nba-action').waitFor();
    if ((await record.count()) > 0) {
      await record.getByRole('button', { name: '客户拒绝' }).click();
      await page.getByText(/^已记录：客户拒绝/).waitFor();
      expect((await listAudit(store, { limit: 1000, action: 'nba_record' })).map((a) => [a.actor, a.target])).toContainEqual(['agent', customer]);
    }
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'Customer 360' }).waitFor();
    await page.getByText('Personal data', { exact: false }).first().waitFor();
    await shot(page, 'agent-customer-en');
    // The dashboard is not the agent's: the page says so rather than showing figures.
    await page.goto(`${base}/dashboard`);
    await page.getByText('No such page.').waitFor();
    await page.close();
  });

  it('read_only: the dashboard but no customer page; retention manager: both; an unknown customer reads as an error', async () => {
    const reader = await loggedIn('reader', 'en');
    await reader.getByRole('heading', { name: 'Churn dashboard' }).waitFor();
    expect(await reader.getByRole('navigation', { name: 'pages' }).getByRole('link').allTextContents()).toEqual(['Churn dashboard', 'Lifecycle', 'Customer value']);
    await reader.close();
    const manager = await loggedIn('retention', 'en');
    expect(await manager.getByRole('navigation', { name: 'pages' }).getByRole('link').allTextContents()).toEqual(['Churn dashboard', 'Lifecycle', 'Customer value', 'Customer 360', 'Risk & retention', 'Care & loyalty']);
    await manager.goto(`${base}/customers?id=NOBODY`);
    await manager.getByRole('alert').getByText(/Request failed \(404\): no customer NOBODY/).waitFor();
    await shot(manager, 'retention-customer-error-en');
    await manager.goto(`${base}/customers`);
    await manager.getByText("Enter a customer id to open the customer's 360 view.").waitFor();
    await manager.close();
  });

  it('the login page in both languages; a wrong password reads as an error', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.locator('header select').selectOption('zh-CN');
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await shot(page, 'login-zh-CN');
    await page.getByLabel('用户名').fill('analyst');
    await page.getByLabel('密码').fill('wrong password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('alert').getByText(/^登录失败：/).waitFor();
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await shot(page, 'login-en');
    await page.close();
  });

  it('no page threw or logged an error (a CSP refusal would show here)', () => {
    expect(pageErrors).toEqual([]);
  });
});
