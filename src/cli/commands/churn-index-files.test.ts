import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCaptured } from '../test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenure-churn-index-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

describe('churn-index --surveys files', () => {
  it('survey gz bomb: decompression stops at the surveys cap with a clear error (exit 2)', async () => {
    // 80 MiB of zeros in about 80 KB: past the 64 MiB surveys cap.
    const bomb = join(dir, 'bomb.csv.gz');
    writeFileSync(bomb, gzipSync(Buffer.concat([Buffer.from('scope,reason,rating,importance,availability\n'), Buffer.alloc(80 << 20)])));
    const run = await runCaptured(['churn-index', '--surveys', bomb, '--json']);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/bomb\.csv\.gz: decompresses to more than 67108864 bytes, the surveys limit \(TENURE_IMPORT_MAX_GZIP_BYTES\)/);
  });

  it('the cap follows TENURE_IMPORT_MAX_GZIP_BYTES when it is lower', async () => {
    const small = join(dir, 'small.csv.gz');
    writeFileSync(small, gzipSync('scope,reason,rating,importance,availability\n' + 'all,price,10,3,1\n'.repeat(200)));
    process.env.TENURE_IMPORT_MAX_GZIP_BYTES = '1000';
    try {
      const run = await runCaptured(['churn-index', '--surveys', small, '--json']);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/decompresses to more than 1000 bytes/);
    } finally {
      delete process.env.TENURE_IMPORT_MAX_GZIP_BYTES;
    }
    expect((await runCaptured(['churn-index', '--surveys', small, '--json'])).code).toBe(0);
  });

  it('a FIFO as --surveys is refused at once, without waiting for a writer', async () => {
    const fifo = join(dir, 'surveys.csv');
    execFileSync('mkfifo', [fifo]);
    const run = await runCaptured(['churn-index', '--surveys', fifo, '--json']);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/surveys\.csv: is a named pipe \(FIFO\), not a regular file/);
  }, 10_000);
});
