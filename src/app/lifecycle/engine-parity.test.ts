import { expect } from 'vitest';
import { describeEngineParity } from '../../store/engine-parity.ts';
import { lifecycleSnapshot } from './lifecycle.ts';
import { lifecycleTransitions } from './transitions.ts';
import { loadMixedOperator } from './test-store.ts';

/** A small mixed operator (test-store.ts), the same rows on every engine: the lifecycle snapshot and transitions JSON must be identical. */
await describeEngineParity(
  'lifecycle',
  async (store) => {
    await loadMixedOperator(store);
    return JSON.stringify({
      snapshot: await lifecycleSnapshot(store, { asOf: '2024-12' }),
      mid: await lifecycleSnapshot(store, { asOf: '2024-07' }),
      transitions: await lifecycleTransitions(store, { from: '2024-06', to: '2024-12' }),
    });
  },
  (json) => expect(JSON.parse(json).snapshot.stages.C).toBeGreaterThan(0),
);
