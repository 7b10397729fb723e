/**
 * Cost of the typed, injection-safe output path on `tenure score`-sized output, against its
 * peer in the same run: the previous path (money through toFixed(2) text, CSV fields quoted
 * only for , " CR LF, no formula neutralising, tables without control-character escaping).
 *
 *   npx tsx bench/output.ts [--rows 1000000] [--rounds 3]
 *
 * Prints a table (median ms per round) and writes bench/out/output.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { money, toCsv, toTable, type Cell } from '../src/cli/output.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rows = arg('rows', 1_000_000);
const rounds = arg('rounds', 3);

// Score-like rows: id, probability, expected loss (float), stage, quadrant, reasons text; one
// row in 1,000 has a reason starting with '-' or '=' so the neutralising branch runs.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const data = Array.from({ length: rows }, (_, i) => ({
  customer_id: `C${String(i).padStart(7, '0')}`,
  churn_probability: rand(),
  expected_loss: rand() * 2000,
  lifecycle_stage: 'ABCD'[i % 4] as string,
  value_quadrant: ['I', 'II', 'III', 'IV'][i % 4] as string,
  top_reasons: i % 1000 === 0 ? '=HYPERLINK("x")' : '拨打客服电话频率为1.33次/月; 流量变化-45.24%（较前3个月）; 在网时长为2个月',
}));
const columns = ['customer_id', 'churn_probability', 'expected_loss', 'lifecycle_stage', 'value_quadrant', 'top_reasons'];

/** The previous path, kept here as the peer. */
function oldCsvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  const text = String(v);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
function oldToCsv(cols: readonly string[], rs: readonly Record<string, Cell>[]): string {
  const lines = [cols.map(oldCsvField).join(',')];
  for (const r of rs) lines.push(cols.map((c) => oldCsvField(r[c])).join(','));
  return lines.join('\n') + '\n';
}

function time(fn: () => number): { ms: number; bytes: number } {
  const runs: { ms: number; bytes: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    const bytes = fn();
    runs.push({ ms: performance.now() - t, bytes });
  }
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(runs.length / 2)] as { ms: number; bytes: number };
}

const tableRows = Math.min(rows, 100_000);
const results = [
  { step: 'money: toFixed(2) text (peer)', ...time(() => data.reduce((n, d) => n + d.expected_loss.toFixed(2).length, 0)) },
  { step: 'money: money() half-up number', ...time(() => data.reduce((n, d) => n + String(money(d.expected_loss)).length, 0)) },
  { step: 'csv: previous toCsv (peer)', ...time(() => oldToCsv(columns, data.map((d) => ({ ...d, expected_loss: d.expected_loss.toFixed(2) }))).length) },
  { step: 'csv: typed + neutralising toCsv', ...time(() => toCsv(columns, data.map((d) => ({ ...d, expected_loss: money(d.expected_loss) }))).length) },
  { step: `table ${tableRows} rows (escaping controls)`, ...time(() => toTable(columns, data.slice(0, tableRows), { money: ['expected_loss'], currency: 'CNY' }).length) },
];

const pad = (s: string, n: number) => s.padEnd(n);
process.stdout.write(`${rows} rows, median of ${rounds}\n${pad('step', 44)}${'ms'.padStart(10)}${'MB out'.padStart(10)}\n`);
for (const r of results) process.stdout.write(`${pad(r.step, 44)}${r.ms.toFixed(0).padStart(10)}${(r.bytes / 1e6).toFixed(1).padStart(10)}\n`);
const ratio = (a: number, b: number) => ((results[b]?.ms ?? 0) / (results[a]?.ms ?? 1)).toFixed(2);
process.stdout.write(`money() vs toFixed: ${ratio(0, 1)}×; new CSV path vs previous: ${ratio(2, 3)}×\n`);
const out = resolve('bench/out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'output.json'), JSON.stringify({ rows, rounds, results }, null, 2) + '\n');
process.stdout.write('wrote bench/out/output.json\n');
