import { expect } from 'vitest';
import { describeEngineParity } from '../../store/engine-parity.ts';
import { loadMixedOperator } from '../lifecycle/test-store.ts';
import { customerValue } from './customer-value.ts';

/** The value report of a small mixed operator, computed by every engine: the same JSON, byte for byte. */
await describeEngineParity(
  'value',
  async (store) => {
    await loadMixedOperator(store);
    return JSON.stringify({ dec: await customerValue(store, { asOf: '2024-12' }), jul: await customerValue(store, { asOf: '2024-07' }) });
  },
  (json) => expect(json.length).toBeGreaterThan(500),
);
