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
});
