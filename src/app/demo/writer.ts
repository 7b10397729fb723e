/**
 * Buffered CSV file writer with backpressure. Lines are batched into ~64 KiB strings
 * (one write call per batch, not per row) and the generator awaits `drain` whenever the
 * stream's buffer is full, so memory stays bounded however many rows are written.
 * Files are written through the product's one safe writer (app/files/safe-write.ts): an
 * exclusive temporary file renamed when complete, so a killed run never leaves a truncated
 * file that looks finished, and a symlink at the destination is refused, never followed.
 * The data is synthetic and meant to be shared, so the files are 0644.
 */
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { OutputFile, SHARED_FILE } from '../files/safe-write.ts';
import type { DemoFileSink } from '../../domain/demo/index.ts';

const BATCH_CHARS = 1 << 16;

export class CsvFileWriter implements DemoFileSink {
  rows = 0;
  private batch: string[] = [];
  private batchChars = 0;
  private blocked = false;
  private readonly stream: WriteStream;
  private readonly out: OutputFile;

  constructor(
    readonly path: string,
    header: readonly string[],
  ) {
    this.out = OutputFile.open(path, { mode: SHARED_FILE });
    this.stream = this.out.stream(1 << 20);
    this.stream.on('error', () => undefined); // surfaced by drain()/close() through once()/finished()
    this.batch.push(header.join(',') + '\n');
  }

  push(line: string): void {
    this.batch.push(line);
    this.batchChars += line.length;
    this.rows++;
    if (this.batchChars >= BATCH_CHARS) this.flush();
  }

  get mustDrain(): boolean {
    return this.blocked;
  }

  async drain(): Promise<void> {
    if (!this.blocked) return;
    await once(this.stream, 'drain');
    this.blocked = false;
  }

  /** Flushes, closes and moves the file to its final name. */
  async close(): Promise<void> {
    this.flush();
    this.stream.end();
    try {
      await finished(this.stream);
    } catch (err) {
      this.out.abort();
      throw err;
    }
    this.out.commit();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    if (!this.stream.write(this.batch.join(''))) this.blocked = true;
    this.batch = [];
    this.batchChars = 0;
  }
}
