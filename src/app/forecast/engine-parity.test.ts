import { expect } from 'vitest';
import { describeEngineParity } from '../../store/engine-parity.ts';
import { loadMixedOperator } from '../lifecycle/test-store.ts';
import { forecastChurnFromStore } from './churn-forecast.ts';

/** The churn forecast of a small mixed operator (with its backtest and by province), on every engine: the same JSON, byte for byte. */
await describeEngineParity(
  'churn forecast',
  async (store) => {
    await loadMixedOperator(store);
    return JSON.stringify({
      forecast: await forecastChurnFromStore(store, { horizon: 3 }),
      byProvince: await forecastChurnFromStore(store, { horizon: 2, backtest: 2, byProvince: true }),
    });
  },
  (json) => expect(json.length).toBeGreaterThan(500),
);
