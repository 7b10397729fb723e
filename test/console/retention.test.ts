import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { listAudit } from '../../src/app/auth/audit.ts';
import { apiJson, cells, consoleFixture, downloaded, loggedIn, missing, shot, type ConsoleFixture } from './fixture.ts';

/**
 * The risk & retention and care & loyalty pages as a retention manager, an analyst and an agent
 * use them: filters in the URL, a saved list, a campaign designed over it and then read back,
 * exports, both languages. Figures on screen are checked against the API's JSON (itself checked
 * against the CLI's by src/api/routes/reads.test.ts and writes.test.ts).
 */
let fx: ConsoleFixture;
let offer = '';

beforeAll(async () => {
  if (missing) return;
  fx = await consoleFixture('retention');
  offer = ((await fx.store.query<{ offer_id: string }>('SELECT offer_id FROM offers ORDER BY offer_id LIMIT 1'))[0] as { offer_id: string }).offer_id;
}, 240_000);

afterAll(async () => {
  await fx?.close();
});

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });
const pct = (lang: string, x: number) => new Intl.NumberFormat(lang, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x);
const int = (lang: string, n: number) => new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(n);

/** The text of the labels (headings, column heads, buttons, field labels, captions, menu), without the options of a select (data such as list and campaign names). */
async function labelTexts(page: Page): Promise<string[]> {
  return page.locator('h1, h2, h3, th, button, label, legend, figcaption, header a').evaluateAll((els) =>
    els.map((el) => {
      const copy = el.cloneNode(true) as typeof el;
      for (const s of copy.querySelectorAll('select')) s.remove();
      return (copy.textContent ?? '').trim();
    }),
  );
}

interface WarnDoc {
  listed: number;
  customers: { customer_id: string; churn_probability: number; top_reasons: { text: string }[] }[];
}

describe.skipIf(missing !== undefined)(`risk & retention, care & loyalty in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('retention manager: filter the warning list (in the URL), save it, design a campaign over it and read it back, export; then in English', async () => {
    const page = await loggedIn(fx, 'retention');
    await page.getByRole('navigation', { name: 'pages' }).getByRole('link', { name: '风险与挽留' }).click();
    await page.getByRole('heading', { name: '风险与挽留', level: 1 }).waitFor();
    await page.locator('#warn-list tbody tr').first().waitFor();

    // Filters go to the URL; the rows are the API's, in its order, with the reasons in words.
    await page.getByLabel('最低流失概率').fill('0.5');
    await page.getByLabel('前 N 名').fill('25');
    await page.getByRole('button', { name: '应用' }).first().click();
    await page.waitForURL((u) => u.searchParams.get('min_probability') === '0.5' && u.searchParams.get('top') === '25');
    const api = await apiJson<WarnDoc>(page, '/warn?min_probability=0.5&top=25&limit=200');
    expect(api.customers.length).toBe(25);
    await poll(async () => (await cells(page, 'warn-list')).length).toBe(25);
    const rows = await cells(page, 'warn-list');
    expect(rows.map((r) => r[1])).toEqual(api.customers.map((c) => c.customer_id));
    expect(rows.map((r) => r[2])).toEqual(api.customers.map((c) => pct('zh-CN', c.churn_probability)));
    expect(rows.map((r) => r[7])).toEqual(api.customers.map((c) => c.top_reasons.map((x) => x.text).join('；')));
    await page.getByTestId('warn-summary').getByText(`列出 ${int('zh-CN', 25)} 人`, { exact: false }).waitFor();

    // The table exports as CSV with the labels of the screen.
    const csv = await downloaded(fx, page, () => page.locator('#warn-list').locator('xpath=ancestor::section[1]').getByRole('button', { name: '导出 CSV' }).click());
    const lines = csv.bytes.toString('utf8').replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]?.split(',').slice(0, 3)).toEqual(['排名', '客户编号', '流失概率']);
    expect(lines).toHaveLength(26);

    // Save the list: a new id, its members the rows shown.
    await page.getByLabel('名单名称').fill('六月高危');
    await page.getByRole('button', { name: '保存此名单' }).click();
    await page.getByRole('status').getByText('已保存为 WL1「六月高危」（25 人）。').waitFor();
    await poll(async () => (await cells(page, 'saved-lists')).map((r) => r.slice(0, 2))).toEqual([['WL1', '六月高危']]);
    const saved = await apiJson<WarnDoc>(page, '/warn/lists/WL1?limit=1000');
    expect(saved.customers.map((c) => c.customer_id)).toEqual(api.customers.map((c) => c.customer_id));
    expect((await listAudit(fx.store, { limit: 10, action: 'warn_save' })).map((a) => [a.actor, a.target])).toEqual([['retention', 'WL1']]);

    // Design a campaign over it: arms, the balance check, then its results under "campaign results".
    const next = new Date(`${fx.lastMonth}T00:00:00Z`);
    next.setUTCMonth(next.getUTCMonth() + 1);
    const start = next.toISOString().slice(0, 10);
    await page.getByLabel('活动编号').fill('K-UI');
    await page.getByLabel('开始日期').fill(start);
    await page.getByLabel('优惠编号（逗号分隔）').fill(offer);
    await page.getByLabel('对照组比例').fill('0.3');
    await page.getByRole('button', { name: '随机分组并保存' }).click();
    await page.getByRole('status').getByText(/^活动 K-UI：25 名目标中分配 \d+ 人/).waitFor();
    await page.waitForURL((u) => u.searchParams.get('campaign') === 'K-UI');
    const arms = await cells(page, 'design-arms');
    expect(arms.map((r) => r[0])).toEqual(['control', offer]);
    expect(arms.map((r) => r[1])).toEqual(['30.0%', '70.0%']);
    const members = await fx.store.query<{ arm: string; n: number }>("SELECT arm, CAST(count(*) AS INTEGER) AS n FROM campaign_members WHERE campaign_id = 'K-UI' GROUP BY arm ORDER BY arm = 'control' DESC");
    expect(arms.map((r) => r[2])).toEqual(members.map((m) => int('zh-CN', Number(m.n))));
    expect((await cells(page, 'design-balance')).length).toBe(3);
    await poll(() => page.locator('select[name=campaign]').inputValue()).toBe('K-UI');
    await poll(async () => (await cells(page, 'campaign-arms')).map((r) => r[0])).toEqual(['control', offer]);
    await page.getByTestId('campaign-status').getByText(/进行中/).waitFor();
    await page.getByTestId('campaign-no-results').waitFor();
    // A finished campaign of the demo: uplift with its interval and ROI, in the table and as a chart with error bars.
    const done = await apiJson<{ campaigns: { campaign_id: string; status: string; arms: { arm: string; uplift?: number | null; uplift_ci?: [number, number] | null }[] }[] }>(page, '/campaigns');
    const finished = done.campaigns.find((c) => c.status === 'complete' && c.arms.some((a) => typeof a.uplift === 'number'));
    expect(finished).toBeDefined();
    await page.locator('select[name=campaign]').selectOption(finished?.campaign_id as string);
    await page.waitForURL((u) => u.searchParams.get('campaign') === finished?.campaign_id);
    await page.locator('#chart-campaign-uplift canvas').waitFor();
    const pct2 = (x: number) => new Intl.NumberFormat('zh-CN', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(x);
    await poll(async () => (await cells(page, 'campaign-arms')).map((r) => [r[0], r[5], r[6]])).toEqual(
      finished?.arms.map((a) => [a.arm, typeof a.uplift === 'number' ? pct2(a.uplift) : '–', a.uplift_ci ? `${pct2(a.uplift_ci[0])} … ${pct2(a.uplift_ci[1])}` : '–']),
    );
    const png = await downloaded(fx, page, () => page.locator('figure', { has: page.locator('#chart-campaign-uplift') }).getByRole('button', { name: '导出 PNG' }).click());
    expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect((await listAudit(fx.store, { limit: 10, action: 'campaign_design' })).map((a) => [a.actor, a.target, a.outcome])).toEqual([['retention', 'K-UI', 'ok']]);

    // Win-back candidates with reasons and plans, as the API counts them.
    const wb = await apiJson<{ candidates: number; accounts: unknown[] }>(page, '/winback?top=50&limit=50');
    await page.getByTestId('winback-summary').getByText(`候选 ${int('zh-CN', wb.candidates)} 人`, { exact: false }).waitFor();
    expect((await cells(page, 'winback')).length).toBe(wb.accounts.length);
    await shot(page, 'retention-risk-zh-CN');

    // A shared URL opens the same view; then English: no Chinese in the labels.
    const shared = await fx.context.newPage();
    await shared.goto(page.url());
    await shared.locator('#warn-list tbody tr').nth(24).waitFor();
    expect((await cells(shared, 'warn-list')).map((r) => r[1])).toEqual(rows.map((r) => r[1]));
    await shared.close();
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'Risk & retention', level: 1 }).waitFor();
    await page.getByRole('columnheader', { name: 'Churn probability', exact: true }).first().waitFor();
    await poll(async () => (await cells(page, 'warn-list')).map((r) => r[2])).toEqual(api.customers.map((c) => pct('en', c.churn_probability)));
    await page.locator('#campaign-arms tbody tr').first().waitFor();
    expect((await labelTexts(page)).filter((l) => /[\u4e00-\u9fff]/.test(l) && !l.includes('六月高危'))).toEqual([]);
    await shot(page, 'retention-risk-en');
    await page.close();
  }, 150_000);

  it('analyst: the care calendar (counts as the API, occasion filter in the URL, CSV and iCal exports), expiring points and a statement', async () => {
    const page = await loggedIn(fx, 'analyst');
    await page.getByRole('navigation', { name: 'pages' }).getByRole('link', { name: '关怀与积分' }).click();
    await page.getByRole('heading', { name: '关怀与积分', level: 1 }).waitFor();
    const cal = await apiJson<{ from: string; to: string; counts: { planned: number; deferred: number; dropped: number }; occasions: { occasion: string; customer_id: string; date: string }[] }>(page, '/care?limit=1000');
    await page.getByTestId('care-counts').getByText(`计划 ${int('zh-CN', cal.counts.planned)} 次，顺延 ${int('zh-CN', cal.counts.deferred)} 次，放弃 ${int('zh-CN', cal.counts.dropped)} 次`, { exact: false }).waitFor();
    const all = await cells(page, 'care-calendar');
    expect(all.length).toBe(cal.occasions.length);
    expect(all.map((r) => r[1])).toEqual(cal.occasions.map((o) => o.customer_id));

    // Only birthdays (a filter in the URL, kept by a reload).
    const kind = cal.occasions[0]?.occasion ?? 'birthday';
    const kindLabel = { birthday: '生日', anniversary: '入网周年', milestone: '在网里程碑', contract_expiry: '合约到期', discount_end: '优惠到期', premium_service: '高端服务', promotion: '促销' }[kind] as string;
    await page.getByRole('group', { name: '关怀类型' }).getByLabel(kindLabel).check();
    await page.locator('section', { has: page.locator('#care-title') }).getByRole('button', { name: '应用' }).click();
    await page.waitForURL((u) => u.searchParams.get('kinds') === kind);
    await page.reload();
    await page.locator('#care-calendar tbody tr').first().waitFor();
    const only = await cells(page, 'care-calendar');
    expect(only.length).toBe(cal.occasions.filter((o) => o.occasion === kind).length);
    expect(new Set(only.map((r) => r[2]))).toEqual(new Set([kindLabel]));

    // Exports through the API's export endpoint (audited).
    const csv = await downloaded(fx, page, () => page.getByRole('button', { name: '导出日历 CSV' }).click());
    expect(csv.name).toBe(`care-${cal.from}-${cal.to}.csv`);
    const csvLines = csv.bytes.toString('utf8').trim().split('\n');
    expect(csvLines[0]).toBe('customer_id,date,occasion,priority,status,occasion_date,reason,value_tier,churn_probability,script');
    expect(csvLines.length - 1).toBe(cal.counts.planned + cal.counts.deferred + cal.counts.dropped);
    const ics = await downloaded(fx, page, () => page.getByRole('button', { name: '导出 iCal' }).click());
    expect(ics.bytes.toString('utf8')).toMatch(/^BEGIN:VCALENDAR/);
    expect((await listAudit(fx.store, { limit: 10, action: 'export' })).filter((a) => a.target === 'care' && a.actor === 'analyst').length).toBe(2);

    // Points expiring within a year of the last billed month; a customer's statement from there.
    await page.getByLabel('天数内').fill('400');
    await page.getByLabel('截至日期').fill(fx.lastMonth);
    await page.locator('section', { has: page.locator('#expiring-title') }).getByRole('button', { name: '应用' }).click();
    await page.waitForURL((u) => u.searchParams.get('within') === '400' && u.searchParams.get('as_of') === fx.lastMonth);
    const exp = await apiJson<{ customers: number; expiring: { customer_id: string; points: number }[] }>(page, `/points/expiring?within_days=400&as_of=${fx.lastMonth}&limit=1000`);
    expect(exp.expiring.length).toBeGreaterThan(0);
    await page.getByTestId('expiring-summary').getByText(`${int('zh-CN', exp.customers)} 名客户`, { exact: false }).waitFor();
    await poll(async () => (await cells(page, 'points-expiring')).map((r) => r[0])).toEqual(exp.expiring.map((e) => e.customer_id));
    const who = exp.expiring[0]?.customer_id as string;
    await page.locator('#points-expiring').getByRole('link', { name: who, exact: true }).first().click();
    await page.waitForURL((u) => u.searchParams.get('customer') === who && u.searchParams.get('within') === '400');
    const st = await apiJson<{ balance: number; entries: unknown[] }>(page, `/customers/${who}/points/statement`);
    await page.getByTestId('statement-balance').getByText(`余额 ${int('zh-CN', st.balance)} 分`, { exact: false }).waitFor();
    expect((await cells(page, 'points-statement')).length).toBe(st.entries.length);
    await shot(page, 'analyst-care-zh-CN');
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'Care & loyalty', level: 1 }).waitFor();
    await page.getByTestId('statement-balance').getByText(`Balance ${int('en', st.balance)} points`, { exact: false }).waitFor();
    await page.getByTestId('care-counts').waitFor();
    expect((await labelTexts(page)).filter((l) => /[\u4e00-\u9fff]/.test(l))).toEqual([]);
    await shot(page, 'analyst-care-en');
    await page.close();
  }, 120_000);

  it("agent: the 360 page shows the customer's points balance and care dates; the list pages are not the agent's", async () => {
    const page = await loggedIn(fx, 'agent', 'en');
    const nav = page.getByRole('navigation', { name: 'pages' });
    await poll(() => nav.getByRole('link').allTextContents()).toEqual(['Customer 360']);
    const [holder] = await fx.store.query<{ customer_id: string }>('SELECT customer_id FROM points_entries GROUP BY customer_id ORDER BY sum(points) DESC, customer_id LIMIT 1');
    const id = (holder as { customer_id: string }).customer_id;
    await page.goto(`${fx.base}/customers?id=${id}`);
    const balance = await apiJson<{ balance: number }>(page, `/customers/${id}/points`);
    await poll(() => page.getByTestId('points-balance').textContent()).toBe(int('en', balance.balance));
    const care = await apiJson<{ occasions: unknown[] }>(page, `/customers/${id}/care?lang=en`);
    if (care.occasions.length > 0) expect(await page.getByTestId('care-dates').locator('li').count()).toBe(care.occasions.length);
    else await page.getByText('No care occasions in this window.').waitFor();
    await shot(page, 'agent-customer-points-en');
    await page.goto(`${fx.base}/risk`);
    await page.getByText('No such page.').waitFor();
    await page.close();
    const reader = await loggedIn(fx, 'reader', 'en');
    expect(await reader.getByRole('navigation', { name: 'pages' }).getByRole('link').allTextContents()).not.toContain('Risk & retention');
    await reader.close();
  }, 90_000);

  it('no page threw or logged an error', () => {
    expect(fx.pageErrors).toEqual([]);
  });
});
