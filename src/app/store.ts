/**
 * The store as the transports (cli/, api/) see it: which store `--db` / $TENURE_DB names, opening
 * it for a use case, the engine limits a command line sets, and the store's own error. The
 * transports never import store/ directly (the layer rule in scripts/eslint/layers.js); what they
 * may reach of it is listed here, once.
 */
export { DEFAULT_DB, openStore, type OpenStoreOptions, storeTarget } from '../store/open.ts';
export type { AnalyticsStore, Row, SqlValue, StoreAccess } from '../store/port.ts';
export { StoreError } from '../store/errors.ts';
export { setEngineFlags } from '../store/duckdb/settings.ts';
