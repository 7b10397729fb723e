import { expect } from 'vitest';
import { describeEngineParity } from '../../store/engine-parity.ts';
import { loadHandChecked } from './test-fixture.ts';
import { churnTotals } from './churn-totals.ts';
import { churnReasons } from './churn-reasons.ts';
import { churnRegions } from './churn-regions.ts';

/** The hand-checked operator's churn reports, computed by every engine: the same JSON, byte for byte. */
await describeEngineParity(
  'churn reports',
  async (store) => {
    await loadHandChecked(store);
    const range = { from: '2024-01', to: '2024-05' };
    return JSON.stringify({
      totals: await churnTotals(store, range),
      reasons: await churnReasons(store, range),
      regions: await churnRegions(store, range),
    });
  },
  (json) => expect(JSON.parse(json).totals.rows).toHaveLength(5),
);
