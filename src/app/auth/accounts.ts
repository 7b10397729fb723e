import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AnalyticsStore } from '../../store/port.ts';
import { requireWritable } from '../../store/access.ts';
import { TenureError } from '../errors.ts';
import { checkNewPassword, hashPassword, verifyPassword } from './password.ts';
import { appendAudit } from './audit.ts';
import { grantedPermissions, isPermission, isRole, type Permission, type Role } from './permissions.ts';

/**
 * Accounts of the HTTP API: users with a role, login sessions (a cookie) and API tokens (a
 * bearer secret). Only hashes of secrets are stored: a session id or token read from the store
 * opens nothing.
 */
export interface User {
  readonly username: string;
  readonly role: Role;
  readonly disabled: boolean;
}

/** Who is calling, as the API's guards see it. */
export interface Principal {
  readonly username: string;
  readonly role: Role;
  readonly permissions: ReadonlySet<Permission>;
  /** How the caller proved it: a login session (cookie, CSRF-checked) or a token. */
  readonly via: { readonly kind: 'session'; readonly csrfToken: string; readonly sessionHash: string } | { readonly kind: 'token'; readonly tokenId: string };
  /** When the session or token stops working (ms since the epoch), for a caller that keeps principals (app/serving). */
  readonly expiresMs?: number;
}

export const SESSION_HOURS = 8;
export const MAX_TOKEN_DAYS = 365;
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const secret = () => randomBytes(32).toString('base64url');
const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function checkUsername(name: string): void {
  if (!USERNAME.test(name)) throw new TenureError('USAGE', `a user name is 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(name)}`);
}

export async function findUser(store: AnalyticsStore, username: string): Promise<(User & { password_hash: string }) | null> {
  const [row] = await store.query<{ username: string; role: string; disabled: boolean; password_hash: string }>(
    'SELECT username, role, disabled, password_hash FROM api_users WHERE username = CAST($1 AS VARCHAR)',
    [username],
  );
  if (!row || !isRole(row.role)) return null;
  return { username: row.username, role: row.role, disabled: row.disabled === true, password_hash: row.password_hash };
}

export async function listUsers(store: AnalyticsStore): Promise<User[]> {
  const rows = await store.query<{ username: string; role: string; disabled: boolean }>('SELECT username, role, disabled FROM api_users ORDER BY username');
  return rows.filter((r) => isRole(r.role)).map((r) => ({ username: r.username, role: r.role as Role, disabled: r.disabled === true }));
}

export async function addUser(store: AnalyticsStore, username: string, role: string, password: string, now = Date.now()): Promise<User> {
  requireWritable(store, 'adding a user');
  checkUsername(username);
  if (!isRole(role)) throw new TenureError('USAGE', `unknown role "${role}"; roles: admin, analyst, retention_manager, agent, read_only`);
  checkNewPassword(password);
  const hash = await hashPassword(password);
  return store.transaction(async (tx) => {
    const [exists] = await tx.query('SELECT 1 AS one FROM api_users WHERE username = CAST($1 AS VARCHAR)', [username]);
    if (exists) throw new TenureError('USAGE', `user ${username} exists already (tenure user passwd to change the password)`);
    await tx.run(
      'INSERT INTO api_users (username, role, password_hash, disabled, created_ms, updated_ms) VALUES (CAST($1 AS VARCHAR), CAST($2 AS VARCHAR), CAST($3 AS VARCHAR), false, CAST($4 AS BIGINT), CAST($4 AS BIGINT))',
      [username, role, hash, now],
    );
    return { username, role, disabled: false };
  });
}

async function requireUser(store: AnalyticsStore, username: string): Promise<void> {
  if (!(await findUser(store, username))) throw new TenureError('USAGE', `no user ${username}`);
}

/** A new password; every login session of the user ends. */
export async function setPassword(store: AnalyticsStore, username: string, password: string, now = Date.now()): Promise<void> {
  requireWritable(store, 'changing a password');
  await requireUser(store, username);
  checkNewPassword(password);
  const hash = await hashPassword(password);
  await store.transaction(async (tx) => {
    await tx.run('UPDATE api_users SET password_hash = CAST($2 AS VARCHAR), updated_ms = CAST($3 AS BIGINT) WHERE username = CAST($1 AS VARCHAR)', [username, hash, now]);
    await tx.run('UPDATE api_sessions SET revoked = true WHERE username = CAST($1 AS VARCHAR)', [username]);
  });
}

/** Disables the account: no login, and its sessions and tokens stop working at once. */
export async function disableUser(store: AnalyticsStore, username: string, now = Date.now()): Promise<void> {
  requireWritable(store, 'disabling a user');
  await requireUser(store, username);
  await store.transaction(async (tx) => {
    await tx.run('UPDATE api_users SET disabled = true, updated_ms = CAST($2 AS BIGINT) WHERE username = CAST($1 AS VARCHAR)', [username, now]);
    await tx.run('UPDATE api_sessions SET revoked = true WHERE username = CAST($1 AS VARCHAR)', [username]);
    await tx.run('UPDATE api_tokens SET revoked = true WHERE username = CAST($1 AS VARCHAR)', [username]);
  });
}

/** Checks a password; null when the user is unknown, disabled or the password is wrong (the caller does not learn which). */
export async function checkLogin(store: AnalyticsStore, username: string, password: string): Promise<User | null> {
  const user = USERNAME.test(username) ? await findUser(store, username) : null;
  const ok = await verifyPassword(password, user?.password_hash ?? null);
  if (!ok || !user || user.disabled) return null;
  return { username: user.username, role: user.role, disabled: false };
}

export interface NewSession {
  /** The cookie value: shown once, stored only as its hash. */
  readonly sessionId: string;
  /** Sent back by the client in X-CSRF-Token on every state-changing request of this session. */
  readonly csrfToken: string;
  readonly expiresMs: number;
}

export async function createSession(store: AnalyticsStore, username: string, now = Date.now()): Promise<NewSession> {
  requireWritable(store, 'a login');
  const sessionId = secret();
  const csrfToken = secret();
  const expiresMs = now + SESSION_HOURS * 3_600_000;
  await store.run(
    'INSERT INTO api_sessions (session_hash, username, csrf_token, created_ms, expires_ms, revoked) VALUES (CAST($1 AS VARCHAR), CAST($2 AS VARCHAR), CAST($3 AS VARCHAR), CAST($4 AS BIGINT), CAST($5 AS BIGINT), false)',
    [sha256(sessionId), username, csrfToken, now, expiresMs],
  );
  return { sessionId, csrfToken, expiresMs };
}

export async function endSession(store: AnalyticsStore, sessionHash: string): Promise<void> {
  requireWritable(store, 'a logout');
  await store.run('UPDATE api_sessions SET revoked = true WHERE session_hash = CAST($1 AS VARCHAR)', [sessionHash]);
}

/** The principal of a session cookie; null when unknown, ended, expired or its user disabled. */
export async function sessionPrincipal(store: AnalyticsStore, sessionId: string, now = Date.now()): Promise<Principal | null> {
  if (sessionId.length === 0 || sessionId.length > 200) return null;
  const hash = sha256(sessionId);
  const [row] = await store.query<{ username: string; role: string; csrf_token: string; expires_ms: number | bigint }>(
    `SELECT s.username AS username, u.role AS role, s.csrf_token AS csrf_token, s.expires_ms AS expires_ms
     FROM api_sessions AS s JOIN api_users AS u ON u.username = s.username
     WHERE s.session_hash = CAST($1 AS VARCHAR) AND NOT s.revoked AND NOT u.disabled AND s.expires_ms > CAST($2 AS BIGINT)`,
    [hash, now],
  );
  if (!row || !isRole(row.role)) return null;
  return { username: row.username, role: row.role, permissions: grantedPermissions(row.role), via: { kind: 'session', csrfToken: row.csrf_token, sessionHash: hash }, expiresMs: Number(row.expires_ms) };
}

/** Whether the CSRF header matches the session's token (constant time). */
export function csrfMatches(principal: Principal, header: string | undefined): boolean {
  return principal.via.kind === 'session' && header !== undefined && sameText(header, principal.via.csrfToken);
}

export interface NewToken {
  /** `tnr_<id>_<secret>`: shown once, stored only as the secret's hash. */
  readonly token: string;
  readonly tokenId: string;
  readonly scopes: readonly Permission[];
  readonly expiresMs: number;
}

/** A token for a machine client: scopes narrow the user's role (never widen it), expiry is required. */
export async function createToken(store: AnalyticsStore, username: string, scopes: readonly string[], days: number, now = Date.now()): Promise<NewToken> {
  requireWritable(store, 'creating a token');
  const user = await findUser(store, username);
  if (!user) throw new TenureError('USAGE', `no user ${username}`);
  if (user.disabled) throw new TenureError('USAGE', `user ${username} is disabled`);
  if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) throw new TenureError('USAGE', `a token lives 1 to ${MAX_TOKEN_DAYS} days, got ${days}`);
  const bad = scopes.filter((s) => !isPermission(s));
  if (bad.length > 0) throw new TenureError('USAGE', `unknown scope ${bad.join(', ')}`);
  const held = grantedPermissions(user.role);
  const beyond = scopes.filter((s) => !held.has(s as Permission));
  if (beyond.length > 0) throw new TenureError('USAGE', `role ${user.role} does not hold ${beyond.join(', ')}; a token cannot have more rights than its user`);
  if (scopes.length === 0) throw new TenureError('USAGE', 'a token needs at least one scope');
  const tokenId = randomBytes(8).toString('hex');
  const body = secret();
  const expiresMs = now + days * 86_400_000;
  await store.run(
    'INSERT INTO api_tokens (token_id, token_hash, username, scopes, created_ms, expires_ms, revoked) VALUES (CAST($1 AS VARCHAR), CAST($2 AS VARCHAR), CAST($3 AS VARCHAR), CAST($4 AS VARCHAR), CAST($5 AS BIGINT), CAST($6 AS BIGINT), false)',
    [tokenId, sha256(body), username, scopes.join(' '), now, expiresMs],
  );
  return { token: `tnr_${tokenId}_${body}`, tokenId, scopes: scopes as Permission[], expiresMs };
}

/** The principal of a bearer token; null when malformed, unknown, revoked, expired or its user disabled. */
export async function tokenPrincipal(store: AnalyticsStore, token: string, now = Date.now()): Promise<Principal | null> {
  const m = /^tnr_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const [row] = await store.query<{ token_hash: string; username: string; role: string; scopes: string; expires_ms: number | bigint }>(
    `SELECT t.token_hash AS token_hash, t.username AS username, u.role AS role, t.scopes AS scopes, t.expires_ms AS expires_ms
     FROM api_tokens AS t JOIN api_users AS u ON u.username = t.username
     WHERE t.token_id = CAST($1 AS VARCHAR) AND NOT t.revoked AND NOT u.disabled AND t.expires_ms > CAST($2 AS BIGINT)`,
    [m[1] as string, now],
  );
  if (!row || !isRole(row.role) || !sameText(sha256(m[2] as string), row.token_hash)) return null;
  const scopes = row.scopes.split(' ').filter(isPermission);
  return { username: row.username, role: row.role, permissions: grantedPermissions(row.role, scopes), via: { kind: 'token', tokenId: m[1] as string }, expiresMs: Number(row.expires_ms) };
}

/**
 * A summary of the accounts that moves whenever a kept principal may have stopped being valid:
 * a user added, disabled or given a new password (updated_ms), a session or token revoked
 * (logout, disable, passwd) or removed. A server that keeps principals between requests
 * (app/serving) forgets them when it changes.
 */
export async function accountsFingerprint(store: AnalyticsStore): Promise<string> {
  const rows = await store.query<{ k: string; n: number | bigint | null; m: number | bigint | null }>(
    `SELECT 'u' AS k, count(*) AS n, sum(updated_ms) AS m FROM api_users
     UNION ALL SELECT 'd', sum(CASE WHEN disabled THEN 1 ELSE 0 END), max(updated_ms) FROM api_users
     UNION ALL SELECT 's', count(*), sum(CASE WHEN revoked THEN 1 ELSE 0 END) FROM api_sessions
     UNION ALL SELECT 't', count(*), sum(CASE WHEN revoked THEN 1 ELSE 0 END) FROM api_tokens`,
  );
  return rows
    .map((r) => `${r.k}:${String(r.n ?? 0)}:${String(r.m ?? 0)}`)
    .sort()
    .join(' ');
}

export interface FirstAccount {
  readonly username: string;
  readonly role: Role;
  /** Shown once to whoever started the server; stored only as its hash. */
  readonly password: string;
}

/**
 * The console's first account for a store that has none (`tenure start --serve` on a fresh
 * store): an admin with a random 24-character password (144 bits), audited as `actor`. A store
 * with any account, enabled or not, gets nothing: accounts are then `tenure user`'s business.
 */
export async function firstRunAccount(store: AnalyticsStore, actor: string, now = Date.now()): Promise<FirstAccount | null> {
  requireWritable(store, 'adding the first user');
  if ((await listUsers(store)).length > 0) return null;
  const username = 'admin';
  const password = randomBytes(18).toString('base64url');
  await addUser(store, username, 'admin', password, now);
  await appendAudit(store, { actor, action: 'user_add', target: username, outcome: 'ok', source: 'cli', detail: 'role admin (first account, tenure start --serve)' });
  return { username, role: 'admin', password };
}
