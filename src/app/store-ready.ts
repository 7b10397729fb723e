import type { AnalyticsStore } from '../store/port.ts';
import { SCHEMA_VERSION } from '../store/schema.ts';

/** Whether a store answers and carries this build's schema (the server's readiness probe). */
export async function storeReady(store: AnalyticsStore): Promise<{ ready: boolean; schema_version: number | null; expected_version: number }> {
  try {
    const version = await store.schemaVersion();
    return { ready: version === SCHEMA_VERSION, schema_version: version, expected_version: SCHEMA_VERSION };
  } catch {
    return { ready: false, schema_version: null, expected_version: SCHEMA_VERSION };
  }
}
