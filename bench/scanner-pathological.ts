/**
 * Pathological-input benchmark for the import's CSV scanner (issue 18.3): inputs of 8 to 256 MB
 * that are one endless record (an unclosed quote near the start; no line break at all) against a
 * normal file of the same size in the same run (the peer), all fed through the 1 MiB-chunk loop
 * of scanCsvFile. Before the fix an incomplete record was re-parsed from its start on every chunk,
 * so time grew with the square of the size (8/16/32/64 MB: 0.5/1.0/2.9/12.3 s). The record-length
 * limit is lifted for this run (it would stop both pathological inputs after 1 MiB), so what is
 * measured is the scan itself; the last column shows where the default limits stop each input.
 *
 *   nice -n 19 npx tsx bench/scanner-pathological.ts [--max-mb 256] [--baseline COMMIT]
 *
 * --baseline COMMIT also runs that commit's scanner (read from git) on the sizes up to 64 MB.
 * Inputs are generated in memory (nothing written but bench/out/scanner-pathological.json).
 * CPU seconds (user + system) are the load-independent figure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CsvScanner, ScanLimitError, type ScanOptions, type ScanResult } from '../src/app/import/scanner.ts';

const OUT = resolve('bench/out');
const CHUNK = 1 << 20;
const MB = 1 << 20;

interface Scanner {
  push(chunk: Uint8Array): void;
  finish(): ScanResult;
}
type ScannerClass = new (options: ScanOptions) => Scanner;

const { values: args } = parseArgs({ options: { 'max-mb': { type: 'string', default: '256' }, baseline: { type: 'string' } } });
const maxMb = Number(args['max-mb']);
const sizes = [8, 16, 32, 64, 128, 256].filter((s) => s <= maxMb);

const HEADER = 'customer_id,month,revenue,topic\n';
const inputs: Record<string, (bytes: number) => Buffer> = {
  // A quote opened on the first record and never closed: the rest of the file is one field.
  unclosed_quote: (bytes) => {
    const head = Buffer.from(`${HEADER}C0001,2024-01,38.50,"never closed\n`);
    const body = Buffer.alloc(bytes - head.length, 'C0002,2024-01,38.50,text\n');
    return Buffer.concat([head, body]);
  },
  // No line break at all after the header.
  no_line_breaks: (bytes) => Buffer.concat([Buffer.from(HEADER), Buffer.alloc(bytes - HEADER.length, 'C0002 2024-01 38.50 text ')]),
  // The peer: a normal file of the same size.
  normal: (bytes) => Buffer.concat([Buffer.from(HEADER), Buffer.alloc(bytes - HEADER.length, 'C0002,2024-01,38.50,text\n')]),
};

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function run(Scanner: ScannerClass, bytes: Buffer, options: ScanOptions): { wall: number; cpu: number; result: ScanResult } {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const scanner = new Scanner(options);
  for (let at = 0; at < bytes.length; at += CHUNK) scanner.push(bytes.subarray(at, at + CHUNK));
  const result = scanner.finish();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - cpu0, result };
}

/** Where the default limits stop an input: "line N (limit)" or "not stopped". */
function defaultStop(bytes: Buffer): string {
  try {
    run(CsvScanner, bytes, { checks: [null, 'month', 'money', null] });
    return 'not stopped';
  } catch (err) {
    if (err instanceof ScanLimitError) return `line ${err.line} (${err.limit})`;
    throw err;
  }
}

async function baselineScanner(commit: string): Promise<ScannerClass> {
  const dir = resolve('.tmp/bench-scanner', commit);
  mkdirSync(dir, { recursive: true });
  for (const file of ['scanner.ts', 'lexical.ts']) writeFileSync(join(dir, file), execFileSync('git', ['show', `${commit}:src/app/import/${file}`]));
  return ((await import(pathToFileURL(join(dir, 'scanner.ts')).href)) as { CsvScanner: ScannerClass }).CsvScanner;
}

async function main(): Promise<void> {
  const baseline = args.baseline ? await baselineScanner(args.baseline) : null;
  const options: ScanOptions = { checks: [null, 'month', 'money', null], limits: { maxRecordBytes: Number.MAX_SAFE_INTEGER } };
  const rows: Record<string, unknown>[] = [];
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  console.log(`${'input'.padEnd(16)}${pad('MB', 6)}${pad('wall s', 9)}${pad('CPU s', 8)}${pad('MB/s', 8)}${pad('s/MB vs 8', 11)}${pad('baseline s', 12)}  default limits stop at`);
  // One discarded pass of each input first, so the 8 MB row does not carry the JIT's warm-up.
  for (const make of Object.values(inputs)) run(CsvScanner, make(8 * MB), options);
  const perMb8: Record<string, number> = {};
  for (const size of sizes) {
    for (const [name, make] of Object.entries(inputs)) {
      const bytes = make(size * MB);
      process.stderr.write(`${name} ${size} MB…\n`);
      const t = run(CsvScanner, bytes, options);
      const perMb = t.cpu / size;
      perMb8[name] ??= perMb;
      let base: number | null = null;
      if (baseline && size <= 64) base = run(baseline, bytes, { checks: options.checks }).cpu;
      const stop = name === 'normal' ? '-' : defaultStop(bytes);
      const growth = perMb / (perMb8[name] as number);
      rows.push({
        input: name,
        mb: size,
        wall_s: t.wall,
        cpu_s: t.cpu,
        mb_per_s: size / t.wall,
        cpu_s_per_mb_relative_to_8mb: growth,
        records: t.result.records,
        structural: t.result.structural.length,
        baseline_cpu_s: base,
        default_limits_stop: stop,
      });
      console.log(
        `${name.padEnd(16)}${pad(size, 6)}${pad(t.wall.toFixed(2), 9)}${pad(t.cpu.toFixed(2), 8)}${pad((size / t.wall).toFixed(0), 8)}${pad(`${growth.toFixed(2)}x`, 11)}${pad(base === null ? '-' : base.toFixed(2), 12)}  ${stop}`,
      );
    }
  }
  console.log('linear: CPU s per MB stays near 1x of the 8 MB figure as the size grows (quadratic would double it with each doubling)');
  mkdirSync(OUT, { recursive: true });
  const result = { chunk_bytes: CHUNK, baseline_commit: args.baseline ?? null, load_average: loadavg(), rows, at: new Date().toISOString() };
  writeFileSync(join(OUT, 'scanner-pathological.json'), JSON.stringify(result, null, 2) + '\n');
}

await main();
