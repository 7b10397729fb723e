import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../schema.ts';
import { DuckDBStore } from './duckdb-store.ts';
import { defaultMemoryLimit, engineSettings, setEngineFlags } from './settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-lockdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `s-${n++}.duckdb`);

const data = join(dir, 'data');
const secret = join(dir, 'secret');
mkdirSync(data);
mkdirSync(secret);
writeFileSync(join(data, 'ok.csv'), 'a\n1\n');
writeFileSync(join(secret, 'other.csv'), 'a\n2\n');

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function writerStore(): Promise<string> {
  const path = fresh();
  const s = await DuckDBStore.open(path);
  await s.run('CREATE TABLE t AS SELECT 1 AS x');
  await s.close();
  return path;
}

describe('DuckDB locked down (issue 18, item 9)', () => {
  it('extensions cannot be installed, loaded or re-enabled', async () => {
    const store = await DuckDBStore.open(await writerStore(), { access: 'read-only' });
    try {
      await expect(store.run('INSTALL httpfs')).rejects.toThrow(/disabled by configuration|Permission/);
      await expect(store.run('LOAD httpfs')).rejects.toThrow(/disabled through configuration|Permission/);
      await expect(store.run('SET allow_community_extensions = true')).rejects.toThrow();
      await expect(store.run('SET autoinstall_known_extensions = true')).rejects.toThrow(/locked/);
      const [s] = await store.query(
        "SELECT current_setting('autoinstall_known_extensions') AS i, current_setting('autoload_known_extensions') AS l, current_setting('allow_community_extensions') AS c",
      );
      expect(s).toEqual({ i: false, l: false, c: false });
    } finally {
      await store.close();
    }
  });

  it('a read command reaches no file: a crafted SQL path, COPY and ATTACH are refused on a read-only store', async () => {
    const store = await DuckDBStore.open(await writerStore(), { access: 'read-only' });
    try {
      await expect(store.query(`SELECT * FROM read_csv('${join(secret, 'other.csv')}')`)).rejects.toThrow(/disabled by configuration/);
      await expect(store.query(`SELECT * FROM read_csv('${join(data, 'ok.csv')}')`)).rejects.toThrow(/disabled by configuration/);
      await expect(store.run(`COPY (SELECT 1) TO '${join(dir, 'leak.csv')}'`)).rejects.toThrow(/disabled by configuration/);
      await expect(store.run(`ATTACH '${join(dir, 'other.duckdb')}' AS other`)).rejects.toThrow(/disabled by configuration/);
      expect(existsSync(join(dir, 'leak.csv'))).toBe(false);
      // Neither can SQL turn access back on, nor change any setting.
      await expect(store.run('SET enable_external_access = true')).rejects.toThrow();
      await expect(store.run("SET memory_limit = '100GB'")).rejects.toThrow(/locked/);
    } finally {
      await store.close();
    }
  });

  it('a writer reads only the folders it was given: no other folder, no way out with ..', async () => {
    const store = await DuckDBStore.open(fresh(), { readableDirectories: [data] });
    try {
      expect(await store.query(`SELECT a FROM read_csv('${join(data, 'ok.csv')}', all_varchar = true)`)).toEqual([{ a: '1' }]);
      await expect(store.query(`SELECT * FROM read_csv('${join(secret, 'other.csv')}')`)).rejects.toThrow(/disabled by configuration/);
      await expect(store.query(`SELECT * FROM read_csv('${data}/../secret/other.csv')`)).rejects.toThrow(/disabled by configuration/);
      await expect(store.query("SELECT * FROM read_csv('https://example.com/x.csv')")).rejects.toThrow(/disabled by configuration/);
    } finally {
      await store.close();
    }
  });

  it('creates the store file and its WAL with mode 0600', async () => {
    const path = fresh();
    const store = await DuckDBStore.open(path);
    try {
      await store.run('CREATE TABLE t AS SELECT range AS x FROM range(10)');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(existsSync(`${path}.wal`)).toBe(true);
      expect(statSync(`${path}.wal`).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
    }
    // The process umask is restored once no writer is open.
    const probe = join(dir, 'probe.txt');
    writeFileSync(probe, '');
    expect(statSync(probe).mode & 0o077).not.toBe(0);
  });

  it('bounds memory and threads by default and takes TENURE_* settings', async () => {
    const store = await DuckDBStore.open(fresh(), { settings: engineSettings({ TENURE_MEMORY_LIMIT: '300MB', TENURE_THREADS: '1' }) });
    try {
      const [s] = await store.query<{ m: string; t: number }>("SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t");
      expect(s?.m).toMatch(/^28[0-9](\.[0-9])? MiB$/); // 300 MB = 286.1 MiB
      expect(Number(s?.t)).toBe(1);
    } finally {
      await store.close();
    }
    // The CLI's global flags win over the environment.
    setEngineFlags({ memoryLimit: '200MB', threads: '1' });
    try {
      const flagged = await DuckDBStore.open(fresh(), { access: 'read-write' });
      const [f] = await flagged.query<{ m: string }>("SELECT current_setting('memory_limit') AS m");
      await flagged.close();
      expect(f?.m).toMatch(/^190(\.[0-9])? MiB$/); // 200 MB = 190.7 MiB
    } finally {
      setEngineFlags({});
    }
    expect(defaultMemoryLimit(24 * 2 ** 30)).toBe('4096MiB');
    expect(defaultMemoryLimit(2 ** 30)).toBe('256MiB');
    expect(() => engineSettings({ TENURE_MEMORY_LIMIT: 'lots' })).toThrow(/--memory-limit \/ TENURE_MEMORY_LIMIT must be a size/);
    expect(() => engineSettings({ TENURE_THREADS: '0' })).toThrow(/--threads \/ TENURE_THREADS must be a whole number/);
  });
});

describe('read-only opens (issue 19, item 4)', () => {
  it('a missing file is an error naming it, and nothing is created', async () => {
    const path = join(dir, 'typo.duckdb');
    await expect(DuckDBStore.open(path, { access: 'read-only' })).rejects.toThrow(/no store at .*typo\.duckdb; check --db, or import a data set first/);
    await expect(DuckDBStore.open(path, { create: false })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    expect(existsSync(path)).toBe(false);
  });

  it('a store that needs migrating says so instead of failing obscurely, and is left as it was', async () => {
    const path = await writerStore();
    const w = await DuckDBStore.open(path);
    await w.run('DELETE FROM schema_migrations WHERE version = $1', [SCHEMA_VERSION]);
    await w.run('CHECKPOINT');
    await w.close();
    const before = hash(path);
    await expect(DuckDBStore.open(path, { access: 'read-only' })).rejects.toThrow(
      new RegExp(`written by an older Tenure \\(schema version ${MIGRATIONS[MIGRATIONS.length - 2]?.version}, this one reads ${SCHEMA_VERSION}\\); run a command that writes to it first`),
    );
    expect(hash(path)).toBe(before);
    // A writer upgrades it; then readers open it.
    await (await DuckDBStore.open(path)).close();
    await (await DuckDBStore.open(path, { access: 'read-only' })).close();
  });

  it('writes to the store are refused, temporary tables are not', async () => {
    const store = await DuckDBStore.open(await writerStore(), { access: 'read-only' });
    try {
      await expect(store.run('CREATE TABLE u (x INTEGER)')).rejects.toThrow(/read-only/);
      await expect(store.run('INSERT INTO t VALUES (2)')).rejects.toThrow(/read-only/);
      await store.run('CREATE TEMP TABLE u AS SELECT 2 AS x');
      expect(await store.query('SELECT x FROM u')).toEqual([{ x: 2 }]);
    } finally {
      await store.close();
    }
  });

  it('another process holding the store: a reader waits, then fails clearly after the lock timeout', async () => {
    const path = await writerStore();
    // A writer in another process holds the file for a while.
    const holder = spawn(
      process.execPath,
      ['--input-type=module', '-e', `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(${JSON.stringify(path)}); process.stdout.write('held\\n'); setTimeout(() => i.closeSync(), 4000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => (String(d).includes('held') ? resolve() : undefined));
        holder.on('exit', () => reject(new Error('the holder exited early')));
      });
      const t = Date.now();
      const short = { ...engineSettings(), lockTimeoutMs: 500 };
      await expect(DuckDBStore.open(path, { access: 'read-only', settings: short })).rejects.toThrow(
        new RegExp(`another Tenure process \\(PID ${holder.pid}\\) holds the store .*TENURE_LOCK_TIMEOUT`),
      );
      expect(Date.now() - t).toBeGreaterThanOrEqual(450);
      // Waiting long enough gets it once the holder is done.
      const store = await DuckDBStore.open(path, { access: 'read-only', settings: { ...short, lockTimeoutMs: 20_000 } });
      try {
        expect(await store.query('SELECT x FROM t')).toEqual([{ x: 1 }]);
      } finally {
        await store.close();
      }
    } finally {
      holder.kill();
    }
  }, 30_000);
});
