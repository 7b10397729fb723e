import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCleanDataset } from '../../app/import/test-fixture.ts';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { runCaptured } from '../test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-out-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function dataset(): string {
  const dir = join(root, `ds-${n++}`);
  mkdirSync(dir);
  writeCleanDataset(dir, 6);
  // One bad row, so the import has rejects to write.
  writeFileSync(join(dir, 'customers.csv'), readFileSync(join(dir, 'customers.csv'), 'utf8') + 'C9,individual,2024-13-01,甘肃,M,n9,,seg0\n');
  return dir;
}

async function storedRows(db: string): Promise<number> {
  if (!existsSync(db)) return 0;
  const store = await DuckDBStore.open(db);
  try {
    const [row] = await store.query<{ n: number }>('SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM import_runs) AS n');
    return Number(row?.n ?? 0);
  } finally {
    await store.close();
  }
}

describe('files the CLI writes', () => {
  it('--rejects through a symlink: refused with exit 2 before loading, the target untouched', async () => {
    const dir = dataset();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, 'rejects.csv'));
    const db = join(dir, 's.duckdb');
    const run = await runCaptured(['import', dir, '--db', db, '--rejects', join(dir, 'rejects.csv')]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--rejects: cannot write .*rejects\.csv: it is a symbolic link/);
    expect(run.err).not.toMatch(/internal error|\n\s+at /);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(await storedRows(db)).toBe(0);
  });

  it('bad --rejects path: exit 2, no crash, and nothing half-committed (checked before the import)', async () => {
    const dir = dataset();
    const db = join(dir, 's.duckdb');
    const run = await runCaptured(['import', dir, '--db', db, '--rejects', join(dir, 'no-such-folder', 'r.csv')]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--rejects: cannot write .*r\.csv: folder .*no-such-folder does not exist/);
    expect(run.err).not.toMatch(/internal error|\n\s+at /);
    expect(await storedRows(db)).toBe(0);
  });

  it('rejects file mode: created 0600, and no temporary file left beside it', async () => {
    const dir = dataset();
    const out = join(dir, 'out');
    mkdirSync(out);
    const run = await runCaptured(['import', dir, '--db', join(dir, 's.duckdb'), '--rejects', join(out, 'rejects.csv')]);
    expect(run.code).toBe(1);
    expect(statSync(join(out, 'rejects.csv')).mode & 0o777).toBe(0o600);
    expect(readdirSync(out)).toEqual(['rejects.csv']);
    expect(readFileSync(join(out, 'rejects.csv'), 'utf8')).toMatch(/^file,line,column,value,reason,row_bytes,row_sha256\ncustomers,8,join_date,/);
  });

  it('model --out through a symlink: refused with exit 2, the target untouched', async () => {
    const dir = join(root, `m${n++}`);
    mkdirSync(dir);
    const rows = ['id,tenure,Churn', ...Array.from({ length: 60 }, (_, i) => `c${i},${i % 12},${i % 3 === 0 ? 'Yes' : 'No'}`)];
    writeFileSync(join(dir, 'train.csv'), rows.join('\n') + '\n');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, 'model.json'));
    const run = await runCaptured(['model', 'train', '--table', join(dir, 'train.csv'), '--label', 'Churn', '--id', 'id', '--out', join(dir, 'model.json')]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--out: cannot write .*model\.json: it is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});
