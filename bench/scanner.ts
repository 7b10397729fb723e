/**
 * Import scanner benchmark: the CSV byte scanner as it was before the record automaton (commit
 * c8d127d, read from git) against the current one, on the same files in the same run. Each file
 * is scanned three times by each scanner, alternately, through the same 1 MB-chunk stream loop
 * as scanCsvFile; medians are reported, and both scanners' results must be identical. Prints a
 * table and writes bench/out/scanner.json.
 *
 *   nice -n 19 npx tsx bench/scanner.ts [--baseline COMMIT]
 *
 * Files: monthly_usage.csv and interactions.csv of the 200,000-customer demo data set, plus a copy
 * of interactions.csv with every field quoted and CRLF line ends (written next to them for the run,
 * then removed), since the generated files have no quotes at all. CPU seconds (user + system, all
 * threads) are the load-independent figure; wall time counts whatever else the machine runs.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { readCsvHeader } from '../src/app/import/csv-file.ts';
import { fieldChecks, layoutFor } from '../src/app/import/layout.ts';
import { CsvScanner, type ScanOptions, type ScanResult } from '../src/app/import/scanner.ts';
import { fileSpec, MONEY_SCALE, type FileName } from '../src/contract/spec.ts';

// `--baseline COMMIT` compares against another commit's scanner (default: the one before the record automaton).
const baselineArg = process.argv.indexOf('--baseline');
const BASELINE = baselineArg >= 0 ? (process.argv[baselineArg + 1] ?? 'c8d127d') : 'c8d127d';
const RUNS = 3;
const OUT = resolve('bench/out');
const DATA = join(OUT, 'data-200000x24-s7-mixed');

interface Scanner {
  push(chunk: Uint8Array): void;
  finish(): ScanResult;
}
type ScannerClass = new (options: ScanOptions) => Scanner;

interface Timing {
  result: ScanResult;
  wall: number;
  cpu: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? (v[(v.length - 1) / 2] ?? 0) : ((v[v.length / 2 - 1] ?? 0) + (v[v.length / 2] ?? 0)) / 2;
}

/** The baseline scanner, written from git into .tmp and imported from there. */
async function baselineScanner(): Promise<ScannerClass> {
  const dir = resolve('.tmp/bench-scanner', BASELINE);
  mkdirSync(dir, { recursive: true });
  for (const file of ['scanner.ts', 'lexical.ts']) {
    writeFileSync(join(dir, file), execFileSync('git', ['show', `${BASELINE}:src/app/import/${file}`]));
  }
  const module = (await import(pathToFileURL(join(dir, 'scanner.ts')).href)) as { CsvScanner: ScannerClass };
  return module.CsvScanner;
}

/** The loop of scanCsvFile (uncompressed files), for either scanner. */
async function timeScan(Scanner: ScannerClass, path: string, options: ScanOptions): Promise<Timing> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const scanner = new Scanner(options);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) scanner.push(chunk as Uint8Array);
  const result = scanner.finish();
  return { result, wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - cpu0 };
}

/** interactions.csv with every field quoted (quotes inside doubled) and CRLF line ends. */
function writeQuotedCopy(from: string, to: string): void {
  const lines = readFileSync(from, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const quote = (field: string) => `"${field.replaceAll('"', '""')}"`;
  writeFileSync(to, lines.map((line) => line.split(',').map(quote).join(',')).join('\r\n') + '\r\n');
}

async function main(): Promise<void> {
  if (!existsSync(join(DATA, '.complete'))) {
    process.stderr.write(`missing ${DATA}\ncreate it with: npx tsx bench/import.ts --customers 200000\n`);
    process.exit(1);
  }
  const quotedCopy = join(OUT, 'scanner-interactions-quoted-crlf.csv');
  writeQuotedCopy(join(DATA, 'interactions.csv'), quotedCopy);
  const files: { label: string; spec: FileName; path: string }[] = [
    { label: 'monthly_usage', spec: 'monthly_usage', path: join(DATA, 'monthly_usage.csv') },
    { label: 'interactions', spec: 'interactions', path: join(DATA, 'interactions.csv') },
    { label: 'interactions quoted+CRLF', spec: 'interactions', path: quotedCopy },
  ];
  const scanners: Record<'before' | 'after', ScannerClass> = { before: await baselineScanner(), after: CsvScanner };
  const rows = [];
  try {
    for (const file of files) {
      const layout = layoutFor(fileSpec(file.spec), await readCsvHeader(file.path));
      if ('errors' in layout) throw new Error(`${file.path}: ${layout.errors.join('; ')}`);
      const options: ScanOptions = { checks: fieldChecks(layout.layout), moneyScale: MONEY_SCALE };
      const runs: Record<'before' | 'after', Timing[]> = { before: [], after: [] };
      for (let run = 0; run < RUNS; run++) {
        // Alternate which scanner goes first, so neither always meets a warmer page cache or heap.
        const order = run % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
        for (const which of order) {
          process.stderr.write(`${file.label}: ${which}, run ${run + 1}/${RUNS}…\n`);
          runs[which].push(await timeScan(scanners[which], file.path, options));
        }
      }
      const [reference] = runs.before;
      const identical = runs.after.every((t) => isDeepStrictEqual(t.result, reference?.result));
      if (!identical) throw new Error(`${file.label}: the scanners' results differ`);
      const bytes = statSync(file.path).size;
      const summary = (timings: readonly Timing[]) => {
        const wall = median(timings.map((t) => t.wall));
        return {
          wall_s: timings.map((t) => t.wall),
          cpu_s: timings.map((t) => t.cpu),
          median_wall_s: wall,
          median_cpu_s: median(timings.map((t) => t.cpu)),
          mb_per_s: bytes / 1e6 / wall,
        };
      };
      const before = summary(runs.before);
      const after = summary(runs.after);
      rows.push({
        file: file.label,
        path: file.path,
        bytes,
        records: reference?.result.records ?? 0,
        identical,
        before,
        after,
        ratio_wall: before.median_wall_s / after.median_wall_s,
        ratio_cpu: before.median_cpu_s / after.median_cpu_s,
      });
    }
  } finally {
    rmSync(quotedCopy, { force: true });
  }
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  console.log(`${'file'.padEnd(26)}${pad('MB', 8)}${pad('records', 10)}  ${'scanner'.padEnd(8)}${pad('wall s', 8)}${pad('CPU s', 8)}${pad('MB/s', 8)}`);
  for (const r of rows) {
    const mb = (r.bytes / 1e6).toFixed(1);
    console.log(`${r.file.padEnd(26)}${pad(mb, 8)}${pad(r.records, 10)}  ${'before'.padEnd(8)}${pad(r.before.median_wall_s.toFixed(2), 8)}${pad(r.before.median_cpu_s.toFixed(2), 8)}${pad(r.before.mb_per_s.toFixed(0), 8)}`);
    console.log(`${''.padEnd(44)}  ${'after'.padEnd(8)}${pad(r.after.median_wall_s.toFixed(2), 8)}${pad(r.after.median_cpu_s.toFixed(2), 8)}${pad(r.after.mb_per_s.toFixed(0), 8)}`);
    console.log(`${''.padEnd(44)}  ${'ratio'.padEnd(8)}${pad(`${r.ratio_wall.toFixed(2)}x`, 8)}${pad(`${r.ratio_cpu.toFixed(2)}x`, 8)}`);
  }
  console.log(`median of ${RUNS} runs each; results identical to the scanner of ${BASELINE} on every file`);
  const result = { baseline_commit: BASELINE, runs: RUNS, load_average: loadavg(), files: rows, at: new Date().toISOString() };
  writeFileSync(join(OUT, 'scanner.json'), JSON.stringify(result, null, 2) + '\n');
}

await main();
