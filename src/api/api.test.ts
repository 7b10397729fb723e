import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AnalyticsStore } from '../app/store.ts';
import { careStore } from '../app/care/test-fixture.ts';
import { addUser, createToken } from '../app/auth/accounts.ts';
import { PERMISSION_MATRIX, ROLES, type Role } from '../app/auth/permissions.ts';
import { listAudit, verifyAudit } from '../app/auth/audit.ts';
import { TenureError } from '../app/errors.ts';
import { StoreError } from '../app/store.ts';
import { createApi, type Api } from './index.ts';
import { CSRF_HEADER, PUBLIC_API_ROUTES } from './app.ts';
import { httpError } from './errors.ts';
import { startServer } from './server.ts';

const PASSWORD = 'a long enough password';
/** C1's personal data: none of it may show to a role without pii:unmask, on any route. */
const PII = { name: '张三丰', phone: '13912345678', email: 'zhang.sanfeng@example.com', birth: '1992-02-29' };
const SECRETS = ['三丰', '12345678', 'zhang.sanfeng', '1992'];

let store: AnalyticsStore;
let api: Api;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  store = await careStore();
  await store.run('UPDATE customers SET name = CAST($2 AS VARCHAR), phone = CAST($3 AS VARCHAR), email = CAST($4 AS VARCHAR) WHERE customer_id = CAST($1 AS VARCHAR)', ['C1', PII.name, PII.phone, PII.email]);
  await store.run(
    `INSERT INTO churn_scores (model_version, as_of, customer_id, churn_probability, expected_loss, top_reasons, scored_at) VALUES
     ('m1', DATE '2025-12-01', 'C1', 0.8, 120.5, '["bills fell"]', TIMESTAMP '2026-01-01 00:00:00'),
     ('m1', DATE '2025-12-01', 'C2', 0.1, 10, '[]', TIMESTAMP '2026-01-01 00:00:00'),
     ('m1', DATE '2025-12-01', 'C3', 0.3, 30, '[]', TIMESTAMP '2026-01-01 00:00:00')`,
  );
  for (const role of ROLES) {
    await addUser(store, role.replace('_', '-'), role, PASSWORD);
    tokens[role] = (await createToken(store, role.replace('_', '-'), [...PERMISSION_MATRIX[role]], 30)).token;
  }
  api = createApi({ store, log: () => undefined, loginFailures: { max: 3, windowMs: 60_000 } });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await store?.close();
});

const bearer = (role: Role) => ({ Authorization: `Bearer ${tokens[role]}` });
const get = (path: string, headers: Record<string, string> = {}) => api.app.request(path, { headers });

async function login(username: string, password = PASSWORD): Promise<{ status: number; cookie: string; csrf: string; setCookie: string }> {
  const res = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { csrf_token?: string };
  return { status: res.status, cookie: setCookie.split(';')[0] ?? '', csrf: body.csrf_token ?? '', setCookie };
}

interface Operation {
  method: string;
  path: string;
  security: unknown[] | undefined;
  parameters: { name: string; in: string; schema?: { enum?: string[] } }[];
}

async function operations(): Promise<Operation[]> {
  const doc = (await (await get('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { security?: unknown[]; parameters?: Operation['parameters'] }>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, security: op.security, parameters: op.parameters ?? [] })));
}

/** A concrete URL of an operation: path parameters from the enum or C1, no query. */
function concrete(op: Operation): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => op.parameters.find((p) => p.name === name)?.schema?.enum?.[0] ?? 'C1');
}

describe('tenure serve: probes and documents', () => {
  it('healthz, readyz and an OpenAPI 3.1 document, with secure headers and a request id', async () => {
    const h = await get('/healthz');
    expect(h.status).toBe(200);
    expect(h.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.headers.get('x-content-type-options')).toBe('nosniff');
    expect(h.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(h.headers.get('content-security-policy')).toContain("default-src 'none'");
    const r = await get('/readyz');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ready: true });
    const doc = (await (await get('/api/openapi.json')).json()) as { openapi: string; paths: object };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/customers/{id}');
    const docs = await get('/api/docs');
    expect(await docs.text()).toContain('/api/v1/reports/{name}');
  });

  it('every route of the document but the probes and the login rejects a request without credentials (401)', async () => {
    const ops = await operations();
    const open = ops.filter((o) => Array.isArray(o.security) && o.security.length === 0).map((o) => `${o.method} ${o.path}`);
    expect(open.sort()).toEqual(['GET /healthz', 'GET /readyz', ...PUBLIC_API_ROUTES].sort());
    const guarded = ops.filter((o) => !open.includes(`${o.method} ${o.path}`));
    expect(guarded.length).toBeGreaterThanOrEqual(8);
    for (const op of guarded) {
      const res = await api.app.request(concrete(op), { method: op.method });
      expect(res.status, `${op.method} ${op.path}`).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      // A forged token or cookie is no better than none.
      const forged = await api.app.request(concrete(op), { method: op.method, headers: { Authorization: 'Bearer tnr_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', Cookie: 'tenure_session=x' } });
      expect(forged.status, `${op.method} ${op.path}`).toBe(401);
    }
  });
});

describe('tenure serve: reads', () => {
  it('a report as the CLI shapes it, paged with the total in a header', async () => {
    const res = await get('/api/v1/reports/churn-totals?lang=en&limit=2', bearer('read_only'));
    expect(res.status).toBe(200);
    const rows = (await res.json()) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ month: '2025-07', currency: 'CNY' });
    expect(Number(res.headers.get('x-total-count'))).toBe(6);
    expect(res.headers.get('link')).toContain('offset=2');
  });

  it('customer 360 masked by default; unmasked only on request, for a role with the right, audited', async () => {
    const masked = (await (await get('/api/v1/customers/C1', bearer('analyst'))).json()) as { pii_masked: boolean; profile: Record<string, unknown> };
    expect(masked.pii_masked).toBe(true);
    expect(masked.profile.name).toBe('张**');
    const denied = await get('/api/v1/customers/C1?unmask=true', bearer('analyst'));
    expect(denied.status).toBe(403);
    const open = (await (await get('/api/v1/customers/C1?unmask=true', bearer('retention_manager'))).json()) as { profile: Record<string, unknown> };
    expect(open.profile.name).toBe(PII.name);
    const audit = await listAudit(store, { limit: 1000, action: 'pii_view' });
    expect(audit.map((a) => [a.actor.split(' ')[0], a.target, a.outcome])).toEqual(expect.arrayContaining([['analyst', 'C1', 'denied'], ['retention-manager', 'C1', 'ok']]));
  });

  it('an unknown customer is a 404 with the coded error, no stack', async () => {
    const res = await get('/api/v1/customers/NOBODY', bearer('agent'));
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe('NO_DATA');
    expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
    expect(JSON.stringify(body)).not.toContain(store.location);
    expect(JSON.stringify(body)).toContain('no customer NOBODY in the store');
  });

  it('next best action for one customer', async () => {
    const res = await get('/api/v1/customers/C1/nba?date=2026-01-10&lang=en', bearer('agent'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ customer_id: 'C1', date: '2026-01-10' });
  });

  it('scores page by page, and the bulk export streams every row (NDJSON and CSV)', async () => {
    const p1 = (await (await get('/api/v1/scores?limit=2', bearer('analyst'))).json()) as { rows: { customer_id: string }[]; next_after: string };
    expect(p1.rows.map((r) => r.customer_id)).toEqual(['C1', 'C2']);
    const p2 = (await (await get(`/api/v1/scores?limit=2&after=${p1.next_after}`, bearer('analyst'))).json()) as { rows: { customer_id: string }[]; next_after: string | null };
    expect(p2).toEqual({ rows: [expect.objectContaining({ customer_id: 'C3', churn_probability: 0.3, expected_loss: 30 })], next_after: null });
    const nd = await get('/api/v1/exports/scores', bearer('analyst'));
    expect(nd.headers.get('content-type')).toContain('ndjson');
    expect((await nd.text()).trim().split('\n').map((l) => (JSON.parse(l) as { customer_id: string }).customer_id)).toEqual(['C1', 'C2', 'C3']);
    const csv = await (await get('/api/v1/exports/scores?format=csv', bearer('analyst'))).text();
    expect(csv.split('\n')[0]).toBe('customer_id,model_version,as_of,churn_probability,expected_loss');
    expect(csv).toContain('C1,m1,2025-12,0.8,120.5');
  });

  it('an agent asking for a bulk export or a list gets 403, and the refusal is audited', async () => {
    expect((await get('/api/v1/exports/scores', bearer('agent'))).status).toBe(403);
    expect((await get('/api/v1/scores', bearer('agent'))).status).toBe(403);
    expect((await get('/api/v1/reports/churn-totals', bearer('agent'))).status).toBe(403);
    const refused = await listAudit(store, { limit: 1000, action: 'forbidden' });
    expect(refused.some((r) => r.actor.startsWith('agent') && r.target === 'GET /api/v1/exports/scores' && r.outcome === 'denied')).toBe(true);
  });

  it('a masked field never shows in any response body of any route for a role without pii:unmask', async () => {
    const ops = (await operations()).filter((o) => o.method === 'GET');
    const without = ROLES.filter((r) => !PERMISSION_MATRIX[r].includes('pii:unmask'));
    expect(without.length).toBeGreaterThan(0);
    let checked = 0;
    for (const role of without) {
      for (const op of ops) {
        for (const query of ['', '?unmask=true', '?lang=en&format=csv']) {
          const body = await (await get(`${concrete(op)}${query}`, bearer(role))).text();
          for (const s of SECRETS) expect(body, `${role} ${op.path}${query}`).not.toContain(s);
          checked++;
        }
      }
    }
    // The walk can fail: the same requests by admin with unmask show the name.
    const admin = await (await get('/api/v1/customers/C1?unmask=true', bearer('admin'))).text();
    expect(admin).toContain(PII.name);
    expect(checked).toBeGreaterThan(20);
  }, 300_000);

  it('the audit trail over the API, and its chain verifies', async () => {
    expect((await get('/api/v1/audit', bearer('analyst'))).status).toBe(403);
    const rows = (await (await get('/api/v1/audit?limit=5', bearer('admin'))).json()) as { seq: number }[];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await (await get('/api/v1/audit/verify', bearer('admin'))).json()).toMatchObject({ ok: true });
  });
});

describe('tenure serve: sessions, CSRF, throttling, tokens', () => {
  it('login sets an HttpOnly SameSite=Strict cookie; a state change needs the CSRF token of that session', async () => {
    const s = await login('analyst');
    expect(s.status).toBe(200);
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Strict/);
    expect(s.setCookie).not.toMatch(/Secure/); // plain http in-process
    const me = await get('/api/v1/auth/me', { Cookie: s.cookie });
    expect(await me.json()).toMatchObject({ username: 'analyst', role: 'analyst', via: 'session' });
    const other = await login('admin');
    expect((await api.app.request('/api/v1/auth/logout', { method: 'POST', headers: { Cookie: s.cookie } })).status).toBe(403);
    expect((await api.app.request('/api/v1/auth/logout', { method: 'POST', headers: { Cookie: s.cookie, [CSRF_HEADER]: other.csrf } })).status).toBe(403);
    expect((await api.app.request('/api/v1/auth/logout', { method: 'POST', headers: { Cookie: s.cookie, [CSRF_HEADER]: s.csrf } })).status).toBe(204);
    expect((await get('/api/v1/auth/me', { Cookie: s.cookie })).status).toBe(401);
  });

  it('brute force: after 3 failures the user is throttled (429) even with the right password; every attempt is audited', async () => {
    await addUser(store, 'victim', 'agent', PASSWORD);
    for (let i = 0; i < 3; i++) expect((await login('victim', `wrong password ${i}`)).status).toBe(401);
    const blocked = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'victim', password: PASSWORD }) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const trail = await listAudit(store, { limit: 1000, actor: 'victim' });
    expect(trail.map((r) => r.action)).toEqual(['login_failed', 'login_failed', 'login_failed', 'login_throttled']);
    api.limits.login.clear('ip:local');
  });

  it('a token past its expiry is refused (401); a scoped token holds only its scopes', async () => {
    const old = await createToken(store, 'admin', ['reports:read'], 1, Date.now() - 2 * 86_400_000);
    expect((await get('/api/v1/reports/churn-totals', { Authorization: `Bearer ${old.token}` })).status).toBe(401);
    const narrow = await createToken(store, 'admin', ['reports:read'], 1);
    expect((await get('/api/v1/reports/churn-totals', { Authorization: `Bearer ${narrow.token}` })).status).toBe(200);
    expect((await get('/api/v1/audit', { Authorization: `Bearer ${narrow.token}` })).status).toBe(403);
  });

  it('a body over the limit is refused (413)', async () => {
    const res = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'x', password: 'y'.repeat(100_000) }) });
    expect(res.status).toBe(413);
  });
});

describe('tenure serve: errors map in one place', () => {
  it('coded errors to statuses, bugs to a bare 500', () => {
    expect(httpError(new TenureError('NO_DATA', 'no customer X'), 'r1')).toMatchObject({ status: 404, body: { error: { code: 'NO_DATA', message: 'no customer X', request_id: 'r1' } } });
    expect(httpError(new TenureError('USAGE', 'bad', { file: '/srv/secret/path.csv', line: 3 }), null).body.error).toEqual({ code: 'USAGE', message: 'bad', request_id: null, location: { line: 3 } });
    expect(httpError(new StoreError('STATEMENT_TIMEOUT', 'cancelled on postgres://u@db/x'), null)).toMatchObject({ status: 504 });
    expect(JSON.stringify(httpError(new StoreError('STORE_LOCKED', 'PID 42 holds /data/tenure.duckdb'), null).body)).not.toContain('/data');
    const bug = httpError(new TypeError("Cannot read properties of undefined (reading 'x')"), 'r2');
    expect(bug).toMatchObject({ status: 500, unexpected: true });
    expect(JSON.stringify(bug.body)).not.toContain('undefined');
  });
});

describe('tenure serve: fuzzing every route from its schema', () => {
  it('random inputs never give a 5xx or a stack trace', async () => {
    const ops = await operations();
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('2025-13', '9999-99', '2025-07', '-1', '0', '1e309', 'NaN', "'; DROP TABLE x; --", '../../etc/passwd', '%00', 'C1', 'true'));
    for (const op of ops) {
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...op.parameters.map((p) => p.name), 'extra'), text, { maxKeys: 5 }), text, fc.anything({ maxDepth: 2 }), async (params, pathValue, body) => {
          const path = op.path.replace(/\{(\w+)\}/g, () => encodeURIComponent(pathValue || 'x'));
          const query = new URLSearchParams(Object.entries(params)).toString();
          const init: RequestInit = { method: op.method, headers: { ...bearer('admin'), 'Content-Type': 'application/json' } };
          if (op.method === 'POST') init.body = (() => { try { return JSON.stringify(body) ?? 'null'; } catch { return 'null'; } })();
          const res = await api.app.request(`${path}${query ? `?${query}` : ''}`, init);
          const out = await res.text();
          expect(res.status, `${op.method} ${path}?${query}: ${out.slice(0, 200)}`).toBeLessThan(500);
          expect(out).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
        }),
        { numRuns: 25, seed: 15 },
      );
    }
    api.limits.login.clear('ip:local');
  }, 300_000);
});

describe('tenure serve: a real port', () => {
  it('serves over TCP, and a graceful stop lets the request in flight finish and refuses new ones', async () => {
    const server = await startServer(api, { port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${server.port}`;
    const s = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'analyst', password: PASSWORD }) });
    expect(s.status).toBe(200);
    expect(s.headers.get('set-cookie')).toMatch(/tenure_session=[^;]+; .*HttpOnly.*SameSite=Strict/);
    const cookie = (s.headers.get('set-cookie') ?? '').split(';')[0] as string;
    // A connect reset on a heavily loaded machine (seen once, before the server saw the request) is retried once.
    const send = () => fetch(`${base}/api/v1/customers/C2`, { headers: { Cookie: cookie } });
    const inFlight = send().catch(() => send());
    // Stop only once the request has reached the server (a fixed pause races on a loaded machine).
    for (let i = 0; i < 2000 && api.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(api.inFlight()).toBeGreaterThan(0);
    const closing = server.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    await closing;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

describe('tenure serve: the audit chain after all of the above', () => {
  it('still verifies', async () => {
    expect(await verifyAudit(store)).toMatchObject({ ok: true });
  });
});
