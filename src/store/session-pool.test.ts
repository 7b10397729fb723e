import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from './port.ts';
import { SessionPool } from './session-pool.ts';
import { testEngines, type TestEngine } from './postgres/test-server.ts';

const engines: TestEngine[] = await testEngines();

const tick = () => new Promise((r) => setTimeout(r, 20));

describe.each(engines)('SessionPool on $name', (engine) => {
  let store: AnalyticsStore;
  beforeAll(async () => {
    if (engine.skip) return;
    store = await engine.open();
    await store.run('CREATE TABLE pool_probe (n INTEGER)');
    await store.run('INSERT INTO pool_probe VALUES (1)');
  });
  afterAll(async () => {
    await store?.close();
  });

  it.skipIf(engine.skip !== undefined)('bounds the sessions: a lease past the size waits for a release, then gets the released session', async () => {
    const pool = new SessionPool(store, { size: 2 });
    try {
      const a = await pool.acquire();
      const b = await pool.acquire();
      expect(a.session).not.toBe(b.session);
      expect(a.session.access).toBe('read-only');
      let got: AnalyticsStore | undefined;
      const c = pool.acquire().then((l) => {
        got = l.session;
        return l;
      });
      await tick();
      expect(got).toBeUndefined();
      expect(pool.stats()).toMatchObject({ open: 2, leased: 2, waiting: 1 });
      await a.release();
      const lc = await c;
      expect(got).toBe(a.session);
      expect(got?.access).toBe('read-only');
      expect(await lc.session.query('SELECT count(*) AS n FROM pool_probe')).toEqual([{ n: 1 }]);
      await lc.release();
      await b.release();
      expect(pool.stats()).toMatchObject({ open: 2, idle: 2, leased: 0 });
    } finally {
      await pool.close();
    }
    expect(pool.stats().open).toBe(0);
  });

  it.skipIf(engine.skip !== undefined)('cleans a session between leases: temporary tables go, the kept shadows stay', async () => {
    const pool = new SessionPool(store, { size: 1, keepTemporary: ['kept_shadow'] });
    try {
      const first = await pool.acquire();
      const s = first.session;
      for (const stmt of s.dialect.createTempTableAs('scratch_rows', 'SELECT 1 AS v')) await s.run(stmt);
      for (const stmt of s.dialect.createTempTableAs('kept_shadow', 'SELECT 2 AS v')) await s.run(stmt);
      await first.release();
      const second = await pool.acquire();
      expect(second.session).toBe(s);
      const exists = async (name: string) => Number((await s.query<{ n: number }>(s.dialect.temporaryTableExistsSql, [name]))[0]?.n ?? 0);
      expect(await exists('scratch_rows')).toBe(0);
      expect(await exists('kept_shadow')).toBe(1);
      // Made inside a transaction too: the clean-up sees it.
      await s.transaction(async (tx) => {
        for (const stmt of s.dialect.createTempTableAs('tx_rows', 'SELECT 3 AS v')) await tx.run(stmt);
      });
      await second.release();
      const third = await pool.acquire();
      expect(await exists('tx_rows')).toBe(0);
      await third.release();
    } finally {
      await pool.close();
    }
  });

  it.skipIf(engine.skip !== undefined)('closes a session given back unhealthy and, after retire(), every session opened before', async () => {
    const pool = new SessionPool(store, { size: 2 });
    try {
      const a = await pool.acquire();
      await a.release(false);
      expect(pool.stats().open).toBe(0);
      const b = await pool.acquire();
      expect(b.session).not.toBe(a.session);
      const c = await pool.acquire();
      await c.release();
      pool.retire();
      await tick();
      expect(pool.stats()).toMatchObject({ open: 1, idle: 0, leased: 1 });
      await b.release();
      expect(pool.stats().open).toBe(0);
      const d = await pool.acquire();
      expect([b.session, c.session]).not.toContain(d.session);
      await d.release();
      await d.release(); // idempotent
      expect(pool.stats()).toMatchObject({ open: 1, idle: 1 });
    } finally {
      await pool.close();
    }
  });
});
