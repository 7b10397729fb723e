import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../store/port.ts';
import { memoryStore, addCustomers } from '../lifecycle/test-store.ts';
import { pointRead, RowLocator } from './row-locator.ts';

describe('RowLocator', () => {
  let store: AnalyticsStore;
  beforeAll(async () => {
    store = await memoryStore();
    await addCustomers(store, ['A', 'B', 'C'].map((id) => ({ id, joined: '2024-01-15' })));
    await store.run(`CREATE TABLE located_probe (customer_id VARCHAR, k INTEGER, v VARCHAR)`);
    await store.run(`INSERT INTO located_probe VALUES ('B', 2, 'b2'), ('A', 1, 'a1'), ('B', 1, 'b1'), ('C', 9, 'other'), ('B', 3, 'filtered')`);
  });
  afterAll(async () => {
    await store?.close();
  });

  const read = (locator: RowLocator | null, id: string) => pointRead<{ k: number; v: string }>(store, locator, { table: 'located_probe', where: 'k < $2', params: [id, 3], orderBy: 'k' });

  it('finds the same rows as the plain filter, in the same order, and none for a customer without rows', async () => {
    const locator = await RowLocator.make(store, [{ table: 'located_probe', where: { sql: 'k < $1', params: [3] } }]);
    expect(locator).not.toBeNull();
    expect(locator?.rowids('located_probe', 'B')).toHaveLength(2);
    for (const id of ['A', 'B', 'C']) expect(await read(locator, id)).toEqual(await read(null, id));
    expect(await read(locator, 'B')).toEqual([{ customer_id: 'B', k: 1, v: 'b1' }, { customer_id: 'B', k: 2, v: 'b2' }]);
    expect(await read(locator, 'C')).toEqual([]);
    // An id the locator never saw: the plain filter answers.
    expect(locator?.rowids('located_probe', 'Z')).toBeUndefined();
    expect(await read(locator, 'Z')).toEqual([]);
  });

  it('falls back to the plain filter when the rows moved since it was made', async () => {
    const locator = await RowLocator.make(store, [{ table: 'located_probe', where: { sql: 'k < $1', params: [3] } }]);
    // Rewritten: new rowids, and one more row for A.
    await store.run(`CREATE TABLE located_copy AS SELECT * FROM located_probe ORDER BY customer_id DESC`);
    await store.run(`DELETE FROM located_probe`);
    await store.run(`INSERT INTO located_probe SELECT * FROM located_copy`);
    await store.run(`INSERT INTO located_probe VALUES ('A', 0, 'a0')`);
    expect(await read(locator, 'A')).toEqual([{ customer_id: 'A', k: 0, v: 'a0' }, { customer_id: 'A', k: 1, v: 'a1' }]);
    expect(await read(locator, 'B')).toEqual(await read(null, 'B'));
  });

  it('reads a ranged table (customer order) through its first and last rowid, filtered and sorted as the plain query', async () => {
    await store.run(`CREATE TABLE ranged_probe (customer_id VARCHAR, month DATE, v INTEGER)`);
    await store.run(`INSERT INTO ranged_probe VALUES ('A', '2024-02-01', 2), ('A', '2024-01-01', 1), ('A', '2024-03-01', 3), ('B', '2024-01-01', 10), ('B', '2024-05-01', 50)`);
    const locator = await RowLocator.make(store, [{ table: 'customers' }, { table: 'ranged_probe', range: true }], { warm: true });
    expect(locator?.range('ranged_probe', 'A')).toEqual({ first: 0, last: 2, count: 3 });
    expect(locator?.range('ranged_probe', 'C')).toEqual({ first: 0, last: 0, count: 0 });
    const q = (l: RowLocator | null, id: string) =>
      pointRead<{ month: string; v: number }>(store, l, {
        table: 'ranged_probe',
        where: 'month < CAST($2 AS DATE)',
        params: [id, '2024-03-01'],
        orderBy: 'month',
        keep: (r) => String(r.month) < '2024-03-01',
        sort: (a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0),
      });
    for (const id of ['A', 'B', 'C']) expect(await q(locator, id)).toEqual(await q(null, id));
    expect((await q(locator, 'A')).map((r) => r.v)).toEqual([1, 2]);
    // Rewritten in another order with one more row of A: the range no longer holds A's rows, the plain filter answers.
    await store.run(`CREATE TABLE ranged_copy AS SELECT * FROM ranged_probe ORDER BY customer_id DESC`);
    await store.run(`DELETE FROM ranged_probe`);
    await store.run(`INSERT INTO ranged_probe SELECT * FROM ranged_copy`);
    await store.run(`INSERT INTO ranged_probe VALUES ('A', '2023-12-01', 0)`);
    expect((await q(locator, 'A')).map((r) => r.v)).toEqual([0, 1, 2]);
  });

  it('checks a located row against `keep` and falls back when a row no longer passes it', async () => {
    await store.run(`CREATE TABLE kept_probe (customer_id VARCHAR, k INTEGER, v VARCHAR)`);
    await store.run(`INSERT INTO kept_probe VALUES ('A', 1, 'a1'), ('A', 5, 'a5'), ('B', 2, 'b2')`);
    const locator = await RowLocator.make(store, [{ table: 'kept_probe', where: { sql: 'k < $1', params: [3] } }]);
    const q = (l: RowLocator | null) => pointRead<{ k: number; v: string }>(store, l, { table: 'kept_probe', columns: 'customer_id, k, v', where: 'k < $2', params: ['A', 3], keep: (r) => r.k < 3 });
    expect(await q(locator)).toEqual([{ customer_id: 'A', k: 1, v: 'a1' }]);
    // The located row changed so that it no longer passes: the plain filter answers (none).
    await store.run(`UPDATE kept_probe SET k = 7 WHERE v = 'a1'`);
    expect(await q(locator)).toEqual([]);
    expect(await q(null)).toEqual([]);
  });
});
