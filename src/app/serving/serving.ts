/**
 * Long-lived state of a server over one store (issue 15's load figure): a bounded pool of read
 * sessions and what the use cases derive from the whole base, kept until the data changes.
 *
 * Validity is the store's data generation (app/data-generation.ts): read through a request's
 * session at most every `generationCheckMs` (and at once after the server's own writes,
 * `dataChanged()`). When it moves, the results of the older generation go, the pooled sessions
 * are retired (their temporary shadows and per-session answers were made from the old data) and
 * the next-best-action context is rebuilt in the background while the old one keeps answering.
 *
 * How a route uses it (src/api): `const lease = await c.get('lease')()` gives the request's
 * session and the generation it reads; then
 *   - a result that depends only on the data and the request's parameters:
 *     `serving.memo(lease, 'my-route', JSON.stringify(params), (session) => useCase(session, params))`
 *     (a bounded LRU; concurrent misses of one key compute once; errors are not kept). Do not
 *     memo what depends on data the generation does not follow (accounts, audit, campaign members
 *     recorded per call, points): read those live.
 *   - the NBA context: `serving.nbaContext(lease)`; the 360 base of a month: `serving.customer360Base(lease, asOf)`.
 *   - the caller behind a session cookie or token: `serving.principal(kind, secret, load)` (the auth
 *     middleware), kept until the accounts move (read with the generation: at once after the
 *     server's own writes, within `generationCheckMs` after another process's), a short TTL or
 *     the session's or token's expiry, whichever comes first.
 */
import { createHash } from 'node:crypto';
import type { AnalyticsStore } from '../../store/port.ts';
import { accountsFingerprint, type Principal } from '../auth/accounts.ts';
import { SessionPool, type SessionLease } from '../../store/session-pool.ts';
import { DERIVED_TABLE_NAMES } from '../../store/schema.ts';
import { dataGeneration } from '../data-generation.ts';
import { nbaContext as makeNbaContext, type NbaContext } from '../nba/nba.ts';
import { customer360Base as makeCustomer360Base, reasonCodeTexts, type Customer360Base } from '../customer/customer360.ts';
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from '../../domain/care/contact-policy.ts';
import { operatorTimezone } from '../import/import-dataset.ts';
import { dataSpan } from '../data-span.ts';
import { ensureValueSnapshot, SNAPSHOT_TABLE } from '../value/value-snapshot.ts';
import { HISTORY_TABLE } from '../lifecycle/history-store.ts';
import { RowLocator } from '../customer/row-locator.ts';
import { addMonths } from '../../domain/month.ts';
import { baseSbg, DEFAULT_VALUE_PARAMETERS } from '../value/customer-value.ts';
import { ResultCache } from './result-cache.ts';

export interface ServingOptions {
  /** Read sessions open at once (default 8); more requests wait for one. */
  readonly sessions?: number;
  /** How stale the known generation may be before a request reads it again, in ms (default 500). */
  readonly generationCheckMs?: number;
  /** Results kept (default 256, across every kind). */
  readonly results?: number;
  /**
   * The server's writer, one write at a time: derived tables the whole base shares (value
   * snapshot, stage history) are kept through it, so every pooled session reads them. Without it
   * each session derives its own (into its temporary shadows).
   */
  readonly write?: <T>(fn: (store: AnalyticsStore) => Promise<T>) => Promise<T>;
  readonly nba?: { readonly policy: ContactPolicy; readonly timezone: string };
  readonly log?: (entry: Record<string, unknown>) => void;
  readonly now?: () => number;
  /** Principals (sessions, tokens) kept between requests (default 10 000; 0: read every request). */
  readonly principals?: number;
  /** How long a kept principal is trusted without reading its session or token again, in ms (default 30 s). */
  readonly principalTtlMs?: number;
}

/** A request's session, had alone until release, and the data generation it reads. */
export interface ServingLease {
  readonly session: AnalyticsStore;
  readonly generation: number;
  release(healthy?: boolean): Promise<void>;
}

interface NbaState {
  readonly generation: number;
  readonly context: NbaContext;
}

export class Serving {
  private readonly pool: SessionPool;
  private readonly results: ResultCache;
  private readonly now: () => number;
  private readonly checkMs: number;
  private known: number | undefined;
  private checkedAt = 0;
  private dirty = false;
  private checking: Promise<number> | undefined;
  private nba: NbaState | undefined;
  private nbaBuild: { generation: number; promise: Promise<NbaState> } | undefined;
  private closed = false;
  /** The accounts' fingerprint as last read (undefined: unknown, nothing is kept). */
  private accounts: string | undefined;
  /** Results computed before anyone asks them, at warm() and at every new generation (`prefetch`). */
  private readonly prefetched = new Map<string, { readonly kind: string; readonly key: string; readonly compute: (session: AnalyticsStore) => Promise<unknown> }>();
  /** The latest value of each prefetched result and its generation: what answers while a newer one is computed. */
  private prefetchRun: Promise<void> = Promise.resolve();
  /** The generation whose prefetched results are being computed now. */
  private prefetching: number | undefined;
  private readonly latest = new Map<string, { readonly generation: number; readonly value: unknown }>();
  private readonly principals = new Map<string, { readonly principal: Principal; readonly until: number; readonly accounts: string }>();

  constructor(
    private readonly store: AnalyticsStore,
    private readonly options: ServingOptions = {},
  ) {
    this.pool = new SessionPool(store, { size: options.sessions ?? 8, access: 'read-only', keepTemporary: DERIVED_TABLE_NAMES });
    this.results = new ResultCache(options.results ?? 256);
    this.now = options.now ?? (() => Date.now());
    this.checkMs = options.generationCheckMs ?? 500;
  }

  /** A pooled read session for one request, with the generation of the data it sees. */
  async lease(): Promise<ServingLease> {
    for (let attempt = 0; ; attempt++) {
      const l: SessionLease = await this.pool.acquire();
      let generation: number;
      try {
        generation = await this.generation(l.session);
      } catch (err) {
        await l.release(false);
        throw err;
      }
      // The data moved while this session was idle: it was retired, take a fresh one.
      if (l.epoch !== this.pool.epoch && attempt < 2) {
        await l.release();
        continue;
      }
      return { session: l.session, generation, release: (healthy) => l.release(healthy) };
    }
  }

  /** The server wrote: whatever it was, read the generation again at the next request. */
  dataChanged(): void {
    this.dirty = true;
  }

  /** A result of `kind` for `key` at the lease's generation, computed once on a miss. */
  memo<T>(lease: ServingLease, kind: string, key: string, compute: (session: AnalyticsStore) => Promise<T>): Promise<T> {
    const id = `${kind}\u0000${key}`;
    const full = `${lease.generation}\u0000${id}`;
    if (!this.prefetched.has(id)) return this.results.get(full, () => compute(lease.session));
    // A prefetched result: while the background prefetch computes this generation's (moved()),
    // the latest older value answers, as the NBA context does.
    const older = this.latest.get(id);
    if (older && older.generation < lease.generation && this.prefetching === lease.generation) return Promise.resolve(older.value as T);
    const made = this.results.get(full, () => compute(lease.session));
    made.then(
      (value) => {
        const now = this.latest.get(id);
        if (!now || now.generation <= lease.generation) this.latest.set(id, { generation: lease.generation, value });
      },
      () => undefined,
    );
    return made;
  }

  /**
   * Registers a result worth computing before anyone asks (the web console's dashboard reports):
   * it is computed at warm() and again in the background at every new data generation, and while
   * a newer generation's is computed, requests get the latest one there is.
   */
  prefetch(kind: string, key: string, compute: (session: AnalyticsStore) => Promise<unknown>): void {
    this.prefetched.set(`${kind}\u0000${key}`, { kind, key, compute });
  }

  /** Computes the prefetched results of the current generation on a lease of their own (one run at a time). */
  private prefetchAll(): Promise<void> {
    const run = this.prefetchRun.catch(() => undefined).then(() => this.prefetchNow());
    this.prefetchRun = run;
    return run;
  }

  private async prefetchNow(): Promise<void> {
    if (this.closed || this.prefetched.size === 0) return;
    const lease = await this.lease();
    this.prefetching = lease.generation;
    try {
      for (const p of this.prefetched.values()) {
        if (this.closed) break;
        const started = this.now();
        await this.computeInto(lease, p.kind, p.key, p.compute);
        this.options.log?.({ level: 'info', event: 'prefetch', generation: lease.generation, kind: p.kind, key: p.key, ms: this.now() - started });
      }
    } finally {
      if (this.prefetching === lease.generation) this.prefetching = undefined;
      await lease.release();
    }
  }

  /** The result at the lease's generation, waited for (a prefetch, never the older value). */
  private async computeInto(lease: ServingLease, kind: string, key: string, compute: (session: AnalyticsStore) => Promise<unknown>): Promise<void> {
    const id = `${kind}\u0000${key}`;
    const value = await this.results.get(`${lease.generation}\u0000${id}`, () => compute(lease.session));
    const now = this.latest.get(id);
    if (!now || now.generation <= lease.generation) this.latest.set(id, { generation: lease.generation, value });
  }

  /**
   * The next-best-action context with the whole base preloaded (nba.ts `preload`), answering on
   * the lease's session. Built once per generation in the background on a session of its own;
   * while a newer one builds, the older one answers.
   */
  async nbaContext(lease: ServingLease): Promise<NbaContext> {
    const have = this.nba;
    if (have?.generation !== lease.generation && this.nbaBuild?.generation !== lease.generation) this.buildNba(lease.generation);
    const state = have ?? (await (this.nbaBuild as { promise: Promise<NbaState> }).promise);
    return { ...state.context, store: lease.session };
  }

  /** Makes the NBA context and the latest month's 360 base of the current generation (a server calls it at start). */
  async warm(): Promise<void> {
    const lease = await this.lease();
    try {
      await Promise.all([this.nbaContext(lease), this.customer360Base(lease, undefined)]);
    } finally {
      await lease.release();
    }
    await this.prefetchAll();
  }

  /**
   * What every customer's 360 view at `asOf` shares, per generation; null when the server has
   * no writer to keep the derived tables through (the caller then calls customer360 alone).
   */
  async customer360Base(lease: ServingLease, asOf: string | undefined): Promise<Customer360Base | null> {
    const write = this.options.write;
    if (!write || this.store.access !== 'read-write') return null;
    return this.memo(lease, 'customer360-base', asOf ?? '', async (session) => {
      const started = this.now();
      const { base, value } = await write(async (store) => {
        const made = await makeCustomer360Base(store, asOf === undefined ? {} : { asOf });
        // Its value part now, inside the write: the writer's connection is not touched later.
        return { base: made, value: await made.value().then((v) => v, (err: unknown) => (err instanceof Error ? err : new Error(String(err)))) };
      });
      // Kept history rows of a new month: the other months' bases located that table without them.
      if ((base.staged ?? []).length > 0) {
        const mine = `${lease.generation}\u0000customer360-base\u0000${asOf ?? ''}`;
        this.results.prune((k) => k === mine || !k.startsWith(`${lease.generation}\u0000customer360-base\u0000`));
      }
      const month = `${base.asOf}-01`;
      // Where each customer's rows are, for the point reads of every later call (DuckDB; null elsewhere).
      const locator = await RowLocator.make(session, [
        { table: 'customers' },
        { table: 'subscriptions' },
        // Stored in customer order: each customer's run of rows (first and last rowid).
        { table: 'monthly_usage', range: true },
        // Stored in no customer order: a filter on the customer scans them.
        { table: 'interactions' },
        { table: 'churn_events' },
        { table: 'churn_scores' },
        { table: HISTORY_TABLE, where: { sql: 'rules_key = $1 AND as_of > CAST($2 AS DATE) AND as_of <= CAST($3 AS DATE)', params: [base.stageKey, `${addMonths(base.asOf, -base.historyMonths)}-01`, month] } },
        ...(value instanceof Error ? [] : [{ table: SNAPSHOT_TABLE, where: { sql: 'snapshot_key = $1 AND as_of = CAST($2 AS DATE)', params: [value.key, month] } }]),
      ], { warm: true });
      this.options.log?.({ level: 'info', event: 'customer360_base', generation: lease.generation, as_of: base.asOf, ms: this.now() - started });
      const reasonCodes = locator ? await reasonCodeTexts(session) : null;
      return { ...base, locator, reasonCodes, value: () => (value instanceof Error ? Promise.reject(value) : Promise.resolve(value)) };
    });
  }

  /**
   * The caller behind a session id or token, kept between requests: `load` reads it from the
   * store on a miss (null: refused, never kept). A kept one is dropped when the accounts'
   * fingerprint moves (a logout, a disabled user, a new password, a revoked token), after
   * `principalTtlMs`, and at the session's or token's own expiry. Call it after `lease()`, which
   * reads the fingerprint when the generation is due.
   */
  async principal(kind: 'session' | 'token', secret: string, load: () => Promise<Principal | null>): Promise<Principal | null> {
    const capacity = this.options.principals ?? 10_000;
    if (capacity <= 0) return load();
    const key = `${kind}:${createHash('sha256').update(secret).digest('hex')}`;
    const now = this.now();
    const hit = this.principals.get(key);
    if (hit) {
      this.principals.delete(key);
      if (hit.accounts === this.accounts && now < hit.until) {
        this.principals.set(key, hit);
        return hit.principal;
      }
    }
    const accounts = this.accounts;
    const principal = await load();
    // Kept only when the accounts did not move while it was read.
    if (principal && accounts !== undefined && accounts === this.accounts) {
      const until = Math.min(principal.expiresMs ?? now, now + (this.options.principalTtlMs ?? 30_000));
      if (until > now) {
        this.principals.set(key, { principal, until, accounts });
        while (this.principals.size > capacity) this.principals.delete(this.principals.keys().next().value as string);
      }
    }
    return principal;
  }

  stats(): { generation: number | undefined; results: number; sessions: ReturnType<SessionPool['stats']>; nba: number | undefined } {
    return { generation: this.known, results: this.results.size, sessions: this.pool.stats(), nba: this.nba?.generation };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.nbaBuild?.promise.catch(() => undefined);
    await this.prefetchRun.catch(() => undefined);
    await this.pool.close();
  }

  private generation(session: AnalyticsStore): Promise<number> {
    if (this.known !== undefined && !this.dirty && this.now() - this.checkedAt < this.checkMs) return Promise.resolve(this.known);
    this.checking ??= (async () => {
      this.dirty = false;
      try {
        const g = await dataGeneration(session);
        await this.readAccounts(session);
        this.checkedAt = this.now();
        if (g !== this.known) this.moved(g);
        return g;
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  /** The accounts' fingerprint: kept principals go when it moves (or cannot be read). */
  private async readAccounts(session: AnalyticsStore): Promise<void> {
    let fingerprint: string | undefined;
    try {
      fingerprint = await accountsFingerprint(session);
    } catch {
      fingerprint = undefined;
    }
    if (fingerprint === undefined || fingerprint !== this.accounts) this.principals.clear();
    this.accounts = fingerprint;
  }

  private moved(generation: number): void {
    const first = this.known === undefined;
    this.known = generation;
    if (first) return;
    this.options.log?.({ level: 'info', event: 'data_generation', generation });
    this.pool.retire();
    this.results.prune((key) => key.startsWith(`${generation}\u0000`));
    if (this.nba !== undefined || this.nbaBuild !== undefined) this.buildNba(generation);
    // In the background, after this request's check: the prefetched results of the new generation.
    if (this.prefetched.size > 0) {
      this.prefetching = generation;
      setImmediate(() => {
        this.prefetchAll().catch((err: unknown) => this.options.log?.({ level: 'error', event: 'prefetch', generation, error: err instanceof Error ? err.message : String(err) }));
      });
    }
  }

  /** One build at a time: a newer generation's waits for the running one. */
  private buildNba(generation: number): void {
    if (this.closed) return;
    const before = this.nbaBuild?.promise.catch(() => undefined);
    const promise = (async (): Promise<NbaState> => {
      await before;
      const started = this.now();
      const write = this.options.write;
      // Kept through the writer, the month's value snapshot is read by every session afterwards.
      if (write && this.store.access === 'read-write') {
        await write(async (s) => ensureValueSnapshot(s, (await dataSpan(s)).last, DEFAULT_VALUE_PARAMETERS, await baseSbg(s)));
      }
      const session = await this.store.openSession('read-only');
      try {
        const o = this.options.nba ?? { policy: DEFAULT_CONTACT_POLICY, timezone: operatorTimezone() };
        const context = await makeNbaContext(session, { policy: o.policy, timezone: o.timezone, preload: true });
        const state = { generation, context };
        if (!this.nba || this.nba.generation <= generation) this.nba = state;
        this.options.log?.({ level: 'info', event: 'nba_context', generation, ms: this.now() - started });
        return state;
      } finally {
        await session.close();
      }
    })();
    const build = { generation, promise };
    this.nbaBuild = build;
    promise.catch((err: unknown) => {
      this.options.log?.({ level: 'error', event: 'nba_context', generation, error: err instanceof Error ? err.message : String(err) });
      if (this.nbaBuild === build) this.nbaBuild = undefined;
    });
  }
}
