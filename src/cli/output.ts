import { Option, type Command } from 'commander';
import { TenureError } from '../app/errors.ts';

export type OutputFormat = 'table' | 'csv' | 'json';

export interface FormatOptions {
  format?: string;
  json?: boolean;
}

/** Adds the contract's `--format table|csv|json` and `--json` to a command that prints data. */
export function withFormat(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']))
    .option('--json', 'short for --format json');
}

export function resolveFormat(opts: FormatOptions, stream: NodeJS.WriteStream = process.stdout): OutputFormat {
  if (opts.json) return 'json';
  if (opts.format === 'table' || opts.format === 'csv' || opts.format === 'json') return opts.format;
  if (opts.format !== undefined) throw new TenureError('USAGE', `unknown format ${opts.format}`);
  return stream.isTTY ? 'table' : 'csv';
}

export type Cell = string | number | bigint | boolean | null | undefined;

function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  const text = String(v);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(columns: readonly string[], rows: readonly Record<string, Cell>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return lines.join('\n') + '\n';
}

/** Display width: CJK and full-width characters take two terminal cells. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd)) ? 2 : 1;
  }
  return w;
}

export function toTable(columns: readonly string[], rows: readonly Record<string, Cell>[]): string {
  const text = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(displayWidth(c), ...text.map((t) => displayWidth(t[i] ?? ''))));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => {
    const v = r[columns[i] ?? ''];
    return v === null || v === undefined || typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+(\.\d+)?%?$/.test(v));
  }));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(s)));
    return numeric[i] ? fill + s : s + fill;
  };
  const out = [columns.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const t of text) out.push(t.map(pad).join('  '));
  return out.join('\n') + '\n';
}

/** One output path for tabular results: table on a TTY, CSV otherwise, JSON on request. */
export function printRows(
  columns: readonly string[],
  rows: readonly Record<string, Cell>[],
  format: OutputFormat,
  out: NodeJS.WritableStream = process.stdout,
): void {
  if (format === 'json') {
    out.write(JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c, jsonCell(r[c])]))), null, 2) + '\n');
  } else if (format === 'csv') {
    out.write(toCsv(columns, rows));
  } else {
    out.write(toTable(columns, rows));
  }
}

function jsonCell(v: Cell): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
}
