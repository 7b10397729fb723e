import { describe, expect, it } from 'vitest';
import { DuckDBStore } from '../store/duckdb/duckdb-store.ts';
import { applyMigration, SCHEMA_MIGRATIONS_DDL } from '../store/migrations-run.ts';
import type { AnalyticsStore } from '../store/port.ts';
import { PostgresStore } from '../store/postgres/postgres-store.ts';
import { freshDatabase, IN_CI, testServerProblem } from '../store/postgres/test-server.ts';
import { DERIVED_TABLE_NAMES, derivedColumns, MIGRATIONS, SCHEMA_VERSION } from '../store/schema.ts';
import { derivedTablesCurrent, refreshChurnBasis } from './reports/basis.ts';

/**
 * Issue 14.2: the derived tables are the migrations' (version 11). A store at every older
 * version migrates to the current one, with or without the tables an older build of the app
 * made itself: those of the current shape are adopted with their rows, those of another shape
 * are made anew; then the app fills them.
 */
const DERIVED_VERSION = MIGRATIONS.find((m) => m.description.startsWith('derived tables'))?.version ?? 0;

/** What the app created before version 11 (history-store.ts, value-snapshot.ts, basis.ts), with one row each; the churn basis in an older build's shape. */
const LEGACY = [
  `CREATE TABLE IF NOT EXISTS lifecycle_stage_history (rules_key VARCHAR, as_of DATE, customer_id VARCHAR, stage VARCHAR, rule VARCHAR, segment VARCHAR,
     tenure_months INTEGER, churned BOOLEAN, arpu_last3 DOUBLE PRECISION, arpu_prev3 DOUBLE PRECISION, usage_last3 DOUBLE PRECISION,
     usage_prev3 DOUBLE PRECISION, dormant_months INTEGER, peak_arpu3 DOUBLE PRECISION, segment_arpu_rank DOUBLE PRECISION,
     churn_risk DOUBLE PRECISION, revenue_m DOUBLE PRECISION, margin_m DOUBLE PRECISION, join_date DATE)`,
  `INSERT INTO lifecycle_stage_history (rules_key, as_of, customer_id, stage, arpu_last3) VALUES ('k', DATE '2024-06-01', 'C1', 'B', 12.5)`,
  'CREATE TABLE IF NOT EXISTS lifecycle_stage_runs (rules_key VARCHAR, as_of DATE, fingerprint VARCHAR, staged_at TIMESTAMP, customers BIGINT)',
  `INSERT INTO lifecycle_stage_runs VALUES ('k', DATE '2024-06-01', 'fp', current_timestamp, 1)`,
  `CREATE TABLE IF NOT EXISTS value_snapshot (snapshot_key VARCHAR, as_of DATE, customer_id VARCHAR, current_value DOUBLE PRECISION, up_buy DOUBLE PRECISION,
     cross_buy DOUBLE PRECISION, referral DOUBLE PRECISION, potential DOUBLE PRECISION, lifetime DOUBLE PRECISION, scored BOOLEAN, new_customer_value DOUBLE PRECISION)`,
  `INSERT INTO value_snapshot (snapshot_key, as_of, customer_id, current_value) VALUES ('k', DATE '2024-06-01', 'C1', 100.25)`,
  'CREATE TABLE IF NOT EXISTS value_snapshot_runs (snapshot_key VARCHAR, as_of DATE, fingerprint VARCHAR, new_customer_value DOUBLE PRECISION, computed_at TIMESTAMP)',
  `INSERT INTO value_snapshot_runs VALUES ('k', DATE '2024-06-01', 'fp', 3.5, current_timestamp)`,
  // An older build's basis (before the revenue basis columns n, s): dropped, made anew.
  "CREATE TABLE report_churn_basis AS SELECT 'C1' AS customer_id, DATE '2024-05-03' AS churn_date, 'voluntary' AS churn_type",
  "CREATE TABLE report_monthly_revenue AS SELECT DATE '2024-05-01' AS month, CAST(10 AS DECIMAL(38,6)) AS revenue",
  'CREATE TABLE IF NOT EXISTS report_derived_state (fingerprint VARCHAR)',
  "INSERT INTO report_derived_state VALUES ('v2:stale')",
];

const count = async (s: AnalyticsStore, table: string) => Number((await s.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

async function columnsOf(s: AnalyticsStore, table: string): Promise<string[]> {
  const rows = await s.query<{ c: string }>(
    `SELECT column_name AS c FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = current_schema() AND table_name = CAST($1 AS VARCHAR) ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.c);
}

async function checkMigration(store: AnalyticsStore & { migrate(): Promise<number>; schemaVersion(): Promise<number> }, from: number, legacy: boolean): Promise<void> {
  await store.run(SCHEMA_MIGRATIONS_DDL);
  for (const m of MIGRATIONS.filter((x) => x.version <= from)) await store.transaction((tx) => applyMigration(tx, m, store.dialect));
  if (legacy) for (const sql of LEGACY) await store.run(sql);
  expect(await store.migrate()).toBe(MIGRATIONS.filter((x) => x.version > from).length);
  expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
  for (const table of DERIVED_TABLE_NAMES) expect(await columnsOf(store, table), table).toEqual(derivedColumns(table, store.dialect).map(([n]) => n));
  // Kept rows of the current shape survive; the older basis and revenue tables' do too only when their shape is current.
  const kept = legacy ? 1 : 0;
  expect(await count(store, 'lifecycle_stage_history')).toBe(kept);
  expect(await count(store, 'lifecycle_stage_runs')).toBe(kept);
  expect(await count(store, 'value_snapshot')).toBe(kept);
  expect(await count(store, 'value_snapshot_runs')).toBe(kept);
  expect(await count(store, 'report_monthly_revenue')).toBe(kept);
  expect(await count(store, 'report_churn_basis')).toBe(0);
  if (legacy) expect(await store.query('SELECT customer_id, arpu_last3 FROM lifecycle_stage_history')).toEqual([{ customer_id: 'C1', arpu_last3: 12.5 }]);
  // The app fills the tables the migration made.
  expect(await derivedTablesCurrent(store)).toBe(false);
  await store.transaction((tx) => refreshChurnBasis(store, tx));
  expect(await derivedTablesCurrent(store)).toBe(true);
  expect(await count(store, 'report_derived_state')).toBe(1);
}

const cases = Array.from({ length: SCHEMA_VERSION }, (_, from) => [false, true].map((legacy) => ({ from: `v${from}`, version: from, legacy }))).flat().filter((c) => !c.legacy || (c.version >= 1 && c.version < DERIVED_VERSION));

describe(`the derived tables (migration ${DERIVED_VERSION})`, () => {
  it('are a migration of their own, the latest', () => {
    expect(DERIVED_VERSION).toBeGreaterThan(10);
    expect(DERIVED_TABLE_NAMES).toEqual(expect.arrayContaining(['report_churn_basis', 'lifecycle_stage_history', 'value_snapshot', 'report_derived_state']));
  });

  it.each(cases)('DuckDB: a store at $from (derived tables made by the app: $legacy) migrates to the current version', async ({ version, legacy }) => {
    const store = await DuckDBStore.open(':memory:', { migrate: false });
    try {
      await checkMigration(store, version, legacy);
    } finally {
      await store.close();
    }
  });

  describe('PostgreSQL', async () => {
    const problem = await testServerProblem();
    it.skipIf(problem !== undefined && !IN_CI).each(cases)(`a store at $from (derived tables made by the app: $legacy) migrates to the current version${problem ? ` (skipped: ${problem})` : ''}`, async ({ version, legacy }) => {
      if (problem) throw new Error(problem);
      const db = await freshDatabase();
      const store = await PostgresStore.open(db.url, { migrate: false });
      try {
        await checkMigration(store, version, legacy);
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
});
