import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { writeDemoDataset } from '../demo/write-dataset.ts';
import { importDataset } from '../import/import-dataset.ts';
import { churnReportJson } from '../reports/catalogue.ts';
import { customer360 } from '../customer/customer360.ts';
import { dataGeneration } from '../data-generation.ts';
import { ResultCache } from './result-cache.ts';
import { Serving } from './serving.ts';
import { addMonths } from '../../domain/month.ts';

describe('ResultCache', () => {
  it('computes a key once for concurrent callers, keeps the most recently used within its capacity, forgets failures', async () => {
    const cache = new ResultCache(2);
    let runs = 0;
    const slow = (v: number) => async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 10));
      return v;
    };
    expect(await Promise.all([cache.get('a', slow(1)), cache.get('a', slow(2)), cache.get('a', slow(3))])).toEqual([1, 1, 1]);
    expect(runs).toBe(1);
    await cache.get('b', slow(2));
    await cache.get('a', slow(9)); // a is now the most recent
    await cache.get('c', slow(3)); // evicts b
    expect(cache.size).toBe(2);
    expect(await cache.get('a', slow(99))).toBe(1);
    expect(await cache.get('b', slow(22))).toBe(22);
    await expect(cache.get('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.get('x', slow(5))).toBe(5);
    cache.prune((k) => k === 'x');
    expect(cache.size).toBe(1);
  });
});

describe('Serving over a store that a writer changes', () => {
  const root = mkdtempSync(join(tmpdir(), 'tenure-serving-'));
  let store: DuckDBStore;
  let serving: Serving;
  let writes: Promise<unknown> = Promise.resolve();
  const write = <T>(fn: (s: DuckDBStore) => Promise<T>): Promise<T> => {
    const next = writes.then(() => fn(store)).finally(() => serving.dataChanged());
    writes = next.catch(() => undefined);
    return next;
  };
  const first = join(root, 'first');
  const second = join(root, 'second');

  beforeAll(async () => {
    await writeDemoDataset({ outDir: first, customers: 300, months: 12, seed: 3, profile: 'mixed' });
    await writeDemoDataset({ outDir: second, customers: 600, months: 12, seed: 4, profile: 'mixed' });
    store = await DuckDBStore.open(':memory:', { readableDirectories: [first, second] });
    await importDataset(store, first);
    // A long staleness allowance: only the server's own write may make it look again.
    serving = new Serving(store, { sessions: 2, generationCheckMs: 3_600_000, write: write as never });
  }, 120_000);
  afterAll(async () => {
    await serving?.close();
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const report = async () => {
    const lease = await serving.lease();
    try {
      return { generation: lease.generation, rows: await serving.memo(lease, 'report', 'churn-totals', (s) => churnReportJson(s, 'churn-totals', { lang: 'en' }, 'CNY')) };
    } finally {
      await lease.release();
    }
  };

  it('answers a repeated report from the cache, and the next report after an import through the writer from the new data', async () => {
    const before = await report();
    expect(before.generation).toBe(await dataGeneration(store));
    // Kept: the same array object comes back.
    expect((await report()).rows).toBe(before.rows);

    const imported = await write((s) => importDataset(s, second));
    expect(imported.files.some((f) => f.status === 'loaded')).toBe(true);
    const after = await report();
    expect(after.generation).toBeGreaterThan(before.generation);
    expect(after.rows).not.toEqual(before.rows);
    // What a fresh session computes from the data now.
    const fresh = await store.openSession('read-only');
    try {
      expect(after.rows).toEqual(await churnReportJson(fresh, 'churn-totals', { lang: 'en' }, 'CNY'));
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it('retires the sessions of the older data, and builds the NBA context of the new generation while serving the old one', async () => {
    const a = await serving.lease();
    const ctxBefore = await serving.nbaContext(a);
    expect(ctxBefore.store).toBe(a.session);
    const oldSession = a.session;
    await a.release();
    const g = serving.stats().generation;

    await write((s) => importDataset(s, first));
    const b = await serving.lease();
    try {
      expect(b.generation).toBeGreaterThan(g as number);
      expect(b.session).not.toBe(oldSession);
      // The old context answers at once (its facts, this lease's session) while the new one builds.
      const served = await serving.nbaContext(b);
      expect(served.store).toBe(b.session);
      for (let i = 0; i < 600 && serving.stats().nba !== b.generation; i++) await new Promise((r) => setTimeout(r, 50));
      expect(serving.stats().nba).toBe(b.generation);
    } finally {
      await b.release();
    }
  }, 120_000);

  it('gives the 360 the same view with the kept base (point reads) as without it', async () => {
    const lease = await serving.lease();
    try {
      // Churned customers (an event), the most interactions (more than the 20 shown), scored ones, and some others.
      const ids = (
        await lease.session.query<{ id: string }>(
          `(SELECT customer_id AS id FROM churn_events ORDER BY customer_id LIMIT 5)
           UNION (SELECT customer_id FROM interactions GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 5)
           UNION (SELECT customer_id FROM customers ORDER BY customer_id LIMIT 5)`,
        )
      ).map((r) => r.id);
      expect(ids.length).toBeGreaterThan(10);
      const base = await serving.customer360Base(lease, undefined);
      expect(base?.locator).toBeTruthy();
      const fresh = await store.openSession('read-only');
      try {
        for (const id of ids) {
          // Asked per call, as a route does: a base of an earlier month may have kept history rows the latest one must see.
          const latest = await serving.customer360Base(lease, undefined);
          const located = await customer360(lease.session, { customerId: id }, latest ?? undefined);
          expect(located).toEqual(await customer360(fresh, { customerId: id }));
          // An earlier month: the point reads' filters follow it.
          const month = addMonths(located.as_of, -3);
          const earlier = await serving.customer360Base(lease, month);
          expect(await customer360(lease.session, { customerId: id, asOf: month }, earlier ?? undefined)).toEqual(await customer360(fresh, { customerId: id, asOf: month }));
        }
      } finally {
        await fresh.close();
      }
    } finally {
      await lease.release();
    }
  }, 120_000);
  it('computes a prefetched result at warm-up and again at a new generation, answering with the older one meanwhile', async () => {
    let runs = 0;
    let gate: Promise<void> = Promise.resolve();
    serving.prefetch('report', 'prefetched totals', async (s) => {
      runs++;
      await gate;
      return churnReportJson(s, 'churn-totals', { lang: 'zh' }, 'CNY');
    });
    await serving.warm();
    expect(runs).toBe(1);
    const read = async () => {
      const lease = await serving.lease();
      try {
        return { generation: lease.generation, rows: await serving.memo(lease, 'report', 'prefetched totals', () => Promise.reject(new Error('computed by the request'))) };
      } finally {
        await lease.release();
      }
    };
    const before = await read();
    expect(runs).toBe(1);
    // The next generation's computation waits on the gate: meanwhile the older rows answer.
    let open = () => undefined as void;
    gate = new Promise<void>((r) => (open = r));
    await write((s) => importDataset(s, second));
    const during = await read();
    expect(during.generation).toBeGreaterThan(before.generation);
    expect(during.rows).toBe(before.rows);
    open();
    for (let i = 0; i < 600 && runs < 2; i++) await new Promise((r) => setTimeout(r, 50));
    let after = await read();
    for (let i = 0; i < 600 && after.rows === before.rows; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await read();
    }
    expect(runs).toBe(2);
    expect(after.rows).not.toEqual(before.rows);
  }, 180_000);
});
