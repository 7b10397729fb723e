import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TenureError } from '../errors.ts';
import { OutputFile, writeFileSafely } from './safe-write.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-safe-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const folder = () => {
  const dir = join(root, `d${n++}`);
  mkdirSync(dir);
  return dir;
};

describe('safe file writes', () => {
  it('creates a new file 0600 by default, with nothing left beside it', () => {
    const dir = folder();
    writeFileSafely(join(dir, 'out.csv'), 'a,b\n');
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe('a,b\n');
    expect(statSync(join(dir, 'out.csv')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  it('replaces an existing file whole, and with its own mode', () => {
    const dir = folder();
    const path = join(dir, 'out.csv');
    writeFileSync(path, 'old content that is longer\n', { mode: 0o644 });
    writeFileSafely(path, 'new\n');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('write through a symlink destination: refused, the file it points to is untouched', () => {
    const dir = folder();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const link = join(dir, 'out.csv');
    symlinkSync(victim, link);
    expect(() => writeFileSafely(link, 'x\n', { what: '--rejects' })).toThrow(/--rejects: cannot write .*out\.csv: it is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['out.csv', 'victim.txt']);
  });

  it('a symlink placed at the destination after opening is still refused at commit', () => {
    const dir = folder();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const out = OutputFile.open(join(dir, 'out.csv'));
    out.write('x\n');
    symlinkSync(victim, join(dir, 'out.csv'));
    expect(() => out.commit()).toThrow(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readdirSync(dir).sort()).toEqual(['out.csv', 'victim.txt']);
  });

  it('a missing folder, a folder as destination or an unwritable folder is a usage error naming the path', () => {
    const dir = folder();
    const usage = (f: () => void) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(TenureError);
        expect((err as TenureError).code).toBe('USAGE');
        return (err as Error).message;
      }
      throw new Error('expected a usage error');
    };
    expect(usage(() => OutputFile.open(join(dir, 'nope', 'r.csv')))).toMatch(/nope.*does not exist/);
    expect(usage(() => OutputFile.open(dir))).toMatch(/is a folder/);
    if (process.getuid?.() !== 0) {
      const ro = folder();
      chmodSync(ro, 0o500);
      try {
        expect(usage(() => OutputFile.open(join(ro, 'r.csv')))).toMatch(/not writable/);
      } finally {
        chmodSync(ro, 0o700);
      }
    }
  });

  it('abort leaves the destination as it was and removes the temporary file', () => {
    const dir = folder();
    const path = join(dir, 'out.csv');
    writeFileSync(path, 'before\n');
    const out = OutputFile.open(path);
    out.write('half');
    expect(readdirSync(dir)).toHaveLength(2);
    out.abort();
    out.abort();
    expect(readFileSync(path, 'utf8')).toBe('before\n');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });
});
