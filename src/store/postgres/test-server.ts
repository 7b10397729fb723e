import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the tests run against: $TENURE_TEST_PG_URL, else the cluster that
 * scripts/setup-test-env.sh (run by `npm test` first) started and wrote to
 * $TENURE_TEST_PG_DIR/url. For tests only.
 */
export function testServerUrl(): string | undefined {
  const env = process.env.TENURE_TEST_PG_URL;
  if (env) return env;
  const file = `${process.env.TENURE_TEST_PG_DIR ?? '/tmp/tenure-test-pg'}/url`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

/**
 * Why PostgreSQL tests cannot run, or undefined when they can. In CI (CI=true) the caller
 * fails instead of skipping: a missing server is a broken setup, not an optional part.
 */
export async function testServerProblem(): Promise<string | undefined> {
  const url = testServerUrl();
  if (!url) return 'no PostgreSQL test server (run `bash scripts/setup-test-env.sh`, which `npm test` runs first, or set TENURE_TEST_PG_URL)';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `the PostgreSQL test server at ${url} does not answer: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const IN_CI = process.env.CI === 'true';

/** A new empty database on the test server; `drop` removes it. */
export async function freshDatabase(prefix = 'tenure_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = testServerUrl();
  if (!base) throw new Error('no PostgreSQL test server');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      c.on('error', () => undefined);
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * The engines an app test runs on: DuckDB always, PostgreSQL when its test server answers (and
 * in CI always, so a missing server fails). Each `open` gives a fresh, empty, migrated store.
 */
export interface TestEngine {
  readonly name: 'duckdb' | 'postgres';
  /** Why it cannot run here (outside CI only); the caller skips with this reason. */
  readonly skip?: string;
  open(): Promise<import('../port.ts').AnalyticsStore>;
}

export async function testEngines(): Promise<TestEngine[]> {
  const { DuckDBStore } = await import('../duckdb/duckdb-store.ts');
  const { PostgresStore } = await import('./postgres-store.ts');
  const problem = await testServerProblem();
  return [
    { name: 'duckdb', open: () => DuckDBStore.open(':memory:') },
    {
      name: 'postgres',
      ...(problem && !IN_CI ? { skip: problem } : {}),
      open: async () => {
        if (problem) throw new Error(problem);
        const db = await freshDatabase();
        const store = await PostgresStore.open(db.url);
        const close = store.close.bind(store);
        // Closing the store drops its database.
        store.close = async () => {
          await close();
          await db.drop();
        };
        return store;
      },
    },
  ];
}
