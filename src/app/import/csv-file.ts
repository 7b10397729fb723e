import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { TenureError } from '../errors.ts';
import { OutputFile } from '../files/safe-write.ts';
import { DEFAULT_IMPORT_LIMITS, GZIP_RATIO_FROM, LIMIT_ENV, type ImportLimits } from './limits.ts';
import { CsvScanner, ScanLimitError, type ScanOptions, type ScanResult, type StructuralReject } from './scanner.ts';

/** Where a CSV's bytes come from: a path (tests, benches) or an import's open input file. */
export interface CsvSource {
  /** For messages, and `.gz` (any case) means gzip. */
  readonly name: string;
  rawStream(): Readable;
}

export function csvSource(source: string | CsvSource): CsvSource {
  if (typeof source !== 'string') return source;
  return { name: source, rawStream: () => createReadStream(source, { highWaterMark: 1 << 20 }) };
}

const isGzip = (source: CsvSource) => /\.gz$/i.test(source.name);

/**
 * The decompressed bytes of a (possibly gzip-compressed) CSV, with the raw bytes handed to
 * `onRaw` (progress, hashing). Decompression stops at the limits: a small .csv.gz can expand to
 * gigabytes, and every later step would pay for them.
 */
async function* bytesOf(source: CsvSource, limits: ImportLimits, onRaw?: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  const raw = source.rawStream();
  let rawBytes = 0;
  raw.on('data', (chunk: Uint8Array) => {
    rawBytes += chunk.length;
    onRaw?.(chunk);
  });
  if (!isGzip(source)) {
    for await (const chunk of raw) yield chunk as Uint8Array;
    return;
  }
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (err) => gunzip.destroy(err));
  raw.pipe(gunzip);
  let out = 0;
  try {
    for await (const chunk of gunzip) {
      out += (chunk as Uint8Array).length;
      if (out > limits.maxGzipBytes) {
        throw new TenureError('BAD_INPUT', `decompresses to more than ${limits.maxGzipBytes} bytes; raise ${LIMIT_ENV.maxGzipBytes} if the file is real`, { file: source.name });
      }
      if (out > GZIP_RATIO_FROM && out > limits.maxGzipRatio * Math.max(rawBytes, 1)) {
        throw new TenureError(
          'BAD_INPUT',
          `decompresses more than ${limits.maxGzipRatio} times its compressed size (${out} bytes from ${rawBytes}): not a plausible export (a decompression bomb?); raise ${LIMIT_ENV.maxGzipRatio} if the file is real`,
          { file: source.name },
        );
      }
      yield chunk as Uint8Array;
    }
  } catch (err) {
    if (err instanceof TenureError) throw err;
    throw new TenureError('BAD_INPUT', `cannot decompress: ${(err as Error).message}`, { file: source.name });
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

export interface FileScan extends ScanResult {
  /** SHA-256 of the file's raw (compressed, if it is) bytes. */
  readonly sha256: string;
}

export async function scanCsvFile(
  source: string | CsvSource,
  options: ScanOptions & { readonly limits?: Partial<ImportLimits> },
  onRawBytes?: (n: number) => void,
): Promise<FileScan> {
  const src = csvSource(source);
  const limits = { ...DEFAULT_IMPORT_LIMITS, ...options.limits };
  const scanner = new CsvScanner({ ...options, limits });
  const hash = createHash('sha256');
  const onRaw = (chunk: Uint8Array) => {
    if (!options.headerOnly) hash.update(chunk);
    onRawBytes?.(chunk.length);
  };
  try {
    for await (const chunk of bytesOf(src, limits, onRaw)) {
      scanner.push(chunk);
      if (scanner.done) break;
    }
    return { ...scanner.finish(), sha256: hash.digest('hex') };
  } catch (err) {
    if (err instanceof ScanLimitError) throw new TenureError('BAD_INPUT', err.message, { file: src.name, line: err.line });
    throw err;
  }
}

export async function readCsvHeader(source: string | CsvSource, limits?: Partial<ImportLimits>): Promise<readonly string[]> {
  return (await scanCsvFile(source, { headerOnly: true, ...(limits ? { limits } : {}) })).header;
}

/**
 * Writes the file without its structurally broken records (byte ranges from the scanner), so the
 * engine reads exactly the good records in order. Only used when there are broken records; the
 * copy is private (0600, exclusive) like every file the product writes.
 */
export async function writeWithoutRecords(
  source: string | CsvSource,
  drop: readonly StructuralReject[],
  outPath: string,
  limits?: Partial<ImportLimits>,
): Promise<void> {
  const ranges = [...drop].sort((x, y) => x.start - y.start);
  const out = OutputFile.open(outPath);
  try {
    let offset = 0;
    let k = 0;
    for await (const buf of bytesOf(csvSource(source), { ...DEFAULT_IMPORT_LIMITS, ...limits })) {
      let from = 0;
      const chunkEnd = offset + buf.length;
      while (from < buf.length) {
        const r = ranges[k];
        const abs = offset + from;
        if (!r || r.start >= chunkEnd) {
          out.write(buf.subarray(from));
          break;
        }
        if (abs < r.start) {
          out.write(buf.subarray(from, r.start - offset));
          from = r.start - offset;
          continue;
        }
        // Inside a dropped range.
        if (r.end <= chunkEnd) {
          from = r.end - offset;
          k++;
        } else break;
      }
      offset = chunkEnd;
    }
    out.commit();
  } finally {
    out.abort();
  }
}
