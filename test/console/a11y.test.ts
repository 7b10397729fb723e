import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleFixture, loggedIn, missing, type ConsoleFixture } from './fixture.ts';

/**
 * Accessibility of every page of the console, in both languages: axe-core (the devDependency,
 * read from node_modules and evaluated in the page: the console's CSP allows no inline script)
 * runs on the login page and on every page the admin's menu lists (the menu is the one list of
 * pages, so a page added to App.tsx is checked without touching this test), each loaded with its
 * data, plus a customer's 360 view. Serious and critical violations fail the test.
 */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let fx: ConsoleFixture;
let customer = '';

beforeAll(async () => {
  if (missing) return;
  fx = await consoleFixture('a11y', { customers: 300, months: 14 });
  customer = ((await fx.store.query<{ customer_id: string }>('SELECT customer_id FROM churn_scores ORDER BY churn_probability DESC, customer_id LIMIT 1'))[0] as { customer_id: string }).customer_id;
}, 240_000);

afterAll(async () => {
  await fx?.close();
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Waits until no request of the page is loading, then runs axe; returns the serious and critical violations, readable. */
async function audit(page: Page, what: string): Promise<string[]> {
  await page.waitForLoadState('networkidle');
  await expect.poll(() => page.locator('.loading').count(), { timeout: 30_000 }).toBe(0);
  await page.evaluate(AXE);
  const options = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] };
  const violations = (await page.evaluate(`axe.run(document, ${JSON.stringify(options)}).then((r) => r.violations)`)) as Violation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${what}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}${v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ''}`);
}

describe.skipIf(missing !== undefined)(`accessibility (axe-core) of every console page${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it.each(['zh-CN', 'en'] as const)('%s: the login page and every page of the menu have no serious or critical violations; <html lang> is the language', async (lang) => {
    const found: string[] = [];
    await fx.context.clearCookies();
    const login = await fx.context.newPage();
    await login.goto(`${fx.base}/`);
    await login.locator('header select').selectOption(lang);
    await login.locator('input[name=username]').waitFor();
    expect(await login.locator('html').getAttribute('lang')).toBe(lang);
    found.push(...(await audit(login, `login (${lang})`)));
    await login.close();

    const page = await loggedIn(fx, 'admin', lang);
    const links = page.getByRole('navigation', { name: 'pages' }).getByRole('link');
    await links.first().waitFor();
    const paths = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(paths.length).toBeGreaterThanOrEqual(4);
    // Every menu page, and the states behind a query: a customer's 360, a points statement.
    const urls = [...paths, `/customers?id=${encodeURIComponent(customer)}`, `/care?customer=${encodeURIComponent(customer)}`].filter((u, i, all) => all.indexOf(u) === i);
    for (const url of urls) {
      await page.goto(`${fx.base}${url}`);
      await page.locator('main h1').first().waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      found.push(...(await audit(page, `${url} (${lang})`)));
    }
    await page.close();
    expect(found).toEqual([]);
  }, 240_000);
});
