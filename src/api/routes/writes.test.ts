import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type AnalyticsStore } from '../../app/store.ts';
import { addUser, createToken } from '../../app/auth/accounts.ts';
import { PERMISSION_MATRIX, ROLES, type Role } from '../../app/auth/permissions.ts';
import { listAudit } from '../../app/auth/audit.ts';
import { runCaptured } from '../../cli/test-support.ts';
import { createApi, type Api } from '../index.ts';
import { CSRF_HEADER } from '../app.ts';

/**
 * The console's two writes against the CLI: saving a warning list (POST /api/v1/warn/lists, as
 * `tenure warn --save`) and designing a campaign over it (POST /api/v1/campaigns, as `tenure
 * campaign design --target LIST`). The CLI runs on a copy of the same store: the same filters,
 * seed and arms give the same list and the same assignment, to the byte once parsed.
 */
const dir = mkdtempSync(join(tmpdir(), 'tenure-api-writes-'));
const db = join(dir, 'api.duckdb');
const twin = join(dir, 'cli.duckdb');
let store: AnalyticsStore;
let api: Api;
let offer = '';
let start = '';
const tokens = {} as Record<Role, string>;
const PASSWORD = 'a long enough password';

async function cliJson(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCaptured([...args, '--db', twin, '--json']);
  process.exitCode = undefined;
  if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as Record<string, unknown>;
}

beforeAll(async () => {
  const data = join(dir, 'data');
  const demo = await runCaptured(['demo', '--out', data, '--customers', '400', '--months', '12', '--seed', '11']);
  if (demo.code !== 0) throw new Error(demo.err);
  const imported = await runCaptured(['import', data, '--db', db]);
  if (imported.code !== 0) throw new Error(imported.err);
  store = await openStore(db, { access: 'read-write' });
  // A scoring run of every customer still billed in the last month (training is another test's job).
  const [{ last }] = (await store.query<{ last: string }>("SELECT strftime(max(month), '%Y-%m-%d') AS last FROM monthly_usage")) as [{ last: string }];
  await store.run(
    `INSERT INTO churn_scores (model_version, as_of, customer_id, churn_probability, expected_loss, top_reasons, scored_at)
     SELECT 'm-test', CAST($1 AS DATE), customer_id, (hash(customer_id) % 1000) / 1000.0, (hash(customer_id) % 997) / 3.0, '["账单连续三个月下降"]', TIMESTAMP '2026-01-01 00:00:00'
     FROM monthly_usage WHERE month = CAST($1 AS DATE)`,
    [last],
  );
  offer = ((await store.query<{ offer_id: string }>('SELECT offer_id FROM offers ORDER BY offer_id LIMIT 1'))[0] as { offer_id: string }).offer_id;
  const d = new Date(`${last}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  start = d.toISOString().slice(0, 10);
  for (const role of ROLES) {
    await addUser(store, role.replace('_', '-'), role, PASSWORD);
    tokens[role] = (await createToken(store, role.replace('_', '-'), [...PERMISSION_MATRIX[role]], 30)).token;
  }
  await store.close();
  copyFileSync(db, twin);
  store = await openStore(db, { access: 'read-write' });
  api = createApi({ store, log: () => undefined });
}, 180_000);

afterAll(async () => {
  await api?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = (role: Role) => ({ Authorization: `Bearer ${tokens[role]}` });
const post = (path: string, body: unknown, headers: Record<string, string>) => api.app.request(path, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const getJson = async (path: string, role: Role = 'retention_manager') => (await (await api.app.request(path, { headers: auth(role) })).json()) as Record<string, unknown>;
const withoutTimes = (s: Record<string, unknown>) => ({ ...s, created_at: undefined });

describe('POST /api/v1/warn/lists: tenure warn --save over HTTP', () => {
  it('keeps the same dated, frozen list as the CLI; GET /warn/lists/{id} gives back the CLI warn show; audited', async () => {
    const res = await post('/api/v1/warn/lists', { name: 'June risk', top: 40, min_probability: 0.2, stage: ['C', 'D'] }, auth('retention_manager'));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { saved_list: Record<string, unknown>; header: Record<string, unknown> };
    const cli = await cliJson(['warn', '--top', '40', '--min-probability', '0.2', '--stage', 'C,D', '--save', 'June risk']);
    const cliSaved = cli.saved_list as Record<string, unknown>;
    expect(withoutTimes(body.saved_list)).toEqual(withoutTimes(cliSaved));
    expect(body.saved_list).toMatchObject({ list_id: 'WL1', name: 'June risk', filters: { min_probability: 0.2, top: 40, stage: ['C', 'D'] } });
    expect(body.header.listed).toBe(cli.listed);
    const shown = await getJson('/api/v1/warn/lists/WL1?limit=1000');
    const cliShown = await cliJson(['warn', 'show', 'WL1']);
    expect(shown.customers).toEqual(cliShown.customers);
    expect((shown.customers as unknown[]).length).toBe(body.saved_list.members);
    expect(((await getJson('/api/v1/warn/lists')).lists as { list_id: string }[]).map((l) => l.list_id)).toEqual(['WL1']);
    const audit = await listAudit(store, { limit: 10, action: 'warn_save' });
    expect(audit.map((a) => [a.actor.replace(/ \(token \w+\)$/, ''), a.target, a.outcome])).toEqual([['retention-manager', 'WL1', 'ok']]);
  });

  it('refuses a role without customer:list (403, audited), a cookie session without the CSRF header, and bad filters with the reason', async () => {
    for (const role of ['agent', 'read_only'] as const) {
      const res = await post('/api/v1/warn/lists', { name: 'x' }, auth(role));
      expect(res.status, role).toBe(403);
    }
    expect((await listAudit(store, { limit: 10, action: 'forbidden' })).map((a) => a.target)).toContain('POST /api/v1/warn/lists');
    const login = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'analyst', password: PASSWORD }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
    const noCsrf = await post('/api/v1/warn/lists', { name: 'cookie list', top: 5 }, { Cookie: cookie });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('CSRF');
    const ok = await post('/api/v1/warn/lists', { name: 'cookie list', top: 5 }, { Cookie: cookie, [CSRF_HEADER]: csrf });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { saved_list: { list_id: string; members: number } }).saved_list).toMatchObject({ list_id: 'WL2', members: 5 });
    const bad = await post('/api/v1/warn/lists', { name: 'x', min_probability: 1.5 }, auth('analyst'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/min_probability/);
    const badName = await post('/api/v1/warn/lists', { name: 'a/b' }, auth('analyst'));
    expect(badName.status).toBe(400);
    expect(((await badName.json()) as { error: { message: string } }).error.message).toMatch(/list name is 1–60 letters/);
    const noScores = await post('/api/v1/warn/lists', { name: 'old', as_of: '2001-01' }, auth('analyst'));
    expect(noScores.status).toBeGreaterThanOrEqual(400);
    expect(noScores.status).toBeLessThan(500);
  });
});

describe('POST /api/v1/campaigns: tenure campaign design over HTTP', () => {
  it('assigns the saved list exactly as the CLI does for the same seed and arms, with the balance check; the campaign then reads back; audited', async () => {
    const arms = [
      { arm: 'control', share: 0.3 },
      { arm: offer, share: 0.7 },
    ];
    const res = await post('/api/v1/campaigns', { id: 'K-API', name: 'June save', start, seed: 4, target_list: 'WL1', arms }, auth('retention_manager'));
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown> & { arms: { arm: string; members: number; share: number }[]; balance: { arm: string; smd: number | null }[] };
    const cli = await cliJson(['campaign', 'design', '--id', 'K-API', '--name', 'June save', '--start', start, '--seed', '4', '--target', 'WL1', '--arms', `control:0.3,${offer}:0.7`]);
    expect(body).toEqual(cli);
    expect(body.target_list).toEqual({ list_id: 'WL1', as_of: expect.stringMatching(/^\d{4}-\d{2}$/) });
    const excluded = body.excluded as { churned_before_start: number; no_consent: number };
    expect(body.arms.reduce((s, a) => s + a.members, 0)).toBe((body.targets as number) - excluded.churned_before_start - excluded.no_consent);
    expect(body.balance.map((b) => b.arm)).toContain(offer);
    const rows = await store.query<{ arm: string; n: number }>("SELECT arm, CAST(count(*) AS INTEGER) AS n FROM campaign_members WHERE campaign_id = 'K-API' GROUP BY arm ORDER BY arm");
    expect(Object.fromEntries(rows.map((r) => [r.arm, Number(r.n)]))).toEqual(Object.fromEntries(body.arms.map((a) => [a.arm, a.members])));
    const read = await getJson('/api/v1/campaigns/K-API?lang=en');
    expect((read.campaigns as { campaign_id: string; name: string }[])[0]).toMatchObject({ campaign_id: 'K-API', name: 'June save' });
    const audit = await listAudit(store, { limit: 10, action: 'campaign_design' });
    expect(audit.map((a) => [a.actor.replace(/ \(token \w+\)$/, ''), a.target, a.outcome])).toContainEqual(['retention-manager', 'K-API', 'ok']);
    expect(JSON.parse(audit.find((a) => a.actor.startsWith('retention-manager') && a.outcome === 'ok')?.detail ?? '{}')).toMatchObject({ seed: 4, target_list: 'WL1', arms: `control:0.3,${offer}:0.7` });
  });

  it('refuses what the CLI refuses, with the reason: no control arm, shares not adding up, an unknown offer, a kept id, a missing list; and roles without customer:list', async () => {
    const base = { id: 'K2', start, target_list: 'WL1' };
    const cases: [unknown, RegExp][] = [
      [{ ...base, arms: [{ arm: offer, share: 0.5 }, { arm: 'O-none', share: 0.5 }] }, /need a control arm/],
      [{ ...base, arms: [{ arm: 'control', share: 0.5 }, { arm: offer, share: 0.4 }] }, /add up to 0.9/],
      [{ ...base, arms: [{ arm: 'control', share: 0.5 }, { arm: 'NOPE', share: 0.5 }] }, /unknown offer NOPE/],
      [{ ...base, id: 'K-API', arms: [{ arm: 'control', share: 0.5 }, { arm: offer, share: 0.5 }] }, /already exists/],
      [{ ...base, target_list: 'WL99', arms: [{ arm: 'control', share: 0.5 }, { arm: offer, share: 0.5 }] }, /no saved warning list with id "WL99"/],
      [{ ...base, target_list: '/etc/passwd', arms: [{ arm: 'control', share: 0.5 }, { arm: offer, share: 0.5 }] }, /target_list/],
      [{ ...base, start: '2025-02-30', arms: [{ arm: 'control', share: 0.5 }, { arm: offer, share: 0.5 }] }, /start/],
    ];
    for (const [body, reason] of cases) {
      const res = await post('/api/v1/campaigns', body, auth('analyst'));
      const msg = ((await res.json()) as { error: { message: string } }).error.message;
      expect(res.status, msg).toBe(400);
      expect(msg).toMatch(reason);
    }
    for (const role of ['agent', 'read_only'] as const) expect((await post('/api/v1/campaigns', { ...base, arms: [] }, auth(role))).status).toBe(403);
    expect(Number((await store.query<{ n: number }>("SELECT count(*) AS n FROM campaigns WHERE campaign_id = 'K2'"))[0]?.n)).toBe(0);
  });
});

describe('GET /api/v1/customers/{id}/care: one customer care dates for the agent', () => {
  it('equals the whole calendar cut to the customer; needs customer:read only', async () => {
    const whole = await getJson('/api/v1/care?lang=en&limit=1000');
    const occasions = whole.occasions as { customer_id: string }[];
    expect(occasions.length).toBeGreaterThan(0);
    const id = (occasions[0] as { customer_id: string }).customer_id;
    const res = await api.app.request(`/api/v1/customers/${id}/care?lang=en`, { headers: auth('agent') });
    expect(res.status).toBe(200);
    const mine = (await res.json()) as { customer_id: string; from: string; to: string; occasions: unknown[] };
    expect(mine).toMatchObject({ customer_id: id, from: whole.from, to: whole.to });
    expect(mine.occasions).toEqual(occasions.filter((o) => o.customer_id === id));
    expect((await api.app.request('/api/v1/care', { headers: auth('agent') })).status).toBe(403);
    expect((await api.app.request(`/api/v1/customers/${id}/care`, { headers: auth('read_only') })).status).toBe(403);
  });
});
