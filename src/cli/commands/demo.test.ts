import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TenureError } from '../../app/errors.ts';
import { runCli } from '../main.ts';
import { parseDemoFlags, register } from './demo.ts';

const root = mkdtempSync(join(tmpdir(), 'tenure-demo-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function usageError(flags: Parameters<typeof parseDemoFlags>[0]): string {
  try {
    parseDemoFlags(flags);
  } catch (err) {
    if (err instanceof TenureError && err.code === 'USAGE') return err.message;
    throw err;
  }
  throw new Error('expected a usage error');
}

describe('tenure demo flags', () => {
  it('defaults to 5000 mixed customers over 24 months to 2025-12 with seed 42', () => {
    expect(parseDemoFlags({})).toEqual({ outDir: './tenure-data/demo', customers: 5000, months: 24, seed: 42, profile: 'mixed', endMonth: '2025-12' });
  });

  it('rejects non-positive or malformed numbers, unknown profiles and bad months with clear messages', () => {
    expect(usageError({ customers: '0' })).toMatch(/--customers must be a whole number/);
    expect(usageError({ customers: '1e5' })).toMatch(/--customers/);
    expect(usageError({ months: '-3' })).toMatch(/--months/);
    expect(usageError({ seed: '4.2' })).toMatch(/--seed/);
    expect(usageError({ profile: 'tv' })).toMatch(/--profile must be one of mobile, cable, mixed/);
    expect(usageError({ endMonth: '2025-13' })).toMatch(/--end-month/);
  });

  it('usage errors exit 2 through the CLI', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runCli(['demo', '--customers', 'many'])).toBe(2);
      expect(await runCli(['demo', '--profile', 'satellite'])).toBe(2);
    } finally {
      stderr.mockRestore();
    }
  });

  it('writes the data set, prints the folder on stdout and a summary on stderr', async () => {
    const out = join(root, 'demo');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const program = new Command().exitOverride();
      register(program);
      await program.parseAsync(['demo', '--out', out, '--customers', '80', '--months', '6', '--profile', 'cable', '--seed', '9'], { from: 'user' });
      expect(stdout.mock.calls.map((c) => String(c[0]))).toEqual([`${out}\n`]);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/cable operator, seed 9, 6 months to 2025-12: customers 80/);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(readdirSync(out)).toContain('monthly_usage.csv');
  });
});
