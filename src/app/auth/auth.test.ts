import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { testEngines, type TestEngine } from '../../store/postgres/test-server.ts';
import { PERMISSIONS, PERMISSION_MATRIX, ROLES, grantedPermissions, type Permission, type Role } from './permissions.ts';
import { SCRYPT_PARAMS, hashPassword, parseHash, verifyPassword } from './password.ts';
import { addUser, checkLogin, createSession, createToken, csrfMatches, disableUser, endSession, sessionPrincipal, setPassword, tokenPrincipal } from './accounts.ts';
import { appendAudit, listAudit, verifyAudit } from './audit.ts';

/** The matrix written out by hand, cell by cell: a change to permissions.ts must change this too. */
const EXPECTED: Record<Role, Record<Permission, boolean>> = {
  admin: { 'reports:read': true, 'customer:read': true, 'customer:list': true, 'export:bulk': true, 'pii:unmask': true, 'nba:record': true, 'audit:read': true, 'users:manage': true, 'jobs:run': true },
  analyst: { 'reports:read': true, 'customer:read': true, 'customer:list': true, 'export:bulk': true, 'pii:unmask': false, 'nba:record': false, 'audit:read': false, 'users:manage': false, 'jobs:run': true },
  retention_manager: { 'reports:read': true, 'customer:read': true, 'customer:list': true, 'export:bulk': true, 'pii:unmask': true, 'nba:record': true, 'audit:read': false, 'users:manage': false, 'jobs:run': false },
  agent: { 'reports:read': false, 'customer:read': true, 'customer:list': false, 'export:bulk': false, 'pii:unmask': true, 'nba:record': true, 'audit:read': false, 'users:manage': false, 'jobs:run': false },
  read_only: { 'reports:read': true, 'customer:read': false, 'customer:list': false, 'export:bulk': false, 'pii:unmask': false, 'nba:record': false, 'audit:read': false, 'users:manage': false, 'jobs:run': false },
};

describe('permission matrix', () => {
  const cells = ROLES.flatMap((role) => PERMISSIONS.map((permission) => ({ role, permission, allowed: EXPECTED[role][permission] })));
  it.each(cells)('$role × $permission = $allowed', ({ role, permission, allowed }) => {
    expect(grantedPermissions(role).has(permission)).toBe(allowed);
  });
  it('has no role or permission the hand-written table lacks', () => {
    expect(Object.keys(PERMISSION_MATRIX).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(PERMISSIONS.length).toBe(Object.keys(EXPECTED.admin).length);
  });
  it('narrows a role by token scopes and never widens it', () => {
    expect([...grantedPermissions('agent', ['customer:read', 'export:bulk'])]).toEqual(['customer:read']);
  });
});

describe('scrypt passwords', () => {
  it('stores N=2^15, r=8, p=1 with a random salt, verifies the right password only', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).not.toBe(b);
    const parsed = parseHash(a);
    expect(parsed).toMatchObject({ N: 2 ** 15, r: 8, p: 1 });
    expect(SCRYPT_PARAMS).toEqual({ N: 32768, r: 8, p: 1 });
    expect(parsed?.salt.length).toBe(16);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('correct horse battery', null)).toBe(false);
  });
  it('refuses a stored hash weaker than the floor or malformed', async () => {
    const good = await hashPassword('correct horse battery');
    const weak = good.replace(/^scrypt\$32768\$/, 'scrypt$1024$');
    expect(parseHash(weak)).toBeNull();
    expect(await verifyPassword('correct horse battery', weak)).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
  });
  it('known answer: RFC 7914 test vector 3 through the same derivation', async () => {
    // scrypt("pleaseletmein", "SodiumChloride", N=16384, r=8, p=1, dkLen=64) starts 7023bdcb3afd7348.
    const { scryptSync } = await import('node:crypto');
    expect(scryptSync('pleaseletmein', 'SodiumChloride', 64, { N: 16384, r: 8, p: 1 }).toString('hex').slice(0, 16)).toBe('7023bdcb3afd7348');
  });
});

const engines: TestEngine[] = await testEngines();

describe.each(engines)('accounts and audit on $name', (engine) => {
  let store: AnalyticsStore;
  beforeAll(async () => {
    if (engine.skip) return;
    store = await engine.open();
  });
  afterAll(async () => {
    await store?.close();
  });
  const run = it.skipIf(engine.skip !== undefined);

  run('users log in, sessions expire and end, disabling revokes', async () => {
    await addUser(store, 'ana', 'analyst', 'a long enough password', 1000);
    await expect(addUser(store, 'ana', 'analyst', 'a long enough password')).rejects.toThrow(/exists/);
    await expect(addUser(store, 'bob', 'root', 'a long enough password')).rejects.toThrow(/unknown role/);
    await expect(addUser(store, 'bob', 'agent', 'short')).rejects.toThrow(/at least 12/);
    expect(await checkLogin(store, 'ana', 'wrong password!!')).toBeNull();
    expect(await checkLogin(store, 'nobody', 'a long enough password')).toBeNull();
    expect(await checkLogin(store, 'ana', 'a long enough password')).toEqual({ username: 'ana', role: 'analyst', disabled: false });
    const s = await createSession(store, 'ana', 10_000);
    const p = await sessionPrincipal(store, s.sessionId, 10_001);
    expect(p?.role).toBe('analyst');
    expect(p && csrfMatches(p, s.csrfToken)).toBe(true);
    expect(p && csrfMatches(p, s.csrfToken.slice(1))).toBe(false);
    expect(p && csrfMatches(p, undefined)).toBe(false);
    expect(await sessionPrincipal(store, s.sessionId, s.expiresMs)).toBeNull();
    expect(await sessionPrincipal(store, 'forged', 10_001)).toBeNull();
    if (p?.via.kind === 'session') await endSession(store, p.via.sessionHash);
    expect(await sessionPrincipal(store, s.sessionId, 10_001)).toBeNull();
    await setPassword(store, 'ana', 'another long password');
    expect(await checkLogin(store, 'ana', 'a long enough password')).toBeNull();
    expect(await checkLogin(store, 'ana', 'another long password')).not.toBeNull();
    const s2 = await createSession(store, 'ana', 20_000);
    await disableUser(store, 'ana');
    expect(await sessionPrincipal(store, s2.sessionId, 20_001)).toBeNull();
    expect(await checkLogin(store, 'ana', 'another long password')).toBeNull();
  });

  run('tokens: scoped within the role, hashed at rest, refused after expiry', async () => {
    await addUser(store, 'crm', 'retention_manager', 'a long enough password');
    await expect(createToken(store, 'crm', ['audit:read'], 30)).rejects.toThrow(/does not hold/);
    await expect(createToken(store, 'crm', ['reports:read'], 0)).rejects.toThrow(/1 to 365/);
    const t = await createToken(store, 'crm', ['customer:read'], 30, 0);
    const stored = await store.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE token_id = CAST($1 AS VARCHAR)', [t.tokenId]);
    expect(stored[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(t.token.split('_')[2]);
    const p = await tokenPrincipal(store, t.token, 1);
    expect([...(p?.permissions ?? [])]).toEqual(['customer:read']);
    expect(await tokenPrincipal(store, t.token, t.expiresMs)).toBeNull();
    expect(await tokenPrincipal(store, `${t.token.slice(0, -1)}${t.token.endsWith('A') ? 'B' : 'A'}`, 1)).toBeNull();
  });

  run('the audit chain verifies, and a changed, removed or reordered row breaks it where it happened', async () => {
    for (let i = 0; i < 5; i++) await appendAudit(store, { actor: 'ana', action: 'pii_view', target: `C${i}`, outcome: 'ok', source: '127.0.0.1' });
    expect(await verifyAudit(store)).toEqual({ rows: 5, ok: true, broken_at: null, reason: null });
    expect((await listAudit(store, { after: 2, limit: 2 })).map((r) => r.seq)).toEqual([3, 4]);
    await store.run("UPDATE audit_log SET target = 'C9' WHERE seq = 3");
    expect(await verifyAudit(store)).toMatchObject({ ok: false, broken_at: 3 });
    await store.run("UPDATE audit_log SET target = 'C2' WHERE seq = 3");
    expect((await verifyAudit(store)).ok).toBe(true);
    await store.run('DELETE FROM audit_log WHERE seq = 4');
    expect(await verifyAudit(store)).toMatchObject({ ok: false, broken_at: 5 });
  });
});
