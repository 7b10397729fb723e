import { createRequire } from 'node:module';
import type * as NodeApi from '@duckdb/node-api';

/**
 * @duckdb/node-api, loaded with require: it is CommonJS, and an ES import makes Node lex every
 * one of its ~100 files for their export names before the first statement runs (about 250 ms
 * of CPU at each CLI start, against ~100 ms for the require).
 */
const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof NodeApi;

export const { DOUBLE, DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBTypeId, VARCHAR } = api;
export type DuckDBConnection = NodeApi.DuckDBConnection;
export type DuckDBDataChunk = NodeApi.DuckDBDataChunk;
export type DuckDBInstance = NodeApi.DuckDBInstance;
export type DuckDBTypeId = NodeApi.DuckDBTypeId;
export type { DuckDBResultReader } from '@duckdb/node-api';
