import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from './port.ts';
import { testEngines, type TestEngine } from './postgres/test-server.ts';

/**
 * openSession: a second connection of one store, as the HTTP server gives each request. Tables
 * are shared, temporary tables and transactions are not, and closing a session leaves the store.
 */
const engines: TestEngine[] = await testEngines();

describe.each(engines)('openSession on $name', (engine) => {
  let store: AnalyticsStore;
  beforeAll(async () => {
    if (engine.skip) return;
    store = await engine.open();
    await store.run('CREATE TABLE session_probe (n INTEGER)');
    await store.run('INSERT INTO session_probe VALUES (1), (2)');
  });
  afterAll(async () => {
    await store?.close();
  });

  it.skipIf(engine.skip !== undefined)('sees the shared tables, keeps its temporary tables to itself and closes alone', async () => {
    const a = await store.openSession('read-only');
    const b = await store.openSession();
    try {
      expect(a.access).toBe('read-only');
      expect(b.access).toBe('read-write');
      expect(a.engine).toBe(store.engine);
      expect(await a.query('SELECT count(*) AS n FROM session_probe')).toEqual([{ n: 2 }]);
      // The same temporary name in two sessions at once: each sees its own rows.
      for (const stmt of a.dialect.createTempTableAs('fixed_name', 'SELECT 1 AS v')) await a.run(stmt);
      for (const stmt of b.dialect.createTempTableAs('fixed_name', 'SELECT 2 AS v')) await b.run(stmt);
      expect(await a.query('SELECT v FROM fixed_name')).toEqual([{ v: 1 }]);
      expect(await b.query('SELECT v FROM fixed_name')).toEqual([{ v: 2 }]);
      // A write committed by one session is seen by another.
      await b.transaction((tx) => tx.run('INSERT INTO session_probe VALUES (3)'));
      expect(await a.query('SELECT count(*) AS n FROM session_probe')).toEqual([{ n: 3 }]);
    } finally {
      await a.close();
      await b.close();
    }
    expect(await store.query('SELECT count(*) AS n FROM session_probe')).toEqual([{ n: 3 }]);
  });

  it.skipIf(engine.skip !== undefined)('never widens access: a read-only session opens no read-write one', async () => {
    const ro = await store.openSession('read-only');
    try {
      await expect(ro.openSession('read-write')).rejects.toMatchObject({ code: 'READ_ONLY' });
      const again = await ro.openSession();
      expect(again.access).toBe('read-only');
      await again.close();
    } finally {
      await ro.close();
    }
  });
});
