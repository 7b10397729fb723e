import type { AnalyticsStore, ColumnSet, FileFormat, LoadStagedRequest, ParquetWriteRequest, Row, SqlValue, StageFileRequest, StoreAccess, StoreTx } from './port.ts';
import { StoreError } from './errors.ts';

/**
 * A bounded pool of sessions of one store (store.openSession: DuckDB connections of the same
 * instance, PostgreSQL server sessions), for a long-running reader such as the HTTP server: a
 * request leases a session, has it alone while it runs (use cases create temporary tables with
 * fixed names) and gives it back, instead of opening and closing a connection per request.
 *
 * Between two leases the session is cleaned: every temporary table or view it holds goes, but
 * the ones named in `keepTemporary` (the shadows of the kept derived tables, which a read-only
 * session builds for the data as it is and which stay right until the data changes). A lease
 * given back unhealthy (its request failed) closes its session instead. `retire()` is for a
 * change of the data: the sessions opened before it are closed as they come back, so a session's
 * shadows and the answers it keeps (kept-tables.ts counts the data once per read-only session)
 * never outlive the data they were made from.
 */
export interface SessionLease {
  readonly session: AnalyticsStore;
  /** The pool's epoch when the session was opened: older than `pool.epoch` means retired. */
  readonly epoch: number;
  /** Gives the session back (healthy: to be reused; not: closed). Idempotent. */
  release(healthy?: boolean): Promise<void>;
}

export interface SessionPoolOptions {
  /** Sessions open at most (leased and idle together). */
  readonly size: number;
  /** Access of the sessions (default 'read-only'; never wider than the store's). */
  readonly access?: StoreAccess;
  /** Temporary tables a session keeps between leases (lower-case names). */
  readonly keepTemporary?: readonly string[];
}

interface Pooled {
  readonly session: TrackedSession;
  readonly epoch: number;
}

const CREATES = /\bcreate\b/i;

/**
 * A pooled session as its leases see it: the session itself, noting whether a statement may have
 * created something (CREATE in its text, a staged file or column set), so that a lease that only
 * read (a cached answer, an authentication) is given back without the catalog query of the
 * clean-up.
 */
class TrackedSession implements AnalyticsStore {
  created = false;
  readonly engine: AnalyticsStore['engine'];
  readonly dialect: AnalyticsStore['dialect'];
  readonly location: string;
  readonly access: StoreAccess;

  constructor(readonly inner: AnalyticsStore) {
    this.engine = inner.engine;
    this.dialect = inner.dialect;
    this.location = inner.location;
    this.access = inner.access;
  }

  private note(sql: string): void {
    if (!this.created && CREATES.test(sql)) this.created = true;
  }

  private tracked(tx: StoreTx): StoreTx {
    return {
      run: (sql, params) => {
        this.note(sql);
        return tx.run(sql, params);
      },
      query: <T extends Row = Row>(sql: string, params?: readonly SqlValue[]) => {
        this.note(sql);
        return tx.query<T>(sql, params);
      },
    };
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<void> {
    this.note(sql);
    return this.inner.run(sql, params);
  }
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    this.note(sql);
    return this.inner.query<T>(sql, params);
  }
  migrate(): Promise<number> {
    return this.inner.migrate();
  }
  schemaVersion(): Promise<number> {
    return this.inner.schemaVersion();
  }
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(this.tracked(tx)));
  }
  stageFile(tx: StoreTx, request: StageFileRequest): Promise<number> {
    this.created = true;
    // The adapter runs the staging on its own session: hand it the inner one when given this wrapper.
    return this.inner.stageFile(tx === this ? this.inner : tx, request);
  }
  unstageFile(table: string): Promise<void> {
    return this.inner.unstageFile(table);
  }
  loadStaged(tx: StoreTx, request: LoadStagedRequest): Promise<number> {
    return this.inner.loadStaged(tx === this ? this.inner : tx, request);
  }
  writeParquet(request: ParquetWriteRequest): Promise<string> {
    this.created = true; // the request's shape may stage rows: clean up after it
    return this.inner.writeParquet(request);
  }
  describeFile(path: string, format: FileFormat): Promise<string[]> {
    return this.inner.describeFile(path, format);
  }
  queryColumns(sql: string, params?: readonly SqlValue[]): Promise<ColumnSet> {
    this.note(sql);
    return this.inner.queryColumns(sql, params);
  }
  stageColumns(table: string, set: ColumnSet): Promise<number> {
    this.created = true;
    return this.inner.stageColumns(table, set);
  }
  scratchDirectory(): string {
    return this.inner.scratchDirectory();
  }
  openSession(access?: StoreAccess): Promise<AnalyticsStore> {
    return this.inner.openSession(access);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Temporary tables and views of the session, by engine: what hygiene drops. */
function temporarySql(store: AnalyticsStore): string {
  return store.engine === 'duckdb'
    ? `SELECT table_name AS name, 'TABLE' AS kind FROM duckdb_tables() WHERE temporary
       UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal`
    : `SELECT c.relname AS name, CASE c.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END AS kind
       FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind IN ('r', 'v', 'p')`;
}

const closedError = () => new StoreError('STORE_UNREADABLE', 'the session pool is closed (the server is stopping)');

export class SessionPool {
  private readonly idle: Pooled[] = [];
  private readonly waiters: ((p: Pooled | Error) => void)[] = [];
  private open = 0;
  private epoch_ = 0;
  private closed = false;
  private readonly keep: ReadonlySet<string>;
  private readonly access: StoreAccess;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly options: SessionPoolOptions,
  ) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new StoreError('BAD_SETTING', `a session pool needs a size ≥ 1, got ${options.size}`);
    this.keep = new Set((options.keepTemporary ?? []).map((n) => n.toLowerCase()));
    this.access = options.access ?? 'read-only';
  }

  /** A session to itself until release; waits while `size` sessions are leased. */
  async acquire(): Promise<SessionLease> {
    if (this.closed) throw closedError();
    const pooled = await this.take();
    let released = false;
    return {
      session: pooled.session,
      epoch: pooled.epoch,
      release: async (healthy = true) => {
        if (released) return;
        released = true;
        await this.giveBack(pooled, healthy);
      },
    };
  }

  /** The sessions opened so far are not reused: idle ones close now, leased ones when given back. */
  retire(): void {
    this.epoch_++;
    const stale = this.idle.splice(0);
    for (const p of stale) void this.discard(p);
  }

  /** Moves at every retire(). */
  get epoch(): number {
    return this.epoch_;
  }

  stats(): { open: number; idle: number; leased: number; waiting: number } {
    return { open: this.open, idle: this.idle.length, leased: this.open - this.idle.length, waiting: this.waiters.length };
  }

  /** Closes the idle sessions and refuses new leases; leased sessions close when given back. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(closedError());
    await Promise.all(this.idle.splice(0).map((p) => this.discard(p)));
  }

  private async take(): Promise<Pooled> {
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.open < this.options.size) {
      this.open++;
      try {
        return { session: new TrackedSession(await this.store.openSession(this.access)), epoch: this.epoch_ };
      } catch (err) {
        this.open--;
        this.handOn();
        throw err;
      }
    }
    const next = await new Promise<Pooled | Error>((resolve) => this.waiters.push(resolve));
    if (next instanceof Error) throw next;
    return next;
  }

  private async giveBack(p: Pooled, healthy: boolean): Promise<void> {
    let keep = healthy && !this.closed && p.epoch === this.epoch_;
    if (keep) keep = await this.clean(p.session).then(
      () => true,
      () => false,
    );
    // Retired or closed while cleaning: do not hand it on.
    if (keep && !this.closed && p.epoch === this.epoch_) {
      const waiter = this.waiters.shift();
      if (waiter) waiter(p);
      else this.idle.push(p);
      return;
    }
    await this.discard(p);
  }

  /** Drops what the lease left behind: temporary tables and views but the kept shadows. */
  private async clean(tracked: TrackedSession): Promise<void> {
    if (!tracked.created) return;
    const session = tracked.inner;
    const left = await session.query<{ name: string; kind: string }>(temporarySql(session));
    for (const t of left) {
      if (this.keep.has(t.name.toLowerCase())) continue;
      const name = session.dialect.temporaryTable(t.name);
      await session.run(t.kind === 'VIEW' ? `DROP VIEW IF EXISTS ${name}` : `DROP TABLE IF EXISTS ${name}`);
    }
    tracked.created = false;
  }

  private async discard(p: Pooled): Promise<void> {
    this.open--;
    try {
      await p.session.close();
    } finally {
      this.handOn();
    }
  }

  /** A session slot came free: the next waiter gets a new session. */
  private handOn(): void {
    if (this.closed || this.waiters.length === 0 || this.open >= this.options.size) return;
    const waiter = this.waiters.shift() as (p: Pooled | Error) => void;
    this.open++;
    const epoch = this.epoch_;
    this.store.openSession(this.access).then(
      (session) => waiter({ session: new TrackedSession(session), epoch }),
      (err: unknown) => {
        this.open--;
        waiter(err instanceof Error ? err : new Error(String(err)));
        this.handOn();
      },
    );
  }
}
