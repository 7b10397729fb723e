import { CONTRACT_V2_FILES, DEFAULT_REASON_CODES, FILES, fileSpec, type FileSpec } from '../contract/spec.ts';
import type { StoreTx } from './port.ts';
import { DUCKDB_DIALECT, type Dialect } from './dialect.ts';
import { migrateToWideExtras } from './wide-extras.ts';

/**
 * Versioned schema. Tables and columns carry the contract's names; DDL is generated from
 * the contract spec, so a column is never described twice. Migrations are append-only:
 * never edit a released one, add the next version.
 */
export type { Dialect };
export { DUCKDB_DIALECT };

/** Columns the store adds to a contract table, derived at import. */
const DERIVED_COLUMNS: Partial<Record<FileSpec['name'], string[]>> = {
  customers: ['province VARCHAR', 'city VARCHAR', 'district VARCHAR'],
};

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function contractTableDdl(file: FileSpec, dialect: Dialect): string {
  const cols = file.columns.map((c) => `${quoteIdent(c.name)} ${dialect.types[c.kind]}`);
  cols.push(...(DERIVED_COLUMNS[file.name] ?? []));
  if (file.extras === 'attributes') cols.push('x_attributes VARCHAR'); // JSON object of x_ columns
  return `CREATE TABLE IF NOT EXISTS ${file.name} (${cols.join(', ')})`;
}

/** A table's columns: name and SQL type, in order. */
export type ColumnDefs = readonly (readonly [name: string, type: string])[];

/**
 * The derived tables the app keeps (rebuildable from the data, each guarded by a fingerprint of
 * the data it was built from): the reports' basis (app/reports/basis.ts), the lifecycle stage
 * history (app/lifecycle/history-store.ts) and the value snapshot (app/value/value-snapshot.ts).
 * Created by migration 11 in the shape below; the app only fills them (DELETE + INSERT … SELECT)
 * and, on a read-only store, shadows them with temporary tables of the same shape
 * (derivedTableDdl(…, temporary)). A change of shape is a new migration and a new constant: this
 * one stays what version 11 made.
 */
const DERIVED_TABLES_V11 = (d: Dialect): Record<string, ColumnDefs> => ({
  report_churn_basis: [
    ['customer_id', 'VARCHAR'], ['churn_date', 'DATE'], ['churn_month', 'DATE'], ['churn_type', 'VARCHAR'], ['reason_code', 'VARCHAR'],
    ['province', 'VARCHAR'], ['city', 'VARCHAR'], ['district', 'VARCHAR'], ['n', 'BIGINT'], ['s', 'DECIMAL(38,6)'],
  ],
  report_monthly_revenue: [['month', 'DATE'], ['revenue', 'DECIMAL(38,6)']],
  report_join_counts: [['province', 'VARCHAR'], ['city', 'VARCHAR'], ['district', 'VARCHAR'], ['join_month', 'DATE'], ['accounts', 'BIGINT']],
  report_derived_state: [['fingerprint', 'VARCHAR']],
  lifecycle_stage_history: [
    ['rules_key', 'VARCHAR'], ['as_of', 'DATE'], ['customer_id', 'VARCHAR'], ['stage', 'VARCHAR'], ['rule', 'VARCHAR'], ['segment', 'VARCHAR'],
    ['tenure_months', 'INTEGER'], ['churned', 'BOOLEAN'], ['arpu_last3', d.double], ['arpu_prev3', d.double], ['usage_last3', d.double],
    ['usage_prev3', d.double], ['dormant_months', 'INTEGER'], ['peak_arpu3', d.double], ['segment_arpu_rank', d.double], ['churn_risk', d.double],
    ['revenue_m', d.double], ['margin_m', d.double], ['join_date', 'DATE'],
  ],
  lifecycle_stage_runs: [['rules_key', 'VARCHAR'], ['as_of', 'DATE'], ['fingerprint', 'VARCHAR'], ['staged_at', 'TIMESTAMP'], ['customers', 'BIGINT']],
  value_snapshot: [
    ['snapshot_key', 'VARCHAR'], ['as_of', 'DATE'], ['customer_id', 'VARCHAR'], ['current_value', d.double], ['up_buy', d.double], ['cross_buy', d.double],
    ['referral', d.double], ['potential', d.double], ['lifetime', d.double], ['scored', 'BOOLEAN'], ['new_customer_value', d.double],
  ],
  value_snapshot_runs: [['snapshot_key', 'VARCHAR'], ['as_of', 'DATE'], ['fingerprint', 'VARCHAR'], ['new_customer_value', d.double], ['computed_at', 'TIMESTAMP']],
});

/** The derived tables' current shapes. */
export const DERIVED_TABLES = DERIVED_TABLES_V11;
export type DerivedTableName = keyof ReturnType<typeof DERIVED_TABLES>;
/** Names of the derived tables (not copied between stores: each store builds its own). */
export const DERIVED_TABLE_NAMES: readonly string[] = Object.keys(DERIVED_TABLES(DUCKDB_DIALECT));

/** The columns of a derived table, in order. */
export function derivedColumns(name: string, d: Dialect): ColumnDefs {
  const cols = DERIVED_TABLES(d)[name];
  if (!cols) throw new RangeError(`no derived table ${name}`);
  return cols;
}

/** CREATE TABLE IF NOT EXISTS of a derived table in its current shape; `temporary` for a read-only session's shadow. */
export function derivedTableDdl(name: string, d: Dialect, temporary = false): string {
  const cols = derivedColumns(name, d).map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ');
  return `CREATE ${temporary ? 'TEMP ' : ''}TABLE IF NOT EXISTS ${quoteIdent(name)} (${cols})`;
}

/** Column names of the store's own table `name` in order (none when it does not exist), on either engine. */
async function storedColumns(tx: StoreTx, name: string): Promise<string[]> {
  const rows = await tx.query<{ c: string }>(
    `SELECT column_name AS c FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = current_schema() AND table_name = CAST($1 AS VARCHAR)
     ORDER BY ordinal_position`,
    [name],
  );
  return rows.map((r) => r.c);
}

/**
 * Migration 11's data step: the derived tables the app used to create itself (CREATE TABLE AS,
 * CREATE TABLE IF NOT EXISTS) become the migration's. A store whose table already has the
 * columns of this version, by name and order, keeps it and its rows (their fingerprints still
 * decide whether they are current); one of another shape (an older build's) is dropped and
 * created anew: derived rows are rebuilt on first use, never lost data.
 */
async function adoptDerivedTables(tx: StoreTx, d: Dialect, tables: Record<string, ColumnDefs>): Promise<void> {
  for (const [name, cols] of Object.entries(tables)) {
    const have = await storedColumns(tx, name);
    if (have.length > 0 && have.join('\u0000') !== cols.map(([n]) => n).join('\u0000')) await tx.run(`DROP TABLE ${quoteIdent(name)}`);
    await tx.run(`CREATE TABLE IF NOT EXISTS ${quoteIdent(name)} (${cols.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')})`);
  }
}

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: (dialect: Dialect) => string[];
  /** Steps that depend on the data (e.g. columns named by stored values), run after the statements in the same transaction. */
  readonly apply?: (tx: StoreTx, dialect: Dialect) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'contract tables, usage extras, import log',
    statements: (d) => [
      ...FILES.map((f) => contractTableDdl(f, d)),
      // x_ columns of monthly_usage: operator-specific numeric measures, one row per value.
      `CREATE TABLE IF NOT EXISTS usage_extras (customer_id VARCHAR, month DATE, name VARCHAR, value ${d.double})`,
      `CREATE TABLE IF NOT EXISTS import_runs (
         run_id VARCHAR, file VARCHAR, path VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
         rows_read BIGINT, accepted BIGINT, rejected BIGINT, inserted BIGINT, updated BIGINT, unchanged BIGINT)`,
      // The contract's default reason codes; a data set's reason_codes file replaces rows by code.
      `INSERT INTO reason_codes (code, type, "group", zh, en) VALUES ${DEFAULT_REASON_CODES.map(
        (r) => `('${r.code}', '${r.type}', '${r.group}', '${r.zh}', '${r.en}')`,
      ).join(', ')}`,
      `CREATE TABLE IF NOT EXISTS import_rejects (
         run_id VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR)`,
    ],
  },
  {
    version: 2,
    description: 'churn models and per-customer scores',
    statements: (d) => [
      // model_json is the learner's versioned JSON; metrics hold the holdout evaluation.
      `CREATE TABLE IF NOT EXISTS churn_models (
         model_version VARCHAR, created_at TIMESTAMP, as_of DATE, horizon INTEGER,
         metrics VARCHAR, model_json VARCHAR)`,
      // One row per customer per scoring run; top_reasons is a JSON array of phrases.
      `CREATE TABLE IF NOT EXISTS churn_scores (
         model_version VARCHAR, as_of DATE, customer_id VARCHAR, churn_probability ${d.double},
         expected_loss DECIMAL(18,2), top_reasons VARCHAR, scored_at TIMESTAMP)`,
    ],
  },
  {
    version: 3,
    description: 'data contract v2: marketing consent, offers, campaigns, campaign members',
    // A store made by version 1 after contract v2 already has these (version 1 renders every
    // contract file); IF NOT EXISTS makes both paths end in the same tables.
    statements: (d) => [
      `ALTER TABLE customers ADD COLUMN IF NOT EXISTS marketing_consent ${d.types.boolean}`,
      ...CONTRACT_V2_FILES.map((name) => contractTableDdl(fileSpec(name), d)),
    ],
  },
  {
    // Import hardening (issue 18), self-contained so it can be renumbered on merge: each
    // imported file's source is recorded with its SHA-256; rejects keep a broken row's length
    // and hash instead of its text, and the values stored before this version for personal
    // columns and broken rows (up to 200 characters of the raw row) are scrubbed.
    version: 4,
    description: 'import sources with SHA-256; rejects without personal data',
    statements: () => [
      'ALTER TABLE import_runs ADD COLUMN IF NOT EXISTS sha256 VARCHAR',
      'ALTER TABLE import_runs ADD COLUMN IF NOT EXISTS bytes BIGINT',
      'ALTER TABLE import_rejects ADD COLUMN IF NOT EXISTS row_bytes BIGINT',
      'ALTER TABLE import_rejects ADD COLUMN IF NOT EXISTS row_sha256 VARCHAR',
      `UPDATE import_rejects SET value = NULL
         WHERE (file = 'customers' AND ("column" IN ('name', 'phone', 'email', 'birth_date') OR starts_with("column", 'x_')))
            OR (file = 'interactions' AND "column" = 'topic')
            OR "column" = ''
            OR starts_with(reason, 'wrong_field_count') OR starts_with(reason, 'quote_in_unquoted_field')
            OR starts_with(reason, 'text_after_closing_quote') OR starts_with(reason, 'unterminated_quote')`,
    ],
  },
  {
    // Early-warning lists (tenure warn). Each scoring run keeps where every scored customer stood
    // (value at stake, expected loss, stage, quadrant, tier, risk decile, region, reasons), so a
    // list is one top-n scan of one table: joining the reasons to the listed rows took seconds.
    // Lists kept by `--save` are dated and frozen: a list names the scoring run it was cut from and
    // its members keep the figures they had when it was saved, so a list id targets the same
    // customers whatever is scored or imported later.
    version: 5,
    description: 'scoring context per run; saved early-warning lists and their frozen members',
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS churn_score_context (
         model_version VARCHAR, as_of DATE, customer_id VARCHAR, churn_probability ${d.double}, customer_value DECIMAL(18,2),
         expected_loss DECIMAL(18,2), lifecycle_stage VARCHAR, value_quadrant VARCHAR, value_tier VARCHAR, risk_decile INTEGER,
         province VARCHAR, region VARCHAR, top_reasons VARCHAR)`,
      `CREATE TABLE IF NOT EXISTS warning_lists (
         list_id VARCHAR, name VARCHAR, created_at TIMESTAMP, as_of DATE, filters VARCHAR,
         model_version VARCHAR, scored_at TIMESTAMP, previous_as_of DATE, previous_model_version VARCHAR, previous_scored_at TIMESTAMP,
         scored BIGINT, matched BIGINT, members BIGINT)`,
      `CREATE TABLE IF NOT EXISTS warning_list_members (
         list_id VARCHAR, rank BIGINT, customer_id VARCHAR, churn_probability ${d.double}, customer_value DECIMAL(18,2),
         expected_loss DECIMAL(18,2), lifecycle_stage VARCHAR, value_quadrant VARCHAR, value_tier VARCHAR, region VARCHAR,
         top_reasons VARCHAR, change VARCHAR, risk_decile INTEGER, previous_risk_decile INTEGER)`,
    ],
  },
  {
    // Issue 11: x_ columns first-class (wide-extras.ts). Usage measures leave usage_extras (one
    // row per value) for DOUBLE columns of monthly_usage; customer attributes leave the JSON
    // object customers.x_attributes for typed columns of customers. Other files keep their JSON.
    version: 6,
    description: 'x_ usage measures and customer attributes as wide typed columns',
    statements: () => [],
    apply: migrateToWideExtras,
  },
  {
    // Issue 12.5: uplift models learned
    // from randomized campaigns. model_json holds the learner's parts; campaigns is the JSON
    // array of the campaigns it learned from (never evaluated on), metrics its held-out record.
    version: 7,
    description: 'uplift models',
    statements: () => [
      `CREATE TABLE IF NOT EXISTS uplift_models (
         model_id VARCHAR, created_at TIMESTAMP, offer_id VARCHAR, learner VARCHAR,
         campaigns VARCHAR, metrics VARCHAR, model_json VARCHAR)`,
    ],
  },
  {
    // Issue 13: the loyalty points ledger (app/points, domain/points/ledger.ts). points_transactions
    // keeps each imported row as last imported; points_entries is append-only (earn, redeem,
    // adjust, expire, reversal; signed points; who posted it: source + source_ref, run_id) and
    // points_allocations says which lot (a credit entry) each debit took points from, FIFO.
    // Balances and lots' remaining points are sums over these two tables, never stored.
    version: 8,
    description: 'loyalty points ledger: imported transactions, append-only entries, FIFO allocations',
    statements: (d) => [
      contractTableDdl(fileSpec('points_transactions'), d),
      `CREATE TABLE IF NOT EXISTS points_entries (
         entry_id BIGINT, customer_id VARCHAR, ts TIMESTAMP, kind VARCHAR, points BIGINT, expires_on DATE,
         source VARCHAR, source_ref VARCHAR, transaction_id VARCHAR, rule_id VARCHAR, reason VARCHAR,
         reverses BIGINT, run_id VARCHAR, posted_at TIMESTAMP)`,
      'CREATE TABLE IF NOT EXISTS points_allocations (debit_entry_id BIGINT, lot_entry_id BIGINT, points BIGINT)',
    ],
  },
  {
    // Issue 13.3: the agent's outcomes of `tenure nba`, one row per `tenure nba record`. The
    // outcome itself feeds campaign results through campaign_members (the month's always-on NBA
    // campaign); this log keeps what was suggested, what was recorded and when, for audit.
    version: 9,
    description: 'next-best-action outcomes recorded by agents',
    statements: () => [
      `CREATE TABLE IF NOT EXISTS nba_outcomes (
         recorded_at TIMESTAMP, ts TIMESTAMP, customer_id VARCHAR, campaign_id VARCHAR, arm VARCHAR,
         offer_id VARCHAR, outcome VARCHAR, suggested_action VARCHAR, suggested_offer_id VARCHAR, holdout BOOLEAN)`,
    ],
  },
  {
    // Issue 12.4: a complete campaign's arm sums as `campaign evaluate` reads them (members, churn
    // in the window, reach, cost, the dilution guard's discounts, revenue over the window and
    // retained value at its end), kept by the import with the fingerprint of the data, offers,
    // scoring run and members they were computed from, so an evaluation reads a few rows instead
    // of the members, bills and scores (src/app/campaigns/evaluate.ts).
    version: 10,
    description: 'campaign arm sums',
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS campaign_arm_sums (
         campaign_id VARCHAR, arm VARCHAR, fingerprint VARCHAR, members BIGINT, churned_before BIGINT, churned BIGINT,
         reached BIGINT, touched BIGINT, cost DECIMAL(38,6), low_accepted BIGINT, low_discount DECIMAL(38,6),
         total_discount DECIMAL(38,6), revenue DECIMAL(38,6), retained_value ${d.double}, computed_at TIMESTAMP)`,
    ],
  },
  {
    // Issue 14.2: every table in the migrations. The derived tables (reports' basis, stage
    // history, value snapshot, with their state/run tables) were created by the app on first
    // use; this version creates them (or adopts those an older build made, see
    // adoptDerivedTables) and the app only fills them.
    version: 11,
    description: 'derived tables: report basis, lifecycle stage history, value snapshot',
    statements: () => [],
    apply: (tx, d) => adoptDerivedTables(tx, d, DERIVED_TABLES_V11(d)),
  },
  {
    // Issue 14.3: the read commands on PostgreSQL. Its planner has no zone maps: the data span's
    // min/max, a month's bills and one customer's rows are full scans without an index there.
    // Through the dialect's readIndex these exist on PostgreSQL only (DuckDB answers the same from
    // its column statistics, and an ART index would slow its bulk loads).
    version: 12,
    description: 'read indexes on the server store',
    statements: (d) => [
      ...d.readIndex('monthly_usage_month', 'monthly_usage', ['month']),
      ...d.readIndex('monthly_usage_customer_month', 'monthly_usage', ['customer_id', 'month']),
      ...d.readIndex('customers_join_date', 'customers', ['join_date']),
      ...d.readIndex('customers_customer_id', 'customers', ['customer_id']),
      ...d.readIndex('churn_events_churn_date', 'churn_events', ['churn_date']),
      ...d.readIndex('churn_events_customer_id', 'churn_events', ['customer_id']),
      ...d.readIndex('subscriptions_customer_id', 'subscriptions', ['customer_id']),
      ...d.readIndex('interactions_customer_id', 'interactions', ['customer_id']),
      ...d.readIndex('lifecycle_stage_history_key_month', 'lifecycle_stage_history', ['rules_key', 'as_of']),
      ...d.readIndex('lifecycle_stage_history_customer', 'lifecycle_stage_history', ['customer_id']),
      ...d.readIndex('value_snapshot_key_month', 'value_snapshot', ['snapshot_key', 'as_of']),
      ...d.readIndex('value_snapshot_customer', 'value_snapshot', ['customer_id']),
    ],
  },
  {
    // Issue 15: accounts of `tenure serve`. Secrets are never stored: passwords as scrypt hashes
    // (app/auth/password.ts), session ids and API tokens as SHA-256 of their random secret. Times
    // are epoch milliseconds (BIGINT) and audit times ISO text, so that both engines read back
    // exactly what was written and the audit hash chain verifies byte for byte.
    version: 13,
    description: 'API accounts: users, login sessions, API tokens, the append-only audit log (hash chain)',
    statements: () => [
      `CREATE TABLE IF NOT EXISTS api_users (
         username VARCHAR, role VARCHAR, password_hash VARCHAR, disabled BOOLEAN, created_ms BIGINT, updated_ms BIGINT)`,
      `CREATE TABLE IF NOT EXISTS api_sessions (
         session_hash VARCHAR, username VARCHAR, csrf_token VARCHAR, created_ms BIGINT, expires_ms BIGINT, revoked BOOLEAN)`,
      `CREATE TABLE IF NOT EXISTS api_tokens (
         token_id VARCHAR, token_hash VARCHAR, username VARCHAR, scopes VARCHAR, created_ms BIGINT, expires_ms BIGINT, revoked BOOLEAN)`,
      `CREATE TABLE IF NOT EXISTS audit_log (
         seq BIGINT, ts VARCHAR, actor VARCHAR, action VARCHAR, target VARCHAR, outcome VARCHAR, source VARCHAR,
         detail VARCHAR, prev_hash VARCHAR, hash VARCHAR)`,
    ],
  },
  {
    // Issue 13: the next best action uses the customer's own uplift. `tenure uplift train` keeps
    // the model's prediction for every customer of the base as of the data's last month (churn
    // without and with the offer), so a call reads its customer's row instead of building features.
    version: 14,
    description: 'per-customer uplift predictions of the uplift models',
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS uplift_scores (
         model_id VARCHAR, offer_id VARCHAR, as_of DATE, customer_id VARCHAR, uplift ${d.double}, churn_without ${d.double}, churn_with ${d.double})`,
      ...d.readIndex('uplift_scores_customer', 'uplift_scores', ['customer_id']),
    ],
  },
  {
    // Issue 15: the API's long jobs (import, train, score), one at a time per store. Kept so that
    // a client can read a job's outcome after a restart; a job that was queued or running when
    // the server stopped is marked failed (INTERRUPTED) at the next start. Times are epoch
    // milliseconds; params and result are JSON text.
    version: 15,
    description: 'API jobs: import, train and score runs with their state, progress and result',
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS api_jobs (
         job_id VARCHAR, kind VARCHAR, state VARCHAR, progress ${d.double}, params VARCHAR, created_by VARCHAR,
         created_ms BIGINT, started_ms BIGINT, finished_ms BIGINT, result VARCHAR, error_code VARCHAR, error_message VARCHAR)`,
    ],
  },
  {
    // Issue 15 (the API's load figure): the data generation, one row. Every writer of data that
    // served results derive from (an import, a scoring run, an uplift fit) adds one to it in its
    // own transaction (app/data-generation.ts), so a long-running server keeps what it derived
    // (report results, the next-best-action context) until the number moves, and reads one row
    // to know.
    version: 16,
    description: 'data generation counter for long-lived server caches',
    statements: () => [
      // Empty until the first change (a new store holds no data: `tenure store copy` checks that).
      'CREATE TABLE IF NOT EXISTS data_generation (generation BIGINT, changed_ms BIGINT, reason VARCHAR)',
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
