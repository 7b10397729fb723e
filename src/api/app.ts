import { randomUUID } from 'node:crypto';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import type { AnalyticsStore } from '../app/store.ts';
import { csrfMatches, sessionPrincipal, tokenPrincipal, type Principal } from '../app/auth/accounts.ts';
import { appendAudit, type AuditEntry } from '../app/auth/audit.ts';
import type { Permission } from '../app/auth/permissions.ts';
import { ApiError, httpError } from './errors.ts';
import type { ApiEnv } from './context.ts';
import { FailureWindow, RateLimit } from './limits.ts';
import { Serving, type ServingLease } from '../app/serving/serving.ts';

export const SESSION_COOKIE = 'tenure_session';
export const CSRF_HEADER = 'X-CSRF-Token';
/** Routes reachable without credentials (besides the probes and the documents): a test keeps this list honest. */
export const PUBLIC_API_ROUTES = ['POST /api/v1/auth/login'] as const;

export interface ApiDeps {
  /** The server's store: the writer of accounts and the audit trail, the parent of each request's session. */
  readonly store: AnalyticsStore;
  /** One JSON line per request and per unexpected error (default: stderr). */
  readonly log?: (entry: Record<string, unknown>) => void;
  readonly now?: () => number;
  /** Set the Secure flag on the session cookie even when the request arrived over plain HTTP (behind a TLS proxy). */
  readonly secureCookies?: boolean;
  /** Pooled read sessions on the store (default 8): requests reading at once; more wait. */
  readonly maxSessions?: number;
  /** How stale the known data generation may be, in ms (default 500; at once after the server's own writes). */
  readonly generationCheckMs?: number;
  /** Results kept across requests (reports and the like, per data generation; default 256). */
  readonly cachedResults?: number;
  /** Failed logins allowed per user name and per client address in the window (default 5 in 15 minutes). */
  readonly loginFailures?: { readonly max: number; readonly windowMs: number };
  /** Requests per caller (user or token) per minute (default 6000). */
  readonly requestsPerMinute?: number;
  /** Request body limit in bytes (default 64 KiB). */
  readonly bodyLimitBytes?: number;
  /** The address of a request, when the transport knows it (the node server's socket). */
  readonly clientAddress?: (c: Context) => string | undefined;
  /** The currency named in money figures (default $TENURE_CURRENCY or CNY). */
  readonly currency?: string;
  /** The folder import jobs may read from (tenure serve --data-root); none: no import jobs. */
  readonly dataRoot?: string;
}

export interface Api {
  readonly app: OpenAPIHono<ApiEnv>;
  /** Appends to the audit trail (serialised with the other writes of this server). */
  audit(entry: AuditEntry): Promise<void>;
  /** Runs a write on the server's store, one at a time. */
  write<T>(fn: (store: AnalyticsStore) => Promise<T>): Promise<T>;
  readonly limits: { readonly login: FailureWindow };
  /** Pooled sessions and what the use cases derive from the whole base, per data generation (app/serving). */
  readonly serving: Serving;
  /** Closes the pooled sessions (after the requests in flight); the store stays the caller's. */
  close(): Promise<void>;
  readonly deps: ApiDeps;
  readonly now: () => number;
  /** Requests being served now. */
  inFlight(): number;
  /** Resolves when no request is in flight. */
  drained(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The zod hook: a request that fails its schema is a 400 with the issues (paths and messages, no values echoed). */
function validationHook(result: { success: boolean; error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } }, c: Context<ApiEnv>) {
  if (result.success) return undefined;
  const issues = (result.error?.issues ?? []).slice(0, 20).map((i) => `${i.path.map(String).join('.') || '(request)'}: ${i.message}`);
  return c.json({ error: { code: 'VALIDATION', message: `invalid request: ${issues.join('; ')}`, request_id: c.get('requestId') ?? null } }, 400);
}

export function createApi(deps: ApiDeps): Api {
  const now = deps.now ?? (() => Date.now());
  const log = deps.log ?? ((e) => process.stderr.write(`${JSON.stringify(e)}\n`));
  const login = new FailureWindow(deps.loginFailures?.max ?? 5, deps.loginFailures?.windowMs ?? 15 * 60_000);
  const rate = new RateLimit(deps.requestsPerMinute ?? 6000);
  const serving = new Serving(deps.store, {
    sessions: deps.maxSessions ?? 8,
    ...(deps.generationCheckMs === undefined ? {} : { generationCheckMs: deps.generationCheckMs }),
    ...(deps.cachedResults === undefined ? {} : { results: deps.cachedResults }),
    write: (fn) => write(fn),
    log,
    now,
  });
  let writes: Promise<unknown> = Promise.resolve();
  const write = <T>(fn: (store: AnalyticsStore) => Promise<T>): Promise<T> => {
    // Whatever the write was, the next request reads the data generation again.
    const next = writes.then(() => fn(deps.store)).finally(() => serving.dataChanged());
    writes = next.catch(() => undefined);
    return next;
  };
  let inFlight = 0;
  let drainWaiters: (() => void)[] = [];

  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook as never });
  const api: Api = {
    app,
    deps,
    now,
    limits: { login },
    audit: async (entry) => {
      await write((store) => appendAudit(store, entry, () => new Date(now())));
    },
    write,
    serving,
    close: async () => {
      await api.drained();
      await serving.close();
    },
    inFlight: () => inFlight,
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise((r) => drainWaiters.push(r))),
  };

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? null;
    const e = httpError(err, requestId);
    // Coded messages name the store for the operator at a shell; a client is told "the store".
    const message = e.body.error.message.replaceAll(deps.store.location, 'the store');
    if (e.unexpected) log({ level: 'error', request_id: requestId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
    return c.json({ error: { ...e.body.error, message } }, e.status as never);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no such route', request_id: c.get('requestId') ?? null } }, 404));

  // Request id, access log, in-flight count and the request's store session (leased from the pool at first use).
  app.use('*', async (c, next) => {
    const given = c.req.header('X-Request-Id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    c.set('client', deps.clientAddress?.(c) ?? 'local');
    const started = performance.now();
    inFlight++;
    let lease: Promise<ServingLease> | undefined;
    c.set('lease', () => (lease ??= serving.lease()));
    c.set('reader', async () => (await c.get('lease')()).session);
    try {
      await next();
    } finally {
      // A request that failed unexpectedly gives its session back to be closed, not reused.
      if (lease) await lease.then((l) => l.release(c.error === undefined && c.res.status < 500)).catch(() => undefined);
      inFlight--;
      if (inFlight === 0) {
        const waiters = drainWaiters;
        drainWaiters = [];
        for (const w of waiters) w();
      }
      const principal = c.get('principal') as Principal | undefined;
      log({ level: 'info', request_id: requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), user: principal?.username ?? null });
    }
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"] },
      strictTransportSecurity: 'max-age=31536000; includeSubDomains',
      referrerPolicy: 'no-referrer',
      // A route may set its own header (the console's pages send a CSP that allows their scripts).
      overwrite: false,
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    if (c.req.path.startsWith('/api/')) c.header('Cache-Control', 'no-store');
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: deps.bodyLimitBytes ?? 64 * 1024,
      onError: () => {
        throw new ApiError('PAYLOAD_TOO_LARGE', 'request body too large');
      },
    }),
  );

  // Authentication of everything under /api/v1 but the login: a session cookie or a bearer token.
  app.use('/api/v1/*', async (c, next) => {
    const route = `${c.req.method} ${c.req.path}`;
    if ((PUBLIC_API_ROUTES as readonly string[]).includes(route)) return next();
    const reader = await c.get('reader')();
    const auth = c.req.header('Authorization');
    let principal: Principal | null = null;
    // Kept between requests until the accounts move, a short TTL or the expiry (app/serving).
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      const token = m?.[1];
      principal = token !== undefined ? await serving.principal('token', token, () => tokenPrincipal(reader, token, now())) : null;
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      principal = cookie ? await serving.principal('session', cookie, () => sessionPrincipal(reader, cookie, now())) : null;
      // Cookies ride along with any request a browser sends: a state change must prove it came from our page.
      if (principal && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && !csrfMatches(principal, c.req.header(CSRF_HEADER))) {
        throw new ApiError('CSRF', `missing or wrong ${CSRF_HEADER} header (the token is returned by the login)`);
      }
    }
    if (!principal) throw new ApiError('UNAUTHENTICATED', 'log in (POST /api/v1/auth/login) or send a valid, unexpired API token', { 'WWW-Authenticate': 'Bearer realm="tenure"' });
    const wait = rate.take(principal.via.kind === 'token' ? `token:${principal.via.tokenId}` : `user:${principal.username}`, now());
    if (wait > 0) throw new ApiError('THROTTLED', 'too many requests; slow down', { 'Retry-After': String(wait) });
    c.set('principal', principal);
    return next();
  });

  return api;
}

/** Route middleware: the caller must hold `permission`; a refusal is audited. */
export function need(api: Api, permission: Permission): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    if (!p.permissions.has(permission)) {
      await api.audit({ actor: actorOf(p), action: 'forbidden', target: `${c.req.method} ${c.req.path}`, outcome: 'denied', source: c.get('client'), detail: `needs ${permission}; role ${p.role}` });
      throw new ApiError('FORBIDDEN', `role ${p.role}${p.via.kind === 'token' ? ' (narrowed by the token scopes)' : ''} does not have ${permission}`);
    }
    await next();
  };
}

export function actorOf(p: Principal): string {
  return p.via.kind === 'token' ? `${p.username} (token ${p.via.tokenId})` : p.username;
}

/** Security requirement of a guarded route in the OpenAPI document: cookie session or bearer token. */
export const SECURED: Record<string, string[]>[] = [{ session: [] }, { token: [] }];

/** The error body as the document describes it. */
export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), request_id: z.string().nullable() }) })
  .openapi('Error');

export const ERROR_RESPONSES = {
  400: { description: 'invalid request', content: { 'application/json': { schema: ErrorSchema } } },
  401: { description: 'no valid credentials', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: 'the role lacks the right (audited), or a wrong CSRF token', content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'not found', content: { 'application/json': { schema: ErrorSchema } } },
  429: { description: 'too many requests', content: { 'application/json': { schema: ErrorSchema } } },
} as const;
