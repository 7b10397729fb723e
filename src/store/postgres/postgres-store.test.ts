import { afterAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { storeSuite } from '../store-suite.ts';
import { SCHEMA_VERSION } from '../schema.ts';
import { StoreError } from '../errors.ts';
import { PostgresStore } from './postgres-store.ts';
import { redactUrl } from './connection.ts';
import { IN_CI, freshDatabase, testServerProblem, testServerUrl } from './test-server.ts';

// In CI a missing server fails the suite; elsewhere the PostgreSQL tests skip with the reason.
const problem = await testServerProblem();
if (problem && IN_CI) {
  describe('PostgreSQL test server', () => {
    it('is running (scripts/setup-test-env.sh starts it)', () => {
      throw new Error(problem);
    });
  });
} else if (problem) {
  describe.skip(`PostgreSQL store (skipped: ${problem})`, () => {
    it('needs a server', () => undefined);
  });
} else {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });
  const fresh = async () => {
    const db = await freshDatabase();
    drops.push(db.drop);
    return db.url;
  };

  storeSuite('postgres', async () => PostgresStore.open(await fresh(), { readableDirectories: [tmpdir()] }));

  describe('PostgresStore', () => {
    it('migrates a new database once even when two processes open it at the same time', async () => {
      const url = await fresh();
      const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
      try {
        const rows = await a.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(Array.from({ length: rows.length }, (_, i) => rows[0]!.version + i));
        expect(rows.at(-1)?.version).toBe(SCHEMA_VERSION);
        expect(await b.schemaVersion()).toBe(SCHEMA_VERSION);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('opens read-only without migrating, and refuses a store of another schema version', async () => {
      const url = await fresh();
      await expect(PostgresStore.open(url, { access: 'read-only' })).rejects.toThrow(/schema version 0, this one reads/);
      await (await PostgresStore.open(url)).close();
      const reader = await PostgresStore.open(url, { access: 'read-only' });
      try {
        expect(reader.access).toBe('read-only');
        expect(await reader.schemaVersion()).toBe(SCHEMA_VERSION);
      } finally {
        await reader.close();
      }
    });

    it('cancels a statement that runs past the statement timeout with a clear error', async () => {
      const store = await PostgresStore.open(await fresh(), { statementTimeoutMs: 200 });
      try {
        const err = await store.query('SELECT pg_sleep(2)').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('STATEMENT_TIMEOUT');
        expect((err as StoreError).message).toMatch(/statement timeout/);
        // The session is still usable afterwards.
        expect(await store.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      } finally {
        await store.close();
      }
    });

    it('says clearly when the connection is refused', async () => {
      // A port nothing listens on: the test cluster's port + 1000 is outside the range setup uses.
      const url = new URL(testServerUrl()!);
      url.port = String(Number(url.port) + 1000);
      const err = await PostgresStore.open(url.toString(), { connectTimeoutMs: 3000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('STORE_UNREADABLE');
      expect((err as StoreError).message).toMatch(/cannot connect to PostgreSQL store postgres:\/\/.*connection refused/);
    });

    it('says clearly when the password is wrong, and never prints it', async () => {
      const url = new URL(testServerUrl()!);
      url.username = 'tenure_pw';
      url.password = 'wrong-s3cret';
      const err = await PostgresStore.open(url.toString()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).message).toMatch(/password authentication failed/);
      expect((err as StoreError).message).not.toContain('wrong-s3cret');
      expect((err as StoreError).message).toContain('postgres://tenure_pw@');
    });

    it('never shows the password in its location', async () => {
      const db = await fresh();
      const url = new URL(db);
      url.username = 'tenure_pw';
      url.password = 'right-password';
      // The test role may connect to the fresh database.
      const admin = new pg.Client({ connectionString: db });
      await admin.connect();
      await admin.query('GRANT ALL ON SCHEMA public TO tenure_pw');
      await admin.end();
      const store = await PostgresStore.open(url.toString());
      try {
        expect(store.location).not.toContain('right-password');
        expect(store.location).toMatch(/^postgres:\/\/tenure_pw@127\.0\.0\.1:\d+\//);
      } finally {
        await store.close();
      }
    });

    it('keeps a failed migration out: the store stays at its old version', async () => {
      const url = await fresh();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      // A table in the way of migration 1's DDL with a clashing definition.
      await admin.query('CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, broken BOOLEAN NOT NULL)');
      await admin.query("INSERT INTO customers VALUES (1, true)");
      await admin.end();
      await expect(PostgresStore.open(url)).rejects.toThrow();
      const check = new pg.Client({ connectionString: url });
      await check.connect();
      const tables = await check.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'schema_migrations'");
      await check.end();
      expect(tables.rows[0].n).toBe(0);
    });
  });
}

describe('redactUrl', () => {
  it('removes the password from every form of URL', () => {
    expect(redactUrl('postgres://ann:s%40cret@db.example:5432/tenure')).toBe('postgres://ann@db.example:5432/tenure');
    expect(redactUrl('postgresql://ann@db:5432/t?password=hunter2&sslmode=require')).toBe('postgresql://ann@db:5432/t?password=***&sslmode=require');
    expect(redactUrl('postgres://ann:p@ss@[bad')).not.toContain('p@ss');
  });
});
