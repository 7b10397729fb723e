import pg from 'pg';
import { StoreError } from '../errors.ts';

/**
 * A PostgreSQL target: the connection string as given and the same without its password,
 * which is the only form ever printed (messages, `location`, logs).
 */
export interface PostgresTarget {
  readonly url: string;
  readonly redacted: string;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(target: string): boolean {
  return POSTGRES_URL.test(target);
}

/** `postgres://user:secret@host:5432/db?x=y` → `postgres://user@host:5432/db?x=y`; a password in the query is masked too. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not parseable: keep the scheme and host-ish part only, never the rest.
    return url.replace(/\/\/[^@/]*@/, '//***@').replace(/password=[^&]*/gi, 'password=***');
  }
  parsed.password = '';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString().replace(/%2A%2A%2A/g, '***');
}

export function postgresTarget(url: string): PostgresTarget {
  try {
    const parsed = new URL(url);
    if (!parsed.hostname && !parsed.searchParams.get('host')) throw new Error('no host');
  } catch {
    throw new StoreError('BAD_SETTING', `not a PostgreSQL connection URL: ${redactUrl(url)} (expected postgres://user@host:port/database)`);
  }
  return { url, redacted: redactUrl(url) };
}

/** pg's and the server's messages, with anything that could carry the password removed. */
function reason(err: unknown, target: PostgresTarget): string {
  const e = err as { code?: string; message?: string };
  const text = String(e.message ?? err);
  const password = (() => {
    try {
      return decodeURIComponent(new URL(target.url).password);
    } catch {
      return '';
    }
  })();
  const clean = password.length > 0 ? text.split(password).join('***') : text;
  if (e.code === 'ECONNREFUSED') return 'connection refused (is the server running and listening on that host and port?)';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'host not found';
  if (e.code === 'ETIMEDOUT') return 'connection timed out';
  if (e.code === '28P01') return 'password authentication failed';
  if (e.code === '28000') return `not allowed to connect: ${clean}`;
  if (e.code === '3D000') return `database does not exist: ${clean}`;
  return clean;
}

export interface ConnectOptions {
  /** Milliseconds a statement may run before the server cancels it; 0 = no limit. */
  readonly statementTimeoutMs: number;
  /** Milliseconds to wait for the connection. */
  readonly connectTimeoutMs: number;
  readonly applicationName?: string;
}

/** The server types whose values come back as JS numbers or exact text (see PostgresStore). */
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

function toInteger(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/**
 * Value normalisation of the port (port.ts): integers as numbers (bigint beyond 2^53), DECIMAL
 * as exact text, DATE as 'YYYY-MM-DD', TIMESTAMP as the server's ISO text ('YYYY-MM-DD
 * HH:MM:SS[.ffffff]'). Per client, so other users of `pg` in the process are unaffected.
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (v: string) => toInteger(v);
    if (oid === NUMERIC || oid === DATE || oid === TIMESTAMP || oid === TIMESTAMPTZ) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/** One session of the server (temporary tables live in it), with the store's settings. */
export async function connect(target: PostgresTarget, options: ConnectOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: target.url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: options.applicationName ?? 'tenure',
    types: TYPES,
  });
  // A dropped connection emits 'error' outside any query: without a listener it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new StoreError('STORE_UNREADABLE', `cannot connect to PostgreSQL store ${target.redacted}: ${reason(err, target)}`);
  }
  try {
    await client.query(`SET statement_timeout = ${Math.max(0, Math.floor(options.statementTimeoutMs))}`);
    await client.query("SET TIME ZONE 'UTC'");
    await client.query("SET datestyle = 'ISO, YMD'");
    await client.query("SET intervalstyle = 'iso_8601'");
    // No JIT: Tenure's analytic statements are long generated SQL (CASE chains, many CTEs) whose
    // compilation cost more than it saved (segments on 200k customers: 25 s of JIT in 44 s).
    await client.query('SET jit = off');
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new StoreError('STORE_UNREADABLE', `cannot set up the PostgreSQL session on ${target.redacted}: ${reason(err, target)}`);
  }
  return client;
}

/** Maps a server error of a running statement to the store's errors where one applies. */
export function statementError(err: unknown, target: PostgresTarget): unknown {
  const e = err as { code?: string };
  if (e.code === '57014') return new StoreError('STATEMENT_TIMEOUT', `a statement on ${target.redacted} ran longer than the statement timeout and was cancelled`);
  if (e.code === '25006') return new StoreError('READ_ONLY', `${target.redacted} was opened read-only`);
  return err;
}
