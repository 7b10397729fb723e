import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../store/port.ts';
import { testEngines, type TestEngine } from '../store/postgres/test-server.ts';
import { changingData, dataGeneration } from './data-generation.ts';

const engines: TestEngine[] = await testEngines();

describe.each(engines)('the data generation on $name', (engine) => {
  let store: AnalyticsStore;
  beforeAll(async () => {
    if (engine.skip) return;
    store = await engine.open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it.skipIf(engine.skip !== undefined)('starts at 0 with an empty table, moves by one per change, and not when the change rolls back', async () => {
    expect(await dataGeneration(store)).toBe(0);
    expect(await store.query('SELECT count(*) AS n FROM data_generation')).toEqual([{ n: 0 }]);
    await changingData(store, 'import', async () => undefined);
    expect(await dataGeneration(store)).toBe(1);
    await changingData(store, 'score', async () => undefined);
    expect(await dataGeneration(store)).toBe(2);
    await expect(
      changingData(store, 'import', async () => {
        throw new Error('failed half-way');
      }),
    ).rejects.toThrow('failed half-way');
    expect(await dataGeneration(store)).toBe(2);
    expect(await store.query('SELECT count(*) AS n FROM data_generation')).toEqual([{ n: 1 }]);
  });
});
