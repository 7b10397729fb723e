import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { CsvScanner, type ScanOptions, type ScanResult, type StructuralReject } from './scanner.ts';

/** Streams of a (possibly gzip-compressed) CSV file, decompressed; counts raw bytes read for progress. */
function openBytes(path: string, onRawBytes?: (n: number) => void): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (onRawBytes) raw.on('data', (chunk) => onRawBytes(chunk.length));
  if (!path.endsWith('.gz')) return raw;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

export async function scanCsvFile(
  path: string,
  options: ScanOptions,
  onRawBytes?: (n: number) => void,
): Promise<ScanResult> {
  const scanner = new CsvScanner(options);
  const stream = openBytes(path, onRawBytes);
  for await (const chunk of stream) {
    scanner.push(chunk as Uint8Array);
    if (scanner.done) {
      stream.destroy();
      break;
    }
  }
  return scanner.finish();
}

export async function readCsvHeader(path: string): Promise<readonly string[]> {
  return (await scanCsvFile(path, { headerOnly: true })).header;
}

/**
 * Writes the file without its structurally broken records (byte ranges from the scanner), so the
 * engine reads exactly the good records in order. Only used when there are broken records.
 */
export async function writeWithoutRecords(
  path: string,
  drop: readonly StructuralReject[],
  outPath: string,
): Promise<void> {
  const ranges = [...drop].sort((x, y) => x.start - y.start);
  const out = createWriteStream(outPath);
  let offset = 0;
  let k = 0;
  for await (const chunk of openBytes(path)) {
    const buf = chunk as Uint8Array;
    let from = 0;
    const chunkEnd = offset + buf.length;
    while (from < buf.length) {
      const r = ranges[k];
      const abs = offset + from;
      if (!r || r.start >= chunkEnd) {
        if (!out.write(buf.subarray(from))) await once(out, 'drain');
        break;
      }
      if (abs < r.start) {
        if (!out.write(buf.subarray(from, r.start - offset))) await once(out, 'drain');
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
  out.end();
  await once(out, 'finish');
}
