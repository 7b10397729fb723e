import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeError } from './errors.ts';
import { runCli } from './main.ts';
import { runCaptured } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stack frame line as V8 prints it. */
const STACK_FRAME = /\n\s+at /;

/** Runs the CLI with stdout failing on every write (a full disk, a closed socket): a fault no command handles. */
async function runWithBrokenStdout(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => {
    throw new Error('ENOSPC: no space left on device, write');
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await runCli(args), err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('errors reach the user in words', () => {
  it('a segment definition nested 1,500 deep: exit 2 naming the file and the limit, no "internal error", no stack trace', async () => {
    const file = join(dir, 'deep.json');
    const leaf = '{"field":"revenue","op":">","value":1}';
    writeFileSync(file, `[{"name":"deep","when":${'{"not":'.repeat(1500)}${leaf}${'}'.repeat(1500)}}]`);
    const run = await runCaptured(['segments', '--segments', file, '--db', join(dir, 'absent.duckdb')]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`${file}: invalid segment definitions: 0.when.not.not`);
    expect(run.err).toMatch(/nested deeper than \d+ JSON levels/);
    expect(run.err).not.toContain('internal error');
    expect(run.err).not.toMatch(STACK_FRAME);
  });

  it('a segments or rules path that is a folder is a clear error, not an internal one', async () => {
    const run = await runCaptured(['segments', '--segments', dir, '--db', join(dir, 'absent.duckdb')]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`${dir}: cannot read the segments file: EISDIR`);
  });

  it('no stack trace without --debug: an internal error is one line saying how to get the details', async () => {
    const run = await runWithBrokenStdout(['retention', 'fit', '--counts', '1000,869,743,653', '--json']);
    expect(run.code).toBe(2);
    expect(run.err).toBe('tenure: internal error: Error: ENOSPC: no space left on device, write (run again with --debug for the details to report)\n');
    expect(run.err).not.toMatch(STACK_FRAME);
  });

  it('a stack trace with --debug, before or after the command', async () => {
    for (const args of [['--debug', 'retention', 'fit', '--counts', '1000,869,743,653', '--json'], ['retention', 'fit', '--counts', '1000,869,743,653', '--json', '--debug']]) {
      const run = await runWithBrokenStdout(args);
      expect(run.code).toBe(2);
      expect(run.err).toContain('tenure: internal error: Error: ENOSPC: no space left on device, write');
      expect(run.err).toMatch(STACK_FRAME);
    }
  });

  it('an internal error message is cut to one line of at most 300 characters', () => {
    const { exitCode, message } = describeError(new TypeError(`${'x'.repeat(400)}\nsecond line`));
    expect(exitCode).toBe(2);
    expect(message).toBe(`internal error: TypeError: ${'x'.repeat(289)}… (run again with --debug for the details to report)`);
  });
});
