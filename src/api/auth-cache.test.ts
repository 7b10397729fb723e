import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../app/store.ts';
import { careStore } from '../app/care/test-fixture.ts';
import { addUser, createToken, disableUser, setPassword } from '../app/auth/accounts.ts';
import { createApi, type Api } from './index.ts';
import { CSRF_HEADER } from './app.ts';

/**
 * The auth middleware keeps the principal of a session or token between requests (app/serving):
 * a change of the accounts must still take effect at once when the server made it, within the
 * generation check when another process did, and a kept principal never outlives its expiry.
 */
const PASSWORD = 'a long enough password';
let store: AnalyticsStore;
let api: Api;
let clock = Date.parse('2026-03-01T08:00:00Z');
let loads = 0;

beforeAll(async () => {
  store = await careStore();
  // Counts the reads of a session or token on the server's sessions: a kept principal reads none.
  const open = store.openSession.bind(store);
  store.openSession = (async (access) => {
    const session = await open(access);
    const query = session.query.bind(session);
    session.query = ((sql: string, params?: never) => {
      if (/FROM api_(sessions|tokens) AS/.test(sql)) loads++;
      return query(sql, params);
    }) as typeof session.query;
    return session;
  }) as typeof store.openSession;
  // A long staleness allowance: only the server's own writes, or the clock, make it read the accounts again.
  api = createApi({ store, log: () => undefined, now: () => clock, generationCheckMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await store?.close();
});

const get = (path: string, headers: Record<string, string>) => api.app.request(path, { headers });
const me = async (headers: Record<string, string>) => (await get('/api/v1/auth/me', headers)).status;

async function login(username: string, password = PASSWORD): Promise<{ cookie: string; csrf: string }> {
  const res = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { csrf_token: string };
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string, csrf: body.csrf_token };
}

describe('the principal kept between requests', () => {
  it('a token is read once, then served from memory', async () => {
    await addUser(store, 'kept', 'analyst', PASSWORD, clock);
    const { token } = await createToken(store, 'kept', ['reports:read'], 2, clock);
    const auth = { Authorization: `Bearer ${token}` };
    const before = loads;
    for (let i = 0; i < 5; i++) expect(await me(auth)).toBe(200);
    expect(loads - before).toBe(1);
    // A wrong secret with a known token id is never served from what the right one left.
    expect(await me({ Authorization: `Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` })).toBe(401);
  });

  it('disabling a user through the server refuses its kept token and session at the next request', async () => {
    await addUser(store, 'gone', 'analyst', PASSWORD, clock);
    const { token } = await createToken(store, 'gone', ['reports:read'], 2, clock);
    const s = await login('gone');
    expect(await me({ Authorization: `Bearer ${token}` })).toBe(200);
    expect(await me({ Cookie: s.cookie })).toBe(200);
    await api.write((w) => disableUser(w, 'gone', clock));
    expect(await me({ Authorization: `Bearer ${token}` })).toBe(401);
    expect(await me({ Cookie: s.cookie })).toBe(401);
  });

  it('a new password ends the kept sessions (tokens stay, as in the store)', async () => {
    await addUser(store, 'renamed', 'analyst', PASSWORD, clock);
    const { token } = await createToken(store, 'renamed', ['reports:read'], 2, clock);
    const s = await login('renamed');
    expect(await me({ Cookie: s.cookie })).toBe(200);
    expect(await me({ Authorization: `Bearer ${token}` })).toBe(200);
    await api.write((w) => setPassword(w, 'renamed', 'another long password', clock));
    expect(await me({ Cookie: s.cookie })).toBe(401);
    expect(await me({ Authorization: `Bearer ${token}` })).toBe(200);
  });

  it('a logout ends the kept session at once', async () => {
    await addUser(store, 'leaver', 'analyst', PASSWORD, clock);
    const s = await login('leaver');
    expect(await me({ Cookie: s.cookie })).toBe(200);
    const out = await api.app.request('/api/v1/auth/logout', { method: 'POST', headers: { Cookie: s.cookie, [CSRF_HEADER]: s.csrf } });
    expect(out.status).toBe(204);
    expect(await me({ Cookie: s.cookie })).toBe(401);
  });

  it('a change made by another process takes effect when the generation is read again', async () => {
    await addUser(store, 'elsewhere', 'analyst', PASSWORD, clock);
    const { token } = await createToken(store, 'elsewhere', ['reports:read'], 2, clock);
    const auth = { Authorization: `Bearer ${token}` };
    clock += 61_000; // the next request reads the generation and the accounts
    expect(await me(auth)).toBe(200);
    // Written past the server (as `tenure user disable` on a shared PostgreSQL store).
    await disableUser(store, 'elsewhere', clock);
    expect(await me(auth)).toBe(200); // still within the allowance, kept
    clock += 61_000;
    expect(await me(auth)).toBe(401);
  });

  it('a kept token stops at its expiry', async () => {
    await addUser(store, 'brief', 'analyst', PASSWORD, clock);
    const { token, expiresMs } = await createToken(store, 'brief', ['reports:read'], 1, clock);
    const auth = { Authorization: `Bearer ${token}` };
    clock = expiresMs - 5_000;
    expect(await me(auth)).toBe(200);
    expect(await me(auth)).toBe(200);
    clock = expiresMs + 1;
    expect(await me(auth)).toBe(401);
  });
});
