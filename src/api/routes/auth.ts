import { createRoute, z } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { checkLogin, createSession, endSession } from '../../app/auth/accounts.ts';
import { PERMISSIONS, ROLES } from '../../app/auth/permissions.ts';
import { ApiError } from '../errors.ts';
import { ERROR_RESPONSES, SECURED, SESSION_COOKIE, actorOf, type Api } from '../app.ts';

const Login = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).openapi('Login');
const Me = z.object({ username: z.string(), role: z.enum(ROLES), permissions: z.array(z.enum(PERMISSIONS)), via: z.enum(['session', 'token']) }).openapi('Me');
const LoggedIn = z.object({ username: z.string(), role: z.enum(ROLES), csrf_token: z.string(), expires_at: z.string() }).openapi('LoggedIn');

export function authRoutes(api: Api): void {
  const { app } = api;
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'log in: sets the HttpOnly session cookie and returns the CSRF token for state-changing requests',
      security: [],
      request: { body: { required: true, content: { 'application/json': { schema: Login } } } },
      responses: { 200: { description: 'logged in', content: { 'application/json': { schema: LoggedIn } } }, ...ERROR_RESPONSES },
    }),
    async (c) => {
      const { username, password } = c.req.valid('json');
      const client = c.get('client');
      const name = /^[a-z0-9][a-z0-9._-]{0,63}$/.test(username) ? username : '(not a user name)';
      const keys = [`user:${name}`, `ip:${client}`];
      const now = api.now();
      const wait = Math.max(...keys.map((k) => api.limits.login.blockedFor(k, now)));
      if (wait > 0) {
        await api.audit({ actor: name, action: 'login_throttled', outcome: 'denied', source: client });
        throw new ApiError('THROTTLED', 'too many failed logins; wait before trying again', { 'Retry-After': String(Math.ceil(wait / 1000)) });
      }
      const user = await checkLogin(await c.get('reader')(), username, password);
      if (!user) {
        for (const k of keys) api.limits.login.fail(k, now);
        await api.audit({ actor: name, action: 'login_failed', outcome: 'failed', source: client });
        throw new ApiError('UNAUTHENTICATED', 'wrong user name or password, or the account is disabled');
      }
      api.limits.login.clear(keys[0] as string);
      const session = await api.write((store) => createSession(store, user.username, now));
      await api.audit({ actor: user.username, action: 'login', outcome: 'ok', source: client });
      const secure = api.deps.secureCookies === true || new URL(c.req.url).protocol === 'https:';
      setCookie(c, SESSION_COOKIE, session.sessionId, { httpOnly: true, sameSite: 'Strict', secure, path: '/', expires: new Date(session.expiresMs) });
      return c.json({ username: user.username, role: user.role, csrf_token: session.csrfToken, expires_at: new Date(session.expiresMs).toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'ends the login session (needs the CSRF header)',
      security: SECURED,
      responses: { 204: { description: 'logged out' }, ...ERROR_RESPONSES },
    }),
    async (c) => {
      const p = c.get('principal');
      if (p.via.kind === 'session') {
        const hash = p.via.sessionHash;
        await api.write((store) => endSession(store, hash));
      }
      await api.audit({ actor: actorOf(p), action: 'logout', outcome: 'ok', source: c.get('client') });
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/auth/me',
      summary: 'who the caller is and what it may do',
      security: SECURED,
      responses: { 200: { description: 'the caller', content: { 'application/json': { schema: Me } } }, ...ERROR_RESPONSES },
    }),
    (c) => {
      const p = c.get('principal');
      return c.json({ username: p.username, role: p.role, permissions: PERMISSIONS.filter((x) => p.permissions.has(x)), via: p.via.kind }, 200);
    },
  );
}
