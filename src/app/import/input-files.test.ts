import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { TenureError } from '../errors.ts';
import { importDataset } from './import-dataset.ts';
import { escapeGlob } from './input-file.ts';
import { customerId, writeCleanDataset } from './test-fixture.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A clean data set whose customer ids all start with `tag` (one letter), so a decoy is told apart by its ids at the same byte length. */
function dataset(dir: string, tag: string): void {
  mkdirSync(dir, { recursive: true });
  writeCleanDataset(dir, 6);
  for (const f of ['customers.csv', 'monthly_usage.csv', 'churn_events.csv']) {
    const path = join(dir, f);
    writeFileSync(path, readFileSync(path, 'utf8').replaceAll(/\bC(\d{4})\b/g, `${tag}$1`));
  }
}

async function withStore<T>(fn: (store: DuckDBStore) => Promise<T>): Promise<T> {
  const store = await DuckDBStore.open(':memory:', { readableDirectories: [root] });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function failure(p: Promise<unknown>): Promise<TenureError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TenureError);
    return err as TenureError;
  }
  throw new Error('expected the import to fail');
}

describe('input files are read as the files named', () => {
  it('escapeGlob makes every glob metacharacter literal', () => {
    expect(escapeGlob('/d/g[x]/a*b?c.csv')).toBe('/d/g[[]x]/a[*]b[?]c.csv');
  });

  // Each folder name is a glob that matches the decoy folder beside it.
  for (const [name, decoy] of [
    ['g[x]', 'gx'],
    ['a*b', 'axb'],
    ['q?r', 'qzr'],
    ['{a,b}', 'a'],
  ] as const) {
    it(`glob folder ${name}: loads its own files, not ${decoy}/, and records the file read with its SHA-256`, async () => {
      const base = join(root, `glob-${decoy}`);
      dataset(join(base, name), 'G');
      dataset(join(base, decoy), 'D');
      await withStore(async (store) => {
        const report = await importDataset(store, join(base, name), { prepareAnalytics: false });
        expect(report.rejected).toBe(0);
        const ids = await store.query<{ id: string }>('SELECT customer_id AS id FROM customers ORDER BY 1');
        expect(ids.map((r) => r.id)).toEqual(Array.from({ length: 6 }, (_, i) => customerId(i + 1).replace('C', 'G')));
        const runs = await store.query<{ file: string; path: string; sha256: string; bytes: number }>(
          'SELECT file, path, sha256, bytes FROM import_runs ORDER BY file',
        );
        const customers = join(realpathSync(join(base, name)), 'customers.csv');
        expect(runs.find((r) => r.file === 'customers')).toEqual({
          file: 'customers',
          path: customers,
          sha256: sha(customers),
          bytes: readFileSync(customers).length,
        });
        for (const f of report.files) expect(f.sha256).toBe(sha(f.path));
      });
    });
  }

  it('glob folder with a .csv.gz and a file with broken rows (the cleaned copy): still its own data', async () => {
    const base = join(root, 'glob-gz');
    dataset(join(base, 'g[x]'), 'G');
    dataset(join(base, 'gx'), 'D');
    for (const dir of ['g[x]', 'gx']) {
      const usage = join(base, dir, 'monthly_usage.csv');
      appendFileSync(usage, 'broken,row\n');
      execFileSync('gzip', [usage]);
    }
    await withStore(async (store) => {
      const report = await importDataset(store, join(base, 'g[x]'), { prepareAnalytics: false });
      expect(report.files.find((f) => f.file === 'monthly_usage')).toMatchObject({ read: 13, rejected: 1, inserted: 12 });
      const [row] = await store.query<{ n: number }>("SELECT count(*) AS n FROM monthly_usage WHERE customer_id LIKE 'G%'");
      expect(row?.n).toBe(12);
    });
  });

  it('symlinked input: refused by default naming the link; --follow-symlinks reads the target and records it', async () => {
    const dir = join(root, 'symlinked');
    dataset(dir, 'S');
    const elsewhere = join(root, 'elsewhere-customers.csv');
    writeFileSync(elsewhere, readFileSync(join(dir, 'customers.csv')));
    rmSync(join(dir, 'customers.csv'));
    symlinkSync(elsewhere, join(dir, 'customers.csv'));
    await withStore(async (store) => {
      const err = await failure(importDataset(store, dir, { prepareAnalytics: false }));
      expect(err.location.file).toBe(join(dir, 'customers.csv'));
      expect(err.message).toMatch(/is a symbolic link \(to .*elsewhere-customers\.csv\).*--follow-symlinks/);
      const [runs] = await store.query<{ n: number }>('SELECT count(*) AS n FROM import_runs');
      expect(runs?.n).toBe(0);
      const report = await importDataset(store, dir, { prepareAnalytics: false, followSymlinks: true });
      const customers = report.files.find((f) => f.file === 'customers');
      expect(customers).toMatchObject({ path: realpathSync(elsewhere), via: join(dir, 'customers.csv'), inserted: 6 });
      const [run] = await store.query<{ path: string }>("SELECT path FROM import_runs WHERE file = 'customers'");
      expect(run?.path).toBe(realpathSync(elsewhere));
    });
  });

  it('FIFO as an input: refused at once, without waiting for a writer', async () => {
    const dir = join(root, 'fifo');
    dataset(dir, 'F');
    rmSync(join(dir, 'monthly_usage.csv'));
    execFileSync('mkfifo', [join(dir, 'monthly_usage.csv')]);
    await withStore(async (store) => {
      const err = await failure(importDataset(store, dir, { prepareAnalytics: false }));
      expect(err.message).toMatch(/is a named pipe \(FIFO\), not a regular file/);
      expect(err.location.file).toBe(join(dir, 'monthly_usage.csv'));
      // Refused before anything loaded, though customers comes first.
      const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM customers');
      expect(row?.n).toBe(0);
    });
  }, 10_000);

  it('a dangling symlink is refused by name, not an internal error', async () => {
    const dir = join(root, 'dangling');
    dataset(dir, 'F');
    rmSync(join(dir, 'churn_events.csv'));
    symlinkSync(join(dir, 'nowhere.csv'), join(dir, 'churn_events.csv'));
    await withStore(async (store) => {
      const err = await failure(importDataset(store, dir, { prepareAnalytics: false, followSymlinks: true }));
      expect(err.message).toMatch(/symbolic link to nothing/);
      expect(err.location.file).toBe(join(dir, 'churn_events.csv'));
    });
  });

  it('a folder named customers.csv is refused as not a regular file', async () => {
    const dir = join(root, 'dir-input');
    dataset(dir, 'F');
    rmSync(join(dir, 'churn_events.csv'));
    mkdirSync(join(dir, 'churn_events.csv'));
    await withStore(async (store) => {
      expect((await failure(importDataset(store, dir, { prepareAnalytics: false }))).message).toMatch(/is a folder, not a regular file/);
    });
  });

  it('a file written to while it is imported is not loaded (identity checked before commit)', async () => {
    const dir = join(root, 'changing');
    dataset(dir, 'X');
    await withStore(async (store) => {
      const err = await failure(
        importDataset(store, dir, {
          prepareAnalytics: false,
          onProgress: (p) => {
            if (p.file === 'customers' && p.phase === 'validating') appendFileSync(join(dir, 'customers.csv'), 'X0099,individual,2023-01-15,甘肃,M,n,,seg\n');
          },
        }),
      );
      expect(err.message).toMatch(/changed while it was imported/);
      const [row] = await store.query<{ n: number }>('SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM import_runs) AS n');
      expect(row?.n).toBe(0);
    });
  });
});
