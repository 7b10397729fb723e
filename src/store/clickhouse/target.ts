import { StoreError } from '../errors.ts';
import { isPostgresUrl, postgresTarget, type PostgresTarget } from '../postgres/connection.ts';

/**
 * A ClickHouse store target: `clickhouse://[user[:password]@]host:port[,host:port…]/database?cluster=NAME`.
 * The ports are the servers' HTTP ports (8123 when omitted). The first host is the coordinator
 * every query goes to; all the listed hosts are the shards of the `remote_servers` cluster NAME,
 * one server each, and each gets the store's local tables (the adapter creates them server by
 * server: ON CLUSTER needs ZooKeeper). Without `cluster` the store is one server, no Distributed
 * tables. Only the redacted form (no password) is ever printed.
 */
export interface ClickHouseHost {
  readonly host: string;
  readonly port: number;
}

export interface ClickHouseTarget {
  readonly hosts: readonly ClickHouseHost[];
  readonly database: string;
  readonly cluster: string | undefined;
  readonly username: string;
  readonly password: string;
  readonly redacted: string;
}

const URL_FORM = 'clickhouse://user@host:8123[,host2:8123…]/database?cluster=NAME';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isClickHouseUrl(target: string): boolean {
  return /^clickhouse:\/\//i.test(target);
}

function redact(url: string): string {
  return url.replace(/^(clickhouse:\/\/[^:@/]*):[^@/]*@/i, '$1@');
}

export function clickHouseTarget(url: string): ClickHouseTarget {
  const redacted = redact(url);
  const fail = (why: string): never => {
    throw new StoreError('BAD_SETTING', `not a ClickHouse store URL: ${redacted} (${why}; expected ${URL_FORM})`);
  };
  const m = /^clickhouse:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(url);
  if (!m) return fail('unreadable');
  const [, user, password, hostList, db, query] = m;
  const hosts = (hostList as string).split(',').map((part) => {
    const hm = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(part);
    if (!hm) return fail(`host ${JSON.stringify(part)} is not host or host:port`);
    const port = hm[2] === undefined ? 8123 : Number(hm[2]);
    if (port < 1 || port > 65535) return fail(`port ${port} is out of range`);
    return { host: hm[1] as string, port };
  });
  const database = decodeURIComponent(db ?? '') || 'default';
  if (!IDENT.test(database)) fail(`database name ${JSON.stringify(database)} is not a plain identifier`);
  const params = new URLSearchParams(query ?? '');
  for (const key of params.keys()) if (key !== 'cluster') fail(`unknown option ${JSON.stringify(key)}`);
  const cluster = params.get('cluster') ?? undefined;
  if (cluster !== undefined && !IDENT.test(cluster)) fail(`cluster name ${JSON.stringify(cluster)} is not a plain identifier`);
  if (cluster === undefined && hosts.length > 1) fail('several hosts need ?cluster=NAME, the remote_servers cluster they form');
  const seen = new Set(hosts.map((h) => `${h.host}:${h.port}`));
  if (seen.size !== hosts.length) fail('a host is listed twice');
  return {
    hosts,
    database,
    cluster,
    username: decodeURIComponent(user ?? '') || 'default',
    password: decodeURIComponent(password ?? ''),
    redacted,
  };
}

/** The HTTP URL of one host. */
export function hostUrl(h: ClickHouseHost): string {
  return `http://${h.host}:${h.port}`;
}

/**
 * `--db clickhouse://…` with `--ops-db postgres://…`: the analytics store in ClickHouse, the
 * operational records (campaigns, ledger, accounts, audit) in PostgreSQL. Both or neither: a
 * ClickHouse store has no transactions to keep those records in, and an --ops-db beside a
 * DuckDB or PostgreSQL store (which keep their own) would be ignored, so it is refused.
 */
export interface StorePair {
  readonly analytics: ClickHouseTarget;
  readonly ops: PostgresTarget;
}

export function storePair(db: string, opsDb: string | undefined): StorePair | undefined {
  if (!isClickHouseUrl(db)) {
    if (opsDb !== undefined && opsDb !== '') throw new StoreError('BAD_SETTING', '--ops-db is only for a ClickHouse store (--db clickhouse://…); DuckDB and PostgreSQL stores keep their operational records themselves');
    return undefined;
  }
  const analytics = clickHouseTarget(db);
  if (opsDb === undefined || opsDb === '') throw new StoreError('BAD_SETTING', `the ClickHouse store ${analytics.redacted} needs --ops-db postgres://… for its operational records (campaigns, ledger, accounts, audit)`);
  if (!isPostgresUrl(opsDb)) throw new StoreError('BAD_SETTING', '--ops-db must be a PostgreSQL URL (postgres://user@host:port/database)');
  return { analytics, ops: postgresTarget(opsDb) };
}
