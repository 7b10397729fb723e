import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'tenure-quickstart-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs the README's quick start on a fresh clone of the committed tree, as a new user would.
 * Commits only: work in progress is not part of a clone.
 */
describe('README quick start on a fresh clone', () => {
  it('documents exactly the two commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toMatch(/```sh\nnpm test\n```/);
  });

  it('npm ci && npm start generates, imports and reports', { timeout: 600_000 }, () => {
    const clone = join(work, 'tenure');
    execFileSync('git', ['clone', '--quiet', repo, clone]);
    const result = spawnSync('bash', ['-c', 'npm ci --no-audit --no-fund && npm start'], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
      timeout: 590_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(clone, 'tenure.duckdb'))).toBe(true);
    // The main job prints the churn-totals report with the contract's columns.
    expect(result.stdout).toContain('month');
    expect(result.stdout).toContain('opening');
    expect(result.stdout).toContain('revenue_lost');
  });
});
