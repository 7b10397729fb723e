import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../app/store.ts';
import { careStore } from '../app/care/test-fixture.ts';
import { addUser } from '../app/auth/accounts.ts';
import { listAudit } from '../app/auth/audit.ts';
import { createApi, type Api } from './index.ts';
import { CSRF_HEADER } from './app.ts';

const PASSWORD = 'a long enough password';
const dir = mkdtempSync(join(tmpdir(), 'tenure-console-serve-'));
let store: AnalyticsStore;
let api: Api;
let bare: Api;

beforeAll(async () => {
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/index-abc.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not an asset');
  store = await careStore();
  for (const [name, role] of [['agent', 'agent'], ['reader', 'read_only']] as const) await addUser(store, name, role, PASSWORD);
  api = createApi({ store, log: () => undefined }, { consoleDir: dir });
  bare = createApi({ store, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function login(username: string): Promise<{ cookie: string; csrf: string }> {
  const res = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string, csrf: ((await res.json()) as { csrf_token: string }).csrf_token };
}

describe('tenure serve: the web console', () => {
  it('serves the page at / and at every console path (filters in the query), with a CSP that allows only its own scripts', async () => {
    for (const path of ['/', '/dashboard?from=2025-07&to=2025-12&region=%E7%94%98%E8%82%83', '/customers?id=C1', '/login']) {
      const res = await api.app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('/assets/index-abc.js');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("'unsafe-eval'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const js = await api.app.request('/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('never shadows the API, the probes or the documents, and serves nothing outside assets/', async () => {
    const h = await api.app.request('/healthz');
    expect(await h.json()).toEqual({ status: 'ok' });
    expect(h.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await api.app.request('/readyz')).headers.get('content-type')).toContain('application/json');
    expect((await api.app.request('/api/openapi.json')).headers.get('content-type')).toContain('application/json');
    const missing = await api.app.request('/api/no-such-route');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await api.app.request('/api/v1/reports/churn-totals')).status).toBe(401);
    for (const path of ['/assets/missing.js', '/secret.txt', '/assets/..%2Fsecret.txt', '/assets/../secret.txt', '/favicon.ico']) {
      const res = await api.app.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('not an asset');
    }
  });

  it('without a built console, / says how to build it and the API still answers', async () => {
    const res = await bare.app.request('/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:console');
    expect((await bare.app.request('/healthz')).status).toBe(200);
  });
});

describe('tenure serve: recording a next best action outcome', () => {
  it('an agent records the outcome with the CSRF token; the record is audited; without the token or the right it is refused', async () => {
    const agent = await login('agent');
    const nba = (await (await api.app.request('/api/v1/customers/C1/nba?date=2026-01-10', { headers: { Cookie: agent.cookie } })).json()) as { offer_id: string | null; holdout: boolean };
    // The agent presented the fixture's offer (C1's suggestion may be none).
    const body = JSON.stringify({ outcome: 'accepted', ts: '2026-01-10 10:00', offer_id: nba.offer_id ?? 'R10' });
    const post = (headers: Record<string, string>) => api.app.request('/api/v1/customers/C1/nba/outcome', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    expect((await post({ Cookie: agent.cookie })).status).toBe(403);
    const ok = await post({ Cookie: agent.cookie, [CSRF_HEADER]: agent.csrf });
    const recorded = (await ok.json()) as Record<string, unknown>;
    expect(ok.status, JSON.stringify(recorded)).toBe(200);
    expect(recorded).toMatchObject({ customer_id: 'C1', holdout: nba.holdout, response: nba.holdout ? null : 'accepted' });
    expect(String(recorded.campaign_id)).toMatch(/^NBA-2026-01-/);
    const members = await store.query<{ n: number }>("SELECT count(*)::INTEGER AS n FROM campaign_members WHERE customer_id = 'C1' AND campaign_id = $1", [recorded.campaign_id as string]);
    expect(members[0]?.n).toBe(1);
    const trail = await listAudit(store, { limit: 1000, action: 'nba_record' });
    expect(trail.map((a) => [a.actor, a.target, a.outcome])).toEqual([['agent', 'C1', 'ok']]);

    const reader = await login('reader');
    const denied = await api.app.request('/api/v1/customers/C1/nba/outcome', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: reader.cookie, [CSRF_HEADER]: reader.csrf }, body });
    expect(denied.status).toBe(403);
    const bad = await api.app.request('/api/v1/customers/C1/nba/outcome', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: agent.cookie, [CSRF_HEADER]: agent.csrf }, body: JSON.stringify({ outcome: 'maybe' }) });
    expect(bad.status).toBe(400);
  });
});
