/**
 * The console's only way to the server: /api/v1 over fetch, with the session cookie the login
 * sets and the CSRF header every state change needs. A failed request becomes an ApiFailure with
 * the status, the API's error code and message, and the request id to quote.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

export interface Me {
  readonly username: string;
  readonly role: string;
  readonly permissions: readonly string[];
}

const CSRF_KEY = 'tenure.csrf';
/** The CSRF token of this tab's session: kept for reloads in sessionStorage (not a cookie: never sent by itself). */
let csrf: string | null = sessionStorage.getItem(CSRF_KEY);

type Query = Readonly<Record<string, string | number | undefined | null>>;

function url(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `/api/v1${path}${s ? `?${s}` : ''}`;
}

async function failure(res: Response): Promise<ApiFailure> {
  let code = 'HTTP';
  let message = res.statusText || 'request failed';
  let requestId = res.headers.get('X-Request-Id');
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; request_id?: string | null } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
    requestId = body.error?.request_id ?? requestId;
  } catch {
    // not JSON (a proxy's page): keep the status text
  }
  return new ApiFailure(res.status, code, message, requestId);
}

async function send(method: string, path: string, query?: Query, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf !== null) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch(url(path, query), { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (err) {
    throw new ApiFailure(0, 'NETWORK', err instanceof Error ? err.message : String(err), null);
  }
  if (!res.ok) throw await failure(res);
  return res;
}

export async function getJson<T>(path: string, query?: Query): Promise<T> {
  return (await (await send('GET', path, query)).json()) as T;
}

/** Every row of a paged list (X-Total-Count), a page of `pageSize` at a time. */
export async function getAllRows<T>(path: string, query: Query = {}, pageSize = 1000): Promise<T[]> {
  const rows: T[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const res = await send('GET', path, { ...query, offset, limit: pageSize });
    const page = (await res.json()) as T[];
    rows.push(...page);
    const total = Number(res.headers.get('X-Total-Count') ?? rows.length);
    if (page.length === 0 || rows.length >= total) return rows;
  }
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await send('POST', path, undefined, body);
  return (res.status === 204 ? null : await res.json()) as T;
}

export async function login(username: string, password: string): Promise<void> {
  const r = await postJson<{ csrf_token: string }>('/auth/login', { username, password });
  csrf = r.csrf_token;
  sessionStorage.setItem(CSRF_KEY, csrf);
}

export async function logout(): Promise<void> {
  try {
    await postJson<null>('/auth/logout', {});
  } finally {
    csrf = null;
    sessionStorage.removeItem(CSRF_KEY);
  }
}

/** The caller, or null when not logged in. */
export async function whoAmI(): Promise<Me | null> {
  try {
    return await getJson<Me>('/auth/me');
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) return null;
    throw err;
  }
}
