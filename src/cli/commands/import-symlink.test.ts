import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCleanDataset } from '../../app/import/test-fixture.ts';
import { runCaptured } from '../test-support.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-import-symlink-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tenure import --follow-symlinks', () => {
  it('reads a linked file whose target lies outside the data folder (the locked-down engine is allowed its folder)', async () => {
    const data = join(root, 'data');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(data);
    mkdirSync(elsewhere);
    writeCleanDataset(data, 5);
    renameSync(join(data, 'customers.csv'), join(elsewhere, 'customers.csv'));
    symlinkSync(join(elsewhere, 'customers.csv'), join(data, 'customers.csv'));
    const db = join(root, 's.duckdb');
    const refused = await runCaptured(['import', data, '--db', db, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('symbolic link');
    const followed = await runCaptured(['import', data, '--db', db, '--json', '--follow-symlinks']);
    expect(followed.code, followed.err).toBe(0);
    expect((JSON.parse(followed.out) as { files: Record<string, { accepted: number }> }).files.customers?.accepted).toBe(5);
  });
});
